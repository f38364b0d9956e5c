"""The indexes the public pages rely on at 100,000 papers are the ones the planner picks (SQLite,
the embedded default; PostgreSQL plans by statistics and needs no such check)."""

from __future__ import annotations

import pytest
from django.db import connection

from baselines.models import BeatsReceipt
from benchmarks.models import LeaderboardEntry
from config.planner import refresh_statistics
from papers.provenance import ReceiptStatus, of_basis
from tests.factories import make_review
from tests.query_plans import PLAN_TEST_MARKS, plan

pytestmark = PLAN_TEST_MARKS


@pytest.mark.parametrize("approved_only", [False, True])
def test_a_board_is_read_by_every_column_of_its_index(approved_only):
    review = make_review()
    board = LeaderboardEntry.objects.filter(
        of_basis(approved_only), review=review, benchmark_id=1, model_name="LLaMA-2-7B", setting="W4A16"
    ).order_by("rank")
    shown = plan(board)
    assert (
        "leaderboard_board (review_id=? AND approved_only=? AND benchmark_id=? AND model_name=? AND setting=?)" in shown
    )
    assert "TEMP B-TREE" not in shown  # rows come in rank order from the index: no sort


def test_the_approved_receipts_feed_reads_the_newest_decisions_first():
    newest = BeatsReceipt.objects.filter(status=ReceiptStatus.APPROVED).order_by("-decided_at")[:50]
    shown = plan(newest)
    assert "beatsreceipt_st_dec" in shown and "TEMP B-TREE" not in shown


def test_statistics_are_refreshed_for_the_derived_tables():
    refresh_statistics([LeaderboardEntry._meta.db_table])
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1
