"""Fault drills (`make faults`): fuzz the feed and PDF parsers with mutated real inputs, serve pages
while Redis dies and comes back, and ingest real PDFs across a Redis outage. Each drill writes what
it did and what it found, and raises DrillFailed when the system misbehaved."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from config.celery import app as celery_app
from papers.models import ParsedPage
from reviews.models import Review
from worker import pipeline, tasks
from worker.arxiv_client import FeedError, parse_feed
from worker.models import IngestionRun, ItemState, RunItem, RunStatus
from worker.ops.benchserver import free_port, gunicorn
from worker.reading.parse import PdfParseError, parse_pdf

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus"
Write = Callable[[str], None]
# Structural tokens of Atom and PDF files, spliced in to break their structure.
TOKENS = [b"<entry>", b"</feed>", b"obj", b"endobj", b"stream", b"/Length", b"xref", b"%%EOF", b"&amp;", b"\x00"]


class DrillFailed(Exception):
    """The drill found the system misbehaving (an unhandled exception, a lost page, a lost paper)."""


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One of the damages real files suffer: flipped bytes, a cut, a spliced or duplicated chunk."""
    data = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0 and data:  # bit rot
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == 1:  # truncated download
        data = data[: rng.randrange(len(data) + 1)]
    elif kind == 2 and data:  # a chunk dropped
        start = rng.randrange(len(data))
        del data[start : start + rng.randint(1, 4096)]
    elif kind == 3 and data:  # a chunk repeated
        start = rng.randrange(len(data))
        chunk = data[start : start + rng.randint(1, 2048)]
        at = rng.randrange(len(data))
        data[at:at] = chunk
    else:  # structural tokens swapped for other ones
        for _ in range(rng.randint(1, 10)):
            at = rng.randrange(len(data) + 1)
            data[at:at] = rng.choice(TOKENS)
    return bytes(data)


def fuzz(
    name: str,
    seeds: list[bytes],
    parse: Callable[[bytes], object],
    refused: type[Exception],
    cases: int,
    rng: random.Random,
    write: Write,
) -> None:
    """Parse `cases` mutated seeds: each must parse or be refused with a reason, never crash."""
    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    for n in range(cases):
        try:
            parse(mutate(rng.choice(seeds), rng))
            outcomes["parsed"] += 1
        except refused:
            outcomes["refused with a reason"] += 1
        except Exception as exc:  # the drill's finding: anything else is a bug
            outcomes[f"UNHANDLED {type(exc).__name__}: {exc}"[:120]] += 1
        if n and n % 2000 == 0:
            write(f"  … {n} {name} cases")
    unhandled = sum(n for key, n in outcomes.items() if key.startswith("UNHANDLED"))
    write(
        f"fuzz {name}: {cases} mutated real inputs in {time.perf_counter() - started:.0f} s → "
        + ", ".join(f"{key} {n}" for key, n in outcomes.most_common())
        + f"; unhandled exceptions: {unhandled}"
    )
    if unhandled:
        raise DrillFailed(f"{name}: {unhandled} unhandled exception(s)")


def fuzz_feeds(rng: random.Random, cases: int, write: Write) -> None:
    seeds = [path.read_bytes() for path in sorted((CORPUS / "feeds").glob("*.xml"))]
    fuzz("feed parser", seeds, parse_feed, FeedError, cases, rng, write)


def fuzz_pdfs(rng: random.Random, cases: int, write: Write) -> None:
    # Small real PDFs keep ten thousand parses to minutes; each is a different document shape.
    candidates = sorted(
        [*(CORPUS / "hostile-pdfs").glob("*.pdf"), *(CORPUS / "pdfs").glob("*.pdf")], key=lambda p: p.stat().st_size
    )[:8]
    seeds = [path.read_bytes() for path in candidates]
    fuzz(
        "PDF parser",
        seeds,
        lambda data: parse_pdf(data, max_pages=20, timeout_seconds=10),
        PdfParseError,
        cases,
        rng,
        write,
    )


class PrivateRedis:
    """A redis-server on a free port (the machine's own is left alone), killed and restarted at will."""

    def __init__(self, server: str, *, persistent: bool) -> None:
        self.port = free_port()
        self.data_dir = tempfile.mkdtemp()
        persistence = (
            ["--appendonly", "yes", "--dir", self.data_dir] if persistent else ["--save", "", "--appendonly", "no"]
        )
        self.command = [server, "--port", str(self.port), "--bind", "127.0.0.1", *persistence]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        time.sleep(0.5)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)


@contextmanager
def private_redis(write: Write, *, persistent: bool) -> Iterator[PrivateRedis | None]:
    """A started PrivateRedis, or None (with a note) when the machine has no redis-server."""
    server = shutil.which("redis-server")
    if server is None:
        write("redis drill skipped: no redis-server on this machine")
        yield None
        return
    redis = PrivateRedis(server, persistent=persistent)
    redis.start()
    try:
        yield redis
    finally:
        redis.remove()


