"""The ingestion pipeline behind the tasks: feed → upsert → PDF download → parse → extract.

Every function is safe to run twice. Per-paper progress lives on RunItem and moves forward only
through conditional updates, so counts on the run are added exactly once per paper and stage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from config.text_safety import plain_text
from papers.models import DocumentStatus, Paper, PaperDocument, document_upload_path
from papers.services import UpsertResult, copy_parse, fill_from_front_matter, store_parse, upsert_papers
from reviews.derived import mark_dirty
from reviews.incremental import queue_refresh, touched_by_papers
from reviews.models import Review, ReviewPaper
from reviews.scope import assess_fit
from reviews.services import reassess_computed_fits
from worker.arxiv_client import ArxivClient, FeedError, FeedPage, TimeoutSession, build_search_query
from worker.extraction import extract_document_receipts
from worker.models import IngestionFailure, IngestionRun, ItemState, RunItem, RunStatus, RunTrigger
from worker.pdf_fetch import PdfRefused, check_pdf_bytes, download_pdf
from worker.reading.front_matter import FrontMatter
from worker.reading.parse import FirstPage, PdfParseError, parse_pdf, read_first_page

logger = logging.getLogger(__name__)

# arXiv's submittedDate index can lag an announcement by a day or two; re-reading that much of the
# previous window costs a few unchanged upserts and catches late entries.
WINDOW_OVERLAP = dt.timedelta(days=2)
FIRST_RUN_LOOKBACK = dt.timedelta(days=30)
# Pages of results that bring nothing new or updated before we stop paging (arxiv-sanity's habit).
STALE_PAGES_BEFORE_STOP = 3
# An item whose state has not moved for this long belongs to a worker that died; it is re-queued.
STALLED_AFTER = dt.timedelta(minutes=20)

Progress = Callable[[IngestionRun], None]


def _noop_progress(run: IngestionRun) -> None:
    return None


def ingestion_window(review: Review, since: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The submission window the next run covers: from the last successful run's end (minus an
    overlap), else the review's start date, else a month back; up to now."""
    end = timezone.now()
    if since is not None:
        return since, end
    last = review.ingestion_runs.successful().exclude(window_end=None).order_by("-window_end").first()
    if last is not None and last.window_end is not None:
        return last.window_end - WINDOW_OVERLAP, end
    if review.ingest_since is not None:
        return dt.datetime.combine(review.ingest_since, dt.time.min, tzinfo=dt.UTC), end
    return end - FIRST_RUN_LOOKBACK, end


def start_run(review_id: int, *, trigger: str = RunTrigger.SCHEDULE, since: dt.datetime | None = None) -> IngestionRun:
    """Open a run over the review's next window, or return the one already running (a redelivered
    task must not start a second run of the same review)."""
    review = Review.objects.get(pk=review_id)
    start, end = ingestion_window(review, since)
    try:
        with transaction.atomic():
            return IngestionRun.objects.create(
                review=review,
                trigger=trigger,
                window_start=start,
                window_end=end,
                started_at=timezone.now(),
                stage="feed",
            )
    except IntegrityError:
        return IngestionRun.objects.get(review=review, status=RunStatus.RUNNING)


def _bump(run_id: int, **counts: int) -> None:
    IngestionRun.objects.filter(pk=run_id).update(**{name: F(name) + n for name, n in counts.items() if n})


def record_failure(run_id: int, stage: str, reason: str, arxiv_id: str = "") -> None:
    # The id may be the very value that was too long to store.
    longest = IngestionFailure._meta.get_field("arxiv_id").max_length
    IngestionFailure.objects.create(
        run_id=run_id,
        stage=stage,
        reason=plain_text(reason)[:4000] or "unknown",
        arxiv_id=plain_text(arxiv_id)[:longest],
    )


def fail_run(run_id: int, reason: str) -> None:
    """End a run that cannot go on (its feed failed); per-paper work already queued still finishes."""
    record_failure(run_id, "feed", reason)
    IngestionRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=reason[:4000], stage="failed"
    )


