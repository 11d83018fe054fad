"""Programme staff's realised outcomes counted in SQL (impact.outcomes.OutcomeRecords' cells)
give the figures and every breakdown the records counted in Python give, for each filter: the
same numbers, rows and order, markets included. The programme is test_outcomes' (two series,
co-hosts, versions of the survey, an erased person, a session to come, the survey after a
session)."""

import pytest

from impact import outcomes
from impact.filters import ImpactFilters
from impact.queries import Audience
from registrations.privacy import erase_person
from tests.factories import FirmFactory, economy
from tests.impact.test_outcomes import answer, ask, attend, programme, second_version

pytestmark = pytest.mark.django_db

__all__ = ["programme"]  # the fixture, imported for these tests


def filters_of(programme) -> list[ImpactFilters]:
    return [
        ImpactFilters(),
        ImpactFilters(series="series-b"),
        ImpactFilters(economy="PE"),
        ImpactFilters(language="fr"),
        ImpactFilters(size_band="micro"),
        ImpactFilters(kind="firm"),
        ImpactFilters(cohost=programme["ministry_a"].pk),
        ImpactFilters(session=programme["session_a"].pk),
        ImpactFilters(economy="MX"),  # nobody: no row
    ]


def assert_same(filters: ImpactFilters) -> None:
    counted = outcomes.outcome_records(filters, Audience.staff())
    assert isinstance(counted, outcomes.OutcomeRecords)
    records = list(counted)  # the records themselves: counted in Python
    assert outcomes.staff_figures(outcomes.outcome_records(filters, Audience.staff())) == (
        outcomes.staff_figures(records)
    )
    for by in outcomes.DIMENSIONS:
        in_sql = outcomes.staff_breakdown(outcomes.outcome_records(filters, Audience.staff()), by)
        assert in_sql == outcomes.staff_breakdown(records, by), (filters, by)


def test_counted_in_sql_as_in_python(programme):
    for filters in filters_of(programme):
        assert_same(filters)


def test_counted_in_sql_as_in_python_across_versions_and_erasure(programme):
    second = second_version()
    late = attend(programme["session_a"], FirmFactory(economy=economy("MX"), women_led=True))
    ask(late, survey=second)
    answer(
        late, survey=second, exported=True, markets=["US", "KE"], found=True, contribution="a_lot"
    )
    quiet = attend(programme["session_b"], FirmFactory(economy=economy("KE")))
    ask(quiet, survey=second)
    answer(quiet, survey=second, exported=False, found=False, contribution="not_at_all")
    for registration in programme["registrations_a"][:2]:
        erase_person(registration.person)
    for filters in filters_of(programme):
        assert_same(filters)


def test_no_outcomes_no_rows():
    empty = outcomes.outcome_records(ImpactFilters(), Audience.staff())
    assert outcomes.staff_figures(empty) == outcomes.staff_figures([])
    for by in outcomes.DIMENSIONS:
        assert outcomes.staff_breakdown(empty, by) == []
