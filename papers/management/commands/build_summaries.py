"""Rebuild the stored summaries of parsed papers (the extract stage builds them; this is for a
database parsed before, or after the summary rules change)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from papers.claude_summary import write_summary
from papers.models import DocumentStatus, Paper
from papers.summary_services import build_summary
from worker.extract.claude import anthropic_client


class Command(BaseCommand):
    help = (
        "Rebuild the structured summary of every parsed paper (or those named), from its text and receipts; "
        "--claude also has Claude write the prose (needs ANTHROPIC_API_KEY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("arxiv_ids", nargs="*", help="Only these papers (arXiv ids without version).")
        parser.add_argument("--claude", action="store_true", help="Have Claude write the prose too.")

    def handle(self, *args: Any, **options: Any) -> None:
        papers = Paper.objects.filter(documents__status=DocumentStatus.PARSED).distinct().order_by("arxiv_id")
        if options["arxiv_ids"]:
            papers = papers.filter(arxiv_id__in=options["arxiv_ids"])
        client = (
            anthropic_client(settings.ANTHROPIC_API_KEY) if options["claude"] and settings.ANTHROPIC_API_KEY else None
        )
        for paper in papers:
            summary = build_summary(paper.pk)
            if client is not None:
                summary = write_summary(summary, client, settings.ANTHROPIC_MODEL)
            sections = ("executive", "key_results", "mechanisms", "concepts", "limitations", "open_questions", "checks")
            counts = ", ".join(f"{name} {len(getattr(summary, name))}" for name in sections)
            self.stdout.write(f"{paper.arxiv_id}: {counts} ({summary.generator})")
