"""The curator workspace: the queue, decisions on receipts, method merges, a curator's history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from baselines import curation, queue
from baselines.access import curator_required
from baselines.forms import BulkApproveForm, CorrectForm, MergeForm, RejectForm, ReopenForm, RepointForm, edit_values
from baselines.models import DecisionAction
from config.http import HtmxHttpRequest
from config.publishing import noting_unqueued
from papers.render import PageRenderError, render_page_png

ITEMS_PER_PAGE = 25


def _back(request: HtmxHttpRequest, default: str) -> HttpResponse:
    """Back to the page the form came from (`next`) when it is one of ours, else to `default`."""
    target = request.POST.get("next", "")
    # Only a path: `redirect` would look a bare word ("-1", "[]") up as a view name and fail with 500.
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if safe else default)


def get_receipt(kind: str, receipt_id: int) -> Any:
    if kind not in curation.KINDS:
        raise Http404("unknown kind of receipt")
    return get_object_or_404(curation.KINDS[kind].objects.select_related(*queue.RELATED[kind]), pk=receipt_id)


@require_GET
@curator_required
@vary_on_headers("HX-Request")
def queue_view(request: HtmxHttpRequest) -> HttpResponse:
    filters = queue.Filters.from_query(request.GET)
    page = Paginator(queue.pending(filters), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    items = list(page)
    queue.attach_evidence(items)
    for item in items:
        item.edit = edit_values(filters.kind, item)
    context = {
        "filters": filters,
        "page": page,
        "items": items,
        "kinds": list(curation.KINDS),
        "reviews": queue.reviews_with_papers(),
        "merge_form": MergeForm(),
        "query": request.GET.urlencode(),
    }
    template = "baselines/queue.html#queue-list" if request.htmx else "baselines/queue.html"
    return render(request, template, context)


def _item_response(request: HtmxHttpRequest, kind: str, receipt: Any, **extra: Any) -> HttpResponse:
    """The decided (or re-rendered) item, swapped in place; without htmx, back to the queue."""
    if not request.htmx:
        for message in extra.get("errors", []):
            messages.error(request, message)
        return _back(request, reverse("curate:queue"))
    queue.attach_evidence([receipt])
    form = extra.get("correct_form")
    receipt.edit = edit_values(kind, receipt, form.data if form is not None else None)
    decisions = curation.CuratorDecision.objects.for_receipt(receipt).select_related("actor")[:10]
    response = render(
        request,
        "baselines/queue.html#queue-item",
        {"item": receipt, "filters": queue.Filters(kind=kind), "decisions": decisions, **extra},
    )
    return trigger_client_event(response, "receipt-decided", {"kind": kind, "id": receipt.pk})


def _approve(request: HtmxHttpRequest, kind: str, receipt: Any) -> HttpResponse | None:
    curation.decide(kind, receipt.pk, actor=request.user, action=DecisionAction.APPROVE)
    return None


def _reject(request: HtmxHttpRequest, kind: str, receipt: Any) -> HttpResponse | None:
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _item_response(request, kind, receipt, errors=["A rejection needs a reason."])
    curation.decide(
        kind, receipt.pk, actor=request.user, action=DecisionAction.REJECT, reason=form.cleaned_data["reason"]
    )
    return None


def _correct(request: HtmxHttpRequest, kind: str, receipt: Any) -> HttpResponse | None:
    form = CorrectForm(kind, request.POST, receipt=receipt)
    if not form.is_valid():
        return _item_response(
            request, kind, receipt, correct_form=form, errors=_errors(form), invalid=list(form.errors)
        )
    curation.decide(
        kind,
        receipt.pk,
        actor=request.user,
        action=DecisionAction.CORRECT,
        changes=form.changes(),
        reason=form.cleaned_data["reason"],
    )
    return None


def _repoint(request: HtmxHttpRequest, kind: str, receipt: Any) -> HttpResponse | None:
    form = RepointForm(request.POST)
    if not form.is_valid():
        return _item_response(request, kind, receipt, errors=_errors(form))
    curation.repoint(
        kind, receipt.pk, actor=request.user, method=form.cleaned_data["method"], reason=form.cleaned_data["reason"]
    )
    return None


def _reopen(request: HtmxHttpRequest, kind: str, receipt: Any) -> HttpResponse | None:
    form = ReopenForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    curation.reopen(kind, receipt.pk, actor=request.user, reason=reason)
    if not request.htmx:
        messages.success(request, f"Reopened: the {kind} receipt is back in the queue.")
    return None


ACTIONS = {"approve": _approve, "reject": _reject, "correct": _correct, "repoint": _repoint, "reopen": _reopen}


@require_POST
@curator_required
def decide_view(request: HtmxHttpRequest, kind: str, receipt_id: int, action: str) -> HttpResponse:
    """One decision on one receipt; a refused value comes back as the item with its errors (200)."""
    if action not in ACTIONS:
        raise Http404("unknown action")
    receipt = get_receipt(kind, receipt_id)
    try:
        with noting_unqueued() as unqueued:  # the decision commits inside: its refresh is published then
            refused = ACTIONS[action](request, kind, receipt)
    except curation.AlreadyDecided as conflict:
        return _item_response(request, kind, conflict.receipt, conflict=conflict, errors=[str(conflict)])
    except curation.InvalidReceipt as invalid:
        errors = [f"{field}: {problem}" for field, problem in invalid.problems.items()]
        return _item_response(request, kind, receipt, errors=errors, edit_open=True, invalid=list(invalid.problems))
    except ValueError as exc:
        return _item_response(request, kind, receipt, errors=[str(exc)])
    if refused is not None:
        return refused
    receipt.refresh_from_db()
    return _item_response(request, kind, receipt, refresh_deferred=bool(unqueued))


def _errors(form: Any) -> list[str]:
    labels = {"model_name": "model", "__all__": ""}
    return [f"{labels.get(field, field)}: {' '.join(errors)}".lstrip(": ") for field, errors in form.errors.items()]


@require_POST
@curator_required
def bulk_approve_view(request: HtmxHttpRequest, kind: str) -> HttpResponse:
    if kind not in curation.KINDS:
        raise Http404("unknown kind of receipt")
    form = BulkApproveForm(request.POST)
    if form.is_valid():
        approved, conflicts = curation.bulk_approve(kind, form.cleaned_data["ids"], actor=request.user)
        messages.success(request, f"Approved {approved} receipt{'s' if approved != 1 else ''}.")
        for conflict in conflicts:
            messages.warning(request, f"Receipt {conflict.receipt.pk}: {conflict}")
    else:
        messages.error(request, "Select receipts to approve.")
    return _back(request, f"{reverse('curate:queue')}?kind={kind}")


@require_POST
@curator_required
def merge_view(request: HtmxHttpRequest) -> HttpResponse:
    form = MergeForm(request.POST)
    if form.is_valid():
        source, target = form.cleaned_data["source"], form.cleaned_data["target"]
        moved = curation.merge_methods(source, target, actor=request.user, reason=form.cleaned_data["reason"])
        count = sum(v for k, v in moved.items() if k != "aliases")
        messages.success(
            request, f"Merged {source.name} into {target.name}: {count} receipts follow, its names are aliases now."
        )
    else:
        for error in _errors(form):
            messages.error(request, error)
    return _back(request, reverse("curate:queue"))


@require_GET
@curator_required
def history_view(request: HtmxHttpRequest) -> HttpResponse:
    paginator = Paginator(
        curation.CuratorDecision.objects.filter(actor=request.user).select_related("content_type"), 50
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # annotated once, then rendered
    queue.mark_reopenable(page.object_list)
    return render(request, "baselines/history.html", {"page": page})


@require_GET
@curator_required
def pdf_page_view(request: HtmxHttpRequest, kind: str, receipt_id: int) -> HttpResponse:
    """The receipt's page rendered as an image, its quote (or value) outlined."""
    receipt = get_receipt(kind, receipt_id)
    document = receipt.paper.documents.filter(version=receipt.paper.version).exclude(file="").first()
    if document is None or not receipt.page:
        raise Http404("no stored PDF page for this receipt")
    needle = receipt.quote if kind != "result" else (receipt.value_text or str(receipt.value))
    missing = f"The stored PDF file is missing ({document.file.name}); ingest the paper again to fetch it."
    if not document.file.storage.exists(document.file.name):
        return HttpResponseNotFound(missing, content_type="text/plain; charset=utf-8")
    try:
        png = render_page_png(document.file.path, receipt.page, needle)
    except FileNotFoundError:  # removed between the check and the read
        return HttpResponseNotFound(missing, content_type="text/plain; charset=utf-8")
    except PageRenderError as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
