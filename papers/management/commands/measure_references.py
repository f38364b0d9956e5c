"""Measure reference splitting and matching on the corpus PDFs, and role/polarity on the labeled set."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from worker.reading import references as refs
from worker.reading.parse import parse_pdf

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus"
LABELS = Path(settings.BASE_DIR) / "tests" / "data" / "citation_intents.json"


class Command(BaseCommand):
    help = (
        "Per corpus PDF: references found and matched to papers.csv (by arXiv id or title); then role and "
        "polarity accuracy on the hand-labeled contexts. --sample N lists N random matches to check by hand."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pdfs", default=str(CORPUS / "pdfs"))
        parser.add_argument("--papers-csv", default=str(CORPUS / "metadata" / "papers.csv"))
        parser.add_argument("--labels", default=str(LABELS))
        parser.add_argument("--sample", type=int, default=0, help="List this many random matches.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        with open(options["papers_csv"], newline="", encoding="utf-8") as f:
            known = {row["arxiv_id"]: row["title"] for row in csv.DictReader(f)}
        by_arxiv_id = {arxiv_id: (arxiv_id, title) for arxiv_id, title in known.items()}
        matcher = refs.TitleMatcher(known.items())
        pdfs = sorted(Path(options["pdfs"]).glob("*.pdf"))
        self.stdout.write(f"{len(pdfs)} PDFs, {len(known)} known papers (papers.csv)\n")
        header = f"{'file':40} {'style':11} {'refs':>5} {'arXiv':>5} {'by id':>5} {'title':>5} {'match':>5} {'ctx':>5}"
        self.stdout.write(header)
        matched: list[tuple[str, refs.ReferenceEntry, refs.EntryMatch[str]]] = []
        totals = [0, 0, 0, 0, 0, 0]
        for path in pdfs:
            pages = [page.text for page in parse_pdf(path).pages]
            references = refs.extract_references(pages)
            if references is None:
                self.stdout.write(f"{path.name:40} {'(none)':11} {0:5} {0:5} {0:5} {0:5} {0:5} {0:5}")
                continue
            found = [(e, refs.match_entry(e, by_arxiv_id, matcher)) for e in references.entries]
            hits = [(e, m) for e, m in found if m is not None]
            matched += [(path.name, e, m) for e, m in hits]
            row = [
                len(references.entries),
                sum(1 for e in references.entries if e.arxiv_id),
                sum(1 for _, m in hits if m.how == "arxiv"),
                sum(1 for _, m in hits if m.how == "title"),
                len(hits),
                len(refs.citation_contexts(pages, references)),
            ]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            self.stdout.write(f"{path.name:40} {references.style:11} " + " ".join(f"{n:5}" for n in row))
        self.stdout.write(f"{'total':40} {'':11} " + " ".join(f"{n:5}" for n in totals))
        if options["sample"]:
            self._sample(matched, known, options["sample"], options["seed"])
        self._labels(Path(options["labels"]))

    def _sample(
        self,
        matched: list[tuple[str, refs.ReferenceEntry, refs.EntryMatch[str]]],
        known: dict[str, str],
        n: int,
        seed: int,
    ) -> None:
        self.stdout.write(f"\n{min(n, len(matched))} random matches (seed {seed}) to check by hand:")
        for name, entry, match in random.Random(seed).sample(matched, min(n, len(matched))):
            self.stdout.write(
                f"- {name} [{entry.label}] by {match.how} ({match.score:.1f}) -> {match.key} {known[match.key]!r}\n"
                f"    entry: {entry.raw_text[:220]!r}"
            )

    def _labels(self, path: Path) -> None:
        if not path.exists():
            self.stdout.write(f"\n{path} is absent: no role/polarity scores")
            return
        contexts = json.loads(path.read_text(encoding="utf-8"))["contexts"]
        self.stdout.write(f"\nRole and polarity on {len(contexts)} hand-labeled contexts ({path.name}):")
        for split in sorted({c.get("split", "") for c in contexts}) + [None]:
            chosen = [c for c in contexts if split is None or c.get("split", "") == split]
            predicted = [refs.classify_citation(c["sentence"], c["marker"]) for c in chosen]
            for field in ("role", "polarity"):
                scores = refs.score_labels(
                    [(c[field], getattr(p, field)) for c, p in zip(chosen, predicted, strict=True)]
                )
                f1 = ", ".join(f"{label} {value:.2f}" for label, value in scores.f1.items())
                self.stdout.write(
                    f"  {split or 'all':9} {field:9} n={scores.n:3} accuracy {scores.accuracy:.3f}  "
                    f"macro-F1 {scores.macro_f1:.3f}  ({f1})"
                )
