import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling

from config.http import HtmxHttpRequest, logged_in_and
from config.publishing import publish
from reviews.models import Review
from worker import tasks
from worker.models import ExtractionEvaluation, IngestionRun, RunStatus, RunTrigger
from worker.ops import backup

RUNS_PER_PAGE = 50


def is_operator(user: Any) -> bool:
    return bool(user.is_staff)


# Operators are staff: anonymous users go to the login page, anyone else logged in gets 403.
operator_required = logged_in_and(is_operator, "Only operators may see ingestion runs.")


@require_GET
@operator_required
def run_list(request: HtmxHttpRequest) -> HttpResponse:
    runs = (
        IngestionRun.objects.select_related("review")
        .annotate(failure_count=Count("failures"))
        .order_by("-started_at", "-pk")
    )
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "reviews": Review.objects.all(),
        "evaluations": ExtractionEvaluation.objects.defer("report")[:10],
    }
    return render(request, "worker/runs.html", context)


@require_POST
@operator_required
def start_run(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    review = get_object_or_404(Review, slug=slug)
    if publish(tasks.ingest_review, review.pk, RunTrigger.OPERATOR):
        messages.success(request, f"Ingestion of {review.title} queued.")
    else:
        messages.error(request, "The ingestion could not be queued: the task queue (Redis) does not answer. Try again.")
    return redirect("worker:runs")


@require_GET
@operator_required
@vary_on_headers("HX-Request")
def run_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(IngestionRun.objects.select_related("review"), pk=pk)
    context = {
        "run": run,
        "failures": run.failures.all()[:200],
        "item_states": run.items.values("state").annotate(n=Count("id")).order_by("state"),
    }
    if request.htmx:
        response = render(request, "worker/run_detail.html#run-progress", context)
        # 286 tells htmx to stop polling once the run has ended.
        if run.status != RunStatus.RUNNING:
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "worker/run_detail.html", context)


@require_GET
@operator_required
def review_dump(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The review's complete dump (backup), restored with `manage.py import_review`."""
    review = get_object_or_404(Review, slug=slug)
    response = HttpResponse(json.dumps(backup.dump_review(review), default=str), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-dump.json"'
    return response
