"""The summary's prose written by Claude, when ANTHROPIC_API_KEY is set, on top of the extractive one.

`summarize_document` is the extract stage's last hook: it always builds the extractive summary
(`papers.summary_services.build_summary`: the paper's own sentences and receipts), then, with a key,
asks Claude to rewrite its prose sections from the paper's sentences and receipts. Nothing Claude
writes is stored unchecked: every number in a sentence must be printed on the page it cites (or be
one of the paper's receipts), and every quote must be found on its page; a sentence failing either
is dropped, and a section left empty keeps its extractive sentences.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import anthropic
from django.conf import settings

from papers.models import Paper, PaperSummary
from papers.provenance import ReceiptStatus
from papers.summaries import located_sentences, readable
from papers.summary_services import build_summary, page_texts, parsed_document
from worker.extract.claude import anthropic_client
from worker.reading.quotes import find_quote, pages_near

logger = logging.getLogger(__name__)

MATERIAL_CHARS = 60_000
QUOTE_THRESHOLD = 0.85
INSTRUCTIONS = (
    "You summarise one research paper on LLM quantization for a living systematic review, for a reader new to "
    "the field. Use only the material given: the paper's sentences (each with its page and section) and its "
    "receipts (benchmark numbers with table and page). Record: an executive summary (3-5 sentences: the problem, "
    "the method, the result); how the method works (2-4 sentences: what it does, on which models and settings, "
    "with which calibration data); why it works, in the paper's own stated reasons; the limitations the paper "
    "states about ITSELF (never weaknesses of other methods); the open questions it leaves to future work. Every "
    "item gives the page it rests on; mechanisms, limitations and open questions also give a quote copied "
    "verbatim from that page. Copy numbers exactly as printed. Never invent a number, a method or a claim; leave "
    "a list empty rather than guess."
)
LOCATED_ITEM = {
    "type": "object",
    "properties": {"text": {"type": "string"}, "page": {"type": "integer"}},
    "required": ["text", "page"],
}
QUOTED_ITEM = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "Your sentence."},
        "quote": {"type": "string", "description": "The paper's words it rests on, verbatim from that page."},
        "page": {"type": "integer"},
    },
    "required": ["text", "quote", "page"],
}
TOOL: dict[str, Any] = {
    "name": "record_summary",
    "description": "Record the paper's structured summary.",
    "input_schema": {
        "type": "object",
        "properties": {
            "executive_summary": {"type": "array", "items": LOCATED_ITEM},
            "method_summary": {"type": "array", "items": LOCATED_ITEM},
            "mechanisms": {"type": "array", "items": QUOTED_ITEM},
            "limitations": {"type": "array", "items": QUOTED_ITEM},
            "open_questions": {"type": "array", "items": QUOTED_ITEM},
        },
        "required": ["executive_summary", "method_summary", "mechanisms", "limitations", "open_questions"],
    },
}
QUOTED = ("mechanisms", "limitations", "open_questions")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def numbers(text: str) -> set[str]:
    return set(NUMBER.findall(THOUSANDS.sub("", text)))


def material(paper: Paper, summary: PaperSummary, pages: dict[int, str]) -> str:
    """What Claude may use: the abstract, the paper's sentences with page and section, its key
    results and the numbers of its receipts."""
    lines = [f"Title: {paper.title}", f"Abstract: {paper.abstract}", "", "Key results (receipts):"]
    lines += [f"- {k['text']} [{k.get('locator') or 'p.'} p. {k.get('page')}]" for k in summary.key_results]
    lines += ["", "Sentences of the paper:"]
    size = sum(len(line) for line in lines)
    for s in located_sentences(pages.items()):
        line = f"[p. {s.page} | {s.where}] {s.text}"
        if not readable(s) or size + len(line) > MATERIAL_CHARS:
            continue
        lines.append(line)
        size += len(line)
    return "\n".join(lines)


def checked(items: Any, pages: dict[int, str], known: set[str], *, quoted: bool) -> tuple[list[dict[str, Any]], int]:
    """The items that rest on the paper: a quote (when asked for) found on its page, and every number
    printed on that page or in a receipt; an item without a page of this paper is dropped. Returns (kept, dropped count); a quote found on a page
    next to the stated one is kept with the page where it is."""
    kept = []
    for item in items if isinstance(items, list) else []:
        text = str(item.get("text", "")).strip() if isinstance(item, dict) else ""
        stated = item.get("page") if isinstance(item, dict) else None
        page = stated if isinstance(stated, int) and stated in pages else None
        quote = str(item.get("quote", "")).strip() if isinstance(item, dict) else ""
        if quoted:
            match = find_quote(quote, pages_near(pages, page), QUOTE_THRESHOLD) if quote else None
            page = match.page if match is not None and match.found else None
            if page is None:
                continue
        # Each sentence is shown with its page: one without a page of this paper is not kept.
        if text and page is not None and numbers(text) <= numbers(pages[page]) | known:
            kept.append({"text": text, "page": page, "section": "", **({"quote": quote} if quoted else {})})
    return kept, len(items if isinstance(items, list) else []) - len(kept)


def write_summary(summary: PaperSummary, client: anthropic.Anthropic, model: str) -> PaperSummary:
    """Ask Claude for the summary's prose (one request, instructions cached), keep what checks out."""
    paper = summary.paper
    pages = page_texts(parsed_document(paper))
    response = client.messages.create(
        model=model,
        max_tokens=3000,
        system=[{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        tools=[TOOL],
        tool_choice={"type": "tool", "name": "record_summary"},
        messages=[{"role": "user", "content": material(paper, summary, pages)}],
    )
    block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
    if block is None:
        raise ValueError(f"the model answered without the summary tool (stop reason {response.stop_reason})")
    data: dict[str, Any] = dict(block.input)
    known = numbers(paper.abstract) | {
        n
        for text in paper.benchmarkresults.exclude(status=ReceiptStatus.REJECTED).values_list("value_text", flat=True)
        for n in numbers(text)
    }
    written = False
    for name, target in (("executive_summary", "executive"), ("method_summary", "method"), *((q, q) for q in QUOTED)):
        kept, dropped = checked(data.get(name), pages, known, quoted=name in QUOTED)
        if dropped:
            logger.info("summary of %s: %d %s sentence(s) dropped, not on their page", paper.arxiv_id, dropped, name)
        if kept and target == "method":
            summary.method = {**summary.method, "sentences": kept}
        elif kept:
            setattr(summary, target, kept)
        written = written or bool(kept)
    if written:
        summary.generator = model
        summary.save()
    return summary


def summarize_document(document_id: int) -> int:
    """Extract-stage hook: (re)build the paper's summary; with an API key, Claude writes its prose.
    Writes no receipts: returns 0."""
    paper = Paper.objects.get(documents__pk=document_id)
    summary = build_summary(paper.pk)
    if settings.ANTHROPIC_API_KEY:
        try:
            write_summary(summary, anthropic_client(settings.ANTHROPIC_API_KEY), settings.ANTHROPIC_MODEL)
        except Exception as exc:  # noqa: BLE001 - whatever the answer held, the paper's extraction stands
            # The prose is a convenience: the extractive summary stays; the stage goes on.
            logger.warning("no Claude summary for %s: %s", paper.arxiv_id, exc)
    return 0
