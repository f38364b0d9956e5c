from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from papers.naming import Alias, CandidateReceipt, NamedEntry, resolved_entry
from papers.provenance import Receipt


class MethodFamily(models.TextChoices):
    # Full-precision rows (FP16, BF16, FP32) are the line results are read against, not methods:
    # leaderboards mark them, and no panel ranks, groups or promotes them.
    FULL_PRECISION = "full_precision", "Full-precision reference (FP16, BF16, FP32)"
    REFERENCE = "reference", "Naive baseline (round-to-nearest)"
    WEIGHT_ONLY = "weight_only", "Weight-only post-training quantization"
    WEIGHT_ACTIVATION = "weight_activation", "Weight-activation post-training quantization"
    ROTATION = "rotation", "Rotation / incoherence processing"
    CODEBOOK = "codebook", "Vector / codebook quantization"
    QAT = "qat", "Quantization-aware training and fine-tuning"
    KV_CACHE = "kv_cache", "KV-cache quantization"
    MIXED_PRECISION = "mixed_precision", "Mixed precision and outlier handling"
    FORMAT = "format", "Number formats (FP8, INT8 kernels)"
    BERT_ERA = "bert_era", "Transformer/BERT-era quantization"
    OTHER = "other", "Other"


class Method(NamedEntry):
    """A quantization method under its canonical name; other spellings are MethodAlias rows."""

    family = models.CharField(max_length=32, choices=MethodFamily.choices, default=MethodFamily.OTHER)
    introduced_by = models.ForeignKey(
        "papers.Paper", null=True, blank=True, on_delete=models.SET_NULL, related_name="introduced_methods"
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(NamedEntry.Meta):
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="method_name_not_empty"),
            models.CheckConstraint(condition=Q(family__in=MethodFamily.values), name="method_family_valid"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("baselines:method", args=[self.slug])

    @property
    def is_reference_point(self) -> bool:
        return self.family == MethodFamily.FULL_PRECISION


class MethodAlias(Alias):
    method = models.ForeignKey(Method, on_delete=models.CASCADE, related_name="aliases")

    class Meta(Alias.Meta):
        verbose_name_plural = "method aliases"
        constraints = [models.CheckConstraint(condition=~Q(normalized=""), name="method_alias_normalized_not_empty")]

    def __str__(self) -> str:
        return f"{self.alias} → {self.method_id}"


class CritiqueReceipt(Receipt):
    """Receipt: `paper` states a weakness of `method` in `quote` (page, section in `locator`)."""

    method = models.ForeignKey(Method, on_delete=models.CASCADE, related_name="critiques")

    class Meta(Receipt.Meta):
        indexes = [*Receipt.Meta.indexes, models.Index(fields=["method", "status"], name="critique_method_status")]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} criticises {self.method}"


class BeatsEvidence(models.TextChoices):
    TABLE = "table", "A results table"
    SENTENCE = "sentence", "A sentence in the text"


class BeatsReceipt(Receipt):
    """Receipt: `paper` shows `method` beating `baseline` (on `benchmark`, when a table shows it)."""

    method = models.ForeignKey(Method, on_delete=models.CASCADE, related_name="wins")
    baseline = models.ForeignKey(Method, on_delete=models.CASCADE, related_name="losses")
    benchmark = models.ForeignKey(
        "benchmarks.Benchmark", null=True, blank=True, on_delete=models.SET_NULL, related_name="beats"
    )
    model_name = models.CharField(max_length=120, blank=True, help_text="The LLM both were run on.")
    setting = models.CharField(max_length=80, blank=True, help_text="e.g. W4A16 g128.")
    method_value = models.FloatField(null=True, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    evidence = models.CharField(max_length=16, choices=BeatsEvidence.choices, default=BeatsEvidence.SENTENCE)

    class Meta(Receipt.Meta):
        constraints = [
            *Receipt.Meta.constraints,
            models.CheckConstraint(condition=~Q(method=models.F("baseline")), name="beats_not_itself"),
            models.CheckConstraint(condition=Q(evidence__in=BeatsEvidence.values), name="beats_evidence_valid"),
        ]
        indexes = [
            *Receipt.Meta.indexes,
            models.Index(fields=["baseline", "status"], name="beats_baseline_status"),
            models.Index(fields=["method", "status"], name="beats_method_status"),
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id}: {self.method} beats {self.baseline}"


class MethodCandidate(CandidateReceipt):
    """Receipt: a name in `paper` that looks like a method but is in no registry yet."""

    resolved_method = resolved_entry(Method, "method")


class DecisionAction(models.TextChoices):
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"
    CORRECT = "correct", "Corrected and approved"
    REPOINT = "repoint", "Re-pointed to another method"
    MERGE = "merge", "Method merged"
    REOPEN = "reopen", "Reopened"


class DecisionQuerySet(models.QuerySet):
    def delete(self) -> NoReturn:
        raise PermissionError("Curator decisions are an audit trail and are never deleted.")

    def for_receipt(self, receipt: models.Model) -> DecisionQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(receipt), object_id=receipt.pk)

    def record(self, receipt: models.Model, action: str, actor: Any, **fields: Any) -> CuratorDecision:
        """One row of the audit trail: `actor` took `action` on `receipt` (or on a method, for a merge)
        now; `fields` are before, after and reason."""
        return self.create(
            content_type=ContentType.objects.get_for_model(receipt),
            object_id=receipt.pk,
            action=action,
            actor=actor,
            decided_at=timezone.now(),
            **fields,
        )


class CuratorDecision(models.Model):
    """The audit trail: one row per curator decision on any receipt, with the values before and after."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    receipt = GenericForeignKey("content_type", "object_id")
    action = models.CharField(max_length=16, choices=DecisionAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="curator_decisions")
    decided_at = models.DateTimeField()
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.TextField(blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        permissions = [("curate_receipts", "Can decide on receipts in the curator queue")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=DecisionAction.values), name="decision_action_valid"),
            models.CheckConstraint(
                condition=~Q(action=DecisionAction.REJECT) | ~Q(reason=""), name="decision_reject_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="decision_receipt"),
            models.Index(fields=["actor", "-decided_at"], name="decision_actor_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.content_type.model} #{self.object_id}"

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Curator decisions are an audit trail and are never deleted.")
