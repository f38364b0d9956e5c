"""Recomputing a review's derived views from its receipts: the three dashboard panels, the
leaderboards, the counts and quality gate, and the synthesis draft composed from receipts. Never run inside a request; `worker.tasks.recompute_derived_views` calls it."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass

from celery import current_app
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, Method, MethodFamily
from benchmarks.models import Benchmark, BenchmarkResult, Board, LeaderboardEntry
from benchmarks.services import BATCH, STREAM_CHUNK, rebuild_leaderboard
from config.bulk import insert_tuples
from config.locks import hold_transaction_lock
from config.page_cache import retire_cached_pages
from config.planner import refresh_statistics
from config.publishing import publish_on_commit
from papers.provenance import ReceiptStatus, of_basis
from reviews.communities import comparison_graph, find_communities
from reviews.ledger import quality_gate
from reviews.models import (
    FrontierEntry,
    MethodStanding,
    PaperTally,
    PendingRefresh,
    Review,
    ReviewPaper,
    SubProblem,
)
from reviews.synthesis import compose_receipts_draft

logger = logging.getLogger(__name__)

# Batch sizes are the leaderboard's (measured there).
FRONTIER_FALLBACK = 15  # the dashboard shows this many
DERIVED_MODELS = (MethodStanding, SubProblem, FrontierEntry, LeaderboardEntry, Board, PaperTally)


@dataclass
class RecomputeReport:
    standings: int = 0
    subproblems: int = 0
    frontier: int = 0
    leaderboard: int = 0
    seconds: float = 0.0


def distinct_papers(queryset: QuerySet, field: str) -> dict[int, int]:
    return dict(queryset.values_list(field).annotate(n=Count("paper", distinct=True)).order_by())


def _methods_proper() -> QuerySet:
    """Methods a panel may rank, group or promote: full-precision reference rows (FP16) are the line
    results are read against, shown on leaderboards only."""
    return Method.objects.exclude(family=MethodFamily.FULL_PRECISION)


def standing_rows(
    review: Review, approved_only: bool, methods: set[int] | None = None, *, results: bool = True
) -> list[tuple[str, MethodStanding]]:
    """Standings (unranked, with their method's name) of the methods critiqued or beaten in the
    review's counted receipts: of every such method, or of `methods` alone (an incremental refresh,
    which may leave `result_papers` at 0 to fill in itself: `results=False`). Reads the papers'
    tallies for `result_papers`, so those are written first."""
    receipts = {
        "critiques": (CritiqueReceipt, "method"),
        "beaten": (BeatsReceipt, "baseline"),
        "beats": (BeatsReceipt, "method"),
    }
    counts = {}
    for name, (model, field) in receipts.items():
        if methods is None:
            counted = model.objects.counted_in(review, approved_only=approved_only)
        else:  # a few methods' receipts, each tested on its own (see ReceiptQuerySet.shown_in)
            counted = model.objects.filter(**{f"{field}__in": methods}).shown_in(review, approved_only=approved_only)
        counts[name] = distinct_papers(counted, field)
    critiques, beaten, beats = counts.values()
    reported = reporting_papers(review, approved_only, methods) if results else {}
    return [
        (
            name,
            MethodStanding(
                review=review,
                method_id=m,
                critique_papers=critiques.get(m, 0),
                beaten_by_papers=beaten.get(m, 0),
                beats_papers=beats.get(m, 0),
                result_papers=reported.get(m, 0),
                rank=0,
                approved_only=approved_only,
            ),
        )
        for m, name in _methods_proper().filter(pk__in=set(critiques) | set(beaten)).values_list("pk", "name")
    ]


def reporting_papers(review: Review, approved_only: bool, methods: set[int] | None = None) -> Counter:
    """How many of the review's papers report a counted result for each method (or for these), from
    the papers' tallies: the same reading a refresh moves, so the two never disagree."""
    column = "approved_reported" if approved_only else "reported"
    counts: Counter = Counter()
    for reported in PaperTally.objects.filter(review=review).values_list(column, flat=True).iterator(STREAM_CHUNK):
        counts.update(reported if methods is None else methods.intersection(reported))
    return counts


def standing_order(critique_papers: int, beaten_by_papers: int, name: str) -> tuple:
    """Most superseded first: critiqued or beaten in the most papers, then beaten in the most, then by name."""
    return (-(critique_papers + beaten_by_papers), -beaten_by_papers, name)


