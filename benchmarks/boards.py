"""Reading leaderboards for benchmark pages, JSON and CSV: a fixed number of queries per page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count

from benchmarks.charts import Point, disagreement_figure, pareto_figure
from benchmarks.models import Benchmark, BenchmarkResult, Direction, LeaderboardEntry
from papers.provenance import ReviewScope

BOARDS_LISTED = 60
ROWS_SHOWN = 200
CHART_POINTS = 2000


def pick_review(benchmark: Benchmark, slug: str | None) -> ReviewScope | None:
    """The review whose leaderboard the page shows: the one asked for, else the first (by title) with
    cells on this benchmark, else the first with any leaderboard. Reached through the leaderboard's
    relation: reviews sit above this app."""
    entries = LeaderboardEntry.objects.select_related("review").order_by("review__title")
    if slug:
        entry = entries.filter(review__slug=slug).first()
    else:
        entry = entries.filter(benchmark=benchmark).first() or entries.first()
    return entry.review if entry else None


def benchmark_page(benchmark: Benchmark, params: Mapping[str, str], *, charts: bool = True) -> dict[str, Any]:
    review = pick_review(benchmark, params.get("review"))
    context: dict[str, Any] = {
        "benchmark": benchmark,
        "review": review,
        "boards": [],
        "entries": [],
        "model": "",
        "setting": "",
        "disagreements": [],
        "approved_only": False,
    }
    if review is None:
        return context
    approved_only = context["approved_only"] = review.approved_only(params.get("approved"))
    cells = LeaderboardEntry.objects.filter(review=review, benchmark=benchmark, approved_only=approved_only)
    boards = list(
        cells.values("model_name", "setting")
        .annotate(n=Count("id"))
        .order_by("-n", "model_name", "setting")[:BOARDS_LISTED]
    )
    model = params.get("model") or (boards[0]["model_name"] if boards else "")
    setting = params.get("setting", boards[0]["setting"] if boards else "") if "setting" in params or boards else ""
    entries = list(
        cells.filter(model_name=model, setting=setting)
        .select_related("method", "result__paper")
        .order_by("rank")[:ROWS_SHOWN]
    )
    context.update(boards=boards, model=model, setting=setting, entries=entries)
    context["basis_query"] = urlencode({"review": review.slug, "model": model, "setting": setting}) + "&"
    context["disagreements"] = list(
        cells.filter(disagreement=True).select_related("method").order_by("-spread", "pk")[:10]
    )
    if charts and entries:
        context.update(_charts(review, benchmark, entries, params.get("method"), approved_only))
    return context


def _charts(
    review: ReviewScope,
    benchmark: Benchmark,
    entries: list[LeaderboardEntry],
    method_slug: str | None,
    approved_only: bool,
) -> dict[str, Any]:
    lower = benchmark.direction == Direction.LOWER
    model, setting = entries[0].model_name, entries[0].setting
    points: list[Point] = [
        {"method": name, "bits": bits, "value": value, "setting": cell_setting}
        for name, bits, value, cell_setting in LeaderboardEntry.objects.filter(
            review=review, approved_only=approved_only, benchmark=benchmark, model_name=model, bits__isnull=False
        ).values_list("method__name", "bits", "value", "setting")[:CHART_POINTS]
    ]
    focus = next((e for e in entries if e.method.slug == method_slug), None) or max(
        entries, key=lambda e: (e.reports, -e.rank)
    )
    results = (
        BenchmarkResult.objects.filter(method=focus.method, benchmark=benchmark, model_name=model, setting=setting)
        .counted_in(review, approved_only=approved_only)
        .select_related("paper")
        .order_by("paper__published", "pk")[:60]
    )
    per_paper: dict[str, float] = {}
    for result in results:
        label = result.paper.arxiv_id
        if label not in per_paper or (result.value < per_paper[label] if lower else result.value > per_paper[label]):
            per_paper[label] = result.value
    return {
        "focus": focus,
        "pareto_chart": pareto_figure(
            points, lower_is_better=lower, benchmark=benchmark.name, model=model, metric=benchmark.metric
        ),
        "disagreement_chart": disagreement_figure(
            list(per_paper.items()),
            method=focus.method.name,
            cell=f"{model} {setting} {benchmark.name}",
            spread=focus.spread,
            flagged=focus.disagreement,
        ),
    }


HEADER = [
    "rank",
    "method",
    "value",
    "model",
    "setting",
    "benchmark",
    "papers_reporting",
    "spread",
    "disagreement",
    "unreviewed",
    "paper",
    "page",
    "table",
]


def board_rows(page: dict[str, Any]) -> Iterator[list[Any]]:
    yield HEADER
    for e in page["entries"]:
        yield [
            e.rank,
            e.method.name,
            e.value,
            e.model_name,
            e.setting,
            page["benchmark"].name,
            e.reports,
            round(e.spread, 4),
            e.disagreement,
            e.unreviewed,
            e.result.paper.arxiv_id,
            e.result.page,
            e.result.locator,
        ]


def board_json(page: dict[str, Any]) -> dict[str, Any]:
    rows = list(board_rows(page))
    return {
        "benchmark": page["benchmark"].name,
        "direction": page["benchmark"].direction,
        "review": page["review"].slug if page["review"] else None,
        "model": page["model"],
        "setting": page["setting"],
        "boards": [{"model": b["model_name"], "setting": b["setting"], "methods": b["n"]} for b in page["boards"]],
        "entries": [dict(zip(rows[0], row, strict=True)) for row in rows[1:]],
    }
