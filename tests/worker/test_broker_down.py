"""With the broker (Redis) down, a decision, a draft request and an operator's ingest are saved and
answered; the work is picked up later instead of failing the request (issue 15.3)."""

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from reviews.models import DraftStatus, PendingRefresh, Review, SynthesisDraft
from tests.factories import add_to_review, make_method, make_paper, make_result, make_review
from worker.models import IngestionRun


@pytest.fixture
def broker_down():
    """Tasks really go to a broker, and nothing listens where it is."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_publish_retry_policy)
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:6390/0"
    conf.task_publish_retry_policy = {"max_retries": 0}
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.task_always_eager, conf.broker_url, conf.task_publish_retry_policy = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def review(db):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    return review, make_result(paper=paper, method=make_method("GPTQ"), value=5.83, value_text="5.83")


def test_an_approval_is_saved_and_its_refresh_waits_for_the_sweep(
    client, alice, review, broker_down, django_capture_on_commit_callbacks
):
    the_review, result = review
    Review.objects.filter(pk=the_review.pk).update(derived_dirty=False)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("curate:decide", args=["result", result.pk, "approve"]))
    assert response.status_code == 302
    result.refresh_from_db()
    assert result.status == "approved"
    # What the decision touched waits in the database; the beat's sweep queues its refresh.
    waiting = PendingRefresh.objects.get(review=the_review)
    assert (waiting.paper_ids, waiting.touched["reported"]) == ([result.paper_id], [result.method_id])
    assert Review.objects.get(pk=the_review.pk).subproblems_stale


def test_a_draft_that_could_not_be_queued_is_not_left_being_written(
    client, alice, review, broker_down, django_capture_on_commit_callbacks
):
    the_review, _ = review
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:synthesis-regenerate", args=[the_review.slug]))
    assert response.status_code == 302
    draft = SynthesisDraft.objects.get(review=the_review)
    assert draft.status == DraftStatus.FAILED and "try again" in draft.error


def test_an_operator_ingest_says_it_was_not_queued(
    client, superuser, review, broker_down, django_capture_on_commit_callbacks
):
    the_review, _ = review
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("worker:start", args=[the_review.slug]), follow=True)
    assert response.status_code == 200
    assert b"could not be queued" in response.content
    assert not IngestionRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_curator_is_told_when_the_refresh_could_not_be_queued(client, broker_down):
    from django.contrib.auth.models import User

    from baselines.access import ensure_curators_group

    curator = User.objects.create_user("dora", password="pw-dora-12345")
    curator.groups.add(ensure_curators_group())
    paper = make_paper()
    add_to_review(make_review(), paper)
    result = make_result(paper=paper, method=make_method("GPTQ"), value=5.83, value_text="5.83")
    client.force_login(curator)
    url = reverse("curate:decide", args=["result", result.pk, "approve"])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"The task queue is unreachable" in response.content
    result.refresh_from_db()
    assert result.status == "approved"
