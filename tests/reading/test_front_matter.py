"""worker.reading.front_matter on every corpus PDF (against a table checked by hand) and on PDFs made here.

No Django: the module under test is pure. The corpus lives beside the project (../shared/corpus);
without it the corpus cases are skipped with the reason.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.worker.test_pdf_parse import make_pdf, rotated_text_at, text_at
from worker.reading.front_matter import FrontMatter, read_front_matter

PDFS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "pdfs"
EXPECTED = Path(__file__).resolve().parents[1] / "data" / "front_matter_expected.json"


def _expected() -> list[Any]:
    papers = json.loads(EXPECTED.read_text())["papers"]
    if not PDFS.is_dir():
        return [
            pytest.param(None, marks=pytest.mark.skip(reason=f"{PDFS} is absent: the corpus lives beside the project"))
        ]
    return [pytest.param(paper, id=paper["file"]) for paper in papers]


def _as_row(front: FrontMatter) -> dict[str, Any]:
    return {
        "arxiv_id": front.arxiv_id,
        "version": front.version,
        "primary_category": front.primary_category,
        "date": front.stamp_date.isoformat() if front.stamp_date else None,
        "title": front.title,
        "first_author": front.authors[0] if front.authors else "",
        "author_count": len(front.authors),
        "authors": front.authors,
        "abstract_start": front.abstract[:60],
    }


@pytest.mark.corpus
@pytest.mark.parametrize("expected", _expected())
def test_corpus_front_matter_matches_the_table_read_by_hand(expected: dict[str, Any]) -> None:
    front = read_front_matter((PDFS / expected["file"]).read_bytes())
    assert _as_row(front) == {key: value for key, value in expected.items() if key != "file"}


def test_the_table_covers_every_corpus_pdf() -> None:
    if not PDFS.is_dir():
        pytest.skip(f"{PDFS} is absent: the corpus lives beside the project")
    listed = {paper["file"] for paper in json.loads(EXPECTED.read_text())["papers"]}
    assert listed == {path.name for path in PDFS.glob("*.pdf")}


def _paper_page(*, stamp: bool = True, abstract_heading: bool = True) -> bytes:
    ops = [
        text_at(72, 720, "Four Bits Are Enough: A Study of", size=17),
        text_at(72, 700, "Weight Quantization", size=17),
        text_at(90, 670, "Ada Lovelace"),
        text_at(200, 670, "Alan Turing"),
        text_at(310, 670, "Grace Hopper"),
        text_at(120, 656, "University of Somewhere"),
        text_at(120, 644, "ada@somewhere.edu"),
        text_at(72, 600, "We quantize the weights of large language models to four bits and keep"),
        text_at(72, 588, "their accuracy within a point of the sixteen-bit models on every task we"),
        text_at(72, 576, "measured, with a method that needs no retraining and runs in minutes on a"),
        text_at(72, 564, "single GPU, which makes it practical for models of hundreds of billions."),
        text_at(72, 530, "1 Introduction", size=12),
        text_at(72, 510, "Large language models are expensive to serve."),
    ]
    if abstract_heading:
        ops.append(text_at(72, 620, "Abstract", size=12))
    if stamp:
        ops.append(rotated_text_at(30, 300, "arXiv:2401.00001v2 [cs.LG] 5 Feb 2024", size=20))
    return make_pdf([ops])


def test_a_page_made_here_gives_title_authors_abstract_and_stamp() -> None:
    front = read_front_matter(_paper_page())
    assert front.title == "Four Bits Are Enough: A Study of Weight Quantization"
    assert front.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert front.abstract.startswith("We quantize the weights") and front.abstract.endswith("hundreds of billions.")
    assert (front.arxiv_id, front.version, front.primary_category) == ("2401.00001", 2, "cs.LG")
    assert front.stamp_date == dt.date(2024, 2, 5)


def test_without_a_stamp_the_arxiv_fields_stay_empty() -> None:
    front = read_front_matter(_paper_page(stamp=False))
    assert (front.arxiv_id, front.version, front.primary_category, front.stamp_date) == ("", None, "", None)
    assert front.title.startswith("Four Bits")


def test_without_an_abstract_heading_the_paragraph_before_the_first_section_is_the_abstract() -> None:
    front = read_front_matter(_paper_page(abstract_heading=False))
    assert front.abstract.startswith("We quantize the weights")
    assert front.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]


def test_a_page_without_headings_gives_a_title_and_no_abstract() -> None:
    front = read_front_matter(
        make_pdf([[text_at(72, 720, "Meeting notes", size=16), text_at(72, 700, "Bring coffee.")]])
    )
    assert (front.title, front.abstract, front.authors) == ("Meeting notes", "", [])


@pytest.mark.parametrize(
    "data", [b"", b"<html>not a pdf</html>", b"%PDF-1.4\n%%EOF"], ids=["empty", "html", "truncated"]
)
def test_what_is_not_a_pdf_gives_empty_front_matter(data: bytes) -> None:
    assert read_front_matter(data) == FrontMatter()


def test_a_pdf_without_pages_or_text_gives_empty_front_matter() -> None:
    assert read_front_matter(make_pdf([[]])) == FrontMatter()


def _hostile() -> list[Any]:
    folder = PDFS.parent / "hostile-pdfs"
    if not folder.is_dir():
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"{folder} is absent: the corpus lives beside the project")
            )
        ]
    return [pytest.param(path, id=path.name) for path in sorted(folder.glob("*.pdf"))]


@pytest.mark.corpus
@pytest.mark.parametrize("path", _hostile())
def test_hostile_pdfs_give_front_matter_without_raising(path: Path) -> None:
    assert isinstance(read_front_matter(path.read_bytes()), FrontMatter)
