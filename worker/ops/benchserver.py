"""gunicorn on 127.0.0.1 in production settings, for the page benchmark and the load test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser
from django.db.models import Count

from baselines.models import BeatsReceipt, Method
from benchmarks.models import Benchmark, BenchmarkResult
from papers.models import Paper
from reviews.models import Review

SYNTHETIC_SLUG = "synthetic-scale"
# The synthetic review's size, as seed_synthetic makes it by default and the benchmarks read it.
SCALE = {"papers": 100_000, "results": 1_000_000, "receipts": 200_000}


def add_scale_arguments(parser: CommandParser) -> None:
    """--papers, --results and --receipts: the synthetic review's size (seed_synthetic, bench_pages)."""
    for name, default in SCALE.items():
        parser.add_argument(f"--{name}", type=int, default=default)


def ensure_synthetic_review(stdout: Any = None, **scale: int) -> Review:
    """The large synthetic review, seeded once (minutes on SQLite) at `scale` (default SCALE), with
    seed_synthetic's report written to `stdout`."""
    review = Review.objects.filter(slug=SYNTHETIC_SLUG).first()
    if review is None or not review.entries.exists():
        call_command("seed_synthetic", **{**SCALE, **scale}, review=SYNTHETIC_SLUG, stdout=stdout)
        review = Review.objects.get(slug=SYNTHETIC_SLUG)
    return review


def public_pages(review: Review) -> dict[str, str]:
    """One of each public page of the review, at its heaviest: the most-reported method's hub, the
    most-reported benchmark's page, the paper with the most results, the most-beaten baseline's
    receipts (`make bench` times each, uncached and cached)."""
    results = BenchmarkResult.objects.filter(paper__review_entries__review=review)
    method = Method.objects.get(pk=results.values("method").annotate(n=Count("id")).order_by("-n")[0]["method"])
    benchmark = Benchmark.objects.get(
        pk=results.values("benchmark").annotate(n=Count("id")).order_by("-n")[0]["benchmark"]
    )
    paper = Paper.objects.get(pk=results.values("paper").annotate(n=Count("id")).order_by("-n")[0]["paper"])
    beaten = BeatsReceipt.objects.values("baseline__slug").annotate(n=Count("id")).order_by("-n")[0]
    slug = review.slug
    return {
        "home": "/",
        "review dashboard": f"/r/{slug}/",
        "dashboard JSON": f"/r/{slug}/panels.json",
        "method hub": f"/m/{method.slug}/",
        "paper page": f"/p/{paper.arxiv_id}/",
        "benchmark page": f"/b/{benchmark.slug}/?review={slug}",
        "leaderboard JSON": f"/b/{benchmark.slug}/leaderboard.json?review={slug}",
        "receipts list": f"/r/{slug}/receipts/beaten-by/{beaten['baseline__slug']}/",
        "ledger": f"/r/{slug}/ledger/",
        "synthesis": f"/r/{slug}/synthesis/",
        "search": "/search/?q=quantization",
        "papers feed": f"/r/{slug}/feeds/papers.atom",
        "receipts feed": f"/r/{slug}/feeds/receipts.atom",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(scratch: str, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the served project (and of its Celery worker): production settings on
    loopback, the database the command uses."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": scratch,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{settings.DATABASES['default']['NAME']}",
        **(extra_env or {}),
    }


@contextmanager
def gunicorn(
    *, workers: int = 2, threads: int = 1, static_root: str | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[int]:
    """Serve the project on a free loopback port; yields the port and stops the server afterwards."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = server_env(static_root or scratch, extra_env)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=settings.BASE_DIR,
        )
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "-c",
                str(Path(settings.BASE_DIR) / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        try:
            _wait_until_listening(port, server)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=20)


@contextmanager
def celery_worker(extra_env: dict[str, str]) -> Iterator[None]:
    """A Celery worker on the derived queue, as deployed (it runs the refresh a decision queues);
    yields once it answers a ping, stops it afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        env = server_env(scratch, extra_env)
        command = [sys.executable, "-m", "celery", "-A", "config"]
        worker = subprocess.Popen(
            [*command, "worker", "-Q", "derived", "--concurrency", "1", "--loglevel", "WARNING"],
            env=env,
            cwd=settings.BASE_DIR,
        )
        try:
            for _ in range(30):
                ping = subprocess.run(
                    [*command, "inspect", "ping", "--timeout", "2"], env=env, cwd=settings.BASE_DIR, capture_output=True
                )
                if ping.returncode == 0:
                    break
            else:
                raise CommandError("the Celery worker did not answer a ping")
            yield
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def _wait_until_listening(port: int, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise CommandError(f"gunicorn did not start within {seconds:.0f} s") from None
            time.sleep(0.2)
