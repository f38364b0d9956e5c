"""The ledger and the receipts behind a dashboard number read a page of rows, not the review: a
disagreement shows at most ten stored values (both ends, evenly between) and says how many more, the
lists page without counting, and each row's paper is tested on its own (SQLite plans). At 100,000
papers the ledger took 2.5 s (470 KB) and a receipts list 400 ms."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from benchmarks.leaderboards import spread_sample
from benchmarks.models import LeaderboardEntry
from reviews.derived import recompute_review
from reviews.panels import ledger_claims, receipts_behind
from tests.factories import (
    add_to_review,
    approved,
    make_beats,
    make_benchmark,
    make_method,
    make_paper,
    make_result,
    make_review,
)
from tests.query_plans import plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(settings):
    """Twelve papers report one cell, spread far apart (5.0 … 16.0)."""
    settings.DISAGREEMENT_THRESHOLD = 0.15
    review = make_review(slug="spread")
    where = {
        "benchmark": make_benchmark("WikiText-2"),
        "method": make_method("RTN"),
        "model_name": "LLaMA-7B",
        "setting": "W3A16",
    }
    results = []
    for i in range(12):
        paper = make_paper()
        add_to_review(review, paper)
        results.append(make_result(paper=paper, **approved(value=5.0 + i, **where)))
    recompute_review(review.pk)
    return review, results


def test_a_disagreement_stores_ten_values_spanning_both_ends(spread):
    review, results = spread
    cell = LeaderboardEntry.objects.get(review=review, approved_only=False)
    assert cell.disagreement and cell.compared == 12
    expected = spread_sample([r.pk for r in results], 10)
    assert cell.sample == expected and len(expected) == 10
    assert cell.sample[0] == results[0].pk and cell.sample[-1] == results[-1].pk


def test_the_ledger_shows_the_sample_and_counts_the_rest(client, spread):
    review, results = spread
    page = client.get(reverse("reviews:ledger", args=[review.slug]))
    [row] = page.context["disagreements"]
    values = [r.value for r in row["results"]]
    assert values == sorted(values) and values[0] == 5.0 and values[-1] == 16.0
    assert len(values) == 10 and row["more"] == 2
    assert b"12 papers compared, these 10 span them from end to end: 2 more" in page.content
    assert page.content.count(b"#result-") == 10


def test_the_ledger_query_count_does_not_grow_with_the_values(client, spread, django_assert_max_num_queries):
    review, results = spread
    url = reverse("reviews:ledger", args=[review.slug])
    with django_assert_max_num_queries(8) as before:
        client.get(url)
    where = {k: getattr(results[0], k) for k in ("benchmark", "method", "model_name", "setting")}
    for i in range(20):
        paper = make_paper()
        add_to_review(review, paper)
        make_result(paper=paper, **approved(value=30.0 + i, **where))
    recompute_review(review.pk)
    with django_assert_max_num_queries(len(before.captured_queries)) as after:
        page = client.get(url)
    assert page.context["disagreements"][0]["more"] == 22
    assert not any("COUNT(" in q["sql"] for q in after.captured_queries)


def test_the_receipts_list_pages_without_counting(client, django_assert_max_num_queries):
    review, gptq = make_review(slug="pages"), make_method("GPTQ")
    receipts = []
    for _ in range(51):
        paper = make_paper(published=timezone.now())
        add_to_review(review, paper)
        receipts.append(make_beats(paper=paper, baseline=gptq, **approved()))
    recompute_review(review.pk)
    url = reverse("reviews:receipts", args=[review.slug, "beaten-by", gptq.slug])
    with django_assert_max_num_queries(8) as queries:
        first = client.get(url)
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    assert [r.pk for r in first.context["page"]] == [r.pk for r in reversed(receipts[1:])]  # newest first
    assert first.context["page"].has_next and b"51 papers" in first.content
    second = client.get(url, {"page": 2})
    assert [r.pk for r in second.context["page"]] == [receipts[0].pk] and not second.context["page"].has_next
    assert b"Previous page" in second.content


@pytest.mark.parametrize("asked", ["²", "-1", "0", "x", "99999999999999999999"])
def test_a_page_number_a_reader_mangled_gives_a_page_not_an_error(client, asked):
    review, gptq = make_review(slug="mangled"), make_method("GPTQ")
    paper = make_paper()
    add_to_review(review, paper)
    make_beats(paper=paper, baseline=gptq, **approved())
    recompute_review(review.pk)
    receipts = client.get(reverse("reviews:receipts", args=[review.slug, "beaten-by", gptq.slug]), {"page": asked})
    ledger = client.get(reverse("reviews:ledger", args=[review.slug]), {"page": asked})
    assert receipts.status_code == ledger.status_code == 200


def test_the_next_page_keeps_the_approved_only_basis(client):
    review, gptq = make_review(slug="basis"), make_method("GPTQ")
    for _ in range(51):
        paper = make_paper(published=timezone.now())
        add_to_review(review, paper)
        make_beats(paper=paper, baseline=gptq, **approved())
    recompute_review(review.pk)
    url = reverse("reviews:receipts", args=[review.slug, "beaten-by", gptq.slug])
    page = client.get(url, {"approved": "1"})
    assert b'href="?approved=1&amp;page=2"' in page.content


def test_a_screened_out_paper_stays_off_the_receipts_list(client):
    review, gptq = make_review(slug="screened"), make_method("GPTQ")
    kept, dropped = make_paper(), make_paper()
    add_to_review(review, kept)
    add_to_review(review, dropped, screening="excluded")
    make_beats(paper=kept, baseline=gptq, **approved())
    make_beats(paper=dropped, baseline=gptq, **approved())
    listed = receipts_behind(review, "beaten-by", gptq)
    assert [r.paper_id for r in listed] == [kept.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
@pytest.mark.parametrize("kind", ["critiques", "beaten-by", "beats"])
def test_a_receipts_page_is_read_in_index_order(kind):
    shown = plan(receipts_behind(make_review(), kind, make_method("GPTQ"))[:51])
    assert "LIST SUBQUERY" not in shown and "CORRELATED SCALAR SUBQUERY" in shown
    assert "TEMP B-TREE" not in shown


@pytest.mark.skipif(connection.vendor != "sqlite", reason="EXPLAIN QUERY PLAN is SQLite's")
def test_a_ledger_page_of_claims_is_read_in_index_order():
    shown = plan(ledger_claims(make_review())[:51])
    assert "claim_paper_status" in shown and "TEMP B-TREE" not in shown and "LIST SUBQUERY" not in shown
