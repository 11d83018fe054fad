"""The form for writing to a group of registrants (registrations.bulk.services)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from registrations.models import Segment

LANGUAGES = [code for code, _name in settings.LANGUAGES]


class BulkMessageForm(forms.Form):
    """Who to write to, and a subject and text in English, French and Spanish: at least one
    language, each written in full (subject and text) or left empty. `token` carries the
    writing over to sending, so that the same form sends once."""

    segment = forms.ChoiceField(
        label=_("Write to"), choices=Segment.choices, widget=forms.RadioSelect
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in LANGUAGES:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject"), max_length=200, required=False
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), required=False
            )
        self.languages = [
            (code, name, self[f"subject_{code}"], self[f"body_{code}"])
            for code, name in settings.LANGUAGES
        ]

    def clean_token(self):
        token = self.cleaned_data["token"]
        if not token.replace("-", "").replace("_", "").isalnum():
            raise forms.ValidationError(_("This form is out of date: please write it again."))
        return token

    def clean(self):
        cleaned = super().clean()
        written = 0
        for code in LANGUAGES:
            subject = cleaned.get(f"subject_{code}", "").strip()
            body = cleaned.get(f"body_{code}", "").strip()
            if subject and not body:
                self.add_error(
                    f"body_{code}", _("Write the message too, or leave the subject empty.")
                )
            elif body and not subject:
                self.add_error(
                    f"subject_{code}", _("Give it a subject too, or leave the message empty.")
                )
            elif subject:
                written += 1
        if not written and not self.errors:
            raise forms.ValidationError(
                _("Write the subject and the message in at least one language.")
            )
        return cleaned

    def texts(self) -> dict[str, tuple[str, str]]:
        """{language: (subject, body)} as written, empty languages included."""
        return {
            code: (self.cleaned_data[f"subject_{code}"], self.cleaned_data[f"body_{code}"])
            for code in LANGUAGES
        }
