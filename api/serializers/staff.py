"""What the staff endpoints read and write: sessions, registrations, attendance previews.

A session is written through the organisers' own form (events.forms.SessionForm), so that the
API refuses exactly what the screen refuses, with the same translated messages; the JSON sent is
turned into the form's data here. Times may carry a UTC offset ("2030-01-15T10:00:00-03:00", one
moment, whichever occurrence of a repeated hour it is) or none ("2030-01-15T10:00", read on the
clock of the session's `time_zone`, as the screen reads it).
"""

import zoneinfo
from datetime import UTC, datetime

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers

from events.forms import OCCURRENCE, SessionForm, per_language
from events.models import Session
from outreach.timezones import fold_of, is_known_zone, occurrences
from registrations.attendance.reports import Attendance
from registrations.models import Registration

# What the session form takes (the occurrence choices of repeated hours are the API's offsets).
SESSION_FIELDS = (
    *(name for name in SessionForm.base_fields if name != "sibling"),
    "sibling",
)
TIME_FIELDS = SessionForm.TIME_FIELDS


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


def _parse(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:  # well formed, but no such day or time (30 February)
        return None


def session_form(payload, *, instance: Session | None = None) -> SessionForm:
    """The organisers' session form bound to a JSON object: for a change (`instance`), what the
    session holds now, with the payload's fields over it. Unknown fields and times that are not
    ISO 8601 are refused (serializers.ValidationError), never left out in silence."""
    if not isinstance(payload, dict):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    unknown = sorted(set(payload) - set(SESSION_FIELDS))
    if unknown:
        raise serializers.ValidationError(
            {name: [_("This field does not exist or cannot be set.")] for name in unknown}
        )
    data = _current(instance) if instance is not None else {}
    for name, value in payload.items():
        data[name] = "" if value is None else value
    zone = data.get("time_zone") if isinstance(data.get("time_zone"), str) else ""
    known = bool(zone) and is_known_zone(zone)
    errors = {}
    for name in TIME_FIELDS:
        if name in payload:
            if data[name] in ("", None):
                continue
            moment = _parse(data[name])
            if moment is None:
                errors[name] = [_("Write a date and time as 2030-01-15T10:00:00-03:00.")]
                continue
        elif instance is not None and known and zone != instance.time_zone:
            # A new zone alone moves no time: the same moments, on the new zone's clock.
            moment = getattr(instance, name)
            if moment is None:
                continue
        else:
            continue
        if moment.tzinfo is not None and known:
            # One moment: the clock of the session's zone, and which of a repeated hour it is.
            local = _local(moment, zone)
            data[name] = local.isoformat()
            if len(occurrences(local, zone)) == 2:
                data[OCCURRENCE % name] = fold_of(moment.astimezone(UTC), zone)
        elif moment.tzinfo is not None:
            # No zone to read it in: the form says the zone is missing or unknown.
            data[name] = moment.astimezone(UTC).replace(tzinfo=None).isoformat()
        else:
            data[name] = moment.isoformat()
    if errors:
        raise serializers.ValidationError(errors)
    return SessionForm(data, instance=instance)


def _current(session: Session) -> dict:
    """What the session's form shows now, as the form's own data (so that a change of one field
    leaves the others as they are)."""
    form = SessionForm(instance=session)
    data = {}
    for name in SESSION_FIELDS:
        value = form[name].value()
        data[name] = "" if value is None else value
    return data


def form_errors(form) -> dict:
    """The form's errors as the API answers them: per field, and `non_field_errors`."""
    return {
        ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }


class StaffSessionSerializer(serializers.ModelSerializer):
    """A session as organisers see it: every status, its texts in each language, its times in
    UTC and on its own clock, its seats, links and language group."""

    series = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    starts_at_local = serializers.SerializerMethodField()
    ends_at_local = serializers.SerializerMethodField()
    cohosts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    target_economies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "uid",
            "status",
            "series",
            "language",
            *per_language("title", "summary", "description"),
            "interpretation_languages",
            "format",
            "venue",
            "time_zone",
            "starts_at",
            "ends_at",
            "starts_at_local",
            "ends_at_local",
            "capacity",
            "confirmed_count",
            "attendance_threshold_minutes",
            "registration_opens_at",
            "registration_closes_at",
            "cohosts",
            "target_economies",
            "topics",
            "join_url",
            "recording_url",
            "materials_url",
            "follow_ups_enabled",
            "language_group",
            "sequence",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _local(self, moment: datetime, zone: str) -> str:
        return moment.astimezone(zoneinfo.ZoneInfo(zone)).isoformat()

    def get_starts_at_local(self, session) -> str:
        return self._local(session.starts_at, session.time_zone)

    def get_ends_at_local(self, session) -> str:
        return self._local(session.ends_at, session.time_zone)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
            moment = getattr(instance, name)
            data[name] = moment.astimezone(UTC).isoformat() if moment else None
        return data


class StaffRegistrationSerializer(serializers.ModelSerializer):
    """One registration as organisers list it; an anonymised one without a person."""

    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "status",
            "name",
            "email",
            "organisation",
            "economy",
            "organisation_kind",
            "size_band",
            "women_led",
            "youth_led",
            "job_title",
            "source",
            "listening_language",
            "attended",
            "minutes_attended",
            "created_at",
        ]
        read_only_fields = fields

    def get_name(self, registration) -> str:
        return registration.person.full_name if registration.person else ""

    def get_email(self, registration) -> str:
        return registration.person.email if registration.person else ""

    def get_organisation(self, registration) -> dict:
        return {"id": registration.organisation_id, "name": registration.organisation.name}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["created_at"] = instance.created_at.astimezone(UTC).isoformat()
        return data


