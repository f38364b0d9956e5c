import datetime as dt
import io
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from papers.models import DocumentStatus, Paper, PaperDocument
from reviews.models import ReviewPaper
from tests.conftest import corpus_path
from worker import pipeline
from worker.models import IngestionFailure, IngestionRun, ItemState, RunItem, RunStatus


def test_from_dir_ingests_local_pdfs_by_their_arxiv_stamp_or_known_title(review, tmp_path, capsys):
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in ("q-bert.pdf", "i-bert.pdf"):
        shutil.copy(corpus_path("pdfs", name), folder / name)
    (folder / "notes.pdf").write_bytes(b"<html>not a pdf</html>")
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder))
    out = capsys.readouterr().out
    run = IngestionRun.objects.get()
    assert run.status == RunStatus.PARTIAL and (run.seen, run.parsed, run.failed) == (3, 2, 1)
    # Q-BERT carries the arXiv stamp; I-BERT has none but its title matches the registry's stub.
    assert set(
        PaperDocument.objects.filter(status=DocumentStatus.PARSED).values_list("paper__arxiv_id", flat=True)
    ) == {"1909.05840", "2101.01321"}
    assert "notes.pdf: not a PDF" in IngestionFailure.objects.get().reason
    assert ReviewPaper.objects.filter(review=review, paper__arxiv_id="1909.05840").exists()
    assert f"run {run.pk} partial: seen 3" in out and "notes.pdf" in out


def test_from_feed_reads_saved_responses_and_a_second_time_changes_nothing(review, settings):
    feed = str(corpus_path("feeds", "arxivpy_id_list_1111.2011v2.xml"))
    settings.ARXIV_PDF_HOSTS = ["nowhere.invalid"]  # refuse downloads: no network in tests
    call_command("ingest", "--review", "llm-quantization", "--from-feed", feed)
    assert Paper.objects.filter(arxiv_id="1111.2011", version=2).exists()
    call_command("ingest", "--review", "llm-quantization", "--from-feed", feed)
    second = IngestionRun.objects.order_by("-pk").first()
    assert (second.seen, second.new, second.unchanged) == (1, 0, 1)
    assert Paper.objects.filter(arxiv_id="1111.2011").count() == 1


def test_an_error_feed_is_recorded_with_its_reason_and_the_files_after_it_are_read(review):
    error = str(corpus_path("feeds", "arxivpy_recorded_id_abc_s0_m100_b79c8dcf6bc3.xml"))
    good = str(corpus_path("feeds", "arxivpy_recorded_q_testing_s0_m10_bc5a6c384fe9.xml"))
    call_command("ingest", "--review", "llm-quantization", "--from-feed", error, good, stdout=io.StringIO())
    run = IngestionRun.objects.get()
    assert run.status == RunStatus.PARTIAL and run.new > 0
    assert "incorrect id format for abc" in run.failures.get(stage="feed").reason


def test_an_empty_result_closes_the_run_and_says_so(review):
    feed = str(corpus_path("feeds", "arxivpy_recorded_id_0000.0000_s0_m100_8b51d9633a68.xml"))
    errors = io.StringIO()
    call_command("ingest", "--review", "llm-quantization", "--from-feed", feed, stdout=io.StringIO(), stderr=errors)
    assert "nothing could be ingested" in errors.getvalue()
    assert IngestionRun.objects.get().status != RunStatus.RUNNING


def test_an_unknown_review_is_a_clear_error(db):
    with pytest.raises(CommandError, match="no review 'nope'"):
        call_command("ingest", "--review", "nope", "--from-dir", "/tmp")


