"""The ingestion pipeline end to end, in-process, with the HTTP layer replaced by recorded answers."""

import hashlib

import pytest
import requests
from django.core.files.base import ContentFile

from papers.models import DocumentStatus, Paper, PaperDocument, ParsedPage
from reviews.models import ReviewPaper
from tests.conftest import corpus_path
from tests.factories import make_review, paper_record
from tests.worker.fakes import FakeSession, response
from worker import pipeline, tasks
from worker.arxiv_client import ArxivClient, FeedPage, parse_feed
from worker.models import IngestionFailure, IngestionRun, ItemState, RunItem, RunStatus


def real_pdf(name="awq.pdf"):
    return corpus_path("pdfs", name).read_bytes()


@pytest.fixture
def review(db):
    return make_review(query_terms=["quantization", "testing"], arxiv_categories=["cs.LG", "cs.SE"])


def feed_page(*records):
    return FeedPage(total_results=len(records), start_index=0, records=list(records))


def downloaded_item(review, data: bytes, arxiv_id="2401.99999"):
    """A run item whose PDF bytes are already stored, ready for the parse stage."""
    run = pipeline.start_run(review.pk, trigger="command")
    paper = Paper.objects.create(arxiv_id=arxiv_id, title="Some paper")
    document = PaperDocument.objects.create(
        paper=paper, version=1, status=DocumentStatus.DOWNLOADED, sha256=hashlib.sha256(data).hexdigest()
    )
    document.file.save("x.pdf", ContentFile(data), save=True)
    return RunItem.objects.create(run=run, paper=paper, document=document, state=ItemState.DOWNLOADED)


@pytest.mark.django_db
def test_the_same_window_ingested_twice_creates_no_duplicate(review):
    page = parse_feed(corpus_path("feeds", "arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml").read_bytes())
    first = pipeline.start_run(review.pk, trigger="command")
    queued_first = pipeline.ingest_pages(first, [page])
    second = IngestionRun.objects.create(
        review=review, started_at=first.started_at, status=RunStatus.SUCCEEDED, finished_at=first.started_at
    )
    second.status = RunStatus.RUNNING
    first_counts = IngestionRun.objects.get(pk=first.pk)
    assert (first_counts.seen, first_counts.new) == (10, 10)
    assert len(queued_first) == 10
    IngestionRun.objects.filter(pk=first.pk).update(status=RunStatus.SUCCEEDED, finished_at=first.started_at)
    again = pipeline.start_run(review.pk, trigger="command")
    queued_again = pipeline.ingest_pages(again, [page])
    again.refresh_from_db()
    assert (again.seen, again.new, again.updated, again.unchanged) == (10, 0, 0, 10)
    assert Paper.objects.count() == 10 and ReviewPaper.objects.filter(review=review).count() == 10
    # PDFs that were never fetched are queued again; nothing is duplicated.
    assert len(queued_again) == 10 and PaperDocument.objects.count() == 10


@pytest.mark.django_db
def test_a_newer_version_in_the_feed_queues_its_pdf_and_an_older_one_changes_nothing(review):
    run = pipeline.start_run(review.pk, trigger="command")
    pipeline.ingest_pages(run, [feed_page(paper_record(arxiv_id="2401.00042", version=2, title="v2"))])
    queued = pipeline.ingest_pages(run, [feed_page(paper_record(arxiv_id="2401.00042", version=1, title="v1"))])
    assert Paper.objects.get(arxiv_id="2401.00042").title == "v2"
    assert queued == []
    IngestionRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=run.started_at)
    next_run = pipeline.start_run(review.pk, trigger="command")
    newer = pipeline.ingest_pages(next_run, [feed_page(paper_record(arxiv_id="2401.00042", version=3, title="v3"))])
    assert len(newer) == 1
    assert sorted(PaperDocument.objects.values_list("version", flat=True)) == [2, 3]


@pytest.mark.django_db
def test_paging_stops_after_pages_that_bring_nothing_new(review):
    run = pipeline.start_run(review.pk, trigger="command")
    records = [paper_record() for _ in range(3)]
    pipeline.ingest_pages(run, [feed_page(*records)])
    served = []

    def pages():
        for _ in range(10):
            served.append(1)
            yield feed_page(*records)

    pipeline.ingest_pages(run, pages())
    assert len(served) == pipeline.STALE_PAGES_BEFORE_STOP


@pytest.mark.django_db
def test_a_real_pdf_goes_through_download_parse_and_extract(review, monkeypatch):
    data = real_pdf()
    run = pipeline.start_run(review.pk, trigger="command")
    [item_id] = pipeline.ingest_pages(
        run, [feed_page(paper_record(arxiv_id="2306.00978", pdf_url="https://arxiv.org/pdf/2306.00978v1"))]
    )
    session = FakeSession([response(200, data, {"Content-Length": str(len(data))})])
    pipeline.process_item(item_id, session=session)
    run.refresh_from_db()
    document = PaperDocument.objects.get(paper__arxiv_id="2306.00978")
    assert (run.status, run.downloaded, run.parsed, run.failed) == (RunStatus.SUCCEEDED, 1, 1, 0)
    assert document.status == DocumentStatus.PARSED and document.page_count == 15
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert ParsedPage.objects.filter(document=document).count() == 15
    assert "Activation-aware Weight Quantization" in ParsedPage.objects.get(document=document, number=1).text
    review.refresh_from_db()
    assert review.last_ingested_at == run.finished_at  # shown on the home page


