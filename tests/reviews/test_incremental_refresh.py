"""A curator decision refreshes only the rows it touches (reviews.incremental), and what that leaves
is exactly what the full recompute would build: compared row for row after every decision of a
random sequence (approve, reject, edit, re-point, reopen) over a small random field."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from baselines import curation
from baselines.models import BeatsReceipt, CritiqueReceipt, DecisionAction
from benchmarks.models import BenchmarkResult, Board, Direction, LeaderboardEntry
from reviews import derived, incremental
from reviews.derived import recompute_review
from reviews.incremental import queue_refresh, touched_by_papers
from reviews.models import FrontierEntry, MethodStanding, PaperTally, PendingRefresh, Review
from tests import factories
from worker.tasks import catch_up_stale_reviews, recompute_dirty_reviews, refresh_derived_views

# Spellings of one model ("LLaMA 2 7B" and "LLaMA-2-7B" make one board) and of another.
MODELS = ["LLaMA-2-7B", "LLaMA 2 7B", "OPT-6.7B"]
SETTINGS = ["W4A16", "W3A16", "W8A8"]


def derived_rows(review: Review) -> dict[str, object]:
    """Every row the incremental refresh keeps, as comparable tuples (ids of derived rows left out)."""
    entry_fields = [f.attname for f in LeaderboardEntry._meta.concrete_fields if f.name not in ("id", "review")]
    return {
        "standings": sorted(
            MethodStanding.objects.filter(review=review).values_list(
                "approved_only",
                "rank",
                "method_id",
                "critique_papers",
                "beaten_by_papers",
                "beats_papers",
                "result_papers",
            )
        ),  # fmt: skip
        "leaderboard": sorted(map(repr, LeaderboardEntry.objects.filter(review=review).values_list(*entry_fields))),
        "boards": sorted(
            Board.objects.filter(review=review).values_list(
                "approved_only", "benchmark_id", "model_name", "setting", "methods"
            )
        ),
        "frontier": sorted(
            FrontierEntry.objects.filter(review=review).values_list("approved_only", "rank", "method_id", "paper_id")
        ),
        "counts": Review.objects.get(pk=review.pk).derived_counts,
        "tallies": sorted(
            PaperTally.objects.filter(review=review).values_list(
                *(f.attname for f in PaperTally._meta.concrete_fields[2:])
            )
        ),
    }


def random_field(rng: random.Random) -> tuple[Review, list]:
    """Twelve papers of a review: results on three benchmarks (one higher-is-better), beats and
    critiques between eight methods, half of them approved."""
    review = factories.make_review(frontier_window_days=60)
    papers = [factories.make_paper(published=factories.NOW - dt.timedelta(days=rng.randint(0, 200))) for _ in range(12)]
    methods = [factories.make_method(introduced_by=paper) for paper in papers[:8]]
    benchmarks = [
        factories.make_benchmark(),
        factories.make_benchmark(),
        factories.make_benchmark(direction=Direction.HIGHER),
    ]
    receipts: list = []
    for paper in papers:
        factories.add_to_review(review, paper)
        for _ in range(rng.randint(2, 6)):
            receipts.append(
                factories.make_result(
                    paper=paper,
                    method=rng.choice(methods),
                    benchmark=rng.choice(benchmarks),
                    model_name=rng.choice(MODELS),
                    setting=rng.choice(SETTINGS),
                    value=round(rng.uniform(5, 60), 2),
                    **decided(rng),
                )
            )
        method, baseline = rng.sample(methods, 2)
        receipts.append(factories.make_beats(paper=paper, method=method, baseline=baseline, **decided(rng)))
        receipts.append(factories.make_critique(paper=paper, method=rng.choice(methods), **decided(rng)))
    for method in methods[::2]:  # these stand in both bases throughout; the others come and go
        factories.make_critique(paper=rng.choice(papers), method=method, **factories.approved())
    return review, receipts


def decided(rng: random.Random) -> dict:
    """Half the receipts a curator approved already, so both bases have standings to move."""
    return factories.approved() if rng.random() < 0.5 else {}


KIND = {BenchmarkResult: "result", BeatsReceipt: "beats", CritiqueReceipt: "critique"}


def random_decision(rng: random.Random, receipt, actor, methods: list) -> None:
    """One curator action on the receipt, as the curation page would make it."""
    receipt.refresh_from_db()
    kind = KIND[type(receipt)]
    if receipt.status != "pending":
        curation.reopen(kind, receipt.pk, actor=actor)
        return
    roll = rng.random()
    if roll < 0.15:
        target = rng.choice([m for m in methods if m.pk != getattr(receipt, "baseline_id", None)])
        curation.repoint(kind, receipt.pk, actor=actor, method=target)
    elif roll < 0.4:
        curation.decide(kind, receipt.pk, actor=actor, action=DecisionAction.REJECT, reason="not in the paper")
    elif roll < 0.6 and kind == "result":
        changes = {"model_name": rng.choice(MODELS), "setting": rng.choice(SETTINGS), "value": 7.5}
        if rng.random() < 0.5:
            changes["method"] = rng.choice(methods)
        curation.decide(kind, receipt.pk, actor=actor, action=DecisionAction.CORRECT, changes=changes)
    else:
        curation.decide(kind, receipt.pk, actor=actor, action=DecisionAction.APPROVE)


@pytest.fixture
def no_full_recompute(monkeypatch):
    """Decisions must not fall back on the full recompute: any call to it fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a decision ran the full recompute")

    monkeypatch.setattr(derived, "recompute_review", refuse)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_each_decision_leaves_what_a_full_recompute_builds(
    db, alice, seed, django_capture_on_commit_callbacks, no_full_recompute
):
    rng = random.Random(seed)
    review, receipts = random_field(rng)
    methods = sorted({r.method for r in receipts}, key=lambda m: m.pk)
    recompute_review(review.pk)  # the original, imported before the fixture replaced it for tasks
    for step in range(30):
        with django_capture_on_commit_callbacks(execute=True):
            random_decision(rng, rng.choice(receipts), alice, methods)
        assert not PendingRefresh.objects.exists()
        refreshed = derived_rows(review)
        recompute_review(review.pk)
        assert refreshed == derived_rows(review), f"seed {seed}, decision {step}"


