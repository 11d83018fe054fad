from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.certificates.services import normalise_code


class CodeForm(forms.Form):
    """The code printed on a certificate, typed in any case, with or without its dashes."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("12 letters and digits, as printed on the certificate: XXXX-XXXX-XXXX."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(
                _("A code has 12 letters and digits, such as 7K3M-Q9TX-24HP."), code="format"
            )
        return code
