"""Whole-page caching of public pages for anonymous readers.

Public pages change only when derived views are recomputed (after ingestion and curator decisions),
so each recompute bumps one version number and every cached page of the older version is ignored.
Logged-in users (curators) always get a fresh page.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)
VERSION_KEY = "public-pages:version"
CACHED_HEADERS = ("Content-Type", "Content-Disposition", "Vary")

View = Callable[..., HttpResponse]


def public_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY, "unversioned")
    return str(version)


def bump_public_version() -> None:
    """Invalidate every cached public page (called when derived views change)."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception as exc:
        # With the cache unreachable no stale page can be served from it either; when it comes
        # back, pages cached before expire within PUBLIC_PAGE_CACHE_SECONDS.
        logger.warning("page cache unavailable (%s); version not bumped", exc)


def _key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    fragment = "htmx" if request.headers.get("HX-Request") else "page"
    return f"public-pages:{public_version()}:{fragment}:{path}"


def cache_public_page(view: View) -> View:
    """Serve the view's 200 answers to anonymous GETs from the cache until the data version changes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        if not seconds or request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        try:
            key = _key(request)
            hit = cache.get(key)
        except Exception as exc:  # Redis down: the page is still served, from the database
            logger.warning("page cache unavailable (%s); rendering %s without it", exc, request.path)
            return view(request, *args, **kwargs)
        if hit is not None:
            content, status, headers = hit
            response = HttpResponse(content, status=status)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {name: response[name] for name in CACHED_HEADERS if response.has_header(name)}
            try:
                cache.set(key, (response.content, response.status_code, headers), seconds)
            except Exception as exc:
                logger.warning("page cache unavailable (%s); %s not stored", exc, request.path)
        return response

    return wrapper
