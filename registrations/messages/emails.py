"""The emails sent to registrants, each in the person's language and time zone."""

import zoneinfo
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import vCalAddress, vText

from events.calendar import build_calendar, session_event, session_location
from events.models import LANGUAGE_CODES, Session, SessionFormat, SessionStatus
from events.queries import siblings_with_seats
from events.siblings import language_in_sentence, seats_in
from outreach.links import absolute_url
from outreach.models import User
from outreach.timezones import format_time_range
from registrations import queries
from registrations.certificates import queries as certificate_queries
from registrations.certificates import services as certificates
from registrations.messages.opt_out import opt_out_token
from registrations.models import (
    Enrolment,
    Message,
    MessageKind,
    Registration,
    RegistrationStatus,
    SurveyInvitation,
    SurveyPurpose,
)

# A course's messages (registrations.courses): one for the whole enrolment, queued on its first
# registration ahead, listing its sessions; ENROLLED carries an invitation for each session and
# ENROLMENT_CANCELLED a cancellation for each session left, each its own .ics with the
# session's UID (an iTIP message speaks of one UID).
COURSE_INVITING = {MessageKind.ENROLLED}
COURSE_CANCELLING = {MessageKind.ENROLMENT_CANCELLED}
COURSE = COURSE_INVITING | COURSE_CANCELLING | {MessageKind.ENROLMENT_WAITLISTED}
# Messages that carry the join link and a calendar invitation (RFC 5546 METHOD:REQUEST).
INVITING = {
    MessageKind.CONFIRMATION,
    MessageKind.PROMOTED,
    MessageKind.MOVED_TO_SIBLING,
    MessageKind.RESCHEDULED,
    MessageKind.UPDATED,
}
WITH_JOIN_LINK = INVITING | {MessageKind.REMINDER}
# Messages that take the event out of the person's calendar (METHOD:CANCEL).
CANCELLING = {MessageKind.SESSION_CANCELLED, MessageKind.REGISTRATION_CANCELLED}
SURVEYS = {MessageKind.SURVEY, MessageKind.SURVEY_REMINDER, MessageKind.FOLLOW_UP_ATTENDED}
OUTCOME_SURVEYS = {MessageKind.OUTCOME_SURVEY, MessageKind.OUTCOME_SURVEY_REMINDER}
FOLLOW_UPS = {MessageKind.FOLLOW_UP_ATTENDED, MessageKind.FOLLOW_UP_MISSED, MessageKind.FOLLOW_UP}
# Messages a person may stop ("Stop these messages", User.opted_out_at): each carries the link
# and the List-Unsubscribe headers (RFC 8058). Confirmations, changes and cancellations go always.
NON_ESSENTIAL = (
    FOLLOW_UPS
    | OUTCOME_SURVEYS
    | {MessageKind.SURVEY, MessageKind.SURVEY_REMINDER, MessageKind.BULK}
)
# Messages not about one session, without its time, place and links: months-later outcome
# surveys, and a message to a group of a series' registrants (one to a session's shows it).
WITHOUT_SESSION = OUTCOME_SURVEYS | {MessageKind.BULK}
# How many upcoming sessions "sorry we missed you" offers.
NEXT_SESSIONS = 3
# Messages sent while the session is ahead, which offer the one-click cancel link.
CANCEL_OFFERED = {
    MessageKind.CONFIRMATION,
    MessageKind.WAITLISTED,
    MessageKind.PROMOTED,
    MessageKind.MOVED_TO_SIBLING,
    MessageKind.REMINDER,
    MessageKind.RESCHEDULED,
    MessageKind.UPDATED,
}


def cancel_url(registration: Registration) -> str:
    return absolute_url(reverse("registrations:cancel", kwargs={"token": registration.token}))


def course_cancel_url(enrolment: Enrolment) -> str:
    """The one-click page that leaves the whole course."""
    return absolute_url(reverse("registrations:course-leave", kwargs={"token": enrolment.token}))


