"""Keeping the database's query planner informed after bulk rewrites of derived rows.

A recompute deletes and rewrites hundreds of thousands of leaderboard rows. SQLite keeps no
statistics until ANALYZE runs, and without them it picks an index on `review` alone for a board's
query and scans the whole review (measured: 180 ms → 1 ms per board at 100,000 papers).
PostgreSQL's autovacuum analyzes eventually; a page read right after a recompute should not wait."""

from __future__ import annotations

from django.db import connection


def refresh_statistics(tables: list[str]) -> None:
    """ANALYZE the given tables (names from the models' `_meta.db_table`, never user input)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Sample at most this many index rows per table: the plan needs the shape, not a census.
            cursor.execute("PRAGMA analysis_limit=1000")
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
