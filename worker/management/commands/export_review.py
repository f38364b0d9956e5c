import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews import exports
from reviews.models import Review
from reviews.synthesis import synthesis_markdown
from worker.ops import backup

FILES = {
    "evidence_matrix.csv": exports.evidence_matrix_csv,
    "claims.csv": exports.claims_csv,
    "audit_report.md": exports.audit_report_md,
    "audit_report.json": lambda review: json.dumps(exports.audit_report(review), indent=2, default=str),
    "papers.bib": exports.bibtex,
    "synthesis.md": synthesis_markdown,
    "dump.json": lambda review: json.dumps(backup.dump_review(review), indent=1, default=str),
}


class Command(BaseCommand):
    help = "Write a review's exports into a folder (CSV, Markdown, JSON, BibTeX, and the complete dump)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--review", required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        review = Review.objects.filter(slug=options["review"]).first()
        if review is None:
            raise CommandError(f"no review {options['review']!r}")
        options["out"].mkdir(parents=True, exist_ok=True)
        for name, build in FILES.items():
            (options["out"] / name).write_text(build(review), encoding="utf-8")
            self.stdout.write(f"wrote {options['out'] / name}")
