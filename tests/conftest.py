from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

from config.celery import app as celery_app

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus, or a skip when the corpus is not beside the project."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpus lives beside the project in CI")
    return path


@pytest.fixture(scope="session", autouse=True)
def _no_session_outlives_the_suite(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """Processes the suite started (real Celery workers, killed and restarted; parse children) can
    still hold a PostgreSQL session when the last test ends, and PostgreSQL refuses to drop a test
    database in use. End those sessions, saying whose they were, before pytest-django drops it."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(
            "SELECT pid, application_name, left(query, 120), pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        for pid, application, query, _ in cursor.fetchall():
            print(f"\nended a session the suite left open: pid {pid} {application!r}: {query}")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_page_cache(settings: pytest.FixtureRequest) -> Iterator[None]:
    """Pages are rendered fresh in tests (query counts mean something); test_page_cache turns it on."""
    from django.core.cache import cache

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """PDFs written by a test land in its own folder, never in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in-process unless a test drives a real worker (marked `pipeline`)."""
    if request.node.get_closest_marker("pipeline"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", "root@example.org", "pw-root-123")


@pytest.fixture
def alice(db: None) -> User:
    """A curator: in the `curators` group."""
    from baselines.access import ensure_curators_group

    user = User.objects.create_user("alice", "alice@example.org", "pw-alice-123")
    user.groups.add(ensure_curators_group())
    return user


@pytest.fixture
def bob(db: None) -> User:
    """A second curator, to decide on the same receipt as alice."""
    from baselines.access import ensure_curators_group

    user = User.objects.create_user("bob", "bob@example.org", "pw-bob-123")
    user.groups.add(ensure_curators_group())
    return user


@pytest.fixture
def olivia(db: None) -> User:
    """An operator: staff, runs and watches ingestion."""
    return User.objects.create_user("olivia", "olivia@example.org", "pw-olivia-123", is_staff=True)


@pytest.fixture
def charlie(db: None) -> User:
    """An outsider: logged in, no permissions."""
    return User.objects.create_user("charlie", "charlie@example.org", "pw-charlie-123")
