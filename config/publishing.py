"""Publishing tasks to the broker after the data they read commits, without ever failing the request.

With Redis down a publish raises; the row that asked for the work (a dirty flag, a draft) is
already saved, so we log and carry on, and whoever owns that row decides how the work is picked
up again (the beat's dirty sweep, a draft marked failed for the curator to ask again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)
_unqueued: ContextVar[list[str] | None] = ContextVar("unqueued", default=None)


@contextmanager
def noting_unqueued() -> Iterator[list[str]]:
    """The names of the tasks that could not be queued inside the block, for the page to say so."""
    names: list[str] = []
    token = _unqueued.set(names)
    try:
        yield names
    finally:
        _unqueued.reset(token)


def publish(task: Task, *args: Any, on_failure: Callable[[], None] | None = None) -> bool:
    """Send the task now; False (logged, `on_failure` called) when the broker does not take it."""
    try:
        task.apply_async(args=args)
    except Exception as exc:  # kombu's OperationalError, a socket error, a timeout: all mean "not queued"
        logger.warning("could not queue %s%r: %s", task.name, args, exc)
        noted = _unqueued.get()
        if noted is not None:
            noted.append(task.name)
        if on_failure is not None:
            on_failure()
        return False
    return True


def publish_on_commit(task: Task, *args: Any, on_failure: Callable[[], None] | None = None) -> None:
    """`publish` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: publish(task, *args, on_failure=on_failure))
