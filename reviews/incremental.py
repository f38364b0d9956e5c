"""Incremental refresh of a review's derived views, so a curator decision (or one paper's new receipts)
is public within seconds at 100,000 papers instead of after a minute-long full recompute.

What a change touched (baselines.signals.Touched) is stored as a PendingRefresh row; the refresh task
folds every waiting row in and rebuilds only: the standings of the touched methods (then every
standing's rank), the touched leaderboard cells (then their boards' ranks), the frontier when a
beats receipt changed, and the counts (from per-paper tallies). Sub-problems are a
clustering of the whole comparison graph and the receipts draft reads everything: both catch up in
one later pass (`recompute_clusters`), run by the beat every FULL_CATCHUP_DELAY_SECONDS for the
reviews whose decisions flagged them. A change that reaches past its receipts (a merge, an adopted candidate)
gets the full recompute instead (reviews.derived.mark_dirty).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, Method
from baselines.signals import Touched
from benchmarks.models import Benchmark, BenchmarkResult
from benchmarks.services import BATCH, refresh_cells
from config.locks import hold_transaction_lock
from config.page_cache import retire_cached_pages, topic
from config.publishing import publish_on_commit
from papers.models import Paper
from papers.provenance import of_basis
from reviews.derived import (
    CLUSTERS_LOCK,
    VIEWS_LOCK,
    mark_dirty,
    pending_refreshes,
    recompute_frontier,
    recompute_subproblems,
    reporting_papers,
    review_counts,
    standing_order,
    standing_rows,
    write_tallies,
)
from reviews.models import MethodStanding, PaperTally, PendingRefresh, Review, ReviewPaper
from reviews.synthesis import compose_receipts_draft

logger = logging.getLogger(__name__)

# Tasks are named, not imported: reviews sit below the worker that runs them.
REFRESH_TASK = "worker.tasks.refresh_derived_views"
CATCHUP_TASK = "worker.tasks.catch_up_subproblems"


@dataclass
class RefreshReport:
    changes: int = 0
    methods: int = 0
    cells: int = 0
    reranked: int = 0
    leaderboard: int = 0
    seconds: float = 0.0


def queue_refresh(paper_ids: set[int], touched: Touched) -> None:
    """Record what changed for every review holding these papers and queue their refresh on commit
    (with the broker down the rows wait for the next refresh, or the full recompute, to fold them in)."""
    review_ids = list(ReviewPaper.objects.filter(paper_id__in=paper_ids).values_list("review_id", flat=True).distinct())
    queue_review_refresh(review_ids, paper_ids, touched)


def queue_review_refresh(review_ids: list[int], paper_ids: set[int], touched: Touched) -> None:
    """queue_refresh for these reviews (a paper that is gone names none)."""
    if not review_ids:
        return
    if touched.everything:
        mark_dirty(review_ids)
        return
    as_json = {
        "compared": sorted(touched.compared),
        "reported": sorted(touched.reported),
        "cells": sorted(list(cell) for cell in touched.cells),
        "frontier": touched.frontier,
        "hubs": sorted(touched.hubs),
    }
    PendingRefresh.objects.bulk_create(
        [PendingRefresh(review_id=pk, paper_ids=sorted(paper_ids), touched=as_json) for pk in review_ids]
    )
    refresh = current_app.tasks[REFRESH_TASK]
    for review_id in review_ids:
        publish_on_commit(refresh, review_id)
    _schedule_catchup(review_ids)


def touched_by_papers(paper_ids: set[int]) -> Touched:
    """What these papers' receipts move as they stand now: read before and after a paper's receipts
    are stored anew (ingestion), whose union is what the new receipts touched."""
    compared = set(CritiqueReceipt.objects.filter(paper_id__in=paper_ids).values_list("method_id", flat=True))
    for pair in BeatsReceipt.objects.filter(paper_id__in=paper_ids).values_list("method_id", "baseline_id"):
        compared.update(pair)
    results = BenchmarkResult.objects.filter(paper_id__in=paper_ids)
    cells = set(results.values_list("benchmark_id", "model_name", "setting", "method_id").distinct())
    reported = {cell[3] for cell in cells}
    return Touched(frozenset(compared), frozenset(reported), frozenset(cells), frontier=True)


def _folded(claimed: dict[int, tuple[list, dict]]) -> tuple[set[int], Touched]:
    """The papers and the union of what the claimed PendingRefresh rows touched."""
    papers: set[int] = set()
    touched = Touched()
    for paper_ids, row in claimed.values():
        papers.update(paper_ids)
        touched |= Touched(
            frozenset(row.get("compared", ())),
            frozenset(row.get("reported", ())),
            frozenset(tuple(cell) for cell in row.get("cells", ())),
            bool(row.get("frontier")),
            frozenset(row.get("hubs", ())),
        )
    return papers, touched


def _schedule_catchup(review_ids: list[int]) -> None:
    """Flag the reviews' sub-problems as behind. The beat's catch-up sweep runs them every
    FULL_CATCHUP_DELAY_SECONDS, once however many decisions landed; a delayed task would sit reserved
    in a worker (an ETA message holds the prefetch slot of a worker with late acks). Tasks run
    in-process have no beat: the catch-up runs at once."""
    catchup = current_app.tasks[CATCHUP_TASK]
    for review_id in review_ids:
        raised = Review.objects.filter(pk=review_id, subproblems_stale=False).update(subproblems_stale=True)
        if raised and settings.CELERY_TASK_ALWAYS_EAGER:
            publish_on_commit(catchup, review_id)


def refresh_review(review_id: int) -> RefreshReport:
    """Fold the review's waiting PendingRefresh rows into its derived views, in one transaction
    (readers see the views before or after, never half). Rows written meanwhile wait their turn."""
    started = time.perf_counter()
    report = RefreshReport()
    review = Review.objects.get(pk=review_id)
    if review.derived_at is None:  # never computed in today's shape (no tallies yet): the whole of it
        mark_dirty([review_id])  # the full recompute folds the waiting rows in
        return report
    with transaction.atomic():
        hold_transaction_lock(VIEWS_LOCK, review_id)
        claimed = pending_refreshes(review_id)
        if not claimed:
            return report  # an earlier refresh, or a full recompute, folded them in
        PendingRefresh.objects.filter(pk__in=list(claimed)).delete()
        papers, touched = _folded(claimed)
        reported_before = _reported(review, papers)
        write_tallies(review, papers)
        moves = _result_moves(reported_before, _reported(review, papers))
        report.changes, report.methods, report.cells = len(claimed), len(touched.methods), len(touched.cells)
        for basis, approved_only in enumerate((False, True)):
            report.reranked += refresh_standings(review, approved_only, set(touched.compared), moves[basis])
            report.leaderboard += refresh_cells(review, approved_only, touched.cells)
            if touched.frontier:
                recompute_frontier(review, approved_only, timezone.now())
        Review.objects.filter(pk=review_id).update(derived_at=timezone.now(), derived_counts=review_counts(review))
        benchmarks = {cell[0] for cell in touched.cells}
        topics = pages_about(review, papers, set(touched.methods), benchmarks)
        transaction.on_commit(lambda: retire_cached_pages(topics))
    report.seconds = time.perf_counter() - started
    logger.info("refreshed %s in %.2f s: %s", review.slug, report.seconds, report)
    return report


def _reported(review: Review, papers: set[int]) -> dict[int, tuple[set[int], set[int]]]:
    """Per paper, the methods its tally says it reports a counted result for, of each basis."""
    tallies = PaperTally.objects.filter(review=review, paper_id__in=papers)
    return {
        paper: (set(every), set(approved))
        for paper, every, approved in tallies.values_list("paper_id", "reported", "approved_reported")
    }


def _result_moves(before: dict, after: dict) -> tuple[Counter, Counter]:
    """How each method's count of reporting papers moves, of each basis, between two readings of
    the touched papers' tallies."""
    moves = (Counter(), Counter())
    for paper in before.keys() | after.keys():
        for basis in (0, 1):
            was, now = (readings.get(paper, (set(), set()))[basis] for readings in (before, after))
            moves[basis].update(dict.fromkeys(now - was, 1))
            moves[basis].subtract(dict.fromkeys(was - now, 1))
    return moves


