"""Attendance recorded from the platforms' report files: preview first, then import, by the
organiser screens and by the import_attendance command; unmatched people linked by hand; people
checked in at the door of an in-person session. The webinar below is the one of the sample files
in files/, with the people who registered for it on our site."""

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from registrations.attendance.reports import ReportError
from registrations.attendance.services import (
    ReportOptions,
    check_in,
    import_attendance_report,
    link_by_hand,
    preview_attendance,
)
from registrations.models import AttendanceImport, AttendanceRecord, Registration
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
NAIROBI = "Africa/Nairobi"  # the zone of the Zoom account that wrote the samples
ZOOM = ReportOptions(time_zone=NAIROBI)
GENERIC_MAPPING = {
    "name": "Participant name",
    "email": "E-mail address",
    "joined_at": "Arrived",
    "left_at": "Departed",
}
# key: (name, email, organisation, economy, status)
REGISTRANTS = {
    "amina": ("Amina Ouédraogo", "amina.ouedraogo@sahelfoods.example", "Sahel Foods SARL", "BF"),
    "kwame": ("Kwame Mensah", "kwame.mensah@ghanacocoa.example", "Ghana Cocoa Collective", "GH"),
    "hoa": ("Nguyễn Thị Hoa", "hoa.nguyen@mekongcraft.example", "Mekong Craft Co.", "VN"),
    # Registered with her work address; joined Zoom with a private one: found by name.
    "zoe": ("Zoë Müller", "z.muller@alpenholz.example", "Alpenholz GmbH", "CH"),
    "pedro": ("Pedro Alves", "pedro@cafealves.example", "Café Alves Lda", "MZ"),
    "chidi": ("Chidi Okeke", "chidi.okeke@lagostextiles.example", "Lagos Textiles Ltd", "NG"),
    "fatou": ("Fatou Diop", "fatou.diop@dakarsoap.example", "Dakar Savonnerie", "SN"),
    # Registered here but not in the report at all.
    "nadia": ("Nadia Benali", "nadia@atlasoils.example", "Atlas Oils", "MA"),
    # In the report as "Ahmed Hassan" with another address: nothing to match on.
    "ahmed": ("Ahmed H. Hassan", "a.hassan@nileagro.example", "Nile Agro", "EG"),
}
# What the Zoom samples say of the registrants, at the default threshold of 10 minutes.
ZOOM_ATTENDANCE = {
    "amina": (True, 93),
    "kwame": (True, 47),  # two joins: 19.5 + 27.5 minutes
    "hoa": (True, 55),  # two devices, 10:05-10:45 and 10:30-11:00: the overlap counted once
    "zoe": (True, 70),
    "pedro": (False, 8),  # under the threshold
    "chidi": (True, 10),  # 9 minutes 30 seconds, rounded up: just enough
    "fatou": (False, 0),  # "Attended: No" in the report
    "nadia": (False, 0),  # not in the report
    "ahmed": (False, 0),  # in the report, but not matched yet
    "li": (None, None),  # cancelled: the report says nothing of a cancelled registration
}
# The AttendanceRecord rows from the Zoom samples: (name, registration, minutes, joins,
# attended, matched by), in the report's order.
ZOOM_RECORDS = [
    ("Amina Ouédraogo", "amina", 93, 1, True, "email"),
    ("Kwame Mensah", "kwame", 47, 2, True, "email"),
    ("Thị Hoa Nguyễn", "hoa", 55, 2, True, "email"),
    ("Zoë Müller", "zoe", 70, 1, True, "name"),
    ("Pedro Alves", "pedro", 8, 1, False, "email"),
    ("Chidi Okeke", "chidi", 10, 1, True, "email"),
    ("Ahmed Hassan", None, 40, 1, True, ""),
    ("Maria Silva", None, 30, 1, True, ""),
    ("Fatou Diop", "fatou", 0, 0, False, "email"),
    ("Li Wei", None, 0, 0, False, ""),
]


class Webinar(NamedTuple):
    session: object
    registrations: dict[str, Registration]


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def make_registration(session, name, email, organisation, economy_code, **fields):
    firm = FirmFactory(name=organisation, economy=economy(economy_code))
    person = UserFactory(full_name=name, email=email, organisation=firm)
    return RegistrationFactory(session=session, person=person, **fields)


