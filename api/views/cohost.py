"""A co-host's token: its organisation's sessions, the registrants who share with it, its
figures (small numbers hidden) and, for managers with a read and write token, proposals.

Everything starts from events.permissions.cohost_sessions (through api.permissions), so another
organisation's sessions are not found: 404, even by guessing ids.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api import permissions
from api.pagination import SessionCursorPagination, StableCursorPagination
from api.serializers.cohost import (
    CohostSessionSerializer,
    FiguresSerializer,
    ProposalSerializer,
    RegistrantSerializer,
)
from api.views.public import session_by_key
from events import queries as events_queries
from events import services as events_services
from events.forms import ProposalForm
from events.models import Session, Topic
from impact import labels, tables
from impact.filters import ImpactFilters
from impact.outside import Figures
from registrations import queries as registrations_queries


class CohostView:
    permission_classes = [permissions.IsCohostMember]

    def organisation_id(self) -> int:
        return self.request.user.organisation_id

    def session(self) -> Session:
        return session_by_key(permissions.cohost_sessions(self.request.user), self.kwargs["key"])


@extend_schema(tags=["co-host"])
class SessionList(CohostView, generics.ListAPIView):
    """The organisation's sessions: those it co-hosts and those it proposed (drafts too)."""

    serializer_class = CohostSessionSerializer
    pagination_class = SessionCursorPagination

    def get_queryset(self):
        return events_queries.with_related(permissions.cohost_sessions(self.request.user))

    def get_serializer_context(self):
        return super().get_serializer_context() | {"organisation_id": self.organisation_id()}


@extend_schema(tags=["co-host"])
class SessionDetail(CohostView, generics.RetrieveAPIView):
    serializer_class = CohostSessionSerializer

    def get_object(self):
        session = session_by_key(
            events_queries.with_related(permissions.cohost_sessions(self.request.user)),
            self.kwargs["key"],
        )
        self.check_object_permissions(self.request, session)
        return session

    def get_serializer_context(self):
        return super().get_serializer_context() | {"organisation_id": self.organisation_id()}


@extend_schema(tags=["co-host"])
class RegistrantList(CohostView, generics.ListAPIView):
    """A session's registrants who agreed to share their details with this organisation, with
    their answers to the registration questions. Of everyone else only the figures count."""

    serializer_class = RegistrantSerializer
    pagination_class = StableCursorPagination

    def get_queryset(self):
        return registrations_queries.cohost_registrants(self.session(), self.organisation_id())


@extend_schema(tags=["co-host"], responses=FiguresSerializer)
class SessionFigures(CohostView, APIView):
    """A session's counts and breakdowns as the co-host's pages show them: null wherever the
    small-number rule hides a count (impact.outside.Figures)."""

    def get(self, request, key):
        session = self.session()
        figures = Figures(permissions.audience_for(request.user))
        counts = tables.workspace_counts(figures, session)
        filters = ImpactFilters(session=session.pk)
        breakdowns = {}
        for by in ("economy", "size", "kind"):
            rows = figures.breakdown(
                filters, by, counts=("registrations",), keys_of="registrations"
            )
            name = labels.labeller(by, [row["key"] for row in rows])
            breakdowns[f"by_{by}"] = [
                {
                    "key": str(row["key"] or ""),
                    "label": str(name(row["key"])),
                    "registrations": row["registrations"],
                }
                for row in rows
            ]
        data = {
            "session": session.pk,
            "confirmed": counts["confirmed"],
            "waitlisted": counts["waitlisted"],
            "via_invitation_link": counts["via_link"],
            **breakdowns,
        }
        return Response(FiguresSerializer(data).data)


def form_errors(form) -> dict:
    """A form's translated errors as the API answers them: {field: [messages]}."""
    return {
        ("non_field_errors" if field == "__all__" else field): [str(error) for error in errors]
        for field, errors in form.errors.items()
    }


@extend_schema(
    tags=["co-host"],
    request=ProposalSerializer,
    responses={201: CohostSessionSerializer},
)
class Proposals(APIView):
    """A co-host manager proposes a session (a read and write token): a draft the organisers
    review, with the organisation on it (events.services.propose_session, audited as the
    token's owner)."""

    permission_classes = [permissions.MayPropose]

    def post(self, request):
        payload = ProposalSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        values = dict(payload.validated_data)
        slugs = values.pop("topics", [])
        topics = list(Topic.objects.filter(slug__in=slugs))
        if len(topics) != len(set(slugs)):
            refusal = {"topics": [_("Choose topics from the list.")]}
            return Response(refusal, status=status.HTTP_400_BAD_REQUEST)
        form = ProposalForm(
            {**values, "topics": [topic.pk for topic in topics]},
            instance=Session(language=values["language"]),
        )
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        session = events_services.propose_session(
            form.instance, by=request.user, organisation=request.user.organisation, **form.related()
        )
        session = get_object_or_404(events_queries.with_related(Session.objects), pk=session.pk)
        serializer = CohostSessionSerializer(
            session, context={"request": request, "organisation_id": request.user.organisation_id}
        )
        return Response(serializer.data, status=status.HTTP_201_CREATED)