def recompute_standings(review: Review, approved_only: bool) -> int:
    named = standing_rows(review, approved_only)
    named.sort(key=lambda pair: standing_order(pair[1].critique_papers, pair[1].beaten_by_papers, pair[0]))
    rows = [row for _, row in named]
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    MethodStanding.objects.filter(of_basis(approved_only), review=review).delete()
    MethodStanding.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def recompute_subproblems(review: Review, approved_only: bool) -> int:
    cells = (
        BenchmarkResult.objects.counted_in(review, approved_only=approved_only)
        .filter(method__in=_methods_proper())
        .order_by("paper_id", "benchmark_id", "model_name")
        .values_list("paper_id", "benchmark_id", "model_name", "method_id")
        .iterator(chunk_size=STREAM_CHUNK)
    )
    graph, benchmarks_of = comparison_graph(((p, b, m), b, method) for p, b, m, method in cells)
    communities = find_communities(graph, benchmarks_of)
    bench_names = dict(Benchmark.objects.values_list("pk", "name"))
    SubProblem.objects.filter(of_basis(approved_only), review=review).delete()
    SubProblem.objects.bulk_create(
        [
            SubProblem(
                review=review,
                rank=rank,
                anchor_id=c.anchor,
                size=len(c.members),
                member_ids=c.members,
                benchmark_names=[bench_names[b] for b in c.benchmarks if b in bench_names],
                approved_only=approved_only,
            )
            for rank, c in enumerate(communities, start=1)
        ],
        batch_size=BATCH,
    )
    return len(communities)


def recompute_frontier(review: Review, approved_only: bool, now: dt.datetime) -> int:
    """Methods the review's papers introduce that no counted receipt beats, newest first, from a
    window that ends at the review's newest paper (a review of last year's papers still has a
    frontier); when the window holds none, the newest unbeaten methods of any date. Reads the
    beaten methods from the standings of this basis, so those are built first."""
    included = ReviewPaper.objects.filter(review=review).included()
    newest = included.aggregate(newest=Max("paper__published"))["newest"] or now
    # A standing's beaten_by_papers counts the review's counted beats receipts against the method:
    # the handful of beaten methods, not 120,000 receipts to read again.
    standings = MethodStanding.objects.filter(of_basis(approved_only), review=review, beaten_by_papers__gt=0)
    beaten = set(standings.values_list("method_id", flat=True))
    unbeaten = (
        _methods_proper()
        .filter(Exists(included.filter(paper_id=OuterRef("introduced_by_id"))))
        .exclude(pk__in=beaten)
        .values_list("pk", "introduced_by_id", "introduced_by__published")
        .order_by("-introduced_by__published", "name")
    )
    since = newest - dt.timedelta(days=review.frontier_window_days)
    recent = list(unbeaten.filter(introduced_by__published__gte=since)) or list(unbeaten[:FRONTIER_FALLBACK])
    rows = [
        FrontierEntry(
            review=review, method_id=m, paper_id=p, published=published, rank=rank, approved_only=approved_only
        )
        for rank, (m, p, published) in enumerate(recent, start=1)
    ]
    FrontierEntry.objects.filter(of_basis(approved_only), review=review).delete()
    FrontierEntry.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


# Advisory locks (config.locks) per review: the full recompute holds both; an incremental refresh
# holds the views' lock only and the catch-up the clusters' one, so those two never wait on each other.
VIEWS_LOCK = "derived-views"
CLUSTERS_LOCK = "derived-clusters"


def recompute_review(review_id: int, now: dt.datetime | None = None) -> RecomputeReport:
    """Rebuild every derived view of the review from its receipts, in one transaction so readers
    see the old views or the new ones, never a mix. Each view is built twice: over approved and
    pending receipts (what readers see first, pending marked) and over approved ones alone. Idempotent."""
    started = time.perf_counter()
    review = Review.objects.get(pk=review_id)
    report = RecomputeReport()
    with transaction.atomic():
        hold_transaction_lock(VIEWS_LOCK, review_id)  # a second worker waits its turn
        hold_transaction_lock(CLUSTERS_LOCK, review_id)
        PendingRefresh.objects.filter(pk__in=list(pending_refreshes(review_id))).delete()  # all folded in here
        write_tallies(review)  # the standings read them
        for approved_only in (False, True):
            report.standings += recompute_standings(review, approved_only)
            report.subproblems += recompute_subproblems(review, approved_only)
            report.frontier += recompute_frontier(review, approved_only, now or timezone.now())
            report.leaderboard += rebuild_leaderboard(review, approved_only)
        Review.objects.filter(pk=review_id).update(
            derived_at=timezone.now(),
            derived_counts=review_counts(review),
            derived_gate=asdict(quality_gate(review)),
            subproblems_stale=False,
        )
        compose_receipts_draft(review)  # reads the views just rebuilt
        transaction.on_commit(retire_cached_pages)
    refresh_statistics([model._meta.db_table for model in DERIVED_MODELS])
    report.seconds = time.perf_counter() - started
    logger.info("recomputed %s in %.1f s: %s", review.slug, report.seconds, report)
    return report


