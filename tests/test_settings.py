"""Settings are read from the environment: each case starts a fresh interpreter with its own variables."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

PROJECT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'cache': settings.CACHES['default']['BACKEND'], "
    "'debug': settings.DEBUG}))"
)
VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run([sys.executable, *args], cwd=PROJECT, env=clean, capture_output=True, text=True, timeout=60)


def probe(env: dict[str, str]) -> dict[str, object]:
    done = run_with(env, "-c", PROBE)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_nothing_set_means_sqlite_in_process_tasks_and_local_memory_cache():
    found = probe({})
    assert found["engine"] == "django.db.backends.sqlite3"
    assert str(found["name"]).endswith("db.sqlite3")
    assert found["eager"] is True
    assert found["cache"].endswith("LocMemCache")


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    found = probe(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/reviewdb", "REDIS_URL": "redis://127.0.0.1:6379/3"}
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "reviewdb"
    assert found["eager"] is False
    assert found["broker"] == "redis://127.0.0.1:6379/3"
    assert found["cache"].endswith("RedisCache")


def test_a_malformed_database_url_names_the_variable():
    done = run_with({"DATABASE_URL": "mysql//oops"}, "-c", PROBE)
    assert done.returncode != 0
    assert "DATABASE_URL" in done.stderr


def test_production_refuses_to_start_without_a_secret_key():
    done = run_with({"DJANGO_DEBUG": "0", "ALLOWED_HOSTS": "review.example.org"}, "-c", PROBE)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    done = run_with({"DJANGO_DEBUG": "0", "SECRET_KEY": "x" * 10 + "abcdefghij" * 5}, "-c", PROBE)
    assert done.returncode != 0
    assert "ALLOWED_HOSTS is not set" in done.stderr


def test_production_settings_pass_the_deploy_check():
    done = run_with(
        {
            "DJANGO_DEBUG": "0",
            "SECRET_KEY": "k3Y-" + "".join(chr(33 + (i * 7) % 90) for i in range(60)),
            "ALLOWED_HOSTS": "review.example.org",
        },
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(
    ("reader", "raw", "message"),
    [
        (lambda env: env.bool("FLAG", False), "perhaps", "FLAG='perhaps' is not a boolean"),
        (lambda env: env.int("FLAG", 1), "ten", "FLAG='ten' is not a whole number"),
        (lambda env: env.int("FLAG", 1, minimum=1), "0", "FLAG=0 must be at least 1"),
        (lambda env: env.float("FLAG", 1.0), "fast", "FLAG='fast' is not a number"),
        (lambda env: env.redis_url("FLAG"), "http://cache", "FLAG must be a redis://"),
        (lambda env: env.database("FLAG", {}), "postgres://host:5432", "FLAG names no database"),
    ],
)
def test_malformed_values_fail_loudly_naming_the_variable(reader, raw, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(")):
        reader(Env({"FLAG": raw}))


def test_well_formed_values_are_read():
    env = Env({"ON": "yes", "N": " 7 ", "HOSTS": "a.org, b.org,,"})
    assert env.bool("ON", False) is True
    assert env.int("N", 0) == 7
    assert env.list("HOSTS") == ["a.org", "b.org"]
    assert env.bool("MISSING", True) is True
