"""Benchmarks of the ingestion stages, printed as figures (`make bench`)."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from lxml import etree

from papers.models import Paper
from papers.services import upsert_papers
from worker.arxiv_client import parse_feed
from worker.extract.rules import RuleExtractor
from worker.extraction import reference_registry
from worker.ops.bench_parse import measure_against_bare_pdfplumber
from worker.reading.parse import parse_pdf

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus"
ATOM = "{http://www.w3.org/2005/Atom}"
PAGE = 100  # entries per feed page, as arXiv serves them


def synthetic_feed_pages(template: bytes, total: int) -> list[bytes]:
    """`total` entries as arXiv pages, cloned from a real 100-entry response with fresh ids."""
    root = etree.fromstring(template)
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        root.remove(entry)
    pages = []
    for start in range(0, total, PAGE):
        page = copy.deepcopy(root)
        for n in range(start, min(start + PAGE, total)):
            entry = copy.deepcopy(entries[n % len(entries)])
            entry.find(f"{ATOM}id").text = f"http://arxiv.org/abs/2501.{n:05d}v1"
            for doi in entry.findall("{http://arxiv.org/schemas/atom}doi"):
                entry.remove(doi)  # a DOI belongs to one paper; clones must not share it
            page.append(entry)
        pages.append(etree.tostring(page))
    return pages


class Command(BaseCommand):
    help = "Measure the parse stage against bare pdfplumber, and feed parsing + upsert throughput."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pdfs", default=str(CORPUS / "pdfs"))
        parser.add_argument("--entries", type=int, default=10_000)

    def handle(self, *args: Any, **options: Any) -> None:
        pdfs = sorted(Path(options["pdfs"]).glob("*.pdf"))
        if pdfs:
            self._parse_stage(pdfs)
            self._extract_stage(pdfs)
        else:
            self.stdout.write(f"no PDFs in {options['pdfs']}: parse benchmark skipped")
        template = CORPUS / "feeds" / "arxivpy_recorded_q_testing_s0_m100_cfe7536492ca.xml"
        if template.exists():
            self._feed_and_upsert(template.read_bytes(), options["entries"])
        else:
            self.stdout.write(f"{template} is absent: feed benchmark skipped")

    def _parse_stage(self, pdfs: list[Path]) -> None:
        figures = measure_against_bare_pdfplumber(pdfs)
        self.stdout.write(
            f"parse stage: {figures['pages']} pages in {figures['files']} PDFs, {figures['tables']} tables\n"
            f"  bare pdfplumber extract_text: {figures['bare_pages_per_second']:.1f} pages/s\n"
            f"  parse_pdf (text, tables, captions): {figures['parse_pages_per_second']:.1f} pages/s\n"
            f"  ratio parse / bare: {figures['ratio']:.2f}x (goal: >= 1.0)"
        )

    def _extract_stage(self, pdfs: list[Path]) -> None:
        """Extraction seconds per page next to parsing seconds per page, on the same documents."""
        registry, extractor = reference_registry(), RuleExtractor()
        parse_seconds = extract_seconds = 0.0
        pages = receipts = 0
        for path in pdfs:
            started = time.perf_counter()
            document = parse_pdf(path)
            parse_seconds += time.perf_counter() - started
            started = time.perf_counter()
            extraction = extractor.extract(document, registry)
            extract_seconds += time.perf_counter() - started
            pages += document.page_count
            receipts += len(extraction.results) + len(extraction.beats) + len(extraction.critiques)
        self.stdout.write(
            f"extract stage (rules): {receipts} receipts from {pages} pages\n"
            f"  parse: {1000 * parse_seconds / pages:.1f} ms/page · extract: {1000 * extract_seconds / pages:.1f} ms/page"
            f" (extraction is {extract_seconds / parse_seconds:.2f}x the parse time)"
        )

    def _feed_and_upsert(self, template: bytes, total: int) -> None:
        pages = synthetic_feed_pages(template, total)
        started = time.perf_counter()
        parsed = [parse_feed(page) for page in pages]
        parse_seconds = time.perf_counter() - started
        entries = sum(len(page.records) for page in parsed)
        with transaction.atomic():
            started = time.perf_counter()
            for page in parsed:
                upsert_papers(page.records)
            first = time.perf_counter() - started
            started = time.perf_counter()
            for page in parsed:
                upsert_papers(page.records)
            again = time.perf_counter() - started
            stored = Paper.objects.filter(arxiv_id__startswith="2501.").count()
            transaction.set_rollback(True)  # the benchmark leaves the database as it found it
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        self.stdout.write(
            f"feed: {entries} entries in {len(pages)} pages ({engine})\n"
            f"  parse: {entries / parse_seconds:,.0f} papers/s\n"
            f"  upsert, new papers: {entries / first:,.0f} papers/s ({stored} stored)\n"
            f"  upsert, same window again (unchanged): {entries / again:,.0f} papers/s\n"
            f"  parse + first upsert: {entries / (parse_seconds + first):,.0f} papers/s"
        )