def pending_refreshes(review_id: int) -> dict[int, tuple[list, dict]]:
    """The review's waiting PendingRefresh rows, committed ones only: pk -> (paper ids, touched as JSON)."""
    rows = PendingRefresh.objects.filter(review_id=review_id).values_list("pk", "paper_ids", "touched")
    return {pk: (papers, touched) for pk, papers, touched in rows}


# The receipt kinds a review counts, by the name its counts give them.
COUNTED_KINDS = (("critiques", CritiqueReceipt), ("results", BenchmarkResult), ("beats", BeatsReceipt))
COUNT_COLUMNS = tuple(f"{prefix}{kind}" for kind, _ in COUNTED_KINDS for prefix in ("", "approved_"))
TALLY_COLUMNS = ("review_id", "paper_id", *COUNT_COLUMNS, "reported", "approved_reported")


def write_tallies(review: Review, paper_ids: set[int] | None = None) -> int:
    """Recount the receipts the review counts per paper (PaperTally): of every paper, or of these."""
    tallies: dict[int, list] = {}

    def tally(paper_id: int) -> list:
        return tallies.setdefault(paper_id, [0] * len(COUNT_COLUMNS) + [set(), set()])

    for column, (_, model) in enumerate(COUNTED_KINDS):
        per_paper = (
            _counted_of(model, review, paper_ids)
            .values_list("paper_id")
            .annotate(every=Count("pk"), approved=Count("pk", filter=Q(status=ReceiptStatus.APPROVED)))
        )
        for paper_id, every, approved in per_paper.order_by():
            tally(paper_id)[2 * column : 2 * column + 2] = every, approved
    reports = _counted_of(BenchmarkResult, review, paper_ids)
    for paper_id, method_id, status in reports.values_list("paper_id", "method_id", "status").distinct().order_by():
        reported, approved_reported = tally(paper_id)[-2:]
        reported.add(method_id)
        if status == ReceiptStatus.APPROVED:
            approved_reported.add(method_id)
    _of_papers(PaperTally.objects.filter(review=review), paper_ids).delete()
    encode = PaperTally._meta.get_field("reported").get_db_prep_save
    rows = [
        (review.pk, paper, *numbers[:-2], *(encode(sorted(methods), connection) for methods in numbers[-2:]))
        for paper, numbers in tallies.items()
    ]
    return insert_tuples(PaperTally, TALLY_COLUMNS, rows)


def _of_papers(queryset: QuerySet, paper_ids: set[int] | None) -> QuerySet:
    return queryset if paper_ids is None else queryset.filter(paper_id__in=paper_ids)


def _counted_of(model: type, review: Review, paper_ids: set[int] | None) -> QuerySet:
    """The receipts the review counts: all of them, or a few papers' ones, each tested on its own
    (ReceiptQuerySet.shown_in; counted_in's list of every included paper costs more than the rows)."""
    if paper_ids is None:
        return model.objects.counted_in(review)
    return model.objects.filter(paper_id__in=paper_ids).shown_in(review)


def review_counts(review: Review) -> dict[str, int]:
    """Papers, and the receipts the review counts by kind: all of them, and the approved ones (the
    sum of its papers' tallies, written first)."""
    sums = PaperTally.objects.filter(review=review).aggregate(**{column: Sum(column) for column in COUNT_COLUMNS})
    counts = {"papers": ReviewPaper.objects.filter(review=review).included().count()}
    return counts | {column: sums[column] or 0 for column in COUNT_COLUMNS}


# The task is named, not imported: reviews sit below the worker that runs them.
RECOMPUTE_TASK = "worker.tasks.recompute_derived_views"


def mark_dirty(review_ids: list[int]) -> None:
    """Flag reviews whose derived views are stale and queue their recompute once the data commits.
    With the broker down the flag stays set and the beat's sweep (`recompute_dirty_reviews`) or the
    next decision queues it again."""
    Review.objects.filter(pk__in=review_ids).update(derived_dirty=True)
    task = current_app.tasks[RECOMPUTE_TASK]
    for review_id in review_ids:
        publish_on_commit(task, review_id)


def mark_papers_dirty(paper_ids: set[int]) -> None:
    """Mark dirty every review that holds one of these papers."""
    review_ids = list(ReviewPaper.objects.filter(paper_id__in=paper_ids).values_list("review_id", flat=True).distinct())
    if review_ids:
        mark_dirty(review_ids)


def claim_dirty(review_id: int) -> bool:
    """Take the review's dirty flag (conditional update); only the claimer recomputes. A change
    that lands while we compute sets the flag again and queues another pass."""
    return bool(Review.objects.filter(pk=review_id, derived_dirty=True).update(derived_dirty=False))