@pytest.fixture
def webinar() -> Webinar:
    """12 November 2026, 09:55 to 11:32 in Nairobi: the session of the sample reports."""
    session = SessionFactory(
        title_en="Selling to the EU: export readiness for MSMEs",
        starts_at=datetime(2026, 11, 12, 6, 55, tzinfo=UTC),
        ends_at=datetime(2026, 11, 12, 8, 32, tzinfo=UTC),
        time_zone=NAIROBI,
        status="finished",
    )
    registrations = {
        key: make_registration(session, *details) for key, details in REGISTRANTS.items()
    }
    registrations["li"] = make_registration(
        session,
        "Li Wei",
        "li.wei@shenzhen-parts.example",
        "Shenzhen Parts",
        "CN",
        status="cancelled",
    )
    return Webinar(session, registrations)


def attendance_of(webinar: Webinar) -> dict[str, tuple]:
    by_pk = {registration.pk: key for key, registration in webinar.registrations.items()}
    rows = Registration.objects.filter(session=webinar.session).values_list(
        "pk", "attended", "minutes_attended"
    )
    return {by_pk[pk]: (attended, minutes) for pk, attended, minutes in rows}


def records_of(webinar: Webinar) -> list[tuple]:
    by_pk = {registration.pk: key for key, registration in webinar.registrations.items()}
    rows = AttendanceRecord.objects.filter(session=webinar.session).order_by("pk")
    return [
        (r.name, by_pk.get(r.registration_id), r.minutes, r.joins, r.attended, r.matched_by)
        for r in rows
    ]


def database_state() -> tuple:
    """Everything an import may write, to show that nothing was."""
    return (
        list(AttendanceImport.objects.order_by("pk").values_list("pk", "sha256")),
        list(AttendanceRecord.objects.order_by("pk").values_list()),
        list(Registration.objects.order_by("pk").values_list("pk", "attended", "minutes_attended")),
    )


@pytest.fixture
def organiser_client(client):
    client.force_login(OrganiserFactory())
    return client


def attendance_url(session) -> str:
    return f"/en/manage/sessions/{session.pk}/attendance/"


def upload(name: str, **fields) -> dict:
    data = {
        "step": "preview",
        "report": SimpleUploadedFile(name, read(name), content_type="text/csv"),
        "platform": "auto",
        "time_zone": NAIROBI,
        "date_order": "auto",
    }
    data.update(fields)
    return data


# Preview, import, import again ------------------------------------------------------------


def test_a_preview_matches_the_report_and_writes_nothing(webinar):
    before = database_state()

    people = preview_attendance(webinar.session, read("zoom_webinar.csv"), ZOOM)

    keys = {registration.pk: key for key, registration in webinar.registrations.items()}
    assert [
        (p.name, keys.get(p.key), p.minutes, p.joins, p.attended, p.matched_by) for p in people
    ] == ZOOM_RECORDS
    assert database_state() == before
    assert attendance_of(webinar) == dict.fromkeys(webinar.registrations, (None, None))


@pytest.mark.parametrize(
    "name",
    [
        "zoom_webinar.csv",  # "Nov 12, 2026 09:58:31"
        "zoom_webinar_us.csv",  # 11/12/2026 09:58:31 AM: month first, 12-hour clock
        "zoom_webinar_dmy_bom_crlf.csv",  # 12/11/2026 09:58:31, UTF-8 BOM, Windows line endings
    ],
)
def test_an_import_records_who_attended_and_for_how_long(webinar, name):
    organiser = OrganiserFactory()

    source, changed = import_attendance_report(
        webinar.session, read(name), filename=name, options=ZOOM, by=organiser
    )

    assert changed is True
    assert (source.session, source.filename, source.platform, source.imported_by) == (
        webinar.session,
        name,
        "zoom",
        organiser,
    )
    assert attendance_of(webinar) == ZOOM_ATTENDANCE
    assert records_of(webinar) == ZOOM_RECORDS
    assert set(AttendanceRecord.objects.values_list("source", flat=True)) == {source.pk}


@pytest.mark.parametrize(
    ("threshold", "moved"),
    [
        (8, {"pedro": (True, 8)}),
        (10, {}),
        (11, {"chidi": (False, 10)}),
        (48, {"kwame": (False, 47), "chidi": (False, 10)}),
    ],
)
def test_the_sessions_threshold_decides_who_attended(webinar, threshold, moved):
    webinar.session.attendance_threshold_minutes = threshold
    webinar.session.save()

    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )

    assert attendance_of(webinar) == {**ZOOM_ATTENDANCE, **moved}


