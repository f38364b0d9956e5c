"""Security headers Django 5.2 does not set itself: a Content Security Policy."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Scripts only from our own static files (htmx, plotly, our modules: no inline script), styles
    from us plus inline (plotly and htmx set element styles), images from us and data/blob URLs
    (plotly's exports), no framing, forms only to us."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
