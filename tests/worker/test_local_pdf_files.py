"""What `ingest --from-dir` opens: regular files within PDF_MAX_BYTES, checked before reading; a
symlink to a device is refused with its reason and the files after it are still ingested."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

from reviews.models import Review
from tests.conftest import corpus_path
from worker import pipeline
from worker.models import IngestionFailure, IngestionRun, RunItem, RunTrigger


def _ingest(review: Review, folder: Path) -> tuple[IngestionRun, list[str]]:
    run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND)
    item_ids = pipeline.ingest_local_pdfs(run, sorted(folder.glob("*.pdf")))
    return run, [RunItem.objects.get(pk=pk).paper.arxiv_id for pk in item_ids]


@pytest.mark.corpus
def test_a_symlink_to_a_device_is_refused_and_later_files_go_on(review: Review, tmp_path: Path) -> None:
    os.symlink("/dev/zero", tmp_path / "a-zero.pdf")
    shutil.copy(corpus_path("pdfs", "q-bert.pdf"), tmp_path / "q-bert.pdf")
    run, ingested = _ingest(review, tmp_path)
    assert ingested == ["1909.05840"]
    reason = IngestionFailure.objects.get(run=run).reason
    assert reason.startswith("a-zero.pdf: not a regular file")


@pytest.mark.corpus
def test_a_symlink_to_a_regular_pdf_is_followed(review: Review, tmp_path: Path) -> None:
    os.symlink(corpus_path("pdfs", "q-bert.pdf"), tmp_path / "linked.pdf")
    run, ingested = _ingest(review, tmp_path)
    assert ingested == ["1909.05840"]
    assert not IngestionFailure.objects.filter(run=run).exists()


def test_a_fifo_is_refused_without_blocking(review: Review, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.pdf")
    run, ingested = _ingest(review, tmp_path)
    assert ingested == []
    assert IngestionFailure.objects.get(run=run).reason.startswith("pipe.pdf: not a regular file")


@pytest.mark.corpus
def test_a_file_over_pdf_max_bytes_is_refused(review: Review, tmp_path: Path, settings) -> None:
    settings.PDF_MAX_BYTES = 100
    simple = corpus_path("hostile-pdfs", "simple1.pdf")
    shutil.copy(simple, tmp_path / "simple1.pdf")
    run, ingested = _ingest(review, tmp_path)
    assert ingested == []
    size = simple.stat().st_size
    assert IngestionFailure.objects.get(run=run).reason == (f"simple1.pdf: too large: {size} bytes > PDF_MAX_BYTES 100")


@pytest.mark.corpus
def test_the_command_reports_a_device_link_and_ingests_the_rest(review: Review, tmp_path: Path, capsys) -> None:
    os.symlink("/dev/zero", tmp_path / "a-zero.pdf")
    shutil.copy(corpus_path("pdfs", "q-bert.pdf"), tmp_path / "q-bert.pdf")
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(tmp_path))
    run = IngestionRun.objects.get()
    assert (run.seen, run.parsed, run.failed) == (2, 1, 1)
    assert "a-zero.pdf: not a regular file" in capsys.readouterr().out
