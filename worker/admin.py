from django.contrib import admin

from worker.models import IngestionFailure, IngestionRun


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
