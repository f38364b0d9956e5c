"""Latency of every public page at scale, in one table (`make bench`): served by gunicorn on
127.0.0.1 without the page cache and with it, next to a static file of the same size served by the
same server in the same run, so each figure reads as a ratio to the server's own floor."""

from __future__ import annotations

import http.client
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.derived import recompute_review
from worker.ops.benchserver import SCALE, add_scale_arguments, ensure_synthetic_review, gunicorn, public_pages
from worker.ops.decision_latency import Latency, time_decisions, time_new_paper

WARMUP = 5
# Goals of issue 17: a page rendered without the cache, at 100,000 papers.
UNCACHED_MEDIAN_MS, UNCACHED_P95_MS = 50, 100
DECISION_PUBLIC_SECONDS, FULL_RECOMPUTE_SECONDS = 2, 60


def timed_gets(port: int, path: str, count: int) -> list[float]:
    """Milliseconds per request, on one keep-alive connection (as a browser would)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = []
    for n in range(WARMUP + count):
        started = time.perf_counter()
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise CommandError(f"{path} answered HTTP {response.status}")
        if n >= WARMUP:
            times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def static_name(page: str) -> str:
    return f"bench-{page.replace(' ', '-')}.html"


class Command(BaseCommand):
    help = "Seed the synthetic review if needed, recompute its views, and time every public page under gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scale_arguments(parser)
        parser.add_argument("--requests", type=int, default=100, help="Requests per page from the cache and static.")
        parser.add_argument("--uncached-requests", type=int, default=20, help="Requests per page without the cache.")
        parser.add_argument("--decisions", type=int, default=5, help="Curator decisions timed to the public page.")

    def handle(self, *args: Any, **options: Any) -> None:
        review = ensure_synthetic_review(self.stdout, **{name: options[name] for name in SCALE})
        report = recompute_review(review.pk)
        counts = review.__class__.objects.get(pk=review.pk).derived_counts
        self.stdout.write(
            f"full recompute of the derived views: {report.seconds:.1f} s for {counts.get('papers')} "
            f"papers, {counts.get('results')} results; {report.leaderboard} leaderboard cells"
        )
        pages = public_pages(review)
        with tempfile.TemporaryDirectory() as static_root:
            with gunicorn(workers=2, static_root=static_root, extra_env={"PUBLIC_PAGE_CACHE_SECONDS": "0"}) as port:
                sizes = {name: self._size(port, path) for name, path in pages.items()}
                for name, size in sizes.items():
                    # Same size as the page: the server's own floor for that many bytes.
                    Path(static_root, static_name(name)).write_bytes(b"x" * size)
                uncached = {name: timed_gets(port, path, options["uncached_requests"]) for name, path in pages.items()}
            with gunicorn(workers=2, static_root=static_root) as port:
                cached = {name: timed_gets(port, path, options["requests"]) for name, path in pages.items()}
                static = {name: timed_gets(port, f"/static/{static_name(name)}", options["requests"]) for name in pages}
        self._table(sizes, uncached, cached, static)
        self._recompute_lines(report.seconds, time_decisions(review, options["decisions"]), time_new_paper(review))

    def _recompute_lines(self, full_seconds: float, decisions: list[Latency], paper: Latency) -> None:
        visible = [latency.visible_seconds for latency in decisions]
        posts = [latency.post_seconds for latency in decisions]
        self.stdout.write(
            f"incremental refresh, tasks in-process: a curator decision public (POST to the approved-only "
            f"leaderboard JSON listing it) in {statistics.median(visible):.2f} s median, {max(visible):.2f} s "
            f"at most over {len(visible)} (POST {statistics.median(posts):.2f} s); goal <= "
            f"{DECISION_PUBLIC_SECONDS} s: {'met' if max(visible) <= DECISION_PUBLIC_SECONDS else 'NOT met'}"
        )
        self.stdout.write(
            f"incremental refresh: one new paper's receipts counted on the dashboard in {paper.visible_seconds:.2f} s"
        )
        self.stdout.write(
            f"full recompute: {full_seconds:.1f} s (goal < {FULL_RECOMPUTE_SECONDS} s: "
            f"{'met' if full_seconds < FULL_RECOMPUTE_SECONDS else 'NOT met'}); a decision's refresh is "
            f"{full_seconds / statistics.median(visible):.0f}x faster"
        )

    @staticmethod
    def _size(port: int, path: str) -> int:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
            return len(response.read())

    def _table(self, sizes: dict, uncached: dict, cached: dict, static: dict) -> None:
        self.stdout.write(
            f"gunicorn, 2 workers, sequential keep-alive requests after {WARMUP} warm-up; ms as median / p95; "
            f"goal uncached <= {UNCACHED_MEDIAN_MS} / {UNCACHED_P95_MS} ms"
        )
        self.stdout.write(
            f"  {'page':<17} {'bytes':>8}  {'uncached':>15}  {'cached':>13}  {'static':>13}  "
            f"{'uncached/static':>15}  {'cached/static':>13}  goal"
        )
        for name, size in sizes.items():
            floor = statistics.median(static[name])
            slow, fast = statistics.median(uncached[name]), statistics.median(cached[name])
            met = slow <= UNCACHED_MEDIAN_MS and p95(uncached[name]) <= UNCACHED_P95_MS
            self.stdout.write(
                f"  {name:<17} {size:>8}  {slow:>6.1f} / {p95(uncached[name]):>6.1f}  "
                f"{fast:>5.1f} / {p95(cached[name]):>5.1f}  {floor:>5.1f} / {p95(static[name]):>5.1f}  "
                f"{slow / floor:>14.1f}x  {fast / floor:>12.1f}x  {'met' if met else 'NOT met'}"
            )
