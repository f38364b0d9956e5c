import pytest
from django.urls import reverse

from reviews.services import load_reference_data
from tests.factories import add_to_review, make_critique, make_paper, make_result, make_review

HOSTILE = '<script>alert("x")</script>'


@pytest.mark.django_db
def test_home_lists_the_llm_quantization_review(client):
    load_reference_data()
    response = client.get(reverse("reviews:home"))
    assert response.status_code == 200
    assert b"LLM quantization" in response.content
    assert reverse("reviews:detail", args=["llm-quantization"]).encode() in response.content


@pytest.mark.django_db
def test_home_shows_each_reviews_paper_count_and_last_ingestion(client):
    from reviews.derived import recompute_review

    review = make_review(title="KV-cache quantization")
    for _ in range(3):
        add_to_review(review, make_paper())
    page = client.get(reverse("reviews:home")).content.decode()
    assert "0 papers" in page and "not ingested yet" in page  # before the first recompute
    recompute_review(review.pk)
    assert "3 papers" in client.get(reverse("reviews:home")).content.decode()


@pytest.mark.django_db
def test_home_query_count_does_not_grow_with_reviews(client, django_assert_max_num_queries):
    for _ in range(3):
        review = make_review()
        add_to_review(review, make_paper())
    with django_assert_max_num_queries(2):
        assert client.get(reverse("reviews:home")).status_code == 200
    for _ in range(10):
        make_review()
    with django_assert_max_num_queries(2):
        assert client.get(reverse("reviews:home")).status_code == 200


@pytest.mark.django_db
def test_review_page_counts_papers_and_receipts_of_that_review_only(client):
    from reviews.derived import recompute_review

    review = make_review(title="KV-cache quantization")
    inside, outside = make_paper(), make_paper()
    add_to_review(review, inside)
    make_critique(paper=inside)
    make_result(paper=inside)
    make_result(paper=inside)
    make_result(paper=outside)
    recompute_review(review.pk)
    response = client.get(reverse("reviews:detail", args=[review.slug]))
    assert response.status_code == 200
    assert response.context["counts"] == {
        "papers": 1,
        "critiques": 1,
        "results": 2,
        "beats": 0,
        "approved_critiques": 0,
        "approved_results": 0,
        "approved_beats": 0,
    }
    assert response.context["approved_only"] is False
    assert b"pending ones marked" in response.content
    assert b"3 results" not in response.content


@pytest.mark.django_db
def test_unknown_review_is_404(client):
    assert client.get(reverse("reviews:detail", args=["nope"])).status_code == 404


@pytest.mark.django_db
def test_what_a_paper_says_is_escaped_on_its_page(client):
    paper = make_paper(title=HOSTILE, authors=[HOSTILE], abstract=HOSTILE)
    response = client.get(paper.get_absolute_url())
    assert response.status_code == 200
    assert HOSTILE.encode() not in response.content
    assert b"&lt;script&gt;" in response.content


@pytest.mark.django_db
def test_old_style_arxiv_ids_have_paper_pages(client):
    paper = make_paper(arxiv_id="hep-th/9901001")
    assert client.get(paper.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_method_and_benchmark_pages_render(client):
    load_reference_data()
    response = client.get(reverse("baselines:method", args=["quip-sharp"]))
    assert response.status_code == 200 and b"QuIP#" in response.content
    response = client.get(reverse("benchmarks:detail", args=["wikitext-2"]))
    assert response.status_code == 200 and b"Lower is better" in response.content


@pytest.mark.django_db
def test_public_pages_refuse_post(client):
    load_reference_data()
    assert client.post(reverse("reviews:detail", args=["llm-quantization"])).status_code == 405
