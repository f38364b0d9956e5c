"""Serialising work that must not run twice at once, without locking rows readers and writers need."""

from __future__ import annotations

import zlib

from django.db import connection


def hold_transaction_lock(name: str, key: int) -> None:
    """Wait for, then hold until the current transaction ends, the lock on (name, key).

    PostgreSQL: an advisory transaction lock, so two workers recomputing one review take turns
    instead of the second failing on the first's uncommitted rows (a duplicate key), while decisions
    keep writing the review's row. SQLite: nothing to do, it lets one writer in at a time already."""
    if connection.vendor != "postgresql":
        return
    namespace = zlib.crc32(name.encode()) & 0x7FFFFFFF  # pg_advisory_xact_lock(int4, int4)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])
