"""The staff endpoints over HTTP, with real tokens: sessions created, changed, published and
cancelled through the organisers' services (the audit log names the token's owner), a session's
registrations, attendance imported with the screen's preview and confirmation, and the impact
figures and breakdowns, the dashboard's own numbers."""

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import TokenScope
from api.tokens import create_token
from events.models import Session
from impact import tables
from impact.filters import filters_from
from impact.outside import Figures
from impact.queries import Audience
from outreach.models import AuditAction, AuditEntry, CohostRole, OrganisationKind, Role, User
from registrations.models import AttendanceImport, AttendanceRecord, Registration
from tests.factories import (
    FirmFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    UserFactory,
    economy,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/staff"
FILES = Path(__file__).parent.parent / "attendance" / "files"
NAIROBI = "Africa/Nairobi"  # the zone of the Zoom account that wrote the sample reports


def bearer(user, scope=TokenScope.READ_WRITE) -> dict:
    _token, text = create_token(user, name="script", scope=scope, days=30, by=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {text}"}


@pytest.fixture
def organiser():
    return OrganiserFactory()


@pytest.fixture
def api(client, organiser):
    """The organiser's read and write token, sent with every call."""

    class Caller:
        headers = bearer(organiser)

        def get(self, path, data=None, **extra):
            return client.get(path, data, **self.headers, **extra)

        def post(self, path, data=None, **extra):
            return client.post(
                path, data or {}, content_type="application/json", **self.headers, **extra
            )

        def patch(self, path, data, **extra):
            return client.patch(
                path, data, content_type="application/json", **self.headers, **extra
            )

        def upload(self, path, data, **extra):
            return client.post(path, data, **self.headers, **extra)

    return Caller()


def new_session(**overrides) -> dict:
    return {
        "language": "fr",
        "title_fr": "Vendre en ligne",
        "title_en": "Selling online",
        "summary_fr": "Pour les petites entreprises.",
        "format": "online",
        "time_zone": "America/Santiago",
        "starts_at": "2030-01-15T10:00:00-03:00",
        "ends_at": "2030-01-15T11:30:00-03:00",
        "capacity": 200,
        "join_url": "https://meet.example.org/j/123",
        **overrides,
    }


def audit_of(session) -> list[tuple]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Session), object_id=str(session.pk)
        )
        .order_by("pk")
        .values_list("action", "actor", "details")
    )


# --- Sessions --------------------------------------------------------------------------------


