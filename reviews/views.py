from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from baselines.models import CritiqueReceipt
from benchmarks.models import BenchmarkResult
from config.http import HtmxHttpRequest
from reviews.models import Review
from worker.models import RunStatus


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    reviews = Review.objects.annotate(
        paper_count=Count("entries", distinct=True),
        last_ingested=Max(
            "ingestion_runs__finished_at",
            filter=Q(ingestion_runs__status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL]),
        ),
    ).order_by("title")
    return render(request, "reviews/home.html", {"reviews": reviews})


@require_GET
def review_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    review = get_object_or_404(Review, slug=slug)
    include_unreviewed = review.includes_unreviewed()
    last_run = review.ingestion_runs.successful().order_by("-finished_at").first()
    context = {
        "review": review,
        "include_unreviewed": include_unreviewed,
        "paper_count": review.entries.included().count(),
        "critique_count": CritiqueReceipt.objects.in_review(review.pk)
        .visible(include_unreviewed=include_unreviewed)
        .count(),
        "result_count": BenchmarkResult.objects.in_review(review.pk)
        .visible(include_unreviewed=include_unreviewed)
        .count(),
        "last_run": last_run,
    }
    return render(request, "reviews/detail.html", context)
