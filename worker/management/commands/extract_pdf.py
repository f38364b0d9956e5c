"""Print the receipts of one PDF, e.g. for ../shared/tools/score_extraction.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from worker.extraction import EXTRACTOR_CHOICES, get_extractor, registry_for_extraction
from worker.reading.parse import PdfParseError, parse_pdf


class Command(BaseCommand):
    help = "Extract receipts (results, beats, critiques) from one PDF and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pdf", type=Path)
        parser.add_argument("--json", action="store_true", help="print the JSON the scoring tool reads")
        parser.add_argument(
            "--extractor", choices=EXTRACTOR_CHOICES, help="default: anthropic when a key is set, else rule"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = parse_pdf(options["pdf"])
        except PdfParseError as exc:
            raise CommandError(f"{options['pdf']}: {exc}") from None
        extractor = get_extractor(options["extractor"])
        extraction = extractor.extract(document, registry_for_extraction())
        if options["json"]:
            self.stdout.write(json.dumps(extraction.to_score_json(), ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"{extraction.extractor} {extraction.version}: proposed {', '.join(extraction.proposed) or '?'}"
        )
        for r in extraction.results:
            self.stdout.write(
                f"  result p{r.provenance.page} {r.method} | {r.model} | {r.setting} | {r.benchmark} = {r.value_text or r.value}"
            )
        for b in extraction.beats:
            self.stdout.write(f"  beats  p{b.provenance.page} {b.method} > {b.baseline} ({b.evidence})")
        for c in extraction.critiques:
            self.stdout.write(f"  critique p{c.provenance.page} {c.method}: {c.provenance.quote[:100]}")
        for c in extraction.candidates:
            self.stdout.write(f"  candidate p{c.provenance.page} {c.name}")