def test_an_organisers_token_creates_a_draft_and_the_audit_log_names_its_owner(api, organiser):
    other = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)

    response = api.post(
        f"{API}/sessions/", new_session(cohosts=[other.pk], target_economies=["CL"])
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    session = Session.objects.get(pk=body["id"])
    assert (session.status, session.title_fr, session.capacity) == ("draft", "Vendre en ligne", 200)
    # Ten in Santiago (UTC-3 in January) is one in the afternoon in UTC.
    assert session.starts_at == datetime(2030, 1, 15, 13, 0, tzinfo=UTC)
    assert body["starts_at"] == "2030-01-15T13:00:00+00:00"
    assert body["starts_at_local"] == "2030-01-15T10:00:00-03:00"
    assert (body["cohosts"], body["target_economies"]) == ([other.pk], ["CL"])
    assert audit_of(session) == [(AuditAction.SESSION_CREATED, organiser.pk, {})]


def test_a_time_without_an_offset_is_read_on_the_sessions_clock(api):
    response = api.post(
        f"{API}/sessions/", new_session(starts_at="2030-01-15T10:00", ends_at="2030-01-15T11:00")
    )

    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"] == "2030-01-15T13:00:00+00:00"


@pytest.mark.parametrize(
    ("offset", "utc_hour"), [("+02:00", 0), ("+01:00", 1)], ids=["first", "second"]
)
def test_an_offset_says_which_of_a_repeated_hour_is_meant(api, offset, utc_hour):
    # 02:30 occurs twice in Zurich on 27 October 2030: the clocks go back at three.
    response = api.post(
        f"{API}/sessions/",
        new_session(
            time_zone="Europe/Zurich",
            starts_at=f"2030-10-27T02:30:00{offset}",
            ends_at="2030-10-27T05:00:00+01:00",
        ),
    )

    assert response.status_code == 201, response.json()
    session = Session.objects.get(pk=response.json()["id"])
    assert session.starts_at == datetime(2030, 10, 27, utc_hour, 30, tzinfo=UTC)


def test_a_day_that_does_not_exist_is_a_400(api):
    response = api.post(f"{API}/sessions/", new_session(starts_at="2030-02-30T10:00"))

    assert response.status_code == 400
    assert list(response.json()) == ["starts_at"]


def test_a_new_time_zone_alone_keeps_the_sessions_moments(api):
    session = SessionFactory(status="draft", time_zone="Europe/Zurich")
    starts_at, ends_at = session.starts_at, session.ends_at

    response = api.patch(f"{API}/sessions/{session.pk}/", {"time_zone": "America/Lima"})

    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert (session.time_zone, session.starts_at, session.ends_at) == (
        "America/Lima",
        starts_at,
        ends_at,
    )


def test_a_session_the_form_refuses_is_a_400_with_its_translated_field_errors(api):
    before = Session.objects.count()

    response = api.post(
        f"{API}/sessions/",
        new_session(ends_at="2030-01-15T09:00:00-03:00", capacity=-1, join_url="nope", colour=1),
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    unknown = response.json()
    fields = api.post(
        f"{API}/sessions/",
        new_session(ends_at="2030-01-15T09:00:00-03:00", capacity=-1, join_url="nope"),
        HTTP_ACCEPT_LANGUAGE="fr",
    ).json()

    assert response.status_code == 400
    assert list(unknown) == ["colour"]
    assert set(fields) >= {"capacity", "join_url"}
    assert fields["join_url"] == ["Saisissez une URL valide."]
    assert Session.objects.count() == before


def test_a_change_sets_the_fields_sent_and_keeps_the_others(api, organiser):
    session = SessionFactory(status="draft", capacity=80, title_fr="Avant")
    starts_at = session.starts_at

    response = api.patch(f"{API}/sessions/{session.pk}/", {"title_en": "After", "capacity": 120})

    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert (session.title_en, session.capacity, session.title_fr) == ("After", 120, "Avant")
    assert session.starts_at == starts_at
    assert audit_of(session) == [
        (AuditAction.SESSION_EDITED, organiser.pk, {"fields": ["title_en", "capacity"]})
    ]


def test_publish_then_cancel_go_through_the_services_in_the_owners_name(api, organiser):
    session = SessionFactory(status="draft")
    other = SessionFactory(status="draft")

    published = api.post(f"{API}/sessions/{session.pk}/publish/")
    again = api.post(f"{API}/sessions/{session.pk}/publish/")
    cancelled = api.post(f"{API}/sessions/{session.pk}/cancel/")

    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert again.status_code == 409
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert [(action, actor) for action, actor, _d in audit_of(session)] == [
        (AuditAction.SESSION_PUBLISHED, organiser.pk),
        (AuditAction.SESSION_CANCELLED, organiser.pk),
    ]
    other.refresh_from_db()
    assert other.status == "draft"


def test_an_online_session_without_a_join_link_is_published_only_when_the_call_says_so(api):
    session = SessionFactory(status="draft", join_url="")

    refused = api.post(f"{API}/sessions/{session.pk}/publish/")
    session.refresh_from_db()
    status_after_refusal = session.status
    published = api.post(f"{API}/sessions/{session.pk}/publish/", {"without_join_link": True})

    assert refused.status_code == 400
    assert status_after_refusal == "draft"
    assert published.json()["status"] == "published"


def test_the_session_list_holds_every_status_and_filters_by_one(api):
    draft, published = SessionFactory(status="draft"), SessionFactory(status="published")

    everything = api.get(f"{API}/sessions/").json()
    drafts = api.get(f"{API}/sessions/", {"status": "draft"}).json()

    assert {row["id"] for row in everything["results"]} == {draft.pk, published.pk}
    assert [row["id"] for row in drafts["results"]] == [draft.pk]


def test_the_session_list_asks_as_many_queries_for_one_session_as_for_three(api):
    def render():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"{API}/sessions/")
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    api.get(f"{API}/sessions/")  # the token's first use of the minute is recorded
    SessionFactory(cohosts=[OrganisationFactory()], target_economies=[economy("CL")])
    one = render()
    for _ in range(2):
        SessionFactory(cohosts=[OrganisationFactory()], target_economies=[economy("KE")])
    three = render()

    assert (one[1], three[1]) == (1, 3)
    assert one[0] == three[0]


# --- Who may call ----------------------------------------------------------------------------


def staff_writes(session) -> list[tuple[str, str, dict]]:
    return [
        ("post", f"{API}/sessions/", new_session()),
        ("patch", f"{API}/sessions/{session.pk}/", {"capacity": 5}),
        ("post", f"{API}/sessions/{session.pk}/publish/", {}),
        ("post", f"{API}/sessions/{session.pk}/cancel/", {}),
        ("post", f"{API}/sessions/{session.pk}/attendance/preview/", {}),
        ("post", f"{API}/sessions/{session.pk}/attendance/", {}),
    ]


def staff_reads(session) -> list[str]:
    return [
        f"{API}/sessions/",
        f"{API}/sessions/{session.pk}/",
        f"{API}/sessions/{session.pk}/registrations/",
        f"{API}/impact/figures/",
        f"{API}/impact/breakdowns/economy/",
    ]


def call(client, method, path, data, headers):
    if method == "get":
        return client.get(path, **headers)
    return getattr(client, method)(path, data, content_type="application/json", **headers)


def test_a_read_token_of_an_organiser_reads_but_every_write_is_a_403(client):
    session = SessionFactory(status="draft")
    headers = bearer(OrganiserFactory(), TokenScope.READ)

    writes = [call(client, m, p, d, headers).status_code for m, p, d in staff_writes(session)]
    reads = [client.get(path, **headers).status_code for path in staff_reads(session)]

    assert writes == [403] * 6
    assert reads == [200] * 5
    assert Session.objects.get().status == "draft"
    assert not AuditEntry.objects.exclude(action=AuditAction.API_TOKEN_CREATED).exists()


@pytest.mark.parametrize("cohost_role", [CohostRole.MANAGER, CohostRole.VIEWER])
def test_a_cohost_token_is_refused_on_every_staff_route(client, cohost_role):
    ministry = OrganisationFactory(kind=OrganisationKind.GOVERNMENT)
    session = SessionFactory(status="draft", cohosts=[ministry])
    member = UserFactory(role=Role.COHOST, organisation=ministry, cohost_role=cohost_role)
    headers = bearer(member)

    writes = [call(client, m, p, d, headers).status_code for m, p, d in staff_writes(session)]
    reads = [client.get(path, **headers).status_code for path in staff_reads(session)]

    assert writes == [403] * 6
    assert reads == [403] * 5
    assert Session.objects.get().status == "draft"


def test_an_analysts_token_reads_the_figures_but_not_the_sessions(client):
    session = SessionFactory()
    headers = bearer(UserFactory(role=Role.ANALYST))

    answers = [client.get(path, **headers).status_code for path in staff_reads(session)]

    assert answers == [403, 403, 403, 200, 200]


def test_without_a_token_the_staff_routes_are_a_401_even_signed_in(client, organiser):
    session = SessionFactory()
    client.force_login(organiser)

    answers = [client.get(path).status_code for path in staff_reads(session)]

    assert answers == [401] * 5


def test_an_unknown_session_is_a_404(api):
    missing = Session.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    assert api.get(f"{API}/sessions/{missing + 1}/").status_code == 404
    assert api.get(f"{API}/sessions/{missing + 1}/registrations/").status_code == 404


# --- Registrations ---------------------------------------------------------------------------


def test_a_sessions_registrations_filtered_by_status_and_attendance(api):
    session, other = SessionFactory(), SessionFactory()
    came = RegistrationFactory(session=session, attended=True, minutes_attended=60)
    absent = RegistrationFactory(session=session, attended=False, minutes_attended=0)
    unknown = RegistrationFactory(session=session)
    waiting = RegistrationFactory(
        session=session, status="waitlisted", waitlisted_at=timezone.now()
    )
    RegistrationFactory(session=other, attended=True)

    def ids(**params):
        response = api.get(f"{API}/sessions/{session.pk}/registrations/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [came.pk, absent.pk, unknown.pk, waiting.pk]
    assert ids(attended="true") == [came.pk]
    assert ids(attended="false") == [absent.pk]
    assert ids(attended="unknown") == [unknown.pk, waiting.pk]
    assert ids(status="waitlisted") == [waiting.pk]
    assert ids(status="confirmed", attended="unknown") == [unknown.pk]
    assert (
        api.get(f"{API}/sessions/{session.pk}/registrations/", {"attended": "maybe"}).status_code
        == 400
    )


def test_registrations_come_a_cursor_page_at_a_time_each_once(api):
    session = SessionFactory()
    registrations = [RegistrationFactory(session=session) for _ in range(5)]

    seen, url = [], f"{API}/sessions/{session.pk}/registrations/?page_size=2"
    while url:
        page = api.get(url).json()
        seen.append([row["id"] for row in page["results"]])
        url = page["next"]

    assert seen == [
        [r.pk for r in registrations[:2]],
        [r.pk for r in registrations[2:4]],
        [registrations[4].pk],
    ]


def test_a_registration_shows_its_person_and_its_facts(api):
    firm = FirmFactory(name="Sahel Foods", economy=economy("BF"))
    registration = RegistrationFactory(
        person=UserFactory(
            full_name="Amina Ouédraogo", email="amina@sahel.example", organisation=firm
        )
    )

    (row,) = api.get(f"{API}/sessions/{registration.session_id}/registrations/").json()["results"]

    assert (row["name"], row["email"], row["organisation"], row["economy"], row["status"]) == (
        "Amina Ouédraogo",
        "amina@sahel.example",
        {"id": firm.pk, "name": "Sahel Foods"},
        "BF",
        "confirmed",
    )


def test_the_registrations_list_asks_as_many_queries_for_one_as_for_three(api):
    session = SessionFactory()

    def render():
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"{API}/sessions/{session.pk}/registrations/")
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    api.get(f"{API}/sessions/")  # the token's first use of the minute is recorded
    RegistrationFactory(session=session)
    one = render()
    RegistrationFactory(session=session)
    RegistrationFactory(session=session)
    three = render()

    assert (one[1], three[1]) == (1, 3)
    assert one[0] == three[0]


# --- Attendance ------------------------------------------------------------------------------

# The people of the sample report who registered on the site (see tests/attendance).
REGISTRANTS = [
    ("Amina Ouédraogo", "amina.ouedraogo@sahelfoods.example"),
    ("Kwame Mensah", "kwame.mensah@ghanacocoa.example"),
    ("Nguyễn Thị Hoa", "hoa.nguyen@mekongcraft.example"),
    ("Zoë Müller", "z.muller@alpenholz.example"),
    ("Pedro Alves", "pedro@cafealves.example"),
    ("Fatou Diop", "fatou.diop@dakarsoap.example"),
    ("Nadia Benali", "nadia@atlasoils.example"),
]


def webinar() -> Session:
    """The webinar of the sample reports (12 November 2026 in Nairobi), with its registrants."""
    session = SessionFactory(
        starts_at=datetime(2026, 11, 12, 6, 55, tzinfo=UTC),
        ends_at=datetime(2026, 11, 12, 8, 32, tzinfo=UTC),
        time_zone=NAIROBI,
        status="finished",
    )
    for name, email in REGISTRANTS:
        # The same people in each copy of the webinar: one account each.
        person = User.objects.filter(email=email).first() or UserFactory(
            full_name=name, email=email
        )
        RegistrationFactory(session=session, person=person)
    return session


def report(data: bytes | None = None, name: str = "zoom_webinar.csv") -> SimpleUploadedFile:
    if data is None:
        data = (FILES / name).read_bytes()
    return SimpleUploadedFile(name, data, content_type="text/csv")


def attendance(session) -> list[tuple]:
    return list(
        Registration.objects.filter(session=session)
        .order_by("person__email")
        .values_list("person__email", "attended", "minutes_attended")
    )


def records(session) -> list[tuple]:
    return list(
        AttendanceRecord.objects.filter(session=session)
        .order_by("email", "name")
        .values_list("name", "email", "registration__person__email", "minutes", "attended")
    )


def api_import(api, session, data=None) -> tuple:
    preview = api.upload(
        f"{API}/sessions/{session.pk}/attendance/preview/", {"report": report(data)}
    )
    assert preview.status_code == 200, preview.json()
    confirm = api.upload(
        f"{API}/sessions/{session.pk}/attendance/",
        {"report": report(data), "preview": preview.json()["preview"]},
    )
    return preview, confirm


def test_a_preview_writes_nothing_and_says_what_the_import_would(api):
    session = webinar()
    before = attendance(session)

    response = api.upload(f"{API}/sessions/{session.pk}/attendance/preview/", {"report": report()})

    body = response.json()
    assert response.status_code == 200, body
    assert attendance(session) == before
    assert not AttendanceImport.objects.exists()
    assert (body["people"], body["matched"], body["unmatched"]) == (10, 6, 4)
    assert body["attended"] == 4  # Amina, Kwame, Hoa and Zoë; Pedro stayed 8 minutes
    assert body["absent_after_import"] == 3  # Pedro, Fatou and Nadia
    zoe = next(row for row in body["rows"] if row["name"] == "Zoë Müller")
    assert (zoe["minutes"], zoe["attended"], zoe["matched_by"]) == (70, True, "name")


def test_preview_then_confirm_records_what_the_screen_records(api, client, organiser):
    by_api, by_screen = webinar(), webinar()
    # The screen, as an organiser uses it in the browser: preview, then import.
    client.force_login(organiser)
    page = f"/en/manage/sessions/{by_screen.pk}/attendance/"
    client.post(
        page + "preview/",
        {"report": report(), "platform": "auto", "time_zone": NAIROBI, "date_order": "auto"},
    )
    client.post(page + "import/")

    _preview, confirm = api_import(api, by_api)

    assert (confirm.status_code, confirm.json()["changed"]) == (201, True)
    assert confirm.json()["attended"] == 4
    assert attendance(by_api) == attendance(by_screen)
    assert records(by_api) == records(by_screen)
    assert attendance(by_api)[0] == ("amina.ouedraogo@sahelfoods.example", True, 93)
    entry = AuditEntry.objects.filter(
        action=AuditAction.ATTENDANCE_IMPORTED, object_id=str(by_api.pk)
    )
    assert list(entry.values_list("actor", flat=True)) == [organiser.pk]


def test_the_same_report_twice_changes_nothing(api):
    session = webinar()
    api_import(api, session)
    after_first = (attendance(session), records(session), AuditEntry.objects.count())

    _preview, again = api_import(api, session)

    assert (again.status_code, again.json()["changed"]) == (200, False)
    assert (attendance(session), records(session), AuditEntry.objects.count()) == after_first
    assert AttendanceImport.objects.count() == 1


def test_a_utf16_copy_of_the_report_is_read_as_the_screen_reads_it(api):
    original, copy = webinar(), webinar()
    text = (FILES / "zoom_webinar.csv").read_bytes().decode("utf-8")

    api_import(api, original)
    tabs = io.StringIO()
    csv.writer(tabs, delimiter="\t").writerows(csv.reader(io.StringIO(text)))
    _preview, confirm = api_import(api, copy, b"\xff\xfe" + tabs.getvalue().encode("utf-16-le"))

    assert confirm.status_code == 201, confirm.json()
    assert attendance(copy) == attendance(original)


def test_a_semicolon_copy_of_the_report_is_read_as_the_screen_reads_it(api):
    original, copy = webinar(), webinar()
    text = (FILES / "zoom_webinar.csv").read_bytes().decode("utf-8")

    api_import(api, original)
    semicolons = io.StringIO()
    csv.writer(semicolons, delimiter=";").writerows(csv.reader(io.StringIO(text)))
    _preview, confirm = api_import(api, copy, semicolons.getvalue().encode())

    assert confirm.status_code == 201, confirm.json()
    assert attendance(copy) == attendance(original)


def test_a_file_with_a_nul_byte_is_refused_with_the_screens_message(api, client, organiser):
    session = webinar()
    data = (FILES / "zoom_webinar.csv").read_bytes().replace(b"Amina", b"Am\x00ina")
    client.force_login(organiser)
    screen = client.post(
        f"/en/manage/sessions/{session.pk}/attendance/preview/",
        {"report": report(data), "platform": "auto", "time_zone": NAIROBI, "date_order": "auto"},
    )

    response = api.upload(
        f"{API}/sessions/{session.pk}/attendance/preview/", {"report": report(data)}
    )

    assert response.status_code == 400
    (message,) = response.json()["report"]
    assert "NUL" in message
    assert message in screen.context["form"].errors["report"]


def test_an_import_needs_the_preview_of_that_very_report(api):
    session = webinar()
    preview = api.upload(f"{API}/sessions/{session.pk}/attendance/preview/", {"report": report()})
    other = (FILES / "zoom_webinar.csv").read_bytes().replace(b"Pedro Alves", b"Pedro Alvez")

    missing = api.upload(f"{API}/sessions/{session.pk}/attendance/", {"report": report()})
    forged = api.upload(
        f"{API}/sessions/{session.pk}/attendance/", {"report": report(), "preview": "x:y"}
    )
    changed = api.upload(
        f"{API}/sessions/{session.pk}/attendance/",
        {"report": report(other), "preview": preview.json()["preview"]},
    )
    read_otherwise = api.upload(
        f"{API}/sessions/{session.pk}/attendance/",
        {"report": report(), "preview": preview.json()["preview"], "time_zone": "UTC"},
    )

    assert (missing.status_code, forged.status_code) == (400, 400)
    assert (changed.status_code, read_otherwise.status_code) == (409, 409)
    assert not AttendanceImport.objects.exists()


def test_a_preview_of_one_session_does_not_import_into_another(api):
    first, second = webinar(), webinar()
    preview = api.upload(f"{API}/sessions/{first.pk}/attendance/preview/", {"report": report()})

    response = api.upload(
        f"{API}/sessions/{second.pk}/attendance/",
        {"report": report(), "preview": preview.json()["preview"]},
    )

    assert response.status_code == 409
    assert not AttendanceImport.objects.exists()


# --- Impact ----------------------------------------------------------------------------------


def held(code: str, *, language="en", attended=True, days_ago=30, **fields):
    starts_at = (timezone.now() - timedelta(days=days_ago)).replace(
        minute=0, second=0, microsecond=0
    )
    session = SessionFactory(starts_at=starts_at, language=language, **fields)
    firm = FirmFactory(economy=economy(code))
    RegistrationFactory(session=session, person=UserFactory(organisation=firm), attended=attended)
    return session


@pytest.fixture
def programme():
    held("CL")
    held("CL", attended=False)
    held("KE", language="fr")
    held("KE", language="fr", days_ago=400)


def test_the_figures_are_the_dashboards_for_the_same_filters(api, programme):
    today = timezone.localdate()
    query = {"language": "fr", "start": str(today - timedelta(days=60)), "end": str(today)}

    body = api.get(f"{API}/impact/figures/", query).json()
    everything = api.get(f"{API}/impact/figures/").json()

    figures, filters = Figures(Audience.staff()), filters_from(query)
    assert body["filters"] == query
    assert body["headline"] == figures.headline(filters)
    assert body["completions"] == figures.completions(filters)
    assert body["outcomes"] == {**figures.outcomes(filters), "markets": []}
    # One French session in the period; the other, a year ago, and the English ones left out.
    assert (body["headline"]["sessions"], body["headline"]["registrations"]) == (1, 1)
    assert (everything["headline"]["registrations"], everything["headline"]["attendees"]) == (4, 3)


def test_the_figures_are_the_numbers_the_dashboard_page_shows(api, client, programme):
    client.force_login(OrganiserFactory())
    page = client.get("/en/impact/", {"language": "fr"}).context

    body = api.get(f"{API}/impact/figures/", {"language": "fr"}).json()
    economies = api.get(f"{API}/impact/breakdowns/economy/", {"language": "fr"}).json()

    assert tables.headline(body["headline"]) == page["headline"]
    assert tables.survey(body["headline"]) == page["survey"]
    assert [(row["key"], row["attendees"]) for row in page["economies"]["rows"]] == [
        (row["key"], row["attendees"]) for row in economies["registrations"]
    ]
    assert body["headline"]["registrations"] == 2


def test_a_breakdown_is_the_dashboards_and_a_second_economy_stays_apart(api, programme):
    body = api.get(f"{API}/impact/breakdowns/economy/").json()
    french = api.get(f"{API}/impact/breakdowns/economy/", {"language": "fr"}).json()

    assert body["registrations"] == Figures(Audience.staff()).breakdown(filters_from({}), "economy")
    assert {row["key"]: row["registrations"] for row in body["registrations"]} == {"CL": 2, "KE": 2}
    assert [row["key"] for row in french["registrations"]] == ["KE"]
    assert body["completions"] == []
    assert isinstance(body["outcomes"], list)


def test_a_breakdown_only_registrations_have_and_one_that_does_not_exist(api, programme):
    kind = api.get(f"{API}/impact/breakdowns/kind/").json()
    unknown = api.get(f"{API}/impact/breakdowns/colour/")

    assert (kind["outcomes"], kind["completions"]) == (None, None)
    assert kind["registrations"][0]["key"] == "firm"
    assert unknown.status_code == 404


def test_a_filter_not_understood_is_a_400_not_unfiltered_figures(api, programme):
    response = api.get(f"{API}/impact/figures/", {"quarter": "2026-Q5"})

    assert response.status_code == 400


def test_the_format_filter_is_a_filter_not_a_choice_of_renderer(api, programme):
    held("CL", format="in_person", venue="Trade centre, Nairobi")

    response = api.get(f"{API}/impact/figures/", {"format": "in_person"})

    assert response.status_code == 200, response.content
    assert response.json()["headline"]["sessions"] == 1


def test_a_session_past_its_retention_period_takes_no_report(api):
    session = webinar()
    # A year's retention, and the session a year and a half ago.
    session.series = SeriesFactory(retention_months=12)
    session.starts_at -= timedelta(days=550)
    session.ends_at -= timedelta(days=550)
    session.save()
    before = attendance(session)

    response = api.upload(f"{API}/sessions/{session.pk}/attendance/preview/", {"report": report()})

    assert response.status_code == 409
    assert "retention period" in response.json()["non_field_errors"][0]
    assert attendance(session) == before


def test_a_nul_character_in_a_session_field_is_a_400_not_an_error(api):
    response = api.post(f"{API}/sessions/", new_session(title_en="Selling\x00online"))

    assert response.status_code == 400
    assert list(response.json()) == ["title_en"]
