"""The permission matrix: every URL pattern of the project against every role.

The patterns are read from the URL configuration when this module is collected, so a view added
without a decision here fails `test_every_url_pattern_has_a_decision`. Each decision is the answer
the view should give (read from the views and the permission modules, not copied from a run); a
302 to the sign-in page is checked by its Location too.

A second table covers the other half of the requirement: a member of ministry A reaches none of
ministry B's objects, whatever id they put in the address or in the export's parameters.
"""

import csv
import io
import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import WebhookDelivery, WebhookSubscription
from outreach.models import CohostRole, OrganisationKind, Role
from registrations.certificates import services as certificates
from registrations.cohost_links import link_token
from registrations.confirmations import confirmation_token
from registrations.courses import services as courses
from registrations.messages.opt_out import opt_out_token
from registrations.models import (
    MessageStatus,
    PendingKind,
    PendingRegistration,
    Question,
    Survey,
)
from tests.factories import (
    AttendanceRecordFactory,
    MessageFactory,
    OrganisationFactory,
    OrganiserFactory,
    RegistrationFactory,
    SeriesFactory,
    SessionFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
    TextSuggestionFactory,
    UserFactory,
)

ROLES = (
    "anonymous",
    "participant",
    "cohost_a_manager",
    "cohost_a_viewer",
    "cohost_b",
    "analyst",
    "organiser",
)


# --- The URL configuration, walked once at collection -------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str | None  # "namespace:name", or None for the few unnamed admin patterns
    route: str  # the whole route, prefixes included: "en/sessions/<int:pk>/"
    kwargs: frozenset[str]  # the names of the arguments the address carries

    @property
    def key(self) -> str:
        return self.name or self.route


def _walk(resolver, namespaces=(), route="", kwargs=frozenset()):
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        names = kwargs | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, inner, here, names)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield Pattern(name, here, names)


PATTERNS = sorted(set(_walk(get_resolver())), key=lambda p: p.key)


def _is_admin(pattern: Pattern) -> bool:
    return (pattern.name or "").startswith("admin:") or (
        pattern.name is None and pattern.route.startswith("admin/")
    )


# --- Expected answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location starts with `to`."""

    to: str

    def __repr__(self):
        return f"302→{self.to}"


LOGIN = Redirect("/en/accounts/login/")
ADMIN_LOGIN = Redirect("/admin/login/")


def everyone(answer) -> dict:
    return dict.fromkeys(ROLES, answer)


def signed_in(answer, *, anonymous=LOGIN) -> dict:
    return {**everyone(answer), "anonymous": anonymous}


def landing_pages(*, anonymous) -> dict:
    """Where each role lands once signed in (outreach.accounts.AccountAdapter): its workspace."""
    return {
        **everyone(Redirect("/en/my-sessions/")),
        "cohost_a_manager": Redirect("/en/cohost/"),
        "cohost_a_viewer": Redirect("/en/cohost/"),
        "cohost_b": Redirect("/en/cohost/"),
        "analyst": Redirect("/en/impact/"),
        "organiser": Redirect("/en/manage/sessions/"),
        "anonymous": anonymous,
    }


def organisers_only(answer) -> dict:
    """require(events.permissions.can_manage_sessions) and require(is_organiser): sign in first,
    then organisers only."""
    return {**everyone(403), "anonymous": LOGIN, "organiser": answer}


def cohost_members_only(answers: dict) -> dict:
    """require(is_cohost_member) in impact.cohost_views, require(events.permissions
    .can_propose_sessions) in events: sign in first; programme staff and participants are
    refused; co-hosts get `answers`."""
    return {**everyone(403), "anonymous": LOGIN, **answers}


def webhook_managers(answers: dict) -> dict:
    """require(api.webhooks.permissions.can_manage_webhooks): co-host managers (ministry A's
    subscription is 404 to ministry B's) and organisers (the programme's subscriptions only)."""
    return {**everyone(403), "anonymous": LOGIN, **answers}


WEBHOOK_MANAGERS = ("cohost_a_manager", "cohost_b", "organiser")
WEBHOOK_OF_A = Redirect("/en/webhooks/")  # back to the subscription, or the list
MANAGE_REGISTRATIONS = Redirect("/en/manage/sessions/")  # back to the session's registrations
PROPOSALS = Redirect("/en/manage/proposals/")

