"""What page 1 of a paper says about itself: title, authors, abstract, and the arXiv margin stamp.

Pure Python over PDFium's characters (each with its box, font size, font name and rotation); no
Django. General mechanisms, no per-paper rules:

* the stamp ("arXiv:YYMM.NNNNNvV [cs.CL] D Mon YYYY") is read by a pattern over the characters
  printed sideways in the margin, else over the whole page;
* the title is the largest upright text in the upper half of the page, before the abstract;
* the abstract runs from an "Abstract" heading (or, without one, the paragraph just before the
  first section heading) to the first section heading ("1 Introduction", "I. INTRODUCTION");
* the authors are the name-like pieces of the lines between title and abstract, cut at
  superscript markers, commas, "and" and wide gaps, and kept in the typeface most names share
  (so an affiliation that looks like a name, "Hugging Face", is left out).

Anything not found stays empty; a PDF that cannot be opened gives an empty ``FrontMatter``.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

_SOFT_HYPHENS = "\x02\ufffe"
_SOFT_HYPHEN = "\u00ad"  # how a line-end hyphen is kept in a line's text until lines are joined
_LINE_ENDS = "\r\n" + _SOFT_HYPHENS
_MONTHS = {
    month: number
    for number, month in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], start=1
    )
}
_STAMP_RE = re.compile(
    r"arXiv:\s*(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.-]*/\d{7})\s*v(?P<version>\d+)"
    r"(?:\s*\[\s*(?P<category>[a-z-]+(?:\.[A-Za-z-]+)?)\s*\])?"
    r"(?:\s*(?P<day>\d{1,2})\s*(?P<month>[A-Z][a-z]{2})\s*(?P<year>\d{4}))?"
)
_ABSTRACT_RE = re.compile(r"^(?:Abstract|ABSTRACT|A\s?B\s?S\s?T\s?R\s?A\s?C\s?T)(?![a-z])\s*[.:—–-]?\s*(?P<rest>.*)$")
# A numbered first-level heading ("1 Introduction", "1. Introduction", "I. INTRODUCTION"), or an
# unnumbered "Introduction"; "Keywords"/"Index Terms" also close an abstract.
_SECTION_RE = re.compile(
    r"^(?:(?:\d{1,2}|[IVX]{1,4})\.?\s+[A-Z][A-Za-z-]*(?:\s+[A-Za-z-]+){0,5}"
    r"|Introduction|INTRODUCTION|(?:Keywords|Index Terms|CCS Concepts)\b.*)$"
)
# A run-in heading (LNCS: "1. Introduction. Language model pre-training ...").
_RUN_IN_SECTION_RE = re.compile(r"^(?:\d{1,2}|[IVX]{1,4})\.\s+[A-Z][a-z]+(?:\s+[A-Za-z]+){0,3}\.\s")
# A web address cut at a line end ("https://github." + "com/..."): the next line goes on without a space.
_URL_CUT_RE = re.compile(r"https?:(?://\S*[/.:_-])?$")
_MARKERS = set("*∗†‡§¶⋆★♠♣♦♥♮♭♯#")
_SPACING_ACCENTS = {"´": "\u0301", "ˇ": "\u030c", "¨": "\u0308", "˜": "\u0303", "ˆ": "\u0302", "¸": "\u0327"}
_ACCENT_RE = re.compile(rf"([{''.join(_SPACING_ACCENTS)}])\s?([A-Za-zı])")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "da",
    "di",
    "du",
    "la",
    "le",
    "dos",
    "das",
    "bin",
    "ter",
}
_AFFILIATION_WORDS = {
    "university", "universität", "université", "universidad", "univ", "institute", "institut", "institution",
    "college", "school", "department", "dept", "laboratory", "laboratories", "lab", "labs", "research",
    "inc", "corp", "corporation", "company", "ltd", "llc", "gmbh", "center", "centre", "academy", "faculty",
    "group", "technology", "technologies", "science", "sciences", "foundation", "hospital", "polytechnic",
    "team", "preprint", "abstract", "email", "e-mail", "contribution", "equal", "correspondence",
}  # fmt: skip
# Gaps between names set apart by spacing alone (NeurIPS' \And) are about 1.3 em; a word space is
# about 0.3 em (measured on the corpus PDFs).
_NAME_GAP_EM = 0.7
# A superscript (affiliation mark) is set at about 0.7 of the line's size.
_SUPERSCRIPT_SHARE = 0.85
_ROTATION_TOLERANCE = 0.1  # radians


@dataclass(frozen=True)
class FrontMatter:
    """What page 1 says; empty strings, an empty list and None where it says nothing readable.
    ``arxiv_id`` is without version; ``stamp_date`` is the date printed in the stamp (that
    version's submission)."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    arxiv_id: str = ""
    version: int | None = None
    primary_category: str = ""
    stamp_date: dt.date | None = None


@dataclass(frozen=True)
class _Char:
    text: str
    x0: float
    x1: float
    bottom: float
    size: float
    font: str
    rotated: bool


@dataclass
class _Line:
    chars: list[_Char]

    @cached_property
    def ink(self) -> list[_Char]:
        return [c for c in self.chars if not c.text.isspace()]

    @cached_property
    def text(self) -> str:
        return _clean("".join(c.text for c in self.chars))

    @cached_property
    def size(self) -> float:
        sizes = [c.size for c in self.ink]
        return statistics.median(sizes) if sizes else 0.0

    @cached_property
    def baseline(self) -> float:
        bottoms = [c.bottom for c in self.ink if c.size >= _SUPERSCRIPT_SHARE * self.size]
        return statistics.median(bottoms) if bottoms else 0.0


def read_front_matter(data: bytes) -> FrontMatter:
    """The title, authors, abstract and arXiv stamp read from page 1 of the PDF in ``data``."""
    try:
        chars, height = _page_one_chars(data)
    except (pdfium.PdfiumError, ValueError, OSError):
        return FrontMatter()
    stamp = _read_stamp(chars)
    lines = [line for line in _lines([c for c in chars if not c.rotated]) if line.ink]
    body_end = _first_section(lines)
    abstract_start, abstract = _abstract(lines, body_end, _vocabulary(lines))
    title_end, title = _title(lines[:abstract_start], height)
    authors = _authors(lines[title_end:abstract_start]) if title else []
    return FrontMatter(title=title, authors=authors, abstract=abstract, **stamp)


def _page_one_chars(data: bytes) -> tuple[list[_Char], float]:
    document = pdfium.PdfDocument(data)
    try:
        if len(document) == 0:
            return [], 0.0
        page = document[0]
        textpage = page.get_textpage()
        try:
            return _chars(textpage, page.get_height()), page.get_height()
        finally:
            textpage.close()
    finally:
        document.close()


def _chars(textpage: pdfium.PdfTextPage, height: float) -> list[_Char]:
    count = pdfium_c.FPDFText_CountChars(textpage)
    box = [ctypes.c_double() for _ in range(4)]
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    chars = []
    for i in range(max(count, 0)):
        text = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
        pdfium_c.FPDFText_GetCharBox(textpage, i, *(ctypes.byref(v) for v in box))
        left, right, bottom, _top = (v.value for v in box)
        pdfium_c.FPDFText_GetFontInfo(textpage, i, name, len(name), ctypes.byref(flags))
        chars.append(
            _Char(
                text=text,
                x0=left,
                x1=right,
                bottom=height - bottom,
                size=pdfium_c.FPDFText_GetFontSize(textpage, i),
                font=name.value.decode("latin-1"),
                rotated=_is_rotated(textpage, i),
            )
        )
    return chars


def _is_rotated(textpage: pdfium.PdfTextPage, index: int) -> bool:
    # GetCharAngle folds slant into the angle (italics come out near 0.17 rad), so a non-zero angle
    # is checked against the char's matrix, whose atan2(b, a) ignores skew.
    angle = pdfium_c.FPDFText_GetCharAngle(textpage, index)
    if angle <= 0.0:
        return False
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFText_GetMatrix(textpage, index, ctypes.byref(matrix)):
        return False
    rotation = math.atan2(matrix.b, matrix.a) % (2 * math.pi)
    return min(rotation, 2 * math.pi - rotation) > _ROTATION_TOLERANCE


def _read_stamp(chars: list[_Char]) -> dict[str, object]:
    sideways = "".join(c.text for c in chars if c.rotated)
    match = _STAMP_RE.search(sideways) or _STAMP_RE.search("".join(c.text for c in chars))
    if match is None:
        return {}
    stamp: dict[str, object] = {
        "arxiv_id": match["id"],
        "version": int(match["version"]),
        "primary_category": match["category"] or "",
    }
    if match["year"] and match["month"] in _MONTHS:
        # A damaged date is left out; the id still stands.
        with contextlib.suppress(ValueError):
            stamp["stamp_date"] = dt.date(int(match["year"]), _MONTHS[match["month"]], int(match["day"]))
    return stamp


def _lines(chars: list[_Char]) -> list[_Line]:
    """PDFium's lines in content order. Its line ends are CR/LF chars; a hyphen at which it joined
    two printed lines comes as U+0002 (U+FFFE in its text ranges), and we split there again."""
    lines: list[_Line] = []
    current: list[_Char] = []
    for char in chars:
        if char.text in _LINE_ENDS:
            if char.text in _SOFT_HYPHENS and current:
                current.append(
                    _Char(_SOFT_HYPHEN, char.x0, char.x0, current[-1].bottom, current[-1].size, current[-1].font, False)
                )
            if current:
                lines.append(_Line(current))
            current = []
            continue
        if current and _starts_new_line(current, char):
            lines.append(_Line(current))
            current = []
        current.append(char)
    if current:
        lines.append(_Line(current))
    return lines


def _starts_new_line(current: list[_Char], char: _Char) -> bool:
    """PDFium sometimes runs two printed lines together with no line end between them: the next
    char then sits back at the left, a line lower."""
    ink = [c for c in current if not c.text.isspace()]
    if not ink or char.text.isspace():
        return False
    last = ink[-1]
    return char.x0 < last.x0 - 4 * char.size and char.bottom > last.bottom + 0.8 * char.size


def _raised(char: _Char, line: _Line) -> bool:
    """A superscript (affiliation or footnote mark): smaller than the line and above its baseline."""
    small = char.size < _SUPERSCRIPT_SHARE * line.size
    return small and not char.text.isspace() and char.bottom < line.baseline - 0.15 * line.size


def _clean(text: str) -> str:
    text = _ACCENT_RE.sub(lambda m: m[2].replace("ı", "i") + _SPACING_ACCENTS[m[1]], text.translate(_LIGATURES))
    return " ".join(unicodedata.normalize("NFC", text).split())


def _first_section(lines: list[_Line]) -> int:
    for index, line in enumerate(lines):
        if (_SECTION_RE.match(line.text) and len(line.text) < 60) or _RUN_IN_SECTION_RE.match(line.text):
            return index
    return len(lines)


def _abstract(lines: list[_Line], body_end: int, vocabulary: frozenset[str]) -> tuple[int, str]:
    """(index of the abstract's first line, its text); without one, (body_end, "")."""
    for index, line in enumerate(lines[:body_end]):
        match = _ABSTRACT_RE.match(line.text)
        if match:
            body = lines[index + 1 : body_end]
            return index, _paragraph_text(match["rest"], _same_size(body, body[:4]), vocabulary)
    if body_end == len(lines):
        return body_end, ""  # no heading on either side: nothing tells where an abstract would be
    start = _last_paragraph(lines, body_end)
    paragraph = lines[start:body_end]
    text = _paragraph_text("", paragraph, vocabulary)
    if len(paragraph) < 3 or len(text) < 250:
        return body_end, ""
    return start, text


def _same_size(lines: list[_Line], sample: list[_Line]) -> list[_Line]:
    """The lines set in the sample's size (footnotes, superscript rows and figure labels are not)."""
    if not sample:
        return []
    size = statistics.median(line.size for line in sample)
    return [line for line in lines if abs(line.size - size) <= 0.6]


def _last_paragraph(lines: list[_Line], end: int) -> int:
    """Where the block of prose ending just before ``end`` begins: going up while lines keep the
    block's size and leading and carry no e-mail or web address."""
    start = end
    while start > 0:
        line, below = lines[start - 1], lines[start] if start < end else None
        if "@" in line.text or "http" in line.text or _ABSTRACT_RE.match(line.text):
            break
        if below is not None and (
            abs(line.size - below.size) > 0.6 or below.baseline - line.baseline > 1.8 * below.size
        ):
            break
        start -= 1
    return start


def _paragraph_text(first: str, lines: list[_Line], vocabulary: frozenset[str] = frozenset()) -> str:
    text = first.strip()
    for piece in (line.text for line in lines):
        if text.endswith(_SOFT_HYPHEN):
            text = _join_hyphenated(text[:-1], piece, vocabulary)
        elif (text.endswith("-") and text[-2:-1].isalpha()) or _URL_CUT_RE.search(text):
            text += piece
        else:
            text = f"{text} {piece}".strip()
    return text.replace(_SOFT_HYPHEN, "-")


def _join_hyphenated(head: str, tail: str, vocabulary: frozenset[str]) -> str:
    """Join a word broken at a line-end hyphen. The hyphen stays when the page prints the word with
    it elsewhere ("hardware-friendly"), goes when the page prints it whole, and otherwise goes
    between two lower-case letters only (a syllable break: "ad-vanced")."""
    before = re.search(r"[\w-]*$", head)[0]  # type: ignore[index]
    after = re.match(r"[\w-]*", tail)[0]  # type: ignore[index]
    if f"{before}-{after}".lower() in vocabulary:
        keep = True
    elif f"{before}{after}".lower() in vocabulary:
        keep = False
    else:
        keep = not (before[-1:].islower() and after[:1].islower())
    return head + ("-" if keep else "") + tail


def _vocabulary(lines: list[_Line]) -> frozenset[str]:
    return frozenset(word.strip(".,;:()[]\"'").lower() for line in lines for word in line.text.split())


def _title(lines: list[_Line], height: float) -> tuple[int, str]:
    """(index just after the title, the title): the run of lines in the largest size found in the
    upper half of the page, ahead of the abstract."""
    upper = [i for i, line in enumerate(lines) if line.baseline < height / 2 and len(line.text) > 1]
    if not upper:
        return 0, ""
    largest = max(lines[i].size for i in upper)
    first = next(i for i in upper if lines[i].size >= largest - 0.3)
    end = first
    while end < len(lines) and lines[end].size >= largest - 0.3:
        end += 1
    kept = [
        _Line([c for c in line.chars if not _raised(c, line) and c.text not in _MARKERS]) for line in lines[first:end]
    ]
    return end, _paragraph_text("", kept)


def _authors(lines: list[_Line]) -> list[str]:
    """Names in the order printed, in the typeface most of them share."""
    found: list[tuple[str, str]] = []
    for line in lines:
        if "@" in line.text or "http" in line.text or "www." in line.text:
            continue
        for piece in _pieces(line):
            name = _clean("".join(c.text for c in piece)).strip(" ,;.")
            name = re.sub(r"^(?:and|&)\s+|\s+(?:and|&)$", "", name)
            if _looks_like_name(name):
                found.append((name, _typeface(piece)))
    if not found:
        return []
    typeface = Counter(face for _, face in found).most_common(1)[0][0]
    names: list[str] = []
    for name, face in found:
        if face == typeface and name not in names:
            names.append(name)
    return names


def _pieces(line: _Line) -> list[list[_Char]]:
    """The line cut at superscripts, footnote marks, digits, commas, semicolons, "and", "&" and
    gaps wider than a name gap."""
    size = line.size
    pieces: list[list[_Char]] = [[]]
    previous: _Char | None = None
    for char in line.chars:
        small = _raised(char, line)
        wide = previous is not None and char.x0 - previous.x1 > _NAME_GAP_EM * size
        if small or wide or char.text in _MARKERS or char.text in ",;&" or char.text.isdigit():
            pieces.append([])
        if not (small or char.text in _MARKERS or char.text in ",;&" or char.text.isdigit()):
            pieces[-1].append(char)
        if not char.text.isspace():
            previous = char
    cut: list[list[_Char]] = []
    for piece in pieces:
        cut.extend(_split_on_and(piece))
    return [piece for piece in cut if piece]


def _split_on_and(piece: list[_Char]) -> list[list[_Char]]:
    text = "".join(c.text for c in piece)
    parts, start = [], 0
    for match in re.finditer(r"(?:^|\s)and\s", text):
        parts.append(piece[start : match.start()])
        start = match.end()
    parts.append(piece[start:])
    return parts


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 5 or any(ch.isdigit() or ch in "@(){}[]:/" for ch in text):
        return False
    if {w.lower().strip(".,") for w in words} & _AFFILIATION_WORDS:
        return False
    for word in words:
        if word.lower() in _PARTICLES:
            continue
        if not word[0].isupper():
            return False
        if word.endswith(".") and len(word) > 2:
            return False  # a sentence's end ("Cache."), not an initial
        if len(word.rstrip(".")) > 1 and word.isupper():
            return False  # an acronym (IST, ETH, UC): part of an affiliation, not of a name
    return True


def _typeface(piece: list[_Char]) -> str:
    faces = Counter(f"{c.font}/{round(c.size)}" for c in piece if c.text.isalpha())
    return faces.most_common(1)[0][0] if faces else ""
