from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from baselines import hub
from baselines.models import Method
from config.http import HtmxHttpRequest
from config.page_cache import cache_public_page
from papers.models import CitationPolarity, CitationRole

CITING_PER_PAGE = 25


def get_method(slug: str) -> Method:
    return get_object_or_404(Method.objects.select_related("introduced_by").prefetch_related("aliases"), slug=slug)


def citing_explorer(request: HtmxHttpRequest, method: Method, approved_only: bool) -> dict[str, Any]:
    """The explorer's context: a page of citing papers under the request's role and polarity filters,
    and the query string that keeps those filters (and the basis) on the pager's links."""
    role, polarity = request.GET.get("role", ""), request.GET.get("polarity", "")
    role = role if role in CitationRole.values else ""
    polarity = polarity if polarity in CitationPolarity.values else ""
    rows = hub.citing_papers(method, role=role, polarity=polarity, approved_only=approved_only)
    page = Paginator(rows, CITING_PER_PAGE).get_page(request.GET.get("page"))
    kept = {"approved": "1"} if approved_only else {}
    kept |= {name: value for name, value in (("role", role), ("polarity", polarity)) if value}
    return {
        "method": method,
        "approved_only": approved_only,
        "citing_page": page,
        "citing_rows": hub.with_papers(page.object_list),
        "role": role,
        "polarity": polarity,
        "roles": CitationRole.choices,
        "polarities": CitationPolarity.choices,
        "explorer_query": urlencode(kept),
    }


@require_GET
@cache_public_page(params=("approved", "role", "polarity", "page"), subject=("method", "slug"))
@vary_on_headers("HX-Request")
def method_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    method = get_method(slug)
    approved_only = request.GET.get("approved") == "1"
    context = citing_explorer(request, method, approved_only)
    if request.htmx:
        return render(request, "baselines/method.html#citing-explorer", context)
    context |= hub.method_hub(method, approved_only=approved_only)
    return render(request, "baselines/method.html", context)
