"""Running text of a parsed page: lines classified (caption, table row, prose), caption
paragraphs, sentences with their page and section (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from worker.reading.numbers import is_missing, is_value_token, parse_number, split_values

# Tokens that belong to the cell before them: "(1.93×)", "(+0.2)", "↑", a unit.
_NUM = r"[+\-−–]?(?:\d+(?:[.,]\d+)*|\.\d+)"
_ATTACH_RE = re.compile(r"\([^()]*[\d↑↓±×][^()]*\)|\[[^\[\]]*\d[^\[\]]*\]|[↑↓]|±" + _NUM)
_UNITS = {
    "ms", "s", "sec", "min", "mins", "minutes", "h", "hr", "hrs", "hour", "hours", "days", "x", "×",
    "gb", "mb", "kb", "tb", "g", "m", "k", "%", "tokens/s", "tok/s", "gpus", "gpu", "w", "mj", "j",
}  # fmt: skip
_PM_RE = re.compile(r"\s*(?:±|\+/-|\+-)\s*")
_SIZE_RE = re.compile(r"^\d+(?:\.\d+)?[BMK]$")
_HAS_DIGIT = re.compile(r"\d")

CAPTION_LINE_RE = re.compile(
    r"^(?P<kind>Table|TABLE|Tab\.|Figure|FIGURE|Fig\.|FIG\.)\s*(?P<num>[A-Z]?[.\-]?\d+(?:\.\d+)?|[IVX]+)\s*[:.|]"
)
_STOPWORDS = {
    "the", "of", "on", "for", "and", "with", "in", "to", "a", "an", "is", "are", "we", "our", "by", "from",
    "as", "at", "that", "this", "which", "be", "when", "than", "it", "its", "can", "not", "was", "were",
    "has", "have", "while", "these", "those", "their", "they", "such", "also", "but", "or", "into", "using",
    "used", "shows", "show", "see", "between", "both", "each", "all", "more", "most", "other", "only",
}  # fmt: skip


def is_prose(text: str) -> bool:
    """A line of running text rather than a table header or label."""
    words = text.split()
    if len(words) < 4:
        return False
    stop = sum(1 for w in words if w.lower().strip(",.;:()") in _STOPWORDS)
    return stop >= 2 or (stop >= 1 and len(words) >= 4 and stop / len(words) >= 0.15)


@dataclass
class Line:
    index: int
    text: str
    kind: str  # "caption", "data", "plain" (short, not prose), "prose"
    label: str = ""
    cells: list[str] = field(default_factory=list)


def _token_class(token: str) -> str:
    if is_value_token(token):
        return "V"
    if _ATTACH_RE.fullmatch(token):
        return "A"
    if token.lower() in _UNITS:
        return "U"
    if _HAS_DIGIT.search(token) and not _SIZE_RE.match(token):
        return "N"  # "2×65ms", "1×25ms": a cell, just not a clean number
    return "T"


def split_row(text: str) -> tuple[str, list[str]]:
    """Split a table line into its label and its cells.

    The cells start at the first value token after which no plain word follows (units and
    "(1.93×)" attach to the cell before them), so labels keep numbers that are part of a name
    ("GPT-3 350M", "Int8 absmax", "32-bit Float").
    """
    tokens = _PM_RE.sub("±", text).split()
    classes = [_token_class(t) for t in tokens]
    start = None
    for i in range(len(tokens) - 1, -1, -1):
        if classes[i] == "T":
            break
        if classes[i] == "V":
            start = i
    if start is None:
        return text.strip(), []
    cells: list[str] = []
    for token, cls in zip(tokens[start:], classes[start:], strict=True):
        if cls in "VN" or not cells:
            cells.append(token)
        else:
            cells[-1] = f"{cells[-1]} {token}"
    return " ".join(tokens[:start]), cells


def classify_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    for i, raw in enumerate(text.split("\n")):
        s = raw.strip()
        if CAPTION_LINE_RE.match(s):
            lines.append(Line(i, s, "caption"))
            continue
        label, cells = split_row(s)
        has_value = any(parse_number(v) is not None or is_missing(v) for c in cells for v in split_values(c))
        if cells and has_value and (label or len(cells) >= 2) and not is_prose(label):
            lines.append(Line(i, s, "data", label, cells))
        elif is_prose(s):
            lines.append(Line(i, s, "prose"))
        else:
            lines.append(Line(i, s, "plain", s))
    return lines


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one string; a word hyphenated at a line end is joined again
    ("GPT-" + "NeoX20B" -> "GPT-NeoX20B", "in-" + "ference" -> "in-ference")."""
    out = ""
    for line in lines:
        line = line.strip()
        if not out:
            out = line
        elif out.endswith("-") and not out.endswith(" -"):
            out += line
        else:
            out += " " + line
    return out


