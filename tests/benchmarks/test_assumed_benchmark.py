"""Disagreement compares like with like: a value whose benchmark the extractor assumed (the table
printed "PPL" and no dataset) ranks and is shown, marked, but is never compared with other papers'."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks.disagreements import largest_disagreements
from benchmarks.models import LeaderboardEntry
from reviews.derived import recompute_review
from tests.factories import add_to_review, make_benchmark, make_method, make_paper, make_result, make_review

MARK = b"dataset not stated in the table; assumed WikiText-2"


@pytest.fixture
def cell(db, settings):
    settings.DISAGREEMENT_THRESHOLD = 0.15
    review = make_review(slug="like-with-like")
    wiki = make_benchmark("WikiText-2", direction="lower")
    fp16 = make_method("FP16")
    papers = [make_paper(), make_paper()]
    for paper in papers:
        add_to_review(review, paper)
    where = {"benchmark": wiki, "method": fp16, "model_name": "LLaMA-7B", "setting": "W16A16", "status": "approved"}
    stated = make_result(paper=papers[0], value=5.68, decided_at=timezone.now(), **where)
    return review, wiki, papers[1], stated, where


def entry(review, wiki) -> LeaderboardEntry:
    return LeaderboardEntry.objects.get(review=review, approved_only=False, benchmark=wiki, model_name="LLaMA-7B")


def test_an_assumed_benchmark_does_not_make_a_disagreement(cell):
    review, wiki, other, _, where = cell
    make_result(paper=other, value=9.49, benchmark_inferred=True, decided_at=timezone.now(), **where)
    recompute_review(review.pk)
    e = entry(review, wiki)
    assert (e.reports, e.compared, e.low, e.high, e.spread, e.disagreement) == (2, 1, 5.68, 5.68, 0.0, False)
    assert largest_disagreements(review) == []


def test_two_stated_benchmarks_that_differ_disagree(cell):
    review, wiki, other, stated, where = cell
    far = make_result(paper=other, value=9.49, decided_at=timezone.now(), **where)
    recompute_review(review.pk)
    e = entry(review, wiki)
    assert (e.compared, e.low, e.high, e.disagreement) == (2, 5.68, 9.49, True)
    [found] = largest_disagreements(review)
    assert [r.pk for r in found["results"]] == [stated.pk, far.pk]


def test_an_assumed_benchmark_still_ranks_and_is_marked_on_the_benchmark_page(client, cell):
    review, wiki, other, _, where = cell
    rtn = make_method("RTN")
    make_result(paper=other, value=6.29, benchmark_inferred=True, decided_at=timezone.now(), **{**where, "method": rtn})
    recompute_review(review.pk)
    response = client.get(
        reverse("benchmarks:detail", args=[wiki.slug]),
        {"review": review.slug, "model": "LLaMA-7B", "setting": "W16A16"},
    )
    assert [e.method.name for e in response.context["entries"]] == ["FP16", "RTN"]
    assert response.content.count(MARK) == 1


def test_the_paper_page_marks_an_assumed_benchmark_at_the_receipts_anchor(client, cell):
    _, _, other, _, where = cell
    assumed = make_result(paper=other, value=9.49, benchmark_inferred=True, decided_at=timezone.now(), **where)
    response = client.get(other.get_absolute_url())
    row = response.content.split(f'id="result-{assumed.pk}"'.encode())[1].split(b"</tr>")[0]
    assert MARK in row


def test_the_paper_page_does_not_mark_a_stated_benchmark(client, cell):
    _, _, _, stated, _ = cell
    response = client.get(stated.paper.get_absolute_url())
    assert f'id="result-{stated.pk}"'.encode() in response.content
    assert MARK not in response.content
