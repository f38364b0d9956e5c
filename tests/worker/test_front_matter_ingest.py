"""Metadata read from page 1 of a PDF: a paper ingested from a folder gets it, arXiv's feed entry wins
over it later, and a feed entry's empty fields are filled from it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from papers.models import Paper
from papers.services import fill_from_front_matter, upsert_papers
from reviews.models import Review, ReviewPaper, TaxonomyFit
from tests.conftest import corpus_path
from tests.factories import make_paper
from worker import pipeline
from worker.arxiv_client import FeedPage
from worker.models import RunTrigger
from worker.reading.front_matter import FrontMatter

AWQ_ID = "2306.00978"


@pytest.fixture
def awq_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(corpus_path("pdfs", "awq.pdf"), folder / "awq.pdf")
    return folder


def _ingest_folder(review: Review, folder: Path) -> None:
    run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND)
    pipeline.ingest_local_pdfs(run, sorted(folder.glob("*.pdf")))


def _awq_feed_record(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "arxiv_id": AWQ_ID,
        "version": 5,
        "title": "AWQ: Activation-aware Weight Quantization for On-Device LLM Compression and Acceleration",
        "authors": ["Ji Lin", "Jiaming Tang", "Haotian Tang", "Shang Yang", "Wei-Ming Chen", "Song Han"],
        "abstract": "Large language models (LLMs) have transformed numerous AI applications.",
        "categories": ["cs.CL", "cs.AI"],
        "primary_category": "cs.CL",
        "published": dt.datetime(2023, 6, 1, 17, 17, tzinfo=dt.UTC),
        "updated": dt.datetime(2024, 7, 18, 9, 0, tzinfo=dt.UTC),
    }
    record.update(overrides)
    return record


def test_a_pdf_ingested_from_a_folder_gets_page_one_metadata_and_a_fit_with_its_category(review, awq_folder):
    assert Paper.objects.get(arxiv_id=AWQ_ID).is_stub  # the method registry knows AWQ by reference only
    _ingest_folder(review, awq_folder)
    paper = Paper.objects.get(arxiv_id=AWQ_ID)
    assert paper.title == "AWQ: Activation-aware Weight Quantization for LLM Compression and Acceleration"
    assert paper.authors == ["Ji Lin", "Jiaming Tang", "Haotian Tang", "Shang Yang", "Xingyu Dang", "Song Han"]
    assert paper.abstract.startswith("Large language models (LLMs) have shown excellent performance")
    assert paper.published == dt.datetime(2023, 6, 1, tzinfo=dt.UTC)
    assert (paper.primary_category, paper.categories) == ("cs.CL", ["cs.CL"])
    assert paper.is_stub  # arXiv's entry has not come yet, and will replace all of this
    assert ReviewPaper.objects.get(review=review, paper=paper).fit == TaxonomyFit.IN_SCOPE


def test_arxiv_metadata_arriving_later_replaces_what_the_pdf_said(review, awq_folder):
    _ingest_folder(review, awq_folder)
    run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND)
    pipeline.ingest_pages(run, [FeedPage(total_results=1, start_index=0, records=[_awq_feed_record()])])
    paper = Paper.objects.get(arxiv_id=AWQ_ID)
    assert not paper.is_stub
    assert paper.title.startswith("AWQ: Activation-aware Weight Quantization for On-Device")
    assert paper.authors[4] == "Wei-Ming Chen"
    assert paper.categories == ["cs.CL", "cs.AI"] and paper.version == 5
    assert paper.published == dt.datetime(2023, 6, 1, 17, 17, tzinfo=dt.UTC)


def test_pdf_metadata_never_overwrites_arxiv_fields(review, awq_folder):
    upsert_papers([_awq_feed_record()])
    _ingest_folder(review, awq_folder)
    paper = Paper.objects.get(arxiv_id=AWQ_ID)
    assert paper.title.startswith("AWQ: Activation-aware Weight Quantization for On-Device")
    assert paper.authors[4] == "Wei-Ming Chen"
    assert paper.abstract == "Large language models (LLMs) have transformed numerous AI applications."


def test_a_feed_entry_without_authors_or_summary_gets_them_from_its_pdf(review):
    upsert_papers([_awq_feed_record(authors=[], abstract="")])
    paper = Paper.objects.get(arxiv_id=AWQ_ID)
    written = pipeline.fill_paper_from_pdf(paper, corpus_path("pdfs", "awq.pdf").read_bytes())
    paper.refresh_from_db()
    assert sorted(written) == ["abstract", "authors"]
    assert paper.authors[0] == "Ji Lin" and paper.abstract.startswith("Large language models (LLMs) have shown")
    assert paper.title.startswith("AWQ: Activation-aware Weight Quantization for On-Device")  # arXiv's title stays


def test_a_later_feed_entry_without_authors_keeps_those_read_from_the_pdf(review, awq_folder):
    _ingest_folder(review, awq_folder)
    upsert_papers([_awq_feed_record(authors=[], abstract="")])
    paper = Paper.objects.get(arxiv_id=AWQ_ID)
    assert not paper.is_stub and paper.authors[0] == "Ji Lin"
    assert paper.abstract.startswith("Large language models (LLMs) have shown")


def test_a_pdf_stamped_with_another_id_fills_nothing(db):
    paper = make_paper(arxiv_id="2401.00001", authors=[], abstract="")
    front = FrontMatter(title="Someone else", authors=["A. Person"], abstract="Other.", arxiv_id="2401.99999")
    assert fill_from_front_matter(paper.pk, front) == []
    paper.refresh_from_db()
    assert (paper.authors, paper.abstract) == ([], "")


def test_a_later_version_stamp_dates_version_one_by_the_month_in_its_id(db):
    paper = make_paper(arxiv_id="2208.07339", is_stub=True, published=None, updated=None)
    fill_from_front_matter(paper.pk, FrontMatter(arxiv_id="2208.07339", version=2, stamp_date=dt.date(2022, 11, 10)))
    paper.refresh_from_db()
    assert paper.published == dt.datetime(2022, 8, 1, tzinfo=dt.UTC)
    assert paper.updated == dt.datetime(2022, 11, 10, tzinfo=dt.UTC)


def test_a_curator_decided_fit_is_not_reassessed(review, awq_folder, alice):
    paper = Paper.objects.get(arxiv_id=AWQ_ID)
    ReviewPaper.objects.create(review=review, paper=paper, fit=TaxonomyFit.OUT_OF_SCOPE, fit_decided_by=alice)
    _ingest_folder(review, awq_folder)
    assert ReviewPaper.objects.get(review=review, paper=paper).fit == TaxonomyFit.OUT_OF_SCOPE


def test_the_paper_page_shows_authors_and_the_arxiv_link(review, awq_folder, client):
    _ingest_folder(review, awq_folder)
    response = client.get(reverse("papers:detail", args=[AWQ_ID]))
    content = response.content.decode()
    assert "Ji Lin, Jiaming Tang, Haotian Tang" in content
    assert f'href="https://arxiv.org/abs/{AWQ_ID}v1"' in content
    assert "read from the PDF" in content
