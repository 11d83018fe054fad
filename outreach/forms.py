from django import forms
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from outreach.models import CohostRole, User
from outreach.timezones import is_known_zone, likely_territories, zone_choices, zone_territory


class SignupDetailsForm(forms.Form):
    """What allauth's sign-up asks beside the email address: a name, and nothing to remember."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.save(update_fields=["full_name"])


def time_zone_choices() -> list:
    """Zones named in the active language, grouped by region, the viewer's likely ones first
    (their current zone's economy, the economies their browser names); see
    outreach.timezones.zone_choices, which caches the lists per language."""
    language = (translation.get_language() or settings.LANGUAGE_CODE)[:2]
    current = timezone.get_current_timezone_name()
    return zone_choices(language, current, likely_territories.get())


class TimeZoneField(forms.ChoiceField):
    """An IANA time zone, picked from `time_zone_choices`. The choices are given as a callable,
    so that each form shows them in the language of its request.

    A zone the list shows under another name (Asia/Calcutta, now Asia/Kolkata) is accepted too,
    so a zone saved before keeps validating."""

    def __init__(self, **kwargs):
        super().__init__(choices=time_zone_choices, **kwargs)

    def valid_value(self, value):
        value = str(value)
        return (is_known_zone(value) and zone_territory(value) is not None) or value == "UTC"


class TimeZonePickForm(forms.Form):
    """The time-zone page: a visitor picks the zone times are shown in (a cookie)."""

    time_zone = TimeZoneField(
        label=_("Show times in"),
        widget=forms.Select(attrs={"class": "form-select", "aria-describedby": "time-zone-help"}),
    )


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
