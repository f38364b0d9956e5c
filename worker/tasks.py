"""Celery tasks: small wrappers that take ids and call one pipeline function each.

Per paper: download_pdf → parse_pdf → extract_receipts, chained. Every task is safe to run twice
(state moves forward through conditional updates), which is what makes late acks safe.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import chain, shared_task
from celery.contrib.django.task import DjangoTask
from django.db import transaction

from reviews import derived, incremental
from reviews.models import PendingRefresh, Review
from reviews.synthesis import write_draft
from worker import pipeline
from worker.arxiv_client import TransientFetchError
from worker.models import RunTrigger

logger = logging.getLogger(__name__)

# Only what may succeed later is retried: timeouts, connection errors, HTTP 429 and 5xx.
RETRY_TRANSIENT: dict[str, Any] = {
    "autoretry_for": (TransientFetchError,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


class ItemTask(DjangoTask):
    """A per-paper stage: when it finally fails (retries spent, or a bug) the paper is marked failed
    with the reason and the run goes on without it."""

    stage = "item"

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        pipeline.fail_item(
            args[0], self.stage, f"{type(exc).__name__}: {exc}", permanent=not isinstance(exc, TransientFetchError)
        )


class RunTask(DjangoTask):
    """A run-level stage: when it finally fails the run is closed as failed with the reason."""

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        pipeline.fail_run(args[0], f"{type(exc).__name__}: {exc}")


@shared_task(ignore_result=True)
def ingest_review(review_id: int, trigger: str = RunTrigger.SCHEDULE, since: str | None = None) -> int:
    """Open an ingestion run over the review's next window and queue its feed fetch. Returns the run id."""
    run = pipeline.start_run(review_id, trigger=trigger, since=dt.datetime.fromisoformat(since) if since else None)
    fetch_feed.delay_on_commit(run.pk)
    return run.pk


@shared_task(base=RunTask, ignore_result=True, **RETRY_TRANSIENT)
def fetch_feed(run_id: int, max_results: int | None = None) -> None:
    """Read the run's window from arXiv, upsert papers, and chain the per-paper stages."""
    item_ids = pipeline.fetch_run_feed(run_id, max_results=max_results)
    for item_id in item_ids:
        enqueue_item(item_id)
    if not item_ids:
        pipeline.finish_run_if_done(run_id)
    logger.info("run %s: feed read, %d papers queued", run_id, len(item_ids))


def item_stages(item_id: int) -> chain:
    """One paper's remaining stages, in order; each is a no-op when its work is already done."""
    return chain(download_pdf.si(item_id), parse_pdf.si(item_id), extract_receipts.si(item_id))


def enqueue_item(item_id: int) -> None:
    transaction.on_commit(item_stages(item_id).apply_async)


class DownloadTask(ItemTask):
    stage = "download"


class ParseTask(ItemTask):
    stage = "parse"


class ExtractTask(ItemTask):
    stage = "extract"


@shared_task(base=DownloadTask, ignore_result=True, **RETRY_TRANSIENT)
def download_pdf(item_id: int) -> None:
    pipeline.download_item(item_id)


@shared_task(base=ParseTask, ignore_result=True)
def parse_pdf(item_id: int) -> None:
    pipeline.parse_item(item_id)


@shared_task(base=ExtractTask, ignore_result=True)
def extract_receipts(item_id: int) -> None:
    pipeline.extract_item(item_id)


@shared_task(ignore_result=True)
def schedule_due_ingestions() -> list[int]:
    """Beat, every few minutes: start each review whose nightly time has come and is not started yet."""
    review_ids = pipeline.claim_due_reviews()
    for review_id in review_ids:
        ingest_review.delay_on_commit(review_id)
    return review_ids


@shared_task(ignore_result=True)
def resume_stalled_items() -> int:
    """Beat: re-queue per-paper work whose worker died (state unchanged for a while), and close
    runs whose last step finished but whose closing did not."""
    pipeline.close_finished_runs()
    item_ids = pipeline.stalled_items()
    for item_id in item_ids:
        pipeline.touch_item(item_id)
        enqueue_item(item_id)
    return len(item_ids)


@shared_task(ignore_result=True)
def recompute_derived_views(review_id: int) -> None:
    """Rebuild a review's panels and leaderboards if they are stale (dirty flag claimed first, so
    a burst of curator decisions leads to one recompute, plus one for changes made meanwhile)."""
    if derived.claim_dirty(review_id):
        derived.recompute_review(review_id)


@shared_task(ignore_result=True)
def refresh_derived_views(review_id: int) -> None:
    """Fold what curator decisions and new papers touched into the review's views (reviews.incremental).
    A refresh that fails would fail again on the same waiting rows: the full recompute takes over."""
    try:
        incremental.refresh_review(review_id)
    except Exception:
        logger.exception("refresh of review %s failed; queueing its full recompute", review_id)
        derived.mark_dirty([review_id])


@shared_task(ignore_result=True)
def catch_up_subproblems(review_id: int) -> None:
    """The catch-up after incremental refreshes: sub-problems and the receipts draft."""
    incremental.recompute_clusters(review_id)


@shared_task(ignore_result=True)
def recompute_dirty_reviews() -> int:
    """Beat: a safety net for reviews flagged dirty (or with refreshes waiting) whose task was lost."""
    review_ids = list(Review.objects.filter(derived_dirty=True).values_list("pk", flat=True))
    for review_id in review_ids:
        recompute_derived_views.delay(review_id)
    waiting = PendingRefresh.objects.exclude(review_id__in=review_ids).values_list("review_id", flat=True)
    for review_id in set(waiting):
        refresh_derived_views.delay(review_id)
    return len(review_ids)


@shared_task(ignore_result=True)
def catch_up_stale_reviews() -> int:
    """Beat: the sub-problems and receipts draft of reviews whose decisions flagged them behind (a
    review with a full recompute due gets them from it)."""
    behind = list(Review.objects.filter(derived_dirty=False, subproblems_stale=True).values_list("pk", flat=True))
    for review_id in behind:
        catch_up_subproblems.delay(review_id)
    return len(behind)


@shared_task(ignore_result=True)
def write_synthesis_draft(draft_id: int) -> None:
    """Write a synthesis draft a curator asked for (Claude when a key is set, else from receipts)."""
    write_draft(draft_id)
