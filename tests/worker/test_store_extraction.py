"""Storing an extraction: linking names, replacing only pending receipts, keeping curators' decisions."""

import pytest
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, MethodCandidate
from benchmarks.models import BenchmarkResult
from reviews.services import load_reference_data
from tests.factories import make_paper
from worker.extract.receipts import (
    BeatsClaim,
    CandidateMethod,
    CritiqueClaim,
    Extraction,
    Provenance,
    Registry,
    ResultReceipt,
)
from worker.extraction import registry_for_extraction, store_extraction


def an_extraction(version="1", value=5.83):
    where = Provenance(page=7, locator="Table 2", quote="GPTQ 4 5.83 6.12", confidence=0.9)
    return Extraction(
        extractor="rules",
        version=version,
        proposed=["AWQ"],
        results=[
            ResultReceipt("GPTQ", "LLaMA-2-7B", "W4A16 g128", "WikiText-2", value, where, value_text=str(value)),
            ResultReceipt("AWQ", "LLaMA-2-7B", "W4A16 g128", "Wiki2", 5.60, where, value_text="5.60"),
            ResultReceipt("NewQuant", "LLaMA-2-7B", "W4A16", "WikiText-2", 5.70, where),
            ResultReceipt("AWQ", "LLaMA-2-7B", "W4A16", "Some private benchmark", 1.0, where),
        ],
        beats=[
            BeatsClaim(
                "AWQ",
                "GPTQ",
                where,
                evidence="table",
                benchmark="WikiText-2",
                model="LLaMA-2-7B",
                setting="W4A16 g128",
                method_value=5.60,
                baseline_value=value,
            ),
            BeatsClaim("AWQ", "OPTQ", Provenance(page=1, quote="AWQ outperforms GPTQ."), evidence="sentence"),
        ],
        critiques=[CritiqueClaim("RTN", Provenance(page=3, quote="RTN fails at 3 bits."), section="3 Method")],
        candidates=[CandidateMethod("NewQuant", where), CandidateMethod("GPTQ", where)],
    )


@pytest.fixture
def paper(db):
    load_reference_data()
    return make_paper(arxiv_id="2401.12345")


def test_names_are_linked_to_registry_rows_and_unknown_ones_wait_as_candidates(paper):
    report = store_extraction(paper, an_extraction())
    results = BenchmarkResult.objects.filter(paper=paper).select_related("method", "benchmark")
    assert {(r.method.name, r.benchmark.name, r.value) for r in results} == {
        ("GPTQ", "WikiText-2", 5.83),
        ("AWQ", "WikiText-2", 5.60),
    }
    assert all(r.status == "pending" and r.page == 7 and r.locator == "Table 2" for r in results)
    # OPTQ is GPTQ's alias, so the sentence and the table claim collapse to one pair per benchmark context.
    assert set(BeatsReceipt.objects.values_list("method__name", "baseline__name", "evidence")) == {
        ("AWQ", "GPTQ", "table"),
        ("AWQ", "GPTQ", "sentence"),
    }
    assert CritiqueReceipt.objects.get().method.name == "RTN"
    assert list(MethodCandidate.objects.values_list("name", flat=True)) == ["NewQuant"]
    assert report.skipped == {"result: method not in the registry": 1, "result: benchmark not in the registry": 1}


def test_re_extraction_replaces_pending_receipts_of_the_same_version_only(paper):
    store_extraction(paper, an_extraction())
    store_extraction(paper, an_extraction())
    assert BenchmarkResult.objects.filter(paper=paper).count() == 2
    store_extraction(paper, an_extraction(version="2"))
    assert BenchmarkResult.objects.filter(paper=paper, extractor_version="1").count() == 2
    assert BenchmarkResult.objects.filter(paper=paper, extractor_version="2").count() == 2


def test_re_extraction_never_touches_a_curators_decision(paper, alice):
    store_extraction(paper, an_extraction())
    approved = BenchmarkResult.objects.get(method__name="GPTQ")
    approved.status, approved.decided_at, approved.decided_by = "approved", timezone.now(), alice
    approved.save()
    rejected = CritiqueReceipt.objects.get()
    rejected.status, rejected.decided_at, rejected.reason = "rejected", timezone.now(), "not a critique"
    rejected.save()
    report = store_extraction(paper, an_extraction())
    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert (approved.status, approved.decided_by) == ("approved", alice)
    assert rejected.status == "rejected"
    # The same facts are not offered again as new pending receipts.
    assert BenchmarkResult.objects.filter(method__name="GPTQ").count() == 1
    assert CritiqueReceipt.objects.count() == 1
    assert report.kept_decided >= 2
    # A changed value is new evidence and is offered.
    store_extraction(paper, an_extraction(value=5.91))
    assert BenchmarkResult.objects.filter(method__name="GPTQ").count() == 2


def test_the_registry_comes_from_the_database_with_curators_aliases(paper):
    from baselines.models import Method, MethodAlias

    MethodAlias.objects.create(method=Method.objects.get(name="AWQ"), alias="ActAware")
    registry = registry_for_extraction()
    assert registry.method("actaware") == "AWQ"
    assert registry.benchmark("wiki2").direction == "lower"


def test_the_shipped_registry_is_used_when_the_database_is_empty(db):
    registry = registry_for_extraction()
    assert registry.method("OPTQ") == "GPTQ"
    assert isinstance(registry, Registry)
