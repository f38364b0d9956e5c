"""Anonymous readers get cached public pages until derived views change; curators never do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baselines import curation
from baselines.models import DecisionAction
from reviews.derived import recompute_review
from tests import factories
from tests.factories import add_to_review, make_critique, make_method, make_paper, make_review


@pytest.fixture
def cached(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600


@pytest.mark.django_db(transaction=True)
def test_a_cached_page_is_served_without_queries_until_a_recompute(client, cached, django_assert_num_queries):
    review = make_review(title="Cached review")
    paper = make_paper()
    add_to_review(review, paper)
    make_critique(paper=paper, method=make_method("GPTQ"))
    recompute_review(review.pk)
    first = client.get(review.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(review.get_absolute_url())
    assert again.content == first.content and again["Content-Type"] == first["Content-Type"]
    make_critique(paper=paper, method=make_method("AWQ"))
    recompute_review(review.pk)  # bumps the version on commit: the next reader sees the new panel
    fresh = client.get(review.get_absolute_url())
    assert b"AWQ" in fresh.content and b"AWQ" not in first.content


@pytest.mark.django_db
def test_logged_in_users_always_get_a_fresh_page(client, cached, alice, django_assert_max_num_queries):
    review = make_review()
    client.force_login(alice)
    client.get(review.get_absolute_url())
    with django_assert_max_num_queries(20) as queries:
        response = client.get(review.get_absolute_url())
    assert len(queries.captured_queries) > 0
    assert b"X-CSRFToken" in response.content


@pytest.mark.django_db
def test_anonymous_pages_carry_no_csrf_token_or_cookie(client, cached):
    review = make_review()
    response = client.get(review.get_absolute_url())
    assert b"X-CSRFToken" not in response.content and "csrftoken" not in response.cookies


@pytest.mark.django_db
def test_htmx_fragments_and_full_pages_are_cached_apart(client, cached):
    make_method("QuaRot")
    page = client.get("/search/?q=quarot")
    fragment = client.get("/search/?q=quarot", headers={"HX-Request": "true"})
    assert b"<html" in page.content and b"<html" not in fragment.content
    assert b"<html" not in client.get("/search/?q=quarot", headers={"HX-Request": "true"}).content


@pytest.mark.django_db(transaction=True)
def test_the_approved_only_view_is_cached_apart_from_the_default_view(client, cached):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    make_critique(paper=paper, method=make_method("GPTQ"))  # pending: shown by default only
    recompute_review(review.pk)
    default = client.get(review.get_absolute_url())
    strict = client.get(review.get_absolute_url(), {"approved": "1"})
    assert b"GPTQ" in default.content and b"GPTQ" not in strict.content
    assert b"GPTQ" in client.get(review.get_absolute_url()).content


@pytest.mark.django_db(transaction=True)
def test_a_decision_retires_the_pages_it_touched_and_leaves_the_others_warm(
    client, cached, alice, django_assert_num_queries
):
    review = make_review()
    gptq, awq = make_method("GPTQ"), make_method("AWQ")
    wiki, c4 = factories.make_benchmark("WikiText-2"), factories.make_benchmark("C4")
    paper, other = make_paper(), make_paper()
    add_to_review(review, paper), add_to_review(review, other)
    result = factories.make_result(paper=paper, method=awq, benchmark=wiki, value=5.61, value_text="5.61")
    factories.make_result(paper=other, method=gptq, benchmark=c4, value=7.9)
    recompute_review(review.pk)
    touched = {
        "benchmark": f"/b/{wiki.slug}/leaderboard.json?review={review.slug}&approved=1",
        "method": f"/m/{awq.slug}/",
        "paper": f"/p/{paper.arxiv_id}/",
        "dashboard": f"{review.get_absolute_url()}?approved=1",
    }
    untouched = {"benchmark": f"/b/{c4.slug}/?review={review.slug}", "method": f"/m/{gptq.slug}/"}
    before = {name: client.get(url).content for name, url in {**touched, **untouched}.items()}

    curation.decide("result", result.pk, actor=alice, action=DecisionAction.APPROVE)  # refreshed on commit

    for url in untouched.values():
        with django_assert_num_queries(0):  # still served from the cache
            client.get(url)
    assert b"5.61" not in before["benchmark"] and b"5.61" in client.get(touched["benchmark"]).content
    for name in ("method", "paper", "dashboard"):
        with CaptureQueriesContext(connection) as queries:
            client.get(touched[name])
        assert len(queries) > 0, f"the {name} page was served from the cache after the decision"
