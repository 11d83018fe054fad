"""What everyone may read: published sessions and series, in the language asked for.

Texts are translated by `Accept-Language` (the API activates the best of en, fr, es); times are
given in UTC and in the session's own zone. Webhook payloads reuse these serializers, so they
hold nothing a partner could not read through the API.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Series, Session
from outreach.links import absolute_url
from registrations.models import RegistrationState
from registrations.services import registration_state

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class SeriesSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)

    class Meta:
        model = Series
        fields = ["id", "slug", "title", "description", "is_course"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    """A published session as the public pages show it."""

    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    interpretation_languages = serializers.ListField(
        child=serializers.ChoiceField(choices=settings.LANGUAGES), read_only=True
    )
    starts_at = serializers.DateTimeField(read_only=True, default_timezone=ZoneInfo("UTC"))
    ends_at = serializers.DateTimeField(read_only=True, default_timezone=ZoneInfo("UTC"))
    starts_at_local = serializers.SerializerMethodField()
    duration_minutes = serializers.IntegerField(read_only=True)
    series = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    target_economies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    cohosts = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    registration = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = [
            "id",
            "uid",
            "title",
            "summary",
            "description",
            "language",
            "interpretation_languages",
            "format",
            "status",
            "starts_at",
            "ends_at",
            "time_zone",
            "starts_at_local",
            "duration_minutes",
            "series",
            "topics",
            "target_economies",
            "cohosts",
            "seats_left",
            "registration",
            "url",
        ]
        read_only_fields = fields

    def get_title(self, session) -> str:
        return session.localized("title")

    def get_summary(self, session) -> str:
        return session.localized("summary")

    def get_description(self, session) -> str:
        return session.localized("description")

    @extend_schema_field(serializers.DateTimeField())
    def get_starts_at_local(self, session) -> str:
        return session.starts_at.astimezone(ZoneInfo(session.time_zone)).isoformat()

    @extend_schema_field(serializers.ChoiceField(choices=RegistrationState.values))
    def get_registration(self, session) -> str:
        return str(registration_state(session))

    @extend_schema_field(serializers.URLField())
    def get_url(self, session) -> str:
        return absolute_url(session.get_absolute_url())
