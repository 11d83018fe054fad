"""Reads of the foundations: querysets already filtered and ordered."""

from django.db.models import Count, Q, QuerySet

from outreach.models import Economy, Organisation, OrganisationKind


def economies_by_name() -> QuerySet[Economy]:
    """Every economy, sorted by its name in the active language, accents folded."""
    return Economy.objects.order_by("sort_name")


def programme_reach() -> dict:
    """Headline counts of who takes part, in one query."""
    return Organisation.objects.aggregate(
        firms=Count("pk", filter=Q(kind=OrganisationKind.FIRM)),
        support=Count("pk", filter=Q(kind=OrganisationKind.SUPPORT)),
        economies=Count("economy", distinct=True),
    )
