"""Configuration mistakes stop start-up with one clear line, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "s" * 64


def run_manage(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"ALLOWED_HOSTS": "outreach.example", "SITE_URL": "https://outreach.example"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_missing_secret_key_in_production_stops_with_one_line():
    result = run_manage({"DEBUG": "false"})

    assert result.returncode == 1
    assert result.stderr.strip().startswith("Outreach cannot start: SECRET_KEY is not set")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "DATABASE_URL"),
        ("mysql://root@localhost/outreach", "must point at PostgreSQL"),
        ("postgres://user@host:notaport/db", "DATABASE_URL"),
        ("postgres://user@localhost:5432/", "names no database"),
    ],
)
def test_a_malformed_database_url_stops_with_one_line(url, message):
    result = run_manage({"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, "DATABASE_URL": url})

    assert result.returncode == 1
    assert result.stderr.startswith("Outreach cannot start:")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_weak_secret_key_in_production_is_refused():
    result = run_manage({"DEBUG": "false", "SECRET_KEY": "short"})

    assert result.returncode == 1
    assert "SECRET_KEY is too weak" in result.stderr


def test_a_word_that_is_not_a_boolean_is_refused():
    result = run_manage({"DEBUG": "maybe"})

    assert (
        result.stderr.strip() == "Outreach cannot start: DEBUG must be true or false, not 'maybe'."
    )
