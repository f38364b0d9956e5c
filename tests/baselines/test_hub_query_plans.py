"""A method's hub reads a page of each list from an index and tests each row's paper on its own
(SQLite plans; at 100,000 papers the hub took 650 ms when it sorted every result of the method and
listed every review entry twice per query)."""

from __future__ import annotations

import pytest

from baselines.hub import reported_results
from baselines.models import BeatsReceipt
from tests.factories import make_method
from tests.query_plans import PLAN_TEST_MARKS, plan

pytestmark = PLAN_TEST_MARKS


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
