from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.http import HtmxHttpRequest
from papers.models import Paper


@require_GET
def paper_detail(request: HtmxHttpRequest, arxiv_id: str) -> HttpResponse:
    paper = get_object_or_404(Paper.objects.prefetch_related("introduced_methods"), arxiv_id=arxiv_id)
    return render(request, "papers/detail.html", {"paper": paper})
