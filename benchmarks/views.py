from __future__ import annotations

import csv

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from benchmarks import boards
from benchmarks.models import Benchmark
from config.http import HtmxHttpRequest
from config.page_cache import cache_public_page
from config.text_safety import csv_safe


def get_benchmark(slug: str) -> Benchmark:
    return get_object_or_404(Benchmark.objects.prefetch_related("aliases"), slug=slug)


@require_GET
@cache_public_page(params=boards.PAGE_PARAMS, subject=("benchmark", "slug"))
def benchmark_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    benchmark = get_benchmark(slug)
    return render(
        request, "benchmarks/detail.html", boards.benchmark_page(benchmark, request.GET, rows=boards.PAGE_ROWS)
    )


@require_GET
@cache_public_page(params=boards.PAGE_PARAMS, subject=("benchmark", "slug"))
def leaderboard_json(request: HtmxHttpRequest, slug: str) -> JsonResponse:
    page = boards.benchmark_page(get_benchmark(slug), request.GET, charts=False)
    return JsonResponse(boards.board_json(page))


@require_GET
@cache_public_page(params=boards.PAGE_PARAMS, subject=("benchmark", "slug"))
def leaderboard_csv(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = boards.benchmark_page(get_benchmark(slug), request.GET, charts=False)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-leaderboard.csv"'
    writer = csv.writer(response)
    for row in boards.board_rows(page):
        writer.writerow([csv_safe(cell) for cell in row])
    return response
