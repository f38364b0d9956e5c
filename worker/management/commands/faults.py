"""Fault drills (`make faults`): fuzz the feed and PDF parsers with mutated real inputs, and serve
pages while Redis dies and comes back. Each drill prints what it did and what it found."""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count
from django.utils.timezone import now as timezone_now

from worker.arxiv_client import FeedError, parse_feed
from worker.ops.benchserver import free_port, gunicorn
from worker.reading.parse import PdfParseError, parse_pdf

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus"


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
        tokens = [
            b"<entry>",
            b"</feed>",
            b"obj",
            b"endobj",
            b"stream",
            b"/Length",
            b"xref",
            b"%%EOF",
            b"&amp;",
            b"\x00",
        ]
        for _ in range(rng.randint(1, 10)):
            at = rng.randrange(len(data) + 1)
            data[at:at] = rng.choice(tokens)
    return bytes(data)


class Command(BaseCommand):
    help = "Fault drills: parser fuzzing with mutated corpus files, and page views across a Redis outage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--feed-cases", type=int, default=10_000)
        parser.add_argument("--pdf-cases", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--skip-redis", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not CORPUS.exists():
            raise CommandError(f"{CORPUS} is absent: the drills mutate its real files")
        rng = random.Random(options["seed"])
        self._fuzz_feeds(rng, options["feed_cases"])
        self._fuzz_pdfs(rng, options["pdf_cases"])
        if not options["skip_redis"]:
            self._redis_outage()
            self._redis_outage_during_ingestion()

    def _fuzz_feeds(self, rng: random.Random, cases: int) -> None:
        seeds = [path.read_bytes() for path in sorted((CORPUS / "feeds").glob("*.xml"))]
        outcomes: Counter[str] = Counter()
        started = time.perf_counter()
        for _ in range(cases):
            data = mutate(rng.choice(seeds), rng)
            try:
                parse_feed(data)
                outcomes["parsed"] += 1
            except FeedError:
                outcomes["refused with a reason"] += 1
            except Exception as exc:  # the drill's finding: anything else is a bug
                outcomes[f"UNHANDLED {type(exc).__name__}: {exc}"[:120]] += 1
        self._report("feed parser", cases, outcomes, time.perf_counter() - started)

    def _fuzz_pdfs(self, rng: random.Random, cases: int) -> None:
        # Small real PDFs keep ten thousand parses to minutes; each is a different document shape.
        candidates = sorted(
            [*(CORPUS / "hostile-pdfs").glob("*.pdf"), *(CORPUS / "pdfs").glob("*.pdf")], key=lambda p: p.stat().st_size
        )[:8]
        seeds = [path.read_bytes() for path in candidates]
        outcomes: Counter[str] = Counter()
        started = time.perf_counter()
        for n in range(cases):
            data = mutate(rng.choice(seeds), rng)
            try:
                parse_pdf(data, max_pages=20, timeout_seconds=10)
                outcomes["parsed"] += 1
            except PdfParseError:
                outcomes["refused with a reason"] += 1
            except Exception as exc:
                outcomes[f"UNHANDLED {type(exc).__name__}: {exc}"[:120]] += 1
            if n and n % 2000 == 0:
                self.stdout.write(f"  … {n} PDF cases")
        self._report("PDF parser", cases, outcomes, time.perf_counter() - started)

    def _report(self, name: str, cases: int, outcomes: Counter[str], seconds: float) -> None:
        unhandled = sum(n for key, n in outcomes.items() if key.startswith("UNHANDLED"))
        self.stdout.write(
            f"fuzz {name}: {cases} mutated real inputs in {seconds:.0f} s → "
            + ", ".join(f"{key} {n}" for key, n in outcomes.most_common())
            + f"; unhandled exceptions: {unhandled}"
        )
        if unhandled:
            raise CommandError(f"{name}: {unhandled} unhandled exception(s)")

    def _redis_outage(self) -> None:
        """A private Redis on a free port (the machine's own is left alone) serves as cache; it is
        killed mid-way through page views and started again."""
        server = shutil.which("redis-server")
        if server is None:
            self.stdout.write("redis drill skipped: no redis-server on this machine")
            return
        port = free_port()

        def start() -> subprocess.Popen[bytes]:
            process = subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            return process

        redis = start()
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        statuses: Counter[str] = Counter()
        try:
            with tempfile.TemporaryDirectory() as scratch, gunicorn(workers=2, static_root=scratch) as web:
                for phase in ("Redis up", "Redis killed", "Redis back"):
                    if phase == "Redis killed":
                        redis.kill()
                        redis.wait()
                    elif phase == "Redis back":
                        redis = start()
                    for path in ("/", "/health/", "/search/?q=quant") * 10:
                        connection = http.client.HTTPConnection("127.0.0.1", web, timeout=10)
                        connection.request("GET", path, headers={"Host": "127.0.0.1"})
                        status = connection.getresponse().status
                        connection.close()
                        kind = "health" if path.startswith("/health") else "page"
                        statuses[f"{phase}: {kind} {status}"] += 1
        finally:
            redis.kill()
            os.environ.pop("REDIS_URL", None)
        self.stdout.write(
            "redis outage during page views: " + ", ".join(f"{k} ×{n}" for k, n in sorted(statuses.items()))
        )
        pages_failed = sum(n for key, n in statuses.items() if "page" in key and not key.endswith(" 200"))
        health_down = statuses.get("Redis killed: health 503", 0)
        self.stdout.write(f"  pages not served: {pages_failed}; health reported Redis down: {health_down > 0}")
        if pages_failed:
            raise CommandError("pages failed while Redis was down")

    def _redis_outage_during_ingestion(self) -> None:
        """A worker ingests real PDFs through a private Redis (persistent, as in docker-compose);
        Redis is killed mid-run and started again; the run must finish with every paper once."""
        import sys

        from reviews.models import Review
        from worker import pipeline, tasks
        from worker.models import IngestionRun, ItemState, RunItem, RunStatus

        server = shutil.which("redis-server")
        if server is None:
            self.stdout.write("ingestion drill skipped: no redis-server on this machine")
            return
        port = free_port()
        data_dir = tempfile.mkdtemp()

        def start_redis() -> subprocess.Popen[bytes]:
            process = subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--appendonly", "yes", "--dir", data_dir],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(0.5)
            return process

        redis = start_redis()
        url = f"redis://127.0.0.1:{port}/0"
        review, _ = Review.objects.get_or_create(
            slug="faults-drill", defaults={"title": "Fault drill", "ingest_enabled": False}
        )
        IngestionRun.objects.filter(review=review, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED, finished_at=timezone_now()
        )
        run = pipeline.start_run(review.pk, trigger="operator")
        pdfs = sorted((CORPUS / "pdfs").glob("*.pdf"), key=lambda p: -p.stat().st_size)[:8]
        item_ids = pipeline.ingest_local_pdfs(run, pdfs)
        env = {**os.environ, "REDIS_URL": url, "CELERY_VISIBILITY_TIMEOUT": "10", "LOG_LEVEL": "WARNING"}
        worker = subprocess.Popen(
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
                "--loglevel=WARNING",
            ],
            env=env,
            cwd=settings.BASE_DIR,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from config.celery import app as celery_app

        previous = os.environ.get("CELERY_BROKER_URL")
        os.environ["CELERY_BROKER_URL"] = url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        try:
            for item_id in item_ids:
                tasks.item_stages(item_id).apply_async()
            deadline = time.monotonic() + 60
            while RunItem.objects.filter(run=run, state=ItemState.DONE).count() < 1 and time.monotonic() < deadline:
                time.sleep(0.5)
            done_before = RunItem.objects.filter(run=run, state=ItemState.DONE).count()
            redis.kill()
            redis.wait()
            time.sleep(5)
            redis = start_redis()
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                run.refresh_from_db()
                if run.status != RunStatus.RUNNING:
                    break
                if time.monotonic() > deadline - 180:
                    for stalled in pipeline.stalled_items(older_than=dt.timedelta(seconds=30)):
                        pipeline.touch_item(stalled)
                        tasks.item_stages(stalled).apply_async()
                time.sleep(1)
            run.refresh_from_db()
            states = dict(RunItem.objects.filter(run=run).values_list("state").annotate(n=Count("id")).order_by())
            from papers.models import ParsedPage

            duplicated = (
                ParsedPage.objects.filter(document__paper__in=RunItem.objects.filter(run=run).values("paper"))
                .values("document", "number")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .count()
            )
            self.stdout.write(
                f"redis outage during ingestion: {len(item_ids)} papers, {done_before} done when Redis was killed, "
                f"Redis back after 5 s; run {run.status}, items {states}, duplicated pages {duplicated}"
            )
            if run.status != RunStatus.SUCCEEDED or states.get(ItemState.DONE) != len(item_ids) or duplicated:
                raise CommandError("ingestion did not resume cleanly after the Redis outage")
        finally:
            os.killpg(worker.pid, 9)
            redis.kill()
            celery_app.conf.task_always_eager = eager
            if previous is None:
                os.environ.pop("CELERY_BROKER_URL", None)
            else:
                os.environ["CELERY_BROKER_URL"] = previous
            celery_app._pool = None
            celery_app.amqp._producer_pool = None
            shutil.rmtree(data_dir, ignore_errors=True)
