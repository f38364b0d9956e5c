"""Reading leaderboards for benchmark pages, JSON and CSV: a fixed number of queries per page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from django.db.models import OuterRef, QuerySet, Subquery

from benchmarks.charts import Point, disagreement_figure, pareto_figure
from benchmarks.leaderboards import shown_value
from benchmarks.models import Benchmark, BenchmarkResult, Board, Direction, LeaderboardEntry
from papers.provenance import ReviewScope, of_basis
from worker.extract.names import is_model_size, normalize_model_name

BOARDS_LISTED = 60
ROWS_SHOWN = 200
# Rows of a board the HTML page shows (the CSV and JSON give ROWS_SHOWN); the page says how many more.
PAGE_ROWS = 50
CHART_POINTS = 2000
# The Pareto chart plots each setting's best methods of the model: rank 1 of every setting carries the
# front, and the rest of each board's top sits around it. All of a model's cells (15,000 at 100,000
# papers) cost 20 ms to read and filled the page; the first 2,000 by setting left later settings out.
CHART_RANKS = 20
# Results of the focus cell read for its spread chart (60 papers shown), in the order of its index.
PER_PAPER_SCANNED = 180
REFERENCES_SHOWN = 3
# baselines.models.MethodFamily.FULL_PRECISION, named here because baselines sit above this app.
FULL_PRECISION_FAMILY = "full_precision"


def pick_review(benchmark: Benchmark, slug: str | None) -> ReviewScope | None:
    """The review whose leaderboard the page shows: the one asked for, else the first (by title) with
    cells on this benchmark, else the first with any leaderboard. Reviews sit above this app, so the
    model is reached through the leaderboard's relation; each test is an EXISTS on an index, never a
    sort of the leaderboard's rows (hundreds of thousands at scale)."""
    reviews = LeaderboardEntry._meta.get_field("review").related_model.objects.order_by("title")
    with_cells = LeaderboardEntry.objects.filter(review=OuterRef("pk")).order_by()
    if slug:
        return _having(reviews.filter(slug=slug), with_cells)
    return _having(reviews, with_cells.filter(benchmark=benchmark)) or _having(reviews, with_cells)


def _having(reviews: QuerySet, cells: QuerySet) -> ReviewScope | None:
    """The first of `reviews` with one of `cells`, tested by a one-row scalar subquery: PostgreSQL
    turns an EXISTS here into a semi-join that hashes every leaderboard row (90 ms at 465,000 cells)."""
    return reviews.alias(first_cell=Subquery(cells.values("pk")[:1])).filter(first_cell__isnull=False).first()


def board_label(model: str, setting: str) -> str:
    """How the picker names a board: "OPT-6.7B · W4A16"; a bare size says its family went unnamed."""
    shown = f"{model} (model family not named)" if is_model_size(model) else model
    return f"{shown} · {setting or 'any setting'}"


# The query parameters benchmark_page reads (the page cache keys on these and no others).
PAGE_PARAMS = ("review", "approved", "model", "setting", "method")


def benchmark_page(
    benchmark: Benchmark, params: Mapping[str, str], *, charts: bool = True, rows: int = ROWS_SHOWN
) -> dict[str, Any]:
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
        "more": 0,
    }
    if review is None:
        return context
    approved_only = context["approved_only"] = review.approved_only(params.get("approved"))
    cells = LeaderboardEntry.objects.filter(of_basis(approved_only), review=review, benchmark=benchmark)
    # A result whose model the paper's table did not name has no board of its own to pick. Boards are
    # written with the leaderboard (benchmarks.models.Board) and read biggest first from their index.
    listed = Board.objects.filter(of_basis(approved_only), review=review, benchmark=benchmark).exclude(model_name="")
    boards = [
        {"model_name": model, "setting": setting, "n": n, "label": board_label(model, setting)}
        for model, setting, n in listed.order_by("-methods", "model_name", "setting").values_list(
            "model_name", "setting", "methods"
        )[:BOARDS_LISTED]
    ]
    model = params.get("model") or (boards[0]["model_name"] if boards else "")
    setting = params.get("setting", boards[0]["setting"] if boards else "") if "setting" in params or boards else ""
    entries = list(_shown(cells.filter(model_name=model, setting=setting)).order_by("rank")[:rows])
    size = next((b["n"] for b in boards if b["model_name"] == model and b["setting"] == setting), None)
    if size is None and len(entries) == rows:  # a board the picker does not list, cut at the page
        size = _board_size(
            Board.objects.filter(of_basis(approved_only), review=review, benchmark=benchmark), model, setting
        )
    context["more"] = max((size or 0) - len(entries), 0)
    # The model's full-precision numbers, whatever their setting is called: the line the board reads
    # against. Their methods are picked first (a few ids): joining every cell of the model to its
    # method to read its family cost more than the board (15,000 cells of one model at scale).
    methods = LeaderboardEntry._meta.get_field("method").related_model.objects.filter(family=FULL_PRECISION_FAMILY)
    references = (
        _shown(cells.filter(model_name=model, method_id__in=list(methods.values_list("pk", flat=True))))
        .exclude(setting=setting)
        .order_by("rank", "setting")[:REFERENCES_SHOWN]
    )
    context.update(boards=boards, model=model, setting=setting, entries=entries, references=list(references))
    context["basis_query"] = urlencode({"review": review.slug, "model": model, "setting": setting}) + "&"
    context["disagreements"] = list(
        # disagreement__in: a bare boolean column is not matched to index leaderboard_disagree by SQLite.
        cells.filter(disagreement__in=[True]).select_related("method", "result").order_by("-spread", "pk")[:10]
    )
    if charts and entries:
        context.update(_charts(review, benchmark, entries, params.get("method"), approved_only))
    return context


