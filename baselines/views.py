from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from baselines import hub
from baselines.models import Method
from config.http import HtmxHttpRequest
from config.page_cache import cache_public_page

CITING_PER_PAGE = 25


def get_method(slug: str) -> Method:
    return get_object_or_404(Method.objects.select_related("introduced_by").prefetch_related("aliases"), slug=slug)


@require_GET
@cache_public_page(params=("approved", "role", "polarity", "page"))
@vary_on_headers("HX-Request")
def method_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    method = get_method(slug)
    context = hub.method_hub(method, approved_only=request.GET.get("approved") == "1")
    citing = hub.citing_papers(method, role=request.GET.get("role", ""), polarity=request.GET.get("polarity", ""))
    context["citing_page"] = Paginator(citing, CITING_PER_PAGE).get_page(request.GET.get("page"))
    context["role"], context["polarity"] = request.GET.get("role", ""), request.GET.get("polarity", "")
    template = "baselines/method.html#citing-explorer" if request.htmx else "baselines/method.html"
    return render(request, template, context)