def _queue_items(run: IngestionRun, result: UpsertResult) -> list[int]:
    """Create the documents to fetch and this run's items for them; return the queued item ids.

    Besides new and newer versions, an unchanged paper whose current PDF was never fetched (an
    earlier attempt met a network fault) is queued again.
    """
    never_fetched = PaperDocument.objects.filter(
        paper__arxiv_id__in=result.unchanged, version=F("paper__version"), status=DocumentStatus.PENDING
    ).values_list("paper__arxiv_id", flat=True)
    wanted = [*result.needs_pdf, *never_fetched]
    documents: dict[int, int] = {}
    for paper in Paper.objects.filter(arxiv_id__in=wanted).only("id", "version", "pdf_url"):
        document, _ = PaperDocument.objects.get_or_create(
            paper=paper, version=paper.version, defaults={"source_url": paper.pdf_url}
        )
        documents[paper.pk] = document.pk
    # A paper seen twice in one run (overlapping pages) keeps its one item, queued once.
    already = set(RunItem.objects.filter(run=run, paper_id__in=list(documents)).values_list("paper_id", flat=True))
    fresh = [paper_id for paper_id in documents if paper_id not in already]
    RunItem.objects.bulk_create(
        [RunItem(run=run, paper_id=paper_id, document_id=documents[paper_id]) for paper_id in fresh],
        ignore_conflicts=True,
    )
    return list(RunItem.objects.filter(run=run, paper_id__in=fresh).values_list("id", flat=True))


def _link_to_review(review: Review, arxiv_ids: list[str]) -> None:
    papers = Paper.objects.filter(arxiv_id__in=arxiv_ids).only("id", "title", "abstract", "categories")
    entries = [
        ReviewPaper(review=review, paper=paper, fit=assess_fit(review, paper.title, paper.abstract, paper.categories))
        for paper in papers
    ]
    # A paper already in the review keeps the fit curators may have set.
    ReviewPaper.objects.bulk_create(entries, ignore_conflicts=True)


def ingest_pages(run: IngestionRun, pages: Iterable[FeedPage], progress: Progress = _noop_progress) -> list[int]:
    """Upsert every page's papers into the run's review and queue PDFs for new or newer versions.

    Stops after STALE_PAGES_BEFORE_STOP pages in a row that bring nothing new. Returns the ids of the
    run items queued for download. FeedError and TransientFetchError from `pages` propagate.
    """
    review = run.review
    queued: list[int] = []
    stale_pages = 0
    for page in pages:
        result = _upsert_page(page)
        seen = [record["arxiv_id"] for record in page.records]
        _link_to_review(review, seen)
        # arXiv's metadata replaced what we had (perhaps read from the PDF): computed fits follow it.
        reassess_computed_fits(result.new_version + result.refreshed)
        for reason in page.skipped:
            record_failure(run.pk, "feed", reason)
        for arxiv_id, reason in result.rejected:
            record_failure(run.pk, "feed", f"entry refused: {reason}", arxiv_id)
        queued += _queue_items(run, result)
        _bump(
            run.pk,
            seen=len(page.records),
            new=len(result.created),
            updated=len(result.new_version) + len(result.refreshed),
            unchanged=len(result.unchanged),
            failed=len(page.skipped) + len(result.rejected),
        )
        run.refresh_from_db()
        progress(run)
        stale_pages = stale_pages + 1 if not (result.created or result.new_version or result.refreshed) else 0
        if stale_pages >= STALE_PAGES_BEFORE_STOP:
            logger.info("run %s: %d pages without anything new, stopping", run.pk, stale_pages)
            break
    IngestionRun.objects.filter(pk=run.pk, stage="feed").update(stage="papers")
    return queued