def preview_rows(people: list[Attendance]) -> list[dict]:
    """A preview's people: who in the report matches which registration, and how."""
    return [
        {
            "registration": person.key,
            "name": person.name,
            "email": person.email,
            "minutes": person.minutes,
            "attended": person.attended,
            "matched_by": person.matched_by,
        }
        for person in people
    ]


# --- What the schema says the staff endpoints take and give ----------------------------------


def _write_field(name: str, field) -> serializers.Field:
    """The JSON a session's form field takes, for the schema (the form validates it)."""
    help_text = str(field.help_text or field.label or "")
    if name in TIME_FIELDS:
        return serializers.DateTimeField(required=False, allow_null=True, help_text=help_text)
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return serializers.ListField(child=serializers.CharField(), required=False)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(required=False, help_text=help_text)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(required=False, allow_null=True, help_text=help_text)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(required=False, allow_null=True, help_text=help_text)
    return serializers.CharField(required=False, allow_blank=True, help_text=help_text)


StaffSessionWriteSerializer = type(
    "StaffSessionWriteSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "A session's fields as the organisers' form takes them: on creation those "
        "the form requires, on a change any of them. Times with a UTC offset, or without one "
        "on the clock of `time_zone`; co-hosts, series and the sibling by id, economies by "
        "ISO code, topics by id.",
        **{name: _write_field(name, SessionForm.base_fields[name]) for name in SESSION_FIELDS},
    },
)


class PublishSerializer(serializers.Serializer):
    without_join_link = serializers.BooleanField(
        required=False,
        help_text="Publish an online or hybrid session that has no join link yet.",
    )


class AttendanceUploadSerializer(serializers.Serializer):
    """A report and how to read it, as on the attendance screen."""

    report = serializers.FileField()
    platform = serializers.ChoiceField(choices=["auto", "zoom", "teams", "csv"], required=False)
    time_zone = serializers.CharField(required=False, help_text="Default: the session's zone.")
    date_order = serializers.ChoiceField(choices=["auto", "dmy", "mdy"], required=False)
    name_column = serializers.CharField(required=False)
    email_column = serializers.CharField(required=False)
    joined_column = serializers.CharField(required=False)
    left_column = serializers.CharField(required=False)


class AttendanceConfirmSerializer(AttendanceUploadSerializer):
    preview = serializers.CharField(help_text="The `preview` the preview of this report gave.")


class PreviewRowSerializer(serializers.Serializer):
    registration = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    email = serializers.CharField()
    minutes = serializers.IntegerField()
    attended = serializers.BooleanField()
    matched_by = serializers.CharField()


class AttendancePreviewSerializer(serializers.Serializer):
    preview = serializers.CharField()
    people = serializers.IntegerField()
    matched = serializers.IntegerField()
    attended = serializers.IntegerField()
    unmatched = serializers.IntegerField()
    absent_after_import = serializers.IntegerField()
    threshold_minutes = serializers.IntegerField()
    rows = PreviewRowSerializer(many=True)


class AttendanceImportSerializer(serializers.Serializer):
    changed = serializers.BooleanField()
    import_id = serializers.IntegerField(help_text="The attendance import recorded (or found).")
    attended = serializers.IntegerField()
    absent = serializers.IntegerField()
    unmatched = serializers.IntegerField()


class ImpactFiguresSerializer(serializers.Serializer):
    filters = serializers.DictField(child=serializers.CharField())
    headline = serializers.DictField(help_text="The dashboard's headline figures.")
    outcomes = serializers.DictField(help_text="Realised outcomes.")
    completions = serializers.DictField(help_text="Course completions.")


class ImpactBreakdownSerializer(serializers.Serializer):
    dimension = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    registrations = serializers.ListField(child=serializers.DictField(), allow_null=True)
    outcomes = serializers.ListField(child=serializers.DictField(), allow_null=True)
    completions = serializers.ListField(child=serializers.DictField(), allow_null=True)
