from django.contrib import admin
from django.db import models

from papers.models import Paper, PaperDocument, PaperSummary, ParsedPage, Reference


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("arxiv_id", "version", "title", "primary_category", "published", "is_stub", "withdrawn")
    list_filter = ("is_stub", "withdrawn", "primary_category")
    search_fields = ("arxiv_id", "title", "doi")
    date_hierarchy = "published"
    readonly_fields = ("raw_entry", "created_at", "modified_at")
    list_per_page = 50
    show_full_result_count = False


class ParsedPageInline(admin.TabularInline):
    model = ParsedPage
    fields = ("number", "captions")
    readonly_fields = ("number", "captions")
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(PaperDocument)
class PaperDocumentAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("paper", "version", "status", "page_count", "size_bytes", "parse_seconds", "modified_at")
    list_filter = ("status", "parser_version")
    search_fields = ("paper__arxiv_id", "sha256", "error")
    list_select_related = ("paper",)
    raw_id_fields = ("paper",)
    readonly_fields = (
        "sha256",
        "size_bytes",
        "page_count",
        "parser_version",
        "download_seconds",
        "parse_seconds",
        "downloaded_at",
        "parsed_at",
        "created_at",
        "modified_at",
    )
    inlines = [ParsedPageInline]


@admin.register(ParsedPage)
class ParsedPageAdmin(admin.ModelAdmin):
    list_display = ("document", "number")
    search_fields = ("document__paper__arxiv_id", "text")
    list_select_related = ("document__paper",)
    raw_id_fields = ("document",)


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("paper", "position", "label", "title", "arxiv_id", "matched_paper", "match_score")
    list_filter = (("matched_paper", admin.EmptyFieldListFilter),)
    search_fields = ("paper__arxiv_id", "raw_text", "arxiv_id")
    list_select_related = ("paper", "matched_paper")
    raw_id_fields = ("paper", "matched_paper")


@admin.register(PaperSummary)
class PaperSummaryAdmin(admin.ModelAdmin):
    list_display = ("paper", "generator", "generated_at")
    list_filter = ("generator",)
    search_fields = ("paper__arxiv_id", "contribution")
    raw_id_fields = ("paper",)


def alias_admin(entry: str) -> type[admin.ModelAdmin]:
    """The admin of a registry's alias rows, whose foreign key to their entry is the field `entry`."""

    class AliasAdmin(admin.ModelAdmin):
        list_display = ("alias", "normalized", entry)
        search_fields = ("alias", "normalized", f"{entry}__name")
        list_select_related = (entry,)
        readonly_fields = ("normalized",)

    return AliasAdmin


class AliasInline(admin.TabularInline):
    """The spellings of a registry entry (method or benchmark), edited on the entry's page."""

    fields = ("alias", "normalized")
    readonly_fields = ("normalized",)
    extra = 1