def _upsert_page(page: FeedPage) -> UpsertResult:
    """Upsert a page's records; when the database still refuses the page (a limit no check knew),
    each record is upserted alone, so only the refused ones fail, with the database's reason."""
    try:
        return upsert_papers(page.records)
    except (DataError, IntegrityError):
        logger.warning("a page of %d records was refused; upserting them one by one", len(page.records))
    result = UpsertResult()
    for record in page.records:
        try:
            one = upsert_papers([record])
        except (DataError, IntegrityError) as exc:
            result.rejected.append((str(record.get("arxiv_id", "")), f"the database refused it: {exc}"))
            continue
        for name in ("created", "new_version", "refreshed", "unchanged", "rejected"):
            getattr(result, name).extend(getattr(one, name))
    return result


def arxiv_client() -> ArxivClient:
    return ArxivClient(
        page_size=settings.ARXIV_PAGE_SIZE,
        delay_seconds=settings.ARXIV_DELAY_SECONDS,
        timeout=settings.HTTP_TIMEOUT_SECONDS,
    )


def fetch_run_feed(run_id: int, *, client: ArxivClient | None = None, max_results: int | None = None) -> list[int]:
    """Read the run's window from arXiv and ingest it; returns the queued item ids.

    A FeedError ends the run as failed with the reason; TransientFetchError propagates for a retry
    (upserts already made are kept and are no-ops the second time).
    """
    run = IngestionRun.objects.select_related("review").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return []
    review = run.review
    query = build_search_query(review.arxiv_categories, review.query_terms, run.window_start, run.window_end)
    pages = (client or arxiv_client()).iter_pages(query, max_results=max_results or settings.ARXIV_MAX_RESULTS_PER_RUN)
    try:
        return ingest_pages(run, pages)
    except FeedError as exc:
        fail_run(run_id, str(exc))
        return []


def _advance(item_id: int, from_state: str, to_state: str, **counts: int) -> bool:
    """Move an item forward only if it is still where we found it; count the move exactly once."""
    with transaction.atomic():
        moved = RunItem.objects.filter(pk=item_id, state=from_state).update(state=to_state, updated_at=timezone.now())
        if moved:
            run_id = RunItem.objects.values_list("run_id", flat=True).get(pk=item_id)
            _bump(run_id, **counts)
    return bool(moved)


def fail_item(item_id: int, stage: str, reason: str, *, permanent: bool = True) -> None:
    """Record why a paper failed at a stage; the run goes on. A permanent failure is also kept on the
    document; after a transient one the document stays pending so the next run fetches it again."""
    item = RunItem.objects.select_related("paper").get(pk=item_id)
    if item.is_finished:
        finish_run_if_done(item.run_id)
        return
    with transaction.atomic():
        moved = RunItem.objects.filter(pk=item_id, state=item.state).update(
            state=ItemState.FAILED, updated_at=timezone.now()
        )
        if not moved:
            return
        _bump(item.run_id, failed=1)
        record_failure(item.run_id, stage, reason, item.paper.arxiv_id)
        if item.document_id and permanent:
            PaperDocument.objects.filter(pk=item.document_id).exclude(status=DocumentStatus.PARSED).update(
                status=DocumentStatus.FAILED, error=f"{stage}: {reason}"[:4000]
            )
    finish_run_if_done(item.run_id)


def _store_pdf(document: PaperDocument, data: bytes) -> str:
    """Write the PDF atomically (temp file + rename) so a killed worker never leaves half a file."""
    name = document_upload_path(document, "paper.pdf")
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".part") as handle:
        handle.write(data)
    os.replace(handle.name, path)
    return name


