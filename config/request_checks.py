"""Requests refused before any view sees them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.multipartparser import MultiPartParserError

logger = logging.getLogger(__name__)


def _holds_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.method != "POST":
        return False
    try:
        form = request.POST
    except MultiPartParserError:
        return False  # a broken upload is the view's (and Django's) 400 to give
    return any("\x00" in key or any("\x00" in value for value in form.getlist(key)) for key in form)


class RejectNulMiddleware:
    """Answer 400 to any request with NUL (%00) in its path, query string or form data. PostgreSQL
    text cannot hold NUL, so every lookup or write with one would fail with a 500 (SQLite takes it
    and answers 200); one check here instead of one in every view that filters on user input."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            logger.info("refused a request with NUL: %s %s", request.method, request.path.replace("\x00", "\\x00"))
            return HttpResponseBadRequest("NUL characters are not accepted.", content_type="text/plain")
        return self.get_response(request)
