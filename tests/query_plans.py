"""The plan SQLite's query planner picks for a queryset, for the tests that pin a page's indexes."""

from __future__ import annotations

import pytest
from django.db import connection

# A query-plan test module's marks: it reads the database, and only SQLite's plans are checked.
PLAN_TEST_MARKS = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's"),
]


def plan(queryset) -> str:
    """The queryset's EXPLAIN QUERY PLAN, its steps joined by ' | '."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())
