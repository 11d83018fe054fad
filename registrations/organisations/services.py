"""Merging duplicate organisations into the one an organiser keeps.

Everything that refers to an organisation follows the merge: every relation to Organisation
found in the models (`references`: registrations, the registrations a co-host link brought or
a person shared, people, course enrolments, co-hosted and proposed sessions, wording
suggestions, outcome survey invitations, pending registrations, webhook subscriptions, audit
entries). A relation added later and not handled here stops every merge (`UnhandledReference`)
rather than lose rows to a cascade; tests/registrations/test_duplicate_organisations.py fails
first.

What stays as it was:
- a registration's facts (economy, kind, size, women-led, youth-led) are those the firm had
  when the person registered (Registration.record_organisation_facts): they are history, and
  impact figures count the firm as it was then. Only the organisation they belong to changes,
  so unique-organisation and unique-firm figures (impact.queries, computed live) count the
  merged firms once;
- what a certificate printed (its organisation's name) and what an anonymous survey response
  kept;
- the invitation links a merged co-host shared carry its old id (registrations.cohost_links):
  registrations through them count as direct from then on.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from outreach import audit
from outreach.models import AuditAction, Organisation, OrganisationKind, Role, User
from registrations.models import SurveyInvitation

# Kinds that act for the programme or host it: never merged with a firm.
HOST_KINDS = frozenset(
    {OrganisationKind.ORGANISER, OrganisationKind.GOVERNMENT, OrganisationKind.INTERNATIONAL}
)
# The facts a merge fills in on the organisation kept where it has none, from the duplicates
# in the order given; the last four are a firm's only (outreach.models.Organisation).
FACTS = ("website", "sector")
FIRM_FACTS = ("size_band", "exporting_status", "women_led", "youth_led")


class MergeRefused(ValueError):
    """The organisations cannot be merged; the message says why, translated."""


class UnhandledReference(RuntimeError):
    """A relation to Organisation that the merge does not know how to move."""


@dataclass(frozen=True)
class Reference:
    """One relation to Organisation: the model and field that hold it, what the confirmation
    page calls the rows, and how the merge moves them."""

    model: str  # "app_label.Model"
    field: str
    label: str
    how: str = "move"  # "move": point them at the kept one; "m2m": add it, no duplicate rows

    @property
    def model_class(self):
        return apps.get_model(self.model)

    @property
    def key(self) -> str:
        return f"{self.model}.{self.field}"


REFERENCES = (
    Reference("registrations.Registration", "organisation", _("registrations")),
    Reference(
        "registrations.Registration",
        "source_organisation",
        _("registrations brought by its invitation links"),
    ),
    Reference(
        "registrations.Registration",
        "shared_with",
        _("registrations whose details are shared with it"),
        how="m2m",
    ),
    Reference("outreach.User", "organisation", _("people")),
    Reference("registrations.Enrolment", "organisation", _("course enrolments")),
    Reference("events.Session", "cohosts", _("sessions it co-hosts"), how="m2m"),
    Reference("events.Session", "proposed_by", _("sessions it proposed")),
    Reference("events.TextSuggestion", "organisation", _("wording suggestions")),
    Reference(
        "registrations.SurveyInvitation",
        "organisation",
        _("outcome survey invitations"),
        how="outcome_invitations",
    ),
    Reference(
        "registrations.PendingRegistration",
        "share_with",
        _("unconfirmed registrations to share with it"),
        how="m2m",
    ),
    Reference(
        "registrations.PendingRegistration",
        "source_organisation",
        _("unconfirmed registrations brought by its invitation links"),
    ),
    # A merged co-host's webhooks keep being delivered, for the organisation kept (the api
    # layer above names it by its app label: no import).
    Reference("api.WebhookSubscription", "organisation", _("webhook subscriptions")),
    # The log keeps pointing at the organisation a person acted for: without this, deleting
    # the duplicate would blank it. The merge's own entry records the ids merged.
    Reference("outreach.AuditEntry", "actor_organisation", _("audit log entries")),
)


def relations_to_organisations() -> set[str]:
    """Every field of every model that refers to Organisation, as "app_label.Model.field"."""
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and not field.auto_created and field.related_model is Organisation
    }


def references() -> tuple[Reference, ...]:
    """The relations the merge moves; raises UnhandledReference if a model has another."""
    unhandled = relations_to_organisations() - {reference.key for reference in REFERENCES}
    if unhandled:
        raise UnhandledReference(
            "Merging organisations does not handle " + ", ".join(sorted(unhandled))
        )
    return REFERENCES


def _rows(reference: Reference, organisations):
    """The rows of this relation that point at these organisations (the through table's rows
    for a many-to-many relation)."""
    model = reference.model_class
    if reference.how == "m2m":
        field = model._meta.get_field(reference.field)
        through = field.remote_field.through
        return through.objects.filter(**{f"{field.m2m_reverse_field_name()}__in": organisations})
    return model.objects.filter(**{f"{reference.field}__in": organisations})


def what_moves(duplicates) -> list[tuple[str, int]]:
    """What a merge of these duplicates would move: (label, count) for each relation that
    has rows, one count query per relation."""
    counts = []
    for reference in references():
        count = _rows(reference, duplicates).count()
        if count:
            counts.append((str(reference.label), count))
    return counts


def _acts_as_host(organisations) -> bool:
    """Whether any of these organisations hosts sessions: co-hosts or proposed one, or has
    co-host members."""
    ids = [organisation.pk for organisation in organisations]
    return (
        Organisation.objects.filter(pk__in=ids)
        .filter(
            Q(cohosted_sessions__isnull=False)
            | Q(proposed_sessions__isnull=False)
            | Q(kind__in=HOST_KINDS)
        )
        .exists()
        or User.objects.filter(organisation_id__in=ids, role=Role.COHOST).exists()
    )


def check_mergeable(keep: Organisation, duplicates: list[Organisation]) -> None:
    """Raises MergeRefused, with the reason, unless `duplicates` can be merged into `keep`:
    at least one, not `keep` itself, all of `keep`'s economy, and no firm with an organisation
    that hosts sessions (the organiser, a ministry, a co-host)."""
    if not duplicates:
        raise MergeRefused(_("Choose at least one organisation to merge into the one kept."))
    if any(duplicate.pk == keep.pk for duplicate in duplicates):
        raise MergeRefused(_("The organisation kept cannot also be merged into itself."))
    if any(duplicate.economy_id != keep.economy_id for duplicate in duplicates):
        raise MergeRefused(_("Only organisations of the same economy can be merged."))
    everyone = [keep, *duplicates]
    firms = [organisation for organisation in everyone if organisation.is_firm]
    others = [organisation for organisation in everyone if not organisation.is_firm]
    if firms and others and _acts_as_host(others + firms):
        raise MergeRefused(
            _(
                "A firm cannot be merged with the organiser, a ministry or a co-host: they are"
                " different organisations."
            )
        )


def _move_m2m(reference: Reference, keep: Organisation, duplicate: Organisation) -> int:
    field = reference.model_class._meta.get_field(reference.field)
    through = field.remote_field.through
    to_organisation, to_owner = field.m2m_reverse_field_name(), field.m2m_field_name()
    rows = through.objects.filter(**{to_organisation: duplicate})
    # An owner linked to both keeps its link to the kept one only.
    rows.filter(
        **{f"{to_owner}__in": through.objects.filter(**{to_organisation: keep}).values(to_owner)}
    ).delete()
    return rows.update(**{to_organisation: keep})


def _move_outcome_invitations(keep: Organisation, duplicate: Organisation) -> int:
    """An organisation is asked once per series and period: where both were asked for the same
    one, the invitation kept is the one answered (the kept organisation's if both or neither
    were); the other goes (an answer given through it stays, as responses do)."""
    kept = {
        (invitation.series_id, invitation.period_starts_at): invitation
        for invitation in SurveyInvitation.objects.filter(organisation=keep)
    }
    moved = 0
    for invitation in SurveyInvitation.objects.filter(organisation=duplicate).order_by("pk"):
        same = kept.get((invitation.series_id, invitation.period_starts_at))
        if same is not None:
            if same.used_at is None and invitation.used_at is not None:
                same.delete()
            else:
                invitation.delete()
                continue
        invitation.organisation = keep
        invitation.save(update_fields=["organisation"])
        kept[invitation.series_id, invitation.period_starts_at] = invitation
        moved += 1
    return moved


def _fill_facts(keep: Organisation, duplicates: list[Organisation]) -> list[str]:
    names = list(FACTS) + (list(FIRM_FACTS) if keep.is_firm else [])
    filled = []
    for name in names:
        if getattr(keep, name):
            continue
        for duplicate in duplicates:
            if (duplicate.is_firm or name in FACTS) and getattr(duplicate, name):
                setattr(keep, name, getattr(duplicate, name))
                filled.append(name)
                break
    return filled


def merge(keep: Organisation, duplicates: list[Organisation], *, by: User) -> dict[str, int]:
    """Merges `duplicates` into `keep`, in one transaction, and returns what moved per
    relation ("app_label.Model.field" → rows).

    Every reference to a duplicate is moved to `keep` (`references`; many-to-many links without
    duplicate rows), `keep`'s empty facts are filled from the duplicates (website, sector, and
    for a firm size, exporting status, women-led, youth-led), then the duplicates are deleted.
    Registrations keep the facts recorded when they were made (see the module's docstring).
    Writes the audit entry ORGANISATIONS_MERGED (ids, names, rows moved, facts filled). Raises
    MergeRefused (see `check_mergeable`), writing nothing.
    """
    to_move = references()
    with transaction.atomic():
        ids = sorted({keep.pk, *(duplicate.pk for duplicate in duplicates)})
        locked = {o.pk: o for o in Organisation.objects.select_for_update().filter(pk__in=ids)}
        keep = locked[keep.pk]
        duplicates = [locked[duplicate.pk] for duplicate in duplicates if duplicate.pk in locked]
        check_mergeable(keep, duplicates)
        moved = dict.fromkeys((reference.key for reference in to_move), 0)
        for duplicate in duplicates:
            for reference in to_move:
                if reference.how == "m2m":
                    count = _move_m2m(reference, keep, duplicate)
                elif reference.how == "outcome_invitations":
                    count = _move_outcome_invitations(keep, duplicate)
                else:
                    count = reference.model_class.objects.filter(
                        **{reference.field: duplicate}
                    ).update(**{reference.field: keep})
                moved[reference.key] += count
        filled = _fill_facts(keep, duplicates)
        merged = [(duplicate.pk, duplicate.name) for duplicate in duplicates]
        Organisation.objects.filter(pk__in=[pk for pk, _name in merged]).delete()
        if filled:
            keep.save(update_fields=filled)
        audit.record(
            by,
            AuditAction.ORGANISATIONS_MERGED,
            keep,
            kept_id=keep.pk,
            merged_ids=[pk for pk, _name in merged],
            merged_names=[name for _pk, name in merged],
            moved={key: count for key, count in moved.items() if count},
            facts_filled=filled,
        )
    return moved
