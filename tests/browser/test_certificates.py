"""A French-speaking firm downloads its certificate from My sessions once the attendance report
is imported, and anyone checks it on the public page, before and after it is revoked."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from pypdf import PdfReader

from registrations.attendance.services import ReportOptions, import_attendance_report
from registrations.certificates import services as certificates
from registrations.models import Certificate
from tests.browser.conftest import assert_accessible
from tests.factories import (
    FirmFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

STARTS = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
REPORT = (
    b"Participant name,E-mail address,Arrived,Departed\n"
    b"Awa Ndiaye,awa@dakarsoap.example,2026-11-26 14:00:05,2026-11-26 15:25:00\n"
)
MAPPING = {
    "name": "Participant name",
    "email": "E-mail address",
    "joined_at": "Arrived",
    "left_at": "Departed",
}


def signed_in_context(browser, person, base_url: str):
    client = Client()
    client.force_login(person)
    context = browser.new_context(accept_downloads=True)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])
    context.add_cookies([{"name": "tz", "value": "Africa/Dakar", "url": base_url}])
    return context


def test_a_firm_downloads_its_certificate_and_anyone_checks_it(live_server, browser):
    session = SessionFactory(
        language="fr",
        title_fr="Vendre dans l’UE : les règles d’origine",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(minutes=90),
        time_zone="UTC",
        status="finished",
    )
    person = UserFactory(
        full_name="Awa Ndiaye",
        email="awa@dakarsoap.example",
        language="fr",
        organisation=FirmFactory(name="Savonnerie de Dakar"),
    )
    RegistrationFactory(session=session, person=person)
    # The organisers import the attendance report: the certificate is issued.
    import_attendance_report(
        session,
        REPORT,
        filename="report.csv",
        options=ReportOptions(time_zone="UTC", platform="csv", mapping=MAPPING),
    )
    certificate = Certificate.objects.get(registration__person=person)
    context = signed_in_context(browser, person, live_server.url)
    page = context.new_page()

    page.goto(f"{live_server.url}/fr/my-sessions/")
    assert_accessible(page)
    entry = page.locator(f"[data-certificate='{certificate.code}']")
    with page.expect_download() as download:
        entry.locator("a[download]").click()
    data = Path(download.value.path()).read_bytes()
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()

    assert "Awa Ndiaye" in text
    assert "Vendre dans l’UE : les règles d’origine" in text
    assert certificate.code in text
    assert "26 novembre 2026" in text

    # Anyone types the code, in lower case without its dashes, and sees it valid.
    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server.url}/es/certificates/")
    visitor.locator("input[name=code]").fill(certificate.code.replace("-", "").lower())
    visitor.locator("main button[type=submit]").click()
    assert visitor.url == f"{live_server.url}/es/certificates/{certificate.code}/"
    assert visitor.locator("[data-certificate-status=valid]").count() == 1
    assert "Awa Ndiaye" in visitor.locator("main").inner_text()
    assert_accessible(visitor)

    certificates.revoke(certificate, by=OrganiserFactory())
    visitor.reload()
    assert visitor.locator("[data-certificate-status=revoked]").count() == 1
    page.goto(f"{live_server.url}/fr/my-sessions/")
    assert page.locator(f"[data-certificate='{certificate.code}']").count() == 0
    context.close()
    visitor.context.close()
