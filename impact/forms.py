"""The dashboard's filter form: what programme staff may narrow the figures by.

Outside audiences (co-hosts, the public) read the figures unfiltered (impact.outside says why),
so they are never shown this form. The query string is read by impact.filters.filters_from, the
one parser of filters (also of the exports and the export_impact command); the form adds what
the dashboard offers: the values each filter may take, with their labels in the active language.
A value not understood makes the form invalid, and then no filter applies: the figures shown are
never filtered by half of what was asked.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.models import Series, SessionFormat
from impact import labels, queries
from impact.filters import FilterError, ImpactFilters, filters_from
from outreach.economies import REGIONS, sort_key
from outreach.models import Organisation, OrganisationKind, SizeBand
from outreach.periods import quarter_key, quarter_of

DATE = {"type": "date", "aria-describedby": "period-help"}
PERIOD = ("quarter", "year", "start", "end")
CHARACTERISTICS = ("language", "region", "group", "series", "cohost", "format", "size_band", "kind")


class ImpactFilterForm(forms.Form):
    """The filters, read from the query string; `filters()` is what applies."""

    # A period is parsed by filters_from: any quarter or year, not only those offered.
    quarter = forms.CharField(label=_("Quarter"), required=False, widget=forms.Select)
    year = forms.CharField(label=_("Year"), required=False, widget=forms.Select)
    start = forms.CharField(label=_("From"), required=False, widget=forms.DateInput(DATE))
    end = forms.CharField(label=_("To"), required=False, widget=forms.DateInput(DATE))
    language = forms.ChoiceField(label=_("Language"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    group = forms.ChoiceField(label=_("Economy group"), required=False)
    series = forms.ChoiceField(label=_("Series"), required=False)
    cohost = forms.ChoiceField(label=_("Co-host"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    size_band = forms.ChoiceField(label=_("Firm size"), required=False)
    kind = forms.ChoiceField(label=_("Kind of organisation"), required=False)

    def __init__(self, data, **kwargs):
        super().__init__(data, auto_id="filter-%s", **kwargs)
        anything = [("", _("Any"))]
        quarters, years = period_choices()
        self.fields["quarter"].widget.choices = anything + quarters
        self.fields["year"].widget.choices = anything + years
        for name, choices in characteristic_choices().items():
            self.fields[name].choices = anything + choices
        for name, field in self.fields.items():
            css = "form-control form-control-sm" if name in ("start", "end") else None
            field.widget.attrs["class"] = css or "form-select form-select-sm"

    def clean(self):
        cleaned = super().clean()
        try:
            self.parsed = filters_from(self.data)
        except FilterError as error:
            raise ValidationError(str(error)) from None
        return cleaned

    def filters(self) -> ImpactFilters:
        """The filters asked for, or none if some were not understood."""
        return self.parsed if self.is_valid() else ImpactFilters()

    def period_fields(self) -> list:
        return [self[name] for name in PERIOD]

    def characteristic_fields(self) -> list:
        return [self[name] for name in CHARACTERISTICS]


def period_choices() -> tuple[list, list]:
    """Quarters and years from the first held session to today, newest first (one query);
    a session's year is that of its day in its own zone (outreach.periods)."""
    first = queries.first_held_day()
    today = timezone.localdate()
    first_year = min(first.year, today.year) if first else today.year
    years = list(range(today.year, first_year - 1, -1))
    _year, current = quarter_of(today)
    quarters = [
        (key, labels.quarter_label(key))
        for year in years
        for quarter in range(4, 0, -1)
        if (year, quarter) <= (today.year, current)
        for key in [quarter_key(year, quarter)]
    ]
    return quarters, [(str(year), str(year)) for year in years]


def characteristic_choices() -> dict[str, list]:
    """The values each filter on sessions and registrants offers, as (value, label) pairs or
    groups of them."""
    language = labels.active_language()
    regions = sorted(REGIONS.items(), key=lambda item: sort_key(labels.region_label(item[0])))
    organisations = (
        Organisation.objects.filter(cohosted_sessions__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )
    return {
        "language": [(code, labels.language_label(code)) for code, _name in settings.LANGUAGES],
        # A region and its sub-regions in one group: "Americas, all", "South America" …
        "region": [
            (
                labels.region_label(code, language),
                [
                    (
                        code,
                        gettext("%(region)s, all")
                        % {"region": labels.region_label(code, language)},
                    )
                ]
                + [(sub, labels.region_label(sub, language)) for sub in subs],
            )
            for code, subs in regions
        ],
        "group": [(code, str(label)) for code, label in labels.GROUP_LABELS.items()],
        "series": [(series.slug, series.title) for series in Series.objects.order_by("slug")],
        "cohost": [(str(pk), name) for pk, name in organisations],
        "format": [(value, str(label)) for value, label in SessionFormat.choices],
        "size_band": [(value, str(label)) for value, label in SizeBand.choices],
        "kind": [(value, str(label)) for value, label in OrganisationKind.choices],
    }
