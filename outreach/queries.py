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


def cohost_organisations() -> QuerySet[Organisation]:
    """Bodies that may co-host sessions: ministries and agencies, support and international
    organisations; not firms, not the organiser itself."""
    return (
        Organisation.objects.exclude(kind__in=[OrganisationKind.FIRM, OrganisationKind.ORGANISER])
        .select_related("economy")
        .order_by("name")
    )