def course_registrations(message: Message) -> list[Registration]:
    """The registrations a course's message speaks of: those with a seat (ENROLLED) or waiting
    (ENROLMENT_WAITLISTED) for sessions still ahead, or those cancelled when the person left
    (ENROLMENT_CANCELLED), in the order of their sessions."""
    enrolment = message.registration.enrolment
    if enrolment is None:
        return [message.registration]
    registrations = enrolment.registrations.select_related("session").order_by(
        "session__starts_at", "session_id"
    )
    if message.kind == MessageKind.ENROLMENT_CANCELLED:
        return list(
            registrations.filter(
                status=RegistrationStatus.CANCELLED, cancelled_at=enrolment.cancelled_at
            )
        )
    status = (
        RegistrationStatus.CONFIRMED
        if message.kind == MessageKind.ENROLLED
        else RegistrationStatus.WAITLISTED
    )
    return list(registrations.filter(status=status, session__starts_at__gt=timezone.now()))


def _course_lines(registrations: list[Registration], person: User, zone) -> list[str]:
    lines = []
    for registration in registrations:
        session = registration.session
        time = format_time_range(session.starts_at, session.ends_at, zone, person.language)
        lines.append(
            _("%(title)s: %(date)s, %(start)s–%(end)s (%(zone)s)")
            % {"title": session.localized("title", person.language), **time}
        )
    return lines


def _course_texts(message: Message, title: str, sessions: list[str]) -> tuple[str, list[str]]:
    """The subject and paragraphs of a course's messages: what happened, then its sessions."""
    count = len(sessions)
    if message.kind == MessageKind.ENROLLED:
        subject = _("You are enrolled: %(title)s") % {"title": title}
        opening = ngettext(
            "Your place in the course is confirmed, for its %(count)s session below. Its "
            "calendar invitation is attached.",
            "Your place in the course is confirmed, for all %(count)s sessions below. A "
            "calendar invitation for each is attached.",
            count,
        ) % {"count": count}
    elif message.kind == MessageKind.ENROLMENT_WAITLISTED:
        subject = _("You are on the course’s waitlist: %(title)s") % {"title": title}
        opening = _(
            "The course is full, so you are on its waitlist. If a place frees up, it is yours, "
            "for every session below, and we will write to you at once."
        )
    else:
        subject = _("You have left the course: %(title)s") % {"title": title}
        opening = _(
            "You have left the course and your place goes to someone else. The sessions below "
            "are removed from your calendar."
        )
    return subject, [opening, *sessions]


def certificate_url(registration: Registration) -> str:
    """The signed link that downloads the registration's valid certificate of attendance
    without signing in (registrations.certificates), or "" when it has none."""
    certificate = certificate_queries.registration_certificate(registration)
    if certificate is None:
        return ""
    token = certificates.download_token(certificate)
    return absolute_url(reverse("certificates:download-link", kwargs={"token": token}))


def latest_invitation(
    registration: Registration, purpose: str = SurveyPurpose.AFTER_SESSION
) -> SurveyInvitation | None:
    """The registration's latest single-use survey link of a purpose (after the session, or an
    outcome survey for which the registration is its organisation's anchor)."""
    return (
        registration.survey_invitations.filter(survey__purpose=purpose)
        .select_related("series")
        .order_by("-created_at", "-pk")
        .first()
    )


def survey_url(registration: Registration, purpose: str = SurveyPurpose.AFTER_SESSION) -> str:
    invitation = latest_invitation(registration, purpose)
    if invitation is None:
        return ""
    return absolute_url(reverse("registrations:survey", kwargs={"token": invitation.token}))


def opt_out_url(person: User) -> str:
    """The page that asks before stopping the person's non-essential messages."""
    return absolute_url(reverse("registrations:opt-out", kwargs={"token": opt_out_token(person)}))


def one_click_opt_out_url(person: User) -> str:
    """Where a mail client POSTs "List-Unsubscribe=One-Click" (RFC 8058): stops at once."""
    return absolute_url(
        reverse("registrations:opt-out-one-click", kwargs={"token": opt_out_token(person)})
    )


