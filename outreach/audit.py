"""The audit log of organiser and co-host actions: writing an entry, and reading the log.

`record` is called by the view, service or command that makes the change, inside its
transaction, so that the change and its entry are kept together or not at all. An entry names
the actor and the object, never a registrant's personal data: details are small plain values
(ids, statuses, counts, filter values), and keys that would carry names, addresses or secrets are
refused.
"""

from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.models import AuditAction, AuditEntry, User

# Details under these keys would put personal data or secrets into the log.
FORBIDDEN_DETAILS = frozenset(
    {"email", "emails", "name", "full_name", "token", "join_url", "password", "text", "q"}
)
PLAIN = (str, int, float, bool, type(None))


class PersonalDetail(ValueError):
    """A detail that must not be written to the audit log."""


def _plain(value):
    """A JSON-ready copy of a detail: moments as ISO text in UTC, sequences as lists."""
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, datetime) and timezone.is_aware(value):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    raise TypeError(f"An audit detail must be plain data, not {type(value).__name__}.")


def describe(obj) -> str:
    """A short, lasting name for an object that never holds a person's name or address.

    Read by shape, so that this foundation layer needs no import of the layers above: a
    session (it has a start and translated titles), or something of a session (a registration,
    a suggestion, an attendance record), or anything else by its own name.
    """
    if isinstance(obj, User):
        return f"#{obj.pk}"
    if hasattr(obj, "starts_at") and hasattr(obj, "localized"):
        title = obj.localized("title", obj.language) or "—"
        return f"{title} ({obj.starts_at:%Y-%m-%d})"
    session = getattr(obj, "session", None)
    if session is not None:
        return f"#{obj.pk} · {describe(session)}"
    return str(obj)


def record(actor, action: str, obj=None, **details) -> AuditEntry:
    """Write one entry: `actor` (a person, or None for a command) did `action` to `obj`.

    The actor's email and organisation are copied as they are now. An erasure keeps neither:
    the entry proves that person #id was erased, and when, without keeping what was erased.
    """
    if action not in AuditAction.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    refused = FORBIDDEN_DETAILS & set(details)
    if refused:
        raise PersonalDetail(f"Not for the audit log: {', '.join(sorted(refused))}.")
    entry = AuditEntry(action=action, details=_plain(details))
    if actor is not None and actor.is_authenticated:
        entry.actor = actor
        if action != AuditAction.PERSON_ERASED:
            entry.actor_email = actor.email
            entry.actor_organisation_id = actor.organisation_id
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj)
        entry.object_id = str(obj.pk)
        entry.object_repr = describe(obj)[:200]
    entry.save()
    return entry


# --- Reading the log ------------------------------------------------------------------------

COMMANDS = "commands"  # the actor choice for entries written by management commands


def actors() -> QuerySet[User]:
    """The people who appear in the log (to filter by), organisers first."""
    return (
        User.objects.filter(pk__in=AuditEntry.objects.values("actor"))
        .only("pk", "email", "full_name", "role")
        .order_by("role", "email")
    )


class AuditFilterForm(forms.Form):
    """The log's filters, read from the query string; a bad value is reported and ignored."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.ChoiceField(label=_("By"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["action"].choices = anything + list(AuditAction.choices)
        self.fields["actor"].choices = [
            *anything,
            (COMMANDS, _("Commands (no person)")),
            *[(str(person.pk), person.email) for person in people],
        ]
        for name, field in self.fields.items():
            css = "form-select" if name in ("action", "actor") else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The period ends before it starts."))
        return cleaned


def entries(*, action: str = "", actor: str = "", since=None, until=None) -> QuerySet:
    """The log newest first, filtered; a page of it costs the same queries however long."""
    log = AuditEntry.objects.select_related("actor_organisation", "content_type")
    if action:
        log = log.filter(action=action)
    if actor == COMMANDS:
        log = log.filter(actor__isnull=True, actor_email="")
    elif actor:
        log = log.filter(actor_id=int(actor))
    # Days are read in the viewer's time zone, as the page shows them.
    zone = timezone.get_current_timezone()
    if since:
        log = log.filter(created_at__gte=datetime.combine(since, time.min, zone))
    if until:
        log = log.filter(created_at__lt=datetime.combine(until + timedelta(days=1), time.min, zone))
    return log.order_by("-created_at", "-pk")
