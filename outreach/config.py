"""Reading the environment for settings: each variable read once, with its default.

A bad or missing value raises ConfigurationError, which manage.py and wsgi.py turn
into one clear line on standard error instead of a traceback.
"""

import os

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
    if engine == "django.db.backends.postgresql" and not config.get("NAME"):
        raise ConfigurationError("DATABASE_URL names no database (postgres://user@host:port/NAME).")
    return config


def load_settings_or_exit(error_class: type[Exception] = ConfigurationError) -> None:
    """Load the settings now, so that a configuration mistake stops start-up with one line."""
    import sys

    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 (touching it imports the settings module)
    except error_class as exc:
        sys.exit(f"Outreach cannot start: {exc}")
