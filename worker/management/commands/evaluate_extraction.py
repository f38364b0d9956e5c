"""Score an extractor against the gold labels with the shared scoring tool, and keep the result."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from worker.extraction import EXTRACTOR_CHOICES, get_extractor, registry_for_extraction
from worker.models import ExtractionEvaluation
from worker.reading.parse import PdfParseError, parse_pdf

SHARED = Path(settings.BASE_DIR).parent / "shared"


def parse_summary(line: str) -> dict[str, float]:
    """The scorer's last line as figures: 'results P=0.9 ...' → {'results_P': 0.9, ...}."""
    figures: dict[str, float] = {}
    section = ""
    for token in line.split():
        if "=" not in token:
            section = token
            continue
        key, _, value = token.partition("=")
        try:
            figures[f"{section}_{key}" if section and key in {"P", "R", "F1"} else key] = float(value)
        except ValueError:
            continue
    return figures


class Command(BaseCommand):
    help = "Score extraction on ../shared/corpus/gold with ../shared/tools/score_extraction.py and store the scores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--gold", type=Path, default=SHARED / "corpus" / "gold")
        parser.add_argument("--pdfs", type=Path, default=SHARED / "corpus" / "pdfs")
        parser.add_argument("--scorer", type=Path, default=SHARED / "tools" / "score_extraction.py")
        parser.add_argument("--extractor", choices=EXTRACTOR_CHOICES)

    def handle(self, *args: Any, **options: Any) -> None:
        gold_files = sorted(options["gold"].glob("*.json"))
        if not gold_files or not options["scorer"].exists():
            raise CommandError(f"need gold labels in {options['gold']} and the scorer at {options['scorer']}")
        extractor = get_extractor(options["extractor"])
        registry = registry_for_extraction()
        with tempfile.TemporaryDirectory() as outputs:
            for gold_file in gold_files:
                gold = json.loads(gold_file.read_text())
                try:
                    extraction = extractor.extract(parse_pdf(options["pdfs"] / gold["pdf"]), registry)
                except PdfParseError as exc:
                    self.stderr.write(f"{gold_file.stem}: {exc}")
                    continue  # the scorer prints this paper as FAILED and scores it zero
                (Path(outputs) / f"{gold_file.stem}.json").write_text(json.dumps(extraction.to_score_json()))
            done = subprocess.run(
                [sys.executable, str(options["scorer"]), "--gold", str(options["gold"]), "--outputs", outputs],
                capture_output=True,
                text=True,
                timeout=600,
            )
        if done.returncode != 0:
            raise CommandError(f"the scorer failed: {done.stderr.strip()[-500:]}")
        report = done.stdout.strip()
        self.stdout.write(report)
        figures = parse_summary(report.splitlines()[-1])
        ExtractionEvaluation.objects.create(
            ran_at=timezone.now(),
            extractor=extractor.name,
            version=extractor.version,
            papers=int(figures.get("papers", len(gold_files))),
            failed=int(figures.get("failed", 0)),
            results_f1=figures.get("results_F1", 0.0),
            attributes=figures.get("attrs", 0.0),
            beats_f1=figures.get("beats_F1", 0.0),
            critiques_f1=figures.get("critiques_F1", 0.0),
            summary=figures,
            report=report,
        )
