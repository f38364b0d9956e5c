"""Settings for the living review server, all read from the environment (see .env.example).

With nothing set it runs embedded: SQLite in the project folder, Celery tasks in-process, a
local-memory cache and PDFs under ./media. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
Production (DJANGO_DEBUG=0) never uses a per-process cache: Redis, or else the database cache.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DEBUG = env.bool("DJANGO_DEBUG", True)

# A fixed key is fine for the embedded default; production must bring its own.
DEV_SECRET_KEY = "dev-only-insecure-key-9f2c1e7b4a6d8e0f3b5a7c9e1d3f5b7a9c1e3d5f7b9a1c3e5"
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production mode (DJANGO_DEBUG=0) needs a random SECRET_KEY of 50+ characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Production mode (DJANGO_DEBUG=0) needs the comma-separated host names to serve."
        )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS")
# Addresses or networks of the reverse proxies in front: only from them is X-Forwarded-For believed
# (the login throttle's client address, baselines/login.py). Empty: the connecting address counts.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network") from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "reviews",
    "papers",
    "baselines",
    "benchmarks",
    "worker",
]

MIDDLEWARE = [
    "config.logging.RequestLogMiddleware",
    "config.request_checks.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.database(
        "DATABASE_URL",
        default={"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"},
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.redis_url("REDIS_URL")
DATABASE_CACHE_TABLE = "review_cache"  # created by worker/migrations/0004_database_cache_table.py
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", "review"),
            "TIMEOUT": 300,
        }
    }
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Production without Redis: gunicorn's workers must share one cache (page generations, login
    # failures), so it lives in the database they already share; `migrate` creates the table.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": DATABASE_CACHE_TABLE,
            "TIMEOUT": 300,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)

# Production hardening: `manage.py check --deploy` is clean when DJANGO_DEBUG=0.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"

# Celery: Redis when REDIS_URL is set, otherwise every task runs in-process as it is enqueued.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# In-process tasks behave like a worker's: a failure is recorded by the task (on_failure), and
# autoretry re-runs it, instead of the exception reaching whoever enqueued it.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Longer than the slowest task (a PDF parse is capped at PDF_PARSE_TIMEOUT_SECONDS), so a
# late-acked task is not handed to a second worker while the first still runs it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 2 * 60 * 60, minimum=1)}
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60 if CELERY_TASK_TIME_LIMIT > 120 else None

# arXiv-facing work has its own queue: one worker with concurrency 1 on it keeps us under arXiv's rate.
CELERY_TASK_ROUTES = {
    "worker.tasks.ingest_review": {"queue": "ingest"},
    "worker.tasks.fetch_feed": {"queue": "ingest"},
    "worker.tasks.download_pdf": {"queue": "ingest"},
    # A decision's refresh has a queue of its own: it never waits behind extraction or a full recompute.
    "worker.tasks.refresh_derived_views": {"queue": "derived"},
}
# A curator decision refreshes the rows it touches at once (reviews.incremental); sub-problems and the
# receipts draft, built over the whole review (about 25 s at 100,000 papers), catch up by the beat
# this often, once for however many decisions landed.
FULL_CATCHUP_DELAY_SECONDS = env.float("FULL_CATCHUP_DELAY_SECONDS", 300.0)

# Beat wakes often and each task decides what is due; `expires` shorter than the interval means a
# stalled worker does not wake up to a pile of duplicate runs.
CELERY_BEAT_SCHEDULE = {
    "schedule-due-ingestions": {
        "task": "worker.tasks.schedule_due_ingestions",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    "recompute-dirty-reviews": {
        "task": "worker.tasks.recompute_dirty_reviews",
        "schedule": 900.0,
        "options": {"expires": 840},
    },
    "catch-up-stale-reviews": {
        "task": "worker.tasks.catch_up_stale_reviews",
        "schedule": FULL_CATCHUP_DELAY_SECONDS,
        "options": {"expires": FULL_CATCHUP_DELAY_SECONDS * 0.9},
    },
    "resume-stalled-items": {
        "task": "worker.tasks.resume_stalled_items",
        "schedule": 600.0,
        "options": {"expires": 540},
    },
}

# Ingestion: arXiv asks for at most one request every 3 seconds and pages of at most 100.
ARXIV_PAGE_SIZE = env.int("ARXIV_PAGE_SIZE", 100, minimum=1)
ARXIV_DELAY_SECONDS = env.float("ARXIV_DELAY_SECONDS", 3.0)
ARXIV_MAX_RESULTS_PER_RUN = env.int("ARXIV_MAX_RESULTS_PER_RUN", 2000, minimum=1)
ARXIV_PDF_HOSTS = env.list("ARXIV_PDF_HOSTS", ["arxiv.org", "export.arxiv.org"])
HTTP_TIMEOUT_SECONDS = env.float("HTTP_TIMEOUT_SECONDS", 30.0)
PDF_MAX_BYTES = env.int("PDF_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
PDF_MAX_PAGES = env.int("PDF_MAX_PAGES", 300, minimum=1)
PDF_PARSE_TIMEOUT_SECONDS = env.float("PDF_PARSE_TIMEOUT_SECONDS", 120.0)
# How much a parse child may grow (RLIMIT_AS over what it inherits): the largest corpus paper needs
# about 140 MB; a PDF bomb (a stream inflating to gigabytes) fails with "too large" at this size.
PDF_MEMORY_LIMIT_MB = env.int("PDF_MEMORY_LIMIT_MB", 512, minimum=64)

# Anonymous readers get public pages from the cache until derived views change; 0 turns it off.
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", 600, minimum=0)

# A quote counts as found when its token overlap with a window of the page reaches this (Jaccard).
QUOTE_MATCH_THRESHOLD = env.float("QUOTE_MATCH_THRESHOLD", 0.6)
# `verify_quotes` fails (exit 1) when fewer quotes than this share are found in their papers.
QUOTE_PROOF_THRESHOLD = env.float("QUOTE_PROOF_THRESHOLD", 0.9)

# Papers disagree on a number when their relative spread ((max - min) / |mean|) reaches this.
DISAGREEMENT_THRESHOLD = env.float("DISAGREEMENT_THRESHOLD", 0.15)

# Extraction: the rule-based extractor runs offline; Claude is used only when a key is set.
# "rule" or "anthropic"; empty picks Claude when ANTHROPIC_API_KEY is set, else the rule-based one.
RECEIPT_EXTRACTOR = env.str("RECEIPT_EXTRACTOR")
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY")
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", "claude-sonnet-4-6")

# JSON lines in production (one per request and per task, with ids); plain text in development.
LOG_FORMAT = env.str("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