def test_the_threshold_is_ten_minutes_unless_the_session_says_otherwise():
    assert SessionFactory().attendance_threshold == 10


def test_people_matching_no_registration_are_kept_unmatched(webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )

    unmatched = AttendanceRecord.objects.filter(
        session=webinar.session, registration__isnull=True
    ).order_by("name")
    assert [(r.name, r.email, r.minutes, r.attended) for r in unmatched] == [
        ("Ahmed Hassan", "ahmed.hassan@nileagro.example", 40, True),
        ("Li Wei", "li.wei@shenzhen-parts.example", 0, False),
        ("Maria Silva", "maria.silva@personal.example", 30, True),
    ]


def test_importing_the_same_file_again_changes_nothing(webinar):
    data = read("zoom_webinar.csv")
    first, _changed = import_attendance_report(
        webinar.session, data, filename="report.csv", options=ZOOM
    )
    before = database_state()

    again, changed = import_attendance_report(
        webinar.session, data, filename="report (1).csv", options=ZOOM
    )

    assert (again, changed) == (first, False)
    assert database_state() == before


def test_a_new_report_replaces_the_last_but_keeps_check_ins(webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="first.csv", options=ZOOM
    )
    check_in(webinar.registrations["nadia"], by=None)

    source, changed = import_attendance_report(
        webinar.session,
        read("generic_attendance.csv"),
        filename="corrected.csv",
        options=ReportOptions(time_zone=NAIROBI, platform="csv", mapping=GENERIC_MAPPING),
    )

    assert (changed, source.platform) == (True, "csv")
    assert attendance_of(webinar) == {
        "amina": (True, 70),
        "kwame": (True, 58),  # 14:02-14:30 and 14:28-15:00: the rejoin overlaps by 2 minutes
        "hoa": (False, 0),
        "zoe": (False, 0),
        "pedro": (False, 6),  # no email in this file: found by name
        "chidi": (False, 0),
        "fatou": (False, 0),  # "--" for both times: absent
        "nadia": (True, 97),  # checked in at the door: the whole session
        "ahmed": (False, 0),
        "li": (None, None),
    }
    assert AttendanceImport.objects.filter(session=webinar.session).count() == 2


def test_a_teams_report_in_utf16_with_tabs_is_imported(webinar):
    source, changed = import_attendance_report(
        webinar.session,
        read("teams_attendance.csv"),
        filename="teams.csv",
        options=ReportOptions(time_zone="Europe/Brussels"),
    )

    assert (changed, source.platform) == (True, "teams")
    assert {key: value for key, value in attendance_of(webinar).items() if value[0]} == {
        "amina": (True, 60),  # left and came back: 32:38 + 27:40
        "kwame": (True, 58),
        "hoa": (True, 45),
        "chidi": (True, 91),
    }
    assert attendance_of(webinar)["zoe"] == (False, 7)  # a guest without email, by name


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        (
            "zoom_bad_date.csv",
            ZOOM,
            "Line 16: the join time “31/02/2026 10:24:05” is not a date.",
        ),
        (
            "zoom_truncated.csv",
            ZOOM,
            "Line 23: this row has 6 columns where the header on line 13 has 19; "
            "the file may be cut short.",
        ),
        (
            "generic_leave_before_join.csv",
            ReportOptions(time_zone=NAIROBI, platform="csv", mapping=GENERIC_MAPPING),
            "Line 4: the leave time “2026-11-26 13:28:00” is before the join time "
            "“2026-11-26 14:28:00”.",
        ),
    ],
)
def test_a_broken_file_is_refused_whole_naming_the_line(webinar, name, options, message):
    before = database_state()

    with pytest.raises(ReportError) as refused:
        import_attendance_report(webinar.session, read(name), filename=name, options=options)

    assert str(refused.value) == message
    assert database_state() == before


def test_a_broken_file_leaves_an_earlier_import_as_it_was(webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )
    before = database_state()

    with pytest.raises(ReportError):
        import_attendance_report(
            webinar.session, read("zoom_bad_date.csv"), filename="bad.csv", options=ZOOM
        )

    assert database_state() == before
    assert attendance_of(webinar) == ZOOM_ATTENDANCE


# Linking by hand ----------------------------------------------------------------------------


