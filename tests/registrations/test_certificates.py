"""Certificates anyone can verify (registrations.certificates): issued when attendance is
recorded or a course is completed, in the person's language, as a PDF with its code and QR code;
a public page says what each says and whether it is valid, "revoked" after an organiser revokes
it or the person's data is erased."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import segno
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from events.models import SessionStatus
from outreach.models import AuditAction, AuditEntry
from registrations import follow_ups, privacy
from registrations.attendance import services as attendance
from registrations.certificates import pdf, services
from registrations.models import (
    Certificate,
    CertificateKind,
    Enrolment,
    RegistrationStatus,
    RevokedBecause,
)
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
)
from tests.queries import assert_same_queries_for_1_and_more

pytestmark = pytest.mark.django_db

SITE_URL = "https://outreach.example"
# 23:30 in Zurich on 2 March is 22:30 UTC: the certificate's day is the session's own.
STARTS = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE_URL


def past_session(**fields):
    starts = fields.pop("starts_at", STARTS)
    fields.setdefault("status", SessionStatus.FINISHED)
    return SessionFactory(starts_at=starts, ends_at=starts + timedelta(minutes=90), **fields)


def spanish_registrant(session, name="José Núñez", organisation="Cafés Ñandú S.A."):
    person = UserFactory(full_name=name, language="es", organisation=FirmFactory(name=organisation))
    return RegistrationFactory(session=session, person=person)


def attended(*registrations):
    for registration in registrations:
        registration.attended = True
        registration.save(update_fields=["attended"])
    follow_ups.mark_attendance_known(registrations[0].session)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


# --- Issuing --------------------------------------------------------------------------------


def test_attendance_recorded_issues_a_certificate_in_the_persons_language():
    ministry = OrganisationFactory(name="Ministerio de Comercio")
    session = past_session(
        title_en="Exporting to the EU", title_es="Exportar a la UE", cohosts=[ministry]
    )
    registration = spanish_registrant(session)

    attended(registration)

    certificate = Certificate.objects.get(registration=registration)
    assert (
        certificate.kind,
        certificate.language,
        certificate.name,
        certificate.organisation_name,
        certificate.title,
        certificate.starts_on,
        certificate.ends_on,
        certificate.minutes,
        certificate.cohost_names,
        certificate.is_valid,
    ) == (
        CertificateKind.ATTENDANCE,
        "es",
        "José Núñez",
        "Cafés Ñandú S.A.",
        "Exportar a la UE",
        datetime(2026, 3, 2).date(),
        datetime(2026, 3, 3).date(),
        90,
        ["Ministerio de Comercio"],
        True,
    )
    assert services.normalise_code(certificate.code) == certificate.code


def test_only_those_who_attended_get_one_and_issuing_twice_changes_nothing():
    session = past_session()
    came, absent, cancelled = (RegistrationFactory(session=session) for _ in range(3))
    cancelled.status = RegistrationStatus.CANCELLED
    cancelled.attended = True
    cancelled.save(update_fields=["status", "attended"])
    elsewhere = RegistrationFactory(session=past_session())
    elsewhere.attended = True
    elsewhere.save(update_fields=["attended"])
    attended(came)
    first = Certificate.objects.get()

    follow_ups.mark_attendance_known(session)
    again = services.issue_attendance_certificate(came)

    assert list(Certificate.objects.values_list("registration", flat=True)) == [came.pk]
    assert again.pk == first.pk
    assert again.code == first.code
    assert services.issue_attendance_certificate(absent) is None
    assert services.issue_attendance_certificate(cancelled) is None
    assert not Certificate.objects.filter(registration=elsewhere).exists()


def test_a_check_in_at_the_door_issues_the_certificate():
    session = past_session()
    registration = RegistrationFactory(session=session)

    attendance.check_in(registration, by=OrganiserFactory())

    assert Certificate.objects.filter(registration=registration).count() == 1


def test_a_title_not_translated_is_given_in_the_sessions_language():
    session = past_session(language="fr", title_en="", title_fr="Vendre au Canada", title_es="")
    registration = spanish_registrant(session)

    attended(registration)

    assert Certificate.objects.get(registration=registration).title == "Vendre au Canada"


def test_a_completed_course_gets_a_certificate_of_the_hours_attended():
    series = SeriesFactory(title_en="Digital export", title_fr="Export numérique", is_course=True)
    sessions = [
        past_session(series=series, starts_at=STARTS + timedelta(days=7 * week))
        for week in range(3)
    ]
    person = UserFactory(language="fr", full_name="Zoé Lefèvre")
    enrolment = Enrolment.objects.create(
        series=series,
        person=person,
        organisation=person.organisation,
        status=RegistrationStatus.CONFIRMED,
        confirmed_at=timezone.now(),
        completed_at=timezone.now(),
    )
    for session, came in zip(sessions, (True, False, True), strict=True):
        RegistrationFactory(session=session, person=person, enrolment=enrolment, attended=came)

    certificate = services.issue_completion_certificate(enrolment)
    again = services.issue_completion_certificate(enrolment)

    assert (certificate.kind, certificate.title, certificate.name, certificate.minutes) == (
        CertificateKind.COMPLETION,
        "Export numérique",
        "Zoé Lefèvre",
        180,
    )
    assert (certificate.starts_on, certificate.ends_on) == (
        datetime(2026, 3, 2).date(),
        datetime(2026, 3, 17).date(),
    )
    assert again.pk == certificate.pk


def test_a_course_not_completed_gets_no_certificate():
    series = SeriesFactory(is_course=True)
    person = UserFactory()
    enrolment = Enrolment.objects.create(
        series=series, person=person, organisation=person.organisation, status="confirmed"
    )

    assert services.issue_completion_certificate(enrolment) is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("7k3m-q9tx-24hp", "7K3M-Q9TX-24HP"),
        ("7K3MQ9TX24HP", "7K3M-Q9TX-24HP"),
        (" 7k3m q9tx 24hp ", "7K3M-Q9TX-24HP"),
        ("7K3M-Q9TX-24H", None),  # too short
        ("7K3M-Q9TX-24H0", None),  # 0 is never in a code
        ("", None),
    ],
)
def test_codes_are_read_in_any_case_with_or_without_dashes(typed, code):
    assert services.normalise_code(typed) == code


# --- The PDF --------------------------------------------------------------------------------


def test_the_spanish_pdf_holds_the_name_the_spanish_title_and_the_code():
    session = past_session(title_en="Exporting to the EU", title_es="Cómo exportar a la UE")
    registration = spanish_registrant(session)
    attended(registration)
    certificate = Certificate.objects.get(registration=registration)

    data = pdf.build_pdf(certificate)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "José Núñez" in text
    assert "Cafés Ñandú S.A." in text
    assert "Cómo exportar a la UE" in text
    assert certificate.code in text
    assert "Exporting to the EU" not in text
    # The dates in Spanish (Babel): "2 de marzo de 2026".
    assert "2 de marzo de 2026" in text
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert len(reader.pages[0].images) == 1  # the QR code


def test_the_qr_code_on_the_pdf_is_the_verification_pages_address():
    certificate = _certificate()

    image = PdfReader(io.BytesIO(pdf.build_pdf(certificate))).pages[0].images[0].image

    # Read the image back module by module (8 px each, 2 modules of border) and compare it with
    # the QR code of the address: the same modules, so the same address once scanned.
    expected = segno.make(pdf.verification_url(certificate), error="m")
    size = len(expected.matrix)
    assert image.size == ((size + 4) * 8, (size + 4) * 8)
    pixels = image.convert("L")
    read = [
        [pixels.getpixel(((2 + col) * 8 + 4, (2 + row) * 8 + 4)) < 128 for col in range(size)]
        for row in range(size)
    ]
    assert read == [[bool(module) for module in row] for row in expected.matrix]


def test_the_pdf_points_at_the_verification_page_in_the_certificates_language():
    certificate = _certificate(language="fr")

    url = pdf.verification_url(certificate)

    assert url == f"{SITE_URL}/fr/certificates/{certificate.code}/"


# --- The public verification page ---------------------------------------------------------


def _certificate(*, other=False, **fields) -> Certificate:
    """José Núñez's certificate, or (other) Ana Ruiz's."""
    session = past_session(title_en="Exporting to the EU", title_es="Exportar a la UE")
    registration = (
        spanish_registrant(session, "Ana Ruiz", "Textiles Ruiz")
        if other
        else spanish_registrant(session)
    )
    attended(registration)
    certificate = Certificate.objects.get(registration=registration)
    if fields:
        Certificate.objects.filter(pk=certificate.pk).update(**fields)
        certificate.refresh_from_db()
    return certificate


def test_the_verification_page_before_and_after_revocation(client):
    certificate = _certificate()
    url = reverse("certificates:verify", args=[certificate.code])
    organiser = OrganiserFactory()

    before = client.get(url)
    services.revoke(certificate, by=organiser)
    after = client.get(url)

    assert before.status_code == 200
    page = before.content.decode()
    assert 'data-certificate-status="valid"' in page
    assert "José Núñez" in page
    assert "Exportar a la UE" in page
    assert certificate.code in page
    assert '<meta name="robots" content="noindex">' in page
    page = after.content.decode()
    assert 'data-certificate-status="revoked"' in page
    assert "The organisers revoked this certificate" in page
    assert "José Núñez" in page
    entry = AuditEntry.objects.get(action=AuditAction.CERTIFICATE_REVOKED)
    assert (entry.actor_id, entry.object_id) == (organiser.pk, str(certificate.pk))


def test_revoking_twice_records_it_once():
    certificate = _certificate()
    organiser = OrganiserFactory()

    services.revoke(certificate, by=organiser)
    services.revoke(certificate, by=organiser)

    assert AuditEntry.objects.filter(action=AuditAction.CERTIFICATE_REVOKED).count() == 1


def test_after_erasure_the_page_says_revoked_without_the_name(client):
    certificate = _certificate()
    other = _certificate(other=True)
    person = certificate.registration.person

    privacy.erase_person(person)

    certificate.refresh_from_db()
    assert (certificate.revoked_because, certificate.name, certificate.organisation_name) == (
        RevokedBecause.ERASURE,
        "",
        "",
    )
    page = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert 'data-certificate-status="revoked"' in page
    assert "data was erased" in page
    assert "Núñez" not in page
    assert "Ñandú" not in page
    assert "Exportar a la UE" in page  # what it was for stays
    other.refresh_from_db()
    assert other.is_valid
    assert other.name == "Ana Ruiz"


def test_the_retention_periods_anonymisation_revokes_the_sessions_certificates():
    certificate = _certificate()
    other = _certificate(other=True)

    privacy.anonymise_session(certificate.registration.session)

    certificate.refresh_from_db()
    other.refresh_from_db()
    assert (certificate.is_valid, certificate.name) == (False, "")
    assert (other.is_valid, other.name) == (True, "Ana Ruiz")


def test_an_erased_persons_course_certificate_is_revoked():
    series = SeriesFactory(is_course=True)
    person = UserFactory(full_name="Zoé Lefèvre")
    enrolment = Enrolment.objects.create(
        series=series,
        person=person,
        organisation=person.organisation,
        status="confirmed",
        completed_at=timezone.now(),
    )
    certificate = services.issue_completion_certificate(enrolment)

    privacy.erase_person(person)

    certificate.refresh_from_db()
    assert (certificate.revoked_because, certificate.name) == (RevokedBecause.ERASURE, "")


def test_a_code_typed_in_lower_case_without_dashes_goes_to_its_page(client):
    certificate = _certificate()

    response = client.get(
        reverse("certificates:verify", args=[certificate.code.replace("-", "").lower()])
    )

    assert response.status_code == 301
    assert response["Location"] == reverse("certificates:verify", args=[certificate.code])


def test_an_unknown_code_is_a_friendly_404(client):
    response = client.get(reverse("certificates:verify", args=["2222-3333-4444"]))

    assert response.status_code == 404
    assert "No certificate has this code" in response.content.decode()


def test_the_form_takes_a_typed_code_to_its_page(client):
    certificate = _certificate()
    find = reverse("certificates:find")

    response = client.get(find, {"code": certificate.code.lower().replace("-", " ")})
    wrong = client.get(find, {"code": "not a code"})

    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:verify", args=[certificate.code])
    assert wrong.status_code == 200
    assert "A code has 12 letters and digits" in wrong.content.decode()


def test_the_verification_page_is_in_the_visitors_language(client):
    certificate = _certificate()

    with translation.override("fr"):
        url = reverse("certificates:verify", args=[certificate.code])
    page = client.get(url).content.decode()

    assert "Exportar a la UE" in page
    assert f'lang="{certificate.language}"' in page


# --- Downloads ------------------------------------------------------------------------------


def test_the_person_downloads_their_own_certificate_and_nobody_elses(client):
    certificate = _certificate()
    url = reverse("certificates:download", args=[certificate.code])

    client.force_login(certificate.registration.person)
    own = client.get(url)
    client.force_login(UserFactory())
    someone_else = client.get(url)

    assert own.status_code == 200
    assert own["Content-Type"] == "application/pdf"
    assert "José Núñez" in pdf_text(own.content)
    assert someone_else.status_code == 404


def test_a_revoked_certificate_is_no_longer_downloaded(client):
    certificate = _certificate()
    services.revoke(certificate, by=OrganiserFactory())
    client.force_login(certificate.registration.person)

    response = client.get(reverse("certificates:download", args=[certificate.code]))
    link = client.get(
        reverse("certificates:download-link", args=[services.download_token(certificate)])
    )

    assert (response.status_code, link.status_code) == (404, 404)


def test_the_signed_link_downloads_without_signing_in_and_a_tampered_one_does_not(client):
    certificate = _certificate()
    token = services.download_token(certificate)

    response = client.get(reverse("certificates:download-link", args=[token]))
    tampered = client.get(reverse("certificates:download-link", args=[token[:-2] + "xx"]))
    by_code = client.get(reverse("certificates:download-link", args=[certificate.code]))

    assert response.status_code == 200
    assert certificate.code in pdf_text(response.content)
    assert (tampered.status_code, by_code.status_code) == (404, 404)


def test_my_sessions_offers_my_certificates_only(client):
    mine = _certificate()
    theirs = _certificate(other=True)
    client.force_login(mine.registration.person)

    page = client.get(reverse("registrations:my-sessions")).content.decode()

    assert reverse("certificates:download", args=[mine.code]) in page
    assert theirs.code not in page


# --- Organisers -------------------------------------------------------------------------------


def test_organisers_list_a_sessions_certificates_in_constant_queries(client):
    session = past_session()
    other_session = past_session()
    client.force_login(OrganiserFactory())

    def add(count):
        registrations = [RegistrationFactory(session=session) for _ in range(count)]
        attended(*registrations)

    attended(RegistrationFactory(session=other_session))
    _first, last = assert_same_queries_for_1_and_more(
        client, reverse("certificates:session-certificates", args=[session.pk]), add
    )

    page = last.content.decode()
    for certificate in Certificate.objects.filter(registration__session=session):
        assert certificate.code in page
    other = Certificate.objects.get(registration__session=other_session)
    assert other.code not in page


def test_an_organiser_revokes_from_the_list(client):
    certificate = _certificate()
    other = _certificate(other=True)
    client.force_login(OrganiserFactory())

    response = client.post(reverse("certificates:revoke", args=[certificate.code]))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "certificates:session-certificates", args=[certificate.registration.session_id]
    )
    certificate.refresh_from_db()
    other.refresh_from_db()
    assert (certificate.revoked_because, other.is_valid) == (RevokedBecause.ORGANISER, True)


def test_a_participant_cannot_revoke(client):
    certificate = _certificate()
    client.force_login(certificate.registration.person)

    response = client.post(reverse("certificates:revoke", args=[certificate.code]))

    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.is_valid


# --- The follow-up message ------------------------------------------------------------------


def test_the_thanks_after_the_session_links_to_the_certificate(client, run_tasks):
    ends_at = timezone.now() - timedelta(hours=1)
    session = SessionFactory(
        title_es="Exportar a la UE",
        status=SessionStatus.FINISHED,
        starts_at=ends_at - timedelta(minutes=90),
        ends_at=ends_at,
    )
    came = spanish_registrant(session)
    missed = RegistrationFactory(session=session)
    missed.attended = False
    missed.save(update_fields=["attended"])
    attended(came)
    certificate = Certificate.objects.get(registration=came)

    follow_ups.queue_due_follow_ups(
        now=timezone.now() + timedelta(minutes=session.follow_up_delay_minutes)
    )
    run_tasks(include_deferred=False)

    [thanks] = [m for m in mail.outbox if m.to == [came.person.email]]
    link = re.search(rf"{SITE_URL}/es/certificate-links/\S+/", thanks.body).group(0)
    assert f'href="{link}"' in thanks.alternatives[0][0]
    response = client.get(link.removeprefix(SITE_URL))
    assert response.status_code == 200
    assert certificate.code in pdf_text(response.content)
    [sorry] = [m for m in mail.outbox if m.to == [missed.person.email]]
    assert "certificate" not in sorry.body


def test_a_long_title_and_name_stay_above_the_code_and_qr_code():
    title = ("Cómo exportar a la Unión Europea sin perderse en el intento " * 5)[:290] + " FIN"
    certificate = _certificate(title=title, name="José Núñez de la Cruz " * 6)
    lines = []

    def collect(text, cm, tm, font, size):
        if text.strip():
            lines.append((tm[5], text.strip()))

    PdfReader(io.BytesIO(pdf.build_pdf(certificate))).pages[0].extract_text(visitor_text=collect)

    foot_top = (pdf.HEIGHT - pdf.FOOT) * 72 / 25.4  # in points, from the bottom of the page
    last_title_line = next(y for y, text in lines if text.endswith("FIN"))
    issued = next(y for y, text in lines if "2026" in text and certificate.code not in text)
    assert last_title_line > foot_top
    assert min(y for y, text in lines if certificate.code in text) < foot_top
    assert issued > 0


def test_an_organiser_revokes_a_course_certificate_from_its_page(client):
    series = SeriesFactory(is_course=True)
    person = UserFactory()
    enrolment = Enrolment.objects.create(
        series=series,
        person=person,
        organisation=person.organisation,
        status="confirmed",
        completed_at=timezone.now(),
    )
    certificate = services.issue_completion_certificate(enrolment)
    url = reverse("certificates:verify", args=[certificate.code])
    revoke = reverse("certificates:revoke", args=[certificate.code])
    client.force_login(person)
    assert revoke not in client.get(url).content.decode()
    client.force_login(OrganiserFactory())
    assert revoke in client.get(url).content.decode()

    response = client.post(revoke)

    assert response.status_code == 302
    assert response["Location"] == url
    certificate.refresh_from_db()
    assert certificate.revoked_because == RevokedBecause.ORGANISER