# GET unless a method is named; views that only take POST are checked both ways.
EXPECTED: dict[str, dict] = {
    # Public pages: session A is published, so everyone sees it.
    "events:home": everyone(200),
    "events:catalogue": everyone(200),
    "events:session-detail": everyone(200),
    "events:session-ics": everyone(200),
    # The health check tells a load balancer whether the database and the queue answer.
    "health": everyone(200),
    "feeds:all": everyone(200),
    "feeds:language": everyone(200),
    "feeds:series": everyone(200),
    # The personal feed's token is the secret: whoever holds it reads the feed.
    "personal-feeds:person": everyone(200),
    "registrations:register": everyone(200),
    "registrations:thanks": everyone(200),
    # The cancel link from an email works without signing in (the token is the secret).
    "registrations:cancel": everyone(200),
    # So does the link that confirms what the form asked for a known address: the page asks,
    # the button confirms (registrations.confirmations).
    "registrations:confirm-registration": {"GET": everyone(200), "POST": everyone(200)},
    "registrations:my-sessions": signed_in(200),
    # The privacy notice the registration form's consent names: public.
    "registrations:privacy": everyone(200),
    # A person's own data: only ever their own, whoever asks.
    "registrations:my-data": signed_in(200),
    "registrations:erase-me": signed_in(200),
    "outreach:profile": signed_in(200),
    # Personal API tokens (api/views/tokens.py): co-host members and programme staff; a firm is
    # refused. A POST with nothing filled in shows the form again with its errors (400); revoking
    # names a session's id, which is nobody's token: not found.
    "api-tokens:list": {
        "GET": {**signed_in(200), "participant": 403},
        "POST": {**signed_in(400), "participant": 403},
    },
    "api-tokens:revoke": {
        "GET": {**signed_in(405), "participant": 403},
        "POST": {**signed_in(404), "participant": 403},
    },
    "outreach:set-time-zone": {
        "GET": everyone(200),  # the zone picker's own page
        "POST": everyone(Redirect("/en/")),  # no zone given: back home with a message
    },
    "outreach:cohost-members": organisers_only(200),
    # Webhook subscriptions (api/webhooks): ministry A's subscription in the addresses.
    "webhooks:list": webhook_managers(dict.fromkeys(WEBHOOK_MANAGERS, 200)),
    "webhooks:create": {
        "GET": webhook_managers(dict.fromkeys(WEBHOOK_MANAGERS, 200)),
        "POST": webhook_managers(dict.fromkeys(WEBHOOK_MANAGERS, 200)),  # the form's errors
    },
    "webhooks:detail": webhook_managers(
        {"cohost_a_manager": 200, "cohost_b": 404, "organiser": 404}
    ),
    **{
        name: {
            "GET": webhook_managers(dict.fromkeys(WEBHOOK_MANAGERS, 405)),
            "POST": webhook_managers(
                {"cohost_a_manager": WEBHOOK_OF_A, "cohost_b": 404, "organiser": 404}
            ),
        }
        for name in ("webhooks:toggle", "webhooks:delete", "webhooks:replay")
    },
    # The audit log: organisers only; analysts and co-host members are refused.
    "outreach:audit-log": organisers_only(200),
    # Organisers' screens for sessions (events/organiser_views.py).
    "events:manage-sessions": organisers_only(200),
    "events:session-create": organisers_only(200),
    "events:plan-quarter": organisers_only(200),
    "events:session-edit": organisers_only(200),
    "events:session-reschedule": organisers_only(200),
    "events:session-cancel": organisers_only(200),
    "events:proposals": organisers_only(200),
    # Series and their retention periods (events/organiser_views.py).
    "events:series-list": organisers_only(200),
    "events:series-edit": {
        "GET": organisers_only(200),
        "POST": organisers_only(200),  # no title given: the form again, with the error
    },
    "events:session-duplicate": {
        "GET": organisers_only(405),
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    # GET asks before publishing a draft (and whether without a join link); session A is
    # published already: back to its edit page.
    "events:session-publish": {
        "GET": organisers_only(Redirect("/en/manage/sessions/")),
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    "events:proposal-decline": {"GET": organisers_only(405), "POST": organisers_only(PROPOSALS)},
    "events:suggestion-review": {"GET": organisers_only(405), "POST": organisers_only(PROPOSALS)},
    # Organisers' screens for registrations (registrations/organiser_views.py).
    "registrations:manage": organisers_only(200),
    "registrations:manage-csv": organisers_only(200),
    "registrations:manage-action": {
        "GET": organisers_only(200),  # "Cancel this registration?": the page that asks first
        "POST": organisers_only(MANAGE_REGISTRATIONS),  # no action: "Unknown action", back
    },
    "registrations:retry-message": {
        "GET": organisers_only(405),
        "POST": organisers_only(MANAGE_REGISTRATIONS),
    },
    "registrations:fill-from-waitlist": {
        "GET": organisers_only(405),
        "POST": organisers_only(MANAGE_REGISTRATIONS),
    },
    # Moving waitlisted people to the same session in another language: a POST without anyone
    # chosen shows the page again.
    "registrations:move-to-sibling": organisers_only(200),
    # Writing to a group of registrants (registrations/bulk/views.py): organisers, and co-host
    # managers for their own sessions (B's manager does not find session A; A's viewer is
    # refused). A POST without a message shows the form again with its errors.
    "registrations:bulk-session": {
        method: {
            **organisers_only(200),
            "cohost_a_manager": 200,
            "cohost_b": 404,
        }
        for method in ("GET", "POST")
    },
    # A series' registrants: organisers only.
    "registrations:bulk-series": {"GET": organisers_only(200), "POST": organisers_only(200)},
    # Registration framed on a co-host's site: public; a post without the form's token is
    # refused (403) and records nothing, whoever is signed in (the page never reads them).
    "registrations:embed-register": {"GET": everyone(200), "POST": everyone(403)},
    # A co-host manager lists its sites; an empty list is saved and the page shown again.
    "registrations:embed-sites": {
        "GET": cohost_members_only({"cohost_a_manager": 200, "cohost_b": 200}),
        "POST": cohost_members_only(
            {
                "cohost_a_manager": Redirect("/en/workspace/embed-sites/"),
                "cohost_b": Redirect("/en/workspace/embed-sites/"),
            }
        ),
    },
    # Duplicate organisations (registrations/organisations/views.py): organisers only. A POST
    # that names no organisation goes back to the list, saying so.
    "registrations:duplicates": organisers_only(200),
    "registrations:duplicates-merge": {
        "GET": organisers_only(405),
        "POST": organisers_only(Redirect("/en/manage/organisations/duplicates/")),
    },
    # Attendance and surveys (registrations/organiser_views.py).
    "registrations:attendance": organisers_only(200),
    # The attendance page's forms: a report with nothing in it is shown again with the error.
    "registrations:attendance-preview": {
        "GET": organisers_only(405),
        "POST": organisers_only(200),
    },
    # Nothing previewed: back to the attendance page, saying so.
    "registrations:attendance-import": {
        "GET": organisers_only(405),
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    # The pull is queued for a task: back to the attendance page.
    "registrations:attendance-zoom": {
        "GET": organisers_only(405),
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    # Asking Zoom again (registrations/zoom/views.py): tasks call Zoom; back to the session.
    "registrations:zoom-retry": {
        "GET": organisers_only(405),
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    "registrations:check-in": organisers_only(200),
    "registrations:attendance-link": {
        "GET": organisers_only(405),
        # No registrant named to link the record to: back to the attendance page, saying so.
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    # The question builder (registrations/questions/views.py), for organisers: session A and
    # the series each have their own survey after the session with a question "product".
    **{
        f"registrations:{prefix}{name}": answers
        for prefix, back in (("", "/en/manage/sessions/"), ("series-", "/en/manage/series/"))
        for name, answers in {
            # POST: the survey is there already; back to its questions.
            "questions": {"GET": organisers_only(200), "POST": organisers_only(Redirect(back))},
            # POST with nothing typed: the form again, with its errors.
            "question-add": {"GET": organisers_only(200), "POST": organisers_only(400)},
            "question-edit": {"GET": organisers_only(200), "POST": organisers_only(400)},
            # GET asks first; POST deletes, back to the questions.
            "question-delete": {
                "GET": organisers_only(200),
                "POST": organisers_only(Redirect(back)),
            },
            "question-move": {"GET": organisers_only(405), "POST": organisers_only(Redirect(back))},
            "questions-preview": organisers_only(200),
        }.items()
    },
    # Certificates (registrations/certificates/views.py): the verification page and its form
    # are public; a certificate's PDF is its owner's (anyone else does not find it), or whoever
    # holds the signed link of the follow-up message; organisers list and revoke them.
    "certificates:find": everyone(200),
    "certificates:verify": everyone(200),
    "certificates:download": {**signed_in(404), "participant": 200},
    "certificates:download-link": everyone(200),
    "certificates:session-certificates": organisers_only(200),
    "certificates:revoke": {
        "GET": organisers_only(405),
        "POST": organisers_only(Redirect("/en/manage/sessions/")),
    },
    # A course (registrations/courses/views.py): its form is public (a POST without the form's
    # answers shows it again with the errors), so is the page after enrolling; the leave link
    # works without signing in (its token is the secret: the page asks, the button leaves);
    # organisers see its enrolments and progress.
    "registrations:course-enrol": {"GET": everyone(200), "POST": everyone(400)},
    "registrations:course-enrolled": everyone(200),
    "registrations:course-leave": {"GET": everyone(200), "POST": everyone(200)},
    "registrations:course-manage": organisers_only(200),
    # The survey link works without signing in (its token is the secret), once.
    "registrations:survey": everyone(200),
    # So does the link that stops non-essential messages (a signed token of the person): the
    # page asks, its button stops them; a mail client's one-click POST (RFC 8058) stops them.
    "registrations:opt-out": {"GET": everyone(200), "POST": everyone(200)},
    "registrations:opt-out-one-click": {"GET": everyone(405), "POST": everyone(200)},
    # The co-host workspace. Session A is co-hosted by ministry A only: B's member does not
    # find it (404), A's members see it; only managers propose and suggest.
    "cohost:home": cohost_members_only(
        {"cohost_a_manager": 200, "cohost_a_viewer": 200, "cohost_b": 200}
    ),
    "cohost:session": cohost_members_only(
        {"cohost_a_manager": 200, "cohost_a_viewer": 200, "cohost_b": 404}
    ),
    "cohost:registrants-csv": cohost_members_only(
        {"cohost_a_manager": 200, "cohost_a_viewer": 200, "cohost_b": 404}
    ),
    "cohost:propose": cohost_members_only({"cohost_a_manager": 200, "cohost_b": 200}),
    "cohost:suggest": cohost_members_only({"cohost_a_manager": 200, "cohost_b": 404}),
    # The QR code of ministry A's invitation link for session A (impact.cohost_views
    # .invitation_qr): A's members and programme staff; B's member does not find it.
    "cohost:invitation-qr": {**signed_in(200), "participant": 403, "cohost_b": 404},
    "cohost:invitation-qr-png": {**signed_in(200), "participant": 403, "cohost_b": 404},
    # The impact dashboard and its drill-downs (impact/views.py): sign in first; programme
    # staff read everything, co-host members their own sessions' figures; participants are
    # refused. Session A is co-hosted by ministry A only: B's member does not find it.
    "impact:dashboard": {**signed_in(200), "participant": 403},
    "impact:economy": {**signed_in(200), "participant": 403},
    "impact:session": {**signed_in(200), "participant": 403, "cohost_b": 404},
    # The programme reach page is public: headline counts, small numbers suppressed.
    "impact:reach": everyone(200),
    # allauth, passwordless: only the code sign-in, sign-up and address pages are mounted (no
    # password or re-authentication URL exists; see outreach/account_urls.py).
    "account_login": landing_pages(anonymous=200),
    "account_signup": landing_pages(anonymous=200),
    "account_request_login_code": landing_pages(anonymous=200),
    # No code was asked for: back to asking for one (or, signed in, to the role's workspace).
    "account_confirm_login_code": landing_pages(anonymous=Redirect("/en/accounts/login/code/")),
    "account_logout": signed_in(200, anonymous=Redirect("/")),  # asks before signing out
    "account_inactive": everyone(200),
    "account_email": signed_in(200),
    "account_email_verification_sent": signed_in(Redirect("/en/accounts/email/")),
    # Impact exports (impact/export_views.py): programme staff only, organisers and analysts.
    "impact:export-aggregate": {**organisers_only(200), "analyst": 200},
    "impact:export-rows": {**organisers_only(200), "analyst": 200},
}

# The Django admin, by rule: no demo role is staff, so every admin page (the unnamed ones too)
# sends to the admin's sign-in address, which has no password form: it sends people who are not
# signed in to the code sign-in and refuses signed-in people who are not staff. Its sign-out, for
# someone not signed in to the admin, sends to the admin index (which sends to the sign-in).
ADMIN_EXPECTED = {
    "admin:login": signed_in(403, anonymous=LOGIN),
    "admin:logout": everyone(Redirect("/admin/")),
}
ADMIN_DEFAULT = everyone(ADMIN_LOGIN)

# Application permission bugs found while writing this matrix: (url name, method, role) → reason,
# where role is one of ROLES, or "cohost_a_viewer on B session" (or "... on B proposal") for the
# cross-organisation cases. The tables hold the correct answer; each such case is a strict xfail,
# so that fixing the view makes it pass and tells us to drop the entry. None so far.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def _is_api(pattern: Pattern) -> bool:
    return (pattern.name or "").startswith("api:")


def _by_method(entry: dict) -> dict[str, dict]:
    return entry if set(entry) <= {"GET", "POST"} else {"GET": entry}


def decision(pattern: Pattern) -> dict[str, dict] | None:
    if _is_admin(pattern):
        return {"GET": ADMIN_EXPECTED.get(pattern.name, ADMIN_DEFAULT)}
    if _is_api(pattern):
        return {}  # tests/api/test_api_matrix.py: every role and token, and a second ministry
    entry = EXPECTED.get(pattern.name)
    return _by_method(entry) if entry is not None else None


# --- The objects the addresses point at ---------------------------------------------------------


@pytest.fixture(scope="module")
def _world_for_the_module(django_db_setup, django_db_blocker):
    """Built once: every test then runs in a savepoint inside this transaction, rolled back, so a
    POST that changes something (publish, cancel, decline) leaves the next test the same world."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_for_the_module, db):
    return _world_for_the_module


def _built_survey(slug: str, **owner) -> Survey:
    """A survey after the session composed in the builder, with one question: "product"."""
    survey = Survey.objects.create(slug=slug, title_en="Matrix survey", **owner)
    Question.objects.create(survey=survey, code="product", kind="short_text", text_en="Product?")
    return survey


def _build_world() -> dict:
    # Each lists a site of its own that may frame its registration pages (registrations.embed).
    ministry_a = OrganisationFactory(
        name="Ministry A",
        kind=OrganisationKind.GOVERNMENT,
        embed_origins=["https://ministry-a.example"],
    )
    ministry_b = OrganisationFactory(
        name="Ministry B",
        kind=OrganisationKind.GOVERNMENT,
        embed_origins=["https://ministry-b.example"],
    )

    def cohost(organisation, role):
        return UserFactory(role=Role.COHOST, cohost_role=role, organisation=organisation)

    people = {
        "participant": UserFactory(role=Role.PARTICIPANT, full_name="Alma Registrant-of-A"),
        "cohost_a_manager": cohost(ministry_a, CohostRole.MANAGER),
        "cohost_a_viewer": cohost(ministry_a, CohostRole.VIEWER),
        "cohost_b": cohost(ministry_b, CohostRole.MANAGER),
        "analyst": OrganiserFactory(role=Role.ANALYST),  # programme staff, not an organiser
        "organiser": OrganiserFactory(),
    }
    series = SeriesFactory()
    session_a = SessionFactory(
        series=series, title_en="Session of ministry A", cohosts=[ministry_a]
    )
    session_b = SessionFactory(
        series=series, title_en="Session of ministry B", cohosts=[ministry_b]
    )
    proposal_a = SessionFactory(
        status="draft", proposed_by=ministry_a, title_en="Proposal A", cohosts=[ministry_a]
    )
    draft_b = SessionFactory(
        status="draft", proposed_by=ministry_b, title_en="Proposal B", cohosts=[ministry_b]
    )
    registration_a = RegistrationFactory(
        session=session_a,
        person=people["participant"],
        shares_with_cohosts=True,
    )
    registration_b = RegistrationFactory(
        session=session_b,
        person=UserFactory(full_name="Bruno Registrant-of-B", email="bruno@b.example"),
        shares_with_cohosts=True,
    )

    def failed_message(registration, key):
        return MessageFactory(registration=registration, key=key, status=MessageStatus.FAILED)

    def unmatched_attendee(session, name):
        return AttendanceRecordFactory(session=session, name=name, email="", minutes=30)

    def suggestion(session, organisation, person):
        return TextSuggestionFactory(
            session=session, organisation=organisation, suggested_by=person
        )

    def webhook(organisation):
        subscription = WebhookSubscription.objects.create(
            organisation=organisation,
            url=f"https://{organisation.name.replace(' ', '-').lower()}.example/hook",
            events=["session.changed"],
            secret="matrix-secret",
        )
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event="session.changed", event_id="matrix", payload={}
        )
        return subscription, delivery

    subscription_a, delivery_a = webhook(ministry_a)
    subscription_b, delivery_b = webhook(ministry_b)
    survey_invitation = SurveyInvitationFactory(registration=registration_a)
    # The participant attended session A: their certificate (registrations.certificates).
    registration_a.attended = True
    registration_a.save(update_fields=["attended"])
    certificate = certificates.issue_attendance_certificate(registration_a)
    for slug, owner in (("matrix-a", {"session": session_a}), ("matrix-b", {"session": session_b})):
        _built_survey(slug, **owner)
    _built_survey("matrix-series", series=series)
    # Registration questions on session A, answered by its registrant: its form, its organisers'
    # list and its co-host's page show them (registrations.queries.registration_survey).
    asked = Survey.objects.create(
        slug="matrix-registration",
        purpose="registration",
        title_en="Matrix questions",
        session=session_a,
    )
    for code, kind in (("first_time", "yes_no"), ("markets", "economies")):
        Question.objects.create(survey=asked, code=code, kind=kind, text_en=f"{code}?")
    SurveyResponseFactory(survey=asked, registration=registration_a, answers={"first_time": True})

    known = UserFactory(full_name="Known Address", email="known@a.example")
    pending_registration = PendingRegistration.objects.create(
        kind=PendingKind.REGISTRATION,
        session=session_a,
        person=known,
        email=known.email,
        details={
            "full_name": "Known Address",
            "organisation_name": known.organisation.name,
            "economy": "CL",
            "kind": OrganisationKind.SUPPORT,
            "sector": "",
            "size_band": "",
            "exporting_status": "",
            "women_led": False,
            "youth_led": False,
            "job_title": "",
            "gender": "",
            "time_zone": "UTC",
            "shares_with_cohosts": False,
        },
    )

    # A course of one session, with an enrolment (registrations.courses).
    course = SeriesFactory(slug="matrix-course", is_course=True, capacity=5)
    SessionFactory(series=course, title_en="Course session")
    enrolled = UserFactory(full_name="Enrolled Person")
    enrolment = courses.enrol(course, person=enrolled, organisation=enrolled.organisation)

    return {
        "people": people,
        "series": series,
        "course": course,
        "enrolment": enrolment,
        "survey_invitation": survey_invitation,
        "certificate": certificate,
        "pending_registration": pending_registration,
        "a": {
            "ministry": ministry_a,
            "session": session_a,
            "proposal": proposal_a,
            "registration": registration_a,
            "message": failed_message(registration_a, "matrix-a"),
            "suggestion": suggestion(session_a, ministry_a, people["cohost_a_manager"]),
            "attendance_record": unmatched_attendee(session_a, "Walk-in of A"),
            "subscription": subscription_a,
            "delivery": delivery_a,
        },
        "b": {
            "ministry": ministry_b,
            "session": session_b,
            "proposal": draft_b,
            "registration": registration_b,
            "message": failed_message(registration_b, "matrix-b"),
            "suggestion": suggestion(session_b, ministry_b, people["cohost_b"]),
            "attendance_record": unmatched_attendee(session_b, "Walk-in of B"),
            "subscription": subscription_b,
            "delivery": delivery_b,
        },
    }


# What each kind of argument stands for; the admin's arguments are placeholders (nobody gets
# past its sign-in page, so the object never has to exist).
ADMIN_ARGUMENTS = {"object_id": "1", "content_type_id": "1", "id": "1", "app_label": "outreach"}


def arguments(pattern: Pattern, world: dict, side: str, *, session: str = "session") -> dict:
    """The URL arguments of `pattern` pointing at ministry `side`'s objects."""
    objects = world[side]
    if pattern.name == "events:proposal-decline":
        pk = objects["proposal"].pk
    elif pattern.name == "events:suggestion-review":
        pk = objects["suggestion"].pk
    elif pattern.name in {"webhooks:detail", "webhooks:toggle", "webhooks:delete"}:
        pk = objects["subscription"].pk
    elif pattern.name == "webhooks:replay":
        pk = objects["delivery"].pk
    else:
        pk = objects[session].pk
    tokens = {
        "personal-feeds:person": world["people"]["participant"].calendar_token,
        "registrations:cancel": objects["registration"].token,
        "registrations:survey": world["survey_invitation"].token,
        "registrations:opt-out": opt_out_token(world["people"]["participant"]),
        "registrations:opt-out-one-click": opt_out_token(world["people"]["participant"]),
        "registrations:confirm-registration": confirmation_token(world["pending_registration"]),
        "certificates:download-link": certificates.download_token(world["certificate"]),
        "registrations:course-leave": world["enrolment"].token,
    }
    values = {
        "pk": pk,
        "registration_pk": objects["registration"].pk,
        "message_pk": objects["message"].pk,
        "record_pk": objects["attendance_record"].pk,
        "token": tokens.get(pattern.name),
        "certificate": world["certificate"].code,
        "language": "en",
        "slug": world["course"].slug
        if (pattern.name or "").startswith("registrations:course-")
        else world["series"].slug,
        "purpose": "survey",  # registrations:questions…
        "question": "product",  # registrations:question-edit…
        "uidb36": "0",
        "key": "not-a-real-key",
        "code": "CL",  # impact:economy
        "by": "economy",  # impact:export-aggregate
        "what": "registrations",  # impact:export-rows
        "organisation": objects["ministry"].pk,  # cohost:invitation-qr: that side's co-host
        "fmt": "csv",
        # registrations:embed-register: that side's co-host's mark on the session in the address
        "via": f"{objects['ministry'].pk}.{link_token(objects[session], objects['ministry'])}",
        **ADMIN_ARGUMENTS,
    }
    missing = {name for name in pattern.kwargs if values.get(name) is None}
    assert not missing, f"{pattern.key}: add a sample value for {sorted(missing)} to arguments()"
    return {name: values[name] for name in pattern.kwargs}


def address(pattern: Pattern, world: dict, side: str = "a", **options) -> str:
    if pattern.name is not None:
        return reverse(pattern.name, kwargs=arguments(pattern, world, side, **options))
    # The unnamed admin patterns: "<model>/<path:object_id>/" and the final catch-all.
    path = pattern.route.replace("(?P<url>.*)$", "no-such-page/")
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_ARGUMENTS[m.group(1)], path)


def request(client, world: dict, role: str, method: str, url: str, data=None):
    if role != "anonymous":
        client.force_login(world["people"][role])
    return client.get(url, data) if method == "GET" else client.post(url, data or {})


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def check(response, expected, label: str):
    if isinstance(expected, Redirect):
        assert response.status_code == 302, f"{label}: {response.status_code}, want {expected}"
        assert response["Location"].startswith(expected.to), (
            f"{label}: redirects to {response['Location']}, want {expected}"
        )
    else:
        assert response.status_code == expected, f"{label}: {response.status_code}, want {expected}"


# --- The URL configuration and the table agree --------------------------------------------------


def test_every_url_pattern_has_a_decision():
    undecided = [f"{p.key}  ({p.route})" for p in PATTERNS if decision(p) is None]
    assert not undecided, "URL patterns without an expected answer per role:\n" + "\n".join(
        undecided
    )


def test_the_table_names_only_existing_urls():
    names = {p.name for p in PATTERNS}
    stale = sorted((set(EXPECTED) | set(ADMIN_EXPECTED) | set(CROSS_ORGANISATION)) - names)
    stale += sorted({name for name, _method, _role in KNOWN_BUGS} - names)
    assert not stale, f"Entries for URL names that do not exist: {stale}"


def test_every_decision_covers_every_role():
    incomplete = [
        f"{p.key} {method}: {sorted(set(ROLES) ^ set(answers))}"
        for p in PATTERNS
        if (decisions := decision(p)) is not None
        for method, answers in decisions.items()
        if set(answers) != set(ROLES)
    ]
    assert not incomplete, incomplete


# --- The matrix ---------------------------------------------------------------------------------


def _matrix_cases():
    for pattern in PATTERNS:
        for method, answers in (decision(pattern) or {}).items():
            for role in ROLES:
                case_id = f"{pattern.key}|{method}|{role}"
                reason = KNOWN_BUGS.get((pattern.name, method, role))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                yield pytest.param(pattern, method, role, answers[role], id=case_id, marks=marks)


@pytest.mark.parametrize(("pattern", "method", "role", "expected"), list(_matrix_cases()))
def test_matrix(client, world, pattern, method, role, expected):
    url = address(pattern, world)

    response = request(client, world, role, method, url)

    check(response, expected, f"{method} {url} as {role}")


# --- Ministry A never reaches ministry B's objects ----------------------------------------------

PUBLIC = "public"  # a published session is public; B's draft is not found
COHOST = "cohost"  # co-host pages: not found (404), for managers and viewers alike
COHOST_MANAGERS = "cohost managers"  # managers don't find it; viewers are refused first (403)
ORGANISERS = "organisers"  # organisers' pages: refused (403) before any lookup

# Every URL whose address carries an object id, with the methods it takes.
CROSS_ORGANISATION: dict[str, tuple[str, tuple[str, ...]]] = {
    "events:session-detail": (PUBLIC, ("GET",)),
    "events:session-ics": (PUBLIC, ("GET",)),
    "registrations:register": (PUBLIC, ("GET",)),
    "registrations:embed-register": (PUBLIC, ("GET",)),
    "registrations:thanks": (PUBLIC, ("GET",)),
    "cohost:session": (COHOST, ("GET",)),
    "cohost:registrants-csv": (COHOST, ("GET",)),
    "cohost:invitation-qr": (COHOST, ("GET",)),
    "cohost:invitation-qr-png": (COHOST, ("GET",)),
    "cohost:suggest": (COHOST_MANAGERS, ("GET", "POST")),
    "impact:session": (COHOST, ("GET",)),
    "events:session-edit": (ORGANISERS, ("GET", "POST")),
    "events:session-reschedule": (ORGANISERS, ("GET", "POST")),
    "events:session-cancel": (ORGANISERS, ("GET", "POST")),
    "events:session-duplicate": (ORGANISERS, ("POST",)),
    "events:session-publish": (ORGANISERS, ("GET", "POST")),
    "events:proposal-decline": (ORGANISERS, ("POST",)),
    "events:suggestion-review": (ORGANISERS, ("POST",)),
    "registrations:manage": (ORGANISERS, ("GET",)),
    "registrations:manage-csv": (ORGANISERS, ("GET",)),
    "registrations:manage-action": (ORGANISERS, ("GET", "POST")),
    "registrations:retry-message": (ORGANISERS, ("POST",)),
    "registrations:fill-from-waitlist": (ORGANISERS, ("POST",)),
    "registrations:move-to-sibling": (ORGANISERS, ("GET", "POST")),
    "registrations:bulk-session": (COHOST_MANAGERS, ("GET", "POST")),
    "registrations:attendance": (ORGANISERS, ("GET", "POST")),
    "certificates:session-certificates": (ORGANISERS, ("GET",)),
    "registrations:attendance-preview": (ORGANISERS, ("POST",)),
    "registrations:attendance-import": (ORGANISERS, ("POST",)),
    "registrations:attendance-zoom": (ORGANISERS, ("POST",)),
    "registrations:zoom-retry": (ORGANISERS, ("POST",)),
    "registrations:check-in": (ORGANISERS, ("GET", "POST")),
    "registrations:attendance-link": (ORGANISERS, ("POST",)),
    "registrations:questions": (ORGANISERS, ("GET", "POST")),
    "registrations:question-add": (ORGANISERS, ("GET", "POST")),
    "registrations:question-edit": (ORGANISERS, ("GET", "POST")),
    "registrations:question-delete": (ORGANISERS, ("GET", "POST")),
    "registrations:question-move": (ORGANISERS, ("POST",)),
    "registrations:questions-preview": (ORGANISERS, ("GET",)),
    # A person revokes only their own tokens: any other id is not found.
    "api-tokens:revoke": (COHOST, ("POST",)),
    "webhooks:detail": (COHOST_MANAGERS, ("GET",)),
    "webhooks:toggle": (COHOST_MANAGERS, ("POST",)),
    "webhooks:delete": (COHOST_MANAGERS, ("POST",)),
    "webhooks:replay": (COHOST_MANAGERS, ("POST",)),
}


def cross_expected(kind: str, role: str, target: str) -> int:
    if kind == PUBLIC:
        return 200 if target == "session" else 404
    if kind == COHOST_MANAGERS and role == "cohost_a_viewer":
        return 403
    return 404 if kind in {COHOST, COHOST_MANAGERS} else 403


def test_every_address_with_an_id_is_checked_across_organisations():
    with_ids = {
        p.name for p in PATTERNS if "pk" in p.kwargs and not _is_admin(p) and not _is_api(p)
    }
    assert with_ids - set(CROSS_ORGANISATION) == set()


def _cross_cases():
    by_name = {p.name: p for p in PATTERNS}
    for name, (kind, methods) in CROSS_ORGANISATION.items():
        if name not in by_name:
            continue  # test_the_table_names_only_existing_urls says so
        # Session B is published; B's proposal is a draft only ministry B and organisers see.
        targets = ["session"] if name == "events:suggestion-review" else ["session", "proposal"]
        for target in targets:
            for method in methods:
                for role in ("cohost_a_manager", "cohost_a_viewer"):
                    case_id = f"{name}|{method}|{role}|B {target}"
                    reason = KNOWN_BUGS.get((name, method, f"{role} on B {target}"))
                    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                    yield pytest.param(
                        by_name[name], method, role, target, kind, id=case_id, marks=marks
                    )


@pytest.mark.parametrize(("pattern", "method", "role", "target", "kind"), list(_cross_cases()))
def test_ministry_a_never_reaches_ministry_b(client, world, pattern, method, role, target, kind):
    url = address(pattern, world, "b", session=target)

    response = request(client, world, role, method, url)

    check(response, cross_expected(kind, role, target), f"{method} {url} as {role}")
    if not (kind == PUBLIC and target == "session"):
        assert b"ministry b" not in body(response).lower()


def _csv_rows(response) -> list[dict]:
    """The rows of a CSV export by their English header in lower case: name, email, …"""
    rows = csv.DictReader(io.StringIO(body(response).decode("utf-8-sig")))
    return [{key.lower(): value for key, value in row.items()} for row in rows]


@pytest.mark.parametrize("role", ["cohost_a_manager", "cohost_a_viewer"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"session": "B"},
        {"pk": "B"},
        {"session": "B", "status": "confirmed", "q": "Bruno"},
    ],
    ids=["plain", "session=B", "pk=B", "session=B&filters"],
)
def test_ministry_a_export_never_holds_ministry_b_registrants(client, world, role, query):
    """Parameters cannot widen the export: it is session A's registrants, and only them."""
    session_b = world["b"]["session"]
    params = {key: (session_b.pk if value == "B" else value) for key, value in query.items()}
    client.force_login(world["people"][role])

    response = client.get(
        reverse("cohost:registrants-csv", args=[world["a"]["session"].pk]), params
    )

    assert response.status_code == 200
    rows = _csv_rows(response)
    assert "Bruno Registrant-of-B" not in {row["name"] for row in rows}
    assert "bruno@b.example" not in {row["email"] for row in rows}
    assert [row["name"] for row in rows] == ["Alma Registrant-of-A"]


@pytest.mark.parametrize("role", ["cohost_a_manager", "cohost_a_viewer"])
def test_ministry_a_cannot_export_session_b_by_its_id(client, world, role):
    client.force_login(world["people"][role])

    for session in (world["b"]["session"], world["b"]["proposal"]):
        response = client.get(reverse("cohost:registrants-csv", args=[session.pk]))
        assert response.status_code == 404
        assert b"Bruno" not in body(response)


def test_organiser_ids_of_another_session_are_not_found(client, world):
    """The nested ids must belong to the session in the address (guessing does not help)."""
    client.force_login(world["people"]["organiser"])
    session_a = world["a"]["session"]

    for name, kwargs in [
        ("registrations:manage-action", {"registration_pk": world["b"]["registration"].pk}),
        ("registrations:retry-message", {"message_pk": world["b"]["message"].pk}),
    ]:
        response = client.post(reverse(name, kwargs={"pk": session_a.pk, **kwargs}), {})
        assert response.status_code == 404, name


@pytest.mark.parametrize("role", ["cohost_a_manager", "cohost_a_viewer"])
def test_ministry_a_workspace_lists_none_of_ministry_b(client, world, role):
    client.force_login(world["people"][role])

    response = client.get(reverse("cohost:home"))

    assert response.status_code == 200
    content = body(response)
    assert b"Session of ministry A" in content
    assert b"Proposal A" in content
    assert b"ministry b" not in content.lower()
    assert b"Proposal B" not in content


def test_on_a_shared_session_ministry_a_sees_by_name_only_who_shared_with_it(client, world):
    """Co-hosting one session together does not hand A the people who agreed to share with B."""
    ministry_a, ministry_b = world["a"]["ministry"], world["b"]["ministry"]
    shared_session = SessionFactory(
        title_en="Session of both ministries", cohosts=[ministry_a, ministry_b]
    )
    RegistrationFactory(
        session=shared_session,
        person=UserFactory(full_name="Carla Shares-with-B", email="carla@example.org"),
        shares_with_cohosts=True,
        shared_with=[ministry_b],
    )
    url = reverse("cohost:registrants-csv", args=[shared_session.pk])

    client.force_login(world["people"]["cohost_a_viewer"])
    seen_by_a = _csv_rows(client.get(url))
    client.force_login(world["people"]["cohost_b"])
    seen_by_b = _csv_rows(client.get(url))

    # Someone who did not agree to share with A is not listed for A at all (issue 12, item 2).
    assert seen_by_a == []
    assert [(row["name"], row["email"]) for row in seen_by_b] == [
        ("Carla Shares-with-B", "carla@example.org")
    ]
    client.force_login(world["people"]["cohost_a_manager"])
    assert b"Carla" not in body(client.get(reverse("cohost:session", args=[shared_session.pk])))
