"""A method's hub reads a page of each list from an index and tests each row's paper on its own
(SQLite plans; at 100,000 papers the hub took 650 ms when it sorted every result of the method and
listed every review entry twice per query)."""

from __future__ import annotations

import pytest
from django.db import connection

from baselines.hub import reported_results
from baselines.models import BeatsReceipt
from tests.factories import make_method

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's"),
]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize("approved_only", [False, True])
def test_reported_results_come_in_index_order(approved_only):
    method = make_method("GPTQ")
    shown = plan(reported_results(method, approved_only)[:100])
    assert "result_method_bench_model (method_id=?)" in shown
    # Only the newest-first ties within one (benchmark, model, setting) are sorted, never every result.
    assert "RIGHT PART OF ORDER BY" in shown and "TEMP B-TREE FOR ORDER BY" not in shown


@pytest.mark.parametrize("approved_only", [False, True])
def test_public_receipts_test_each_paper_not_a_list_of_all_entries(approved_only):
    method = make_method("GPTQ")
    shown = plan(BeatsReceipt.objects.filter(baseline=method).public(approved_only=approved_only).order_by("-pk")[:50])
    assert "LIST SUBQUERY" not in shown and "CORRELATED SCALAR SUBQUERY" in shown
    assert "TEMP B-TREE" not in shown  # newest receipts first, from the method's index
