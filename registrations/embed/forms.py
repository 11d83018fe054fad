from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.embed.origins import parse_origins


class EmbedOriginsForm(forms.Form):
    origins = forms.CharField(
        label=_("Your sites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_(
            "One address per line, such as https://www.ministerio.gob.cl. Only these sites may "
            "show your sessions’ registration form inside their pages."
        ),
    )

    def clean_origins(self) -> list[str]:
        return parse_origins(self.cleaned_data["origins"])
