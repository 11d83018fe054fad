"""gunicorn settings for Outreach: `gunicorn outreach.wsgi -c gunicorn.conf.py`.

Every value can be changed with the environment; defaults suit a 2-core machine behind an
HTTPS reverse proxy that sets X-Forwarded-Proto.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, so that a slow leak never grows.
max_requests = 2000
max_requests_jitter = 200
# Access lines go through Django's logging (outreach.logs), which removes tokens from paths.
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = True
