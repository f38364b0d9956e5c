from django.contrib import admin

from worker.models import ExtractionEvaluation, IngestionFailure, IngestionRun, RunItem


class IngestionFailureInline(admin.TabularInline):
    model = IngestionFailure
    fields = ("arxiv_id", "stage", "reason", "occurred_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(IngestionRun)
class IngestionRunAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "review",
        "trigger",
        "status",
        "stage",
        "started_at",
        "finished_at",
        "seen",
        "new",
        "updated",
        "unchanged",
        "downloaded",
        "parsed",
        "failed",
    )
    list_filter = ("review", "status", "trigger")
    date_hierarchy = "started_at"
    readonly_fields = ("started_at", "finished_at")
    inlines = [IngestionFailureInline]


@admin.register(IngestionFailure)
class IngestionFailureAdmin(admin.ModelAdmin):
    list_display = ("run", "arxiv_id", "stage", "reason", "occurred_at")
    list_filter = ("stage",)
    search_fields = ("arxiv_id", "reason")
    list_select_related = ("run",)


@admin.register(RunItem)
class RunItemAdmin(admin.ModelAdmin):
    list_display = ("run", "paper", "state", "attempts", "updated_at")
    list_filter = ("state",)
    search_fields = ("paper__arxiv_id",)
    list_select_related = ("run", "paper")
    raw_id_fields = ("run", "paper", "document")


@admin.register(ExtractionEvaluation)
class ExtractionEvaluationAdmin(admin.ModelAdmin):
    list_display = ("ran_at", "extractor", "version", "papers", "results_f1", "attributes", "beats_f1", "critiques_f1")
    list_filter = ("extractor",)
    readonly_fields = [f.name for f in ExtractionEvaluation._meta.fields]
