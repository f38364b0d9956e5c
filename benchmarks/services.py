"""Writes of the benchmarks app: the derived leaderboard of a review, rebuilt from its results."""

from __future__ import annotations

from django.conf import settings

from benchmarks.leaderboards import build_cells, ranked
from benchmarks.models import Benchmark, BenchmarkResult, Direction, LeaderboardEntry
from papers.provenance import ReviewScope, of_basis
from worker.extract.names import normalize_model_name

# Rows per INSERT when replacing the leaderboard; 5,000 kept PostgreSQL round trips few without
# building statements large enough to slow SQLite (measured with seed_synthetic at 100k papers).
BATCH = 5000
# Rows fetched per round trip while streaming results.
STREAM_CHUNK = 20_000
# Values of a disagreement the ledger shows (both ends and evenly between), stored with the cell.
SAMPLE = 10


def rebuild_leaderboard(review: ReviewScope, approved_only: bool) -> int:
    """Replace the review's leaderboard (of this basis: approved and pending results, or approved
    alone) with one computed from the results it counts; returns rows written. Run inside the caller's transaction (reviews.derived.recompute_review), never per request."""
    lower = {pk: direction == Direction.LOWER for pk, direction in Benchmark.objects.values_list("pk", "direction")}
    rows = (
        BenchmarkResult.objects.counted_in(review, approved_only=approved_only)
        .values_list(
            "pk",
            "paper_id",
            "benchmark_id",
            "model_name",
            "setting",
            "method_id",
            "value",
            "weight_bits",
            "status",
            "benchmark_inferred",
        )
        .iterator(chunk_size=STREAM_CHUNK)
    )
    # Boards are keyed by the registry's spelling, so "LLaMA 7B" and "LLaMA-7B" (stored before
    # extraction spelled names alike) make one board.
    cells = build_cells(((*row[:3], normalize_model_name(row[3]), *row[4:]) for row in rows), lower)
    threshold = settings.DISAGREEMENT_THRESHOLD
    LeaderboardEntry.objects.filter(of_basis(approved_only), review=review).delete()
    batch: list[LeaderboardEntry] = []
    written = 0
    for (benchmark_id, model, setting, method_id), cell, rank in ranked(cells, lower):
        low, high = cell.low_high
        disagreement = cell.spread >= threshold
        batch.append(
            LeaderboardEntry(
                review=review,
                benchmark_id=benchmark_id,
                model_name=model,
                setting=setting,
                method_id=method_id,
                value=cell.best_value,
                result_id=cell.best_result,
                bits=cell.bits,
                reports=len(cell.papers),
                compared=len(cell.per_paper),
                low=low,
                high=high,
                spread=cell.spread,
                disagreement=disagreement,
                sample=cell.sample(SAMPLE) if disagreement else [],
                unreviewed=cell.best_pending,
                rank=rank,
                approved_only=approved_only,
            )
        )
        if len(batch) >= BATCH:
            LeaderboardEntry.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    LeaderboardEntry.objects.bulk_create(batch)
    return written + len(batch)
