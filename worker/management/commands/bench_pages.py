"""Latency of public pages at scale, served by gunicorn on 127.0.0.1, next to a static file of the
same size served by the same server in the same run (`make bench`)."""

from __future__ import annotations

import http.client
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client

from baselines.models import Method
from benchmarks.models import Benchmark
from reviews.derived import recompute_review
from worker.ops.benchserver import SCALE, add_scale_arguments, ensure_synthetic_review, gunicorn

WARMUP = 20


def timed_gets(port: int, path: str, count: int) -> list[float]:
    """Milliseconds per request, on one keep-alive connection (as a browser would)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


class Command(BaseCommand):
    help = "Seed the synthetic review if needed, recompute its views, and time pages under gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        add_scale_arguments(parser)
        parser.add_argument("--requests", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        scale = {name: options[name] for name in SCALE}
        review = ensure_synthetic_review(self.stdout, **scale)
        slug = review.slug
        report = recompute_review(review.pk)
        counts = review.__class__.objects.get(pk=review.pk).derived_counts
        self.stdout.write(
            f"recompute all derived views: {report.seconds:.1f} s (goal < 60 s) for {counts.get('papers')} papers, "
            f"{counts.get('results')} results; {report.leaderboard} leaderboard cells, {report.subproblems} sub-problems"
        )
        method = Method.objects.get(name="GPTQ")
        benchmark = Benchmark.objects.get(name="WikiText-2")
        pages = {
            "review home": f"/r/{slug}/",
            "method hub": f"/m/{method.slug}/",
            "benchmark page": f"/b/{benchmark.slug}/?review={slug}",
        }
        with tempfile.TemporaryDirectory() as static_root:
            sizes = self._page_sizes(pages)
            for name, size in sizes.items():
                # Same size as the page, so the comparison is the server's own floor for that many bytes.
                Path(static_root, f"bench-{name.replace(' ', '-')}.html").write_bytes(b"x" * size)
            self._serve_and_measure(pages, sizes, static_root, options["requests"])

    def _page_sizes(self, pages: dict[str, str]) -> dict[str, int]:
        """Each page's size, and its render time without the page cache (in-process, for honesty)."""
        client = Client()
        sizes = {}
        with self.settings_override(PUBLIC_PAGE_CACHE_SECONDS=0):
            for name, path in pages.items():
                times = []
                for _ in range(10):
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered HTTP {response.status_code}")
                sizes[name] = len(response.content)
                self.stdout.write(
                    f"  {name:<15} rendered without the page cache: median {statistics.median(times):.1f} ms"
                )
        return sizes

    @staticmethod
    def settings_override(**values: Any) -> Any:
        from django.test.utils import override_settings

        return override_settings(**values)

    def _serve_and_measure(self, pages: dict[str, str], sizes: dict[str, int], static_root: str, count: int) -> None:
        with gunicorn(workers=2, static_root=static_root) as port:
            self.stdout.write(f"gunicorn, 2 workers, {count} sequential requests each after {WARMUP} warm-up:")
            for name, path in pages.items():
                page = timed_gets(port, path, count)
                static = timed_gets(port, f"/static/bench-{name.replace(' ', '-')}.html", count)
                ratio = statistics.median(page) / statistics.median(static)
                self.stdout.write(
                    f"  {name:<15} {sizes[name]:>7} B  median {statistics.median(page):6.1f} ms  p95 {p95(page):6.1f} ms"
                    f"  | static same size: median {statistics.median(static):5.1f} ms p95 {p95(static):5.1f} ms"
                    f"  | ratio {ratio:4.1f}x (goal <= 3x)"
                )