def test_stalled_items_of_a_dead_worker_are_found_and_requeued(review, monkeypatch):
    from worker import tasks

    run = pipeline.start_run(review.pk)
    paper = Paper.objects.create(arxiv_id="2401.77777", title="x")
    document = PaperDocument.objects.create(paper=paper, version=1)
    item = RunItem.objects.create(run=run, paper=paper, document=document, state=ItemState.DOWNLOADED)
    RunItem.objects.filter(pk=item.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    done = RunItem.objects.create(
        run=run, paper=Paper.objects.create(arxiv_id="2401.77778", title="y"), state=ItemState.DONE
    )
    RunItem.objects.filter(pk=done.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tasks, "enqueue_item", queued.append)
    assert tasks.resume_stalled_items() == 1
    assert queued == [item.pk]
    assert pipeline.stalled_items() == []


def test_beat_entries_expire_before_their_next_slot(settings):
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["options"]["expires"] < entry["schedule"], name


def test_arxiv_facing_tasks_go_to_their_own_queue(settings):
    routes = settings.CELERY_TASK_ROUTES
    for task in ("worker.tasks.fetch_feed", "worker.tasks.download_pdf", "worker.tasks.ingest_review"):
        assert routes[task]["queue"] == "ingest"
    assert "worker.tasks.parse_pdf" not in routes


def test_a_run_whose_closer_died_is_closed_by_the_sweep(review):
    run = pipeline.start_run(review.pk)
    paper = Paper.objects.create(arxiv_id="2401.88888", title="x")
    RunItem.objects.create(run=run, paper=paper, state=ItemState.DONE)
    IngestionRun.objects.filter(pk=run.pk).update(stage="papers")  # the feed was read, then the worker died
    assert pipeline.close_finished_runs() == 1
    assert IngestionRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED


def test_extracting_an_already_done_item_still_closes_its_run(review):
    run = pipeline.start_run(review.pk)
    paper = Paper.objects.create(arxiv_id="2401.88889", title="x")
    item = RunItem.objects.create(run=run, paper=paper, state=ItemState.DONE)
    IngestionRun.objects.filter(pk=run.pk).update(stage="papers")
    assert pipeline.extract_item(item.pk) == 0
    assert IngestionRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED


def test_the_extractor_can_be_chosen_per_run(review, tmp_path, settings):
    settings.ANTHROPIC_API_KEY = ""
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(corpus_path("pdfs", "q-bert.pdf"), folder / "q-bert.pdf")
    with pytest.raises(CommandError, match="ANTHROPIC_API_KEY"):
        call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder), "--extractor", "anthropic")
    assert not IngestionRun.objects.exists()
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder), "--extractor", "rule")
    from benchmarks.models import BenchmarkResult

    assert set(BenchmarkResult.objects.values_list("extractor", flat=True)) <= {"rules"}


def test_one_paper_whose_extraction_breaks_fails_alone_and_the_run_goes_on(review, tmp_path, monkeypatch):
    """The same on SQLite and on PostgreSQL (CI runs the suite on PostgreSQL): a database error
    while storing one paper's receipts is that paper's failure, with its reason."""
    from django.db import IntegrityError, transaction

    from benchmarks.models import BenchmarkResult
    from worker import extraction

    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in ("q-bert.pdf", "i-bert.pdf"):
        shutil.copy(corpus_path("pdfs", name), folder / name)
    real = extraction.store_extraction

    def store_breaking_on_q_bert(paper, result):
        if paper.arxiv_id == "1909.05840":
            with transaction.atomic():  # writes, then the database refuses: all of it is rolled back
                real(paper, result)
                raise IntegrityError("CHECK constraint failed: result_activation_bits_range")
        return real(paper, result)

    monkeypatch.setattr(extraction, "store_extraction", store_breaking_on_q_bert)
    call_command("ingest", "--review", "llm-quantization", "--from-dir", str(folder))
    run = IngestionRun.objects.get()
    assert run.status == RunStatus.PARTIAL and run.failed == 1
    failure = IngestionFailure.objects.get()
    assert failure.stage == "extract" and "result_activation_bits_range" in failure.reason
    assert failure.arxiv_id == "1909.05840"
    states = dict(RunItem.objects.values_list("paper__arxiv_id", "state"))
    assert states == {"1909.05840": ItemState.FAILED, "2101.01321": ItemState.DONE}
    assert BenchmarkResult.objects.filter(paper__arxiv_id="2101.01321").exists()
    assert not BenchmarkResult.objects.filter(paper__arxiv_id="1909.05840").exists()
