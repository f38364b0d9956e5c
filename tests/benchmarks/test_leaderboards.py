"""Leaderboards, charts, disagreement, CSV and JSON on a benchmark page."""

import csv
import io

import pytest
from django.urls import reverse

from benchmarks.charts import pareto_front
from benchmarks.leaderboards import bits_per_weight
from benchmarks.models import LeaderboardEntry
from reviews.derived import recompute_review
from tests.factories import (
    NOW,
    add_to_review,
    approved,
    make_benchmark,
    make_method,
    make_paper,
    make_result,
    make_review,
)


@pytest.fixture
def board(db, settings):
    settings.DISAGREEMENT_THRESHOLD = 0.15
    review = make_review(slug="board")
    wiki = make_benchmark("WikiText-2", direction="lower")
    acc = make_benchmark("PIQA", direction="higher")
    gptq, awq, rtn = make_method("GPTQ"), make_method("AWQ"), make_method("RTN")
    papers = [make_paper() for _ in range(3)]
    for paper in papers:
        add_to_review(review, paper)
    cell = {"benchmark": wiki, "model_name": "LLaMA-2-7B", "setting": "W4A16"}
    make_result(paper=papers[0], method=gptq, value=6.10, **cell, **approved())
    make_result(paper=papers[1], method=gptq, value=5.90, **cell, **approved())
    make_result(paper=papers[2], method=gptq, value=7.20, **cell, **approved())  # disagrees: spread > 15%
    make_result(paper=papers[0], method=awq, value=5.80, **cell, **approved())
    make_result(paper=papers[0], method=rtn, value=6.50, **cell, **approved())
    make_result(
        paper=papers[0], method=awq, value=5.70, benchmark=wiki, model_name="LLaMA-2-7B", setting="W3A16", **approved()
    )
    make_result(
        paper=papers[0], method=awq, value=70.1, benchmark=acc, model_name="LLaMA-2-7B", setting="W4A16", **approved()
    )
    make_result(
        paper=papers[0], method=rtn, value=68.0, benchmark=acc, model_name="LLaMA-2-7B", setting="W4A16", **approved()
    )
    make_result(paper=papers[1], method=rtn, value=1.0, status="rejected", decided_at=NOW, reason="misread", **cell)
    recompute_review(review.pk)
    return review, wiki, acc


def test_best_value_per_method_ranked_by_metric_direction(board):
    review, wiki, acc = board
    rows = LeaderboardEntry.objects.filter(
        review=review, approved_only=False, benchmark=wiki, model_name="LLaMA-2-7B", setting="W4A16"
    )
    assert [(e.method.name, e.value, e.rank) for e in rows.select_related("method")] == [
        ("AWQ", 5.8, 1),
        ("GPTQ", 5.9, 2),
        ("RTN", 6.5, 3),
    ]
    higher = LeaderboardEntry.objects.filter(review=review, approved_only=False, benchmark=acc).select_related("method")
    assert [e.method.name for e in higher] == ["AWQ", "RTN"]


def test_papers_disagreeing_by_fifteen_percent_are_flagged(board):
    review, wiki, _ = board
    gptq = LeaderboardEntry.objects.get(
        review=review, approved_only=False, benchmark=wiki, method__name="GPTQ", setting="W4A16"
    )
    assert (gptq.reports, gptq.low, gptq.high, gptq.disagreement) == (3, 5.9, 7.2, True)
    assert gptq.spread == pytest.approx((7.2 - 5.9) / ((6.1 + 5.9 + 7.2) / 3))
    awq = LeaderboardEntry.objects.get(
        review=review, approved_only=False, benchmark=wiki, method__name="AWQ", setting="W4A16"
    )
    assert (awq.reports, awq.disagreement) == (1, False)


def test_benchmark_page_shows_the_board_charts_and_receipt_links(client, board):
    review, wiki, _ = board
    response = client.get(
        reverse("benchmarks:detail", args=[wiki.slug]),
        {"review": review.slug, "model": "LLaMA-2-7B", "setting": "W4A16"},
    )
    assert response.status_code == 200
    assert [e.method.name for e in response.context["entries"]] == ["AWQ", "GPTQ", "RTN"]
    assert b'data-chart="pareto-data"' in response.content and b'id="pareto-data"' in response.content
    assert response.context["focus"].method.name == "GPTQ"  # the most reported cell gets the disagreement chart
    assert b"disagree" in response.content
    first = response.context["entries"][0]
    assert f"#result-{first.result_id}".encode() in response.content


def test_the_benchmark_page_query_count_does_not_grow(client, board, django_assert_max_num_queries):
    review, wiki, _ = board
    url = reverse("benchmarks:detail", args=[wiki.slug])
    params = {"review": review.slug, "model": "LLaMA-2-7B", "setting": "W4A16"}
    with django_assert_max_num_queries(12) as before:
        client.get(url, params)
    for i in range(15):
        paper = make_paper()
        add_to_review(review, paper)
        make_result(
            paper=paper,
            method=make_method(),
            benchmark=wiki,
            model_name="LLaMA-2-7B",
            setting="W4A16",
            value=6 + i / 10,
            **approved(),
        )
    recompute_review(review.pk)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url, params)


def test_leaderboard_csv_and_json(client, board):
    review, wiki, _ = board
    params = {"review": review.slug, "model": "LLaMA-2-7B", "setting": "W4A16"}
    response = client.get(reverse("benchmarks:leaderboard-csv", args=[wiki.slug]), params)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["rank", "method", "value"] and rows[1][:3] == ["1", "AWQ", "5.8"]
    data = client.get(reverse("benchmarks:leaderboard-json", args=[wiki.slug]), params).json()
    assert data["direction"] == "lower" and data["entries"][0]["method"] == "AWQ"


def test_csv_neutralises_formulas_a_paper_could_smuggle(client, board):
    review, wiki, _ = board
    evil = make_method("=cmd|' /C calc'!A0")
    paper = make_paper()
    add_to_review(review, paper)
    make_result(
        paper=paper, method=evil, benchmark=wiki, model_name="LLaMA-2-7B", setting="W4A16", value=1.0, **approved()
    )
    recompute_review(review.pk)
    response = client.get(
        reverse("benchmarks:leaderboard-csv", args=[wiki.slug]),
        {"review": review.slug, "model": "LLaMA-2-7B", "setting": "W4A16"},
    )
    assert "'=cmd|" in response.content.decode() and "\n1,=cmd" not in response.content.decode()


@pytest.mark.parametrize(
    ("setting", "bits"), [("W4A16 g128", 4.0), ("W3A16", 3.0), ("4-bit", 4.0), ("FP16", 16.0), ("INT8", None)]
)
def test_bits_per_weight_from_the_setting(setting, bits):
    assert bits_per_weight(setting, None) == bits


def test_the_pareto_front_keeps_only_points_nothing_smaller_beats():
    points = [
        {"method": "a", "bits": 2, "value": 9.0, "setting": ""},
        {"method": "b", "bits": 3, "value": 7.0, "setting": ""},
        {"method": "c", "bits": 3, "value": 8.0, "setting": ""},
        {"method": "d", "bits": 4, "value": 7.5, "setting": ""},
        {"method": "e", "bits": 4, "value": 6.0, "setting": ""},
    ]
    assert [p["method"] for p in pareto_front(points, lower_is_better=True)] == ["a", "b", "e"]
