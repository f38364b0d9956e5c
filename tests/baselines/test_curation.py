"""Curator decisions as services: approve, reject, correct, re-point, merge, conflicts, audit."""

import pytest
from django.utils import timezone

from baselines import curation
from baselines.models import BeatsReceipt, CritiqueReceipt, CuratorDecision, Method, MethodCandidate
from benchmarks.models import BenchmarkResult
from reviews.models import Review
from tests.factories import add_to_review, make_beats, make_critique, make_method, make_paper, make_result, make_review


@pytest.mark.django_db
def test_approving_records_who_when_and_the_values_before_and_after(alice):
    result = make_result(value=5.83)
    outcome = curation.decide("result", result.pk, actor=alice, action="approve")
    result.refresh_from_db()
    assert (result.status, result.decided_by) == ("approved", alice) and result.decided_at
    decision = outcome.decision
    assert (decision.actor, decision.action) == (alice, "approve")
    assert decision.before["status"] == "pending" and decision.after["status"] == "approved"
    assert decision.after["value"] == 5.83


@pytest.mark.django_db
def test_a_rejection_needs_a_reason(alice):
    critique = make_critique()
    with pytest.raises(ValueError, match="reason"):
        curation.decide("critique", critique.pk, actor=alice, action="reject", reason=" ")
    curation.decide("critique", critique.pk, actor=alice, action="reject", reason="It praises the method.")
    assert CritiqueReceipt.objects.get().reason == "It praises the method."


@pytest.mark.django_db
def test_correcting_changes_the_fields_and_keeps_the_old_values_in_the_audit(alice):
    wrong_method, right_method = make_method("GPTQ"), make_method("AWQ")
    result = make_result(method=wrong_method, value=5.38)
    curation.decide(
        "result",
        result.pk,
        actor=alice,
        action="correct",
        changes={
            "method": right_method,
            "value": 5.83,
            "model_name": "LLaMA-2-7B",
            "setting": "W4A16",
            "benchmark": result.benchmark,
        },
        reason="digits swapped",
    )
    result.refresh_from_db()
    assert (result.method, result.value, result.status) == (right_method, 5.83, "approved")
    decision = CuratorDecision.objects.get()
    assert decision.before["method"] == "GPTQ" and decision.before["value"] == 5.38
    assert decision.after["method"] == "AWQ" and decision.after["value"] == 5.83


@pytest.mark.django_db
def test_the_second_curator_sees_who_decided_first_and_nothing_is_overwritten(alice, bob):
    result = make_result()
    curation.decide("result", result.pk, actor=alice, action="approve")
    with pytest.raises(curation.AlreadyDecided) as conflict:
        curation.decide("result", result.pk, actor=bob, action="reject", reason="I disagree")
    assert "approved by alice" in str(conflict.value)
    result.refresh_from_db()
    assert (result.status, result.decided_by) == ("approved", alice)
    assert CuratorDecision.objects.count() == 1


@pytest.mark.django_db
def test_repointing_a_receipt_to_another_method(alice):
    critique = make_critique(method=make_method("SQ"))
    smooth = make_method("SmoothQuant")
    curation.repoint("critique", critique.pk, actor=alice, method=smooth, reason="SQ means SmoothQuant here")
    critique.refresh_from_db()
    assert critique.method == smooth and critique.status == "pending"
    assert CuratorDecision.objects.get().action == "repoint"


@pytest.mark.django_db
def test_merging_a_method_moves_every_receipt_and_keeps_its_name_as_an_alias(alice):
    optq, gptq, awq = make_method("OPTQ-typo"), make_method("GPTQ"), make_method("AWQ")
    make_result(method=optq, status="approved", decided_at=timezone.now())
    make_critique(method=optq)
    make_beats(method=awq, baseline=optq)
    make_beats(method=gptq, baseline=optq)  # becomes GPTQ beats GPTQ: dropped
    moved = curation.merge_methods(optq, gptq, actor=alice, reason="a typo of GPTQ")
    assert not Method.objects.filter(name="OPTQ-typo").exists()
    assert Method.objects.by_name("optq typo") == gptq
    assert BenchmarkResult.objects.get().method == gptq and BenchmarkResult.objects.get().status == "approved"
    assert CritiqueReceipt.objects.get().method == gptq
    assert list(BeatsReceipt.objects.values_list("method__name", "baseline__name")) == [("AWQ", "GPTQ")]
    assert moved["self_beats_dropped"] == 1
    decision = CuratorDecision.objects.get(action="merge")
    assert decision.before == {"merged": "OPTQ-typo", "into": "GPTQ"}


@pytest.mark.django_db
def test_an_approved_candidate_becomes_a_method(alice):
    paper = make_paper()
    candidate = MethodCandidate.objects.create(paper=paper, name="RotaQuant", extractor="rules", extractor_version="1")
    curation.decide("candidate", candidate.pk, actor=alice, action="approve")
    method = Method.objects.by_name("rotaquant")
    assert method is not None and method.introduced_by == paper
    assert MethodCandidate.objects.get().resolved_method == method


@pytest.mark.django_db
def test_bulk_approve_reports_conflicts(alice, bob):
    results = [make_result() for _ in range(3)]
    curation.decide("result", results[0].pk, actor=bob, action="reject", reason="wrong table")
    approved, conflicts = curation.bulk_approve("result", [r.pk for r in results], actor=alice)
    assert approved == 2 and len(conflicts) == 1 and conflicts[0].decision.actor == bob


@pytest.mark.django_db
def test_a_decision_marks_the_papers_reviews_for_recompute(alice, django_capture_on_commit_callbacks):
    review = make_review()
    paper = make_paper()
    add_to_review(review, paper)
    critique = make_critique(paper=paper, method=make_method("GPTQ"))
    Review.objects.filter(pk=review.pk).update(derived_dirty=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        curation.decide("critique", critique.pk, actor=alice, action="approve")
    assert callbacks  # the recompute task was queued on commit, not run inside the decision
    review.refresh_from_db()
    assert review.derived_at is not None and review.derived_counts["critiques"] == 1


@pytest.mark.django_db
def test_beats_cannot_be_corrected_into_a_self_comparison(alice):
    gptq = make_method("GPTQ")
    beats = make_beats(baseline=gptq)
    with pytest.raises(ValueError):
        curation.repoint("beats", beats.pk, actor=alice, method=gptq)
