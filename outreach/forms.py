from functools import cache

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from outreach.models import CohostRole, User
from outreach.timezones import known_zones


class SignupDetailsForm(forms.Form):
    """What allauth's sign-up asks beside the email address: a name, and nothing to remember."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.save(update_fields=["full_name"])


AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """IANA zones by area (no legacy aliases such as US/Eastern), and UTC."""
    zones = sorted(z for z in known_zones() if z.startswith(AREAS))
    return [("UTC", "UTC")] + [(zone, zone.replace("_", " ")) for zone in zones]


class TimeZoneField(forms.ChoiceField):
    """An IANA time zone, picked from `time_zone_choices`. The choices are given as the cached
    callable, so the ~430 zones are not copied into every form instance."""

    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_choices, **kwargs)


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField(label=_("Time zone"))

    class Meta:
        model = User
        fields = ["full_name", "language", "time_zone"]
        help_texts = {
            "language": _("Emails and reminders reach you in this language."),
        }


class CohostInviteForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Co-host"), queryset=None)
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Name"), max_length=150)
    cohost_role = forms.ChoiceField(label=_("Role"), choices=CohostRole.choices)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
