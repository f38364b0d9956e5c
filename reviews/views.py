from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from baselines.access import curator_required
from baselines.models import BeatsReceipt, CritiqueReceipt, Method
from benchmarks.disagreements import largest_disagreements
from config.http import HtmxHttpRequest
from config.page_cache import cache_public_page
from reviews import exports, panels
from reviews.forms import ResearchQuestionsForm
from reviews.ledger import stored_quality_gate
from reviews.models import DraftStatus, Review, SynthesisDraft
from reviews.search import search
from reviews.synthesis import latest_draft, readable, request_draft, set_research_questions, synthesis_markdown
from reviews.synthesis_compose import SYNTHESIS_PARTS, questions

RECEIPTS_PER_PAGE = 50


def get_review(slug: str) -> Review:
    return get_object_or_404(Review, slug=slug)


@require_GET
@cache_public_page()
def home(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "reviews/home.html", {"reviews": Review.objects.order_by("title")})


@require_GET
@cache_public_page(params=("approved",), subject=("review", "slug"))
def review_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    review = get_review(slug)
    approved_only = review.approved_only(request.GET.get("approved"))
    return render(request, "reviews/detail.html", panels.dashboard(review, approved_only))


PANELS = {"most-superseded": "most_superseded", "sub-problems": "subproblems", "frontier": "frontier"}


@require_GET
@cache_public_page(params=("approved",), subject=("review", "slug"))
def review_panels_json(request: HtmxHttpRequest, slug: str, panel: str = "") -> JsonResponse:
    """All three panels, or one (`/r/<slug>/panels/frontier.json`), with the review's counts."""
    review = get_review(slug)
    data = panels.dashboard_json(review, review.approved_only(request.GET.get("approved")))
    if panel:
        if panel not in PANELS:
            raise Http404("unknown panel")
        data = {key: data[key] for key in ("review", "counts", "approved_only", "updated", PANELS[panel])}
    return JsonResponse(data)


RECEIPT_KINDS = {"critiques": CritiqueReceipt, "beaten-by": BeatsReceipt, "beats": BeatsReceipt}


@require_GET
@cache_public_page(params=("approved", "page"), subject=("review", "slug"))
@vary_on_headers("HX-Request")
def review_receipts(request: HtmxHttpRequest, slug: str, kind: str, method_slug: str) -> HttpResponse:
    """The receipts behind one number of the dashboard: who critiques, beats, or is beaten by a method."""
    review = get_review(slug)
    if kind not in RECEIPT_KINDS:
        raise Http404("unknown kind of receipt")
    method = get_object_or_404(Method, slug=method_slug)
    approved_only = review.approved_only(request.GET.get("approved"))
    receipts = panels.receipts_behind(review, kind, method, approved_only)
    context = {
        "review": review,
        "method": method,
        "kind": kind,
        "page": panels.NextPage.of(receipts, request.GET.get("page"), RECEIPTS_PER_PAGE),
        "papers": panels.receipts_papers(review, kind, method, approved_only),
        "approved_only": approved_only,
    }
    template = "reviews/receipts.html#receipt-list" if request.htmx else "reviews/receipts.html"
    return render(request, template, context)


@require_GET
@cache_public_page(params=("q",))
@vary_on_headers("HX-Request")
def search_view(request: HtmxHttpRequest) -> HttpResponse:
    results = search(request.GET.get("q", ""))
    template = "reviews/search.html#search-results" if request.htmx else "reviews/search.html"
    return render(request, template, {"results": results, "q": results.query})


CLAIMS_PER_PAGE = 50


@require_GET
@cache_public_page(params=("approved", "page"), subject=("review", "slug"))
def ledger_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The evidence ledger: quality gate, claims with their status, the largest disagreements."""
    review = get_review(slug)
    claims = panels.ledger_claims(review)
    approved_only = review.approved_only(request.GET.get("approved"))
    context = {
        "review": review,
        "gate": stored_quality_gate(review),
        "claims": panels.NextPage.of(claims, request.GET.get("page"), CLAIMS_PER_PAGE),
        "disagreements": largest_disagreements(review, approved_only=approved_only, sampled=True),
        "exports": EXPORTS,
    }
    return render(request, "reviews/ledger.html", context)


@require_GET
@cache_public_page(subject=("review", "slug"))
def synthesis_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The latest written draft as a document (the recompute writes one from the receipts; curators
    may ask for another). Reads the stored document: a fixed number of queries, whatever its size."""
    review = get_review(slug)
    latest = latest_draft(review)
    running = review.synthesis_drafts.filter(status=DraftStatus.RUNNING).first()
    doc = readable(latest)
    parts = [(key.replace("_", "-"), title, doc["synthesis"][key]) for key, title in SYNTHESIS_PARTS] if doc else []
    rows = doc["comparison"]["rows"] if doc else []
    context = {
        "review": review,
        "doc": doc,
        "latest": latest,
        "running": running,
        "parts": parts,
        "compared": [r for r in rows if not r["reference"]],
        "references": [r for r in rows if r["reference"]],  # full-precision rows: the line, folded away
    }
    return render(request, "reviews/synthesis.html", context)


@require_http_methods(["GET", "POST"])
@curator_required
def synthesis_questions(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Curators rewrite the research questions; a new draft answering them is requested."""
    review = get_review(slug)
    form = ResearchQuestionsForm(request.POST or None, initial={"questions": "\n".join(questions(review))})
    if request.method == "POST" and form.is_valid():
        set_research_questions(review, form.cleaned_data["questions"], request.user)
        return redirect("reviews:synthesis", slug=review.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/synthesis_questions.html", {"review": review, "form": form}, status=status)


@require_POST
@curator_required
def regenerate_synthesis(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    review = get_review(slug)
    request_draft(review, request.user)
    return redirect("reviews:synthesis", slug=review.slug)


@require_GET
@curator_required
def synthesis_progress(request: HtmxHttpRequest, slug: str, draft_id: int) -> HttpResponse:
    """Polled while a draft is written; when it is done the page reloads to show it."""
    draft = get_object_or_404(SynthesisDraft, pk=draft_id, review__slug=slug)
    response = render(request, "reviews/synthesis.html#draft-progress", {"running": draft, "review": draft.review})
    if draft.status != DraftStatus.RUNNING:
        response["HX-Refresh"] = "true"
    return response


EXPORTS: dict[str, tuple[str, Any]] = {
    "evidence_matrix.csv": ("text/csv; charset=utf-8", exports.evidence_matrix_csv),
    "claims.csv": ("text/csv; charset=utf-8", exports.claims_csv),
    "audit_report.md": ("text/markdown; charset=utf-8", exports.audit_report_md),
    "audit_report.json": (
        "application/json",
        lambda review: json.dumps(exports.audit_report(review), indent=2, default=str),
    ),
    "papers.bib": ("application/x-bibtex; charset=utf-8", exports.bibtex),
    "synthesis.md": ("text/markdown; charset=utf-8", synthesis_markdown),
}


@require_GET
@curator_required
def export_view(request: HtmxHttpRequest, slug: str, name: str) -> HttpResponse:
    review = get_review(slug)
    if name not in EXPORTS:
        raise Http404("unknown export")
    content_type, build = EXPORTS[name]
    response = HttpResponse(build(review), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-{name}"'
    return response
