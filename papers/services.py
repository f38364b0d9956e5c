"""Writes to papers: upserting feed records on the arXiv id, and stub papers known by reference."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import transaction
from django.utils import timezone

from papers.models import DocumentStatus, Paper, PaperDocument, ParsedPage
from worker.reading.document import ParsedDocument

logger = logging.getLogger(__name__)


class PaperRecord(TypedDict, total=False):
    """One paper as a feed describes it; arxiv_id is without version."""

    arxiv_id: str
    version: int
    title: str
    authors: list[str]
    abstract: str
    categories: list[str]
    primary_category: str
    published: dt.datetime | None
    updated: dt.datetime | None
    doi: str | None
    journal_ref: str
    comment: str
    abs_url: str
    pdf_url: str
    withdrawn: bool
    raw_entry: dict[str, object]


UPSERT_FIELDS = [
    "version",
    "is_stub",
    "title",
    "authors",
    "abstract",
    "categories",
    "primary_category",
    "published",
    "updated",
    "doi",
    "journal_ref",
    "comment",
    "abs_url",
    "pdf_url",
    "withdrawn",
    "raw_entry",
    "modified_at",
]
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass
class UpsertResult:
    """What an upsert did, by arXiv id. `new_version` lists ids whose PDF must be fetched again."""

    created: list[str] = field(default_factory=list)
    new_version: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def needs_pdf(self) -> list[str]:
        return self.created + self.new_version


def _is_newer(incoming: PaperRecord, stored: Paper) -> bool:
    if stored.is_stub:
        return True
    version = incoming.get("version", 1)
    if version != stored.version:
        return version > stored.version
    updated = incoming.get("updated")
    return bool(updated and stored.updated and updated > stored.updated)


def _recency(record: PaperRecord) -> tuple[int, dt.datetime]:
    return record.get("version", 1), record.get("updated") or EPOCH


def _newest_per_id(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    newest: dict[str, PaperRecord] = {}
    for record in records:
        current = newest.get(record["arxiv_id"])
        if current is None or _recency(record) > _recency(current):
            newest[record["arxiv_id"]] = record
    return newest


def upsert_papers(records: Iterable[PaperRecord]) -> UpsertResult:
    """Insert new papers and replace stored ones only where the incoming version is newer.

    Idempotent: the same records twice change nothing the second time. An older or equal version
    never overwrites a newer one. A stub (known only by reference) is always filled in.
    """
    incoming = _newest_per_id(records)
    result = UpsertResult()
    if not incoming:
        return result
    with transaction.atomic():
        # Lock the stored rows so two runs upserting the same ids cannot interleave their checks.
        stored = {
            paper.arxiv_id: paper
            for paper in Paper.objects.select_for_update()
            .filter(arxiv_id__in=list(incoming))
            .only("arxiv_id", "version", "updated", "is_stub")
        }
        rows = []
        for arxiv_id, record in incoming.items():
            previous = stored.get(arxiv_id)
            if previous is None:
                result.created.append(arxiv_id)
            elif not _is_newer(record, previous):
                result.unchanged.append(arxiv_id)
                continue
            elif previous.is_stub or record.get("version", 1) > previous.version:
                result.new_version.append(arxiv_id)
            else:
                result.refreshed.append(arxiv_id)
            rows.append(_paper_from_record(record))
        _drop_conflicting_dois(rows)
        if rows:
            Paper.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["arxiv_id"], update_fields=UPSERT_FIELDS
            )
    return result


def _drop_conflicting_dois(rows: list[Paper]) -> None:
    """A DOI is unique, but arXiv metadata sometimes gives two papers the same one (a journal version
    shared by a paper and its erratum). The first holder keeps it; the newcomer stores none rather
    than failing the whole page."""
    wanted = {row.doi for row in rows if row.doi}
    holders = dict(Paper.objects.filter(doi__in=wanted).values_list("doi", "arxiv_id"))
    for row in rows:
        if not row.doi:
            continue
        holder = holders.setdefault(row.doi, row.arxiv_id)
        if holder != row.arxiv_id:
            logger.warning("DOI %s of %s already belongs to %s; not stored twice", row.doi, row.arxiv_id, holder)
            row.doi = None


def _paper_from_record(record: PaperRecord) -> Paper:
    return Paper(
        arxiv_id=record["arxiv_id"],
        version=record.get("version", 1),
        is_stub=False,
        title=record.get("title", "").strip() or "(untitled)",
        authors=list(record.get("authors", [])),
        abstract=record.get("abstract", ""),
        categories=list(record.get("categories", [])),
        primary_category=record.get("primary_category", ""),
        published=record.get("published"),
        updated=record.get("updated"),
        doi=record.get("doi") or None,
        journal_ref=record.get("journal_ref", ""),
        comment=record.get("comment", ""),
        abs_url=record.get("abs_url", ""),
        pdf_url=record.get("pdf_url", ""),
        withdrawn=record.get("withdrawn", False),
        raw_entry=dict(record.get("raw_entry", {})),
    )


def ensure_stub_paper(arxiv_id: str, title: str, year: int | None = None) -> Paper:
    """The paper with this id, created as a stub (metadata to fetch later) if it is not known yet."""
    published = dt.datetime(year, 1, 1, tzinfo=dt.UTC) if year else None
    paper, _ = Paper.objects.get_or_create(
        arxiv_id=arxiv_id,
        defaults={"title": title or arxiv_id, "is_stub": True, "published": published},
    )
    return paper


def store_parse(document_id: int, parsed: ParsedDocument) -> bool:
    """Store a parse as the document's pages and mark it parsed, under the document's row lock;
    returns False (and writes nothing) when another worker stored it first. The caller holds the
    transaction, so its own bookkeeping commits with the pages or not at all."""
    locked = PaperDocument.objects.select_for_update().get(pk=document_id)
    if locked.status == DocumentStatus.PARSED:
        return False
    ParsedPage.objects.filter(document=locked).delete()
    ParsedPage.objects.bulk_create(
        [
            ParsedPage(
                document=locked, number=page.number, text=page.text, tables=page.tables_json(), captions=page.captions
            )
            for page in parsed.pages
        ]
    )
    PaperDocument.objects.filter(pk=locked.pk).update(
        status=DocumentStatus.PARSED,
        sha256=parsed.sha256,
        page_count=parsed.page_count,
        parser_version=parsed.parser_version,
        parse_seconds=parsed.seconds,
        parsed_at=timezone.now(),
        error="",
    )
    return True


def copy_parse(source: PaperDocument, target: PaperDocument) -> None:
    """Give `target` the pages of an identical PDF parsed before (same sha256): no second parse."""
    pages = [
        ParsedPage(document=target, number=p.number, text=p.text, tables=p.tables, captions=p.captions)
        for p in source.pages.all()
    ]
    ParsedPage.objects.filter(document=target).delete()
    ParsedPage.objects.bulk_create(pages)
    PaperDocument.objects.filter(pk=target.pk).update(
        status=DocumentStatus.PARSED,
        page_count=source.page_count,
        parser_version=source.parser_version,
        parse_seconds=0.0,
        parsed_at=timezone.now(),
        error="",
    )
