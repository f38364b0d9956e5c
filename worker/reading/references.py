"""Reference lists and in-text citations of a parsed paper (pure, no Django).

From the page texts of a parsed PDF (``worker.reading.parse``: lines joined by "\\n", hyphens kept at
line ends) this module finds the References section, splits it into entries (numbered "[12] ..." /
"12. ..." lists and author-year lists), reads each entry's authors, year, title and arXiv id, finds
every in-text citation ("[12]", "[3, 7–9]", "(Frantar et al., 2022; Xiao et al., 2023)",
"Frantar et al. (2022)"), resolves it to its entries, keeps its sentence and page, and guesses the
citation's role and polarity from rule cues.

Measured on the 17 PDFs of ``shared/corpus/pdfs`` (``manage.py measure_references``). Superscript
citations (physics journals: "as shown before.20") cannot be told from footnote marks or exponents
in extracted text, so such papers get their reference list but no contexts.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from rapidfuzz import fuzz

from worker.reading.arxiv_ids import find_arxiv_ids
from worker.reading.text import sentence_breaks

Style = Literal["numbered", "author-year"]
K = TypeVar("K")

# --- reference section -------------------------------------------------------------------------

_HEADING_RE = re.compile(
    r"^(?:(?:\d{1,2}|[IVX]{1,4}|[A-Z])\.?\s+)?(?:references?|bibliography|references and notes|literature cited|works cited)\s*[.:]?$",
    re.IGNORECASE,
)
# What follows a reference list: appendices, checklists, captions of appendix tables and figures.
_END_RE = re.compile(
    r"^(?:appendix|appendices|supplementary|supplemental|checklist|neurips paper checklist|acknowledge?ments?"
    r"|author contributions)\b"
    r"|^(?:Table|TABLE|Figure|FIGURE|Fig\.|Algorithm)\s*[A-Z]?\d+(?:\.\d+)?\s*[:.]",
    re.IGNORECASE,
)
# "A Appendix", "A. Deployment Frameworks", "B.2 Training details": a lettered appendix heading.
_LETTERED_HEADING_RE = re.compile(r"^[A-H](?:\.\d+)*\.?\s+[A-Z][A-Za-z][^,]*$")
_YEAR_RE = re.compile(r"(?<![\d.:/–\-])((?:19\d|20[0-3])\d)([a-z]?)(?![\d–\-])(?!\.\d)")
_DIGITS_ONLY_RE = re.compile(r"^[\divxlc]{1,4}$", re.IGNORECASE)

_UPPER = "[A-Z\u00c0-\u00de\u0141\u0130\u015a\u0179\u017b\u010c\u0160\u017d]"
_PARTICLE = (
    r"(?:(?:van|von|de|del|della|der|den|da|di|du|le|la|dos|das|ten|ter|Van|Von|De|Del|Der|Den|Da|Di|Du|Le|La)\s+)"
)
_NAME_WORD = r"[A-Z][A-Za-z\u00C0-\u024F'’´`¨˜ˇ\-]*[A-Za-z\u00C0-\u024F]"
_GIVEN_WORD = r"(?:[A-Z][a-z\u00C0-\u024F'’´`¨˜ˇ]+(?:-[A-Z]?[a-z\u00C0-\u024F]+)?|[A-Z]\.?(?:-[A-Z]\.?)?)"
# "Dettmers, T." / "Chen, L.-C.," / "van den Oord, A." / "El Maghraoui, K.": surname first, initials after.
_SURNAME_FIRST_RE = re.compile(
    rf"^{_PARTICLE}*{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}},\s+[A-Z][a-z]?\.(?:[\s-]?[A-Z]\.)*"
)
# "Tim Dettmers, ..." / "Jared D Kaplan and ..." / "Ming-Wei Chang.": given names first.
_GIVEN_FIRST_RE = re.compile(
    rf"^{_GIVEN_WORD}(?:\s+{_GIVEN_WORD}){{0,3}}\s+{_PARTICLE}*{_NAME_WORD}(?:,|\s+and\s|\s*&\s|\.\s|\s+et\s+al)"
)
# "Z. Chen, H. Zhang, ..." / "J. Ba and R. Caruana.": initials first.
_INITIALS_FIRST_RE = re.compile(rf"^(?:[A-Z]\.[\s-]?)+\s*{_PARTICLE}*{_NAME_WORD}(?:,|\s+and\s|\.\s)")
# "OpenAI. 2023. Gpt-4 technical report.": an organisation as author, then the year (ACL style).
_ORGANISATION_RE = re.compile(r"^[A-Z][\w\-&]+(?:\s+[A-Z][\w\-&]+){0,3}\.\s+(?:19|20)\d{2}[a-z]?\.")
# Words that open venue or publisher lines, never an author list.
_NOT_AUTHORS_RE = re.compile(
    r"^(?:in|proceedings|advances|association|curran|springer|ieee|acm|pmlr|openreview|url|journal|conference|international|transactions|workshop|arxiv|technical|mit|morgan|cambridge|oxford|available|accessed|online|annual|symposium|preprint|retrieved|volume|pages)$"
)
_NUMBERED_RE = re.compile(r"^\[(\d{1,3})\]\s*(.*)$")
_DOTTED_RE = re.compile(r"^(\d{1,3})\.\s+(?=[A-Z“\"])(.*)$")
# The longest real entry seen (PaLM's 67 authors in a two-column list) has 17 lines; the cap keeps
# an unmarked appendix out of the last entry.
_MAX_ENTRY_LINES = 24


@dataclass
class SourceLine:
    """A line of the paper's text and the 1-based page it is on."""

    page: int
    text: str


