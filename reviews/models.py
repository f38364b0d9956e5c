from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class UnreviewedPolicy(models.TextChoices):
    """What a reader sees first; either way a link switches to the other view."""

    SHOW = "show", "Approved and pending receipts, pending ones marked"
    HIDE = "hide", "Approved receipts only"


class Review(models.Model):
    """A living review: one research field, defined by its arXiv scope and inclusion criteria."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    tagline = models.CharField(max_length=300, blank=True, help_text="The scope in one line.")
    arxiv_categories = models.JSONField(default=list, help_text='e.g. ["cs.LG", "cs.CL"]')
    query_terms = models.JSONField(default=list, help_text="Phrases searched in title and abstract (any of).")
    exclude_terms = models.JSONField(default=list, blank=True, help_text="Phrases that put a paper out of scope.")
    inclusion_criteria = models.TextField(blank=True)
    # What the synthesis answers, in order. Seeded from the review's spec; curators edit them.
    research_questions = models.JSONField(default=list, blank=True, help_text="The synthesis answers these.")
    ingest_enabled = models.BooleanField(default=True)
    ingest_hour = models.PositiveSmallIntegerField(default=2, help_text="UTC hour of the nightly ingestion.")
    ingest_minute = models.PositiveSmallIntegerField(default=0)
    ingest_since = models.DateField(null=True, blank=True, help_text="The first run reaches back to this date.")
    # The nightly slot already handed to a worker; the conditional update on it stops a second beat
    # (or a restarted one) from queueing the same night twice.
    ingest_scheduled_for = models.DateField(null=True, blank=True, editable=False)
    frontier_window_days = models.PositiveIntegerField(default=183, help_text="How recent a frontier method is.")
    unreviewed_policy = models.CharField(max_length=8, choices=UnreviewedPolicy.choices, default=UnreviewedPolicy.SHOW)
    # Derived views (panels, leaderboards) are recomputed by a task when this is set, never per request.
    derived_dirty = models.BooleanField(default=True, editable=False)
    derived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Decisions refresh the rows they touch at once (reviews.incremental); sub-problems and the receipts
    # draft, built over the whole review, catch up in one later pass while this is set.
    subproblems_stale = models.BooleanField(default=False, editable=False)
    derived_counts = models.JSONField(default=dict, editable=False, help_text="papers, critiques, results, beats.")
    derived_gate = models.JSONField(default=dict, editable=False, help_text="The evidence ledger's quality gate.")
    # Set by the worker when one of the review's ingestion runs finishes (succeeded or partial).
    last_ingested_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(ingest_hour__lte=23), name="review_ingest_hour_0_23"),
            models.CheckConstraint(condition=Q(ingest_minute__lte=59), name="review_ingest_minute_0_59"),
            models.CheckConstraint(condition=Q(frontier_window_days__gte=1), name="review_frontier_window_positive"),
            models.CheckConstraint(
                condition=Q(unreviewed_policy__in=UnreviewedPolicy.values), name="review_unreviewed_policy_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:detail", args=[self.slug])

    def included_paper_ids(self) -> models.QuerySet:
        """Ids of the papers that count for this review (not screened out, not out of scope)."""
        return ReviewPaper.objects.filter(review=self).included().values("paper_id")

    def approved_only(self, asked: str | None) -> bool:
        """Whether a page shows approved receipts only: the reader's `?approved=1` / `?approved=0`,
        else the review's policy."""
        if asked in ("1", "0"):
            return asked == "1"
        return self.unreviewed_policy == UnreviewedPolicy.HIDE


class TaxonomyFit(models.TextChoices):
    UNASSESSED = "unassessed", "Not assessed"
    IN_SCOPE = "in_scope", "In scope"
    WEAK = "weak", "Weak fit"
    OUT_OF_SCOPE = "out_of_scope", "Out of scope"


class Screening(models.TextChoices):
    PENDING = "pending", "Not screened"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"


