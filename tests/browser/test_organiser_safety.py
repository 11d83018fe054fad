"""Organisers cannot lose work by one click (issue 14, item 3), in Chromium: Publish keeps the
edits typed just before it, and the attendance preview warns how many registrants will be marked
absent and at what threshold. Each looks at what the organiser sees, runs axe, and leaves a
screenshot (in OUTREACH_SCREENSHOTS when set, else the test's own folder) at 360 and 1280 px."""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Session, SessionStatus
from registrations import services
from tests.browser.conftest import assert_accessible
from tests.factories import OrganiserFactory, SessionFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = [360, 1280]


def log_in(context, user, live_server) -> None:
    """Sign a person in without the emailed code: a Django session cookie in the browser."""
    client = Client()
    client.force_login(user)
    sessionid = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": sessionid, "url": live_server.url}]
    )


def organiser_page(browser, live_server, width):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, timezone_id="Europe/Zurich", locale="en-GB"
    )
    context.add_cookies([{"name": "tz", "value": "Europe/Zurich", "url": live_server.url}])
    log_in(context, OrganiserFactory(time_zone="Europe/Zurich"), live_server)
    return context, context.new_page()


def screenshot(page, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("OUTREACH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # not blank
    return path


@pytest.mark.parametrize("width", WIDTHS)
def test_publish_keeping_edits(live_server, browser, tmp_path, width):
    session = SessionFactory(status=SessionStatus.DRAFT, title_en="Selling online: first draft")
    other = SessionFactory(status=SessionStatus.DRAFT, title_en="Another draft")
    context, page = organiser_page(browser, live_server, width)

    page.goto(f"{live_server.url}/en/manage/sessions/{session.pk}/edit/")
    page.locator("#id_title_en").fill("Selling online to Kenya")
    assert_accessible(page)
    page.get_by_role("button", name="Save and publish").click()

    expect(page).to_have_url(f"{live_server.url}/en/manage/sessions/{session.pk}/edit/")
    expect(page.locator("main .alert-success")).to_contain_text("The session is published.")
    expect(page.locator("main")).to_contain_text("Status: Published")
    expect(page.locator("#id_title_en")).to_have_value("Selling online to Kenya")
    expect(page.get_by_role("button", name="Save and publish")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, tmp_path, f"publish-keeping-edits-{width}")
    context.close()

    session.refresh_from_db()
    other.refresh_from_db()
    assert (session.status, session.title_en) == (
        SessionStatus.PUBLISHED,
        "Selling online to Kenya",
    )
    assert (other.status, other.title_en) == (SessionStatus.DRAFT, "Another draft")


@pytest.mark.parametrize("width", WIDTHS)
def test_publish_asks_first_without_a_join_link(live_server, browser, tmp_path, width):
    session = SessionFactory(status=SessionStatus.DRAFT, title_en="Selling online", join_url="")
    context, page = organiser_page(browser, live_server, width)

    page.goto(f"{live_server.url}/en/manage/sessions/{session.pk}/edit/")
    expect(page.locator("main .alert-warning")).to_contain_text("has no join link yet")
    page.locator("#id_title_en").fill("Selling online to Peru")
    page.get_by_role("button", name="Save and publish").click()

    expect(page).to_have_url(f"{live_server.url}/en/manage/sessions/{session.pk}/publish/")
    expect(page.get_by_role("heading", name="This online session has no join link")).to_be_visible()
    assert_accessible(page)
    screenshot(page, tmp_path, f"publish-without-join-link-{width}")
    assert Session.objects.get(pk=session.pk).status == SessionStatus.DRAFT
    page.get_by_role("button", name="Publish without a join link").click()

    expect(page.locator("main .alert-success")).to_contain_text("The session is published.")
    context.close()
    session.refresh_from_db()
    assert (session.status, session.title_en) == (SessionStatus.PUBLISHED, "Selling online to Peru")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_attendance_previews_warning(live_server, browser, tmp_path, width):
    session = SessionFactory(title_en="Selling online", attendance_threshold_minutes=30)
    other = SessionFactory(title_en="Another session")
    people = {
        name: UserFactory(full_name=name, email=f"{name.split()[0].lower()}@example.org")
        for name in ("Ana Pérez", "Ben Okafor", "Cara Diaz")
    }
    for person in people.values():
        services.register(session, person=person, organisation=person.organisation)
    starts = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    Session.objects.filter(pk=session.pk).update(
        starts_at=starts, ends_at=starts + timedelta(minutes=90), status="finished"
    )
    report = tmp_path / "attendance.csv"
    local = starts.astimezone(ZoneInfo(session.time_zone))  # the report's clock: the session's
    begin = local.strftime("%Y-%m-%d %H:%M:%S")
    rows = [("Ana Pérez", 60), ("Ben Okafor", 5)]  # Ana stays an hour, Ben five minutes
    report.write_text(
        "Participant name,E-mail address,Arrived,Departed\n"
        + "".join(
            f"{name},{people[name].email},{begin},"
            f"{(local + timedelta(minutes=minutes)).strftime('%Y-%m-%d %H:%M:%S')}\n"
            for name, minutes in rows
        ),
        encoding="utf-8",
    )
    context, page = organiser_page(browser, live_server, width)

    page.goto(f"{live_server.url}/en/manage/sessions/{session.pk}/attendance/")
    page.locator("#id_report").set_input_files(str(report))
    page.locator("#id_platform").select_option("csv")
    page.locator("#id_name_column").fill("Participant name")
    page.locator("#id_email_column").fill("E-mail address")
    page.locator("#id_joined_column").fill("Arrived")
    page.locator("#id_left_column").fill("Departed")
    page.get_by_role("button", name="Preview", exact=True).click()

    warning = page.locator("[data-absent-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Attending means at least 30 minutes in the report.")
    expect(warning).to_contain_text(
        "Importing marks 2 registrants absent: not in the report, or there for less time."
    )
    expect(page.locator("#preview-heading")).to_have_text("Preview: nothing is recorded yet")
    assert_accessible(page)
    screenshot(page, tmp_path, f"attendance-preview-{width}")
    context.close()
    assert not other.registrations.exists()
    assert not session.attendance.exists()  # a preview records nothing


@pytest.mark.parametrize("width", WIDTHS)
def test_cancelling_and_checking_in_without_a_seat_ask_first(live_server, browser, tmp_path, width):
    session = SessionFactory(
        title_en="Selling online", format="in_person", venue="Geneva", capacity=1
    )
    ana = UserFactory(full_name="Ana Pérez", email="ana@example.org")
    carla = UserFactory(full_name="Carla Ruiz", email="carla@example.org")
    seated, waiting = (
        services.register(session, person=person, organisation=person.organisation)
        for person in (ana, carla)
    )
    context, page = organiser_page(browser, live_server, width)

    page.goto(f"{live_server.url}/en/manage/sessions/{session.pk}/check-in/")
    expect(page.locator("[data-waitlisted]")).to_have_text("On the waitlist: no seat")
    assert_accessible(page)
    page.get_by_role("button", name="Check in…").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Carla Ruiz is on the waitlist: they hold no seat."
    )
    assert_accessible(page)
    screenshot(page, tmp_path, f"check-in-without-a-seat-{width}")
    page.get_by_role("button", name="Check in anyway").click()
    expect(page.locator("main .alert-success")).to_contain_text("Carla Ruiz is checked in.")

    page.goto(f"{live_server.url}/en/manage/sessions/{session.pk}/registrations/")
    page.locator("tr", has_text="Ana Pérez").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Cancel this registration?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ana Pérez")
    assert_accessible(page)
    screenshot(page, tmp_path, f"cancel-a-registrant-{width}")
    seated.refresh_from_db()
    assert seated.status == "confirmed"
    page.get_by_role("button", name="Cancel the registration").click()
    expect(page.locator("main .alert-success")).to_contain_text("The registration is cancelled.")
    context.close()
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == ("cancelled", "confirmed")
