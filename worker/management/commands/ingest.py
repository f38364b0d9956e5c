"""Run a review's ingestion in-process: the same pipeline the nightly tasks run, with a progress line."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.models import Review
from worker import pipeline
from worker.arxiv_client import FeedError, TransientFetchError, read_feed_files
from worker.extraction import EXTRACTOR_CHOICES, get_extractor, run_extractor
from worker.models import IngestionRun, RunTrigger


class Command(BaseCommand):
    help = "Ingest a review's papers from arXiv, saved feed files or a folder of PDFs, in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--review", required=True, help="slug of the review, e.g. llm-quantization")
        parser.add_argument("--since", type=dt.date.fromisoformat, help="window start (YYYY-MM-DD)")
        parser.add_argument("--max", type=int, dest="max_results", help="most feed entries to take")
        parser.add_argument("--extractor", choices=EXTRACTOR_CHOICES, help="receipt extractor for this run")
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--from-feed", nargs="+", metavar="FILE.xml", help="saved arXiv API responses")
        source.add_argument("--from-dir", metavar="DIR", help="a folder of local PDFs")
        parser.add_argument(
            "--trust-local",
            action="store_true",
            help="with --from-dir: take a PDF's stamped version even when arXiv's record names another",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            review = Review.objects.get(slug=options["review"])
        except Review.DoesNotExist:
            raise CommandError(
                f"no review {options['review']!r}; run `manage.py load_reference_data` or create it in the admin"
            ) from None
        since = dt.datetime.combine(options["since"], dt.time.min, tzinfo=dt.UTC) if options["since"] else None
        try:
            get_extractor(options["extractor"])  # a missing API key is said now, not after the downloads
        except (ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc)) from None
        token = run_extractor.set(options["extractor"])
        try:
            self._ingest(review, since, options)
        finally:
            run_extractor.reset(token)

    def _ingest(self, review: Review, since: dt.datetime | None, options: dict[str, Any]) -> None:
        run = pipeline.start_run(review.pk, trigger=RunTrigger.COMMAND, since=since)
        self.stdout.write(
            f"run {run.pk}: {review.title}, window {run.window_start:%Y-%m-%d} → {run.window_end:%Y-%m-%d}"
        )
        try:
            item_ids = self._read_source(run, options)
        except (FeedError, TransientFetchError, OSError) as exc:
            pipeline.fail_run(run.pk, str(exc))
            raise CommandError(f"could not read the source: {exc}") from None
        for item_id in item_ids:
            try:
                pipeline.process_item(item_id)
            except TransientFetchError as exc:
                # The nightly tasks retry with backoff; here we record it and move on.
                pipeline.fail_item(item_id, "download", f"{exc} (fetched again by the next run)", permanent=False)
            self._progress(IngestionRun.objects.get(pk=run.pk))
        pipeline.finish_run_if_done(run.pk)
        run.refresh_from_db()
        self.stdout.write("")
        self._summary(run)
        if run.seen == 0 or (run.failed and run.parsed == 0 and run.new + run.updated == 0):
            # The run is closed and says why; a bad input is not a failed command (only an unreadable
            # source is, above), so a nightly job goes on to its next step.
            self.stderr.write("nothing could be ingested: the reasons are listed above and on /ops/runs/")

    def _read_source(self, run: IngestionRun, options: dict[str, Any]) -> list[int]:
        if options["from_dir"]:
            folder = Path(options["from_dir"])
            if not folder.is_dir():
                raise OSError(f"{folder} is not a folder")
            paths = sorted(folder.glob("*.pdf"))
            return pipeline.ingest_local_pdfs(run, paths, self._progress, trust_local=options["trust_local"])
        if options["from_feed"]:
            return pipeline.ingest_pages(run, read_feed_files(options["from_feed"]), self._progress)
        return pipeline.fetch_run_feed(run.pk, max_results=options["max_results"])

    def _progress(self, run: IngestionRun) -> None:
        done = run.parsed + run.failed
        total = max(run.new + run.updated, run.downloaded, done, 1)
        filled = int(24 * min(done / total, 1))
        line = (
            f"\r[{'#' * filled}{'.' * (24 - filled)}] {run.stage:<7} seen {run.seen} · new {run.new} · "
            f"updated {run.updated} · downloaded {run.downloaded} · parsed {run.parsed} · failed {run.failed}"
        )
        self.stdout.write(line, ending="")
        sys.stdout.flush()

    def _summary(self, run: IngestionRun) -> None:
        self.stdout.write(
            f"run {run.pk} {run.status}: seen {run.seen}, new {run.new}, updated {run.updated}, "
            f"unchanged {run.unchanged}, downloaded {run.downloaded}, parsed {run.parsed}, "
            f"receipts {run.extracted}, failed {run.failed}"
        )
        for failure in run.failures.all()[:20]:
            self.stdout.write(f"  failed {failure.stage} {failure.arxiv_id}: {failure.reason}")
