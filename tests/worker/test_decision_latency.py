"""The bench's decision-to-page timing (worker.ops.decision_latency) on a small synthetic review, with
real commits (a decision's refresh is published when it commits): each decision is found public
through the real view and page, and the review is put back as seeded."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from benchmarks.models import BenchmarkResult
from papers.provenance import ReceiptStatus
from reviews.derived import recompute_review
from reviews.models import MethodStanding, PendingRefresh, Review
from worker.ops.decision_latency import (
    BENCH_CURATOR,
    HttpCurator,
    bench_curator,
    decide_every_second,
    sole_results,
    time_decisions,
    time_new_paper,
)


@pytest.fixture
def synthetic(transactional_db) -> Review:
    call_command("seed_synthetic", papers=300, results=3000, receipts=600, review="small-scale", verbosity=0)
    review = Review.objects.get(slug="small-scale")
    recompute_review(review.pk)
    return review


def test_decisions_are_timed_to_the_page_that_shows_them_and_then_undone(synthetic):
    chosen = {result.pk for result in sole_results(synthetic, 2)}
    counts = Review.objects.get(pk=synthetic.pk).derived_counts

    latencies = time_decisions(synthetic, 4)

    assert len(latencies) == 4
    assert all(0 < latency.post_seconds <= latency.visible_seconds for latency in latencies)
    statuses = set(BenchmarkResult.objects.filter(pk__in=chosen).values_list("status", flat=True))
    assert len(chosen) == 2 and statuses == {ReceiptStatus.APPROVED}  # approved again, as seeded
    assert Review.objects.get(pk=synthetic.pk).derived_counts == counts
    assert not PendingRefresh.objects.exists()


def test_a_new_paper_is_timed_until_the_dashboard_counts_it_and_then_removed(synthetic):
    counts = Review.objects.get(pk=synthetic.pk).derived_counts
    standings = standing_rows(synthetic)

    latency = time_new_paper(synthetic)

    assert latency.visible_seconds > 0
    assert Review.objects.get(pk=synthetic.pk).derived_counts == counts
    assert standing_rows(synthetic) == standings  # its reports counted, then taken back


def standing_rows(review: Review) -> list[tuple]:
    return sorted(
        MethodStanding.objects.filter(review=review).values_list(
            "approved_only", "method_id", "critique_papers", "beaten_by_papers", "beats_papers", "result_papers"
        )
    )


def test_a_curator_over_http_decides_every_second_and_readers_see_each_decision(synthetic, live_server):
    bench_curator("pw-bench-123")
    curator = HttpCurator(live_server.url, BENCH_CURATOR, "pw-bench-123")

    latencies = decide_every_second(curator, synthetic, seconds=3)

    assert len(latencies) >= 3  # one a second
    assert all(0 < latency.post_seconds <= latency.visible_seconds < 60 for latency in latencies)
    with pytest.raises(CommandError, match="could not log in"):
        HttpCurator(live_server.url, BENCH_CURATOR, "wrong password")
