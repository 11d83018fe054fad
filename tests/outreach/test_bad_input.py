"""Bad input never gives a 500: a NUL byte anywhere gets a clear 400 or a clear form error.

PostgreSQL refuses NUL in text, so a NUL that reaches a query is a server error; the walk below
tries every URL pattern of the project (the permission matrix's machinery builds the addresses)
with a NUL in its path, in its query string, and in every field of every form its page shows,
as the roles that get past its permission check. It needs PostgreSQL to find anything: SQLite
stores NUL without a word.
"""

import io
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext

from events.models import Session
from registrations.models import AttendanceRecord
from tests import test_permission_matrix as matrix
from tests.factories import (
    AttendanceRecordFactory,
    OrganiserFactory,
    RegistrationFactory,
    SessionFactory,
)
from tests.test_permission_matrix import (
    LOGIN,
    PATTERNS,
    Redirect,
    _is_admin,
    address,
    arguments,
    decision,
)

# The permission matrix's objects, built once for this module too.
_world_for_the_module = matrix._world_for_the_module
world = matrix.world

pytestmark = pytest.mark.django_db

NUL = "\x00"
REFUSAL = (
    "The request holds a NUL character (a zero byte), which no address, form field, header or "
    "cookie may contain. Remove it and try again."
)
# Who tries a page: the first of these the page lets in, and an anonymous visitor if let in too.
PREFERENCE = ("organiser", "cohost_a_manager", "analyst", "participant", "cohost_a_viewer")
REFUSED = (403, 404, 405)
# Query parameters the views read, each given a NUL.
QUERY_NAMES = (
    "q",
    "page",
    "status",
    "next",
    "session",
    "quarter",
    "year",
    "start",
    "end",
    "language",
    "economy",
    "region",
    "group",
    "series",
    "cohost",
    "format",
    "size_band",
    "kind",
    "codes",
    "when",
    "topic",
)


def admitted(answer) -> bool:
    if isinstance(answer, Redirect):
        return answer != LOGIN and not answer.to.startswith("/admin/login")
    return answer not in REFUSED


def roles_for(answers: dict) -> list[str]:
    let_in = [role for role in PREFERENCE if admitted(answers[role])][:1]
    if admitted(answers["anonymous"]):
        let_in.append("anonymous")
    return let_in


def _cases():
    for pattern in PATTERNS:
        if _is_admin(pattern):
            continue  # nobody gets past the admin's sign-in page
        for method, answers in (decision(pattern) or {}).items():
            for role in roles_for(answers):
                yield pytest.param(pattern, method, role, id=f"{pattern.key}|{method}|{role}")


CASES = list(_cases())


def sign_in(client, world, role):
    if role != "anonymous":
        client.force_login(world["people"][role])


def send(client, method, url, data=None):
    if method == "GET":
        return client.get(url, data)
    return client.post(url, data or {})


def assert_refused_clearly(response, label):
    assert response.status_code != 500, label
    if response.status_code == 400:
        assert response.content.decode() == REFUSAL, label


def nul_addresses(pattern, world) -> list[str]:
    """The page's address with a NUL after it, and with a NUL in each text argument."""
    url = address(pattern, world)
    found = [url + "%00"]
    if url.startswith("/en/"):
        found.append("/en%00/" + url.removeprefix("/en/"))
    kwargs = arguments(pattern, world, "a")
    for name, value in kwargs.items():
        try:
            found.append(reverse(pattern.name, kwargs={**kwargs, name: f"{value}{NUL}"}))
        except NoReverseMatch:
            continue  # an int or slug converter: the address cannot carry a NUL there
    return found


@pytest.mark.parametrize(("pattern", "method", "role"), CASES)
def test_a_nul_in_the_path_is_a_clear_400(client, world, pattern, method, role):
    sign_in(client, world, role)

    for url in nul_addresses(pattern, world):
        response = send(client, method, url)

        assert_refused_clearly(response, f"{method} {url} as {role}")
        assert response.status_code in (400, 404), f"{method} {url} as {role}"


