"""A paper's structured summary written by Claude from its receipts, when ANTHROPIC_API_KEY is set.

Every sentence must rest on the receipts and text we send; a key result whose numbers are not in
that material is dropped, so the summary never states a number the review cannot show.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import anthropic
from django.conf import settings
from django.utils import timezone

from papers.models import Paper, PaperSummary
from papers.provenance import ReceiptStatus
from papers.summaries import conclusion_text
from worker.extract.claude import anthropic_client

logger = logging.getLogger(__name__)

RECEIPTS_SENT = 60
INSTRUCTIONS = (
    "You summarise one research paper for a living systematic review. Use only the material given: "
    "the abstract, its receipts (benchmark results, 'beats' claims, critiques, each with page) and its "
    "conclusion. Record: the core contribution (one or two sentences); key results, each a sentence "
    "with its numbers exactly as given; limitations and open questions the paper itself states. "
    "Never invent numbers, methods or claims; leave a list empty rather than guess."
)
TOOL: dict[str, Any] = {
    "name": "record_summary",
    "description": "Record the paper's structured summary.",
    "input_schema": {
        "type": "object",
        "properties": {
            "contribution": {"type": "string"},
            "key_results": {"type": "array", "items": {"type": "string"}},
            "limitations": {"type": "array", "items": {"type": "string"}},
            "open_questions": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["contribution", "key_results", "limitations", "open_questions"],
    },
}
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def material(paper: Paper, conclusion: str = "") -> str:
    """What Claude may use: the abstract, the paper's (not rejected) receipts, the conclusion.
    Receipts are read through the paper's reverse relations: their models live in the apps above."""
    lines = [f"Title: {paper.title}", f"Abstract: {paper.abstract}", "", "Receipts:"]
    for r in paper.benchmarkresults.exclude(status=ReceiptStatus.REJECTED).select_related("method", "benchmark")[
        :RECEIPTS_SENT
    ]:
        lines.append(
            f"- result p.{r.page}: {r.method.name} {r.model_name} {r.setting} {r.benchmark.name} = {r.value_text or r.value}"
        )
    for b in paper.beatsreceipts.exclude(status=ReceiptStatus.REJECTED).select_related("method", "baseline")[
        :RECEIPTS_SENT
    ]:
        lines.append(f"- beats p.{b.page}: {b.method.name} beats {b.baseline.name}: {b.quote[:300]}")
    for c in paper.critiquereceipts.exclude(status=ReceiptStatus.REJECTED).select_related("method")[:RECEIPTS_SENT]:
        lines.append(f"- critique p.{c.page} of {c.method.name}: {c.quote[:300]}")
    if conclusion:
        lines += ["", f"Conclusion: {conclusion[:6000]}"]
    return "\n".join(lines)


def grounded(sentences: list[str], source: str) -> tuple[list[str], int]:
    """Keep sentences whose every number appears in the material; returns (kept, dropped count)."""
    known = set(NUMBER.findall(source))
    kept = [s for s in sentences if set(NUMBER.findall(s)) <= known]
    return kept, len(sentences) - len(kept)


def write_summary(paper: Paper, client: anthropic.Anthropic, model: str, conclusion: str = "") -> PaperSummary:
    """Ask Claude for the paper's summary (one request, instructions cached) and store it."""
    source = material(paper, conclusion)
    response = client.messages.create(
        model=model,
        max_tokens=1500,
        system=[{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        tools=[TOOL],
        tool_choice={"type": "tool", "name": "record_summary"},
        messages=[{"role": "user", "content": source}],
    )
    block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
    if block is None:
        raise ValueError(f"the model answered without the summary tool (stop reason {response.stop_reason})")
    data: dict[str, Any] = dict(block.input)
    key_results, dropped = grounded([str(s) for s in data.get("key_results", [])], source)
    if dropped:
        logger.info(
            "summary of %s: %d key result(s) dropped, their numbers are not in the receipts", paper.arxiv_id, dropped
        )
    summary, _ = PaperSummary.objects.update_or_create(
        paper=paper,
        defaults={
            "contribution": str(data.get("contribution", ""))[:4000],
            "key_results": key_results,
            "limitations": [str(s) for s in data.get("limitations", [])][:10],
            "open_questions": [str(s) for s in data.get("open_questions", [])][:10],
            "generator": model,
            "generated_at": timezone.now(),
        },
    )
    return summary


def summarize_document(document_id: int) -> int:
    """Extract-stage hook: with an API key, (re)write the paper's summary; without one, nothing
    (the paper page then composes its summary from the receipts). Writes no receipts: returns 0."""
    if not settings.ANTHROPIC_API_KEY:
        return 0
    paper = Paper.objects.get(documents__pk=document_id)
    client = anthropic_client(settings.ANTHROPIC_API_KEY)
    try:
        write_summary(paper, client, settings.ANTHROPIC_MODEL, conclusion_text(sorted(paper.page_texts().items())))
    except (anthropic.APIError, ValueError) as exc:
        # A summary is a convenience: the page falls back to the receipts; the stage goes on.
        logger.warning("no Claude summary for %s: %s", paper.arxiv_id, exc)
    return 0