@dataclass
class ReferenceEntry:
    """One entry of a reference list.

    ``position`` counts from 1 in list order; ``number`` is the printed number of a numbered list
    (None in author-year lists); ``surnames`` are the authors' family names in order, as printed;
    ``year_suffix`` is the "a" of "2022a"; ``arxiv_id`` has no version, "" when none is printed.
    """

    position: int
    raw_text: str
    page: int
    number: int | None = None
    authors: list[str] = field(default_factory=list)
    surnames: list[str] = field(default_factory=list)
    et_al: bool = False
    year: int | None = None
    year_suffix: str = ""
    title: str = ""
    arxiv_id: str = ""

    @property
    def label(self) -> str:
        """As the text cites it: "12", or "Frantar et al., 2022" / "Dettmers and Zettlemoyer, 2022"."""
        if self.number is not None:
            return str(self.number)
        if not self.surnames:
            return self.raw_text[:60]
        if len(self.surnames) == 1 and not self.et_al:
            names = self.surnames[0]
        elif len(self.surnames) == 2 and not self.et_al:
            names = f"{self.surnames[0]} and {self.surnames[1]}"
        else:
            names = f"{self.surnames[0]} et al."
        year = f"{self.year}{self.year_suffix}" if self.year else "n.d."
        return f"{names}, {year}"[:120]


@dataclass
class ReferenceList:
    """A paper's reference list: its style, its entries, and the lines it spans (to leave out of the body)."""

    style: Style
    entries: list[ReferenceEntry]
    heading_page: int
    # (page, index of the line in that page's text) of every line that belongs to the list.
    line_keys: set[tuple[int, int]] = field(default_factory=set)


def _page_lines(pages: Sequence[str]) -> list[list[str]]:
    return [page.split("\n") for page in pages]


