"""Plain test factories: make_<thing>(**overrides) with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt, Method, MethodAlias
from benchmarks.models import Benchmark, BenchmarkAlias, BenchmarkResult, Direction
from papers.models import DocumentStatus, Paper, PaperDocument, ParsedPage
from papers.services import PaperRecord
from reviews.models import Review, ReviewPaper

_sequence = itertools.count(1)
# One instant for the decisions and dates a test module makes up (tests compare against it).
NOW = timezone.now()


def _next() -> int:
    return next(_sequence)


def paper_record(**overrides: Any) -> PaperRecord:
    n = _next()
    record: PaperRecord = {
        "arxiv_id": f"2401.{n:05d}",
        "version": 1,
        "title": f"Quantizing language models, part {n}",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "abstract": "We quantize weights to 4 bits.",
        "categories": ["cs.LG", "cs.CL"],
        "primary_category": "cs.LG",
        "published": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        "updated": dt.datetime(2024, 1, 2, tzinfo=dt.UTC),
        "doi": None,
        "abs_url": f"http://arxiv.org/abs/2401.{n:05d}v1",
        "pdf_url": f"http://arxiv.org/pdf/2401.{n:05d}v1",
        "raw_entry": {"id": f"http://arxiv.org/abs/2401.{n:05d}v1"},
    }
    record.update(overrides)  # type: ignore[typeddict-item]
    return record


def make_paper(**overrides: Any) -> Paper:
    n = _next()
    fields: dict[str, Any] = {
        "arxiv_id": f"2402.{n:05d}",
        "version": 1,
        "title": f"A paper about quantization {n}",
        "authors": ["Grace Hopper"],
        "categories": ["cs.LG"],
        "primary_category": "cs.LG",
        "published": timezone.now() - dt.timedelta(days=30),
        "updated": timezone.now() - dt.timedelta(days=30),
    }
    fields.update(overrides)
    return Paper.objects.create(**fields)


def make_review(**overrides: Any) -> Review:
    n = _next()
    fields: dict[str, Any] = {
        "slug": f"review-{n}",
        "title": f"Review {n}",
        "tagline": "A field followed on arXiv.",
        "arxiv_categories": ["cs.LG"],
        "query_terms": ["quantization"],
    }
    fields.update(overrides)
    return Review.objects.create(**fields)


def add_to_review(review: Review, paper: Paper, **overrides: Any) -> ReviewPaper:
    return ReviewPaper.objects.create(review=review, paper=paper, **overrides)


def make_method(name: str | None = None, **overrides: Any) -> Method:
    method = Method.objects.create(name=name or f"Method{_next()}", **overrides)
    MethodAlias.objects.create(method=method, alias=method.name)
    return method


def make_benchmark(name: str | None = None, direction: str = Direction.LOWER, **overrides: Any) -> Benchmark:
    fields: dict[str, Any] = {"metric": "perplexity" if direction == Direction.LOWER else "accuracy"}
    fields.update(overrides)
    benchmark = Benchmark.objects.create(name=name or f"Bench{_next()}", direction=direction, **fields)
    BenchmarkAlias.objects.create(benchmark=benchmark, alias=benchmark.name)
    return benchmark


def _provenance(overrides: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"extractor": "rules", "extractor_version": "1", "confidence": 0.8, "page": 3}
    fields.update(overrides)
    if "paper" not in fields:
        fields["paper"] = make_paper()
    return fields


def make_result(**overrides: Any) -> BenchmarkResult:
    fields = _provenance(overrides)
    fields.setdefault("method", make_method())
    fields.setdefault("benchmark", make_benchmark())
    fields.setdefault("model_name", "LLaMA-2-7B")
    fields.setdefault("setting", "W4A16")
    fields.setdefault("value", 5.83)
    return BenchmarkResult.objects.create(**fields)


def make_critique(**overrides: Any) -> CritiqueReceipt:
    fields = _provenance(overrides)
    fields.setdefault("method", make_method())
    fields.setdefault("quote", "This method fails at 4-bit activations.")
    return CritiqueReceipt.objects.create(**fields)


def make_beats(**overrides: Any) -> BeatsReceipt:
    fields = _provenance(overrides)
    fields.setdefault("method", make_method())
    fields.setdefault("baseline", make_method())
    return BeatsReceipt.objects.create(**fields)


def approved(**fields: Any) -> dict[str, Any]:
    """A receipt's fields once a curator approved it (at NOW): make_result(**approved(value=5.6))."""
    return {"status": "approved", "decided_at": NOW, **fields}


# ------------------------------------------------------------------------------------------------
# Read papers for the pure extractor (no database): grids as worker.reading builds them


Cell = str | tuple[str, int, int]  # a header cell at its column, or (text, first, last) for a span


def make_parsed_document(paper: Paper, version: int, pages: dict[int, str]) -> PaperDocument:
    """A parsed PDF of the paper: page number -> text."""
    document = PaperDocument.objects.create(
        paper=paper, version=version, status=DocumentStatus.PARSED, page_count=len(pages)
    )
    ParsedPage.objects.bulk_create(ParsedPage(document=document, number=n, text=text) for n, text in pages.items())
    return document


def make_grid(header: list[list[Cell]], body: list[list[str]], stub: int = 1) -> Any:
    """A grid: header rows of cells (a string sits in the column of its position, "" skips one),
    then body rows, one string per column ("" for an empty cell; "—" for a section row alone)."""
    from worker.reading.tables import BODY, HEADER, SECTION, Grid, GridCell, GridRow, fill_labels

    columns = max(len(r) for r in [*header, *body])
    rows: list[GridRow] = []
    for cells in header:
        row = []
        for j, cell in enumerate(cells):
            if isinstance(cell, tuple):
                row.append(GridCell(cell[0], cell[1], cell[2]))
            elif cell:
                row.append(GridCell(cell, j, j))
        rows.append(GridRow(HEADER, row))
    for cells in body:
        if len(cells) == 1 and cells[0].startswith("— "):
            rows.append(GridRow(SECTION, [GridCell(cells[0][2:], 0, columns - 1)]))
            continue
        rows.append(GridRow(BODY, [GridCell(t, j, j) for j, t in enumerate(cells) if t]))
    grid = Grid(columns=columns, stub=stub, rows=rows)
    fill_labels(grid, None)
    return grid


# The first page of a made-up paper proposing "FastQ", for extraction tests.
TITLE_PAGE = """FastQ: Accurate Post-Training Quantization for Large Language Models
Jane Doe1, John Roe2
Abstract
We propose FastQ, a post-training quantization method for large language models.
"""


def make_document(*pages: str, tables: dict[int, list[tuple[str, Any]]] | None = None) -> Any:
    """A parsed document of page texts; `tables` maps a page number to (caption, grid) pairs."""
    from worker.reading.document import ParsedDocument, ParsedPage, ParsedTable

    tables = tables or {}
    parsed = [
        ParsedPage(
            i + 1,
            text,
            [ParsedTable(i + 1, (0.0, 0.0, 100.0, 100.0), grid, caption) for caption, grid in tables.get(i + 1, [])],
            [],
        )
        for i, text in enumerate(pages)
    ]
    return ParsedDocument("0" * 64, len(parsed), parsed, 0.0, "test")
