"""A paper's structured summary built from what the review knows about it (pure text rules)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from worker.reading.text import split_sentences

CONTRIBUTION_CUES = re.compile(
    r"\b(we (propose|present|introduce|develop)|this (paper|work) (proposes|presents|introduces))\b", re.I
)
NUMBER = re.compile(r"\d")
LIMITATION_CUES = re.compile(
    r"\b(limitation|limited to|we leave|future work|open question|does not (yet )?support|remains? (an )?open)\b", re.I
)


def sentences(text: str) -> list[str]:
    return split_sentences(" ".join(text.split()))


def summary_from_receipts(abstract: str, beats: list[Any], page_texts: list[str]) -> dict[str, list[str] | str]:
    """Core contribution, key results with their numbers, and limitations the paper states."""
    abstract_sentences = sentences(abstract)
    contribution = next(
        (s for s in abstract_sentences if CONTRIBUTION_CUES.search(s)),
        abstract_sentences[0] if abstract_sentences else "",
    )
    results = [
        f"{b.method.name} beats {b.baseline.name}"
        + (f" on {b.benchmark.name}" if b.benchmark else "")
        + (f" ({b.model_name} {b.setting})".rstrip() if b.model_name else "")
        + (f": {b.method_value} vs {b.baseline_value}" if b.method_value is not None else "")
        for b in beats[:8]
    ]
    results += [s for s in abstract_sentences if NUMBER.search(s) and s != contribution][:3]
    limitations: list[str] = []
    for text in page_texts:
        for sentence in sentences(text):
            if LIMITATION_CUES.search(sentence) and 30 < len(sentence) < 400:
                limitations.append(sentence)
            if len(limitations) >= 4:
                break
    return {"contribution": contribution, "key_results": results, "limitations": limitations}


CONCLUSION_HEADING = re.compile(
    r"^\s*(\d+\.?\s*)?(conclusions?|concluding remarks|summary and conclusion)\b", re.I | re.M
)
SECTION_END = re.compile(r"^\s*(references|acknowledg(e)?ments?|bibliography|appendix|limitations)\b", re.I | re.M)


def conclusion_text(pages: Iterable[tuple[int, str]]) -> str:
    """The conclusion section's text, from its heading to the references (or the next end marker)."""
    text = "\n".join(t for _, t in pages)
    # The last heading is the section, not a mention in the introduction's outline.
    heading = next(reversed(list(CONCLUSION_HEADING.finditer(text))), None)
    if heading is None:
        return ""
    rest = text[heading.end() :]
    end = SECTION_END.search(rest)
    return rest[: end.start() if end else 4000][:6000]
