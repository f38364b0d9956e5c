from django.contrib import admin

from benchmarks.models import Benchmark, BenchmarkAlias
from papers.admin import AliasInline, alias_admin


class BenchmarkAliasInline(AliasInline):
    model = BenchmarkAlias


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ("name", "metric", "direction", "task")
    list_filter = ("direction", "metric", "task")
    search_fields = ("name", "aliases__alias")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [BenchmarkAliasInline]


admin.site.register(BenchmarkAlias, alias_admin("benchmark"))
