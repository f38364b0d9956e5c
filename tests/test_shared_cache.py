"""Production never caches per process: without Redis the gunicorn workers share the database cache
(issue 15.1); `migrate` creates its table, so no deployment step can be forgotten."""

import pytest
from django.core.cache import caches
from django.db import connection

from config.settings import DATABASE_CACHE_TABLE
from tests.test_settings import probe

PRODUCTION = {"DJANGO_DEBUG": "0", "SECRET_KEY": "p" * 10 + "abcdefghij" * 5, "ALLOWED_HOSTS": "review.example.org"}


def test_production_without_redis_shares_the_database_cache_between_workers():
    found = probe(PRODUCTION)
    assert found["cache"] == "django.core.cache.backends.db.DatabaseCache"


def test_production_with_redis_uses_redis():
    assert probe({**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/3"})["cache"].endswith("RedisCache")


def test_development_keeps_the_local_memory_cache():
    assert probe({})["cache"].endswith("LocMemCache")


@pytest.mark.django_db
def test_migrate_creates_the_cache_table_and_the_database_cache_works(settings):
    assert DATABASE_CACHE_TABLE in connection.introspection.table_names()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": DATABASE_CACHE_TABLE}
    }
    shared = caches.create_connection("default")
    shared.set("probe", 41)
    assert shared.incr("probe") == 42
