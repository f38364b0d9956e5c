from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.http import HtmxHttpRequest
from config.page_cache import cache_public_page
from papers.models import DocumentStatus, Paper, PaperSummary, ParsedPage
from papers.summary_services import backing, next_checks

TABLE_PAGES_SHOWN = 30


def get_paper(arxiv_id: str) -> Paper:
    return get_object_or_404(Paper.objects.prefetch_related("introduced_methods"), arxiv_id=arxiv_id)


@require_GET
@cache_public_page(subject=("paper", "arxiv_id"))
def paper_detail(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_paper(arxiv_id)
    # The paper's receipts, through its reverse relations (their models live in the apps above).
    results = list(paper.benchmarkresults.select_related("method", "benchmark").order_by("page", "locator", "pk"))
    beats = list(paper.beatsreceipts.select_related("method", "baseline", "benchmark").order_by("page", "pk"))
    critiques = list(paper.critiquereceipts.select_related("method").order_by("page", "pk"))
    candidates = list(paper.methodcandidates.order_by("name"))
    pages = list(
        ParsedPage.objects.filter(
            document__paper=paper, document__version=paper.version, document__status=DocumentStatus.PARSED
        ).order_by("number")[: TABLE_PAGES_SHOWN * 10]
    )
    # Stored at extract time; the page only adds how well each key result is backed (one query).
    summary = PaperSummary.objects.filter(paper=paper).first()
    confidence = backing(paper, summary, results)
    context = {
        "paper": paper,
        "summary": summary,
        "confidence": confidence,
        "checks": next_checks(summary, confidence),
        "disagreement_threshold": f"{settings.DISAGREEMENT_THRESHOLD:.0%} or more",
        "results": results,
        "beats": beats,
        "critiques": critiques,
        "candidates": candidates,
        "table_pages": [p for p in pages if p.tables][:TABLE_PAGES_SHOWN],
    }
    return render(request, "papers/detail.html", context)
