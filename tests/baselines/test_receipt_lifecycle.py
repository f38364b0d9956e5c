import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from baselines.models import CritiqueReceipt, CuratorDecision
from benchmarks.models import BenchmarkResult
from papers.models import Citation
from tests.factories import make_beats, make_critique, make_method, make_paper, make_result

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("make", [make_result, make_critique, make_beats])
def test_a_receipt_status_outside_the_lifecycle_is_rejected(make):
    receipt = make()
    receipt.status = "maybe"
    with pytest.raises(IntegrityError), transaction.atomic():
        receipt.save()


def test_a_citation_status_outside_the_lifecycle_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(
            paper=make_paper(), cited=make_paper(), extractor="rules", extractor_version="1", status="archived"
        )


def test_an_approved_receipt_must_say_when_it_was_decided():
    receipt = make_critique()
    receipt.status = "approved"
    with pytest.raises(IntegrityError), transaction.atomic():
        receipt.save()
    receipt.decided_at = timezone.now()
    receipt.save()
    assert CritiqueReceipt.objects.approved().get() == receipt


def test_confidence_outside_zero_to_one_is_rejected():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_result(confidence=1.5)


def test_a_method_cannot_beat_itself():
    method = make_method("SelfBeater")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_beats(method=method, baseline=method)


def test_visible_receipts_follow_the_unreviewed_switch():
    pending = make_result()
    approved = make_result(status="approved", decided_at=timezone.now())
    make_result(status="rejected", decided_at=timezone.now(), reason="wrong row")
    assert set(BenchmarkResult.objects.visible(include_unreviewed=False)) == {approved}
    assert set(BenchmarkResult.objects.visible(include_unreviewed=True)) == {approved, pending}


def test_curator_decisions_are_never_deleted(alice):
    receipt = make_critique()
    decision = CuratorDecision.objects.record(
        receipt, "approve", alice, before={"status": "pending"}, after={"status": "approved"}
    )
    with pytest.raises(PermissionError):
        decision.delete()
    with pytest.raises(PermissionError):
        CuratorDecision.objects.all().delete()
    assert CuratorDecision.objects.for_receipt(receipt).get() == decision


def test_a_rejection_without_reason_is_refused_by_the_database(alice):
    receipt = make_critique()
    with pytest.raises(IntegrityError), transaction.atomic():
        CuratorDecision.objects.record(receipt, "reject", alice)
