"""Settings for the servers and workers that tests/operations starts as real processes.

They are the production settings, read from the environment each test passes (database, task
backend, mail backend, leases), with only what a test machine lacks put back: static files are
found without collectstatic, and passwords are hashed fast.
"""

import os

# Production refuses to start without a shared cache; these processes may run where no Redis
# is, and count their (lifted) limits in their own memory, as no test here depends on them.
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/0")

from outreach.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
