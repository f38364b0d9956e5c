"""gunicorn settings for the web service (docker-compose's `web`); each value can come from the environment."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two workers per core is gunicorn's own advice for sync workers on I/O-light pages.
workers = int(os.environ.get("GUNICORN_WORKERS", (os.cpu_count() or 1) * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage. The app is loaded once in
# the master and workers fork from it: a recycled worker is ready at once instead of re-importing
# Django (about a second, which under load showed as one-second latency tails).
preload_app = True
max_requests = 20000
max_requests_jitter = 2000
# The proxy in front sets X-Forwarded-*; trust it only from the addresses it speaks from.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # Django's RequestLogMiddleware writes one JSON line per request instead
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