@pytest.mark.django_db
def test_an_unchanged_pdf_is_not_parsed_again(review, monkeypatch):
    data = real_pdf("q-bert.pdf")
    first = downloaded_item(review, data, "2401.00001")
    assert pipeline.parse_item(first.pk)
    calls = []
    monkeypatch.setattr(pipeline, "parse_pdf", lambda *a, **k: calls.append(1))
    paper = Paper.objects.create(arxiv_id="2401.00003", title="Same PDF elsewhere")
    document = PaperDocument.objects.create(
        paper=paper, version=1, status=DocumentStatus.DOWNLOADED, sha256=hashlib.sha256(data).hexdigest()
    )
    item = RunItem.objects.create(run=first.run, paper=paper, document=document, state=ItemState.DOWNLOADED)
    assert pipeline.parse_item(item.pk)
    assert calls == []
    assert document.pages.count() == first.document.pages.count() > 0


@pytest.mark.django_db
def test_parse_stage_twice_counts_once_and_writes_pages_once(review):
    item = downloaded_item(review, real_pdf("q-bert.pdf"))
    assert pipeline.parse_item(item.pk)
    assert pipeline.parse_item(item.pk)
    item.run.refresh_from_db()
    assert item.run.parsed == 1
    assert item.document.pages.count() == item.document.pages.values("number").distinct().count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_bytes", "reason"),
    [
        (lambda: real_pdf()[: len(real_pdf()) // 2], "truncated|corrupt|damaged|PDF"),
        (lambda: corpus_path("hostile-pdfs", "encryption-aes-256-r6.pdf").read_bytes(), "encrypted|password"),
        (lambda: b"%PDF-1.4\n%garbage only", "truncated|corrupt"),
    ],
    ids=["truncated", "encrypted", "garbage"],
)
def test_a_bad_pdf_ends_failed_with_a_readable_reason_and_the_run_goes_on(review, make_bytes, reason):
    bad = downloaded_item(review, make_bytes(), "2401.00010")
    good = downloaded_item(review, real_pdf("q-bert.pdf"), "2401.00011")
    RunItem.objects.filter(pk=good.pk).update(run=bad.run)
    assert pipeline.parse_item(bad.pk) is False
    assert pipeline.parse_item(good.pk) is True
    bad.document.refresh_from_db()
    failure = IngestionFailure.objects.get(run=bad.run)
    assert bad.document.status == DocumentStatus.FAILED
    assert failure.stage == "parse" and failure.arxiv_id == "2401.00010"
    import re

    assert re.search(reason, failure.reason, re.IGNORECASE), failure.reason
    assert RunItem.objects.get(pk=good.pk).state == ItemState.PARSED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (response(200, b"<html><body>Sorry, we are down</body></html>"), "not a PDF"),
        (response(200, b""), "empty file"),
        (response(200, b"%PDF-1.5" + b"0" * 2000, {"Content-Length": "999999999"}), "over the"),
        (response(200, b"%PDF-1.5" + b"0" * 5000), "over the"),
        (response(404, b"missing"), "HTTP 404"),
        (response(302, b"", {"Location": "http://169.254.169.254/latest/meta-data"}), "outside ARXIV_PDF_HOSTS"),
    ],
    ids=["html-page", "zero-bytes", "declared-oversize", "streamed-oversize", "404", "redirect-out"],
)
def test_a_bad_download_ends_with_a_recorded_reason_and_nothing_else_lost(review, settings, answer, reason):
    settings.PDF_MAX_BYTES = 4096
    run = pipeline.start_run(review.pk, trigger="command")
    item_ids = pipeline.ingest_pages(
        run,
        [
            feed_page(
                paper_record(pdf_url="https://arxiv.org/pdf/2401.55555v1"),
                paper_record(pdf_url="https://arxiv.org/pdf/2401.55556v1"),
            )
        ],
    )
    pipeline.process_item(item_ids[0], session=FakeSession([answer]))
    failure = IngestionFailure.objects.get(run=run)
    assert failure.stage == "download" and reason in failure.reason
    assert PaperDocument.objects.get(pk=RunItem.objects.get(pk=item_ids[0]).document_id).status == DocumentStatus.FAILED
    assert Paper.objects.count() == 2
    assert RunItem.objects.get(pk=item_ids[1]).state == ItemState.QUEUED


