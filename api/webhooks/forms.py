from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import WebhookEvent
from api.webhooks import addresses

REFUSALS = {
    "scheme": _("Use an https:// address."),
    "unresolvable": _("This address's host cannot be found."),
    "private": _(
        "This address leads to a private, local or reserved network; use a public address."
    ),
}


class SubscriptionForm(forms.Form):
    url = forms.URLField(
        label=_("Receiver URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where we send each event, by POST, as signed JSON."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            addresses.check(url)
        except addresses.UnsafeReceiver as refused:
            raise forms.ValidationError(REFUSALS[refused.reason], code=refused.reason) from None
        return url
