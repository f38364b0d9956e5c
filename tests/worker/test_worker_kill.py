"""A real Celery worker on Redis is SIGKILLed in the middle of an ingestion run and restarted; the
run still completes, with every paper processed and counted exactly once.

What makes this work in production is late acks: a task's message stays in Redis' "unacked" set
until the task returns, so a worker that dies mid-task (OOM killer, node loss: nothing runs on the
way down) leaves the message there, and a worker that starts after the visibility timeout puts it
back on its queue. The per-paper stages are idempotent, so running the orphaned stage again (and any
duplicate chain link) must not count or store anything twice.

The worker runs against the test database pytest-django created (hence `transactional_db`: it
only sees committed rows) and against its own Redis database, which is flushed before and after.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from papers.models import DocumentStatus, PaperDocument, ParsedPage
from tests.conftest import corpus_path
from tests.factories import make_review
from worker import pipeline, tasks
from worker.models import IngestionFailure, IngestionRun, ItemState, RunItem, RunStatus

# The worker's own Redis database: it is flushed, so nothing else may live there.
KILLTEST_REDIS_DB = 5
VISIBILITY_TIMEOUT = 10  # seconds; the workers get it through CELERY_VISIBILITY_TIMEOUT
PDF_COUNT = 12
POLL = 0.5
OVERALL_TIMEOUT = 120.0
# After the restart, give broker redelivery this long before falling back to the beat's
# resume_stalled_items logic (which would then be reported as the mechanism).
REDELIVERY_GRACE = 45.0
UNFINISHED = [ItemState.QUEUED, ItemState.DOWNLOADED, ItemState.PARSED]

pytestmark = [pytest.mark.pipeline, pytest.mark.corpus]


def _requires_postgres_and_redis() -> None:
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.skip(f"needs PostgreSQL (a worker process must share the test database); DATABASE_URL gives {engine}")
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: the test drives a real Celery worker on Redis")
    if urlsplit(settings.REDIS_URL).scheme not in {"redis", "rediss"}:
        pytest.skip(f"needs a redis:// or rediss:// REDIS_URL to pick a separate Redis db, got {settings.REDIS_URL}")


def _broker_url() -> str:
    """settings.REDIS_URL with its database number replaced by KILLTEST_REDIS_DB."""
    return urlunsplit(urlsplit(settings.REDIS_URL)._replace(path=f"/{KILLTEST_REDIS_DB}"))


def _database_url() -> str:
    """A DATABASE_URL for the test database (NAME is the test database's name at test time)."""
    db = settings.DATABASES["default"]
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """One `celery worker` subprocess in its own process group, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "default,ingest",
                    "-c",
                    "1",
                    "--loglevel=INFO",
                    "-n",
                    "killtest@%h",
                ],  # fmt: skip
                cwd=settings.BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL the whole group: the main process, its pool child and a parse child if any."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):  # SIGKILL does not wait for anything
            self.process.wait(timeout=10)
        # Whatever else was in the group (a pool child whose parent died first) goes as well.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _states(run: IngestionRun) -> Counter[str]:
    return Counter(RunItem.objects.filter(run=run).values_list("state", flat=True))


def _unacked(broker: redis.Redis) -> list[dict[str, object]]:
    """The messages Redis holds as delivered but not acknowledged, with their delivery time."""
    delivered_at = dict(broker.zrange("unacked_index", 0, -1, withscores=True))
    messages = []
    for tag, raw in broker.hgetall("unacked").items():
        message, _exchange, routing_key = json.loads(raw)
        headers = message.get("headers", {})
        messages.append(
            {
                "tag": tag.decode(),
                "task": headers.get("task", "?"),
                "task_id": headers.get("id", "?"),
                "args": headers.get("argsrepr", "?"),
                "queue": routing_key,
                "delivered_at": delivered_at.get(tag, 0.0),
            }
        )
    return messages


def _wait_for_other_connections_to_close(timeout: float = 10.0) -> None:
    """Killed workers' database sessions end when their sockets close; the flush after the test and
    the test database's drop must not find them."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.2)


def _drop_publishing_pools() -> None:
    """Forget pooled broker connections so the next publish connects to the current broker URL.

    `app.close()` is not enough: it keeps the producer pool (which an earlier test in the session
    may have bound to another Redis database) and deregisters the app. Celery does this same reset
    itself after a fork.
    """
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _pick_pdfs() -> list[Path]:
    """The largest corpus PDFs that carry an arXiv stamp (the others would be refused as unknown),
    so each parse takes a noticeable time and the kill lands mid-run."""
    pdfs = sorted(corpus_path("pdfs").glob("*.pdf"), key=lambda path: path.stat().st_size, reverse=True)
    picked = []
    for path in pdfs:
        if pipeline.STAMP_ID.search(pipeline.first_page_text(path.read_bytes())):
            picked.append(path)
        if len(picked) == PDF_COUNT:
            break
    if len(picked) < 6:
        pytest.skip(f"the corpus has only {len(picked)} stamped PDFs; the test needs at least 6")
    return picked


def test_sigkilled_worker_restarts_and_the_run_completes_once(
    transactional_db: None, settings: pytest.FixtureRequest, tmp_path: Path
) -> None:
    _requires_postgres_and_redis()
    started = time.monotonic()
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    broker_url = _broker_url()
    broker = redis.Redis.from_url(broker_url)
    env = _worker_env(broker_url, tmp_path)
    workers: list[Worker] = []
    with _publishing_to(broker_url, broker):
        try:
            run, total = _downloaded_run()
            workers.append(Worker(env, tmp_path / "worker-1.log"))
            # The clock starts with the worker: setting up the PDFs can be slow on a busy machine.
            deadline = time.monotonic() + OVERALL_TIMEOUT
            _publish_stages(run, total, broker)
            interrupted = _kill_while_parsing(run, workers[0], broker, deadline)
            killed_at, states_at_kill, orphans = time.monotonic(), _states(run), _unacked(broker)
            unfinished_at_kill = sum(states_at_kill[state] for state in UNFINISHED)
            assert unfinished_at_kill > 0, f"every item was finished at the kill: {states_at_kill}"
            assert orphans, "the kill left no unacknowledged message, so redelivery would not be exercised"
            interrupted.refresh_from_db()
            assert interrupted.state == ItemState.DOWNLOADED, "the interrupted parse committed before the kill"
            _wait_past_visibility_timeout(orphans)
            restarted_at = time.monotonic()
            workers.append(Worker(env, tmp_path / "worker-2.log"))
            mechanism = _run_to_completion(run, workers[1], broker, deadline, restarted_at)
            finished_at = time.monotonic()
            redelivered = [m for m in orphans if str(m["task_id"]) in workers[1].output()]
        finally:
            for worker in workers:
                worker.kill()
    print(
        f"\n[worker kill] {total} PDFs; at the kill ({killed_at - started:.1f} s in):"
        f" {states_at_kill[ItemState.DONE]} done, {states_at_kill[ItemState.PARSED]} parsed,"
        f" {unfinished_at_kill} unfinished; killed while parsing item {interrupted.pk}; orphaned messages:"
        f" {[(m['task'], m['args']) for m in orphans]}"
        f"\n[worker kill] restarted {restarted_at - killed_at:.1f} s after the kill; run {run.status}"
        f" {finished_at - restarted_at:.1f} s after the restart ({finished_at - killed_at:.1f} s after the kill);"
        f" orphans seen again by the restarted worker: {len(redelivered)}/{len(orphans)}"
        f"\n[worker kill] completed by: {mechanism}; total {finished_at - started:.1f} s"
    )
    _assert_every_paper_processed_once(run, total)
    if mechanism.startswith("broker"):
        # The orphaned stage really came back through Redis, not by another path.
        assert redelivered, f"no orphaned task id appears in the restarted worker's log: {orphans}"


def _worker_env(broker_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_BROKER_URL", None)  # Celery would prefer it to the settings
    return env


@contextlib.contextmanager
def _publishing_to(broker_url: str, broker: redis.Redis) -> Iterator[None]:
    """This process publishes to the workers' (flushed) Redis db, not eagerly; everything is put
    back afterwards, and the killed workers' database sessions are waited out."""
    previous_broker_url = celery_app.conf.broker_url
    previous_eager = celery_app.conf.task_always_eager
    try:
        broker.flushdb()
        celery_app.conf.broker_url = broker_url
        os.environ["CELERY_BROKER_URL"] = broker_url  # Celery prefers the environment to its configuration
        celery_app.conf.task_always_eager = False
        _drop_publishing_pools()  # pooled connections still point at the old db
        with celery_app.connection_for_write() as publishing:
            assert publishing.as_uri().endswith(broker_url.rsplit("/", 1)[1]), publishing.as_uri()
        yield
    finally:
        os.environ.pop("CELERY_BROKER_URL", None)
        celery_app.conf.broker_url = previous_broker_url
        celery_app.conf.task_always_eager = previous_eager
        _drop_publishing_pools()
        try:
            broker.flushdb()
        finally:
            broker.close()
        _wait_for_other_connections_to_close()


def _downloaded_run() -> tuple[IngestionRun, int]:
    """A run whose items hold stored PDFs, ready for the parse stage."""
    run = pipeline.start_run(make_review().pk, trigger="command")
    item_ids = pipeline.ingest_local_pdfs(run, _pick_pdfs())
    total = len(item_ids)
    assert total >= 6, f"ingest_local_pdfs queued {total} items: {list(IngestionFailure.objects.values('reason'))}"
    assert _states(run) == Counter({ItemState.DOWNLOADED: total})
    return run, total


def _publish_stages(run: IngestionRun, total: int, broker: redis.Redis) -> None:
    # The stages are published on commit: a transaction left open here would silently hold them back.
    assert not connection.in_atomic_block, "the test runs inside a transaction; nothing would be published"
    for item_id in RunItem.objects.filter(run=run).values_list("pk", flat=True):
        tasks.item_stages(item_id).apply_async()
    queued = sum(broker.llen(queue) for queue in ("default", "ingest")) + len(_unacked(broker))
    assert queued > 0 or _states(run)[ItemState.DOWNLOADED] < total, (
        f"no stage was published to the broker: keys {broker.keys()}, eager {celery_app.conf.task_always_eager}, "
        f"task app is ours {tasks.download_pdf.app is celery_app}, routes {celery_app.conf.task_routes}, "
        f"db0 keys {redis.Redis.from_url(settings.REDIS_URL).keys()}"
    )


def _kill_while_parsing(run: IngestionRun, worker: Worker, broker: redis.Redis, deadline: float) -> RunItem:
    """Kill when some papers are through parsing, the run is not finished, and a parse is in
    progress: its message is delivered but not acknowledged and its item not parsed yet."""
    while True:
        assert time.monotonic() < deadline, f"no moment to kill came; worker log:\n{worker.output()[-4000:]}"
        assert worker.alive(), f"the first worker died on its own:\n{worker.output()[-4000:]}"
        states = _states(run)
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING, f"the run finished before the kill ({states}); use bigger PDFs"
        if states[ItemState.PARSED] + states[ItemState.DONE] >= 1:
            parsing = [
                ast.literal_eval(str(m["args"]))[0] for m in _unacked(broker) if m["task"] == "worker.tasks.parse_pdf"
            ]
            interrupted = RunItem.objects.filter(pk__in=parsing, state=ItemState.DOWNLOADED).first()
            if interrupted is not None:
                worker.kill()
                return interrupted
        time.sleep(POLL)


def _wait_past_visibility_timeout(orphans: list[dict[str, object]]) -> None:
    """A worker that starts after the orphans' visibility timeout restores them on its first
    sweep (kombu sweeps again only every interval x throttle, ~100 s)."""
    restore_after = max(float(str(m["delivered_at"])) for m in orphans) + VISIBILITY_TIMEOUT + 0.5
    time.sleep(max(0.0, min(restore_after - time.time(), VISIBILITY_TIMEOUT + 1)))


def _run_to_completion(
    run: IngestionRun, worker: Worker, broker: redis.Redis, deadline: float, restarted_at: float
) -> str:
    """Wait for the run to end; returns which mechanism completed it."""
    mechanism = "broker redelivery (acks_late + visibility timeout)"
    while True:
        run.refresh_from_db()
        if run.status != RunStatus.RUNNING:
            return mechanism
        logs = worker.output()
        assert time.monotonic() < deadline, (
            f"run still {run.status} with items {_states(run)} after {OVERALL_TIMEOUT} s;"
            f" unacked: {_unacked(broker)}; restarted worker log:\n{logs[-4000:]}"
        )
        assert worker.alive(), f"the restarted worker died:\n{logs[-4000:]}"
        if time.monotonic() - restarted_at > REDELIVERY_GRACE and mechanism.startswith("broker"):
            # Redelivery did not finish the run: what the beat's resume_stalled_items does,
            # without its 20 minutes of patience.
            mechanism = "resume_stalled_items logic (broker redelivery did not complete the run)"
            for item_id in pipeline.stalled_items(older_than=dt.timedelta(0)):
                pipeline.touch_item(item_id)
                tasks.enqueue_item(item_id)
        time.sleep(POLL)


def _assert_every_paper_processed_once(run: IngestionRun, total: int) -> None:
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, (run.status, run.error, list(run.failures.values_list("stage", "reason")))
    assert _states(run) == Counter({ItemState.DONE: total})
    assert (run.downloaded, run.parsed, run.failed) == (total, total, 0)
    assert IngestionFailure.objects.count() == 0, list(IngestionFailure.objects.values("stage", "reason"))
    documents = PaperDocument.objects.filter(pk__in=RunItem.objects.filter(run=run).values("document_id"))
    assert documents.count() == total
    for document in documents:
        assert document.status == DocumentStatus.PARSED, (document, document.error)
        numbers = list(ParsedPage.objects.filter(document=document).order_by("number").values_list("number", flat=True))
        assert document.page_count and numbers == list(range(1, document.page_count + 1)), (document, numbers)
