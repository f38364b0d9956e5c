"""The page cache keys a page on the query parameters it reads; any other parameter shares the
entry, so `?bust=N` can neither bypass the cache nor fill it (issue 15.6)."""

import pytest
from django.core.cache import cache

from reviews.derived import recompute_review
from tests.factories import add_to_review, make_benchmark, make_critique, make_method, make_paper, make_review


@pytest.fixture
def stored_keys(settings, monkeypatch):
    """The distinct keys the page cache stores pages under."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    keys: set[str] = set()
    real_set = cache.set

    def recording_set(key, *args, **kwargs):
        if key.startswith("public-pages:") and key != "public-pages:generation":
            keys.add(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    return keys


@pytest.fixture
def review(db):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    make_critique(paper=paper, method=make_method("GPTQ"))  # pending: shown by default only
    recompute_review(review.pk)
    return review


def test_unread_parameters_share_one_cache_entry(client, review, stored_keys):
    for n in range(1, 51):
        assert client.get(review.get_absolute_url(), {"bust": n}).status_code == 200
    assert len(stored_keys) == 1


def test_a_parameter_the_page_reads_still_gets_its_own_entry(client, review, stored_keys):
    default = client.get(review.get_absolute_url(), {"bust": 1})
    strict = client.get(review.get_absolute_url(), {"approved": "1", "bust": 2})
    assert len(stored_keys) == 2
    assert b"GPTQ" in default.content and b"GPTQ" not in strict.content
    assert client.get(review.get_absolute_url(), {"bust": 3, "approved": "1"}).content == strict.content


def test_the_key_does_not_depend_on_parameter_order(client, db, stored_keys):
    benchmark = make_benchmark("WikiText2")
    client.get(benchmark.get_absolute_url(), {"model": "LLaMA-7B", "setting": "W4"})
    client.get(benchmark.get_absolute_url(), {"setting": "W4", "model": "LLaMA-7B", "utm": "x"})
    assert len(stored_keys) == 1
