"""Settings for Outreach, read from the environment once each (see .env.example)."""

from importlib.util import find_spec
from pathlib import Path

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from outreach.config import (
    ConfigurationError,
    database_from_url,
    env_bool,
    env_choice,
    env_count,
    env_int,
    env_list,
    env_minutes,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core ---------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigurationError(
            "SECRET_KEY is not set: production needs a long random secret "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-development-only-key-not-for-production-use-0123456789"  # noqa: S105 (DEBUG only)
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ConfigurationError(
        "SECRET_KEY is too weak for production: use 50 or more random characters."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigurationError("ALLOWED_HOSTS is not set: list the host names this site answers to.")

# Absolute links in emails and calendar feeds are built from SITE_URL, never from the Host header.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ConfigurationError(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}.")

# --- Applications -------------------------------------------------------------------------

INSTALLED_APPS = [
    "modeltranslation",  # before django.contrib.admin, as the library requires
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "outreach",
    "events",
    "registrations",
    "impact",
    "api",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    # First: a NUL anywhere in a request is a 400 before sessions or views read it.
    "outreach.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files answer here, already compressed by WhiteNoise (gzip and Brotli files).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are compressed for anonymous visitors only (BREACH: see the class). Outside
    # everything that writes the body, so it compresses the final page.
    "outreach.middleware.PublicGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "outreach.middleware.UserTimeZoneMiddleware",
]

ROOT_URLCONF = "outreach.urls"
WSGI_APPLICATION = "outreach.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "outreach.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------

DATABASES = {
    "default": database_from_url(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
    )
}
# Health checks stay on: before a request reuses a persistent connection, Django checks it and
# reconnects if the database restarted or failed over meanwhile. Without them the first request
# of each worker after a restart fails (a 503) before Django drops the broken connection at the
# end of that request; with them every request after the restart works
# (tests/operations/test_resilience). On PostgreSQL the check costs no round trip while the
# server has said nothing (outreach/postgres: a closed connection leaves its socket readable);
# CONN_HEALTH_CHECKS=false drops even that, where a pooler keeps restarts from the app.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth's rate limits need a cache shared by every web process) ---------------

# Rate limits (allauth's and ours, registrations/ratelimit.py) count in this cache. Each process
# has its own local memory: with several web processes each would count apart and let through
# many times the limit (120 of 120 registrations from one network were accepted), so production
# (DEBUG false) refuses to start without a shared one.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        # Django's Redis cache, with one redis-py client per connection pool (outreach/cache.py).
        "default": {"BACKEND": "outreach.cache.SharedCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL in {"", "locmem://"}:
    if not DEBUG:
        raise ConfigurationError(
            "CACHE_URL is not set to a shared cache: production needs one that every process "
            "shares (CACHE_URL=redis://host:6379/1), or rate limits count per process."
        )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ConfigurationError(
        f"CACHE_URL must be a redis:// address (or locmem:// with DEBUG), not {CACHE_URL!r}."
    )

# --- People and accounts ------------------------------------------------------------------

AUTH_USER_MODEL = "outreach.User"
# Outreach has no passwords: people sign in by a code emailed by allauth, and this backend (the
# only one) gives staff their permissions but signs nobody in with a password, /admin/ included.
AUTHENTICATION_BACKENDS = ["outreach.accounts.CodeOnlyBackend"]
LOGIN_URL = "account_login"
# Where a person lands after signing in is chosen by role in outreach.accounts.AccountAdapter
# (their workspace); this is only Django's own default, which no Outreach page uses.
LOGIN_REDIRECT_URL = "outreach:profile"

ACCOUNT_ADAPTER = "outreach.accounts.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
# A firm never needs a password: sign-up asks for an email only and proves it by code.
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_SIGNUP_FORM_CLASS = "outreach.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# "Email me a new code" on the page that asks for a code (allauth's rate limits still apply).
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits stay at its defaults (on); they count in the shared cache below.
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Outreach] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
# A URL name, reversed in the page's language: signing out on /fr/ lands on the French home.
ACCOUNT_LOGOUT_REDIRECT_URL = "events:home"

# --- Email --------------------------------------------------------------------------------

EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=True),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Outreach <outreach@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work ----------------------------------------------------------------------

# The queue is chosen by settings alone: django-tasks-db keeps it in our own database (one
# `db_worker` or many, on many machines, claiming rows with SKIP LOCKED on PostgreSQL);
# django-tasks-rq keeps it in Redis (the `rq` extra: `uv sync --frozen --extra rq`; workers are
# `manage.py rqworker --with-scheduler`, the scheduler moving deferred tasks when they are due).
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASK_QUEUES = ["default"]
TASKS = {"default": {"BACKEND": TASKS_BACKEND, "QUEUES": TASK_QUEUES}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    TASKS_REDIS_URL = env_str("TASKS_REDIS_URL")
    if not TASKS_REDIS_URL.startswith(("redis://", "rediss://")):
        raise ConfigurationError(
            "TASKS_REDIS_URL must be a redis:// address when TASKS_BACKEND is "
            f"django_tasks_rq.RQBackend, not {TASKS_REDIS_URL!r}."
        )
    if find_spec("django_tasks_rq") is None:
        raise ConfigurationError(
            "TASKS_BACKEND is django_tasks_rq.RQBackend but django-tasks-rq is not installed: "
            "install the rq extra (uv sync --frozen --extra rq)."
        )
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        name: {"URL": TASKS_REDIS_URL, "DEFAULT_TIMEOUT": env_int("TASKS_RQ_JOB_TIMEOUT", 300)}
        for name in TASK_QUEUES
    }
    # Workers run django.tasks' task functions, which need the backend's own job class.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
elif TASKS_BACKEND not in {
    "django_tasks_db.DatabaseBackend",
    "django.tasks.backends.immediate.ImmediateBackend",
    "django.tasks.backends.dummy.DummyBackend",
}:
    raise ConfigurationError(
        "TASKS_BACKEND must be django_tasks_db.DatabaseBackend (the default) or "
        f"django_tasks_rq.RQBackend, not {TASKS_BACKEND!r}."
    )

# Reminders go out this many minutes before a session (a day and an hour by default).
OUTREACH_REMINDER_MINUTES = env_minutes("OUTREACH_REMINDER_MINUTES", "1440,60")
# Zoom's API (optional): with these set, organisers pull a past webinar's attendance.
ZOOM_ACCOUNT_ID = env_str("ZOOM_ACCOUNT_ID")
ZOOM_CLIENT_ID = env_str("ZOOM_CLIENT_ID")
ZOOM_CLIENT_SECRET = env_str("ZOOM_CLIENT_SECRET")
ZOOM_OAUTH_URL = env_str("ZOOM_OAUTH_URL", "https://zoom.us/oauth/token")
ZOOM_API_URL = env_str("ZOOM_API_URL", "https://api.zoom.us/v2")
# How long a registration waits for a busy session's seats before asking the person to retry.
OUTREACH_LOCK_TIMEOUT_MS = env_int("OUTREACH_LOCK_TIMEOUT_MS", 3000)
# Messages an organiser writes to a group go out at most this many a minute (registrations.bulk).
# Sites that frame a co-host's registration page must be https, but in development and tests.
OUTREACH_EMBED_ALLOW_HTTP = env_bool("OUTREACH_EMBED_ALLOW_HTTP", default=DEBUG)
OUTREACH_BULK_MESSAGES_PER_MINUTE = env_int("OUTREACH_BULK_MESSAGES_PER_MINUTE", 120)
if OUTREACH_BULK_MESSAGES_PER_MINUTE < 1:
    raise ConfigurationError("OUTREACH_BULK_MESSAGES_PER_MINUTE must be 1 or more.")
# A message that fails is tried again, waiting longer each time, up to this many attempts.
OUTREACH_MESSAGE_ATTEMPTS = env_int("OUTREACH_MESSAGE_ATTEMPTS", 5)
# A message claimed by a worker this long ago and still not sent was left by a worker that died:
# it is sent again. Keep it well above the mail server's timeout, or a slow send goes out twice.
OUTREACH_MESSAGE_LEASE_SECONDS = env_int("OUTREACH_MESSAGE_LEASE_SECONDS", 600)
# Webhook receivers on private, loopback, link-local or reserved addresses are refused (at
# subscription and again at each send); tests with a receiver on 127.0.0.1 allow them.
OUTREACH_WEBHOOKS_ALLOW_PRIVATE = env_bool("OUTREACH_WEBHOOKS_ALLOW_PRIVATE", False)
# While messages are on their way, a worker looks this often for ones a dead worker left.
OUTREACH_RECOVERY_INTERVAL_SECONDS = env_int("OUTREACH_RECOVERY_INTERVAL_SECONDS", 120)
_mail_timeout = MAILERS["default"].get("OPTIONS", {}).get("timeout", 0)
_shortest_lease = 3 * _mail_timeout  # connecting, sending and closing may each take that long
if _shortest_lease > OUTREACH_MESSAGE_LEASE_SECONDS:
    raise ConfigurationError(
        f"OUTREACH_MESSAGE_LEASE_SECONDS ({OUTREACH_MESSAGE_LEASE_SECONDS}) must be at least three "
        f"times EMAIL_TIMEOUT ({_mail_timeout}): a slow send would be taken for an abandoned one."
    )
if OUTREACH_RECOVERY_INTERVAL_SECONDS < 1:
    raise ConfigurationError("OUTREACH_RECOVERY_INTERVAL_SECONDS must be 1 or more.")
# Registering is limited per email address and per network (an IPv4 /24 or IPv6 /48).
# A rate is hits per window: "10/h", "60/10m" (s, m, h or d).
OUTREACH_REGISTER_LIMIT_PER_EMAIL = env_rate("OUTREACH_REGISTER_LIMIT_PER_EMAIL", "10/h")
OUTREACH_REGISTER_LIMIT_PER_NETWORK = env_rate("OUTREACH_REGISTER_LIMIT_PER_NETWORK", "60/10m")
# How many reverse proxies in front of the app append to X-Forwarded-For (0: trust none, the
# client's address is the connection's). allauth reads the same number, so that one function
# (allauth's get_client_ip) finds the client for every limit, allauth's and ours.
OUTREACH_TRUSTED_PROXY_COUNT = env_count("OUTREACH_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = OUTREACH_TRUSTED_PROXY_COUNT

# --- Languages, time and formats ----------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = tuple(code for code, _name in LANGUAGES)
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files (Bootstrap and other npm assets are served locally, never from a CDN) ---

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/chartjs-chart-geo", BASE_DIR / "node_modules" / "chartjs-chart-geo" / "build"),
    ("vendor/world-atlas", BASE_DIR / "node_modules" / "world-atlas"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security -----------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Django's own Content-Security-Policy: only our own files; no inline script or style anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", SITE_URL if SITE_URL.startswith("https") else ""
)

# --- The API (/api/v1/: Django REST framework, its schema by drf-spectacular) --------------

REST_FRAMEWORK = {
    # A personal token (Authorization: Bearer); without one, a call is anonymous.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    # The scope first (a read token never writes); each view adds who may call it.
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.TokenRateThrottle",
        "api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_PER_TOKEN", "600/minute"),
        "anonymous": env_str("API_RATE_ANONYMOUS", "120/minute"),
    },
    # Anonymous calls are counted per address: X-Forwarded-For is read only as far as our own
    # proxies append to it, so that a client cannot name a new address at each call.
    "NUM_PROXIES": OUTREACH_TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "PAGE_SIZE": 25,
    # JSON; the browsable page only for a person signed in on the site (api.negotiation).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.BrowsingSignedIn",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # "format" is a filter (the catalogue's and the dashboard's), never DRF's choice of renderer.
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Outreach API",
    "DESCRIPTION": (
        "Published sessions and series for everyone; with a personal token (Authorization: "
        "Bearer), a co-host's own sessions, registrants who share with it and protected "
        "figures, and the programme staff's sessions, registrations, attendance and figures."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its page are public: a token (even an expired one) changes nothing there.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for each choice set the serializers share (else --fail-on-warn fails).
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": LANGUAGES,
        "SessionStatusEnum": "events.models.SessionStatus",
        "RegistrationStatusEnum": "registrations.models.RegistrationStatus",
    },
    # Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ------------------------------------------------------------------------------

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
# JSON lines in production (LOG_FORMAT=json), plain text otherwise; secrets always redacted.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "outreach.logs.RedactSecrets"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "outreach.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Benchmarks ---------------------------------------------------------------------------

# `make bench` measures the catalogue against a bare view (outreach/bench_views.py) at
# /<language>/bench/bare/: only with this true, which the bench's own gunicorn sets. Never
# in production; the tests set it false.
OUTREACH_BENCH_BARE_VIEW = env_bool("OUTREACH_BENCH_BARE_VIEW", default=False)
