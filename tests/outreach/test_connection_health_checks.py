"""CONN_HEALTH_CHECKS (outreach/settings.py): on unless turned off, and only true or false."""

import pytest

from tests.outreach.test_startup import GOOD_SECRET, run_manage

PRINT_IT = (
    "from django.conf import settings; print(settings.DATABASES['default']['CONN_HEALTH_CHECKS'])"
)


def health_checks(**env) -> str:
    result = run_manage(
        {"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, **env}, "shell", "-v0", "-c", PRINT_IT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_persistent_connections_are_checked_before_reuse_by_default():
    assert health_checks() == "True"


@pytest.mark.parametrize(
    ("value", "expected"), [("false", "False"), ("0", "False"), ("true", "True")]
)
def test_the_check_can_be_turned_off(value, expected):
    assert health_checks(CONN_HEALTH_CHECKS=value) == expected


def test_a_value_that_is_not_true_or_false_stops_start_up_with_one_line():
    result = run_manage(
        {"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, "CONN_HEALTH_CHECKS": "often"}
    )

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Outreach cannot start: CONN_HEALTH_CHECKS must be true or false, not 'often'."
    )
