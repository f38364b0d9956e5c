"""The health endpoint for load balancers (/health/): database, Redis, and how old each review's data is."""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reviews.models import Review


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:  # a health check reports every failure instead of raising it
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
        return {"ok": True, "configured": True}
    except Exception as exc:
        return {"ok": False, "configured": True, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _ingestion_ages() -> dict[str, Any]:
    now = timezone.now()
    rows = Review.objects.values_list("slug", "last_ingested_at")
    return {slug: (round((now - last).total_seconds() / 3600, 1) if last else None) for slug, last in rows}


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, if configured) answer; 503 otherwise. Ages are in hours."""
    database, redis_state = _database(), _redis()
    body: dict[str, Any] = {"database": database, "redis": redis_state}
    if database["ok"]:
        body["hours_since_last_ingestion"] = _ingestion_ages()
    healthy = database["ok"] and redis_state["ok"]
    body["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(body, status=200 if healthy else 503)