def download_item(item_id: int, *, session: requests.Session | None = None) -> bool:
    """Download the item's PDF unless already stored. Returns whether the item is ready to parse.

    PdfRefused fails the item with its reason; TransientFetchError propagates for a retry.
    """
    item = RunItem.objects.select_related("document__paper").get(pk=item_id)
    RunItem.objects.filter(pk=item_id).update(attempts=F("attempts") + 1)
    if item.state != ItemState.QUEUED:
        return item.state == ItemState.DOWNLOADED
    document = item.document
    if document is None:
        fail_item(item_id, "download", "no document to download")
        return False
    if document.status in (DocumentStatus.DOWNLOADED, DocumentStatus.PARSED) and document.file:
        return _advance(item_id, ItemState.QUEUED, ItemState.DOWNLOADED)
    started = timezone.now()
    try:
        pdf = download_pdf(
            document.source_url or document.paper.pdf_url,
            session=session or TimeoutSession(settings.HTTP_TIMEOUT_SECONDS),
            allowed_hosts=settings.ARXIV_PDF_HOSTS,
            max_bytes=settings.PDF_MAX_BYTES,
            timeout=settings.HTTP_TIMEOUT_SECONDS,
        )
    except PdfRefused as exc:
        fail_item(item_id, "download", str(exc))
        return False
    name = _store_pdf(document, pdf.data)
    # The document and the item's count move in one transaction: a worker killed in between must
    # not leave a stored PDF that a redelivered task then treats as someone else's download.
    with transaction.atomic():
        PaperDocument.objects.filter(pk=document.pk).update(
            file=name,
            sha256=pdf.sha256,
            size_bytes=len(pdf.data),
            status=DocumentStatus.DOWNLOADED,
            error="",
            downloaded_at=timezone.now(),
            download_seconds=(timezone.now() - started).total_seconds(),
        )
        return _advance(item_id, ItemState.QUEUED, ItemState.DOWNLOADED, downloaded=1)


def parse_item(item_id: int) -> bool:
    """Parse the item's PDF into pages and tables. Returns whether the item is ready for extraction.

    A PDF whose sha256 was parsed before (by this parser version) is not parsed again: its pages are
    copied. A PdfParseError fails the item with the reason.
    """
    item = RunItem.objects.select_related("document__paper").get(pk=item_id)
    if item.state != ItemState.DOWNLOADED:
        return item.state == ItemState.PARSED
    document = item.document
    assert document is not None  # a downloaded item always has its document
    if document.status == DocumentStatus.PARSED:
        return _advance(item_id, ItemState.DOWNLOADED, ItemState.PARSED)
    twin = document.parsed_twin()
    if twin is not None:
        # Same transaction as the pages: parsed-and-counted, or neither (see download_item).
        with transaction.atomic():
            copy_parse(twin, document)
            advanced = _advance(item_id, ItemState.DOWNLOADED, ItemState.PARSED, parsed=1)
        _fill_from_stored_pdf(document)
        return advanced
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
        parsed = parse_pdf(
            data,
            max_pages=settings.PDF_MAX_PAGES,
            timeout_seconds=settings.PDF_PARSE_TIMEOUT_SECONDS,
            memory_limit_mb=settings.PDF_MEMORY_LIMIT_MB,
        )
    except (PdfParseError, OSError, ValueError) as exc:
        fail_item(item_id, "parse", str(exc) or type(exc).__name__)
        return False
    with transaction.atomic():
        store_parse(document.pk, parsed)
        advanced = _advance(item_id, ItemState.DOWNLOADED, ItemState.PARSED, parsed=1)
    fill_paper_from_pdf(document.paper, data)
    return advanced


def read_page_one(data: bytes) -> FirstPage:
    """Page 1's text and front matter, read in a child limited in time and memory like a parse;
    PdfParseError with the reason when it cannot be read."""
    return read_first_page(
        data, timeout_seconds=settings.PDF_PARSE_TIMEOUT_SECONDS, memory_limit_mb=settings.PDF_MEMORY_LIMIT_MB
    )


def _wants_front_matter(paper: Paper) -> bool:
    return paper.is_stub or not paper.authors or not paper.abstract or not paper.primary_category