def test_a_decision_on_a_result_recounts_its_method_and_rebuilds_its_board(
    db, alice, django_capture_on_commit_callbacks, no_full_recompute
):
    review = factories.make_review()
    gptq, awq = factories.make_method("GPTQ"), factories.make_method("AWQ")
    wiki = factories.make_benchmark("WikiText-2")
    paper, other = factories.make_paper(), factories.make_paper()
    factories.add_to_review(review, paper), factories.add_to_review(review, other)
    result = factories.make_result(paper=paper, method=awq, benchmark=wiki, value=5.6)
    factories.make_result(paper=other, method=gptq, benchmark=wiki, value=6.1)
    factories.make_beats(paper=paper, method=awq, baseline=gptq)
    recompute_review(review.pk)
    approved_board = LeaderboardEntry.objects.filter(review=review, approved_only=True)
    assert not approved_board.exists()

    with django_capture_on_commit_callbacks(execute=True):
        curation.decide("result", result.pk, actor=alice, action=DecisionAction.APPROVE)

    assert list(approved_board.values_list("method__name", "value", "rank")) == [("AWQ", 5.6, 1)]
    counts = Review.objects.get(pk=review.pk).derived_counts
    assert (counts["results"], counts["approved_results"]) == (2, 1)


def test_a_new_papers_receipts_reach_the_views_without_a_full_recompute(db, django_capture_on_commit_callbacks):
    review = factories.make_review()
    gptq, quip = factories.make_method("GPTQ"), factories.make_method("QuIP")
    wiki = factories.make_benchmark("WikiText-2")
    old = factories.make_paper()
    factories.add_to_review(review, old)
    factories.make_result(paper=old, method=gptq, benchmark=wiki, value=6.1)
    recompute_review(review.pk)
    new = factories.make_paper()
    factories.add_to_review(review, new)
    before = touched_by_papers({new.pk})
    factories.make_result(paper=new, method=quip, benchmark=wiki, value=5.2)
    factories.make_beats(paper=new, method=quip, baseline=gptq)

    with django_capture_on_commit_callbacks(execute=True):
        queue_refresh({new.pk}, before | touched_by_papers({new.pk}))

    board = LeaderboardEntry.objects.filter(review=review, approved_only=False).order_by("rank")
    assert list(board.values_list("method__name", "rank")) == [("QuIP", 1), ("GPTQ", 2)]
    standing = MethodStanding.objects.get(review=review, approved_only=False, method=gptq)
    assert (standing.beaten_by_papers, standing.rank) == (1, 1)
    refreshed = derived_rows(review)
    recompute_review(review.pk)
    assert refreshed == derived_rows(review)


