"""A 2 MB PDF whose stream inflates to 2 GiB: identification and parse both read it in a child
limited in memory, so the bomb fails with a reason, only the child dies, and later files go on."""

from __future__ import annotations

import resource
import shutil
import zlib
from pathlib import Path

import pytest

from papers.models import DocumentStatus, PaperDocument
from reviews.models import Review
from tests.conftest import corpus_path
from worker import pipeline
from worker.models import IngestionFailure, ItemState, RunItem, RunTrigger
from worker.ops.hostile import deflate_zeros, pdf_bomb
from worker.reading.parse import PdfParseError, parse_pdf, read_first_page

# The test process may grow by far less than the bomb inflates to: the limit kills the child.
TEST_PROCESS_GROWTH = 256 << 20


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_deflated_zeros_inflate_to_the_size_asked() -> None:
    assert zlib.decompress(deflate_zeros(3 << 20 | 5)) == bytes(3 << 20 | 5)


def test_the_bomb_is_small() -> None:
    assert len(pdf_bomb()) < 3 << 20


def test_reading_page_one_of_a_bomb_fails_with_a_reason_in_the_child() -> None:
    before = _peak_rss()
    with pytest.raises(PdfParseError, match="too large: ran out of memory"):
        read_first_page(pdf_bomb(), memory_limit_mb=256)
    assert _peak_rss() - before < TEST_PROCESS_GROWTH


def test_parsing_a_bomb_fails_with_a_reason_in_the_child() -> None:
    before = _peak_rss()
    with pytest.raises(PdfParseError, match="too large: ran out of memory"):
        parse_pdf(pdf_bomb(stamp="arXiv:2306.00978v1"), memory_limit_mb=256)
    assert _peak_rss() - before < TEST_PROCESS_GROWTH


@pytest.mark.corpus
def test_a_bomb_in_a_folder_fails_with_its_reason_and_the_next_file_is_ingested(
    review: Review, tmp_path: Path, settings
) -> None:
    settings.PDF_MEMORY_LIMIT_MB = 256
    (tmp_path / "a-bomb.pdf").write_bytes(pdf_bomb())
    shutil.copy(corpus_path("pdfs", "q-bert.pdf"), tmp_path / "q-bert.pdf")
    run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND)
    before = _peak_rss()
    item_ids = pipeline.ingest_local_pdfs(run, sorted(tmp_path.glob("*.pdf")))
    assert _peak_rss() - before < TEST_PROCESS_GROWTH
    reason = IngestionFailure.objects.get(run=run).reason
    assert reason.startswith("a-bomb.pdf: too large: ran out of memory")
    assert [RunItem.objects.get(pk=pk).paper.arxiv_id for pk in item_ids] == ["1909.05840"]


@pytest.mark.corpus
def test_a_stamped_bomb_passes_identification_and_fails_its_parse(review: Review, tmp_path: Path, settings) -> None:
    settings.PDF_MEMORY_LIMIT_MB = 256
    (tmp_path / "stamped-bomb.pdf").write_bytes(pdf_bomb(stamp="arXiv:2306.00978v1"))
    run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND)
    (item_id,) = pipeline.ingest_local_pdfs(run, [tmp_path / "stamped-bomb.pdf"])
    before = _peak_rss()
    assert pipeline.parse_item(item_id) is False
    assert _peak_rss() - before < TEST_PROCESS_GROWTH
    assert RunItem.objects.get(pk=item_id).state == ItemState.FAILED
    document = PaperDocument.objects.get(paper__arxiv_id="2306.00978", version=1)
    assert document.status == DocumentStatus.FAILED
    assert document.error.startswith("parse: too large: ran out of memory")
