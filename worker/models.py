from __future__ import annotations

from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Finished with failures"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Nightly schedule"
    COMMAND = "command", "Management command"
    OPERATOR = "operator", "Operator"


class IngestionRunQuerySet(models.QuerySet):
    def successful(self) -> IngestionRunQuerySet:
        return self.filter(status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL])


class IngestionRun(models.Model):
    """One pass of a review's ingestion over a submission window, with its counts."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="ingestion_runs")
    trigger = models.CharField(max_length=16, choices=RunTrigger.choices, default=RunTrigger.SCHEDULE)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    stage = models.CharField(max_length=32, blank=True, help_text="What the run is doing now.")
    seen = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    downloaded = models.PositiveIntegerField(default=0)
    parsed = models.PositiveIntegerField(default=0)
    extracted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    objects = IngestionRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="run_status_valid"),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True)
                | Q(window_end__isnull=True)
                | Q(window_start__lte=models.F("window_end")),
                name="run_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status=RunStatus.RUNNING) | Q(finished_at__isnull=False), name="run_finished_has_time"
            ),
            # Two runs of one review at once would fetch the same window twice.
            models.UniqueConstraint(
                fields=["review"], condition=Q(status=RunStatus.RUNNING), name="run_one_running_per_review"
            ),
        ]
        indexes = [models.Index(fields=["review", "status", "-started_at"], name="run_review_status_recent")]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.review_id} ({self.status})"


class IngestionFailure(models.Model):
    """Why one paper failed at one stage of a run; the run goes on without it."""

    run = models.ForeignKey(IngestionRun, on_delete=models.CASCADE, related_name="failures")
    arxiv_id = models.CharField(max_length=40, blank=True)
    stage = models.CharField(max_length=32, help_text="feed, download, parse or extract.")
    reason = models.TextField()
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="failure_has_reason")]

    def __str__(self) -> str:
        return f"{self.stage} failed for {self.arxiv_id or '?'}: {self.reason[:60]}"


class ItemState(models.TextChoices):
    QUEUED = "queued", "Queued for download"
    DOWNLOADED = "downloaded", "Downloaded"
    PARSED = "parsed", "Parsed"
    DONE = "done", "Receipts extracted"
    FAILED = "failed", "Failed"


class RunItem(models.Model):
    """One paper's way through a run's per-paper stages. State only moves forward, through
    conditional updates, so a task that runs twice cannot count a paper twice."""

    run = models.ForeignKey(IngestionRun, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(
        "papers.PaperDocument", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=ItemState.choices, default=ItemState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Stage executions, retries included.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "paper"], name="run_item_once_per_paper"),
            models.CheckConstraint(condition=Q(state__in=ItemState.values), name="run_item_state_valid"),
        ]
        indexes = [models.Index(fields=["run", "state"], name="run_item_run_state")]

    def __str__(self) -> str:
        return f"{self.paper_id} in run {self.run_id}: {self.state}"

    @property
    def is_finished(self) -> bool:
        return self.state in (ItemState.DONE, ItemState.FAILED)


class ExtractionEvaluation(models.Model):
    """One scoring of an extractor against the gold labels, kept to show quality over time."""

    ran_at = models.DateTimeField()
    extractor = models.CharField(max_length=64)
    version = models.CharField(max_length=64)
    papers = models.PositiveIntegerField()
    failed = models.PositiveIntegerField(default=0)
    results_f1 = models.FloatField()
    attributes = models.FloatField(help_text="Share of matched result cells with model and setting right.")
    beats_f1 = models.FloatField()
    critiques_f1 = models.FloatField()
    summary = models.JSONField(default=dict, help_text="Every figure of the scorer's summary line.")
    report = models.TextField(help_text="The scorer's output, one line per paper and the summary.")

    class Meta:
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"{self.extractor} {self.version} at {self.ran_at:%Y-%m-%d %H:%M}: results F1 {self.results_f1:.2f}"
