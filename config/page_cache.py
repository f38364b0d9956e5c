"""Whole-page caching of public pages for anonymous readers, invalidated by generation.

Public pages change only when derived views are recomputed or refreshed, so every cached page is stored under
the current generation number (Django's cache ``version=``) and one ``retire_cached_pages()``
retires them all at once (djangoproject.com's ``generation_key`` idea). A page about one subject (a
review, a method, a benchmark, a paper) also carries that subject's generation, so the incremental
refresh of one curator decision retires only the pages about what it touched
(``retire_cached_pages(topics)``) and the others stay warm; pages about no one subject (home, search)
follow every such refresh. Logged-in users always get a fresh page. With the cache down, pages are
served from the database. A page is keyed on its path and the query parameters it declares it
reads, nothing else.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)
GENERATION_KEY = "public-pages:generation"
TOPIC_KEY = "public-pages:topic:{}"
# The topic of pages about no one subject: every topical retirement retires them too.
ANY_TOPIC = "any"
CACHED_HEADERS = ("Content-Type", "Content-Disposition", "Vary")

View = Callable[..., HttpResponse]


def topic(kind: str, name: object) -> str:
    """The topic of the pages about one subject: topic("method", "gptq")."""
    return f"{kind}:{name}"


def retire_cached_pages(topics: Iterable[str] | None = None) -> None:
    """Start a new generation: every page cached before is ignored from now on; with `topics`, only
    the pages about those subjects and the pages about none (home, search)."""
    keys = [GENERATION_KEY] if topics is None else [TOPIC_KEY.format(name) for name in {*topics, ANY_TOPIC}]
    try:
        for key in keys:
            cache.add(key, 1, None)
            cache.incr(key)
    except Exception as exc:
        # With the cache unreachable no stale page can be served from it either; when it comes
        # back, pages cached before expire within PUBLIC_PAGE_CACHE_SECONDS.
        logger.warning("page cache unavailable (%s); generation not bumped", exc)


def cache_public_page(
    *, params: tuple[str, ...] = (), subject: tuple[str, str] | None = None
) -> Callable[[View], View]:
    """Serve the view's 200 answers to anonymous GETs from the cache until the generation changes.

    `params` names every query parameter the view (and what it calls) reads: the key is the path
    plus those parameters, sorted, so any other parameter (`?bust=N`) is ignored and shares the
    entry instead of filling the cache with copies of one page. `subject` is (kind, URL argument):
    ("method", "slug") makes a method hub the page of topic("method", <its slug>).
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
            if not seconds or request.method != "GET" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            about = topic(subject[0], kwargs[subject[1]]) if subject else ANY_TOPIC
            return _cached(view, _key(request, params), about, seconds, request, *args, **kwargs)

        return wrapper

    return decorator


def _cached(
    view: View, key: str, about: str, seconds: int, request: HttpRequest, *args: Any, **kwargs: Any
) -> HttpResponse:
    try:
        generation = _generation(about)
        hit = cache.get(key, version=generation)
    except Exception as exc:  # Redis down: the page is still served, from the database
        logger.warning("page cache unavailable (%s); rendering %s without it", exc, request.path)
        return view(request, *args, **kwargs)
    if hit is not None:
        return _response(*hit)
    response = view(request, *args, **kwargs)
    if response.status_code == 200 and not response.streaming and not response.cookies:
        headers = {name: response[name] for name in CACHED_HEADERS if response.has_header(name)}
        try:
            cache.set(key, (response.content, response.status_code, headers), seconds, version=generation)
        except Exception as exc:
            logger.warning("page cache unavailable (%s); %s not stored", exc, request.path)
    return response


def _generation(about: str) -> str:
    """The page's version: the generation of every page, then its topic's (one round trip)."""
    topic_key = TOPIC_KEY.format(about)
    found = cache.get_many([GENERATION_KEY, topic_key])
    if topic_key not in found:
        # Never seen, or culled from a full cache: start past any value it had (a clock reading), so
        # pages cached under the old generation are not served again.
        cache.add(topic_key, time.time_ns(), None)
        found[topic_key] = cache.get(topic_key, 0)
    return f"{found.get(GENERATION_KEY, 0)}.{found[topic_key]}"


def _key(request: HttpRequest, params: tuple[str, ...]) -> str:
    # A parameter given with an empty value can differ from one not given (the benchmark page's
    # `setting`), so presence is part of the key.
    read = sorted((name, request.GET.getlist(name)) for name in set(params) if name in request.GET)
    digest = hashlib.sha256(json.dumps([request.path, read]).encode()).hexdigest()
    fragment = "htmx" if request.headers.get("HX-Request") else "page"
    return f"public-pages:{fragment}:{digest}"


def _response(content: bytes, status: int, headers: dict[str, str]) -> HttpResponse:
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    return response
