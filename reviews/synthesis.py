"""The synthesis draft: the review written up as a document (abstract, research questions, method,
quality gate, evidence base, findings, cross-paper synthesis, numeric comparison, limitations,
references, claim audit), every finding citing the papers and pages it rests on.

Drafts are written by tasks only: the recompute stores one composed from the receipts, and a curator
may ask for another (Claude writes the prose when a key is set, and every sentence it cannot ground
is dropped). Pages and exports read the stored document."""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.conf import settings
from django.utils import timezone

from config.page_cache import retire_cached_pages
from config.publishing import publish_on_commit
from reviews.models import DraftStatus, Review, SynthesisDraft
from reviews.synthesis_claude import claude_prose
from reviews.synthesis_compose import DOCUMENT_VERSION, compose_document
from reviews.synthesis_evidence import gather_evidence
from reviews.synthesis_markdown import document_markdown
from worker.extract.claude import anthropic_client

RECEIPTS = "receipts"  # the generator name of drafts composed from receipts, without a model
WRITE_DRAFT_TASK = "worker.tasks.write_synthesis_draft"
NOT_QUEUED = "The task queue (Redis) did not answer, so this draft was never started; try again."


def build_document(review: Review, client: Any = None, model: str = "") -> dict[str, Any]:
    """The whole document, composed offline from the review's receipts; with a client, Claude rewrites
    the prose sections and whatever it cannot ground in a cited receipt is dropped."""
    evidence = gather_evidence(review)
    document = compose_document(evidence)
    if client is not None:
        document = claude_prose(document, evidence, client, model)
    document["generator"] = model if client is not None else RECEIPTS
    return document


def compose_receipts_draft(review: Review) -> SynthesisDraft:
    """Store the draft composed from the review's receipts as its newest ready draft (one such row
    per review, rewritten by every recompute), so pages read a draft and never build one."""
    now = timezone.now()
    fields = {"status": DraftStatus.READY, "document": build_document(review), "finished_at": now, "dropped": 0}
    draft = review.synthesis_drafts.filter(generator=RECEIPTS, requested_by=None).first()
    if draft is None:
        return SynthesisDraft.objects.create(review=review, generator=RECEIPTS, started_at=now, **fields)
    SynthesisDraft.objects.filter(pk=draft.pk).update(started_at=now, **fields)
    return draft


def latest_draft(review: Review) -> SynthesisDraft | None:
    return review.synthesis_drafts.filter(status=DraftStatus.READY).first()


def readable(draft: SynthesisDraft | None) -> dict[str, Any]:
    """The draft's document, or {} for none (or one stored in an older shape, until the next recompute)."""
    if draft is None or draft.document.get("version") != DOCUMENT_VERSION:
        return {}
    return draft.document


def synthesis_markdown(review: Review) -> str:
    """The latest ready draft as Markdown, every section (text a paper controls is escaped)."""
    draft = latest_draft(review)
    return document_markdown(review, readable(draft), draft)


def request_draft(review: Review, user: Any) -> SynthesisDraft:
    """A curator asks for a new draft: recorded as running, written by the worker once committed
    (the task is named: the worker sits above reviews). When the task cannot be queued the draft is
    marked failed at once, so it never stays "being written" and the curator can ask again."""
    draft = SynthesisDraft.objects.create(review=review, requested_by=user, started_at=timezone.now())
    publish_on_commit(current_app.tasks[WRITE_DRAFT_TASK], draft.pk, on_failure=lambda: _not_queued(draft.pk))
    return draft


def _not_queued(draft_id: int) -> None:
    SynthesisDraft.objects.filter(pk=draft_id, status=DraftStatus.RUNNING).update(
        status=DraftStatus.FAILED, error=NOT_QUEUED, finished_at=timezone.now()
    )


def set_research_questions(review: Review, asked: list[str], user: Any) -> SynthesisDraft:
    """A curator rewrites the review's research questions; a new draft answering them is requested."""
    review.research_questions = asked
    review.save(update_fields=["research_questions", "updated_at"])
    return request_draft(review, user)


def write_draft(draft_id: int, client: Any = None) -> None:
    """Fill a requested draft: Claude's prose when a key is set (or a client is given), else the
    document composed from receipts. Safe to run twice: a finished draft is left alone."""
    draft = SynthesisDraft.objects.select_related("review").get(pk=draft_id)
    if draft.status != DraftStatus.RUNNING:
        return
    try:
        if client is None and settings.ANTHROPIC_API_KEY:
            client = anthropic_client(settings.ANTHROPIC_API_KEY)
        model = settings.ANTHROPIC_MODEL if client is not None else ""
        document = build_document(draft.review, client, model)
        SynthesisDraft.objects.filter(pk=draft_id).update(
            status=DraftStatus.READY,
            document=document,
            dropped=len(document["dropped"]),
            generator=document["generator"],
            finished_at=timezone.now(),
        )
        retire_cached_pages()
    except Exception as exc:  # recorded on the draft, shown to the curator; the task does not retry
        SynthesisDraft.objects.filter(pk=draft_id).update(
            status=DraftStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
