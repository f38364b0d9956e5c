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
    condition = Q()
    for c in cells:
        condition |= Q(method_id=c.method_id, benchmark_id=c.benchmark_id, model_name=c.model_name, setting=c.setting)
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


def largest_disagreements(review: ReviewScope, limit: int = 20, *, approved_only: bool = False) -> list[dict[str, Any]]:
    """The review's cells where papers disagree most, each with every paper's value and receipt."""
    cells = list(
        LeaderboardEntry.objects.filter(of_basis(approved_only), review=review, disagreement=True)
        .select_related("method", "benchmark")
        .order_by("-spread", "pk")[:limit]
    )
    values = cell_values(review, cells)
    return [{"cell": c, "results": values.get(cell_key(c), [])} for c in cells]