def test_an_unmatched_person_is_linked_by_hand(webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )
    record = AttendanceRecord.objects.get(session=webinar.session, name="Ahmed Hassan")

    linked = link_by_hand(record, webinar.registrations["ahmed"], by=None)

    assert (linked.registration, linked.matched_by, linked.attended) == (
        webinar.registrations["ahmed"],
        "hand",
        True,
    )
    assert attendance_of(webinar) == {**ZOOM_ATTENDANCE, "ahmed": (True, 40)}


def test_linking_by_hand_moves_a_registration_off_a_wrong_match(webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )
    maria = AttendanceRecord.objects.get(session=webinar.session, name="Maria Silva")

    link_by_hand(maria, webinar.registrations["pedro"], by=None)

    assert attendance_of(webinar) == {**ZOOM_ATTENDANCE, "pedro": (True, 30)}
    assert not AttendanceRecord.objects.filter(name="Pedro Alves").exists()


def test_a_registration_of_another_session_cannot_be_linked(webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )
    record = AttendanceRecord.objects.get(session=webinar.session, name="Ahmed Hassan")
    elsewhere = RegistrationFactory()
    before = database_state()

    with pytest.raises(ValueError, match="another session"):
        link_by_hand(record, elsewhere, by=None)

    assert database_state() == before


# Check-in at the door -------------------------------------------------------------------------


@pytest.fixture
def workshop() -> Webinar:
    """An in-person workshop with three registrations."""
    session = SessionFactory(
        format="in_person",
        venue="Kenya National Chamber of Commerce, Nairobi",
        join_url="",
        time_zone=NAIROBI,
    )
    registrations = {
        "amina": make_registration(session, *REGISTRANTS["amina"][:4]),
        "kwame": make_registration(session, *REGISTRANTS["kwame"][:4]),
        "zoe": make_registration(session, *REGISTRANTS["zoe"][:4]),
        "li": make_registration(
            session, "Li Wei", "li.wei@shenzhen-parts.example", "Shenzhen Parts", "CN"
        ),
    }
    return Webinar(session, registrations)


def test_checking_in_marks_a_person_present_for_the_whole_session(workshop):
    record = check_in(workshop.registrations["kwame"], by=None)

    assert (record.registration, record.matched_by, record.attended, record.minutes) == (
        workshop.registrations["kwame"],
        "check-in",
        True,
        90,
    )
    assert attendance_of(workshop) == {
        "amina": (None, None),
        "kwame": (True, 90),
        "zoe": (None, None),
        "li": (None, None),
    }


def test_checking_in_twice_changes_nothing(workshop):
    first = check_in(workshop.registrations["kwame"], by=None)
    before = database_state()

    again = check_in(workshop.registrations["kwame"], by=None)

    assert again.pk == first.pk
    assert database_state() == before


def check_in_url(session) -> str:
    return f"/en/manage/sessions/{session.pk}/check-in/"


def test_the_check_in_list_is_searched_by_name_email_or_organisation(organiser_client, workshop):
    for text, found in [
        ("", ["Amina Ouédraogo", "Kwame Mensah", "Zoë Müller", "Li Wei"]),
        ("müller", ["Zoë Müller"]),
        ("ghanacocoa", ["Kwame Mensah"]),
        ("Sahel Foods", ["Amina Ouédraogo"]),
        ("nobody", []),
    ]:
        response = organiser_client.get(check_in_url(workshop.session), {"q": text})

        assert response.status_code == 200
        names = [r.person.full_name for r in response.context["registrations"]]
        assert names == found, text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in (
        response.content.decode()
    )


def test_an_organiser_checks_a_person_in_from_the_list(organiser_client, workshop):
    kwame = workshop.registrations["kwame"]

    response = organiser_client.post(
        check_in_url(workshop.session), {"registration": kwame.pk, "q": "kwame"}
    )

    assert response.status_code == 302
    assert response.url == f"{check_in_url(workshop.session)}?q=kwame"
    assert attendance_of(workshop)["kwame"] == (True, 90)
    page = organiser_client.get(response.url)
    assert "Kwame Mensah is checked in." in page.content.decode()
    assert 'class="badge text-bg-success">Here<' in page.content.decode()
    again = organiser_client.post(
        check_in_url(workshop.session), {"registration": kwame.pk, "q": "kwame"}
    )
    assert again.status_code == 302
    assert AttendanceRecord.objects.filter(registration=kwame).count() == 1


