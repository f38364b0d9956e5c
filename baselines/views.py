from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from baselines.models import Method
from config.http import HtmxHttpRequest


@require_GET
def method_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    method = get_object_or_404(Method.objects.select_related("introduced_by").prefetch_related("aliases"), slug=slug)
    return render(request, "baselines/method.html", {"method": method})
