"""A decided receipt can be reopened: back to pending, recorded as its own decision, announced so the
derived views follow; from the queue, the curator's history and the admin."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from baselines import curation
from baselines.models import CuratorDecision
from benchmarks.models import BenchmarkResult
from reviews.models import Review
from tests.factories import add_to_review, make_paper, make_result, make_review


@pytest.fixture
def approved(alice):
    result = make_result(model_name="LLaMA-2-7B", value=5.83)
    curation.decide("result", result.pk, actor=alice, action="approve")
    return result


def test_reopening_puts_the_receipt_back_in_the_queue_and_records_the_decision(alice, bob, approved):
    outcome = curation.reopen("result", approved.pk, actor=bob, reason="approved the wrong row")
    approved.refresh_from_db()
    assert (approved.status, approved.decided_by, approved.decided_at, approved.reason) == ("pending", None, None, "")
    reopen, approve = CuratorDecision.objects.for_receipt(approved)
    assert (approve.action, approve.actor) == ("approve", alice)
    assert (reopen.action, reopen.actor, reopen.reason) == ("reopen", bob, "approved the wrong row")
    assert reopen == outcome.decision
    assert (reopen.before["status"], reopen.after["status"]) == ("approved", "pending")
    assert reopen.after["value"] == 5.83
    curation.decide("result", approved.pk, actor=bob, action="reject", reason="wrong row")
    assert BenchmarkResult.objects.get(pk=approved.pk).status == "rejected"


def test_a_rejected_receipt_can_be_reopened_too(alice):
    result = make_result()
    curation.decide("result", result.pk, actor=alice, action="reject", reason="wrong table")
    curation.reopen("result", result.pk, actor=alice)
    assert BenchmarkResult.objects.get(pk=result.pk).status == "pending"


def test_a_pending_receipt_has_nothing_to_reopen(alice):
    result = make_result()
    with pytest.raises(curation.NotDecided):
        curation.reopen("result", result.pk, actor=alice)
    assert not CuratorDecision.objects.exists()


def test_reopening_refreshes_the_reviews_counts(alice, django_capture_on_commit_callbacks):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    result = make_result(paper=paper)
    with django_capture_on_commit_callbacks(execute=True):
        curation.decide("result", result.pk, actor=alice, action="approve")
    assert Review.objects.get(pk=review.pk).derived_counts["approved_results"] == 1
    Review.objects.filter(pk=review.pk).update(derived_dirty=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        curation.reopen("result", result.pk, actor=alice)
    assert callbacks  # the recompute was queued on commit, as for any decision
    review.refresh_from_db()
    assert review.derived_counts["approved_results"] == 0 and review.derived_counts["results"] == 1


def test_the_queue_reopens_in_place(client, alice, approved):
    client.force_login(alice)
    url = reverse("curate:decide", args=["result", approved.pk, "reopen"])
    response = client.post(url, {"reason": "oops"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'class="approve"' in response.content  # pending again: the item offers its decisions
    assert BenchmarkResult.objects.get(pk=approved.pk).status == "pending"
    again = client.post(url, headers={"HX-Request": "true"})
    assert again.status_code == 200 and b"pending already" in again.content
    assert CuratorDecision.objects.filter(action="reopen").count() == 1


def test_the_decided_item_offers_the_reopen_button(client, alice):
    result = make_result()
    client.force_login(alice)
    url = reverse("curate:decide", args=["result", result.pk, "approve"])
    response = client.post(url, headers={"HX-Request": "true"})
    assert reverse("curate:decide", args=["result", result.pk, "reopen"]).encode() in response.content


def test_the_history_page_reopens_the_newest_decision_of_a_decided_receipt(client, alice, approved):
    client.force_login(alice)
    reopen_url = reverse("curate:decide", args=["result", approved.pk, "reopen"])
    page = client.get(reverse("curate:history"))
    assert page.content.count(reopen_url.encode()) == 1
    response = client.post(reopen_url, {"next": reverse("curate:history")}, follow=True)
    assert response.status_code == 200 and b"Reopened" in response.content
    assert reopen_url.encode() not in response.content  # pending now: nothing to reopen
    assert BenchmarkResult.objects.get(pk=approved.pk).status == "pending"


def test_outsiders_cannot_reopen(client, charlie, approved):
    url = reverse("curate:decide", args=["result", approved.pk, "reopen"])
    assert client.post(url)["Location"].startswith(reverse("login"))
    client.force_login(charlie)
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    assert BenchmarkResult.objects.get(pk=approved.pk).status == "approved"


def test_reopening_needs_the_csrf_token(alice, approved):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(reverse("curate:decide", args=["result", approved.pk, "reopen"]))
    assert response.status_code == 403
    assert BenchmarkResult.objects.get(pk=approved.pk).status == "approved"


def test_the_admin_reopens_the_selected_decided_receipts(client, superuser, approved):
    pending = make_result()
    client.force_login(superuser)
    url = reverse("admin:benchmarks_benchmarkresult_changelist")
    response = client.post(
        url, {"action": "reopen_selected", "_selected_action": [approved.pk, pending.pk]}, follow=True
    )
    assert response.status_code == 200 and b"Reopened 1 receipt (1 pending already" in response.content
    assert BenchmarkResult.objects.get(pk=approved.pk).status == "pending"
    decision = CuratorDecision.objects.get(action="reopen")
    assert decision.actor == superuser and decision.object_id == approved.pk


def test_the_admin_offers_reopening_only_to_curators(rf, superuser, charlie):
    model_admin = admin.site._registry[BenchmarkResult]
    request = rf.get("/")
    request.user = superuser
    assert "reopen_selected" in model_admin.get_actions(request)
    request.user = charlie
    assert "reopen_selected" not in model_admin.get_actions(request)
