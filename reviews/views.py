from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from baselines.models import BeatsReceipt, CritiqueReceipt, Method
from config.http import HtmxHttpRequest
from reviews import panels
from reviews.caching import cache_public_page
from reviews.models import Review
from reviews.search import search
from worker.models import RunStatus

RECEIPTS_PER_PAGE = 50


def get_review(slug: str) -> Review:
    return get_object_or_404(Review, slug=slug)


@require_GET
@cache_public_page
def home(request: HtmxHttpRequest) -> HttpResponse:
    reviews = Review.objects.annotate(
        last_ingested=Max(
            "ingestion_runs__finished_at",
            filter=Q(ingestion_runs__status__in=[RunStatus.SUCCEEDED, RunStatus.PARTIAL]),
        ),
    ).order_by("title")
    return render(request, "reviews/home.html", {"reviews": reviews})


@require_GET
@cache_public_page
def review_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    review = get_review(slug)
    return render(request, "reviews/detail.html", panels.dashboard(review))


@require_GET
@cache_public_page
def review_panels_json(request: HtmxHttpRequest, slug: str) -> JsonResponse:
    return JsonResponse(panels.dashboard_json(get_review(slug)))


RECEIPT_KINDS = {"critiques": CritiqueReceipt, "beaten-by": BeatsReceipt, "beats": BeatsReceipt}


@require_GET
@cache_public_page
@vary_on_headers("HX-Request")
def review_receipts(request: HtmxHttpRequest, slug: str, kind: str, method_slug: str) -> HttpResponse:
    """The receipts behind one number of the dashboard: who critiques, beats, or is beaten by a method."""
    review = get_review(slug)
    if kind not in RECEIPT_KINDS:
        raise Http404("unknown kind of receipt")
    method = get_object_or_404(Method, slug=method_slug)
    receipts = panels.receipts_behind(review, kind, method)
    page = Paginator(receipts, RECEIPTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"review": review, "method": method, "kind": kind, "page": page}
    template = "reviews/receipts.html#receipt-list" if request.htmx else "reviews/receipts.html"
    return render(request, template, context)


@require_GET
@cache_public_page
@vary_on_headers("HX-Request")
def search_view(request: HtmxHttpRequest) -> HttpResponse:
    results = search(request.GET.get("q", ""))
    template = "reviews/search.html#search-results" if request.htmx else "reviews/search.html"
    return render(request, template, {"results": results, "q": results.query})