def fill_paper_from_pdf(paper: Paper, data: bytes) -> list[str]:
    """Give the paper what page 1 of its PDF says where arXiv has not said it (a stub's placeholders,
    a feed entry's empty authors or summary; `papers.services.fill_from_front_matter`), then assess
    its computed fits again with it. Returns the fields written.

    Never fails the item: page 1 is read in a limited child (`read_page_one`), and a page that
    cannot be read gives nothing.
    """
    if not _wants_front_matter(paper):
        return []
    try:
        front = read_page_one(data).front
    except PdfParseError as exc:
        logger.warning("front matter of %s could not be read: %s", paper.arxiv_id, exc)
        return []
    return fill_paper_from_front(paper, front)


def fill_paper_from_front(paper: Paper, front: FrontMatter) -> list[str]:
    """`fill_paper_from_pdf` with page 1 already read."""
    if not _wants_front_matter(paper):
        return []
    written = fill_from_front_matter(paper.pk, front)
    if written:
        reassess_computed_fits([paper.arxiv_id])
    return written


def _fill_from_stored_pdf(document: PaperDocument) -> None:
    try:
        with document.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return  # the copied parse stands; metadata waits for the feed entry
    fill_paper_from_pdf(document.paper, data)


def _extract_and_refresh(document_id: int) -> int:
    """Store the document's receipts anew, then queue the refresh of what its old and new receipts
    touch: the paper is on the public pages within seconds, not at the end of the run."""
    paper_ids = {PaperDocument.objects.values_list("paper_id", flat=True).get(pk=document_id)}
    before = touched_by_papers(paper_ids)
    written = extract_document_receipts(document_id)
    queue_refresh(paper_ids, before | touched_by_papers(paper_ids))
    return written


def extract_item(item_id: int) -> int:
    """Run the configured extractors on the item's parsed document; returns receipts written."""
    item = RunItem.objects.get(pk=item_id)
    written = 0
    if item.state == ItemState.PARSED:
        try:
            written = _extract_and_refresh(item.document_id) if item.document_id else 0
        except (OperationalError, InterfaceError):
            raise  # the database went away: transient, the task is retried and nothing was half-stored
        except Exception as exc:
            # One paper's bad table or value must not stop the run: this item fails with its reason
            # (shown on /ops/runs/) and the others go on. Whatever the store wrote was rolled back.
            logger.exception("extract failed for item %s", item_id)
            fail_item(item_id, "extract", f"{type(exc).__name__}: {exc}"[:500])
            return 0
        _advance(item_id, ItemState.PARSED, ItemState.DONE, extracted=written)
    # Also when the item was already done: a worker may have died between the two steps.
    finish_run_if_done(item.run_id)
    return written


def finish_run_if_done(run_id: int) -> bool:
    """Close the run once its feed is read and every item is done or failed. Safe to call often."""
    if RunItem.objects.filter(run_id=run_id).exclude(state__in=[ItemState.DONE, ItemState.FAILED]).exists():
        return False
    run = IngestionRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING or run.stage == "feed":
        return False
    status = RunStatus.PARTIAL if run.failed else RunStatus.SUCCEEDED
    now = timezone.now()
    closed = IngestionRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=status, finished_at=now, stage="finished"
    )
    if closed:
        Review.objects.filter(pk=run.review_id).update(last_ingested_at=now)
        mark_dirty([run.review_id])
    return bool(closed)


def close_finished_runs() -> int:
    """Close running runs past their feed whose items are all finished (their closer died)."""
    candidates = (
        IngestionRun.objects.filter(status=RunStatus.RUNNING).exclude(stage="feed").values_list("pk", flat=True)
    )
    return sum(finish_run_if_done(run_id) for run_id in candidates)


def stalled_items(older_than: dt.timedelta = STALLED_AFTER) -> list[int]:
    """Unfinished items of running runs whose state has not moved for a while (their worker died)."""
    cutoff = timezone.now() - older_than
    return list(
        RunItem.objects.filter(run__status=RunStatus.RUNNING, updated_at__lt=cutoff)
        .exclude(state__in=[ItemState.DONE, ItemState.FAILED])
        .values_list("id", flat=True)
    )


