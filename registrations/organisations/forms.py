"""The forms of the duplicates screens: which economy to look at, and which organisation to
keep and which to merge into it (registrations.organisations.services.merge)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from outreach.models import Organisation
from registrations.organisations.queries import economies_with_organisations


class EconomyField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class DuplicatesFilterForm(forms.Form):
    """The economy to list likely duplicates of (all when none), read from the query string."""

    economy = EconomyField(
        label=_("Economy"),
        queryset=economies_with_organisations(),
        required=False,
        empty_label=_("All economies"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class MergeForm(forms.Form):
    """The organisation kept and those merged into it. The organisations must exist; whether
    they may be merged is the service's to say (MergeRefused)."""

    keep = forms.ModelChoiceField(
        label=_("Keep"),
        queryset=Organisation.objects.select_related("economy"),
        error_messages={
            "required": _("Choose the organisation to keep."),
            "invalid_choice": _("That organisation no longer exists: it may have been merged."),
        },
    )
    merge = forms.ModelMultipleChoiceField(
        label=_("Merge into it"),
        queryset=Organisation.objects.select_related("economy"),
        error_messages={
            "required": _("Choose at least one organisation to merge into the one kept."),
            "invalid_choice": _("That organisation no longer exists: it may have been merged."),
            "invalid_pk_value": _("That organisation no longer exists: it may have been merged."),
        },
    )

    def clean(self):
        cleaned = super().clean()
        keep, merge = cleaned.get("keep"), cleaned.get("merge")
        if keep is not None and merge is not None and keep in merge:
            self.add_error("merge", _("The organisation kept cannot also be merged into itself."))
        return cleaned