def pages_about(review: Review, papers: set[int], methods: set[int], benchmarks: set[int]) -> list[str]:
    """The cached pages a refresh changes (config.page_cache topics): the review's, and those of the
    touched papers, methods and benchmarks; the rest stay warm for readers."""
    return [
        topic("review", review.slug),
        *(
            topic("paper", arxiv_id)
            for arxiv_id in Paper.objects.filter(pk__in=papers).values_list("arxiv_id", flat=True)
        ),
        *(topic("method", slug) for slug in Method.objects.filter(pk__in=methods).values_list("slug", flat=True)),
        *(
            topic("benchmark", slug)
            for slug in Benchmark.objects.filter(pk__in=benchmarks).values_list("slug", flat=True)
        ),
    ]


def refresh_standings(review: Review, approved_only: bool, compared: set[int], result_moves: Counter) -> int:
    """Recount the standings of the compared methods (critiques, beats) and move the reporting-paper
    counts of the others; re-rank when a ranked count changed. Returns how many standings moved rank."""
    standings = MethodStanding.objects.filter(of_basis(approved_only), review=review)
    for method_id, moved in result_moves.items():
        if moved and method_id not in compared:
            standings.filter(method_id=method_id).update(result_papers=F("result_papers") + moved)
    if not compared:
        return 0
    before = dict(standings.filter(method_id__in=compared).values_list("method_id", "result_papers"))
    fresh = [row for _, row in standing_rows(review, approved_only, compared, results=False)]
    first_standing = {row.method_id for row in fresh} - set(before)
    results = reporting_papers(review, approved_only, first_standing) if first_standing else {}
    for row in fresh:
        row.result_papers = (
            results.get(row.method_id, 0)
            if row.method_id in first_standing
            else (before[row.method_id] + result_moves.get(row.method_id, 0))
        )
    standings.filter(method_id__in=compared).delete()
    MethodStanding.objects.bulk_create(fresh)
    return rerank_standings(review, approved_only)