def process_item(item_id: int, *, session: requests.Session | None = None) -> None:
    """Every remaining stage of one item, in-process (the command's path; tasks chain the same calls)."""
    if download_item(item_id, session=session) and parse_item(item_id):
        extract_item(item_id)
    else:
        finish_run_if_done(RunItem.objects.values_list("run_id", flat=True).get(pk=item_id))


def touch_item(item_id: int) -> None:
    RunItem.objects.filter(pk=item_id).update(updated_at=timezone.now())


def claim_due_reviews(now: dt.datetime | None = None) -> list[int]:
    """Reviews whose nightly ingestion time has passed today and that nobody has started yet.

    Each is claimed with a conditional update on `ingest_scheduled_for`, so two beats (or a beat
    restarted mid-night) cannot start the same night twice.
    """
    now = now or timezone.now()
    today = now.date()
    claimed = []
    for review in Review.objects.filter(ingest_enabled=True).exclude(ingest_scheduled_for=today):
        due = dt.datetime.combine(today, dt.time(review.ingest_hour, review.ingest_minute), tzinfo=dt.UTC)
        if now < due:
            continue
        won = Review.objects.filter(pk=review.pk).exclude(ingest_scheduled_for=today).update(ingest_scheduled_for=today)
        if won:
            claimed.append(review.pk)
    return claimed


STAMP_ID = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})(?:v(\d+))?", re.IGNORECASE)


class LocalFileRefused(Exception):
    """A local file not taken, with the reason (recorded on the run as that file's failure)."""


def first_page_text(data: bytes) -> str:
    """The text of page 1 (PDFium, in a limited child: enough to find the arXiv stamp and the title)."""
    return read_page_one(data).text


def identify_local_pdf(data: bytes | FirstPage) -> tuple[str, int, str] | None:
    """(arXiv id, version, title guess) of a local PDF: from the arXiv stamp on page 1, else from a
    known paper's title printed on page 1. None when neither is there."""
    text = (data if isinstance(data, FirstPage) else read_page_one(data)).text
    lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 3]
    title_guess = lines[0][:300] if lines else ""
    stamp = STAMP_ID.search(text)
    if stamp:
        return stamp.group(1), int(stamp.group(2) or 1), title_guess
    opening = " ".join(" ".join(lines[:12]).lower().split())
    for arxiv_id, version, title in Paper.objects.values_list("arxiv_id", "version", "title").iterator():
        normalized = " ".join(title.lower().split()).rstrip(".")
        if len(normalized) > 15 and normalized in opening:
            return arxiv_id, version, title
    return None


def read_local_pdf(path: Path, max_bytes: int) -> bytes:
    """The bytes of a local PDF, refused (LocalFileRefused) unless it is a regular file of at most
    `max_bytes`, checked on the opened file before anything is read.

    A symlink is followed: a folder of links into a library of PDFs is a normal way to pick what to
    ingest, and the file it opens is checked like any other. What it must not open is a device, a
    FIFO or a socket (a link to /dev/zero reads forever); O_NONBLOCK keeps a FIFO from blocking the
    open, and fstat on the opened descriptor leaves no window to swap the file after the check.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise LocalFileRefused(f"cannot open: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise LocalFileRefused("not a regular file (a device, FIFO or socket, perhaps behind a symlink)")
        if info.st_size > max_bytes:
            raise LocalFileRefused(f"too large: {info.st_size} bytes > PDF_MAX_BYTES {max_bytes}")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise LocalFileRefused(f"too large: grew past PDF_MAX_BYTES {max_bytes} while read")
    return data


def _identify_local_file(path: Path) -> tuple[bytes, FirstPage, tuple[str, int, str]]:
    """The file's bytes, page 1 and identity; LocalFileRefused with the reason otherwise."""
    data = read_local_pdf(path, settings.PDF_MAX_BYTES)
    try:
        check_pdf_bytes(data)
        page_one = read_page_one(data)
    except (PdfRefused, PdfParseError) as exc:
        raise LocalFileRefused(str(exc)) from exc
    identity = identify_local_pdf(page_one)
    if identity is None:
        raise LocalFileRefused("no arXiv id on page 1 and no known title matches")
    return data, page_one, identity


