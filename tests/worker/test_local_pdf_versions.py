"""A local PDF never outranks arXiv's record: a stamp naming a version arXiv's entry does not list is
refused with its reason and leaves the stored document and parse alone, unless --trust-local."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from papers.models import DocumentStatus, Paper, PaperDocument
from reviews.models import Review
from tests.conftest import corpus_path
from worker import pipeline
from worker.models import IngestionFailure, RunItem, RunTrigger
from worker.ops.hostile import stamped_pdf

AWQ_ID = "2306.00978"


@pytest.fixture
def awq_from_arxiv(review: Review, tmp_path: Path) -> Paper:
    """AWQ as arXiv lists it (v1, not a stub), its real PDF parsed."""
    folder = tmp_path / "real"
    folder.mkdir()
    shutil.copy(corpus_path("pdfs", "awq.pdf"), folder / "awq.pdf")
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder))
    Paper.objects.filter(arxiv_id=AWQ_ID).update(is_stub=False, version=1)
    return Paper.objects.get(arxiv_id=AWQ_ID)


def _ingest(review: Review, path: Path, **options: bool) -> list[int]:
    run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND)
    return pipeline.ingest_local_pdfs(run, [path], **options)


@pytest.mark.corpus
def test_a_local_pdf_stamped_with_a_higher_version_is_refused(
    review: Review, awq_from_arxiv: Paper, tmp_path: Path
) -> None:
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(stamped_pdf(f"arXiv:{AWQ_ID}v9", "Not AWQ at all"))
    assert _ingest(review, forged) == []
    assert IngestionFailure.objects.get(arxiv_id="").reason.startswith(
        f"forged.pdf: stamped {AWQ_ID}v9 (newer than arXiv's) but arXiv's record is v1"
    )
    assert list(PaperDocument.objects.filter(paper=awq_from_arxiv).values_list("version", "status")) == [
        (1, DocumentStatus.PARSED)
    ]
    assert "Activation-aware" in " ".join(
        PaperDocument.objects.get(paper=awq_from_arxiv).pages.values_list("text", flat=True)
    )


@pytest.mark.corpus
def test_a_local_pdf_stamped_with_an_older_version_is_refused(
    review: Review, awq_from_arxiv: Paper, tmp_path: Path
) -> None:
    Paper.objects.filter(pk=awq_from_arxiv.pk).update(version=3)
    old = tmp_path / "old.pdf"
    shutil.copy(corpus_path("pdfs", "awq.pdf"), old)
    assert _ingest(review, old) == []
    assert "stamped 2306.00978v1 but arXiv's record is v3" in IngestionFailure.objects.get(arxiv_id="").reason


@pytest.mark.corpus
def test_trust_local_takes_the_stamped_version(review: Review, awq_from_arxiv: Paper, tmp_path: Path) -> None:
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(stamped_pdf(f"arXiv:{AWQ_ID}v9", "A local revision"))
    (item_id,) = _ingest(review, forged, trust_local=True)
    assert RunItem.objects.get(pk=item_id).document.version == 9


@pytest.mark.corpus
def test_the_command_takes_trust_local(review: Review, awq_from_arxiv: Paper, tmp_path: Path) -> None:
    folder = tmp_path / "local"
    folder.mkdir()
    (folder / "forged.pdf").write_bytes(stamped_pdf(f"arXiv:{AWQ_ID}v9", "A local revision"))
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder), "--trust-local")
    assert PaperDocument.objects.filter(paper=awq_from_arxiv, version=9).exists()


def test_a_stub_takes_the_version_its_local_pdf_is_stamped_with(review: Review, tmp_path: Path) -> None:
    path = tmp_path / "new.pdf"
    path.write_bytes(stamped_pdf("arXiv:2501.00001v4", "A paper arXiv has not told us about"))
    (item_id,) = _ingest(review, path)
    assert RunItem.objects.get(pk=item_id).document.version == 4
