"""A review's exports for curators: evidence matrix and claims as CSV, the audit report as Markdown
and JSON, BibTeX of its papers. (The complete dump for backups is operator tooling: worker.ops.backup.)"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict
from typing import Any

from django.db.models import Q
from django.utils import timezone

from baselines.models import BeatsReceipt, CritiqueReceipt
from benchmarks.disagreements import largest_disagreements
from benchmarks.models import BenchmarkResult
from config.text_safety import csv_safe, markdown_text
from papers.models import Paper
from reviews.ledger import stored_quality_gate
from reviews.models import Claim, Review

MATRIX_HEADER = [
    "paper",
    "title",
    "kind",
    "method",
    "baseline",
    "benchmark",
    "model",
    "setting",
    "value",
    "page",
    "locator",
    "quote",
    "status",
    "quote_status",
    "extractor",
]


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def _in_review(review: Review) -> Q:
    return Q(paper__review_entries__review=review)


def evidence_matrix_csv(review: Review) -> str:
    """One row per receipt of the review's papers (rejected ones included, marked), with its locator."""
    results = BenchmarkResult.objects.filter(_in_review(review)).select_related("paper", "method", "benchmark")
    beats = BeatsReceipt.objects.filter(_in_review(review)).select_related("paper", "method", "baseline", "benchmark")
    critiques = CritiqueReceipt.objects.filter(_in_review(review)).select_related("paper", "method")
    rows: list[list[Any]] = [MATRIX_HEADER]
    for r in results.order_by("paper__arxiv_id", "pk"):
        rows.append(_matrix_row(r, "result", r.method.name, "", r.benchmark.name, r.model_name, r.setting, r.value))
    for b in beats.order_by("paper__arxiv_id", "pk"):
        benchmark = b.benchmark.name if b.benchmark else ""
        rows.append(_matrix_row(b, "beats", b.method.name, b.baseline.name, benchmark, b.model_name, b.setting, ""))
    for c in critiques.order_by("paper__arxiv_id", "pk"):
        rows.append(_matrix_row(c, "critique", c.method.name, "", "", "", "", ""))
    return _csv(rows)


def _matrix_row(
    receipt: Any, kind: str, method: str, baseline: str, benchmark: str, model: str, setting: str, value: Any
) -> list[Any]:
    """A row of MATRIX_HEADER: the paper, what the receipt says, and its provenance."""
    paper = receipt.paper
    provenance = [receipt.page, receipt.locator, receipt.quote, receipt.status, receipt.quote_status, receipt.extractor]
    return [paper.arxiv_id, paper.title, kind, method, baseline, benchmark, model, setting, value, *provenance]


def claims_csv(review: Review) -> str:
    rows: list[list[Any]] = [
        [
            "paper",
            "title",
            "origin",
            "sentence",
            "status",
            "source_depth",
            "page",
            "checked_at",
            "has_numbers",
            "is_comparison",
            "backing_receipts",
        ]
    ]
    claims = Claim.objects.filter(_in_review(review)).select_related("paper").prefetch_related("beats", "results")
    for claim in claims.order_by("paper__arxiv_id", "pk"):
        backing = [f"beats:{b.pk}" for b in claim.beats.all()] + [f"result:{r.pk}" for r in claim.results.all()]
        rows.append(
            [
                claim.paper.arxiv_id,
                claim.paper.title,
                claim.origin,
                claim.sentence,
                claim.status,
                claim.source_depth,
                claim.page,
                claim.checked_at.isoformat() if claim.checked_at else "",
                claim.has_numbers,
                claim.is_comparison,
                " ".join(backing),
            ]
        )
    return _csv(rows)


