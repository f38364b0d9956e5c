"""Disagreement between papers on the same number: the leaderboard cells whose reports spread most,
each with every paper's value and receipt (read from stored rows; the spread is computed at rebuild)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from benchmarks.models import BenchmarkResult, LeaderboardEntry
from papers.provenance import ReviewScope, of_basis


def cell_values(
    review: ReviewScope, cells: list[LeaderboardEntry]
) -> dict[tuple[int, int, str, str], list[BenchmarkResult]]:
    """Every counted result behind each leaderboard cell (of the cells' basis) that the cell compares
    (its table names the benchmark), in one query."""
    if not cells:
        return {}
    condition = _cells_condition(cells)
    values: dict[tuple[int, int, str, str], list[BenchmarkResult]] = {}
    approved_only = cells[0].approved_only
    rows = BenchmarkResult.objects.filter(condition, benchmark_inferred=False).counted_in(
        review, approved_only=approved_only
    )
    rows = rows.select_related("paper")
    for r in rows.order_by("value", "pk"):
        values.setdefault((r.method_id, r.benchmark_id, r.model_name, r.setting), []).append(r)
    return values


def cell_key(cell: LeaderboardEntry) -> tuple[int, int, str, str]:
    return (cell.method_id, cell.benchmark_id, cell.model_name, cell.setting)


def _cells_condition(cells: list[LeaderboardEntry]) -> Q:
    condition = Q()
    for c in cells:
        condition |= Q(method_id=c.method_id, benchmark_id=c.benchmark_id, model_name=c.model_name, setting=c.setting)
    return condition


def largest_disagreements(
    review: ReviewScope, limit: int = 20, *, approved_only: bool = False, sampled: bool = False
) -> list[dict[str, Any]]:
    """The review's cells where papers disagree most, each with every paper's value and receipt; or,
    `sampled`, with the values the recompute stored (at most ten: both ends and evenly between) and
    how many more the cell compares. Sampled is two small queries, where every value behind 20 cells
    read thousands of results (2.5 s and a 470 KB ledger at 100,000 papers)."""
    cells = list(
        # disagreement__in: a bare boolean column is not matched to index leaderboard_disagree by SQLite.
        LeaderboardEntry.objects.filter(of_basis(approved_only), review=review, disagreement__in=[True])
        .select_related("method", "benchmark")
        .order_by("-spread", "pk")[:limit]
    )
    if not sampled:
        values = cell_values(review, cells)
        return [{"cell": c, "results": values.get(cell_key(c), [])} for c in cells]
    rows = BenchmarkResult.objects.select_related("paper").in_bulk([pk for c in cells for pk in c.sample])
    found = [[rows[pk] for pk in c.sample if pk in rows] for c in cells]
    return [
        {"cell": c, "results": results, "more": max(c.compared - len(results), 0)}
        for c, results in zip(cells, found, strict=True)
    ]
