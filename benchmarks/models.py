from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse

from benchmarks.leaderboards import printed_decimals, shown_value
from papers.naming import Alias, CandidateReceipt, NamedEntry, resolved_entry
from papers.provenance import Receipt


class Direction(models.TextChoices):
    LOWER = "lower", "Lower is better"
    HIGHER = "higher", "Higher is better"


class Benchmark(NamedEntry):
    """An evaluation benchmark and its metric; `direction` says which way is better."""

    metric = models.CharField(max_length=40, help_text="perplexity, accuracy, exact_match, ...")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    task = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)

    class Meta(NamedEntry.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="benchmark_direction_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="benchmark_name_not_empty"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("benchmarks:detail", args=[self.slug])

    def is_better(self, value: float, than: float) -> bool:
        """Whether `value` beats `than` on this benchmark's metric (ties beat nothing)."""
        return value < than if self.direction == Direction.LOWER else value > than


class BenchmarkAlias(Alias):
    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="aliases")

    class Meta(Alias.Meta):
        verbose_name_plural = "benchmark aliases"
        constraints = [models.CheckConstraint(condition=~Q(normalized=""), name="benchmark_alias_normalized_not_empty")]

    def __str__(self) -> str:
        return f"{self.alias} → {self.benchmark_id}"


class BenchmarkResult(Receipt):
    """Receipt: `paper` reports `value` for `method` on `model_name` at `setting` on `benchmark`."""

    method = models.ForeignKey("baselines.Method", on_delete=models.CASCADE, related_name="results")
    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="results")
    model_name = models.CharField(max_length=120, help_text="The LLM evaluated, e.g. LLaMA-2-7B.")
    setting = models.CharField(max_length=80, blank=True, help_text="e.g. W4A16 g128 or W4A4KV4.")
    weight_bits = models.PositiveSmallIntegerField(null=True, blank=True)
    activation_bits = models.PositiveSmallIntegerField(null=True, blank=True)
    kv_bits = models.PositiveSmallIntegerField(null=True, blank=True)
    group_size = models.PositiveIntegerField(null=True, blank=True)
    value = models.FloatField()
    value_text = models.CharField(max_length=40, blank=True, help_text="The number as printed.")
    row_label = models.CharField(max_length=200, blank=True)
    column_label = models.CharField(max_length=200, blank=True)
    benchmark_inferred = models.BooleanField(
        default=False,
        help_text="The table did not name the benchmark; the extractor assumed the paper's usual task "
        "for the metric or model. Shown, never compared with other papers.",
    )

    class Meta(Receipt.Meta):
        constraints = [
            *Receipt.Meta.constraints,
            models.CheckConstraint(
                condition=Q(weight_bits__isnull=True) | Q(weight_bits__lte=64), name="result_weight_bits_range"
            ),
            models.CheckConstraint(
                condition=Q(activation_bits__isnull=True) | Q(activation_bits__lte=64),
                name="result_activation_bits_range",
            ),
            models.CheckConstraint(condition=Q(kv_bits__isnull=True) | Q(kv_bits__lte=64), name="result_kv_bits_range"),
        ]
        indexes = [
            *Receipt.Meta.indexes,
            models.Index(fields=["benchmark", "model_name", "setting"], name="result_bench_model_setting"),
            models.Index(fields=["method", "status"], name="result_method_status"),
            # One method's numbers on one benchmark and setting: the benchmark page's spread chart.
            models.Index(fields=["method", "benchmark", "setting"], name="result_method_bench_setting"),
            # A method's hub lists its results by benchmark, model and setting and stops at a page: read
            # in this index's order, only the newest-first ties of the last (model, setting) are sorted.
            models.Index(fields=["method", "benchmark", "model_name", "setting"], name="result_method_bench_model"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.model_name} {self.setting} {self.benchmark} = {self.value_text or self.value}"


class BenchmarkCandidate(CandidateReceipt):
    """Receipt: a task name in `paper` that no registry knows yet, for curators to approve or merge."""

    resolved_benchmark = resolved_entry(Benchmark, "benchmark")


class LeaderboardEntry(models.Model):
    """Derived: the best value a method reaches on a benchmark, model and setting within a review,
    and how much the papers reporting that same number disagree."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="leaderboard")
    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="leaderboard")
    model_name = models.CharField(max_length=120)
    setting = models.CharField(max_length=80, blank=True)
    method = models.ForeignKey("baselines.Method", on_delete=models.CASCADE, related_name="+")
    value = models.FloatField()
    result = models.ForeignKey(
        BenchmarkResult, on_delete=models.CASCADE, related_name="+", help_text="The receipt of the best value."
    )
    bits = models.FloatField(null=True, blank=True, help_text="Bits per weight, for the Pareto chart.")
    reports = models.PositiveIntegerField(default=1, help_text="Distinct papers reporting this cell.")
    compared = models.PositiveIntegerField(
        default=1,
        help_text="Of those, the papers whose table names the benchmark: the values low, high and spread compare.",
    )
    low = models.FloatField()
    high = models.FloatField()
    spread = models.FloatField(default=0.0, help_text="(max - min) / |mean| over the compared papers.")
    disagreement = models.BooleanField(default=False)
    unreviewed = models.BooleanField(default=False, help_text="The best value rests on a pending receipt.")
    rank = models.PositiveIntegerField()
    sample = models.JSONField(
        default=list,
        blank=True,
        help_text="Of a disagreement: the results behind at most ten compared values, both ends and evenly "
        "between, in value order (the ledger shows these and counts the rest).",
    )
    # Built twice, like the review's panels: over approved and pending results, and approved alone.
    approved_only = models.BooleanField(default=False)

    class Meta:
        ordering = ["review", "approved_only", "benchmark", "model_name", "setting", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "approved_only", "benchmark", "model_name", "setting", "method"],
                name="leaderboard_one_cell",
            )
        ]
        indexes = [
            models.Index(
                fields=["review", "approved_only", "benchmark", "model_name", "setting", "rank"],
                name="leaderboard_board",
            ),
            models.Index(fields=["review", "approved_only", "disagreement", "-spread"], name="leaderboard_disagree"),
        ]

    def __str__(self) -> str:
        return f"{self.benchmark_id} {self.model_name} {self.setting}: #{self.rank} {self.method_id} {self.value}"

    # The best value, and the spread's ends, at the precision its paper printed (read `result` with
    # select_related): 18.53, not 18.5300.
    @property
    def shown(self) -> str:
        return shown_value(self.value, self.result.value_text)

    @property
    def low_shown(self) -> str:
        return shown_value(self.low, decimals=printed_decimals(self.result.value_text))

    @property
    def high_shown(self) -> str:
        return shown_value(self.high, decimals=printed_decimals(self.result.value_text))


class Board(models.Model):
    """Derived: one leaderboard of a review (benchmark, model, setting) and how many methods it ranks,
    written with the leaderboard: the benchmark page's picker reads its biggest boards from an index
    instead of grouping every cell of the benchmark (58,000 at 100,000 papers, 20 ms a page)."""

    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="+")
    benchmark = models.ForeignKey(Benchmark, on_delete=models.CASCADE, related_name="+")
    model_name = models.CharField(max_length=120)
    setting = models.CharField(max_length=80, blank=True)
    methods = models.PositiveIntegerField(help_text="Cells (one per method) on the board.")
    approved_only = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "approved_only", "benchmark", "model_name", "setting"], name="board_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["review", "approved_only", "benchmark", "-methods", "model_name", "setting"],
                name="board_picker",
            )
        ]

    def __str__(self) -> str:
        return f"{self.benchmark_id} {self.model_name} {self.setting}: {self.methods} methods"
