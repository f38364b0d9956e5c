"""Reading the curator queue: pending receipts with their evidence, in a fixed number of queries."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from baselines.curation import KINDS
from baselines.models import CuratorDecision
from papers.models import DocumentStatus, Paper, ParsedPage

RELATED: dict[str, tuple[str, ...]] = {
    "result": ("paper", "method", "benchmark"),
    "beats": ("paper", "method", "baseline", "benchmark"),
    "critique": ("paper", "method"),
    "candidate": ("paper", "resolved_method"),
    "benchmark-candidate": ("paper", "resolved_benchmark"),
    "citation": ("paper", "cited", "method"),
}
ORDERS = {"newest": ("-paper__published", "pk"), "confidence": ("confidence", "pk")}
CONTEXT_CHARS = 280


@dataclass
class Filters:
    kind: str = "result"
    review: str = ""
    paper: str = ""
    method: str = ""
    extractor: str = ""
    max_confidence: float | None = None
    order: str = "newest"

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> Filters:
        try:
            max_confidence = float(params["max_confidence"]) if params.get("max_confidence") else None
        except ValueError:
            max_confidence = None
        return cls(
            kind=params.get("kind") if params.get("kind") in KINDS else "result",
            review=params.get("review", "").strip(),
            paper=params.get("paper", "").strip(),
            method=params.get("method", "").strip(),
            extractor=params.get("extractor", "").strip(),
            max_confidence=max_confidence,
            order=params.get("order") if params.get("order") in ORDERS else "newest",
        )


def pending(filters: Filters) -> QuerySet:
    model = KINDS[filters.kind]
    qs = model.objects.pending().select_related(*RELATED[filters.kind])
    if filters.review:
        qs = qs.filter(paper__review_entries__review__slug=filters.review)
    if filters.paper:
        qs = qs.filter(paper__arxiv_id=filters.paper)
    if filters.method and filters.kind != "candidate":
        qs = qs.filter(method__slug=filters.method)
    if filters.extractor:
        qs = qs.filter(extractor=filters.extractor)
    if filters.max_confidence is not None:
        qs = qs.filter(confidence__lte=filters.max_confidence)
    return qs.order_by(*ORDERS[filters.order])


@dataclass
class Evidence:
    """The quote inside its page text: three pieces the template escapes, the middle one marked."""

    before: str = ""
    match: str = ""
    after: str = ""
    found: bool = False


def _squash(text: str) -> str:
    return " ".join(text.split())


def locate(quote: str, page_text: str) -> Evidence:
    """Find the quote in the page (case and spacing ignored) and cut the surrounding text."""
    text = _squash(page_text)
    needle = _squash(quote)
    if not text or not needle:
        return Evidence(before=text[: 2 * CONTEXT_CHARS])
    match = re.search(re.escape(needle).replace(r"\ ", r"\s*"), text, re.IGNORECASE)
    if match is None:
        # A table row's cells may be printed in another order: fall back to its first number.
        number = re.search(r"\d+(?:\.\d+)?", needle)
        match = re.search(re.escape(number.group()), text) if number else None
        if match is None:
            return Evidence(before=text[: 2 * CONTEXT_CHARS])
    start, end = match.span()
    return Evidence(
        before=("…" if start > CONTEXT_CHARS else "") + text[max(0, start - CONTEXT_CHARS) : start],
        match=text[start:end],
        after=text[end : end + CONTEXT_CHARS] + ("…" if end + CONTEXT_CHARS < len(text) else ""),
        found=True,
    )


def attach_evidence(receipts: list[Any]) -> None:
    """Give each receipt `.evidence` from its page's text: one query for the whole page of items."""
    wanted = {(r.paper_id, r.page) for r in receipts if r.page}
    texts: dict[tuple[int, int], str] = {}
    if wanted:
        pages = ParsedPage.objects.filter(
            document__paper_id__in={p for p, _ in wanted},
            document__version=F("document__paper__version"),
            document__status=DocumentStatus.PARSED,
            number__in={n for _, n in wanted},
        ).values_list("document__paper_id", "number", "text", "document_id")
        documents: dict[int, int] = {}
        for paper_id, number, text, document_id in pages:
            texts[(paper_id, number)] = text
            documents[paper_id] = document_id
    else:
        documents = {}
    for receipt in receipts:
        receipt.page_evidence = locate(receipt.quote, texts.get((receipt.paper_id, receipt.page), ""))
        receipt.document_id = documents.get(receipt.paper_id)


def recent_decisions(actor: Any, limit: int = 200) -> QuerySet:
    return CuratorDecision.objects.filter(actor=actor).select_related("content_type")[:limit]


def reviews_with_papers() -> list[dict[str, str]]:
    """Slug and title of every review that holds papers, for the queue's review filter (read through
    the papers' review entries: reviews sit above this app)."""
    rows = (
        Paper.objects.filter(review_entries__isnull=False)
        .values("review_entries__review__slug", "review_entries__review__title")
        .distinct()
        .order_by("review_entries__review__title")
    )
    return [{"slug": r["review_entries__review__slug"], "title": r["review_entries__review__title"]} for r in rows]


def mark_reopenable(decisions: list[Any]) -> None:
    """Give each decision `.kind` (its receipt's URL slug) and `.reopenable`: true on the newest row
    of a receipt that is approved or rejected now. One query per kind of receipt on the page."""
    kinds = {model._meta.label_lower: kind for kind, model in KINDS.items()}
    wanted: dict[str, set[int]] = {}
    for decision in decisions:
        decision.kind = kinds.get(f"{decision.content_type.app_label}.{decision.content_type.model}")
        if decision.kind:
            wanted.setdefault(decision.kind, set()).add(decision.object_id)
    decided = {
        (kind, pk)
        for kind, ids in wanted.items()
        for pk in KINDS[kind].objects.filter(pk__in=ids).decided().values_list("pk", flat=True)
    }
    seen: set[tuple[str, int]] = set()
    for decision in decisions:
        key = (decision.kind, decision.object_id)
        decision.reopenable = key in decided and key not in seen
        seen.add(key)
