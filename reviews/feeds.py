"""Atom feeds per review: new papers, and receipts curators approved."""

from __future__ import annotations

import datetime as dt
from itertools import chain
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from baselines.models import BeatsReceipt, CritiqueReceipt
from benchmarks.models import BenchmarkResult
from config.text_safety import plain_text
from papers.provenance import ReceiptStatus
from reviews.models import Review, ReviewPaper

ITEMS = 50


class TextSummaryAtomFeed(Atom1Feed):
    """Atom whose entry summaries are text: Django writes `<summary type="html">`, and a feed reader
    would render the markup in an abstract or a quote (an `<img onerror=…>` from a paper). No control
    character reaches the XML either (one stored before ingestion stripped them would fail the feed)."""

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **{k: plain_text(v) if isinstance(v, str) else v for k, v in kwargs.items()})

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class ReviewPapersFeed(Feed):
    feed_type = TextSummaryAtomFeed

    def get_object(self, request: HttpRequest, slug: str) -> Review:  # type: ignore[override]
        return get_object_or_404(Review, slug=slug)

    def title(self, review: Review) -> str:
        return f"{review.title}: new papers"

    def link(self, review: Review) -> str:
        return review.get_absolute_url()

    def subtitle(self, review: Review) -> str:
        return review.tagline

    def items(self, review: Review) -> list[ReviewPaper]:
        return list(
            ReviewPaper.objects.filter(review=review).included().select_related("paper").order_by("-added_at")[:ITEMS]
        )

    def item_title(self, item: ReviewPaper) -> str:
        return item.paper.title

    def item_description(self, item: ReviewPaper) -> str:
        return item.paper.abstract

    def item_link(self, item: ReviewPaper) -> str:
        return item.paper.get_absolute_url()

    def item_author_name(self, item: ReviewPaper) -> str:
        return ", ".join(item.paper.authors[:10])

    def item_pubdate(self, item: ReviewPaper) -> dt.datetime | None:
        return item.paper.published

    def item_updateddate(self, item: ReviewPaper) -> dt.datetime:
        return item.added_at


class ApprovedReceiptsFeed(ReviewPapersFeed):
    def title(self, review: Review) -> str:
        return f"{review.title}: newly approved receipts"

    def items(self, review: Review) -> list[Any]:  # type: ignore[override]
        in_review = {"paper__review_entries__review": review, "status": ReceiptStatus.APPROVED}
        receipts = chain(
            CritiqueReceipt.objects.filter(**in_review)
            .select_related("paper", "method")
            .order_by("-decided_at")[:ITEMS],
            BeatsReceipt.objects.filter(**in_review)
            .select_related("paper", "method", "baseline")
            .order_by("-decided_at")[:ITEMS],
            BenchmarkResult.objects.filter(**in_review)
            .select_related("paper", "method", "benchmark")
            .order_by("-decided_at")[:ITEMS],
        )
        return sorted(receipts, key=lambda r: r.decided_at, reverse=True)[:ITEMS]

    def item_title(self, item: Any) -> str:  # type: ignore[override]
        if isinstance(item, CritiqueReceipt):
            return f"{item.paper.title} critiques {item.method.name}"
        if isinstance(item, BeatsReceipt):
            return f"{item.paper.title}: {item.method.name} beats {item.baseline.name}"
        return f"{item.paper.title}: {item.method.name} {item.model_name} {item.setting} {item.benchmark.name} = {item.value}"

    def item_description(self, item: Any) -> str:  # type: ignore[override]
        where = f"p. {item.page}" if item.page else ""
        return f"{item.quote} ({where} {item.locator})".strip()

    def item_link(self, item: Any) -> str:  # type: ignore[override]
        anchor = {CritiqueReceipt: "critique", BeatsReceipt: "beats", BenchmarkResult: "result"}[type(item)]
        return f"{item.paper.get_absolute_url()}#{anchor}-{item.pk}"

    def item_guid(self, item: Any) -> str:
        return f"{type(item).__name__.lower()}-{item.pk}"

    def item_author_name(self, item: Any) -> str:  # type: ignore[override]
        return ", ".join(item.paper.authors[:10])

    def item_pubdate(self, item: Any) -> dt.datetime | None:  # type: ignore[override]
        return item.decided_at

    def item_updateddate(self, item: Any) -> dt.datetime:  # type: ignore[override]
        return item.decided_at


def feed_links(review: Review) -> dict[str, str]:
    return {
        "papers": reverse("reviews:feed-papers", args=[review.slug]),
        "receipts": reverse("reviews:feed-receipts", args=[review.slug]),
    }