def audit_report(review: Review) -> dict[str, Any]:
    gate = stored_quality_gate(review)
    disagreements = [
        {
            "method": d["cell"].method.name,
            "benchmark": d["cell"].benchmark.name,
            "model": d["cell"].model_name,
            "setting": d["cell"].setting,
            "spread": round(d["cell"].spread, 4),
            "values": [
                {"paper": r.paper.arxiv_id, "value": r.value, "page": r.page, "locator": r.locator}
                for r in d["results"]
            ],
        }
        for d in largest_disagreements(review)
    ]
    return {
        "review": review.slug,
        "title": review.title,
        "generated_at": timezone.now().isoformat(),
        "counts": review.derived_counts,
        "quality_gate": asdict(gate),
        "largest_disagreements": disagreements,
    }


def audit_report_md(review: Review) -> str:
    report = audit_report(review)
    gate = report["quality_gate"]
    lines = [
        f"# Audit report: {markdown_text(review.title)}",
        "",
        f"Generated {report['generated_at']}.",
        "",
        "## Quality gate",
        "",
        f"Verdict: **{'ready' if gate['ready'] else 'blocked'}**",
        "",
    ]
    lines += [f"- {markdown_text(reason)}" for reason in gate["reasons"]]
    lines += [
        "",
        f"- claims verified in the full text: {gate['verified']}/{gate['claims']}",
        f"- preliminary (abstract only): {gate['preliminary']}",
        f"- unsupported: {gate['unsupported']}",
        f"- preliminary with numbers or comparisons: {gate['preliminary_with_numbers']}",
        f"- papers out of scope: {gate['out_of_scope']}, weak scope: {gate['weak_scope']}",
        "",
        "## Largest disagreements",
        "",
    ]
    for d in report["largest_disagreements"]:
        values = ", ".join(
            f"{markdown_text(v['value'])} (arXiv:{markdown_text(v['paper'])}, p. {v['page']})" for v in d["values"]
        )
        lines.append(
            f"- {markdown_text(d['method'])} · {markdown_text(d['model'])} · {markdown_text(d['setting'])} · {markdown_text(d['benchmark'])}: "
            f"spread {d['spread']:.0%}: {values}"
        )
    if not report["largest_disagreements"]:
        lines.append("None above the threshold.")
    return "\n".join(lines) + "\n"


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([{}\\%$&#_^~])", r"\\\1", text)


_TITLE_STOPWORDS = {"a", "an", "the", "on", "of", "for", "to", "in", "and", "with", "towards", "toward", "is", "are"}


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def bibtex_key(authors: list[str], year: int | None, title: str) -> str:
    """The key a reader would type: first author's surname, year, first word of the title that says
    something ("lin2023awq" for Lin et al., "AWQ: Activation-aware ..."); "Lin, Ji" and "Ji Lin" alike."""
    first = authors[0] if authors else ""
    surname = first.split(",")[0] if "," in first else (first.split() or [""])[-1]
    words = [_ascii_word(w) for w in re.split(r"[\s:/-]+", title)]
    word = next((w for w in words if w and w not in _TITLE_STOPWORDS), "")
    return f"{_ascii_word(surname)}{year or ''}{word}" or "paper"


def bibtex(review: Review) -> str:
    entries = []
    papers = (
        Paper.objects.filter(review_entries__review=review)
        .exclude(review_entries__fit="out_of_scope")
        .order_by("published", "arxiv_id")
    )
    taken: dict[str, int] = {}
    for paper in papers.defer("abstract", "raw_entry"):
        key = bibtex_key(paper.authors, paper.published.year if paper.published else None, paper.title)
        taken[key] = taken.get(key, 0) + 1
        if taken[key] > 1:  # two papers, one key: lin2023awq, lin2023awqb
            key += "abcdefghijklmnopqrstuvwxyz"[min(taken[key], 26) - 1]
        fields = {
            "title": "{" + _bibtex_escape(paper.title) + "}",
            "author": _bibtex_escape(" and ".join(paper.authors)),
            "year": str(paper.published.year) if paper.published else "",
            "eprint": paper.arxiv_id,
            "archivePrefix": "arXiv",
            "primaryClass": paper.primary_category,
            "doi": paper.doi or "",
        }
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
        entries.append(f"@misc{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"
