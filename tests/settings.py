"""Settings for the test suite: the real settings, with what a test run needs instead of secrets."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SITE_URL", "https://outreach.example")
# Production (DEBUG off, as here) refuses a cache of its own per process; the suite is one
# process, so it passes a shared cache's address and then counts in local memory (below).
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/0")

from outreach.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
# The bench's bare view (outreach/bench_views.py) is never among the URLs the tests walk.
OUTREACH_BENCH_BARE_VIEW = False
# Tasks wait in memory; tests run them with tests.conftest's `run_tasks`.
TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
# Serve static files from the finders, as in development: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
