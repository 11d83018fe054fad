"""The staff endpoints: sessions, their registrations and attendance, and the impact figures.

Each is the API's door to a screen organisers already have, and goes through what that screen
calls: sessions through events.services with the organisers' form's validation, attendance
through registrations.attendance.services with the upload form's, figures through
impact.outside.Figures with the dashboard's filter form. The token's owner is the acting person
(`by=`), so every write has its audit entry in their name. Organisers' tokens manage sessions,
registrations and attendance; organisers' and analysts' tokens read the figures. A co-host's
token is refused (403), and a read token may not write (403).
"""

import dataclasses
import hashlib

from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import SessionCursorPagination, StableCursorPagination
from api.permissions import IsOrganiser, IsProgrammeStaff, TokenScopePermission
from api.serializers.staff import (
    AttendanceConfirmSerializer,
    AttendanceImportSerializer,
    AttendancePreviewSerializer,
    AttendanceUploadSerializer,
    ImpactBreakdownSerializer,
    ImpactFiguresSerializer,
    PublishSerializer,
    StaffRegistrationSerializer,
    StaffSessionSerializer,
    StaffSessionWriteSerializer,
    form_errors,
    preview_rows,
    session_form,
)
from events import queries as event_queries
from events import services as event_services
from events.models import Session, SessionStatus
from events.permissions import visible_sessions
from impact import completions, outcomes
from impact import permissions as impact_permissions
from impact import queries as impact_queries
from impact.forms import ImpactFilterForm
from impact.outside import Figures
from registrations import queries as registration_queries
from registrations.attendance import services as attendance_service
from registrations.attendance.reports import ReportError
from registrations.forms import AttendanceUploadForm
from registrations.models import RegistrationStatus

ORGANISERS = [TokenScopePermission, IsOrganiser]
STAFF = [TokenScopePermission, IsProgrammeStaff]


def _session(request, pk) -> Session:
    return get_object_or_404(visible_sessions(request.user), pk=pk)


def _refusal(message, *, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"non_field_errors": [str(message)]}, status=code)


# --- Sessions --------------------------------------------------------------------------------


class SessionList(ListAPIView):
    """GET: every session, whatever its status (`?status=draft`…), by start; POST: create a
    draft through the organisers' form (events.services.create_session)."""

    permission_classes = ORGANISERS
    parser_classes = [JSONParser]
    serializer_class = StaffSessionSerializer
    pagination_class = SessionCursorPagination

    def get_queryset(self):
        wanted = self.request.query_params.get("status", "")
        return event_queries.managed_sessions(
            status=wanted if wanted in SessionStatus.values else ""
        )

    @extend_schema(request=StaffSessionWriteSerializer, responses={201: StaffSessionSerializer})
    def post(self, request):
        form = session_form(request.data)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        try:
            session = event_services.create_session(
                form.instance, by=request.user, **form.related()
            )
        except ValidationError as error:
            return _refusal_of(error)
        return Response(_fresh(session), status=status.HTTP_201_CREATED)


def _fresh(session: Session) -> dict:
    """The session as the API shows it, read again with what a list reads."""
    return StaffSessionSerializer(
        event_queries.with_related(Session.objects.filter(pk=session.pk)).get()
    ).data


