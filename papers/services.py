"""Writes to papers: upserting feed records on the arXiv id, stub papers known by reference, and what a
paper's PDF says about itself where arXiv has not said it."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import transaction
from django.utils import timezone

from papers.limits import field_problems
from papers.models import DocumentStatus, Paper, PaperDocument, ParsedPage
from worker.reading.document import ParsedDocument
from worker.reading.front_matter import FrontMatter

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
# A feed entry that leaves these empty does not erase what we knew (read from the PDF, or an earlier entry).
KEPT_WHEN_EMPTY = ("authors", "abstract")


@dataclass
class UpsertResult:
    """What an upsert did, by arXiv id. `new_version` lists ids whose PDF must be fetched again."""

    created: list[str] = field(default_factory=list)
    new_version: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (arXiv id, why), nothing written

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
    never overwrites a newer one. A stub (known only by reference) is always filled in. A record
    whose values do not fit the columns (`record_problems`) is listed in `rejected` with why and
    written nowhere; the others go on.
    """
    result = UpsertResult()
    incoming = _checked_rows(_newest_per_id(records), result)
    if not incoming:
        return result
    with transaction.atomic():
        # Lock the stored rows so two runs upserting the same ids cannot interleave their checks.
        stored = {
            paper.arxiv_id: paper
            for paper in Paper.objects.select_for_update()
            .filter(arxiv_id__in=list(incoming))
            .only("arxiv_id", "version", "updated", "is_stub", *KEPT_WHEN_EMPTY)
        }
        rows = []
        for arxiv_id, (record, row) in incoming.items():
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
            rows.append(_keep_known(row, previous))
        _drop_conflicting_dois(rows)
        if rows:
            Paper.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["arxiv_id"], update_fields=UPSERT_FIELDS
            )
    return result


def _checked_rows(incoming: dict[str, PaperRecord], result: UpsertResult) -> dict[str, tuple[PaperRecord, Paper]]:
    """Each record with its row, checked against the columns before the database sees it; records
    that do not fit go to `result.rejected`."""
    checked = {}
    for arxiv_id, record in incoming.items():
        try:
            row = _paper_from_record(record)
        except (AttributeError, TypeError, ValueError) as exc:
            result.rejected.append((arxiv_id, f"unreadable record: {type(exc).__name__}: {exc}"))
            continue
        problems = record_problems(row)
        if problems:
            result.rejected.append((arxiv_id, "; ".join(problems)))
        else:
            checked[arxiv_id] = (record, row)
    return checked


def record_problems(row: Paper) -> list[str]:
    """Why a paper row cannot be stored: a value longer than its column or out of its integer range
    (limits read from the model's fields), a category longer than a category column, a name that
    is not text. Empty when it fits."""
    problems = field_problems(row)
    longest = Paper._meta.get_field("primary_category").max_length or 0
    for category in row.categories:
        if not isinstance(category, str) or len(category) > longest:
            problems.append(f"category {str(category)[:40]!r}… is not a category of at most {longest} characters")
    if not all(isinstance(name, str) for name in row.authors):
        problems.append("an author name is not text")
    return problems


def _keep_known(row: Paper, previous: Paper | None) -> Paper:
    for name in KEPT_WHEN_EMPTY:
        if previous is not None and not getattr(row, name) and getattr(previous, name):
            setattr(row, name, getattr(previous, name))
    return row


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
    paper = Paper(
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
    paper.strip_control_characters()
    paper.title = paper.title.strip() or "(untitled)"
    return paper


def ensure_stub_paper(arxiv_id: str, title: str, year: int | None = None) -> Paper:
    """The paper with this id, created as a stub (metadata to fetch later) if it is not known yet."""
    published = dt.datetime(year, 1, 1, tzinfo=dt.UTC) if year else None
    paper, _ = Paper.objects.get_or_create(
        arxiv_id=arxiv_id,
        defaults={"title": title or arxiv_id, "is_stub": True, "published": published},
    )
    return paper


def fill_from_front_matter(paper_id: int, front: FrontMatter) -> list[str]:
    """Give the paper what page 1 of its PDF says, where arXiv has not said it; returns the fields
    written (none when the PDF's arXiv stamp names another paper).

    A stub (its arXiv entry not fetched yet) takes the PDF's title, authors, abstract, primary
    category and stamp date over the placeholders it was created with, and stays a stub, so its feed
    entry replaces all of it when it comes (`upsert_papers`). A paper with its arXiv entry only gets
    the fields that entry left empty: PDF-read metadata never overwrites arXiv's. Idempotent; locks
    the paper's row.
    """
    with transaction.atomic():
        paper = Paper.objects.select_for_update().get(pk=paper_id)
        if front.arxiv_id and front.arxiv_id != paper.arxiv_id:
            logger.warning("the PDF of %s is stamped %s; its front matter is not used", paper.arxiv_id, front.arxiv_id)
            return []
        changes = {
            name: value
            for name, value in _front_matter_values(paper, front).items()
            if value
            and (paper.is_stub or not getattr(paper, name) or _is_placeholder_title(paper, name))
            and getattr(paper, name) != value
        }
        for name, value in changes.items():
            setattr(paper, name, value)
        if changes:
            paper.save(update_fields=[*changes, "modified_at"])
    return list(changes)


def _front_matter_values(paper: Paper, front: FrontMatter) -> dict[str, object]:
    values: dict[str, object] = {
        "title": front.title,
        "authors": list(front.authors),
        "abstract": front.abstract,
        "primary_category": front.primary_category,
        "categories": [front.primary_category] if front.primary_category else [],
    }
    if front.stamp_date is not None:
        stamped = dt.datetime.combine(front.stamp_date, dt.time.min, tzinfo=dt.UTC)
        values["updated"] = stamped
        values["published"] = stamped if front.version == 1 else _first_version_month(paper.arxiv_id, stamped)
    return values


def _first_version_month(arxiv_id: str, stamped: dt.datetime) -> dt.datetime | None:
    """The first day of the month version 1 was submitted, which the id itself says (YYMM: 2306.00978
    is June 2023, hep-th/9901001 January 1999); the stamp of a later version dates only that version."""
    digits = arxiv_id.rsplit("/", 1)[-1][:4]
    if not digits.isdigit() or not 1 <= int(digits[2:]) <= 12:
        return None
    year = int(digits[:2]) + (1900 if int(digits[:2]) >= 91 else 2000)
    first = dt.datetime(year, int(digits[2:]), 1, tzinfo=dt.UTC)
    return first if first <= stamped else None


def _is_placeholder_title(paper: Paper, name: str) -> bool:
    return name == "title" and paper.title in ("", "(untitled)", paper.arxiv_id)


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