class ReviewPaperQuerySet(models.QuerySet):
    def included(self) -> ReviewPaperQuerySet:
        return self.exclude(screening=Screening.EXCLUDED).exclude(fit=TaxonomyFit.OUT_OF_SCOPE)


class ReviewPaper(models.Model):
    """A paper's place in a review: how well it fits the scope and whether it was screened in."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="entries")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="review_entries")
    fit = models.CharField(max_length=16, choices=TaxonomyFit.choices, default=TaxonomyFit.UNASSESSED)
    # Null means the fit was computed from the review's scope terms, not set by a person.
    fit_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fit_decided_at = models.DateTimeField(null=True, blank=True)
    screening = models.CharField(max_length=16, choices=Screening.choices, default=Screening.PENDING)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewPaperQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "paper"], name="review_paper_once"),
            models.CheckConstraint(condition=Q(fit__in=TaxonomyFit.values), name="review_paper_fit_valid"),
            models.CheckConstraint(condition=Q(screening__in=Screening.values), name="review_paper_screening_valid"),
        ]
        indexes = [
            models.Index(fields=["review", "fit"], name="review_paper_fit"),
            models.Index(fields=["review", "-added_at"], name="review_paper_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.review_id} ({self.fit}, {self.screening})"


class RankedDerivedRow(models.Model):
    """Abstract: a row of a derived view, ranked within its review. Derived views are built twice:
    over approved and pending receipts (pending marked), and over approved ones alone, which a reader
    can switch to. Subclasses add the foreign key to their review, with their own related_name."""

    rank = models.PositiveIntegerField()
    approved_only = models.BooleanField(default=False)

    class Meta:
        abstract = True
        ordering = ["review", "approved_only", "rank"]


class MethodStanding(RankedDerivedRow):
    """Derived: how superseded a method is in a review (the dashboard's first panel)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="standings")
    method = models.ForeignKey("baselines.Method", on_delete=models.CASCADE, related_name="+")
    critique_papers = models.PositiveIntegerField(default=0)
    beaten_by_papers = models.PositiveIntegerField(default=0)
    beats_papers = models.PositiveIntegerField(default=0, help_text="Distinct papers in which it beats a baseline.")
    result_papers = models.PositiveIntegerField(default=0, help_text="Distinct papers reporting a result for it.")

    class Meta(RankedDerivedRow.Meta):
        constraints = [
            models.UniqueConstraint(fields=["review", "approved_only", "method"], name="standing_once_per_method")
        ]
        indexes = [models.Index(fields=["review", "approved_only", "rank"], name="standing_review_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.method_id} in {self.review_id}"


class SubProblem(RankedDerivedRow):
    """Derived: a community of methods compared on the same benchmarks and models."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="subproblems")
    anchor = models.ForeignKey(
        "baselines.Method",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The most compared method, which names the group.",
    )
    size = models.PositiveIntegerField()
    member_ids = models.JSONField(default=list, help_text="Method ids, most compared first.")
    benchmark_names = models.JSONField(default=list, help_text="The benchmarks its members meet on most.")

    class Meta(RankedDerivedRow.Meta):
        constraints = [
            models.UniqueConstraint(fields=["review", "approved_only", "rank"], name="subproblem_unique_rank")
        ]

    def __str__(self) -> str:
        return f"{self.anchor_id} · {self.size} methods"


class FrontierEntry(RankedDerivedRow):
    """Derived: a recent method that no counted receipt beats yet."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="frontier")
    method = models.ForeignKey("baselines.Method", on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    published = models.DateTimeField()

    class Meta(RankedDerivedRow.Meta):
        constraints = [
            models.UniqueConstraint(fields=["review", "approved_only", "method"], name="frontier_once_per_method")
        ]

    def __str__(self) -> str:
        return f"frontier {self.method_id} ({self.published:%Y-%m-%d})"


class ClaimStatus(models.TextChoices):
    SUPPORTED = "supported", "Supported: found in the full text"
    PRELIMINARY = "preliminary", "Preliminary: abstract only"
    UNSUPPORTED = "unsupported", "Unsupported: not found in the text"


class SourceDepth(models.TextChoices):
    ABSTRACT = "abstract", "Abstract only"
    FULL_TEXT = "full_text", "Verified in the full text"


class Claim(models.Model):
    """A headline claim of a paper (a sentence of its abstract or conclusion that compares or
    quantifies), with how far it has been checked and the receipts that back it."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="claims")
    sentence = models.TextField()
    origin = models.CharField(max_length=16, help_text="abstract or conclusion")
    has_numbers = models.BooleanField(default=False)
    is_comparison = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.PRELIMINARY)
    source_depth = models.CharField(max_length=12, choices=SourceDepth.choices, default=SourceDepth.ABSTRACT)
    page = models.PositiveIntegerField(null=True, blank=True)
    match_score = models.FloatField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_version = models.PositiveSmallIntegerField(null=True, blank=True)
    beats = models.ManyToManyField("baselines.BeatsReceipt", blank=True, related_name="claims")
    results = models.ManyToManyField("benchmarks.BenchmarkResult", blank=True, related_name="claims")

    class Meta:
        ordering = ["paper", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "sentence"], name="claim_once_per_paper"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(source_depth__in=SourceDepth.values), name="claim_depth_valid"),
        ]
        indexes = [models.Index(fields=["paper", "status"], name="claim_paper_status")]

    def __str__(self) -> str:
        return f"{self.paper_id}: {self.sentence[:80]}"


class DraftStatus(models.TextChoices):
    RUNNING = "running", "Being written"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class SynthesisDraft(models.Model):
    """A synthesis draft: the review written up as a document (abstract to claim audit) whose every
    finding cites the papers and pages it rests on. The recompute writes one from the receipts; a
    curator may ask for another (Claude's prose when a key is set)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="synthesis_drafts")
    status = models.CharField(max_length=12, choices=DraftStatus.choices, default=DraftStatus.RUNNING)
    generator = models.CharField(max_length=64, blank=True, help_text='"receipts" or the model that wrote it.')
    document = models.JSONField(default=dict, blank=True, help_text="The document, section by section.")
    dropped = models.PositiveIntegerField(
        default=0, help_text="Sentences dropped: no valid citation, or a number no cited receipt states."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(status__in=DraftStatus.values), name="draft_status_valid")]

    def __str__(self) -> str:
        return f"synthesis of {self.review_id} ({self.status})"


class PendingRefresh(models.Model):
    """What a curator decision or one paper's new receipts touched (baselines.signals.Touched), waiting
    for the review's incremental refresh (reviews.incremental). Insert-only: the refresh claims the
    rows it folds in and deletes them, so a decision landing meanwhile waits for the next pass."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    paper_ids = models.JSONField(default=list, help_text="The papers whose receipts changed (their pages follow).")
    touched = models.JSONField(
        default=dict, help_text="Touched as JSON: compared, reported (method ids), cells, frontier."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"refresh {self.review_id}: {self.touched}"


class PaperTally(models.Model):
    """Derived: the receipts a review counts from one of its papers, by kind, all and approved. The
    review's counts are their sum, so a refresh recounts the papers it touched and adds up, instead
    of counting a million results again."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    critiques = models.PositiveIntegerField(default=0)
    approved_critiques = models.PositiveIntegerField(default=0)
    results = models.PositiveIntegerField(default=0)
    approved_results = models.PositiveIntegerField(default=0)
    beats = models.PositiveIntegerField(default=0)
    approved_beats = models.PositiveIntegerField(default=0)
    # The methods the paper reports a counted result for (of each basis): a refresh moves a method's
    # standing.result_papers by the touched papers' difference instead of recounting every paper.
    reported = models.JSONField(default=list)
    approved_reported = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "paper"], name="tally_once_per_paper")]

    def __str__(self) -> str:
        return f"tally of {self.paper_id} in {self.review_id}"