def _refusal_of(error: ValidationError) -> Response:
    if hasattr(error, "error_dict"):
        return Response(
            {
                ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
                for name, messages in error.message_dict.items()
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    return Response({"non_field_errors": error.messages}, status=status.HTTP_400_BAD_REQUEST)


class SessionDetail(APIView):
    """GET: one session; PATCH: change the fields sent, the others staying as they are, through
    the organisers' form (events.services.edit_session, its audit entry naming the fields).
    A new `time_zone` alone keeps the session's moments (shown on the new zone's clock)."""

    permission_classes = ORGANISERS
    parser_classes = [JSONParser]

    @extend_schema(responses=StaffSessionSerializer)
    def get(self, request, pk):
        return Response(_fresh(_session(request, pk)))

    @extend_schema(request=StaffSessionWriteSerializer, responses=StaffSessionSerializer)
    def patch(self, request, pk):
        session = _session(request, pk)
        form = session_form(request.data, instance=session)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        try:
            event_services.edit_session(
                form.instance, by=request.user, fields=form.changed_data, **form.related()
            )
        except ValidationError as error:
            return _refusal_of(error)
        return Response(_fresh(session))


class SessionPublish(APIView):
    """POST: publish a draft (events.services.publish_session). An online or hybrid session
    without a join link is published only with `{"without_join_link": true}`, as the screen
    asks the organiser to confirm it."""

    permission_classes = ORGANISERS
    parser_classes = [JSONParser]

    @extend_schema(request=PublishSerializer, responses=StaffSessionSerializer)
    def post(self, request, pk):
        session = _session(request, pk)
        if session.status != SessionStatus.DRAFT:
            return _refusal(_("Only a draft can be published."), code=status.HTTP_409_CONFLICT)
        body = request.data if isinstance(request.data, dict) else {}
        confirmed = body.get("without_join_link") is True
        if event_services.lacks_join_link(session) and not confirmed:
            return _refusal(
                _(
                    "This session has no join link: its registrants could not join. Add one, "
                    "or send “without_join_link”: true to publish it as it is."
                )
            )
        try:
            event_services.publish_session(session, by=request.user)
        except ValidationError as error:
            return _refusal_of(error)
        return Response(_fresh(session))


class SessionCancel(APIView):
    """POST: cancel a session (events.services.cancel_session: its registrants are told); a
    session cancelled already stays as it is."""

    permission_classes = ORGANISERS
    parser_classes = [JSONParser]

    @extend_schema(request=None, responses=StaffSessionSerializer)
    def post(self, request, pk):
        session = _session(request, pk)
        event_services.cancel_session(session, by=request.user)
        return Response(_fresh(session))


# --- Registrations ---------------------------------------------------------------------------


class RegistrationCursorPagination(StableCursorPagination):
    ordering = ("created_at", "pk")


ATTENDED = {"true": True, "false": False}


class SessionRegistrations(ListAPIView):
    """GET: a session's registrations, oldest first; `?status=confirmed|waitlisted|cancelled`,
    `?attended=true|false|unknown` (unknown: no report or check-in says yet)."""

    permission_classes = ORGANISERS
    serializer_class = StaffRegistrationSerializer
    pagination_class = RegistrationCursorPagination

    def get_queryset(self):
        session = _session(self.request, self.kwargs["pk"])
        params = self.request.query_params
        wanted = params.get("status", "")
        if wanted and wanted not in RegistrationStatus.values:
            raise serializers.ValidationError(
                {
                    "status": [
                        _("Choose one of: %(values)s.")
                        % {"values": ", ".join(RegistrationStatus.values)}
                    ]
                }
            )
        registrations = registration_queries.session_registrations(session, status=wanted)
        attended = params.get("attended", "")
        if attended == "unknown":
            registrations = registrations.filter(attended__isnull=True)
        elif attended in ATTENDED:
            registrations = registrations.filter(attended=ATTENDED[attended])
        elif attended:
            raise serializers.ValidationError(
                {"attended": [_("Choose one of: %(values)s.") % {"values": "true, false, unknown"}]}
            )
        return registrations


# --- Attendance ------------------------------------------------------------------------------

PREVIEW_SALT = "api.attendance-preview"
PREVIEW_ROWS = 500  # a report may hold 100,000 people: the preview lists the first
# As long as the screen keeps a previewed report in the organiser's browser session, at most.
PREVIEW_MAX_AGE = 60 * 60


def _upload_form(request, session: Session) -> AttendanceUploadForm:
    """The screen's upload form, with its defaults (the session's zone, platform and dates
    recognised) for what the call leaves out."""
    data = {"time_zone": session.time_zone, "platform": "auto", "date_order": "auto"}
    data.update({key: request.data.get(key) for key in request.data if key != "report"})
    return AttendanceUploadForm(data, request.FILES)


def _read(request, session: Session):
    """The report's bytes and how to read them, or the refusal to answer."""
    try:
        attendance_service.refuse_past_retention(session)
    except ReportError as error:
        return None, None, _refusal(error, code=status.HTTP_409_CONFLICT)
    form = _upload_form(request, session)
    if not form.is_valid():
        return None, None, Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
    options = attendance_service.ReportOptions(
        time_zone=form.cleaned_data["time_zone"],
        platform=form.cleaned_data["platform"],
        date_order=form.cleaned_data["date_order"],
        mapping=form.mapping(),
    )
    try:
        data = attendance_service.read_report(form.cleaned_data["report"])
    except ReportError as error:
        return None, None, Response({"report": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
    return data, options, None


def _fingerprint(session: Session, data: bytes, options) -> str:
    """What a preview stands for: this session, these bytes read with these options."""
    digest = hashlib.sha256(data)
    digest.update(repr(sorted(dataclasses.asdict(options).items())).encode())
    return f"{session.pk}:{digest.hexdigest()}"


class AttendancePreview(APIView):
    """POST (multipart: `report`, and as on the screen `platform`, `time_zone`, `date_order`,
    the column names of another CSV): who in the report matches whom, and how many registrants
    would be absent, writing nothing. Its `preview` is what `attendance/` asks to record it."""

    permission_classes = ORGANISERS
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": AttendanceUploadSerializer},
        responses=AttendancePreviewSerializer,
    )
    def post(self, request, pk):
        session = _session(request, pk)
        data, options, refused = _read(request, session)
        if refused:
            return refused
        try:
            people = attendance_service.preview_attendance(session, data, options)
        except ReportError as error:
            return Response({"report": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        matched = [person for person in people if person.key is not None]
        return Response(
            {
                "preview": signing.dumps(_fingerprint(session, data, options), salt=PREVIEW_SALT),
                "people": len(people),
                "matched": len(matched),
                "attended": sum(1 for person in matched if person.attended),
                "unmatched": len(people) - len(matched),
                "absent_after_import": attendance_service.absent_after_import(session, people),
                "threshold_minutes": session.attendance_threshold,
                # The first rows, as the screen shows them; the counts above are of everyone.
                "rows": preview_rows(people[:PREVIEW_ROWS]),
            }
        )


class AttendanceImport(APIView):
    """POST (multipart: the same `report` and options as the preview, and its `preview`):
    record the attendance, as previewed (registrations.attendance.services
    .import_attendance_report, its audit entry naming the token's owner). The same report
    again changes nothing (`changed`: false); a file or options other than the preview's are
    refused (409), as is a preview older than an hour."""

    permission_classes = ORGANISERS
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": AttendanceConfirmSerializer},
        responses={200: AttendanceImportSerializer, 201: AttendanceImportSerializer},
    )
    def post(self, request, pk):
        session = _session(request, pk)
        data, options, refused = _read(request, session)
        if refused:
            return refused
        try:
            previewed = signing.loads(
                request.data.get("preview") or "", salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            return Response(
                {"preview": [_("Preview the report first: this preview is unknown or expired.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if previewed != _fingerprint(session, data, options):
            return _refusal(
                _("This is not the report previewed, or not read the same way: preview it again."),
                code=status.HTTP_409_CONFLICT,
            )
        try:
            source, changed = attendance_service.import_attendance_report(
                session,
                data,
                filename=request.FILES["report"].name,
                options=options,
                by=request.user,
            )
        except ReportError as error:
            return Response({"report": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        summary = attendance_service.attendance_summary(session)
        return Response(
            {
                "changed": changed,
                "import_id": source.pk,
                "attended": summary["attended"],
                "absent": summary["absent"],
                "unmatched": summary["unmatched"],
            },
            status=status.HTTP_201_CREATED if changed else status.HTTP_200_OK,
        )


# --- Impact ----------------------------------------------------------------------------------


def _staff_filters(request):
    """The dashboard's filters from the query string, read by its own form: a value it does not
    understand is a 400 (the dashboard shows the figures unfiltered then; a script is told)."""
    form = ImpactFilterForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form))
    # The form leaves out one economy and one session (pages of their own), which the parser
    # reads: the API takes them as the economy's and the session's pages do.
    return form.filters()


# The dashboard's filters (impact.filters.filters_from), and the economy and session pages'.
FILTER_PARAMETERS = [
    OpenApiParameter("quarter", str, description="A quarter: 2026-Q3"),
    OpenApiParameter("year", int),
    OpenApiParameter("start", str, description="Sessions starting on or after (YYYY-MM-DD)"),
    OpenApiParameter("end", str, description="Sessions starting on or before (YYYY-MM-DD)"),
    OpenApiParameter("language", str),
    OpenApiParameter("region", str, description="UN M49 region or sub-region code"),
    OpenApiParameter("group", str, enum=["ldc", "lldc", "sids"]),
    OpenApiParameter("series", str, description="A series' slug"),
    OpenApiParameter("cohost", int, description="A co-host organisation's id"),
    OpenApiParameter("format", str),
    OpenApiParameter("size_band", str),
    OpenApiParameter("kind", str, description="Kind of organisation"),
    OpenApiParameter("economy", str, description="One economy (ISO alpha-2), as its page"),
    OpenApiParameter("session", int, description="One session, as its page"),
]


def _figures(request) -> Figures:
    return Figures(impact_permissions.audience_for(request.user))


class ImpactFigures(APIView):
    """GET (the dashboard's filters): the headline figures, survey indicators, realised outcomes
    and course completions, the very numbers of the dashboard for the same filters."""

    permission_classes = STAFF

    @extend_schema(parameters=FILTER_PARAMETERS, responses=ImpactFiguresSerializer)
    def get(self, request):
        filters = _staff_filters(request)
        figures = _figures(request)
        return Response(
            {
                "filters": filters.as_query(),
                "headline": figures.headline(filters),
                "outcomes": _outcomes(figures.outcomes(filters)),
                "completions": figures.completions(filters),
            }
        )


def _outcomes(figures: dict) -> dict:
    return {
        **figures,
        "markets": [{"economy": code, "count": count} for code, count in figures["markets"]],
    }


# Every breakdown the dashboard and its exports read, by what it counts.
BREAKDOWNS = {
    "registrations": tuple(impact_queries.DIMENSIONS),
    "outcomes": tuple(outcomes.DIMENSIONS),
    "completions": tuple(completions.DIMENSIONS),
}
DIMENSIONS = tuple(dict.fromkeys(d for dimensions in BREAKDOWNS.values() for d in dimensions))


class ImpactBreakdown(APIView):
    """GET /impact/breakdowns/<dimension>/ (the dashboard's filters): per value of one
    dimension, the registrations, attendees, organisations and firms; the realised outcomes and
    course completions where they break down by it (null where they do not)."""

    permission_classes = STAFF

    @extend_schema(
        parameters=[
            OpenApiParameter("dimension", str, OpenApiParameter.PATH, enum=list(DIMENSIONS)),
            *FILTER_PARAMETERS,
        ],
        responses=ImpactBreakdownSerializer,
    )
    def get(self, request, dimension):
        if dimension not in DIMENSIONS:
            raise NotFound(
                _("Break down by one of: %(values)s.") % {"values": ", ".join(DIMENSIONS)}
            )
        filters = _staff_filters(request)
        figures = _figures(request)
        return Response(
            {
                "dimension": dimension,
                "filters": filters.as_query(),
                "registrations": figures.breakdown(filters, dimension)
                if dimension in BREAKDOWNS["registrations"]
                else None,
                "outcomes": figures.outcome_breakdown(filters, dimension)
                if dimension in BREAKDOWNS["outcomes"]
                else None,
                "completions": figures.completion_breakdown(filters, dimension)
                if dimension in BREAKDOWNS["completions"]
                else None,
            }
        )