def test_after_a_check_in_the_list_keeps_a_search_with_an_ampersand(organiser_client, workshop):
    kwame = workshop.registrations["kwame"]

    response = organiser_client.post(
        check_in_url(workshop.session), {"registration": kwame.pk, "q": "Cocoa & Shea"}
    )

    assert parse_qs(urlsplit(response.url).query) == {"q": ["Cocoa & Shea"]}


def test_a_registration_of_another_session_cannot_be_checked_in_here(organiser_client, workshop):
    elsewhere = RegistrationFactory()

    response = organiser_client.post(check_in_url(workshop.session), {"registration": elsewhere.pk})

    assert response.status_code == 404
    assert AttendanceRecord.objects.count() == 0


def test_only_organisers_reach_the_check_in_list(client, workshop):
    participant = workshop.registrations["kwame"].person

    anonymous = client.get(check_in_url(workshop.session), {"q": "kwame"})
    client.force_login(participant)
    looking = client.get(check_in_url(workshop.session), {"q": "kwame"})
    checking_in = client.post(
        check_in_url(workshop.session), {"registration": workshop.registrations["kwame"].pk}
    )

    assert anonymous.status_code == 302
    assert anonymous.url.startswith("/en/accounts/")
    assert (looking.status_code, checking_in.status_code) == (403, 403)
    assert AttendanceRecord.objects.count() == 0


# The organiser screens ------------------------------------------------------------------------


def test_the_organiser_previews_a_report_before_anything_is_written(organiser_client, webinar):
    before = database_state()

    response = organiser_client.post(
        attendance_url(webinar.session), upload("zoom_webinar_dmy_bom_crlf.csv")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {}
    keys = {registration.pk: key for key, registration in webinar.registrations.items()}
    assert [
        (p.name, keys.get(p.key), p.minutes, p.joins, p.attended, p.matched_by)
        for p in response.context["preview"]
    ] == ZOOM_RECORDS
    content = response.content.decode()
    assert "Preview: nothing is recorded yet" in content
    assert (
        '<td data-label="Name">Thị Hoa Nguyễn</td>'
        '<td data-label="Email">hoa.nguyen@mekongcraft.example</td>'
        '<td data-label="Minutes">55</td>'
    ) in content
    assert "Importing marks 4 registrants absent" in content
    assert '<input type="hidden" name="step" value="import">' in content
    assert database_state() == before


def test_the_organiser_imports_what_the_preview_showed(organiser_client, webinar):
    organiser_client.post(attendance_url(webinar.session), upload("zoom_webinar.csv"))

    response = organiser_client.post(attendance_url(webinar.session), {"step": "import"})

    assert response.status_code == 302
    assert response.url == attendance_url(webinar.session)
    assert attendance_of(webinar) == ZOOM_ATTENDANCE
    assert records_of(webinar) == ZOOM_RECORDS
    source = AttendanceImport.objects.get()
    assert (source.filename, source.imported_by) == (
        "zoom_webinar.csv",
        response.wsgi_request.user,
    )
    page = organiser_client.get(response.url)
    content = page.content.decode()
    assert "The attendance is recorded." in content
    assert "5 attended · 4 absent · 3 in the report without a registration" in content
    assert [(r.name, r.registration_id) for r in page.context["unmatched"]] == [
        ("Ahmed Hassan", None),
        ("Li Wei", None),
        ("Maria Silva", None),
    ]
    for record in page.context["unmatched"]:
        assert f'action="{attendance_url(webinar.session)}{record.pk}/link/"' in content
    # Each is linked to a registrant found by email or name, not from a list of registrations:
    # each row's choice starts with its empty option only.
    assert content.count('name="registration"') == 3
    unmatched = content.split('id="unmatched-heading"')[1]
    assert unmatched.count("<select") == unmatched.count("<option") == 3


def test_importing_the_same_report_again_from_the_screens_changes_nothing(
    organiser_client, webinar
):
    organiser_client.post(attendance_url(webinar.session), upload("zoom_webinar.csv"))
    organiser_client.post(attendance_url(webinar.session), {"step": "import"})
    before = database_state()
    organiser_client.post(attendance_url(webinar.session), upload("zoom_webinar.csv"))

    response = organiser_client.post(
        attendance_url(webinar.session), {"step": "import"}, follow=True
    )

    assert "This report was imported already: nothing changed." in response.content.decode()
    assert database_state() == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("zoom_bad_date.csv", "Line 16: the join time “31/02/2026 10:24:05” is not a date."),
        (
            "zoom_truncated.csv",
            "Line 23: this row has 6 columns where the header on line 13 has 19; "
            "the file may be cut short.",
        ),
    ],
)
def test_a_broken_report_gets_a_form_error_naming_the_line(
    organiser_client, webinar, name, message
):
    before = database_state()

    response = organiser_client.post(attendance_url(webinar.session), upload(name))

    assert response.status_code == 200
    assert response.context["form"].errors == {"report": [message]}
    assert response.context["preview"] is None
    assert "Preview: nothing is recorded yet" not in response.content.decode()
    imported = organiser_client.post(attendance_url(webinar.session), {"step": "import"})
    assert imported.status_code == 302
    assert database_state() == before


