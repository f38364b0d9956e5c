"""Structured logs: one JSON object per line, with the request or task id when there is one."""

from __future__ import annotations

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
task_id: contextvars.ContextVar[str] = contextvars.ContextVar("task_id", default="")
access_log = logging.getLogger("review.access")
task_log = logging.getLogger("review.tasks")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id.get():
            entry["request_id"] = request_id.get()
        if task_id.get():
            entry["task_id"] = task_id.get()
        for key in ("method", "path", "status", "duration_ms", "user", "task", "state", "bytes"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestLogMiddleware:
    """Gives each request an id (from X-Request-ID when a proxy set one) and logs one line for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_id.set(request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            user = getattr(request, "user", None)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.get_username() if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id.reset(token)


def connect_task_logging() -> None:
    """One line when each Celery task starts and ends, with its id (called from the Celery app)."""
    from celery.signals import task_postrun, task_prerun

    tokens: dict[str, contextvars.Token[str]] = {}

    @task_prerun.connect(weak=False)
    def _started(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
        tokens[task_id] = globals()["task_id"].set(task_id)
        task_log.info("task started", extra={"task": getattr(task, "name", "?"), "state": "STARTED"})

    @task_postrun.connect(weak=False)
    def _finished(task_id: str = "", task: Any = None, state: str = "", **kwargs: Any) -> None:
        task_log.info("task finished", extra={"task": getattr(task, "name", "?"), "state": state})
        token = tokens.pop(task_id, None)
        if token is not None:
            globals()["task_id"].reset(token)
