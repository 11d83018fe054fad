"""Reads of the foundations: querysets already filtered and ordered."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from outreach.models import Economy, Organisation, OrganisationKind


def economies_by_name() -> QuerySet[Economy]:
    """Every economy, sorted by its name in the active language, accents folded."""
    return Economy.objects.order_by("sort_name")


def programme_reach() -> dict:
    """Headline counts of who takes part, in two queries."""
    reach = Organisation.objects.aggregate(
        firms=Count("pk", filter=Q(kind=OrganisationKind.FIRM)),
        support=Count("pk", filter=Q(kind=OrganisationKind.SUPPORT)),
    )
    # Asking each of the 248 economies whether it has an organisation takes a few index
    # lookups; counting distinct economies over every organisation sorts them all (0.1 s at
    # the programme's scale, on every home page).
    reach["economies"] = Economy.objects.filter(
        Exists(Organisation.objects.filter(economy=OuterRef("pk")))
    ).count()
    return reach


def cohost_organisations() -> QuerySet[Organisation]:
    """Bodies that may co-host sessions: ministries and agencies, support and international
    organisations; not firms, not the organiser itself."""
    return (
        Organisation.objects.exclude(kind__in=[OrganisationKind.FIRM, OrganisationKind.ORGANISER])
        .select_related("economy")
        .order_by("name")
    )
