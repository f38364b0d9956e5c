"""The web fuzzer of `make faults`: every URL pattern, with hostile values in every path and query
parameter, as an anonymous reader and as a curator. A hostile value may be refused (400, 404, a
form error); it must never be a server error (5xx).

Requests go through Django's test Client in-process, so a test database (PostgreSQL in CI) seeded
with a small review is all it needs; the exceptions behind any 500 are collected with their URL.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from baselines.access import ensure_curators_group
from baselines.models import Method
from reviews.derived import recompute_review
from reviews.models import Review

Write = Callable[[str], None]

# The query parameters the views read (grep request.GET / request.POST), and the curator forms'.
QUERY_PARAMS = [
    "q",
    "page",
    "model",
    "setting",
    "review",
    "method",
    "approved",
    "role",
    "polarity",
    "paper",
    "extractor",
    "kind",
    "order",
    "next",
    "format",
    "sort",
]
FORM_FIELDS = ["action", "value", "method", "benchmark", "note", "reason", "next", "target", "metric", "bits"]
# NUL, control characters, a 10 kB string, negative and huge numbers, wrong types, markup, paths.
VALUES = [
    "\x00",
    "a\x00b",
    "\x01\x08\x0b\x1f\x7f",
    "\r\nSet-Cookie: x=1",
    "x" * 10_000,
    "-1",
    "0",
    "-9223372036854775809",
    "99999999999999999999999999",
    "1e309",
    "nan",
    "3.5",
    "[]",
    '{"a": 1}',
    "true",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%",
    "\ufffe\uffff",
    "😀" * 50,
    "",
]
REDUCED_VALUES = ["\x00", "\x01\x1f", "x" * 10_000, "-1", "99999999999999999999999999", "[]"]
# Path values that resolve, so a query parameter reaches its view.
SAMPLE = {
    "slug": "llm-quantization",
    "method_slug": "gptq",
    "kind": "result",
    "action": "approve",
    "name": "claims.csv",
    "uidb64": "MQ",
    "token": "x-y",
}
# Routes whose POST would delete data or sign the curator out; they are fuzzed with GET only.
NO_POST = re.compile(r"delete|logout|password|restore|import|start|merge")
FUZZ_REVIEW = "llm-quantization"


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)

    @property
    def five_xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def routes() -> list[tuple[str, str]]:
    """(name, route) of every named URL pattern outside Django's admin."""

    def walk(patterns: list[object], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                if ns != "admin":
                    yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern) and entry.name:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), prefix + str(entry.pattern)

    return sorted(set(walk(get_resolver().url_patterns, "", "")))


def fill(route: str, samples: dict[str, str], hostile: tuple[str, str] | None = None) -> str:
    """The route with its parameters filled: samples, and `hostile` (name, value) for one of them."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        raw = hostile[1] if hostile and hostile[0] == name else samples.get(name, "1")
        return quote(raw, safe="")

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route).lstrip("^").rstrip("$")


def requests_for(route: str, samples: dict[str, str], values: list[str]) -> Iterator[str]:
    """Every URL to try on one route: each path parameter hostile, then each query parameter."""
    for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
        for value in values:
            yield fill(route, samples, (name, value))
    base = fill(route, samples)
    for param in QUERY_PARAMS:
        for value in values:
            yield f"{base}?{urlencode({param: value})}"


def seed_review() -> dict[str, str]:
    """A small review with papers, results and receipts and its derived views; path samples for it."""
    call_command("seed_synthetic", papers=30, results=300, receipts=60, review=FUZZ_REVIEW, verbosity=0)
    review = Review.objects.get(slug=FUZZ_REVIEW)
    recompute_review(review.pk)
    samples = dict(SAMPLE)
    method = Method.objects.order_by("pk").first()
    paper = review.entries.select_related("paper").order_by("pk").first()
    samples.update(
        {
            "method_slug": method.slug if method else "gptq",
            "arxiv_id": paper.paper.arxiv_id if paper else "2401.00001",
            "pk": "1",
            "receipt_id": "1",
            "draft_id": "1",
        }
    )
    return samples


def curator() -> User:
    user, _ = User.objects.get_or_create(username="fuzz-curator", defaults={"email": "fuzz@example.org"})
    user.groups.add(ensure_curators_group())
    return user


def fuzz_site(samples: dict[str, str], values: list[str], write: Write) -> FuzzReport:
    """Request every route with every hostile value, anonymously and as a curator; POST garbage
    forms to the curator routes that decide (never to ones that delete)."""
    report = FuzzReport()
    failures: list[str] = []

    def on_exception(sender: object, request: object = None, **kwargs: object) -> None:
        failures.append(repr(sys.exc_info()[1])[:200])

    got_request_exception.connect(on_exception)
    started = time.perf_counter()
    try:
        anonymous = Client(raise_request_exception=False)
        logged_in = Client(raise_request_exception=False)
        logged_in.force_login(curator())
        for name, route in routes():
            for client in (anonymous, logged_in):
                _fuzz_route(client, name, route, samples, values, report)
    finally:
        got_request_exception.disconnect(on_exception)
    write(
        f"web fuzz: {report.requests} requests over {len(routes())} URL patterns in "
        f"{time.perf_counter() - started:.0f} s → 5xx: {report.five_xx}; "
        + ", ".join(f"{status} ×{n}" for status, n in sorted(report.statuses.items()))
    )
    for line, exception in zip(report.server_errors[:50], failures, strict=False):
        write(f"  {line[:300]!r}: {exception}")
    return report


def _fuzz_route(
    client: Client, name: str, route: str, samples: dict[str, str], values: list[str], report: FuzzReport
) -> None:
    for url in requests_for(route, samples, values):
        _count(report, client.get(url).status_code, f"GET {url}")
    if not name.startswith("curate:") or NO_POST.search(name):
        return
    url = fill(route, samples)
    for value in values:
        form = dict.fromkeys(FORM_FIELDS, value)
        _count(report, client.post(url, form).status_code, f"POST {url} {value[:40]!r}")


def _count(report: FuzzReport, status: int, label: str) -> None:
    report.requests += 1
    report.statuses[status] += 1
    if status >= 500:
        report.server_errors.append(f"{label} → {status}")