def rerank_standings(review: Review, approved_only: bool) -> int:
    """Give the review's standings of this basis their ranks in standing_order, writing only the
    rows whose rank changed."""
    standings = MethodStanding.objects.filter(of_basis(approved_only), review=review)
    rows = list(standings.values_list("pk", "rank", "critique_papers", "beaten_by_papers", "method__name"))
    rows.sort(key=lambda row: standing_order(*row[2:]))
    moved = [MethodStanding(pk=pk, rank=rank) for rank, (pk, old, *_) in enumerate(rows, start=1) if old != rank]
    MethodStanding.objects.bulk_update(moved, ["rank"], batch_size=BATCH)
    return len(moved)


def recompute_clusters(review_id: int) -> int:
    """The catch-up after incremental refreshes: the review's sub-problems and its receipts draft,
    rebuilt whole. Returns the sub-problems written."""
    review = Review.objects.get(pk=review_id)
    # Lowered in a statement of its own, before the long transaction: a decision from now on sees
    # it down and queues another catch-up, and none waits on this row's lock meanwhile.
    Review.objects.filter(pk=review_id).update(subproblems_stale=False)
    with transaction.atomic():
        hold_transaction_lock(CLUSTERS_LOCK, review_id)
        written = sum(recompute_subproblems(review, approved_only) for approved_only in (False, True))
        compose_receipts_draft(review)
        transaction.on_commit(lambda: retire_cached_pages([topic("review", review.slug)]))  # its dashboard, synthesis
    return written
