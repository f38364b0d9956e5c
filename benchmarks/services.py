"""Writes of the benchmarks app: the derived leaderboard of a review, rebuilt from its results (whole,
or the cells a change touched)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from benchmarks.leaderboards import Cell, CellKey, CellRef, ResultRow, build_cells, ranked
from benchmarks.models import Benchmark, BenchmarkResult, Board, Direction, LeaderboardEntry
from config.bulk import insert_tuples
from papers.provenance import ReviewScope, of_basis
from worker.extract.names import normalize_model_name

# Rows per executemany when replacing the leaderboard (memory stays flat at 100k papers).
BATCH = 5000
# Rows fetched per round trip while streaming results.
STREAM_CHUNK = 20_000
# Values of a disagreement the ledger shows (both ends and evenly between), stored with the cell.
SAMPLE = 10


def rebuild_leaderboard(review: ReviewScope, approved_only: bool) -> int:
    """Replace the review's leaderboard (of this basis: approved and pending results, or approved
    alone) with one computed from the results it counts; returns rows written. Run inside the caller's
    transaction (reviews.derived.recompute_review), never per request."""
    lower = _lower_is_better()
    cells = build_cells(_result_rows(BenchmarkResult.objects.counted_in(review, approved_only=approved_only)), lower)
    LeaderboardEntry.objects.filter(of_basis(approved_only), review=review).delete()
    Board.objects.filter(of_basis(approved_only), review=review).delete()
    return _write_cells(review, approved_only, cells, lower)


def refresh_cells(review: ReviewScope, approved_only: bool, cells: Iterable[CellRef]) -> int:
    """Rebuild only these cells of the review's leaderboard (a method on a board: the cells a
    decision's or a new paper's results sit in), each from every result the review counts in it,
    then re-rank their boards and recount the boards' methods; returns entries written. A cell
    gathers the model's spellings ("LLaMA 7B", "LLaMA-7B") as the full rebuild does."""
    lower = _lower_is_better()
    methods_on: dict[tuple[int, str, str], set[int]] = {}
    for benchmark_id, model, setting, method_id in cells:
        methods_on.setdefault((benchmark_id, normalize_model_name(model), setting), set()).add(method_id)
    written = 0
    for (benchmark_id, model, setting), methods in sorted(methods_on.items()):
        results = BenchmarkResult.objects.filter(benchmark_id=benchmark_id, setting=setting, method_id__in=methods)
        printed = results.order_by().values_list("model_name", flat=True).distinct()
        spellings = [name for name in printed if normalize_model_name(name) == model]
        # The cells' results by the (method, benchmark, setting) index, each tested for counting on its
        # own (shown_in): counted_in's list of every included paper made SQLite scan a million results.
        in_cells = results.filter(model_name__in=spellings).shown_in(review, approved_only=approved_only)
        built = build_cells(_result_rows(in_cells), lower)
        board = {"review": review, "benchmark_id": benchmark_id, "model_name": model, "setting": setting}
        entries = LeaderboardEntry.objects.filter(of_basis(approved_only), **board)
        entries.filter(method_id__in=methods).delete()
        written += _insert_entries([_entry_row(review.pk, approved_only, key, cell, 0) for key, cell in built.items()])
        on_board = _rerank(entries, lower.get(benchmark_id, True))
        Board.objects.filter(of_basis(approved_only), **board).delete()
        if on_board:
            Board.objects.create(**board, methods=on_board, approved_only=approved_only)
    return written


def _rerank(entries: QuerySet, lower: bool) -> int:
    """Rank a board's entries as `ranked` does (best value first, then method id), writing only the
    ranks that changed; returns how many entries the board has."""
    rows = list(entries.values_list("pk", "rank", "value", "method_id"))
    rows.sort(key=lambda row: (row[2] if lower else -row[2], row[3]))
    moved = [LeaderboardEntry(pk=pk, rank=rank) for rank, (pk, old, *_) in enumerate(rows, start=1) if old != rank]
    LeaderboardEntry.objects.bulk_update(moved, ["rank"], batch_size=BATCH)
    return len(rows)


def _lower_is_better() -> dict[int, bool]:
    return {pk: direction == Direction.LOWER for pk, direction in Benchmark.objects.values_list("pk", "direction")}


def _result_rows(results: QuerySet) -> Iterator[ResultRow]:
    """The results as build_cells reads them, streamed. Boards are keyed by the registry's spelling,
    so "LLaMA 7B" and "LLaMA-7B" (stored before extraction spelled names alike) make one board."""
    rows = results.values_list(
        "pk", "paper_id", "benchmark_id", "model_name", "setting", "method_id", "value", "weight_bits", "status",
        "benchmark_inferred",
    ).iterator(chunk_size=STREAM_CHUNK)  # fmt: skip
    return ((*row[:3], normalize_model_name(row[3]), *row[4:]) for row in rows)


def _write_cells(review: ReviewScope, approved_only: bool, cells: dict[CellKey, Cell], lower: dict[int, bool]) -> int:
    """Insert the cells' leaderboard rows and their boards (whose old rows the caller deleted)."""
    write_boards(review, approved_only, Counter(key[:3] for key in cells))
    batch: list[tuple] = []
    written = 0
    for key, cell, rank in ranked(cells, lower):
        batch.append(_entry_row(review.pk, approved_only, key, cell, rank))
        if len(batch) >= BATCH:
            written += _insert_entries(batch)
            batch = []
    return written + _insert_entries(batch)


# LeaderboardEntry's columns in the order _entry_row gives them.
ENTRY_COLUMNS = (
    "review_id", "benchmark_id", "model_name", "setting", "method_id", "value", "result_id", "bits", "reports",
    "compared", "low", "high", "spread", "disagreement", "sample", "unreviewed", "rank", "approved_only",
)  # fmt: skip


def _entry_row(review_id: int, approved_only: bool, key: CellKey, cell: Cell, rank: int) -> tuple:
    benchmark_id, model, setting, method_id = key
    low, high = cell.low_high
    disagreement = cell.spread >= settings.DISAGREEMENT_THRESHOLD
    sample = LeaderboardEntry._meta.get_field("sample").get_db_prep_save(
        cell.sample(SAMPLE) if disagreement else [], connection
    )
    return (
        review_id, benchmark_id, model, setting, method_id, cell.best_value, cell.best_result, cell.bits,
        len(cell.papers), len(cell.per_paper), low, high, cell.spread, disagreement, sample, cell.best_pending,
        rank, approved_only,
    )  # fmt: skip


def _insert_entries(rows: list[tuple]) -> int:
    return insert_tuples(LeaderboardEntry, ENTRY_COLUMNS, rows)


def write_boards(review: ReviewScope, approved_only: bool, methods: Counter) -> None:
    """Insert the review's boards of this basis: each (benchmark, model, setting) with its number of
    methods, for the benchmark page's picker (benchmarks.models.Board)."""
    Board.objects.bulk_create(
        [
            Board(review=review, benchmark_id=b, model_name=m, setting=s, methods=n, approved_only=approved_only)
            for (b, m, s), n in methods.items()
        ],
        batch_size=BATCH,
    )