@pytest.mark.parametrize(("pattern", "method", "role"), CASES)
def test_a_nul_in_the_query_string_is_a_clear_400(client, world, pattern, method, role):
    sign_in(client, world, role)
    url = address(pattern, world)

    for query in (
        dict.fromkeys(QUERY_NAMES, f"x{NUL}"),
        {f"q{NUL}": "x"},
    ):
        response = send(client, method, f"{url}?{urlencode(query)}")

        assert_refused_clearly(response, f"{method} {url} as {role}")
        assert response.status_code == 400, f"{method} {url}?{urlencode(query)} as {role}"


class Forms(HTMLParser):
    """The forms of a page: their method, action and fields with the values they carry."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action")}
            )
            self.forms[-1]["fields"] = {}
            return
        if not self.forms or "name" not in attrs:
            if tag == "option" and self._select and "value" in attrs:
                self.forms[-1]["fields"].setdefault(self._select, attrs["value"])
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                fields.setdefault(attrs["name"], None)
            else:
                fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            fields[attrs["name"]] = ""
        elif tag == "select":
            self._select = attrs["name"]
            fields.setdefault(attrs["name"], None)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


GET_CASES = [case for case in CASES if case.values[1] == "GET"]


@pytest.mark.parametrize(("pattern", "method", "role"), GET_CASES)
def test_a_nul_in_any_field_of_a_pages_forms_is_a_clear_400(client, world, pattern, method, role):
    sign_in(client, world, role)
    url = address(pattern, world)
    page = client.get(url)
    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
        return
    tried = 0

    for form in page_forms(page.content.decode()):
        target = form["action"] or url
        if not target.startswith("/"):
            continue
        filled = {name: value or "" for name, value in form["fields"].items()}
        for name in filled:
            data = {**filled, name: f"{filled[name]}{NUL}"}
            response = send(client, form["method"].upper(), target, data)
            tried += 1

            assert_refused_clearly(response, f"{form['method']} {target} {name} as {role}")
            assert response.status_code == 400, f"{target}: {name} as {role}"
    assert tried or not page_forms(page.content.decode())


POST_CASES = [case for case in CASES if case.values[1] == "POST"]


@pytest.mark.parametrize(("pattern", "method", "role"), POST_CASES)
def test_a_nul_in_any_posted_value_is_a_clear_400(client, world, pattern, method, role):
    sign_in(client, world, role)
    url = address(pattern, world)

    response = client.post(url, dict.fromkeys((*QUERY_NAMES, "registration"), f"1{NUL}"))

    assert_refused_clearly(response, f"POST {url} as {role}")
    assert response.status_code == 400


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_the_400_says_why_in_the_pages_language(client, language):
    with translation.override(language):
        expected = gettext(REFUSAL)

    response = client.get(f"/{language}/sessions/", {"q": f"export{NUL}"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Language"] == language
    assert response.content.decode() == expected


@pytest.mark.parametrize(
    "header",
    [
        "HTTP_ACCEPT_LANGUAGE",
        "HTTP_USER_AGENT",
        "HTTP_REFERER",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_ORIGIN",
        "HTTP_IF_NONE_MATCH",
    ],
)
def test_a_nul_in_a_header_is_a_clear_400(client, header):
    session = SessionFactory()

    for url in ("/en/", f"/en/sessions/{session.pk}/", f"/en/sessions/{session.pk}/register/"):
        response = client.get(url, **{header: f"fr{NUL}x"})

        assert response.status_code == 400, (url, header)
        assert response.content.decode() == REFUSAL


@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken", "tz", "django_language", "other"])
def test_a_nul_in_a_cookie_is_a_clear_400(client, cookie):
    client.force_login(OrganiserFactory())
    signed_in = f"sessionid={client.cookies['sessionid'].value}"
    session = SessionFactory()

    for url in ("/en/", f"/en/manage/sessions/{session.pk}/edit/", "/en/profile/"):
        # Sent as the browser would: the test client's cookie jar would escape the NUL.
        response = client.get(url, HTTP_COOKIE=f"{signed_in}; {cookie}=abc{NUL}def")

        assert response.status_code == 400, (url, cookie)
        assert response.content.decode() == REFUSAL


def test_a_second_session_is_untouched_by_a_nul_in_the_session_form(client):
    organiser = OrganiserFactory()
    client.force_login(organiser)
    target, other = SessionFactory(title_en="Target"), SessionFactory(title_en="Other")

    response = client.post(
        f"/en/manage/sessions/{target.pk}/edit/",
        {"title_en": f"Hacked{NUL}", "language": "en", "time_zone": "UTC"},
    )

    assert response.status_code == 400
    target.refresh_from_db()
    other.refresh_from_db()
    assert (target.title_en, other.title_en) == ("Target", "Other")


# --- Uploads ---------------------------------------------------------------------------------


def upload(client, session, content: bytes, name: str = "report.csv", **fields):
    report = io.BytesIO(content)
    report.name = name
    return client.post(
        f"/en/manage/sessions/{session.pk}/attendance/",
        {
            "step": "preview",
            "report": report,
            "platform": "csv",
            "time_zone": "UTC",
            "date_order": "auto",
            "name_column": "Name",
            "email_column": "Email",
            "joined_column": "Joined",
            "left_column": "Left",
            **fields,
        },
    )


def test_a_nul_inside_an_uploaded_report_is_a_clear_form_error(client):
    client.force_login(OrganiserFactory())
    session = SessionFactory()
    RegistrationFactory(session=session)
    content = (
        b"Name,Email,Joined,Left\r\n"
        b"Ana,ana@example.org,2026-11-12 09:00,2026-11-12 10:00\r\n"
        b"Bo\x00b,bob@example.org,2026-11-12 09:00,2026-11-12 10:00\r\n"
    )

    response = upload(client, session, content)

    assert response.status_code == 200
    assert response.context["form"].errors["report"] == [
        "Line 3: the file holds a NUL character, which no report has: is it the right file?"
    ]
    assert not AttendanceRecord.objects.filter(session=session).exists()


def test_a_nul_in_an_uploaded_files_name_is_a_clear_400(client):
    client.force_login(OrganiserFactory())
    session = SessionFactory()

    response = upload(client, session, b"Name,Email,Joined,Left\r\n", name=f"report{NUL}.csv")

    assert_refused_clearly(response, "file name")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("target", ["home", "events:home", "1", "sessions"])
def test_choosing_a_time_zone_with_a_next_that_is_no_address_is_no_500(client, target):
    response = client.post("/en/time-zone/", {"time_zone": "UTC", "next": target})

    assert response.status_code == 302


# --- Other values no form offers ---------------------------------------------------------------

JUNK = ("abc", "-1", "99999999999999999999999", "1.5", "'\"<>", "x" * 3000)


@pytest.fixture
def seats_counted(world):
    """The matrix's registrations are made by a factory, which leaves the sessions' seat counts
    at 0: count them, as registering would have, so that a cancellation is a real one."""
    for session in Session.objects.all():
        confirmed = session.registrations.filter(status="confirmed").count()
        Session.objects.filter(pk=session.pk).update(confirmed_count=confirmed)
    return world


@pytest.mark.parametrize(("pattern", "method", "role"), GET_CASES)
def test_a_value_no_form_offers_is_never_a_500(client, seats_counted, pattern, method, role):
    world = seats_counted
    sign_in(client, world, role)
    url = address(pattern, world)
    page = client.get(url)
    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
        return

    for form in page_forms(page.content.decode()):
        target = form["action"] or url
        if not target.startswith("/"):
            continue
        filled = {name: value or "" for name, value in form["fields"].items()}
        for name in filled:
            for junk in JUNK:
                response = send(client, form["method"].upper(), target, {**filled, name: junk})

                assert response.status_code != 500, f"{target}: {name}={junk[:20]} as {role}"


@pytest.mark.parametrize("value", ["abc", "1.5", "", "99999999999999999999999"])
def test_an_id_that_is_no_number_is_not_found(client, value):
    client.force_login(OrganiserFactory())
    session = SessionFactory()
    record = AttendanceRecordFactory(session=session, name="Walk-in", minutes=30)

    checked_in = client.post(
        reverse("registrations:check-in", args=[session.pk]), {"registration": value}
    )
    linked = client.post(
        reverse("registrations:attendance-link", args=[session.pk, record.pk]),
        {"registration": value},
    )

    # An empty choice is the link form's first option: back to the page, "Choose a registrant".
    assert (checked_in.status_code, linked.status_code) == (404, 302 if value == "" else 404)
