"""Public endpoints, no token: published sessions and series (events.queries)."""

import uuid

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from api.pagination import SessionCursorPagination, StableCursorPagination
from api.serializers.public import LANGUAGE_CODES, SeriesSerializer, SessionSerializer
from events import queries as events_queries
from events.models import Session, SessionFormat
from events.queries import CatalogueFilters


class SessionFilters(serializers.Serializer):
    """The query string of the public list: each filter optional, a bad value a 400."""

    language = serializers.ChoiceField(choices=LANGUAGE_CODES, required=False)
    economy = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)
    region = serializers.RegexField(r"^[0-9]{3}$", required=False)
    topic = serializers.SlugField(required=False)
    format = serializers.ChoiceField(choices=SessionFormat.choices, required=False)
    when = serializers.ChoiceField(choices=["upcoming", "past"], required=False)

    def get_fields(self):
        # The query string names the days "from" and "to" (Python keywords).
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["to"] < attrs["from"]:
            raise ValidationError({"to": _("The period ends before it starts.")})
        return attrs


FILTER_PARAMETERS = [
    OpenApiParameter(
        "language", str, enum=LANGUAGE_CODES, description="Given in, or interpreted into"
    ),
    OpenApiParameter("economy", str, description="ISO alpha-2 code of a target economy"),
    OpenApiParameter("region", str, description="UN M49 region code"),
    OpenApiParameter("topic", str, description="A topic's slug"),
    OpenApiParameter("format", str, enum=SessionFormat.values),
    OpenApiParameter("when", str, enum=["upcoming", "past"], description="Default: upcoming"),
    OpenApiParameter("from", str, description="Starting on or after this day (YYYY-MM-DD, UTC)"),
    OpenApiParameter("to", str, description="Starting on or before this day (YYYY-MM-DD, UTC)"),
]


class PublicView:
    permission_classes = [AllowAny]
    # A token changes nothing here: every caller is anonymous, limited per address.
    authentication_classes = []


@extend_schema(tags=["public"], parameters=FILTER_PARAMETERS, auth=[])
class SessionList(PublicView, generics.ListAPIView):
    """Published sessions (upcoming by default), filterable as the catalogue."""

    serializer_class = SessionSerializer
    pagination_class = SessionCursorPagination

    def get_queryset(self):
        filters = SessionFilters(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        sessions = events_queries.catalogue_sessions(
            CatalogueFilters(
                when=values.get("when", "upcoming"),
                language=values.get("language", ""),
                economy=values.get("economy", "").upper(),
                region=values.get("region", ""),
                topic=values.get("topic", ""),
                format=values.get("format", ""),
            )
        )
        if values.get("from"):
            sessions = sessions.filter(starts_at__date__gte=values["from"])
        if values.get("to"):
            sessions = sessions.filter(starts_at__date__lte=values["to"])
        # The catalogue leaves long descriptions out of its cards; the API gives them.
        return sessions.defer(None)


@extend_schema(tags=["public"], auth=[])
class SessionDetail(PublicView, generics.RetrieveAPIView):
    """One published session, by its id or its uid."""

    serializer_class = SessionSerializer
    lookup_url_kwarg = "key"

    def get_queryset(self):
        return events_queries.with_related(
            Session.objects.filter(status__in=events_queries.PUBLIC_STATUSES)
        )

    def get_object(self):
        session = session_by_key(self.get_queryset(), self.kwargs["key"])
        self.check_object_permissions(self.request, session)
        return session


def session_by_key(sessions, key: str):
    """The session of `sessions` whose id or uid is `key`; a 404 otherwise."""
    if key.isdigit():
        match = Q(pk=int(key))
    else:
        try:
            match = Q(uid=uuid.UUID(key))
        except ValueError as error:
            raise Http404 from error
    session = sessions.filter(match).first()
    if session is None:
        raise Http404
    return session


@extend_schema(tags=["public"], auth=[])
class SeriesList(PublicView, generics.ListAPIView):
    """Every series, by id."""

    serializer_class = SeriesSerializer
    pagination_class = StableCursorPagination

    def get_queryset(self):
        return events_queries.all_series()
