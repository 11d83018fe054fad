"""Settings for the servers and workers that tests/operations starts as real processes.

They are the production settings, read from the environment each test passes (database, task
backend, mail backend, leases), with only what a test machine lacks put back: static files are
found without collectstatic, and passwords are hashed fast.
"""

from outreach.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
