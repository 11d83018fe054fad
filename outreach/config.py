"""Reading the environment for settings: each variable read once, with its default.

A bad or missing value raises ConfigurationError, which manage.py and wsgi.py turn
into one clear line on standard error instead of a traceback.
"""

import os
import re

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigurationError(ImproperlyConfigured):
    pass


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_count(name: str, default: int, *, minimum: int = 0) -> int:
    """A whole number no smaller than `minimum` (a proxy count, a number of seconds)."""
    value = env_int(name, default)
    if value < minimum:
        raise ConfigurationError(f"{name} must be {minimum} or more, not {value}.")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of a few words (LOG_FORMAT: plain or json), compared without case."""
    value = env_str(name, default)
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ConfigurationError(f"{name} must be {_one_of(choices)}, not {value!r}.")


def _one_of(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/h" → (10, 3600); "60/10m" → (60, 600): so many hits per so many seconds."""
    match = re.fullmatch(r"(\d+)/(\d*)([smhd])", rate.strip())
    if not match:
        raise ValueError(f"Not a rate: {rate!r}")
    count, multiplier, unit = match.groups()
    if int(count) < 1 or int(multiplier or 1) < 1:
        raise ValueError(f"Not a rate: {rate!r}")
    return int(count), int(multiplier or 1) * RATE_UNITS[unit]


def env_rate(name: str, default: str) -> str:
    """A rate limit such as "10/h" or "60/10m" (at least one hit, in a window of some length)."""
    value = env_str(name, default)
    try:
        parse_rate(value)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a rate such as 10/h or 60/10m (hits per s, m, h or d), not {value!r}."
        ) from None
    return value


def env_minutes(name: str, default: str) -> list[int]:
    """Minutes as comma-separated whole numbers above zero (reminders: "1440,60")."""
    raw = env_str(name) or default
    try:
        minutes = [int(item) for item in raw.split(",") if item.strip()]
    except ValueError:
        minutes = []
    if not minutes or any(minute < 1 for minute in minutes):
        raise ConfigurationError(
            f"{name} must be minutes as whole numbers above 0, separated by commas "
            f"(e.g. 1440,60), not {raw!r}."
        )
    return minutes


def database_from_url(url: str, *, conn_max_age: int) -> dict:
    """Parse DATABASE_URL, refusing anything that is not SQLite or PostgreSQL."""
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(f"DATABASE_URL is not a valid database address: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ConfigurationError(
            f"DATABASE_URL must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…), "
            f"not {url.split(':', 1)[0]!r}."
        )
    if engine == "django.db.backends.postgresql":
        if not config.get("NAME"):
            raise ConfigurationError(
                "DATABASE_URL names no database (postgres://user@host:port/NAME)."
            )
        # Django's backend, with a health check that needs no round trip (outreach/postgres).
        config["ENGINE"] = "outreach.postgres"
    return config


def zoom_is_configured() -> bool:
    """Whether Zoom's API may be called: its server-to-server OAuth account and app are set
    (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET). Without them attendance is imported
    from files and no webinar is created on Zoom."""
    from django.conf import settings

    return bool(
        settings.ZOOM_ACCOUNT_ID and settings.ZOOM_CLIENT_ID and settings.ZOOM_CLIENT_SECRET
    )


def load_settings_or_exit(error_class: type[Exception] = ConfigurationError) -> None:
    """Load the settings now, so that a configuration mistake stops start-up with one line."""
    import sys

    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 (touching it imports the settings module)
    except error_class as exc:
        sys.exit(f"Outreach cannot start: {exc}")
