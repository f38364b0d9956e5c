"""Claude writes the synthesis prose from the review's evidence, and we keep only what it grounds.

The model sees the evidence as numbered items (E1, E2, ...: a paper's sentence or a receipt, with its
paper, page and table or section) and answers with sentences that each name the items they rest on.
A sentence is dropped when it cites nothing, cites an item that does not exist, names a paper it
does not cite, states a number none of its items states, or makes agreement of full-precision
reference rows. The structured sections (method, gate, evidence base, comparison, references, audit)
stay as composed from the receipts."""

from __future__ import annotations

import re
from typing import Any

from reviews.synthesis_compose import SYNTHESIS_PARTS, reference_list, sentence
from reviews.synthesis_evidence import Evidence, Item

TOOL_NAME = "record_synthesis"
PACK_SIZE = 160  # items shown to the model; the offline draft's own citations come first
MAX_OUTPUT_TOKENS = 6000
_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")
_ARXIV_ID = re.compile(r"\b\d{4}\.\d{4,5}\b")


def _sentences(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": {
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "One sentence of prose; no citation markers in it."},
                "evidence": {"type": "array", "items": {"type": "string"}, "description": 'Item ids, e.g. ["E3"].'},
            },
            "required": ["text", "evidence"],
        },
    }


SYNTHESIS_TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": "Record the synthesis prose, each sentence with the evidence items it rests on.",
    "input_schema": {
        "type": "object",
        "properties": {
            "abstract": _sentences("Three to five sentences summarising what the evidence shows."),
            "findings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "question": {"type": "integer", "description": "The research question's number, from 1."},
                        "sentences": _sentences("The answer the evidence gives to that question."),
                    },
                    "required": ["question", "sentences"],
                },
            },
            **{key: _sentences(title) for key, title in SYNTHESIS_PARTS},
        },
        "required": ["abstract", "findings", *(key for key, _ in SYNTHESIS_PARTS)],
    },
}
INSTRUCTIONS = (
    "You write the prose of a living systematic review's synthesis from its evidence items only. Every "
    "sentence lists in `evidence` the ids of the items (E1, E2, ...) it rests on, and says nothing those "
    "items do not say: every number you write must appear in one of the cited items. Write counts in words. "
    "Do not write citations, arXiv ids or page numbers in the text; they are added from `evidence`. Points of "
    "agreement are never made of full-precision (FP16/BF16/FP32) reference rows: those are the line results "
    "are read against, not findings. Compare numbers only when they share a benchmark, model and setting."
)


KIND_ORDER = {"claim": 0, "beats": 1, "critique": 2, "cell": 3}


def evidence_pack(document: dict[str, Any], evidence: Evidence) -> dict[str, Item]:
    """E1, E2, ...: the items the offline draft cites and then the others, verified first, up to
    PACK_SIZE; numbered in a stable order (claims, comparisons, criticisms, numbers; by paper and page)."""
    cited = [ref for part in _prose(document) for s in part for ref in s.get("refs", [])]
    by_ref = {item.ref: item for item in evidence.items()}
    chosen = list(dict.fromkeys(r for r in cited if r in by_ref))
    chosen += [i.ref for i in sorted(evidence.items(), key=lambda i: not i.verified) if i.ref not in chosen]
    items = sorted(
        (by_ref[ref] for ref in chosen[:PACK_SIZE]),
        key=lambda i: (KIND_ORDER.get(i.kind, 9), i.papers[0], i.cites[0].page or 0, i.text, i.quote),
    )
    return {f"E{n}": item for n, item in enumerate(items, start=1)}


def _prose(document: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [
        document["abstract"],
        *(f["sentences"] for f in document["findings"]),
        *(document["synthesis"][key] for key, _ in SYNTHESIS_PARTS),
    ]


def _describe(evidence: Evidence, key: str, item: Item) -> str:
    where = "; ".join(
        f"{evidence.refs.get(c.paper, {}).get('label', c.paper)} (arXiv:{c.paper})"
        + (f", p. {c.page}" if c.page else "")
        + (f", {c.locator}" if c.locator else "")
        for c in dict.fromkeys(item.cites)
    )
    kind = item.kind + (", full-precision reference" if item.full_precision else "")
    kind += ", verified in the full text" if item.verified else ""
    said = " ".join(x for x in (item.text, f"“{item.quote}”" if item.quote else "") if x)
    return f"{key} [{kind}] {where}: {said}"


def material(document: dict[str, Any], evidence: Evidence, pack: dict[str, Item]) -> str:
    asked = "\n".join(f"{n}. {q}" for n, q in enumerate(document["questions"], start=1))
    items = "\n".join(_describe(evidence, key, item) for key, item in pack.items())
    return f"Review: {evidence.review.title}\n\nResearch questions:\n{asked}\n\nEvidence items:\n{items}"


def _numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in _NUMBER.findall(text)}