def _caption_paragraph_end(lines: list[Line], start: int) -> int:
    """Index of the last line of the caption starting at ``start``.

    A line continues the caption when the previous one ends in a hyphen or mid-sentence and the
    line reads as text (lower-case start, or prose); a table row, a header-like line after a
    sentence end, or a new caption ends it.
    """
    end = start
    widths = sorted(len(x.text) for x in lines if x.kind == "prose")
    full = widths[int(len(widths) * 0.75)] if widths else 80
    for j in range(start + 1, min(len(lines), start + 10)):
        prev, line = lines[j - 1].text.rstrip(), lines[j]
        if line.kind in ("caption", "data"):
            break
        if prev.endswith("-") and not prev.endswith(" -"):
            end = j
            continue
        if prev.endswith((".", ":")):
            # A sentence that ends exactly at a full-width line may be followed by more caption;
            # the last line of a paragraph is usually short.
            if line.text[:1].islower() or (line.kind == "prose" and len(prev) >= 0.92 * full and j - start < 4):
                end = j
                continue
            break
        if line.text[:1].islower() or line.kind == "prose":
            end = j
            continue
        break
    return end


# --------------------------------------------------------------------------------------------
# Sentences

_HEADING_RE = re.compile(r"^(?P<num>(?:\d+|[A-H])(?:\.\d+){0,3}\.?)\s+(?P<title>[A-Z][A-Za-z0-9 ,:&\-–/()']{2,70})$")
REFERENCES_RE = re.compile(r"^(?:\d+\.?\s*)?(?:References|REFERENCES|Bibliography|BIBLIOGRAPHY)\s*$")
APPENDIX_RE = re.compile(r"^(?:(?:[A-H](?:\.\d+)*\.?\s+[A-Z])|(?:Appendix|APPENDIX|Supplementary|SUPPLEMENTARY)\b)")


@dataclass
class Sentence:
    page: int
    section: str
    text: str


def page_sentences(pages: Iterable[Any]) -> list[Sentence]:
    """Sentences in reading order, without table rows and without the reference list."""
    out: list[Sentence] = []
    section = ""
    in_refs = False
    for page in pages:
        paragraphs: list[tuple[str, list[str]]] = [(section, [])]
        for line in classify_lines(page.text):
            text = line.text.strip()
            if not text:
                continue
            if REFERENCES_RE.match(text):
                in_refs = True
                paragraphs.append((section, []))
                continue
            if in_refs:
                if APPENDIX_RE.match(text) and len(text) < 80 and not re.search(r"\b(?:19|20)\d\d\b", text):
                    in_refs = False
                    section = text
                    paragraphs.append((section, []))
                continue
            heading = _HEADING_RE.match(text)
            if heading and not text.endswith(".") and len(text.split()) <= 10 and line.kind != "data":
                section = f"§{heading.group('num').rstrip('.')} {heading.group('title')}"
                paragraphs.append((section, []))
                continue
            if line.kind == "data":
                paragraphs.append((section, []))
                continue
            if CAPTION_LINE_RE.match(text):
                paragraphs.append((section, []))
            paragraphs[-1][1].append(text)
        for where, lines in paragraphs:
            out.extend(Sentence(page.number, where, s) for s in split_sentences(join_lines(lines)) if lines)
    return out


_ABBREVIATION_RE = re.compile(
    r"(?:al|e\.g|i\.e|etc|fig|figs|eq|eqs|eqn|sec|secs|tab|vs|cf|resp|approx|no|nos|ref|refs|dr|prof|mr|ms|st|inc|ltd|jr|viz|ca|app|appx|def|thm|lem|prop|cor|alg)"
)
_BOUNDARY_RE = re.compile(r"[.!?][\"”’)]?\s+(?=[A-Z(\[“\"])|\n")


def sentence_breaks(text: str) -> list[tuple[int, int]]:
    """(end of a sentence, start of the next) for every sentence boundary of ``text``, in order."""
    breaks = []
    for match in _BOUNDARY_RE.finditer(text):
        if match.group() == "\n":
            breaks.append((match.start(), match.end()))
        elif not _is_abbreviation(text, match.start()):
            breaks.append((match.start() + 1, match.end()))
    return breaks


def _is_abbreviation(text: str, period: int) -> bool:
    before = re.search(r"(\S+)$", text[max(0, period - 20) : period])
    if not before:
        return False
    word = before.group(1).lower().lstrip("([")
    return (
        bool(_ABBREVIATION_RE.fullmatch(word))
        or bool(re.fullmatch(r"[a-z]", word))
        or word.endswith("e.g")
        or word.endswith("i.e")
    )


def split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph (abbreviations such as "et al." and "Fig." do not end one)."""
    parts: list[str] = []
    start = 0
    for end, next_start in sentence_breaks(text):
        parts.append(text[start:end].strip())
        start = next_start
    parts.append(text[start:].strip())
    return [p for p in parts if len(p) > 3]


def caption_paragraphs(page_text: str) -> dict[str, str]:
    """Every "Table N" caption of a page as its whole paragraph (a caption wraps over lines), by N."""
    lines = classify_lines(page_text)
    out: dict[str, str] = {}
    for k, line in enumerate(lines):
        m = CAPTION_LINE_RE.match(line.text)
        if line.kind != "caption" or m is None or not line.text.lower().startswith("tab"):
            continue
        end = _caption_paragraph_end(lines, k)
        out.setdefault(m.group("num"), join_lines([x.text for x in lines[k : end + 1]]))
    return out