def next_sessions(person: User, *, exclude: Session, limit: int = NEXT_SESSIONS) -> list[dict]:
    """The next published sessions in the person's language, that they are not registered for,
    with their times in the person's zone and their pages' addresses."""
    zone = zoneinfo.ZoneInfo(person.time_zone or "UTC")
    registered = Registration.objects.filter(session=OuterRef("pk"), person=person).exclude(
        status=RegistrationStatus.CANCELLED
    )
    sessions = (
        Session.objects.filter(
            status=SessionStatus.PUBLISHED,
            language=person.language,
            starts_at__gt=timezone.now(),
        )
        .exclude(pk=exclude.pk)
        .exclude(Exists(registered))
        .order_by("starts_at", "pk")[:limit]
    )
    return [
        {
            "title": session.localized("title", person.language),
            "time": format_time_range(session.starts_at, session.ends_at, zone, person.language),
            "url": absolute_url(session.get_absolute_url()),
        }
        for session in sessions
    ]


def _translated(obj, field: str, language: str) -> str:
    """A modeltranslation field in the language asked, else in the first language filled."""
    if obj is None:
        return ""
    for code in dict.fromkeys((language, *LANGUAGE_CODES)):
        value = getattr(obj, f"{field}_{code}", "") or ""
        if value.strip():
            return value
    return getattr(obj, field, "") or ""


def bulk_text(message: Message, language: str) -> tuple[str, str]:
    """The organiser's subject and body of a message to a group, in the language asked, else
    in the first language filled (the session's, then English, French, Spanish)."""
    bulk = message.bulk
    session = message.registration.session
    for code in dict.fromkeys((language, session.language, *LANGUAGE_CODES)):
        body = getattr(bulk, f"body_{code}", "") or ""
        if body.strip():
            subject = getattr(bulk, f"subject_{code}", "") or ""
            if not subject.strip():
                subject = next(
                    (
                        getattr(bulk, f"subject_{other}", "")
                        for other in LANGUAGE_CODES
                        if getattr(bulk, f"subject_{other}", "")
                    ),
                    "",
                )
            return subject, body
    return bulk.subject or "", bulk.body or ""


def join_link(registration: Registration) -> str:
    """The link a registrant joins by: their own from Zoom (registrations.zoom), else the
    session's."""
    return registration.zoom_join_url or registration.session.join_url


def invitation(registration: Registration, *, method: str) -> bytes:
    """The person's own copy of the event: same UID and SEQUENCE as every calendar file."""
    session = registration.session
    person = registration.person
    event = session_event(session, language=person.language)
    organiser_name, organiser_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{organiser_email}")
    organizer.params["CN"] = vText(organiser_name or "Outreach")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{person.email}")
    attendee.params["CN"] = vText(person.full_name or person.email)
    attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
    attendee.params["PARTSTAT"] = vText("ACCEPTED" if method == "REQUEST" else "DECLINED")
    attendee.params["RSVP"] = vText("FALSE")
    event.add("attendee", attendee)
    # The person's copy changes with the session and with their own registration.
    event["sequence"] = session.sequence + registration.revision
    if method == "CANCEL":
        event["status"] = "CANCELLED"
    elif (link := join_link(registration)) and session.format != SessionFormat.IN_PERSON:
        join = _("Join the session: %(url)s") % {"url": link}
        event["description"] = f"{event['description']}\n\n{join}"
        event["location"] = (
            link if session.format == SessionFormat.ONLINE else (f"{session.venue} / {link}")
        )
    return build_calendar([event], method=method).to_ical()


def seats_elsewhere(session: Session, person: User, zone) -> list[dict]:
    """For a full session's waitlist notice: the same session in other languages with seats
    ("There are seats in the Spanish session, ..."), in the person's zone and language."""
    return [
        {
            "text": seats_in(sibling, zone, person.language),
            "url": absolute_url(sibling.get_absolute_url()),
        }
        for sibling in siblings_with_seats(session)
    ]