def test_an_import_without_a_preview_is_refused(organiser_client, webinar):
    before = database_state()

    response = organiser_client.post(
        attendance_url(webinar.session), {"step": "import"}, follow=True
    )

    assert "Upload the report again: the preview has expired." in response.content.decode()
    assert database_state() == before


def test_a_preview_for_one_session_is_not_imported_into_another(organiser_client, webinar):
    other = SessionFactory()
    organiser_client.post(attendance_url(webinar.session), upload("zoom_webinar.csv"))
    before = database_state()

    response = organiser_client.post(attendance_url(other), {"step": "import"}, follow=True)

    assert "Upload the report again: the preview has expired." in response.content.decode()
    assert database_state() == before


def step_url(step: str, session) -> str:
    return reverse(f"registrations:attendance-{step}", args=[session.pk])


def test_the_page_previews_and_imports_at_addresses_of_their_own(organiser_client, webinar):
    page = organiser_client.get(attendance_url(webinar.session)).content.decode()

    previewed = organiser_client.post(
        step_url("preview", webinar.session), upload("zoom_webinar.csv")
    )
    imported = organiser_client.post(step_url("import", webinar.session))

    assert f'action="{step_url("preview", webinar.session)}"' in page
    assert previewed.status_code == 200
    assert f'action="{step_url("import", webinar.session)}"' in previewed.content.decode()
    assert (imported.status_code, imported.url) == (302, attendance_url(webinar.session))
    assert attendance_of(webinar) == ZOOM_ATTENDANCE


def test_a_preview_page_pages_through_the_unmatched_on_the_attendance_page(
    organiser_client, webinar
):
    AttendanceRecord.objects.bulk_create(
        AttendanceRecord(session=webinar.session, name=f"Walk-in {n}", email="", minutes=30)
        for n in range(51)
    )

    previewed = organiser_client.post(
        step_url("preview", webinar.session), upload("zoom_webinar.csv")
    )

    assert f'href="{attendance_url(webinar.session)}?page=2"' in previewed.content.decode()


def test_steps_are_taken_only_by_post(organiser_client, webinar):
    answers = [
        organiser_client.get(step_url(step, webinar.session)).status_code
        for step in ("preview", "import", "zoom")
    ]

    assert answers == [405, 405, 405]


def test_a_plain_csv_is_read_by_the_columns_the_organiser_names(organiser_client, webinar):
    response = organiser_client.post(
        attendance_url(webinar.session),
        upload(
            "generic_attendance.csv",
            platform="csv",
            name_column="Participant name",
            email_column="E-mail address",
            joined_column="Arrived",
            left_column="Departed",
        ),
    )

    assert response.context["form"].errors == {}
    assert [(p.name, p.minutes, p.attended, p.matched_by) for p in response.context["preview"]] == [
        ("Amina Ouédraogo", 70, True, "email"),
        ("Kwame Mensah", 58, True, "email"),
        ("Pedro Alves", 6, False, "name"),
        ("Fatou Diop", 0, False, "email"),
    ]


def test_a_plain_csv_without_its_columns_named_is_not_read(organiser_client, webinar):
    response = organiser_client.post(
        attendance_url(webinar.session), upload("generic_attendance.csv", platform="csv")
    )

    assert set(response.context["form"].errors) == {
        "name_column",
        "email_column",
        "joined_column",
        "left_column",
    }
    assert response.context["preview"] is None


