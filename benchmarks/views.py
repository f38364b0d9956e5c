from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from benchmarks.models import Benchmark
from config.http import HtmxHttpRequest


@require_GET
def benchmark_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    benchmark = get_object_or_404(Benchmark.objects.prefetch_related("aliases"), slug=slug)
    return render(request, "benchmarks/detail.html", {"benchmark": benchmark})
