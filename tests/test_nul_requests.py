"""A request carrying NUL (%00) in its path, query or form is refused with 400 before any view runs:
PostgreSQL text cannot hold NUL, so a lookup with one would otherwise answer 500."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.factories import make_benchmark, make_paper, make_review


@pytest.fixture
def curator(db):
    user = User.objects.create_user("cura", password="pw-cura-123", is_staff=True, is_superuser=True)
    return user


@pytest.mark.django_db
def test_nul_in_a_query_string_or_path_answers_400_on_every_page(client):
    review, benchmark = make_review(), make_benchmark()
    make_paper(arxiv_id="2401.00001")
    board = reverse("benchmarks:detail", args=[benchmark.slug])
    urls = [
        "/search/?q=ab%00cd",
        f"{board}?model=a%00b",
        reverse("benchmarks:leaderboard-json", args=[benchmark.slug]) + "?model=a%00b",
        reverse("benchmarks:leaderboard-csv", args=[benchmark.slug]) + "?setting=x%00",
        "/p/ab%00cd/",
        f"{review.get_absolute_url()}?approved=1%00",
    ]
    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 400)


@pytest.mark.django_db
def test_nul_in_the_curator_queue_filters_answers_400(client, curator):
    client.force_login(curator)
    urls = [f"/curate/?{name}=a%00b" for name in ("paper", "method", "review", "extractor")]
    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 400)


@pytest.mark.django_db
def test_nul_in_posted_form_data_answers_400(client, curator):
    client.force_login(curator)
    response = client.post(reverse("curate:merge"), {"source": "GPTQ\x00", "target": "AWQ"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_ordinary_query_still_answers_200(client):
    assert client.get("/search/?q=gptq").status_code == 200