def _board_size(boards: QuerySet, model: str, setting: str) -> int | None:
    return boards.filter(model_name=model, setting=setting).values_list("methods", flat=True).first()


def _shown(cells: QuerySet) -> QuerySet:
    """Cells with what a board row shows of their method, receipt and paper (not the quote, abstract
    or feed entry): 200 rows of four objects each were a third of the page's time."""
    return cells.select_related("method", "result__paper").only(
        *(f.name for f in LeaderboardEntry._meta.concrete_fields),
        "method__name",
        "method__slug",
        "method__family",
        "result__paper_id",
        "result__page",
        "result__locator",
        "result__value_text",
        "result__benchmark_inferred",
        "result__model_name",
        "result__paper__arxiv_id",
    )


def _charts(
    review: ReviewScope,
    benchmark: Benchmark,
    entries: list[LeaderboardEntry],
    method_slug: str | None,
    approved_only: bool,
) -> dict[str, Any]:
    """The Pareto chart of the board's model and the per-paper spread of one method (the one asked
    for, else the most reported); a chart with one point comes back as None beside its number."""
    lower = benchmark.direction == Direction.LOWER
    model, setting = entries[0].model_name, entries[0].setting
    points: list[Point] = [
        {"method": name, "bits": bits, "value": value, "shown": shown_value(value, printed), "setting": cell_setting}
        for name, bits, value, printed, cell_setting in LeaderboardEntry.objects.filter(
            of_basis(approved_only),
            review=review,
            benchmark=benchmark,
            model_name=model,
            bits__isnull=False,
            rank__lte=CHART_RANKS,
        )
        .order_by("setting", "rank")  # the index's order; the model's default would join the review to sort
        .values_list("method__name", "bits", "value", "result__value_text", "setting")[:CHART_POINTS]
    ]
    focus = next((e for e in entries if e.method.slug == method_slug), None) or max(
        entries, key=lambda e: (e.reports, -e.rank)
    )
    per_paper = _per_paper(review, benchmark, focus, approved_only)
    return {
        "focus": focus,
        "chart_title": f"{benchmark.name} on {model}: {benchmark.metric} by bits per weight",
        "pareto_chart": pareto_figure(points, lower_is_better=lower, metric=benchmark.metric),
        "pareto_points": len(points),
        "chart_ranks": CHART_RANKS,
        "spread_title": f"{focus.method.name}, {model} {setting} {benchmark.name}: each paper's number",
        "disagreement_chart": disagreement_figure(per_paper, lower_is_better=lower),
        "spread_papers": len(per_paper),
    }


def focus_results(review: ReviewScope, benchmark: Benchmark, focus: LeaderboardEntry, approved_only: bool) -> QuerySet:
    """The focus cell's counted results under the registry's spelling of its model and its best
    result's own, in the order of index result_method_bench_model; each row's paper tested on its own."""
    spellings = sorted({focus.model_name, focus.result.model_name})
    return (
        BenchmarkResult.objects.filter(method=focus.method, benchmark=benchmark, model_name__in=spellings)
        .filter(setting=focus.setting)
        .shown_in(review, approved_only=approved_only)
        .select_related("paper")
        .order_by("model_name", "setting", "pk")
    )


def _per_paper(
    review: ReviewScope, benchmark: Benchmark, focus: LeaderboardEntry, approved_only: bool
) -> list[tuple[str, float, str]]:
    """Each paper's best value for the focus cell (arXiv id, value, as printed), oldest paper first, of
    the first receipts stored. Results are matched by the registry's spelling of their model, as the
    leaderboard was built, and by the spelling of the cell's best result (a paper's own, normalized
    to the registry's when the board was built): read in the order of index result_method_bench_model
    and stopped at PER_PAPER_SCANNED, where ordering by the papers' dates sorted every result of the
    method's setting on the benchmark (42,000 at 100,000 papers) first."""
    lower = benchmark.direction == Direction.LOWER
    results = focus_results(review, benchmark, focus, approved_only)[:PER_PAPER_SCANNED]
    best: dict[str, BenchmarkResult] = {}
    for result in results:
        if normalize_model_name(result.model_name) != focus.model_name:
            continue
        label = result.paper.arxiv_id
        held = best.get(label)
        if held is None or (result.value < held.value if lower else result.value > held.value):
            best[label] = result
    oldest = sorted(best.items(), key=lambda item: (item[1].paper.published is None, item[1].paper.published))
    return [(label, r.value, shown_value(r.value, r.value_text)) for label, r in oldest][:60]


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
