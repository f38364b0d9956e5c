"""extract_pdf, evaluate_extraction, and the extract stage of the pipeline on real papers."""

import json

import pytest
from django.core.management import call_command

from baselines.models import BeatsReceipt, CritiqueReceipt
from benchmarks.models import BenchmarkResult
from reviews.services import load_reference_data
from tests.conftest import corpus_path
from tests.factories import make_review
from worker import pipeline
from worker.models import ExtractionEvaluation, IngestionRun, RunStatus


@pytest.mark.django_db
def test_extract_pdf_prints_the_json_the_scorer_reads(capsys):
    call_command("extract_pdf", str(corpus_path("pdfs", "awq.pdf")), "--json", "--extractor", "rule")
    data = json.loads(capsys.readouterr().out)
    assert {"results", "beats", "critiques"} <= set(data)
    assert "AWQ" in data["proposed"]
    assert {"method": "AWQ", "baseline": "GPTQ"} in [
        {"method": b["method"], "baseline": b["baseline"]} for b in data["beats"]
    ]
    assert all({"method", "model", "setting", "benchmark", "value", "page"} <= set(r) for r in data["results"])


@pytest.mark.django_db
def test_evaluate_extraction_prints_the_scores_and_keeps_them(capsys):
    gold = corpus_path("gold")
    scorer = gold.parent.parent / "tools" / "score_extraction.py"
    papers = len(list(gold.glob("*.json")))
    call_command("evaluate_extraction", "--extractor", "rule", "--scorer", str(scorer))
    out = capsys.readouterr().out
    evaluation = ExtractionEvaluation.objects.get()
    assert out.strip().splitlines()[-1].startswith(f"papers={papers} failed=0")
    assert evaluation.papers == papers and evaluation.extractor == "rules"
    # The goals of the extraction issue, on the gold papers.
    assert evaluation.results_f1 >= 0.90 and evaluation.attributes >= 0.90
    assert evaluation.beats_f1 >= 0.75 and evaluation.critiques_f1 >= 0.60


@pytest.mark.django_db
def test_ingesting_a_real_paper_stores_pending_receipts_with_provenance():
    load_reference_data()
    review = make_review(slug="extract-e2e")
    run = pipeline.start_run(review.pk, trigger="command")
    folder = corpus_path("pdfs")
    items = pipeline.ingest_local_pdfs(run, [folder / "awq.pdf"])
    for item_id in items:
        pipeline.process_item(item_id)
    run = IngestionRun.objects.get(pk=run.pk)
    assert run.status == RunStatus.SUCCEEDED and run.extracted > 100
    beats = BeatsReceipt.objects.filter(paper__arxiv_id="2306.00978", method__name="AWQ", baseline__name="GPTQ")
    assert beats.exists() and all(b.status == "pending" and b.extractor == "rules" for b in beats)
    result = BenchmarkResult.objects.filter(
        paper__arxiv_id="2306.00978", method__name="AWQ", benchmark__name="WikiText-2"
    ).first()
    assert result is not None and result.page and result.locator.startswith("Table") and result.quote
    assert CritiqueReceipt.objects.filter(paper__arxiv_id="2306.00978", method__name="GPTQ").exists()
    # Re-running the stage changes nothing: same version, pending receipts replaced one for one.
    before = BenchmarkResult.objects.count()
    from worker.extraction import extract_with_default_extractor

    extract_with_default_extractor(result.paper.documents.get().pk)
    assert BenchmarkResult.objects.count() == before