def ungrounded(part: str, text: str, items: list[Item]) -> str:
    """Why a sentence cannot stand on the items it cites ("" when it can)."""
    if not items:
        return "cites no evidence item"
    papers = {p for item in items for p in item.papers}
    named = set(_ARXIV_ID.findall(text)) - papers
    if named:
        return f"names a paper it does not cite ({', '.join(sorted(named))})"
    stated = set().union(*(_numbers(item.wording) for item in items))  # the statement carries the values
    invented = sorted(n for n in _numbers(text) if n not in stated)
    if invented:
        return f"states a number no cited item states ({', '.join(f'{n:g}' for n in invented)})"
    if part == "agreement" and any(item.full_precision for item in items):
        return "makes agreement of full-precision reference rows"
    return ""


def _kept(
    evidence: Evidence, pack: dict[str, Item], part: str, entries: Any, dropped: list[dict[str, str]]
) -> list[dict[str, Any]]:
    kept = []
    for entry in entries if isinstance(entries, list) else []:
        text = " ".join(str(entry.get("text", "")).split()) if isinstance(entry, dict) else ""
        ids = [str(i).strip() for i in entry.get("evidence", [])] if isinstance(entry, dict) else []
        unknown = [i for i in ids if i not in pack]
        reason = f"cites evidence that does not exist ({', '.join(unknown)})" if unknown else ""
        reason = reason or ungrounded(part, text, [pack[i] for i in ids]) or ("" if text else "is empty")
        if reason:
            dropped.append({"section": part, "text": text, "reason": reason})
        else:
            kept.append(sentence(evidence, text, [pack[i] for i in dict.fromkeys(ids)]))
    return kept


def claude_prose(document: dict[str, Any], evidence: Evidence, client: Any, model: str) -> dict[str, Any]:
    """The document with Claude's abstract, findings and cross-paper synthesis, each sentence grounded;
    a part Claude leaves without one grounded sentence keeps the offline composition."""
    pack = evidence_pack(document, evidence)
    response = client.messages.create(
        model=model,
        max_tokens=MAX_OUTPUT_TOKENS,
        system=[{"type": "text", "text": INSTRUCTIONS, "cache_control": {"type": "ephemeral"}}],
        tools=[SYNTHESIS_TOOL],
        tool_choice={"type": "tool", "name": TOOL_NAME},
        messages=[{"role": "user", "content": material(document, evidence, pack)}],
    )
    block = next((b for b in response.content if getattr(b, "type", "") == "tool_use"), None)
    if block is None:
        raise ValueError(f"the model answered without the synthesis tool (stop reason {response.stop_reason})")
    answer, dropped = block.input, []
    abstract = _kept(evidence, pack, "abstract", answer.get("abstract"), dropped)
    synthesis = {key: _kept(evidence, pack, key, answer.get(key), dropped) for key, _ in SYNTHESIS_PARTS}
    answers = {f.get("question"): f.get("sentences") for f in answer.get("findings", []) if isinstance(f, dict)}
    findings = []
    for n, finding in enumerate(document["findings"], start=1):
        written = _kept(evidence, pack, f"findings {n}", answers.get(n), dropped)
        papers = len({c["paper"] for s in written for c in s["cites"]})
        findings.append(finding | {"sentences": written, "papers": papers, "empty": ""} if written else finding)
    # The abstract's first and last sentences (scope and size, readiness) are counts, not findings: kept.
    offline = document["abstract"]
    written = document | {
        "abstract": [offline[0], *abstract, offline[-1]] if abstract else offline,
        "findings": findings,
        "synthesis": {key: synthesis[key] or document["synthesis"][key] for key, _ in SYNTHESIS_PARTS},
        "dropped": dropped,
        "prose_by": model,
    }
    return written | {"references": reference_list(evidence, written)}