def test_a_burst_of_decisions_queues_one_refresh_each_and_one_catch_up(
    db, alice, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    review = factories.make_review()
    paper = factories.make_paper()
    factories.add_to_review(review, paper)
    results = [factories.make_result(paper=paper, value=5 + n) for n in range(3)]
    recompute_review(review.pk)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for result in results:
            curation.decide("result", result.pk, actor=alice, action=DecisionAction.APPROVE)

    assert PendingRefresh.objects.filter(review=review).count() == 3
    assert Review.objects.get(pk=review.pk).subproblems_stale
    assert len(callbacks) == 3 + 1  # a refresh per decision, the sub-problems' catch-up once


def test_the_beat_sweep_folds_in_refreshes_and_catch_ups_whose_tasks_were_lost(db, no_full_recompute):
    review = factories.make_review()
    paper = factories.make_paper()
    factories.add_to_review(review, paper)
    result = factories.make_result(paper=paper, value=5.5)
    recompute_review(review.pk)
    # A decision whose tasks never reached the broker left these behind; no full recompute is due.
    PendingRefresh.objects.create(review=review, paper_ids=[paper.pk], touched={"reported": [result.method_id]})
    Review.objects.filter(pk=review.pk).update(subproblems_stale=True, derived_dirty=False)

    recompute_dirty_reviews()  # tasks run in-process here
    catch_up_stale_reviews()

    assert not PendingRefresh.objects.exists()
    assert not Review.objects.get(pk=review.pk).subproblems_stale


def test_a_review_never_computed_gets_the_full_recompute_instead(db, alice, django_capture_on_commit_callbacks):
    review = factories.make_review()
    paper = factories.make_paper()
    factories.add_to_review(review, paper)
    result = factories.make_result(paper=paper, value=5.5)
    Review.objects.filter(pk=review.pk).update(derived_at=None, derived_dirty=False)  # as migrated

    with django_capture_on_commit_callbacks(execute=True):
        curation.decide("result", result.pk, actor=alice, action=DecisionAction.APPROVE)

    migrated = Review.objects.get(pk=review.pk)
    assert migrated.derived_at is not None and migrated.derived_counts["approved_results"] == 1
    assert PaperTally.objects.filter(review=review).count() == 1 and not PendingRefresh.objects.exists()


def test_a_refresh_that_fails_hands_over_to_the_full_recompute(db, monkeypatch):
    review = factories.make_review()
    recompute_review(review.pk)
    Review.objects.filter(pk=review.pk).update(derived_dirty=False)
    PendingRefresh.objects.create(review=review, touched={})
    monkeypatch.setattr(incremental, "refresh_standings", broken)
    queued = []
    monkeypatch.setattr(derived, "mark_dirty", queued.extend)

    refresh_derived_views(review.pk)

    assert queued == [review.pk] and PendingRefresh.objects.exists()  # rolled back, left for the recompute


def broken(*args, **kwargs):
    raise RuntimeError("a broken refresh")
