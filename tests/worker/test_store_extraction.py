"""Storing an extraction: linking names, replacing only pending receipts, keeping curators' decisions."""

import pytest
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, Method, MethodCandidate
from benchmarks.models import Benchmark, BenchmarkCandidate, BenchmarkResult
from reviews.services import load_reference_data
from tests.factories import make_paper
from worker.extract import receipts
from worker.extraction import registry_for_extraction, store_extraction

A_ROW = receipts.Provenance(page=2, locator="Table 1", quote="row")


def an_extraction(version="1", value=5.83):
    where = receipts.Provenance(page=7, locator="Table 2", quote="GPTQ 4 5.83 6.12", confidence=0.9)
    return receipts.Extraction(
        extractor="rules",
        version=version,
        proposed=["AWQ"],
        results=[
            receipts.ResultReceipt(
                "GPTQ", "LLaMA-2-7B", "W4A16 g128", "WikiText-2", value, where, value_text=str(value)
            ),
            receipts.ResultReceipt("AWQ", "LLaMA-2-7B", "W4A16 g128", "Wiki2", 5.60, where, value_text="5.60"),
            receipts.ResultReceipt("NewQuant", "LLaMA-2-7B", "W4A16", "WikiText-2", 5.70, where),
            receipts.ResultReceipt("AWQ", "LLaMA-2-7B", "W4A16", "Some private benchmark", 1.0, where),
        ],
        beats=[
            receipts.BeatsClaim(
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
            receipts.BeatsClaim(
                "AWQ", "OPTQ", receipts.Provenance(page=1, quote="AWQ outperforms GPTQ."), evidence="sentence"
            ),
        ],
        critiques=[
            receipts.CritiqueClaim("RTN", receipts.Provenance(page=3, quote="RTN fails at 3 bits."), section="3 Method")
        ],
        candidates=[receipts.CandidateMethod("NewQuant", where), receipts.CandidateMethod("GPTQ", where)],
    )


@pytest.fixture
def paper(db):
    load_reference_data()
    return make_paper(arxiv_id="2401.12345")


def test_names_are_linked_and_unknown_ones_kept_under_provisional_names(paper):
    report = store_extraction(paper, an_extraction())
    results = BenchmarkResult.objects.filter(paper=paper).select_related("method", "benchmark")
    assert {(r.method.name, r.benchmark.name, r.value) for r in results} == {
        ("GPTQ", "WikiText-2", 5.83),
        ("AWQ", "WikiText-2", 5.60),
        ("NewQuant", "WikiText-2", 5.70),  # kept, waiting on its candidate
        ("AWQ", "Some private benchmark", 1.0),
    }
    assert all(r.status == "pending" and r.page == 7 and r.locator == "Table 2" for r in results)
    assert Method.objects.get(name="NewQuant").provisional
    assert Benchmark.objects.get(name="Some private benchmark").provisional
    # OPTQ is GPTQ's alias, so the sentence and the table claim collapse to one pair per benchmark context.
    assert set(BeatsReceipt.objects.values_list("method__name", "baseline__name", "evidence")) == {
        ("AWQ", "GPTQ", "table"),
        ("AWQ", "GPTQ", "sentence"),
    }
    assert CritiqueReceipt.objects.get().method.name == "RTN"
    assert list(MethodCandidate.objects.values_list("name", "resolved_method__name")) == [("NewQuant", "NewQuant")]
    assert list(BenchmarkCandidate.objects.values_list("name", flat=True)) == ["Some private benchmark"]
    assert report.skipped == {}


def results_only(*results: receipts.ResultReceipt) -> receipts.Extraction:
    return receipts.Extraction(extractor="rules", version="1", results=list(results))


def test_impossible_values_are_skipped_with_their_reason(paper):
    report = store_extraction(
        paper,
        results_only(
            receipts.ResultReceipt("GPTQ", "LLaMA-7B", "W4A8", "WikiText-2", -3.0, A_ROW),
            receipts.ResultReceipt("GPTQ", "LLaMA-7B", "W4A8", "PIQA", 130.0, A_ROW),
            receipts.ResultReceipt(
                "GPTQ", "LLaMA-7B", "W40A8", "WikiText-2", 5.9, A_ROW, weight_bits=40, activation_bits=8
            ),
            receipts.ResultReceipt("GPTQ", "LLaMA-7B", "W4A8", "WikiText-2", float("nan"), A_ROW),
            receipts.ResultReceipt("GPTQ", "LLaMA-7B", "W4A8", "PIQA", 77.1, A_ROW, weight_bits=4, activation_bits=8),
        ),
    )
    assert list(BenchmarkResult.objects.values_list("value", flat=True)) == [77.1]
    assert report.skipped == {
        "result: perplexity not positive": 1,
        "result: accuracy out of range (0-100)": 1,
        "result: weight bits out of range (1-32)": 1,
        "result: value is not a finite number": 1,
    }


def test_approving_a_candidate_puts_its_results_on_the_public_pages(paper, alice):
    from baselines.curation import decide
    from papers.provenance import ReceiptQuerySet

    store_extraction(paper, an_extraction())
    waiting: ReceiptQuerySet = BenchmarkResult.objects.filter(method__name="NewQuant")
    assert not waiting.named().exists()  # a provisional name counts nowhere yet
    candidate = MethodCandidate.objects.get(name="NewQuant")
    decide("candidate", candidate.pk, actor=alice, action="approve")
    assert not Method.objects.get(name="NewQuant").provisional
    assert waiting.named().count() == 1
    # a curator who corrects a benchmark candidate to a known name moves its results there
    benchmark_candidate = BenchmarkCandidate.objects.get()
    decide("benchmark-candidate", benchmark_candidate.pk, actor=alice, action="correct", changes={"name": "MMLU"})
    assert BenchmarkResult.objects.filter(benchmark__name="MMLU", paper=paper).count() == 1
    assert not Benchmark.objects.filter(name="Some private benchmark").exists()


def test_merging_a_candidate_into_a_known_method_moves_its_receipts(paper, alice):
    from baselines.curation import merge_methods

    store_extraction(paper, an_extraction())
    merge_methods(Method.objects.get(name="NewQuant"), Method.objects.get(name="GPTQ"), actor=alice)
    assert BenchmarkResult.objects.filter(method__name="GPTQ").count() == 2
    assert Method.objects.by_name("NewQuant").name == "GPTQ"


def test_re_extraction_replaces_pending_receipts_of_the_same_version_only(paper):
    store_extraction(paper, an_extraction())
    store_extraction(paper, an_extraction())
    assert BenchmarkResult.objects.filter(paper=paper).count() == 4
    assert Method.objects.filter(name="NewQuant").count() == 1  # the provisional name is made once
    assert MethodCandidate.objects.filter(paper=paper).count() == 1
    store_extraction(paper, an_extraction(version="2"))
    assert BenchmarkResult.objects.filter(paper=paper, extractor_version="1").count() == 4
    assert BenchmarkResult.objects.filter(paper=paper, extractor_version="2").count() == 4


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
    assert isinstance(registry, receipts.Registry)


def test_two_new_names_that_slug_alike_get_two_rows(paper):
    report = store_extraction(
        paper,
        results_only(
            receipts.ResultReceipt("AQAS+dINT4", "LLaMA-7B", "W4A8", "WikiText-2", 5.9, A_ROW),
            receipts.ResultReceipt("AQAS plus dINT4", "LLaMA-7B", "W4A8", "WikiText-2", 6.1, A_ROW),
        ),
    )
    assert report.skipped == {}
    slugs = set(Method.objects.filter(name__in=["AQAS+dINT4", "AQAS plus dINT4"]).values_list("slug", flat=True))
    assert slugs == {"aqas-plus-dint4", "aqas-plus-dint4-2"}


def test_provisional_names_are_not_vocabulary(db):
    from baselines.models import Method

    Method.objects.provisional("OPTQ")  # a paper's word that no curator has approved
    registry = registry_for_extraction()
    assert registry.method("OPTQ") == "GPTQ"  # the shipped registry still reads it