def redis_outage_during_page_views(write: Write) -> None:
    """Redis serves as the page cache; it is killed mid-way through page views and started again.
    Every page must still be served, and health must report Redis down while it is."""
    with private_redis(write, persistent=False) as redis:
        if redis is None:
            return
        statuses = _page_views_across_outage(redis)
    write("redis outage during page views: " + ", ".join(f"{k} ×{n}" for k, n in sorted(statuses.items())))
    pages_failed = sum(n for key, n in statuses.items() if "page" in key and not key.endswith(" 200"))
    health_down = statuses.get("Redis killed: health 503", 0)
    write(f"  pages not served: {pages_failed}; health reported Redis down: {health_down > 0}")
    if pages_failed:
        raise DrillFailed("pages failed while Redis was down")


def _page_views_across_outage(redis: PrivateRedis) -> Counter[str]:
    """Status codes of pages and health, with Redis up, killed, and back."""
    statuses: Counter[str] = Counter()
    os.environ["REDIS_URL"] = redis.url
    try:
        with tempfile.TemporaryDirectory() as scratch, gunicorn(workers=2, static_root=scratch) as web:
            for phase, step in (("Redis up", None), ("Redis killed", redis.kill), ("Redis back", redis.start)):
                if step is not None:
                    step()
                for path in ("/", "/health/", "/search/?q=quant") * 10:
                    kind = "health" if path.startswith("/health") else "page"
                    statuses[f"{phase}: {kind} {_status(web, path)}"] += 1
    finally:
        os.environ.pop("REDIS_URL", None)
    return statuses


def _status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "127.0.0.1"})
    status = connection.getresponse().status
    connection.close()
    return status


@contextmanager
def celery_worker(broker_url: str) -> Iterator[None]:
    """A real Celery worker process on the broker, and this process sending its tasks there."""
    env = {**os.environ, "REDIS_URL": broker_url, "CELERY_VISIBILITY_TIMEOUT": "10", "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default,ingest", "-c", "1"]
    worker = subprocess.Popen(
        [*command, "--loglevel=WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    previous, eager = os.environ.get("CELERY_BROKER_URL"), celery_app.conf.task_always_eager
    os.environ["CELERY_BROKER_URL"] = broker_url
    _reset_connections()
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        os.killpg(worker.pid, 9)
        celery_app.conf.task_always_eager = eager
        if previous is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = previous
        _reset_connections()


def _reset_connections() -> None:
    # Celery caches its broker connections; the drill swaps brokers, so the pools must be rebuilt.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def redis_outage_during_ingestion(write: Write) -> None:
    """A worker ingests real PDFs through a private Redis (persistent, as in docker-compose); Redis
    is killed mid-run and started again; the run must finish with every paper once."""
    with private_redis(write, persistent=True) as redis:
        if redis is None:
            return
        run, item_ids = _drill_run()
        with celery_worker(redis.url):
            for item_id in item_ids:
                tasks.item_stages(item_id).apply_async()
            _wait_for(lambda: RunItem.objects.filter(run=run, state=ItemState.DONE).exists(), 60)
            done_before = RunItem.objects.filter(run=run, state=ItemState.DONE).count()
            redis.kill()
            time.sleep(5)
            redis.start()
            _resume_until_finished(run)
    run.refresh_from_db()
    states = dict(RunItem.objects.filter(run=run).values_list("state").annotate(n=Count("id")).order_by())
    duplicated = _duplicated_pages(run)
    write(
        f"redis outage during ingestion: {len(item_ids)} papers, {done_before} done when Redis was killed, "
        f"Redis back after 5 s; run {run.status}, items {states}, duplicated pages {duplicated}"
    )
    if run.status != RunStatus.SUCCEEDED or states.get(ItemState.DONE) != len(item_ids) or duplicated:
        raise DrillFailed("ingestion did not resume cleanly after the Redis outage")


def _drill_run() -> tuple[IngestionRun, list[int]]:
    """A fresh run of the drill's review over the eight largest corpus PDFs."""
    review, _ = Review.objects.get_or_create(
        slug="faults-drill", defaults={"title": "Fault drill", "ingest_enabled": False}
    )
    IngestionRun.objects.filter(review=review, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now()
    )
    run = pipeline.start_run(review.pk, trigger="operator")
    pdfs = sorted((CORPUS / "pdfs").glob("*.pdf"), key=lambda p: -p.stat().st_size)[:8]
    return run, pipeline.ingest_local_pdfs(run, pdfs)


def _resume_until_finished(run: IngestionRun, seconds: float = 240) -> None:
    """Wait for the run to end; after the first minute, re-queue what stalled (as beat would)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status != RunStatus.RUNNING:
            return
        if time.monotonic() > deadline - 180:
            for stalled in pipeline.stalled_items(older_than=dt.timedelta(seconds=30)):
                pipeline.touch_item(stalled)
                tasks.item_stages(stalled).apply_async()
        time.sleep(1)


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.5)


def _duplicated_pages(run: IngestionRun) -> int:
    return (
        ParsedPage.objects.filter(document__paper__in=RunItem.objects.filter(run=run).values("paper"))
        .values("document", "number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