@pytest.mark.django_db
def test_a_feed_entry_pointing_outside_arxiv_is_refused_and_recorded(review):
    run = pipeline.start_run(review.pk, trigger="command")
    [item_id] = pipeline.ingest_pages(run, [feed_page(paper_record(pdf_url="http://127.0.0.1:8000/evil.pdf"))])
    session = FakeSession([])
    pipeline.process_item(item_id, session=session)
    assert session.requests == []
    assert "outside ARXIV_PDF_HOSTS" in IngestionFailure.objects.get(run=run).reason


@pytest.mark.django_db
def test_a_503_then_success_is_retried_by_the_task_and_succeeds(review, monkeypatch):
    feed = corpus_path("feeds", "arxivpy_id_list_1111.2011v2.xml").read_bytes()
    session = FakeSession([response(503, b"busy"), response(200, feed)])
    monkeypatch.setattr(pipeline, "arxiv_client", lambda: ArxivClient(session=session, sleep=lambda s: None))
    monkeypatch.setattr(tasks, "enqueue_item", lambda item_id: None)
    run = pipeline.start_run(review.pk, trigger="schedule")
    tasks.fetch_feed.apply(args=[run.pk])
    run.refresh_from_db()
    assert len(session.requests) == 2
    assert run.status == RunStatus.RUNNING and run.seen == 1 and run.new == 1


@pytest.mark.django_db
def test_a_timeout_is_retried_by_the_task(review, monkeypatch):
    feed = corpus_path("feeds", "arxivpy_id_list_1111.2011v2.xml").read_bytes()
    session = FakeSession([requests.Timeout("read timed out"), requests.ConnectionError("reset"), response(200, feed)])
    monkeypatch.setattr(pipeline, "arxiv_client", lambda: ArxivClient(session=session, sleep=lambda s: None))
    monkeypatch.setattr(tasks, "enqueue_item", lambda item_id: None)
    run = pipeline.start_run(review.pk)
    tasks.fetch_feed.apply(args=[run.pk])
    run.refresh_from_db()
    assert len(session.requests) == 3 and run.seen == 1


@pytest.mark.django_db
def test_a_404_from_arxiv_is_not_retried_and_fails_the_run_with_the_reason(review, monkeypatch):
    session = FakeSession([response(404, b"<html>nope</html>")])
    monkeypatch.setattr(pipeline, "arxiv_client", lambda: ArxivClient(session=session, sleep=lambda s: None))
    run = pipeline.start_run(review.pk)
    tasks.fetch_feed.apply(args=[run.pk])
    run.refresh_from_db()
    assert len(session.requests) == 1
    assert run.status == RunStatus.FAILED and "HTTP 404" in run.error
    assert IngestionFailure.objects.get(run=run).stage == "feed"


@pytest.mark.django_db
def test_transient_errors_are_retried_at_most_five_times(review, monkeypatch):
    session = FakeSession([response(503, b"busy")] * 6)
    monkeypatch.setattr(pipeline, "arxiv_client", lambda: ArxivClient(session=session, sleep=lambda s: None))
    run = pipeline.start_run(review.pk)
    result = tasks.fetch_feed.apply(args=[run.pk])
    run.refresh_from_db()
    assert result.failed()
    assert len(session.requests) == 6  # the first try and five retries
    assert run.status == RunStatus.FAILED and "503" in run.error


@pytest.mark.django_db
def test_a_transient_download_failure_is_retried_then_the_pdf_is_stored(review, monkeypatch):
    data = real_pdf("q-bert.pdf")
    run = pipeline.start_run(review.pk)
    [item_id] = pipeline.ingest_pages(run, [feed_page(paper_record(pdf_url="https://arxiv.org/pdf/1909.05840v2"))])
    session = FakeSession([response(502, b"bad gateway"), response(200, data)])
    monkeypatch.setattr(pipeline, "TimeoutSession", lambda timeout: session)
    tasks.download_pdf.apply(args=[item_id])
    assert RunItem.objects.get(pk=item_id).state == ItemState.DOWNLOADED
    assert len(session.requests) == 2


@pytest.mark.django_db
def test_only_one_run_per_review_runs_at_once(review):
    first = pipeline.start_run(review.pk)
    assert pipeline.start_run(review.pk) == first


@pytest.mark.django_db
def test_the_next_window_starts_from_the_last_successful_one_with_overlap(review):
    run = pipeline.start_run(review.pk)
    IngestionRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=run.window_end)
    start, _ = pipeline.ingestion_window(review)
    assert start == run.window_end - pipeline.WINDOW_OVERLAP


@pytest.mark.django_db
def test_each_review_is_claimed_once_per_night(review):
    import datetime as dt

    review.ingest_hour, review.ingest_minute = 2, 30
    review.save()
    before = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)
    after = dt.datetime(2026, 11, 22, 2, 35, tzinfo=dt.UTC)
    assert pipeline.claim_due_reviews(before) == []
    assert pipeline.claim_due_reviews(after) == [review.pk]
    assert pipeline.claim_due_reviews(after) == []
    assert pipeline.claim_due_reviews(after + dt.timedelta(days=1)) == [review.pk]
