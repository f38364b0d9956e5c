"""The health endpoint for load balancers (/health/): database, Redis, and how old each review's data is."""

from __future__ import annotations

import logging
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reviews.models import Review

logger = logging.getLogger(__name__)


def _failure(part: str, exc: Exception) -> str:
    detail = f"{type(exc).__name__}: {exc}"[:300]
    logger.warning("health: %s unavailable: %s", part, detail)
    return detail


def _public(state: dict[str, Any]) -> dict[str, Any]:
    """Anonymous callers (load balancers) learn what failed, not the addresses and errors behind it."""
    return {**state, "error": "unavailable"} if "error" in state else state


def _is_staff(request: HttpRequest) -> bool:
    try:
        return bool(request.user.is_staff)
    except Exception:  # a session cookie with the database down: answer as for anyone
        return False


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # a health check reports every failure instead of raising it
        return {"ok": False, "error": _failure("database", exc)}


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        return {"ok": True, "configured": True}
    except Exception as exc:
        return {"ok": False, "configured": True, "error": _failure("redis", exc)}


def _ingestion_ages() -> dict[str, Any]:
    now = timezone.now()
    rows = Review.objects.values_list("slug", "last_ingested_at")
    return {slug: (round((now - last).total_seconds() / 3600, 1) if last else None) for slug, last in rows}


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, if configured) answer; 503 otherwise. Ages are in hours.
    Error details are logged, and shown to staff only."""
    database, redis_state = _database(), _redis()
    staff = _is_staff(request)
    body: dict[str, Any] = {
        "database": database if staff else _public(database),
        "redis": redis_state if staff else _public(redis_state),
    }
    if database["ok"]:
        body["hours_since_last_ingestion"] = _ingestion_ages()
    healthy = database["ok"] and redis_state["ok"]
    body["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(body, status=200 if healthy else 503)