def _texts(message: Message, title: str) -> tuple[str, list[str]]:
    """The subject and the opening paragraphs of each kind of message."""
    kind = message.kind
    if kind == MessageKind.CONFIRMATION:
        return _("You are registered: %(title)s") % {"title": title}, [
            _("Your seat is confirmed. The calendar invitation is attached.")
        ]
    if kind == MessageKind.WAITLISTED:
        paragraphs = [
            _(
                "The session is full, so you are on the waitlist. If a seat frees up, it is "
                "yours and we will write to you at once."
            )
        ]
        place = queries.waitlist_place(message.registration)
        if place:
            paragraphs.append(
                _("You are number %(place)s in line.") % {"place": place},
            )
        return _("You are on the waitlist: %(title)s") % {"title": title}, paragraphs
    if kind == MessageKind.MOVED_TO_SIBLING:
        language = language_in_sentence(message.registration.session.language)
        return _("A seat for you in %(language)s: %(title)s") % {
            "language": language,
            "title": title,
        }, [
            _(
                "The session you were waiting for is full, so the organisers have given you a "
                "seat in the same session in %(language)s, below, and taken you off the other's "
                "waitlist. The calendar invitation is attached."
            )
            % {"language": language}
        ]
    if kind == MessageKind.PROMOTED:
        return _("A seat is yours: %(title)s") % {"title": title}, [
            _("A seat has freed up and it is now yours. The calendar invitation is attached.")
        ]
    if kind == MessageKind.REMINDER:
        return _("Reminder: %(title)s") % {"title": title}, [
            _("Your session is coming up. Here is how to join.")
        ]
    if kind == MessageKind.RESCHEDULED:
        return _("New time: %(title)s") % {"title": title}, [
            _("The session has moved to a new time. Your calendar invitation is updated.")
        ]
    if kind == MessageKind.UPDATED:
        return _("Updated: %(title)s") % {"title": title}, [
            _(
                "The details of your session have changed: its join link, venue or title. "
                "Your calendar invitation is updated; the details are below."
            )
        ]
    if kind == MessageKind.SESSION_CANCELLED:
        return _("Cancelled: %(title)s") % {"title": title}, [
            _(
                "We are sorry: this session is cancelled. It is removed from your calendar. "
                "You will find other sessions on our site."
            )
        ]
    if kind == MessageKind.SURVEY:
        return _("What was it worth to you? %(title)s") % {"title": title}, [
            _(
                "Thank you for attending. Five short questions tell us what the session was worth "
                "to your firm; your answers shape the next sessions."
            )
        ]
    if kind == MessageKind.SURVEY_REMINDER:
        return _("A reminder: two minutes for %(title)s") % {"title": title}, [
            _(
                "You have not answered our short survey yet. It takes two minutes and helps us "
                "make the sessions more useful to firms like yours."
            )
        ]
    if kind == MessageKind.FOLLOW_UP_ATTENDED:
        return _("Thank you for attending: %(title)s") % {"title": title}, [
            _(
                "Thank you for attending. Five short questions tell us what the session was "
                "worth to your firm; your answers shape the next sessions."
            )
        ]
    if kind == MessageKind.FOLLOW_UP_MISSED:
        return _("Sorry we missed you: %(title)s") % {"title": title}, [
            _(
                "We are sorry you could not join us. The recording and the materials are below "
                "when the organisers have shared them, and here are the next sessions in your "
                "language."
            )
        ]
    if kind == MessageKind.FOLLOW_UP:
        return _("After the session: %(title)s") % {"title": title}, [
            _(
                "Thank you for registering for this session. The recording and the materials "
                "are below when the organisers have shared them."
            )
        ]
    if kind in OUTCOME_SURVEYS:
        invitation = latest_invitation(message.registration, SurveyPurpose.OUTCOME)
        series = invitation.series if invitation and invitation.series else None
        series_title = _translated(series, "title", translation.get_language()) or title
        paragraphs = [
            _(
                "A few months ago your organisation attended %(series)s: what came of it? "
                "3 questions, 2 minutes."
            )
            % {"series": series_title}
        ]
        if kind == MessageKind.OUTCOME_SURVEY_REMINDER:
            return _("A reminder: what came of %(series)s?") % {"series": series_title}, [
                _("You have not answered yet: your answers show what the sessions change."),
                *paragraphs,
            ]
        return _("What came of %(series)s?") % {"series": series_title}, paragraphs
    if kind == MessageKind.BULK:
        subject, body = bulk_text(message, translation.get_language())
        paragraphs = [part.strip() for part in body.replace("\r\n", "\n").split("\n\n")]
        return subject or title, [part for part in paragraphs if part]
    return _("Registration cancelled: %(title)s") % {"title": title}, [
        _(
            "Your registration is cancelled and your seat goes to someone else. You can register "
            "again while registration is open."
        )
    ]