def test_an_organiser_links_an_unmatched_person_from_the_screen(organiser_client, webinar):
    import_attendance_report(
        webinar.session, read("zoom_webinar.csv"), filename="report.csv", options=ZOOM
    )
    record = AttendanceRecord.objects.get(session=webinar.session, name="Ahmed Hassan")

    response = organiser_client.post(
        f"{attendance_url(webinar.session)}{record.pk}/link/",
        {"registration": webinar.registrations["ahmed"].pk},
        follow=True,
    )

    assert "The person is linked to the registration." in response.content.decode()
    assert attendance_of(webinar) == {**ZOOM_ATTENDANCE, "ahmed": (True, 40)}
    assert [r.name for r in response.context["unmatched"]] == ["Li Wei", "Maria Silva"]


def test_participants_cannot_see_or_import_attendance(client, webinar):
    client.force_login(webinar.registrations["amina"].person)
    before = database_state()

    page = client.get(attendance_url(webinar.session))
    preview = client.post(attendance_url(webinar.session), upload("zoom_webinar.csv"))
    imported = client.post(attendance_url(webinar.session), {"step": "import"})

    assert (page.status_code, preview.status_code, imported.status_code) == (403, 403, 403)
    assert database_state() == before


# The import_attendance command -----------------------------------------------------------------

ZOOM_LINES = [
    "+ Amina Ouédraogo (93 min, email)",
    "+ Kwame Mensah (47 min, email)",
    "+ Thị Hoa Nguyễn (55 min, email)",
    "+ Zoë Müller (70 min, name)",
    "- Pedro Alves (8 min, email)",
    "+ Chidi Okeke (10 min, email)",
    "+ Ahmed Hassan (40 min, no registration)",
    "+ Maria Silva (30 min, no registration)",
    "- Fatou Diop (0 min, email)",
    "- Li Wei (0 min, no registration)",
]


def run_command(*args) -> list[str]:
    out = io.StringIO()
    call_command("import_attendance", *args, stdout=out)
    return out.getvalue().splitlines()


def test_a_dry_run_prints_the_matches_and_writes_nothing(webinar):
    before = database_state()

    lines = run_command(webinar.session.pk, str(FILES / "zoom_webinar.csv"), "--dry-run")

    assert lines == [
        *ZOOM_LINES,
        "Would import: 10 people, 7 matched to registrations, 7 attended.",
    ]
    assert database_state() == before


def test_the_command_imports_once(webinar):
    path = str(FILES / "zoom_webinar_us.csv")

    first = run_command(webinar.session.pk, path)
    after_first = database_state()
    second = run_command(webinar.session.pk, path)

    assert first == [*ZOOM_LINES, "Imported: 10 people, 7 matched to registrations, 7 attended."]
    assert attendance_of(webinar) == ZOOM_ATTENDANCE
    assert AttendanceImport.objects.get().filename == "zoom_webinar_us.csv"
    assert second[-1] == "Already imported: 10 people, 7 matched to registrations, 7 attended."
    assert database_state() == after_first


def test_the_command_reads_in_the_time_zone_and_date_order_given(webinar):
    lines = run_command(
        webinar.session.pk,
        str(FILES / "teams_attendance.csv"),
        "--dry-run",
        "--platform=teams",
        "--time-zone=Europe/Brussels",
        "--date-order=mdy",
    )

    assert lines[-1] == "Would import: 5 people, 5 matched to registrations, 4 attended."


def test_the_command_refuses_a_broken_file_naming_the_line(webinar):
    before = database_state()

    with pytest.raises(CommandError) as refused:
        run_command(webinar.session.pk, str(FILES / "zoom_bad_date.csv"))

    assert str(refused.value) == "Line 16: the join time “31/02/2026 10:24:05” is not a date."
    assert database_state() == before


def test_the_command_refuses_an_unknown_session(webinar):
    unknown = webinar.session.pk + 1000

    with pytest.raises(CommandError) as refused:
        run_command(unknown, str(FILES / "zoom_webinar.csv"))

    assert str(refused.value) == f"No session {unknown}."
    assert AttendanceImport.objects.count() == 0


def test_the_command_refuses_a_file_it_cannot_read(webinar, tmp_path):
    with pytest.raises(CommandError) as refused:
        run_command(webinar.session.pk, str(tmp_path / "missing.csv"))

    assert str(refused.value) == (
        f"Cannot read {tmp_path / 'missing.csv'}: No such file or directory."
    )
