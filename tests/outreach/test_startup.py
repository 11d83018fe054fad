"""Configuration mistakes stop start-up with one clear line, never a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "s" * 64


def run_manage(env_overrides: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    """manage.py (check by default) as production starts it: a shared cache named (no Redis is
    needed to start), the rest from `env_overrides` ("" for a variable left unset)."""
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "ALLOWED_HOSTS": "outreach.example",
            "SITE_URL": "https://outreach.example",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
        }
    )
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *(command or ("check",))],
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


def assert_one_line(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode == 1
    assert result.stderr.startswith(f"Outreach cannot start: {message}"), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


# --- A cache shared by every process, or no start -----------------------------------------------


@pytest.mark.parametrize("cache_url", ["", "locmem://"])
def test_production_without_a_shared_cache_does_not_start(cache_url):
    """Rate limits counted in each process's memory let through the limit times the processes."""
    result = run_manage({"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, "CACHE_URL": cache_url})

    assert_one_line(result, "CACHE_URL is not set to a shared cache")


def test_a_cache_that_is_not_redis_is_refused():
    result = run_manage(
        {"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, "CACHE_URL": "memcached://127.0.0.1"}
    )

    assert_one_line(result, "CACHE_URL must be a redis:// address")


def test_development_may_count_in_local_memory():
    result = run_manage({"DEBUG": "true", "CACHE_URL": ""})

    assert (result.returncode, result.stderr) == (0, "")


# --- Values checked at start-up, one line each ------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("OUTREACH_REGISTER_LIMIT_PER_EMAIL", "ten an hour", "OUTREACH_REGISTER_LIMIT_PER_EMAIL"),
        ("OUTREACH_REGISTER_LIMIT_PER_EMAIL", "0/h", "OUTREACH_REGISTER_LIMIT_PER_EMAIL"),
        ("OUTREACH_REGISTER_LIMIT_PER_NETWORK", "60/0m", "OUTREACH_REGISTER_LIMIT_PER_NETWORK"),
        ("OUTREACH_REGISTER_LIMIT_PER_NETWORK", "60/w", "OUTREACH_REGISTER_LIMIT_PER_NETWORK"),
        ("OUTREACH_REMINDER_MINUTES", "1440,soon", "OUTREACH_REMINDER_MINUTES"),
        ("OUTREACH_REMINDER_MINUTES", "60,-5", "OUTREACH_REMINDER_MINUTES"),
        ("OUTREACH_REMINDER_MINUTES", "0", "OUTREACH_REMINDER_MINUTES"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be plain or json, not 'xml'."),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ("OUTREACH_TRUSTED_PROXY_COUNT", "-1", "OUTREACH_TRUSTED_PROXY_COUNT must be 0 or more"),
        ("OUTREACH_TRUSTED_PROXY_COUNT", "one", "OUTREACH_TRUSTED_PROXY_COUNT must be a whole"),
    ],
)
def test_a_malformed_value_stops_start_up_with_one_line(variable, value, message):
    result = run_manage({"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, variable: value})

    assert_one_line(result, message)


def test_rates_and_reminders_that_make_sense_start():
    result = run_manage(
        {
            "DEBUG": "false",
            "SECRET_KEY": GOOD_SECRET,
            "OUTREACH_REGISTER_LIMIT_PER_EMAIL": "5/30m",
            "OUTREACH_REGISTER_LIMIT_PER_NETWORK": "1000/d",
            "OUTREACH_REMINDER_MINUTES": "2880, 30",
            "LOG_FORMAT": "plain",
        }
    )

    assert (result.returncode, result.stderr) == (0, "")


def test_allauths_proxy_count_follows_ours():
    """One number of trusted proxies for every limit: allauth's sign-in limits and ours."""
    result = run_manage(
        {"DEBUG": "false", "SECRET_KEY": GOOD_SECRET, "OUTREACH_TRUSTED_PROXY_COUNT": "2"},
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
    )

    assert (result.returncode, result.stdout.strip().splitlines()[-1]) == (0, "2")