def running_lines(pages: Sequence[str]) -> set[str]:
    """Running headers and footers: first or last lines repeated (digits aside) on several pages."""
    edges: Counter[str] = Counter()
    for page in pages:
        lines = [line.strip() for line in page.split("\n") if line.strip()]
        edges.update({_edge_key(line) for line in (*lines[:2], *lines[-2:])})
    threshold = max(3, len(pages) // 3)
    return {key for key, n in edges.items() if n >= threshold and key}


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def _is_noise(line: str, running: set[str]) -> bool:
    stripped = line.strip()
    return not stripped or bool(_DIGITS_ONLY_RE.match(stripped)) or _edge_key(stripped) in running


def _is_end(line: str, previous: str) -> bool:
    stripped = line.strip()
    if _END_RE.match(stripped):
        return True
    # A lettered heading comes after a finished entry; "D. One weight bitwidth ..." after "and
    # Marculescu," is an initial carried to the next line.
    return (
        len(stripped) < 70
        and bool(_LETTERED_HEADING_RE.match(stripped))
        and "." not in stripped[3:]
        and not _YEAR_RE.search(stripped)
        and not _ends_open(previous)
    )


def _heading_positions(lines: list[list[str]]) -> list[tuple[int, int]]:
    return [
        (p, i)
        for p, page in enumerate(lines)
        for i, line in enumerate(page)
        if _HEADING_RE.match(line.strip()) and len(line.strip()) < 40
    ]


def _section_after(
    lines: list[list[str]], start: tuple[int, int], running: set[str]
) -> list[tuple[SourceLine, tuple[int, int]]]:
    """Lines after a heading up to the end of the list (an appendix heading, a caption, the end)."""
    out: list[tuple[SourceLine, tuple[int, int]]] = []
    previous = "."
    p0, i0 = start
    for p in range(p0, len(lines)):
        for i, line in enumerate(lines[p]):
            if p == p0 and i <= i0:
                continue
            if _is_noise(line, running):
                continue
            if _is_end(line, previous):
                return out
            out.append((SourceLine(p + 1, line.strip()), (p + 1, i)))
            previous = line
    return out


def _join(lines: Iterable[str]) -> str:
    """Join lines of one paragraph: undo end-of-line hyphenation, glue split URLs, else one space."""
    text = ""
    for line in lines:
        text = _append_line(text, line)
    return text


def _append_line(text: str, line: str) -> str:
    line = line.strip()
    if not text or text.endswith("\n"):
        return text + line
    # Look at the tail only: ``text`` grows to the whole body, and "$"-anchored searches scan it all.
    tail = text[-200:]
    if re.search(r"[a-z]-$", tail) and re.match(r"[a-z]", line):
        return text[:-1] + line
    if re.search(r"(?:https?:|www\.|/)\S*$", tail) and not re.search(r"[.,]$", tail) and re.match(r"[\w/.-]", line):
        return text + line
    return text + " " + line


def _ends_open(text: str) -> bool:
    """The line cannot end an entry: it stops in an author list or in the middle of a phrase."""
    stripped = text.rstrip()
    return bool(re.search(r"(?:[,:;&\-]|\band|\bof|\bthe|\bin|\bfor|\bet)$", stripped)) or not stripped


def _ends_closed(text: str) -> bool:
    return bool(re.search(r"(?:[.?!)”\]]|\d)$", text.rstrip()))


def _starts_author_list(line: str, previous: str) -> bool:
    """Does an author-year entry start on this line? (No numbering to go by: name shapes and punctuation.)"""
    stripped = line.strip()
    first_word = re.split(r"[\s,.]", stripped, maxsplit=1)[0].lower()
    if _NOT_AUTHORS_RE.match(first_word):
        return False
    # Lists that print back-references ("... scaling laws. 2022. 13,\n16") end an entry on "13,",
    # which looks open; a surname-first author list after it still starts a new entry.
    backrefs = bool(re.search(r"\.\s+\d{1,3}(?:,\s*\d{1,3})*,$", previous.strip()))
    if _ends_open(previous) and not backrefs:
        return False
    if _SURNAME_FIRST_RE.match(stripped):
        return True
    closed = _ends_closed(previous)
    return closed and bool(
        _GIVEN_FIRST_RE.match(stripped) or _INITIALS_FIRST_RE.match(stripped) or _ORGANISATION_RE.match(stripped)
    )


def _numbered_starts(
    section: list[SourceLine], patterns: Sequence[re.Pattern[str]] = (_NUMBERED_RE, _DOTTED_RE)
) -> list[tuple[int, int, re.Pattern[str]]]:
    """(line index, printed number, pattern) of numbered entry starts: an increasing sequence from 1."""
    for pattern in patterns:
        starts: list[tuple[int, int, re.Pattern[str]]] = []
        expected = 1
        for index, line in enumerate(section):
            match = pattern.match(line.text)
            if not match:
                continue
            number = int(match.group(1))
            # Tolerate a few entries lost to the text layer (an entry printed as an image, a merged line).
            if expected <= number <= expected + 3:
                starts.append((index, number, pattern))
                expected = number + 1
        if len(starts) >= 3:
            return starts
    return []


def _entries_from_section(
    section: list[SourceLine], patterns: Sequence[re.Pattern[str]] = (_NUMBERED_RE, _DOTTED_RE)
) -> tuple[Style, list[tuple[list[SourceLine], int | None]]]:
    numbered = _numbered_starts(section, patterns)
    groups: list[tuple[list[SourceLine], int | None]] = []
    if numbered:
        bounds = [index for index, _, _ in numbered] + [len(section)]
        for (start, number, pattern), end in zip(numbered, bounds[1:], strict=True):
            lines = section[start:end][:_MAX_ENTRY_LINES]
            first = pattern.match(lines[0].text)
            assert first is not None
            lines = [SourceLine(lines[0].page, first.group(2)), *lines[1:]]
            groups.append((lines, number))
        return "numbered", groups
    current: list[SourceLine] = []
    previous = "."
    for line in section:
        if current and _starts_author_list(line.text, previous):
            groups.append((current[:_MAX_ENTRY_LINES], None))
            current = []
        if current or _starts_author_list(line.text, "."):
            current.append(line)
        previous = line.text
    if current:
        groups.append((current[:_MAX_ENTRY_LINES], None))
    return "author-year", groups


def extract_references(pages: Sequence[str]) -> ReferenceList | None:
    """The paper's reference list, or None when no References section is found.

    ``pages`` are the page texts in order (page 1 first). When several headings read "References"
    (a supplement with its own list), the one whose list has most entries wins.
    """
    lines = _page_lines(pages)
    running = running_lines(pages)
    best: ReferenceList | None = None
    for heading in _heading_positions(lines):
        section = _section_after(lines, heading, running)
        style, groups = _entries_from_section([line for line, _ in section])
        if not groups:
            continue
        candidate = _reference_list(style, groups, section, heading)
        if best is None or len(candidate.entries) > len(best.entries):
            best = candidate
    return best or _headless_numbered_list(lines, running)


def _reference_list(
    style: Style,
    groups: list[tuple[list[SourceLine], int | None]],
    section: list[tuple[SourceLine, tuple[int, int]]],
    heading: tuple[int, int],
) -> ReferenceList:
    entries = [
        parse_entry(_join(line.text for line in group), position, group[0].page, number)
        for position, (group, number) in enumerate(groups, start=1)
    ]
    return ReferenceList(style, entries, heading[0] + 1, {key for _, key in section} | {(heading[0] + 1, heading[1])})


_BARE_NUMBERED_RE = re.compile(r"^(\d{1,3})\s+(?=[A-Z])(.*)$")
_MIN_HEADLESS_ENTRIES = 5


def _headless_numbered_list(lines: list[list[str]], running: set[str]) -> ReferenceList | None:
    """A list printed without a heading as "1 D. C. Johnston, Adv. Phys. 59, 803 (2010)." at the end of
    the paper (physics journals); only looked for when no heading is found. Most of its entries must
    show a year, so a numbered list of steps or table rows is not taken for references."""
    second_half = len(lines) // 2
    for p in range(second_half, len(lines)):
        for i, line in enumerate(lines[p]):
            if not re.match(r"^1\s+[A-Z]", line.strip()):
                continue
            section = _section_after(lines, (p, i - 1), running)
            style, groups = _entries_from_section([s for s, _ in section], (_BARE_NUMBERED_RE,))
            if style != "numbered" or len(groups) < _MIN_HEADLESS_ENTRIES:
                continue
            candidate = _reference_list(style, groups, section, (p, i))
            dated = sum(1 for e in candidate.entries if e.year)
            if dated >= 0.6 * len(candidate.entries):
                return candidate
    return None


# --- one entry -------------------------------------------------------------------------------

_QUOTED_TITLE_RE = re.compile(r"[“\"]([^”\"]{8,300})[”\"]")
_SURNAME_FIRST_AUTHOR_RE = re.compile(
    rf"(?:^|,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*)({_PARTICLE}*{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}),\s+{_UPPER}[a-z]?(?:\.|$)"
)
_INITIAL_END_RE = re.compile(
    rf"(?<![A-Za-z]){_UPPER}\.(?=\s+(?!and\b|&|[A-Z][a-z]?\.|[a-z]\.,|et\s+al\b|Jr\b|(?:van|von|de|del|der|den|da|di|du|le|la|las|los)\s)\S)"
)
_WORD_END_RE = re.compile(r"(?:[A-Za-z\u00C0-\u024F][a-z\u00C0-\u024F'’´)]|\bal)\.(?=\s|$)")
_LEADING_YEAR_RE = re.compile(r"^\(?((?:19\d|20[0-3])\d)([a-z]?)\)?[.,:]?\s+")
# A title ends at a period, or at "?"/"!" followed by what opens a venue ("Mpi or nccl? In Proceedings",
# "better than one? arXiv preprint"); "Up or down? Adaptive rounding for ..." goes on.
_VENUE_WORDS = (
    r"(?:In|arXiv|CoRR|Proceedings|Advances|Journal|Transactions|Technical|URL|IEEE|ACM|PMLR|(?:19|20)\d\d)\b"
)
_TITLE_END_RE = re.compile(
    rf"(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bVol)(?<!\bNo)(?<!\s[A-Z])(?:\.(?=\s|$)|[?!](?=\s+{_VENUE_WORDS}|$))"
)
_TRAILING_DATE_RE = re.compile(
    r",?\s*(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+)?(?:19|20)\d{2}[a-z]?$"
)
_QUOTE_CHARS = "“”\"'‘’"


def _valid_arxiv_id(arxiv_id: str) -> bool:
    """A new-style id that could exist: month 01-12, 4 digits after the dot until 1412, 5 from 1501."""
    yymm, number = arxiv_id.split(".")
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12 or year < 7:
        return False
    return len(number) == (5 if int(yymm) >= 1501 else 4)


def entry_arxiv_id(text: str) -> str:
    """The first plausible arXiv id printed in a reference entry, without version; "" when none."""
    for arxiv_id, _version in find_arxiv_ids(text):
        if _valid_arxiv_id(arxiv_id):
            return arxiv_id
    return ""


def _author_block_end(text: str, surname_first: bool) -> int:
    """Where the author list of an entry ends (the index of its closing period), -1 when unclear."""
    ends = [m.end() for m in _WORD_END_RE.finditer(text)]
    if surname_first:
        ends += [m.end() for m in _INITIAL_END_RE.finditer(text)]
    # "Names. 2022. Title" (ACL) and "Names (2022). Title": the year closes the author list.
    year = re.search(r"\.?\s+\(?(?:19\d|20[0-3])\d[a-z]?\)?[.,:]\s", text)
    if year:
        ends.append(year.start() + (1 if text[year.start()] == "." else 0))
    return min(ends) if ends else -1


def _surnames(block: str, surname_first: bool) -> tuple[list[str], list[str], bool]:
    et_al = bool(re.search(r"\bet\s*al\b|\bothers\b", block))
    block = re.sub(r",?\s*(?:et\s*al\.?|and\s+others)\s*$", "", block.strip().rstrip("."))
    if surname_first:
        surnames = [m.group(1).strip() for m in _SURNAME_FIRST_AUTHOR_RE.finditer(block)]
        return surnames, surnames, et_al
    names = [n.strip() for n in re.split(r",\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*", block) if n.strip()]
    names = [n for n in names if re.search(r"[a-z]", n) or len(n) > 3]
    surnames = []
    for name in names:
        words = name.split()
        tail = [words[-1]]
        # Keep particles with the family name ("Le Bras", "van den Oord") as texts cite it.
        for word in reversed(words[:-1]):
            if re.fullmatch(r"(?:van|von|de|del|der|den|da|di|du|le|la|Le|La|De|Van|Von|Der|Den)", word):
                tail.insert(0, word)
            else:
                break
        surnames.append(" ".join(tail))
    return names, surnames, et_al


def _title_from(rest: str) -> str:
    rest = rest.strip().lstrip(".,: ")
    match = _TITLE_END_RE.search(rest)
    # "Llm. int8 (): 8-bit matrix ...": a period after the first word, followed by lowercase, is part of a name.
    if (
        match
        and " " not in rest[: match.start()]
        and re.match(r"\.\s+(?!arXiv|in\b|preprint)[a-z]", rest[match.start() :])
    ):
        match = _TITLE_END_RE.search(rest, match.end())
    title = rest[: match.end() - (0 if match and rest[match.start()] in "?!" else 1)] if match else rest
    title = _TRAILING_DATE_RE.sub("", title.strip()).strip(" ,.;:" + _QUOTE_CHARS)
    return title[:500]


def parse_entry(text: str, position: int, page: int, number: int | None = None) -> ReferenceEntry:
    """Read authors, year, title and arXiv id from one reference entry's text (lines already joined)."""
    text = re.sub(r"\s+", " ", text).strip()
    entry = ReferenceEntry(position=position, raw_text=text, page=page, number=number, arxiv_id=entry_arxiv_id(text))
    # Years inside arXiv ids ("arXiv:2012.15701") or DOIs are not publication years.
    masked = re.sub(r"\d{4}\.\d{4,5}|10\.\d{4,}/\S+", lambda m: "#" * len(m.group()), text)
    surname_first = bool(_SURNAME_FIRST_RE.match(text))
    quoted = _QUOTED_TITLE_RE.search(text)
    if quoted:
        block, rest = text[: quoted.start()], text[quoted.end() :]
        entry.title = quoted.group(1).strip().rstrip(".,")
    else:
        end = _author_block_end(masked, surname_first)
        block, rest = (text[:end], text[end:]) if end > 0 else ("", text)
    entry.authors, entry.surnames, entry.et_al = _surnames(block, surname_first)
    leading = _LEADING_YEAR_RE.match(rest.lstrip(". "))
    if leading:
        entry.year, entry.year_suffix = int(leading.group(1)), leading.group(2)
        rest = rest.lstrip(". ")[leading.end() :]
    else:
        years = list(_YEAR_RE.finditer(masked))
        if years:
            entry.year, entry.year_suffix = int(years[-1].group(1)), years[-1].group(2)
    if not entry.title:
        entry.title = _title_from(rest)
    return entry


# --- in-text citations ----------------------------------------------------------------------

_NUMERIC_MARKER_RE = re.compile(
    r"\[(\s*\d{1,3}(?:\s*[–—\-]\s*\d{1,3})?(?:\s*[,;]\s*\d{1,3}(?:\s*[–—\-]\s*\d{1,3})?)*\s*)\]"
)
_CITED_NAME = rf"{_PARTICLE}*{_NAME_WORD}"
_YEARS = r"(?:19\d|20[0-3])\d[a-z]?(?:\s*,\s*(?:19\d|20[0-3])\d[a-z]?)*"
_AUTHORS_CITED = rf"(?P<first>{_CITED_NAME})(?:\s+(?P<etal>et\s*al\.?)|\s+(?:and|&)\s+(?P<second>{_CITED_NAME}))?"
# "Frantar et al. (2022)", "Dettmers and Zettlemoyer (2022a)", "Q8BERT Zafrir et al. (2019b)".
_NARRATIVE_RE = re.compile(rf"\b{_AUTHORS_CITED}\s*\(\s*(?P<years>{_YEARS})\s*\)")
# One item of a parenthetical citation: "e.g., Frantar et al., 2022" or "Zoph & Le 2016".
_ITEM_RE = re.compile(rf"\b{_AUTHORS_CITED},?\s+(?P<years>{_YEARS})\s*$")
_ITEM_NO_YEAR_RE = re.compile(rf"\b{_AUTHORS_CITED}\s*$")
_PAREN_RE = re.compile(r"\(([^()]{3,600})\)")
_NARRATIVE_NO_YEAR_RE = re.compile(rf"\b(?P<first>{_CITED_NAME})\s+(?P<etal>et\s*al\.)(?!\s*[,(]?\s*(?:19|20)\d\d)")


@dataclass
class CitationMarker:
    """An in-text citation: its text as printed, where it sits in the body, the entries it names."""

    text: str
    start: int
    end: int
    positions: list[int]


@dataclass
class CitationContext:
    """A resolved in-text citation with its sentence and 1-based page."""

    marker: str
    page: int
    sentence: str
    positions: list[int]


def _name_key(name: str) -> str:
    """The comparable form of a family name: its last word, accents and punctuation dropped."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z\s]", "", ascii_name).lower().split()
    return words[-1] if words else ""


class _AuthorYearIndex:
    """Entries by (first author, year) for resolving author-year citations."""

    def __init__(self, entries: Sequence[ReferenceEntry]) -> None:
        self.by_name: dict[str, list[ReferenceEntry]] = defaultdict(list)
        for entry in entries:
            if entry.surnames:
                self.by_name[_name_key(entry.surnames[0])].append(entry)

    def resolve(self, first: str, second: str | None, et_al: bool, year_text: str | None) -> list[int]:
        candidates = self.by_name.get(_name_key(first), [])
        if year_text is None:
            # A citation without a year names an entry printed without one.
            candidates = [e for e in candidates if e.year is None]
        else:
            year, suffix = int(year_text[:4]), year_text[4:]
            same_year = [e for e in candidates if e.year == year]
            exact = [e for e in same_year if e.year_suffix == suffix]
            candidates = exact or (same_year if not suffix or len(same_year) == 1 else [])
        if len(candidates) > 1 and second:
            candidates = [
                e for e in candidates if len(e.surnames) > 1 and _name_key(e.surnames[1]) == _name_key(second)
            ]
        if len(candidates) > 1:
            shaped = [e for e in candidates if (len(e.surnames) > 2 or e.et_al) == et_al]
            candidates = shaped or candidates
        # Still ambiguous ("Zhang et al., 2020" for two different Zhangs): resolve to none rather than guess.
        return [candidates[0].position] if len(candidates) == 1 else []


def _expand_numbers(inner: str) -> list[int] | None:
    numbers: list[int] = []
    for part in re.split(r"[,;]", inner):
        bounds = [int(n) for n in re.findall(r"\d+", part)]
        if len(bounds) == 2:
            low, high = bounds
            if not 0 < high - low <= 50:
                return None
            numbers.extend(range(low, high + 1))
        elif len(bounds) == 1:
            numbers.append(bounds[0])
    return numbers


def find_markers(body: str, references: ReferenceList) -> list[CitationMarker]:
    """Every in-text citation in ``body`` resolved to reference positions; unresolvable ones are left out."""
    markers: list[CitationMarker] = []
    if references.style == "numbered":
        by_number = {e.number: e.position for e in references.entries if e.number is not None}
        for match in _NUMERIC_MARKER_RE.finditer(body):
            numbers = _expand_numbers(match.group(1))
            # "[0, 1]" or "[2, 4096]" is an interval, not a citation: every number must be an entry.
            if not numbers or any(n not in by_number for n in numbers):
                continue
            markers.append(CitationMarker(match.group(0), match.start(), match.end(), [by_number[n] for n in numbers]))
        return markers
    index = _AuthorYearIndex(references.entries)
    taken: list[tuple[int, int]] = []
    for paren in _PAREN_RE.finditer(body):
        positions: list[int] = []
        for item in paren.group(1).split(";"):
            match = _ITEM_RE.search(item.strip()) or _ITEM_NO_YEAR_RE.search(item.strip())
            if not match:
                continue
            years = re.findall(r"\d{4}[a-z]?", match.groupdict().get("years") or "") or [None]
            for year in years:
                positions += index.resolve(match["first"], match["second"], bool(match["etal"]), year)
        if positions:
            markers.append(CitationMarker(paren.group(0), paren.start(), paren.end(), _unique(positions)))
            taken.append((paren.start(), paren.end()))
    for match in _NARRATIVE_RE.finditer(body):
        if any(start <= match.start() < end for start, end in taken):
            continue
        positions = []
        for year in re.findall(r"\d{4}[a-z]?", match["years"]):
            positions += index.resolve(match["first"], match["second"], bool(match["etal"]), year)
        if positions:
            markers.append(CitationMarker(match.group(0), match.start(), match.end(), _unique(positions)))
            taken.append((match.start(), match.end()))
    for match in _NARRATIVE_NO_YEAR_RE.finditer(body):
        if any(start <= match.start() < end for start, end in taken):
            continue
        positions = index.resolve(match["first"], None, True, None)
        if positions:
            markers.append(CitationMarker(match.group(0), match.start(), match.end(), positions))
    markers.sort(key=lambda m: m.start)
    return markers


def _unique(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


# --- body text and sentences -----------------------------------------------------------------

_SECTION_HEADING_RE = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[A-H](?:\.\d+)*\.?)\s+[A-Z][^.]{0,70}$")
_CAPTION_RE = re.compile(r"^(?:Table|TABLE|Figure|FIGURE|Fig\.|FIG\.|Algorithm)\s*[A-Z]?\d+")


@dataclass
class Body:
    """The paper's running text as one string (line breaks undone) and where each page starts in it."""

    text: str
    page_starts: list[tuple[int, int]]

    def page_at(self, offset: int) -> int:
        page = self.page_starts[0][1] if self.page_starts else 1
        for start, number in self.page_starts:
            if start > offset:
                break
            page = number
        return page


def body_text(pages: Sequence[str], references: ReferenceList | None) -> Body:
    """The text outside the reference list as one string.

    Lines are joined the way a reader joins them: a hyphen at a line end followed by a lowercase
    word is dropped, other line breaks (page ends too) become spaces. Headings, captions and lines
    of numbers (table rows read as text) stand between "\\n"s, which end sentences, so a quote never
    runs from a heading or a table into the next paragraph. Running headers and page numbers are left out.
    """
    skip = references.line_keys if references else set()
    running = running_lines(pages)
    text = ""
    page_starts: list[tuple[int, int]] = []
    for number, page in enumerate(pages, start=1):
        # A page end does not end a paragraph: the sentence goes on on the next page.
        page_starts.append((len(text), number))
        for index, line in enumerate(page.split("\n")):
            if (number, index) in skip or _is_noise(line, running):
                continue
            stripped = line.strip()
            if (
                _CAPTION_RE.match(stripped)
                or (_SECTION_HEADING_RE.match(stripped) and not stripped.endswith(","))
                or _is_table_row(stripped)
            ):
                text = text.rstrip(" ") + ("\n" if text and not text.endswith("\n") else "") + stripped + "\n"
            else:
                text = _append_line(text, stripped)
    return Body(text, page_starts)


def _is_table_row(line: str) -> bool:
    """A line of numbers (a table row or axis ticks read as text): it belongs to no sentence."""
    tokens = line.split()
    numeric = sum(1 for t in tokens if re.fullmatch(r"[-+±−–]?[\d.,%×x]*\d[\d.,%×x\-–]*|[-–—]", t))
    return bool(tokens) and (numeric == len(tokens) or (len(tokens) >= 3 and numeric >= 0.4 * len(tokens)))


def sentence_bounds(text: str, offset: int, breaks: list[tuple[int, int]] | None = None) -> tuple[int, int]:
    """Start and end of the sentence of ``text`` that contains ``offset`` (pass ``breaks`` from
    :func:`sentence_breaks` when asking about many offsets of one text)."""
    breaks = sentence_breaks(text) if breaks is None else breaks
    # The first break whose next sentence starts after the offset closes the offset's sentence.
    after = bisect.bisect_right([next_start for _, next_start in breaks], offset)
    start = breaks[after - 1][1] if after > 0 else 0
    end = breaks[after][0] if after < len(breaks) else len(text)
    return start, end


MAX_QUOTE = 400  # characters; a longer "sentence" is layout debris (a table read as text) around the marker


def citation_contexts(pages: Sequence[str], references: ReferenceList) -> list[CitationContext]:
    """Every resolved in-text citation of the paper with its sentence and page, in reading order."""
    body = body_text(pages, references)
    breaks = sentence_breaks(body.text)
    contexts = []
    for marker in find_markers(body.text, references):
        start, end = sentence_bounds(body.text, marker.start, breaks)
        if end - start > MAX_QUOTE:
            start = max(start, marker.start - MAX_QUOTE // 2)
            end = min(end, marker.end + MAX_QUOTE // 2)
            start = body.text.find(" ", start) + 1 if start > 0 else start
            end = max(body.text.rfind(" ", start, end), marker.end)
        sentence = body.text[start:end].strip()
        contexts.append(CitationContext(marker.text, body.page_at(marker.start), sentence, marker.positions))
    return contexts


# --- role and polarity -------------------------------------------------------------------------

Role = Literal["background", "uses", "compares"]
Polarity = Literal["supporting", "contrasting", "neutral"]


@dataclass
class Classification:
    """A citation's role and polarity, how sure the rules are (0-1), and the cues that fired."""

    role: Role
    polarity: Polarity
    confidence: float
    cues: list[str] = field(default_factory=list)


def _cues(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{words})", re.IGNORECASE)


# The citing paper sets itself against the cited work. Counted only when the sentence speaks in the
# first person: "X does not outperform GPTQ" describes two other papers, it is background.
_COMPARES = _cues(
    r"compar(?:e|ed|es|ing|ison|isons)\b|outperform\w*|surpass\w*|beat(?:s|ing)?\b|superior|inferior|"
    r"(?:better|worse|higher|lower|faster|slower|smaller|larger|less|more) (?:\w+ ){0,3}than\b|vs\.?(?=\s)|versus|"
    r"baselines?\b|against (?:the |these |those |other |prior |previous |existing )?(?:baselines?|methods?|approaches|works?)|"
    r"on par with|competitive with|improv\w+ (?:up)?on|relative to|in contrast to|unlike\b|differ\w* from|different from|"
    r"related to|similar (?:results|findings|observations|conclusions|trends?)|consistent with|in line with|"
    r"agree\w* with|while we\b|whereas we\b|instead of"
)
# The citing paper beats the cited work: a comparison that shows it losing.
_WINS = _cues(
    r"outperform\w*|surpass\w*|beat(?:s|ing)?\b|superior|(?:better|higher|lower|faster|smaller|less) (?:\w+ ){0,3}"
    r"(?:than|as compared|compared)|improv\w+ (?:up)?on|speed-?ups? over|\d+(?:\.\d+)?\s?[×x] (?:faster|speed-?up)"
)
# The citing paper acts with the cited work (counted with a first-person sentence, or "following").
_USES = _cues(
    r"we (?:\w+ ){0,3}?(?:use|used|adopt\w*|follow\w*|employ\w*|appl(?:y|ied)|utili[sz]e\w*|leverag\w+|build|built|"
    r"borrow\w*|implement\w*|rely|take|took|extend\w*|choose|chose|incorporat\w+|integrat\w+|combin\w+|run|ran|"
    r"evaluat\w+|test\w*|benchmark\w*|train\w*|fine-?tun\w+|consider\w*|re-?estimat\w+|obtain\w*|explain\w*)\b|"
    r"following\b|as in\b|as described in|as suggested (?:in|by)|as proposed (?:in|by)|the notation of|"
    r"adapt\w* the (?:procedure|method|approach|setup|setting|code|implementation)|(?:based|built|implemented) (?:up)?on\b|"
    r"with the help of|obtained from|taken from|provided by|released by|inspired by|our implementation"
)
# The sentence finds fault with the cited work. Discourse words ("however", "although") are left out:
# they contrast with the previous sentence, and the cited work is as often the praised side.
_CONTRASTING = _cues(
    r"fail\w*|suffer\w*|limitations?\b|limited to|drawbacks?|struggl\w+|poor(?:ly)?\b|expensive|costly|"
    r"inefficien\w+|impractical|ignor(?:e|es|ed|ing)\b|overlook\w*|neglect\w*|lacks\b|insufficient|sub-?optimal|"
    r"(?:significant|severe|large|substantial|notable|non-negligible) (?:\w+ ){0,2}(?:drops?|loss|degradation|overhead|errors?)|"
    r"only (?:works|applies|apply|support\w*|focus\w*|consider\w*)|restrict\w*|prohibitive\w*|problematic|unsuitable|"
    r"inaccura\w+|unstable|difficult to|(?:is|are|was|were|does|do|did|can|could|may|might|would) not\b|cannot|can[’']t|"
    r"didn[’']t|doesn[’']t|don[’']t|unable|not (?:suitable|applicable|practical|scal\w+|selective)"
)
# "does not require fine-tuning", "without degrading accuracy": a negated drawback is praise.
_NEGATED_DRAWBACK = _cues(
    r"(?:(?:does|do|did|is|are|was|were|can|could|may|might|would) not|cannot|doesn[’']t|don[’']t|didn[’']t|without|no|never|"
    r"minimal|negligible|little) (?:\w+ ){0,2}?(?:requir\w*|need\w*|rely|degrad\w*|hurt\w*|sacrific\w*|los[es]\w*|"
    r"incur\w*|suffer\w*|affect\w*|drops?|overhead|retrain\w*|fine-?tun\w*|change)"
)
_SUPPORTING = _cues(
    r"consistent with|in line with|agree\w*|confirm\w*|corroborat\w+|similar (?:results|findings|observations|conclusions|trends?)|"
    r"as (?:shown|observed|demonstrated|noted|found|reported|pointed out) (?:in|by)|"
    r"(?:has|have|had) (?:already )?(?:been )?(?:shown|demonstrated|proven|proved|noted)|proved|success\w*|effective\w*|"
    r"efficacy|excellent|remarkabl\w*|impressiv\w*|promising|state-of-the-art (?:results|performance|accuracy)|"
    r"achiev\w+ (?:\w+ ){0,3}(?:state-of-the-art|high|good|strong|excellent|superior|significant)|popular|"
    r"widely (?:used|adopted)|well[- ]known|important|feasible|improv\w+ (?:the )?(?:results|accuracy|performance)|"
    r"pioneer\w*|seminal|strong|powerful"
)
_FIRST_PERSON = _cues(r"we\b|our\b|ours\b|us\b|this (?:work|paper)|the proposed")
_CLAUSE_SPLIT_RE = re.compile(r";|,?\s+(?=\b(?:but|whereas|while|however|although|though|which)\b)|\.\s", re.IGNORECASE)


def _clause(sentence: str, marker: str) -> str:
    at = sentence.find(marker)
    if at < 0:
        return sentence
    start = 0
    for match in _CLAUSE_SPLIT_RE.finditer(sentence):
        if match.end() <= at:
            start = match.end()
        elif match.start() >= at + len(marker):
            return sentence[start : match.start()]
    return sentence[start:]


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(0).lower() for m in pattern.finditer(text)]


def _polarity_cues(text: str) -> tuple[list[str], list[str]]:
    """(contrasting, supporting) cues of a text; a negated drawback counts as support."""
    negated = _found(_NEGATED_DRAWBACK, text)
    masked = _NEGATED_DRAWBACK.sub(" ", text)
    return _found(_CONTRASTING, masked), _found(_SUPPORTING, masked) + negated


def classify_citation(sentence: str, marker: str) -> Classification:
    """Role (background / uses / compares) and polarity (supporting / contrasting / neutral) of one
    citation, from cue phrases in its clause first, then in its whole sentence.

    Comparisons outrank uses, which outrank background, and both need the citing paper to speak
    ("we", "our"). A comparison the citing paper wins ("we outperform [7]") is contrasting.
    Confidence is 0.4 for a default guess, 0.6 when cues fired in the sentence only, 0.75 when
    they fired in the marker's own clause.
    """
    text = sentence.replace(marker, " ")
    clause = _clause(sentence, marker).replace(marker, " ")
    first_person = bool(_FIRST_PERSON.search(text))
    cues: list[str] = []
    role: Role = "background"
    role_conf = 0.4
    compares_clause, compares = _found(_COMPARES, clause), _found(_COMPARES, text)
    uses_clause, uses = _found(_USES, clause), _found(_USES, text)
    if first_person and (compares_clause or compares):
        role, role_conf = "compares", 0.75 if compares_clause else 0.6
        cues += [f"compares:{c}" for c in (compares_clause or compares)]
    elif (first_person or "following" in uses) and (uses_clause or uses):
        role, role_conf = "uses", 0.75 if uses_clause else 0.6
        cues += [f"uses:{c}" for c in (uses_clause or uses)]
    contra_clause, support_clause = _polarity_cues(clause)
    contra, support = _polarity_cues(text)
    polarity: Polarity = "neutral"
    pol_conf = 0.4
    wins = _found(_WINS, text)
    if role == "compares" and wins:
        polarity, pol_conf = "contrasting", 0.75
        cues += [f"contrasting:{c}" for c in wins]
    elif contra_clause or support_clause:
        polarity = "contrasting" if contra_clause else "supporting"
        pol_conf = 0.75
        cues += [f"{polarity}:{c}" for c in (contra_clause or support_clause)]
    elif contra or support:
        polarity = "contrasting" if contra else "supporting"
        pol_conf = 0.6
        cues += [f"{polarity}:{c}" for c in (contra or support)]
    return Classification(role, polarity, round(min(role_conf, pol_conf) if cues else 0.4, 2), cues)


# --- title matching helpers (pure; the Django side holds the known titles) ---------------------

_STOPWORD_RE = re.compile(
    r"(?:a|an|the|of|for|and|in|on|to|with|via|by|from|at|is|are|as|its|towards|toward|into|using|under|over|through|we|our|your|be|can|do|does|how|what|when|why|not)"
)


def normalize_title(title: str) -> str:
    """Lowercase ASCII words of a title: hyphens inside words removed ("pre-trained" = "pretrained"
    across a line break), other punctuation a space."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"(?<=\w)[-‐‑'’](?=\w)", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def significant_words(normalized: str) -> list[str]:
    """The words of a normalised title that say something (no stopwords, at least 3 characters)."""
    return [w for w in normalized.split() if len(w) >= 3 and not _STOPWORD_RE.fullmatch(w)]


def same_numbers(a: str, b: str) -> bool:
    """Do two normalised titles carry the same numbered words? "int4" vs "int8", "llama 2" vs "llama 3"
    differ by one character and name different papers, so fuzzy scores alone cannot tell them apart."""
    return {w for w in a.split() if any(c.isdigit() for c in w)} == {
        w for w in b.split() if any(c.isdigit() for c in w)
    }


# Chosen on the corpus (``manage.py measure_references``): every best match scoring 88 or more
# against papers.csv was the same paper, or its renamed conference version (OPTQ for GPTQ at 89.5, the
# on-device AWQ title at 94.4); below that the best candidates were different papers that share a
# phrase ("LoRA" vs "QA-LoRA" at 82.8, "Scaling laws for neural language models" vs "... for mixed
# quantization in large language models" at 74.7).
TITLE_MATCH_THRESHOLD = 88.0
# An arXiv id printed in an entry is trusted unless the paper it names has a clearly different title:
# a reference list can print the wrong id (seen: a quantization white paper with the id of a 2013 paper).
ID_TITLE_CONFLICT = 50.0
_MIN_WORDS = 3  # shorter titles ("Quantization", "Opt") only match exactly


class TitleMatcher(Generic[K]):
    """Fuzzy title lookup over known papers, keyed by whatever the caller uses (an arXiv id, a pk).

    Candidates must share a significant word with the query (an inverted index, so a lookup
    scores tens of titles, not all of them); the best candidate by rapidfuzz ``ratio`` on
    normalised titles wins when it reaches ``threshold`` and carries the same numbered words.
    """

    def __init__(self, titles: Iterable[tuple[K, str]], threshold: float = TITLE_MATCH_THRESHOLD) -> None:
        self.threshold = threshold
        self.titles: dict[K, str] = {}
        self.index: dict[str, list[K]] = defaultdict(list)
        for key, title in titles:
            normalized = normalize_title(title)
            if not normalized:
                continue
            self.titles[key] = normalized
            for word in set(significant_words(normalized)):
                self.index[word].append(key)

    def candidates(self, normalized: str) -> set[K]:
        found: set[K] = set()
        for word in set(significant_words(normalized)):
            # A word shared by a large share of the titles ("quantization") narrows nothing down.
            keys = self.index.get(word, [])
            if len(keys) <= max(50, len(self.titles) // 5):
                found.update(keys)
        return found

    def match(self, title: str) -> tuple[K, float] | None:
        """The known paper with this title and the score (0-100), or None."""
        normalized = normalize_title(title)
        if not normalized:
            return None
        short = len(normalized.split()) < _MIN_WORDS
        best: tuple[K, float] | None = None
        for key in self.candidates(normalized):
            known = self.titles[key]
            score = 100.0 if known == normalized else fuzz.ratio(normalized, known)
            if short and score < 100.0:
                continue
            if score >= self.threshold and same_numbers(normalized, known) and (best is None or score > best[1]):
                best = (key, score)
        return best


def id_title_conflict(entry: ReferenceEntry, known_title: str) -> bool:
    """Does the entry's printed arXiv id name a paper whose title is clearly not the entry's?"""
    known = normalize_title(known_title)
    if not known:
        return False
    if fuzz.ratio(normalize_title(entry.title), known) >= ID_TITLE_CONFLICT:
        return False
    # The title may be misparsed while the entry still prints the right one.
    return fuzz.partial_ratio(known, normalize_title(entry.raw_text)) < 70


@dataclass
class EntryMatch(Generic[K]):
    """A reference entry matched to a known paper: by its printed arXiv id or by its title (score 0-100)."""

    key: K
    how: Literal["arxiv", "title"]
    score: float


def match_entry(
    entry: ReferenceEntry, by_arxiv_id: Mapping[str, tuple[K, str]], matcher: TitleMatcher[K]
) -> EntryMatch[K] | None:
    """The known paper an entry names, or None.

    ``by_arxiv_id`` maps arXiv ids to (key, title); give "" as the title of a paper whose title is
    not trusted (a stub), so its id is taken as printed. An id whose paper has a clearly different
    title is ignored and the entry's title decides.
    """
    if entry.arxiv_id and entry.arxiv_id in by_arxiv_id:
        key, title = by_arxiv_id[entry.arxiv_id]
        if not id_title_conflict(entry, title):
            return EntryMatch(key, "arxiv", 100.0)
    hit = matcher.match(entry.title)
    return EntryMatch(hit[0], "title", round(hit[1], 1)) if hit else None


@dataclass
class Scores:
    """Accuracy and macro-F1 of predicted labels against gold ones; F1 per label."""

    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]


def score_labels(pairs: Sequence[tuple[str, str]]) -> Scores:
    """Scores of (gold, predicted) pairs. Macro-F1 averages over the labels that occur in either
    column (as scikit-learn does), so a label absent from a small sample does not count as 0."""
    labels = sorted({label for pair in pairs for label in pair})
    f1 = {}
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        f1[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    accuracy = sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
    return Scores(len(pairs), accuracy, sum(f1.values()) / len(f1) if f1 else 0.0, f1)