def _check_local_version(arxiv_id: str, version: int) -> None:
    """A local file never outranks arXiv's record: refuse a version arXiv's entry does not list."""
    known = Paper.objects.filter(arxiv_id=arxiv_id, is_stub=False).values_list("version", flat=True).first()
    if known is not None and version != known:
        newer = " (newer than arXiv's)" if version > known else ""
        raise LocalFileRefused(
            f"stamped {arxiv_id}v{version}{newer} but arXiv's record is v{known}; a local file does not "
            "replace arXiv's document (ingest with --trust-local to take it)"
        )


def _add_local_document(
    run: IngestionRun, path: Path, data: bytes, page_one: FirstPage, identity: tuple[str, int, str]
) -> int:
    """Store the local PDF as the paper's downloaded document (a stub paper when unknown); returns
    the run item's id."""
    arxiv_id, version, title = identity
    paper, created = Paper.objects.get_or_create(
        arxiv_id=arxiv_id,
        defaults={
            "version": version,
            "title": title or arxiv_id,
            "is_stub": True,
            "pdf_url": f"https://arxiv.org/pdf/{arxiv_id}v{version}",
            "abs_url": f"https://arxiv.org/abs/{arxiv_id}v{version}",
        },
    )
    # Page 1's metadata before the link: a new entry's fit is assessed with the paper's category.
    fill_paper_from_front(paper, page_one.front)
    _link_to_review(run.review, [arxiv_id])
    document, _ = PaperDocument.objects.get_or_create(
        paper=paper, version=version, defaults={"source_url": paper.pdf_url}
    )
    item, _ = RunItem.objects.get_or_create(run=run, paper=paper, defaults={"document": document})
    if document.status != DocumentStatus.PARSED:
        name = _store_pdf(document, data)
        PaperDocument.objects.filter(pk=document.pk).update(
            file=name,
            sha256=hashlib.sha256(data).hexdigest(),
            size_bytes=len(data),
            status=DocumentStatus.DOWNLOADED,
            error="",
            downloaded_at=timezone.now(),
            source_url=f"file://{path.name}",
        )
    _bump(run.pk, seen=1, new=int(created), unchanged=int(not created))
    _advance(item.pk, ItemState.QUEUED, ItemState.DOWNLOADED, downloaded=1)
    return item.pk


def ingest_local_pdfs(
    run: IngestionRun, paths: Iterable[Path], progress: Progress = _noop_progress, *, trust_local: bool = False
) -> list[int]:
    """Add local PDFs to the run's review as downloaded documents; returns item ids ready to parse.

    Each file is read only if it is a regular file within PDF_MAX_BYTES, and page 1 is read in a
    child limited in time and memory. A file refused for any reason (not a PDF, too large, a bomb,
    no arXiv id found, a version arXiv's record does not list) is recorded as a failure with the
    reason and the next file goes on. Papers not known yet become stubs until their feed entry
    arrives. With `trust_local` a stamped version is taken even when arXiv's record says another.
    """
    items = []
    for path in paths:
        try:
            data, page_one, identity = _identify_local_file(path)
            if not trust_local:
                _check_local_version(identity[0], identity[1])
        except LocalFileRefused as exc:
            record_failure(run.pk, "download", f"{path.name}: {exc}")
            _bump(run.pk, seen=1, failed=1)
            continue
        items.append(_add_local_document(run, path, data, page_one, identity))
        run.refresh_from_db()
        progress(run)
    IngestionRun.objects.filter(pk=run.pk, stage="feed").update(stage="papers")
    return items
