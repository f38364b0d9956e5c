"""Used by the memory drill of `make faults` (worker.ops.memory_drill): ingest a folder on this
process's database and print, as one JSON line, what failed and the peak memory it took."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from worker.ops import memory_drill


class Command(BaseCommand):
    help = "Ingest a folder of PDFs and print peak memory and failures as JSON (for the memory drill)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(memory_drill.probe(options["folder"])))