def build_email(message: Message) -> EmailMultiAlternatives:
    """The email for a message: text and HTML, with an .ics invitation or cancellation."""
    registration = message.registration
    session = registration.session
    person = registration.person
    course = message.kind in COURSE
    with translation.override(person.language):
        zone = zoneinfo.ZoneInfo(person.time_zone or "UTC")
        title = session.localized("title", person.language)
        if course:
            registrations = course_registrations(message)
            title = _translated(session.series, "title", person.language) or title
            subject, paragraphs = _course_texts(
                message, title, _course_lines(registrations, person, zone)
            )
        else:
            subject, paragraphs = _texts(message, title)
        # A title typed with a line break must not become a second mail header.
        subject = " ".join(subject.split())
        join_url = ""
        if message.kind in WITH_JOIN_LINK and session.format != SessionFormat.IN_PERSON:
            join_url = join_link(registration)
        context = {
            "subject": subject,
            "greeting": _("Hello %(name)s,") % {"name": person.full_name or person.email},
            "paragraphs": paragraphs,
            "title": title,
            "time": format_time_range(session.starts_at, session.ends_at, zone, person.language),
            "location": session_location(session),
            "language": session.get_language_display(),
            "join_url": join_url,
            "session_url": absolute_url(session.get_absolute_url()),
            "my_sessions_url": absolute_url(reverse("registrations:my-sessions")),
            "cancel_url": cancel_url(registration)
            if message.kind in CANCEL_OFFERED
            else course_cancel_url(registration.enrolment)
            if message.kind in COURSE and message.kind not in COURSE_CANCELLING
            else "",
            "waitlisted": registration.status == RegistrationStatus.WAITLISTED,
            "survey_url": survey_url(registration) if message.kind in SURVEYS else "",
            "certificate_url": certificate_url(registration)
            if message.kind == MessageKind.FOLLOW_UP_ATTENDED
            else "",
            "outcome_survey_url": survey_url(registration, SurveyPurpose.OUTCOME)
            if message.kind in OUTCOME_SURVEYS
            else "",
            "show_session": (message.kind not in WITHOUT_SESSION and not course)
            or (message.kind == MessageKind.BULK and message.bulk.session_id is not None),
            "recording_url": session.recording_url if message.kind in FOLLOW_UPS else "",
            "materials_url": session.materials_url if message.kind in FOLLOW_UPS else "",
            "next_sessions": next_sessions(person, exclude=session)
            if message.kind == MessageKind.FOLLOW_UP_MISSED
            else [],
            "seats_elsewhere": seats_elsewhere(session, person, zone)
            if message.kind == MessageKind.WAITLISTED
            else [],
            "opt_out_url": opt_out_url(person) if message.kind in NON_ESSENTIAL else "",
            "language_code": person.language,
        }
        headers = {"Auto-Submitted": "auto-generated"}
        if message.kind in NON_ESSENTIAL:
            # RFC 8058: mail clients offer "unsubscribe", which POSTs to this address at once.
            headers["List-Unsubscribe"] = f"<{one_click_opt_out_url(person)}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/message.txt", context),
            to=[person.email],
            headers=headers,
        )
        email.attach_alternative(render_to_string("emails/message.html", context), "text/html")
        method = (
            "REQUEST"
            if message.kind in INVITING
            else "CANCEL"
            if message.kind in CANCELLING
            else ""
        )
        if course:
            method = (
                "REQUEST"
                if message.kind in COURSE_INVITING
                else "CANCEL"
                if message.kind in COURSE_CANCELLING
                else ""
            )
            for number, each in enumerate(registrations if method else [], start=1):
                email.attach(
                    f"invite-{number}.ics",
                    invitation(each, method=method),
                    f"text/calendar; method={method}; charset=utf-8",
                )
        elif method:
            email.attach(
                "invite.ics",
                invitation(registration, method=method),
                f"text/calendar; method={method}; charset=utf-8",
            )
    return email
