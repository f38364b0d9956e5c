"""The provenance shape every extracted receipt shares: where it came from and who decided on it."""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery


class ReviewScope(Protocol):
    """What a receipt query needs of a review (implemented by ``reviews.models.Review``)."""

    pk: int
    slug: str

    def included_paper_ids(self) -> QuerySet: ...

    def approved_only(self, asked: str | None) -> bool: ...


def of_basis(approved_only: bool) -> Q:
    """Derived rows of one basis (built over approved and pending receipts, or approved alone).
    Written `approved_only__in=[...]`: Django writes `approved_only=False` as `NOT approved_only`,
    which SQLite cannot match to an index column, so a (review, approved_only, benchmark, ...) index
    was used for `review` alone and a page scanned every row of the review (measured at 100,000 papers)."""
    return Q(approved_only__in=[approved_only])


class ReceiptStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class QuoteStatus(models.TextChoices):
    UNCHECKED = "unchecked", "Not checked yet"
    VERIFIED = "verified", "Found in the paper's text"
    MISSING = "missing", "Not found in the paper's text"


class ReceiptQuerySet(models.QuerySet):
    def pending(self) -> ReceiptQuerySet:
        return self.filter(status=ReceiptStatus.PENDING)

    def approved(self) -> ReceiptQuerySet:
        return self.filter(status=ReceiptStatus.APPROVED)

    def visible(self, *, include_unreviewed: bool) -> ReceiptQuerySet:
        """What the public pages may count: approved receipts, plus pending ones when the review allows."""
        if include_unreviewed:
            return self.exclude(status=ReceiptStatus.REJECTED)
        return self.approved()

    def named(self) -> ReceiptQuerySet:
        """Receipts whose methods and benchmarks are approved names: a provisional one (a name a
        paper used that no curator has approved yet) keeps its receipts off the public pages."""
        fields = {f.name for f in self.model._meta.get_fields()}
        excluded = Q()
        for field in ("method", "baseline", "benchmark"):
            if field in fields:
                excluded |= Q(**{f"{field}__provisional": True})
        return self.exclude(excluded) if excluded else self

    def counted_in(self, review: ReviewScope, *, approved_only: bool = False) -> ReceiptQuerySet:
        """Receipts that count on the review's public pages: from its included papers, under approved
        names, approved ones and (unless `approved_only`) pending ones, which pages mark; never rejected."""
        counted = self.filter(paper_id__in=review.included_paper_ids()).visible(include_unreviewed=not approved_only)
        return counted.named()

    def shown_in(self, review: ReviewScope, *, approved_only: bool = False) -> ReceiptQuerySet:
        """The receipts of :meth:`counted_in`, each row tested on its own (a correlated EXISTS on the
        review's entry for its paper). For a page that reads a few rows in an index's order: the IN
        list of ``counted_in`` first lists every included paper (100,000 at scale) on every query,
        which suits a recompute reading them all, not a page of 50."""
        included = review.included_paper_ids().filter(paper_id=OuterRef("paper_id"))
        return self.filter(Exists(included)).visible(include_unreviewed=not approved_only).named()

    def public(self, *, approved_only: bool = False) -> ReceiptQuerySet:
        """Receipts that may appear on pages spanning reviews (method hubs), under approved names: a
        paper that every review holding it screened out or judged out of scope feeds nothing public.
        Tested row by row with two one-row scalar subqueries (any entry of the paper, an included one):
        a hub reads a few rows of a method's receipts in an index's order. Two IN lists over every
        review entry cost more than the rows shown, and PostgreSQL turns an EXISTS under OR into a hash
        of every entry (20 ms each, three lists a hub)."""
        entries = self.model._meta.get_field("paper").related_model._meta.get_field("review_entries").related_model
        own = entries.objects.filter(paper_id=OuterRef("paper_id")).order_by()
        public = self.alias(
            any_review_entry=Subquery(own.values("pk")[:1]),
            included_review_entry=Subquery(own.included().values("pk")[:1]),
        ).filter(Q(any_review_entry__isnull=True) | Q(included_review_entry__isnull=False))
        return public.visible(include_unreviewed=not approved_only).named()

    def decided(self) -> ReceiptQuerySet:
        return self.exclude(status=ReceiptStatus.PENDING)

    def replace_pending(self, paper_id: int, extractor: str, version: str, rows: list[Any]) -> tuple[int, int]:
        """Replace the paper's pending receipts from this extractor version with `rows`, in one
        bulk_create; decided receipts are never touched. Returns (replaced, written). The caller
        holds the transaction that makes the swap atomic."""
        replaced, _ = self.filter(paper_id=paper_id).pending().from_extractor(extractor, version).delete()
        self.bulk_create(rows)
        return replaced, len(rows)

    def from_extractor(self, name: str, version: str) -> ReceiptQuerySet:
        return self.filter(extractor=name, extractor_version=version)

    def in_review(self, review_id: int) -> ReceiptQuerySet:
        """Receipts from papers that belong to the review."""
        return self.filter(paper__review_entries__review_id=review_id)


class Receipt(models.Model):
    """Abstract base: paper, locator, quote, extractor, confidence and the curator's decision."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="%(class)ss")
    page = models.PositiveIntegerField(null=True, blank=True, help_text="1-based page of the PDF.")
    locator = models.CharField(max_length=200, blank=True, help_text='Table or section, e.g. "Table 2" or "§3.1".')
    quote = models.TextField(blank=True, help_text="The sentence or table row the receipt rests on.")
    extractor = models.CharField(max_length=64)
    extractor_version = models.CharField(max_length=64)
    confidence = models.FloatField(default=0.5)
    status = models.CharField(max_length=16, choices=ReceiptStatus.choices, default=ReceiptStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why a curator rejected or corrected it.")
    # Re-verification: is the quote still in the text of the paper version it was last checked on?
    quote_status = models.CharField(max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.UNCHECKED)
    quote_checked_at = models.DateTimeField(null=True, blank=True)
    quote_checked_version = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReceiptStatus.values), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1),
                name="%(app_label)s_%(class)s_confidence_0_1",
            ),
            models.CheckConstraint(
                condition=Q(page__isnull=True) | Q(page__gte=1), name="%(app_label)s_%(class)s_page_1_based"
            ),
            # A decided receipt says when; a pending one carries no decision.
            models.CheckConstraint(
                condition=(Q(status=ReceiptStatus.PENDING) & Q(decided_at__isnull=True))
                | (~Q(status=ReceiptStatus.PENDING) & Q(decided_at__isnull=False)),
                name="%(app_label)s_%(class)s_decision_matches_status",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "paper"], name="%(class)s_st_pa"),
            models.Index(fields=["extractor", "extractor_version", "status"], name="%(class)s_ext"),
            # The feed of newly approved receipts reads the newest decisions first and stops at 50.
            models.Index(fields=["status", "-decided_at"], name="%(class)s_st_dec"),
        ]

    @property
    def is_decided(self) -> bool:
        return self.status != ReceiptStatus.PENDING
