"""Fault drills (`make faults`): see worker.ops.drills."""

from __future__ import annotations

import random
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from worker.ops import drills, feed_drill, memory_drill


class Command(BaseCommand):
    help = "Fault drills: parser fuzzing with mutated corpus files, and pages and ingestion across a Redis outage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--feed-cases", type=int, default=10_000)
        parser.add_argument("--pdf-cases", type=int, default=10_000)
        # 1,000 feeds of 3 entries through the whole command take about two minutes on PostgreSQL.
        parser.add_argument("--ingest-feed-cases", type=int, default=1_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--skip-redis", action="store_true")
        parser.add_argument("--skip-web", action="store_true", help="skip the web fuzzer (manage.py fuzz_web)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not drills.CORPUS.exists():
            raise CommandError(f"{drills.CORPUS} is absent: the drills mutate its real files")
        rng = random.Random(options["seed"])
        try:
            drills.fuzz_feeds(rng, options["feed_cases"], self.stdout.write)
            feed_drill.fuzz_ingest_feeds(
                random.Random(options["seed"]), options["ingest_feed_cases"], drills.CORPUS, self.stdout.write
            )
            drills.fuzz_pdfs(rng, options["pdf_cases"], self.stdout.write)
            memory_drill.run_memory_drill(drills.CORPUS, self.stdout.write)
            if not options["skip_redis"]:
                drills.redis_outage_during_page_views(self.stdout.write)
                drills.redis_outage_during_ingestion(self.stdout.write)
        except (drills.DrillFailed, feed_drill.FeedDrillFailed, memory_drill.MemoryDrillFailed) as exc:
            raise CommandError(str(exc)) from None
        if not options["skip_web"]:
            call_command("fuzz_web")  # raises CommandError on any 5xx
