"""Admin of the method registry, the curation audit trail, and every receipt kind (see admin_receipts)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from baselines.admin_receipts import ReceiptAdmin
from baselines.models import BeatsReceipt, CritiqueReceipt, CuratorDecision, Method, MethodAlias, MethodCandidate
from benchmarks.models import BenchmarkCandidate, BenchmarkResult
from papers.admin import AliasInline, alias_admin
from papers.models import Citation


class MethodAliasInline(AliasInline):
    model = MethodAlias


@admin.register(Method)
class MethodAdmin(admin.ModelAdmin):
    list_display = ("name", "family", "introduced_by", "created_at")
    list_filter = ("family",)
    search_fields = ("name", "aliases__alias", "introduced_by__arxiv_id")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("introduced_by",)
    raw_id_fields = ("introduced_by",)
    inlines = [MethodAliasInline]


admin.site.register(MethodAlias, alias_admin("method"))


@admin.register(CritiqueReceipt)
class CritiqueReceiptAdmin(ReceiptAdmin):
    list_display = ("paper", "method", "status", "confidence", "page", "locator", "extractor")
    search_fields = ("paper__arxiv_id", "method__name", "quote")
    list_select_related = ("paper", "method")
    raw_id_fields = ("paper", "method")


@admin.register(BeatsReceipt)
class BeatsReceiptAdmin(ReceiptAdmin):
    list_display = ("paper", "method", "baseline", "benchmark", "model_name", "setting", "status", "evidence")
    list_filter = ("status", "evidence", "extractor", "benchmark")
    search_fields = ("paper__arxiv_id", "method__name", "baseline__name", "quote")
    list_select_related = ("paper", "method", "baseline", "benchmark")
    raw_id_fields = ("paper", "method", "baseline")


@admin.register(BenchmarkResult)
class BenchmarkResultAdmin(ReceiptAdmin):
    list_display = ("paper", "method", "model_name", "setting", "benchmark", "value", "status", "page", "locator")
    list_filter = ("status", "benchmark", "extractor")
    search_fields = ("paper__arxiv_id", "method__name", "model_name", "setting", "quote")
    list_select_related = ("paper", "method", "benchmark")
    raw_id_fields = ("paper", "method", "benchmark")


def candidate_admin(resolved: str) -> type[ReceiptAdmin]:
    """The admin of a candidate-name receipt whose link to the registry is the field `resolved`."""

    class CandidateAdmin(ReceiptAdmin):
        list_display = ("name", "paper", "status", "confidence", resolved)
        search_fields = ("name", "paper__arxiv_id")
        list_select_related = ("paper", resolved)
        raw_id_fields = ("paper", resolved)

    return CandidateAdmin


admin.site.register(MethodCandidate, candidate_admin("resolved_method"))
admin.site.register(BenchmarkCandidate, candidate_admin("resolved_benchmark"))


@admin.register(Citation)
class CitationAdmin(ReceiptAdmin):
    list_display = ("paper", "cited", "method", "role", "polarity", "status", "confidence", "page")
    list_filter = ("status", "role", "polarity", "extractor")
    search_fields = ("paper__arxiv_id", "cited__arxiv_id", "quote")
    list_select_related = ("paper", "cited", "method")
    raw_id_fields = ("paper", "cited", "reference", "method")


@admin.register(CuratorDecision)
class CuratorDecisionAdmin(admin.ModelAdmin):
    """The audit trail, read-only: decisions are made in the curator queue and never edited or deleted."""

    list_display = ("decided_at", "actor", "action", "content_type", "object_id", "reason")
    list_filter = ("action", "content_type", "actor")
    search_fields = ("reason", "actor__username", "object_id")
    date_hierarchy = "decided_at"
    list_select_related = ("actor", "content_type")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
