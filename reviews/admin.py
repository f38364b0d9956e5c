from django.contrib import admin

from reviews.models import Review, ReviewPaper


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "slug",
        "ingest_enabled",
        "ingest_hour",
        "ingest_minute",
        "unreviewed_policy",
        "updated_at",
    )
    list_filter = ("ingest_enabled", "unreviewed_policy")
    search_fields = ("title", "slug", "tagline")
    prepopulated_fields = {"slug": ("title",)}


@admin.register(ReviewPaper)
class ReviewPaperAdmin(admin.ModelAdmin):
    list_display = ("paper", "review", "fit", "screening", "fit_decided_by", "added_at")
    list_filter = ("review", "fit", "screening")
    search_fields = ("paper__arxiv_id", "paper__title")
    list_select_related = ("paper", "review", "fit_decided_by")
    raw_id_fields = ("paper", "fit_decided_by", "screened_by")
    show_full_result_count = False
