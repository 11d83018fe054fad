"""What a co-host's token reads: its sessions, the registrants who share with it, and its
figures as the small-number rule lets it see them; and what it proposes.

Which registrant details a co-host sees is registrations.permissions' rule, never this
module's: `RegistrantSerializer` is given only the registrations of
registrations.queries.cohost_registrants and asks `cohost_may_see_details` again for each.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.public import SessionSerializer
from registrations.models import Registration
from registrations.permissions import cohost_may_see_details
from registrations.queries import registration_answers


class CohostSessionSerializer(SessionSerializer):
    """A session of the co-host's organisation: the public fields, drafts and proposals too,
    and whether the organisation co-hosts it or (only) proposed it."""

    proposed = serializers.SerializerMethodField()

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "capacity", "proposed"]
        read_only_fields = fields

    def get_proposed(self, session) -> bool:
        organisation_id = self.context["organisation_id"]
        return session.proposed_by_id == organisation_id


class RegistrantSerializer(serializers.ModelSerializer):
    """A registrant who agreed to share their details with this co-host."""

    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    economy = serializers.CharField(source="organisation.economy_id", read_only=True)
    kind = serializers.CharField(source="organisation.kind", read_only=True)
    size_band = serializers.CharField(source="organisation.size_band", read_only=True)
    via_invitation_link = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "name",
            "email",
            "organisation",
            "economy",
            "kind",
            "size_band",
            "status",
            "via_invitation_link",
            "created_at",
            "answers",
        ]
        read_only_fields = fields

    def _shared(self, registration) -> bool:
        return cohost_may_see_details(self.context["request"].user, registration)

    def get_name(self, registration) -> str:
        return registration.person.full_name if self._shared(registration) else ""

    def get_email(self, registration) -> str:
        return registration.person.email if self._shared(registration) else ""

    def get_organisation(self, registration) -> str:
        return registration.organisation.name if self._shared(registration) else ""

    def get_via_invitation_link(self, registration) -> bool:
        return registration.source == "cohost"

    @extend_schema_field(
        serializers.DictField(
            child=serializers.CharField(),
            help_text="Answers to the registration questions, by question code.",
        )
    )
    def get_answers(self, registration) -> dict:
        if not self._shared(registration):
            return {}
        return {code: str(value) for code, value in registration_answers(registration).items()}


class CountField(serializers.IntegerField):
    """A count, or null where the small-number rule hides it."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)


class FigureRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The value counted (an economy's code, a size band…)")
    label = serializers.CharField()
    registrations = CountField(help_text="null: hidden by the small-number rule")


class FiguresSerializer(serializers.Serializer):
    """A session's figures as the co-host's pages show them: null wherever hidden."""

    session = serializers.IntegerField()
    confirmed = CountField()
    waitlisted = CountField()
    via_invitation_link = CountField()
    by_economy = FigureRowSerializer(many=True)
    by_size = FigureRowSerializer(many=True)
    by_kind = FigureRowSerializer(many=True)


class ProposalSerializer(serializers.Serializer):
    """A session a co-host manager proposes: the proposal form's fields, its times on the
    clock of `time_zone`. Validated by the same form as the screen (events.forms.ProposalForm)."""

    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    title_en = serializers.CharField(required=False, allow_blank=True, max_length=200)
    title_fr = serializers.CharField(required=False, allow_blank=True, max_length=200)
    title_es = serializers.CharField(required=False, allow_blank=True, max_length=200)
    summary_en = serializers.CharField(required=False, allow_blank=True, max_length=300)
    summary_fr = serializers.CharField(required=False, allow_blank=True, max_length=300)
    summary_es = serializers.CharField(required=False, allow_blank=True, max_length=300)
    format = serializers.CharField()
    venue = serializers.CharField(required=False, allow_blank=True, max_length=300)
    time_zone = serializers.CharField(help_text="An IANA zone, e.g. America/Santiago")
    starts_at = serializers.CharField(help_text="Wall clock in time_zone: YYYY-MM-DDTHH:MM")
    ends_at = serializers.CharField(help_text="Wall clock in time_zone: YYYY-MM-DDTHH:MM")
    capacity = serializers.IntegerField(min_value=1)
    topics = serializers.ListField(
        child=serializers.SlugField(), required=False, help_text="Topic slugs"
    )
