import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_review
from worker import tasks
from worker.models import IngestionFailure, IngestionRun, RunStatus


def make_run(review, **fields):
    return IngestionRun.objects.create(review=review, started_at=timezone.now(), **fields)


@pytest.fixture
def review(db):
    return make_review(title="KV-cache quantization")


def test_anonymous_users_are_sent_to_log_in(client, review):
    run = make_run(review)
    for url in (reverse("worker:runs"), reverse("worker:run", args=[run.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(reverse("worker:start", args=[review.slug])).status_code == 302
    assert IngestionRun.objects.count() == 1


def test_logged_in_non_operators_are_refused(client, charlie, review):
    run = make_run(review)
    client.force_login(charlie)
    assert client.get(reverse("worker:runs")).status_code == 403
    assert client.get(reverse("worker:run", args=[run.pk])).status_code == 403
    assert client.post(reverse("worker:start", args=[review.slug])).status_code == 403


def test_operators_see_runs_with_their_counts(client, olivia, review):
    make_run(review, seen=120, new=7, parsed=6, failed=1)
    client.force_login(olivia)
    response = client.get(reverse("worker:runs"))
    assert response.status_code == 200
    assert b"KV-cache quantization" in response.content and b"<td>120</td>" in response.content


def test_the_run_list_query_count_does_not_grow_with_runs(client, olivia, review, django_assert_max_num_queries):
    client.force_login(olivia)
    for _ in range(3):
        make_run(review, status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("worker:runs"))
    for _ in range(20):
        IngestionFailure.objects.create(
            run=make_run(review, status=RunStatus.FAILED, finished_at=timezone.now()), stage="feed", reason="HTTP 404"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("worker:runs"))


def test_a_running_run_polls_and_a_finished_one_stops_polling(client, olivia, review):
    client.force_login(olivia)
    run = make_run(review, stage="papers", seen=5)
    page = client.get(reverse("worker:run", args=[run.pk]))
    assert b'hx-trigger="every 5s"' in page.content
    fragment = client.get(reverse("worker:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and b"<html" not in fragment.content and b"every 5s" in fragment.content
    IngestionRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    fragment = client.get(reverse("worker:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert fragment.status_code == 286
    assert b"every 5s" not in fragment.content and b"Succeeded" in fragment.content
    assert "HX-Request" in fragment["Vary"]


def test_failures_are_listed_escaped(client, olivia, review):
    run = make_run(review, status=RunStatus.PARTIAL, finished_at=timezone.now())
    IngestionFailure.objects.create(
        run=run, stage="parse", arxiv_id="2401.00001", reason="<script>x</script> encrypted"
    )
    client.force_login(olivia)
    content = client.get(reverse("worker:run", args=[run.pk])).content
    assert b"&lt;script&gt;x&lt;/script&gt; encrypted" in content and b"<script>x" not in content


def test_an_operator_starts_an_ingestion_with_a_post(client, olivia, review, monkeypatch):
    started = []
    monkeypatch.setattr(tasks.ingest_review, "apply_async", lambda args=(), **kwargs: started.append(tuple(args)))
    client.force_login(olivia)
    assert client.get(reverse("worker:start", args=[review.slug])).status_code == 405
    response = client.post(reverse("worker:start", args=[review.slug]))
    assert response.status_code == 302
    assert started == [(review.pk, "operator")]


def test_posting_without_csrf_token_is_refused(olivia, review):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(olivia)
    assert strict.post(reverse("worker:start", args=[review.slug])).status_code == 403


def test_only_operators_download_a_review_dump(client, alice, olivia, review):
    url = reverse("worker:dump", args=[review.slug])
    assert client.get(url).status_code == 302
    client.force_login(alice)  # a curator, not an operator
    assert client.get(url).status_code == 403
    client.force_login(olivia)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('-dump.json"')
    dump = response.json()
    assert dump["format"] == "living-review-dump/1" and dump["review"] == review.slug
