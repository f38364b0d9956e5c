"""Turn PDF bytes (or a path) into page text, captions and tables.

Pure module: no Django imports, so it runs in Celery workers, scripts and tests alike.

Design (measured on the 17 real papers in ``shared/corpus/pdfs``, see ``worker.ops.bench_parse``):

* Page text comes from PDFium (``pypdfium2``), not from pdfplumber. pdfplumber's default
  ``extract_text`` glues LaTeX words together ("Publishedasaconferencepaper") because its 3 pt
  x-tolerance is as wide as a LaTeX inter-word space at 8-9 pt; PDFium places word breaks from
  the font metrics and is ~35x faster. PDFium also returns text in content-stream order, which
  for LaTeX is column by column, so two-column papers read like a person reads them.
* Characters whose rotation differs from the page's dominant rotation are dropped, which removes
  the sideways arXiv stamp (pdfplumber's ``upright=False`` chars) and rotated axis labels.
* Tables need geometry (ruling lines, word positions), so only pages whose text has a
  "Table N" caption are handed to pdfplumber (about a quarter of the pages of a paper). LaTeX
  (booktabs) tables usually carry only horizontal rules: the rules are grouped per table, each
  "Table N" caption takes the nearest group (captions above or below, whichever convention the
  page follows; side-by-side tables get their own groups), and that region is read with
  ``find_tables`` "lines" strategy when it is a ruled grid, otherwise as a grid derived from
  where the words sit, with pdfplumber's "text" strategy as the last resort. A table with no
  rule group (ruled by a single line, or none) is not reported; the extraction stage has its
  own text-aligned-rows fallback for those.
* Every document is parsed in a forked child process (on POSIX, ``worker.reading.isolation``).
  The parent waits at most ``timeout_seconds`` and then kills the child, and the child may grow
  by at most ``memory_limit_mb``, so a pathological page that spins inside C code (PDFium) or
  deep inside pdfminer cannot hang a worker, a stream that inflates to gigabytes cannot exhaust
  its memory, and a crash (segfault) in C code becomes a :class:`PdfParseError` instead of a
  dead worker. Page 1 alone (``read_first_page``: its text and front matter, what identifies a
  local file) is read in the same kind of child. Set the environment variable
  ``PDF_PARSE_ISOLATION=none`` to parse in-process (then the time limit is only checked between
  pages and between table pages).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import io
import itertools
import logging
import math
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from worker.reading.document import ParsedDocument, ParsedPage, ParsedTable
from worker.reading.front_matter import FrontMatter, read_front_matter
from worker.reading.isolation import DEFAULT_MEMORY_LIMIT_MB, Limits, isolation_enabled, run_isolated
from worker.reading.tables import Grid, HRule, VRule, Word, build_grid, is_bold_font

logger = logging.getLogger(__name__)

# Bump the trailing number whenever the output for the same bytes changes (text cleaning,
# caption rules, table settings); the library versions change it by themselves.
PARSER_VERSION = f"pdfplumber-{pdfplumber.__version__}+pypdfium2-{pdfium.PYPDFIUM_INFO}/2"

# A caption line: "Table 3: ...", "Figure 2. ...", "Fig. 4: ...", "FIG. 1. ..." (physics
# journals), "Table A1: ..." (appendices).
CAPTION_RE = re.compile(
    r"^(?P<kind>Table|TABLE|Figure|FIGURE|Fig\.|FIG\.)\s*(?P<num>[A-Z]?\d+|[IVX]{1,5}(?=\s*[:.]))\s*[:.]"
)

_LIGATURES = str.maketrans(
    {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
)
# C0 controls except \n and \t, the PDFium "no unicode" placeholder and lone surrogates: they
# break JSON/Postgres text columns downstream and never carry meaning in papers.
_JUNK_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufeff\uffff]")
_SPACES_RE = re.compile(r"[ \t\u00a0]{2,}")
_ANGLE_TOLERANCE = 0.1  # radians (~6 degrees)
_MAX_CAPTION_TO_TABLE = 72.0  # points; a caption further than an inch from the rules is not theirs


class PdfParseError(Exception):
    """A PDF that cannot be parsed.

    ``str(exc)`` is a short, readable reason for operators, for example ``"encrypted: needs a
    password"``, ``"not a PDF: starts with '<html'"``, ``"truncated or corrupt: ..."``,
    ``"empty file"``, ``"too many pages: 812 > 300"`` or ``"timed out after 120 s"``.
    """


def parse_pdf(
    data: bytes | str | os.PathLike[str],
    *,
    max_pages: int = 300,
    timeout_seconds: float = 120.0,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
) -> ParsedDocument:
    """Parse a PDF given as bytes (or as a filesystem path) into a :class:`ParsedDocument`.

    Contract: returns a ParsedDocument or raises :class:`PdfParseError` with a readable reason;
    never any other exception for bad input, and never runs longer than ``timeout_seconds``
    (plus process start-up slack) nor grows by more than ``memory_limit_mb`` when isolation is on
    (the default on POSIX). Documents with more than ``max_pages`` pages are refused before any
    page is read.
    """
    started = time.monotonic()
    if not isinstance(data, bytes | bytearray | memoryview):
        try:
            data = Path(data).read_bytes()
        except OSError as exc:
            raise PdfParseError(f"cannot read file: {exc.strerror or exc}") from exc
    data = bytes(data)
    _check_header(data)
    sha256 = hashlib.sha256(data).hexdigest()
    deadline = started + timeout_seconds

    def work() -> tuple[int, list[ParsedPage], list[str]]:
        return _parse_guarded(data, max_pages, deadline, timeout_seconds)

    if isolation_enabled():
        limits = Limits(timeout_seconds, memory_limit_mb)
        page_count, pages, warnings = run_isolated(work, deadline=deadline, limits=limits, error=PdfParseError)
    else:
        page_count, pages, warnings = work()
    for warning in warnings:
        logger.warning("pdf %s: %s", sha256[:16], warning)
    return ParsedDocument(
        sha256=sha256,
        page_count=page_count,
        pages=pages,
        seconds=time.monotonic() - started,
        parser_version=PARSER_VERSION,
    )


@dataclass(frozen=True)
class FirstPage:
    """Page 1 of a PDF: its plain text (PDFium's, stamp included) and its front matter."""

    text: str
    front: FrontMatter


def read_first_page(
    data: bytes, *, timeout_seconds: float = 30.0, memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB
) -> FirstPage:
    """Page 1's text and front matter, read under the same limits as ``parse_pdf``.

    Contract: returns a FirstPage or raises :class:`PdfParseError` with a readable reason (not a
    PDF, encrypted, corrupt, timed out, too large); a PDF without pages gives an empty FirstPage.
    """
    _check_header(data)
    deadline = time.monotonic() + timeout_seconds

    def work() -> FirstPage:
        try:
            return FirstPage(text=_first_page_text(data), front=read_front_matter(data))
        except PdfParseError:
            raise
        except pdfium.PdfiumError as exc:
            raise PdfParseError(_pdfium_reason(exc)) from exc
        except MemoryError:
            raise
        except Exception as exc:
            raise PdfParseError(f"truncated or corrupt: {type(exc).__name__}: {exc}"[:300]) from exc

    if not isolation_enabled():
        return work()
    limits = Limits(timeout_seconds, memory_limit_mb)
    return run_isolated(work, deadline=deadline, limits=limits, error=PdfParseError)


def _first_page_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        if not len(document):
            return ""
        page = document[0]
        try:
            return _clean_text(page.get_textpage().get_text_range())
        finally:
            page.close()
    finally:
        document.close()


# --------------------------------------------------------------------------------------------
# Cheap checks before any parser sees the bytes: the most common bad downloads (an HTML error
# page, an empty or cut-off response) get a precise reason instead of a parser's guess.


def _check_header(data: bytes) -> None:
    if not data:
        raise PdfParseError("empty file")
    # The spec allows junk before the header as long as it is within the first 1024 bytes.
    if b"%PDF-" not in data[:1024]:
        head = data[:16].lstrip().decode("latin-1")
        head = "".join(ch if ch.isprintable() else "?" for ch in head)[:12]
        raise PdfParseError(f"not a PDF: starts with {head!r}")
    # PDFium "repairs" a cut-off file by scanning for objects and may then return the first
    # pages only; a truncated download must fail loudly rather than lose pages silently.
    if b"%%EOF" not in data[-4096:]:
        raise PdfParseError(
            f"truncated or corrupt: no %%EOF marker at the end of the file ({len(data)} bytes; download cut short?)"
        )


def _parse_guarded(
    data: bytes, max_pages: int, deadline: float, timeout_seconds: float
) -> tuple[int, list[ParsedPage], list[str]]:
    """The boundary: whatever pdfium or pdfminer raise becomes a PdfParseError with a reason."""
    try:
        return _parse(data, max_pages, deadline, timeout_seconds)
    except PdfParseError:
        raise
    except pdfium.PdfiumError as exc:
        raise PdfParseError(_pdfium_reason(exc)) from exc
    except RecursionError as exc:
        raise PdfParseError("truncated or corrupt: objects nest too deeply (recursive content?)") from exc
    except MemoryError as exc:
        raise PdfParseError("too large: ran out of memory while parsing") from exc
    except Exception as exc:
        raise PdfParseError(f"truncated or corrupt: {type(exc).__name__}: {exc}"[:300]) from exc


def _pdfium_reason(exc: pdfium.PdfiumError) -> str:
    code = getattr(exc, "err_code", None)
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return "encrypted: needs a password"
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return "encrypted: unsupported security handler"
    if code == pdfium_c.FPDF_ERR_FORMAT:
        return "truncated or corrupt: PDFium cannot read the file structure"
    return f"truncated or corrupt: {exc}"


def _check_deadline(deadline: float, timeout_seconds: float) -> None:
    if time.monotonic() >= deadline:
        raise PdfParseError(f"timed out after {timeout_seconds:g} s")


def _parse(
    data: bytes, max_pages: int, deadline: float, timeout_seconds: float
) -> tuple[int, list[ParsedPage], list[str]]:
    warnings: list[str] = []
    doc = pdfium.PdfDocument(data)
    try:
        page_count = len(doc)
        if page_count <= 0:
            raise PdfParseError("truncated or corrupt: the document has no pages")
        if page_count > max_pages:
            raise PdfParseError(f"too many pages: {page_count} > {max_pages}")
        pages: list[ParsedPage] = []
        for index in range(page_count):
            _check_deadline(deadline, timeout_seconds)
            try:
                page = doc[index]
            except pdfium.PdfiumError as exc:
                # One broken page object should not cost the other pages of a paper.
                warnings.append(f"page {index + 1}: unreadable, left empty: {exc}")
                text = ""
            else:
                try:
                    text = _page_text(page)
                finally:
                    page.close()
            captions = _captions(text)
            pages.append(ParsedPage(number=index + 1, text=text, tables=[], captions=captions))
    finally:
        doc.close()

    _drop_reference_captions(pages)
    table_pages = [p for p in pages if any(_caption_kind(c) == "table" for c in p.captions)]
    if table_pages:
        _add_tables(data, table_pages, deadline, timeout_seconds, warnings)
    return page_count, pages, warnings


# --------------------------------------------------------------------------------------------
# Text


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        count = pdfium_c.FPDFText_CountChars(textpage)
        if count <= 0:
            return ""
        chars: str | list[str] = textpage.get_text_range(0, count)
        if len(chars) != count:
            # get_text_range is UCS-2 and may skip chars; per-char lookups keep indices aligned
            # with the angle list (math alphanumerics are outside the BMP).
            chars = [chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(count)]
        rotations = _char_rotations(textpage, count)
    finally:
        textpage.close()

    dominant = _dominant_rotation(chars, rotations)
    if dominant is None:
        kept = "".join(chars)
    else:
        kept = "".join(
            ch
            for ch, rotation in zip(chars, rotations, strict=True)
            if ch.isspace() or rotation is None or _angle_distance(rotation, dominant) <= _ANGLE_TOLERANCE
        )
    return _clean_text(kept)


def _char_rotations(textpage: pdfium.PdfTextPage, count: int) -> list[float | None]:
    """Rotation of each char's baseline in radians, None where PDFium cannot tell.

    FPDFText_GetCharAngle is one cheap call per char but folds slant into the angle (slanted
    caption labels come out at ~0.17 rad), so only chars it reports as non-zero get the
    costlier matrix lookup, and the rotation is taken from the matrix: atan2(b, a) ignores skew.
    """
    get_angle = pdfium_c.FPDFText_GetCharAngle
    rotations: list[float | None] = [0.0] * count
    matrix = pdfium_c.FS_MATRIX()
    for i in range(count):
        angle = get_angle(textpage, i)
        if angle == 0.0:
            continue
        if angle < 0 or not pdfium_c.FPDFText_GetMatrix(textpage, i, ctypes.byref(matrix)):
            rotations[i] = None
        else:
            rotations[i] = math.atan2(matrix.b, matrix.a) % (2 * math.pi)
    return rotations


def _dominant_rotation(chars: str | list[str], rotations: list[float | None]) -> float | None:
    votes = Counter(
        round(rotation, 1)
        for ch, rotation in zip(chars, rotations, strict=True)
        if rotation is not None and not ch.isspace()
    )
    if not votes:
        return None
    return votes.most_common(1)[0][0]


def _angle_distance(a: float, b: float) -> float:
    d = abs(a - b) % (2 * math.pi)
    return min(d, 2 * math.pi - d)


def _clean_text(text: str) -> str:
    # PDFium joins a line that ends in a hyphen with the next one and marks the hyphen U+FFFE;
    # restore the hyphen and the line break so lines stay as printed.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufffe", "-\n")
    text = _JUNK_RE.sub("", text.translate(_LIGATURES))
    lines = (_SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _captions(text: str) -> list[str]:
    return [line for line in text.split("\n") if CAPTION_RE.match(line)]


def _drop_reference_captions(pages: list[ParsedPage]) -> None:
    """Drop "Table 1. However, ..." lines: a reference that wrapped to a line start.

    Such a line duplicates the number of a real caption; when it also uses the other separator
    than the document's captions do (":" vs "."), it is not a caption. Without a duplicate or
    with the same separator there is no cheap way to tell, so the line stays.
    """
    separators: Counter[str] = Counter()
    keys: Counter[tuple[str, str, str]] = Counter()
    for page in pages:
        for line in page.captions:
            m = CAPTION_RE.match(line)
            assert m is not None
            separators[m.group(0)[-1]] += 1
            keys[(m.group("kind").lower()[:3], m.group("num"), m.group(0)[-1])] += 1
    if len(separators) < 2:
        return
    main = separators.most_common(1)[0][0]
    for page in pages:
        kept = []
        for line in page.captions:
            m = CAPTION_RE.match(line)
            assert m is not None
            sep = m.group(0)[-1]
            if sep != main and keys[(m.group("kind").lower()[:3], m.group("num"), main)]:
                continue
            kept.append(line)
        page.captions = kept


def _caption_kind(line: str) -> str | None:
    m = CAPTION_RE.match(line)
    if not m:
        return None
    return "table" if m.group("kind").lower() == "table" else "figure"


# --------------------------------------------------------------------------------------------
# Tables


@dataclass
class _Anchor:
    """Where a caption sits on a pdfplumber page (top-left origin)."""

    kind: str
    number: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _RuleGroup:
    """Horizontal rules that look like one table's (top, mid, cmid, bottom rules).

    ``x0``/``x1`` are the union of the rules, used while grouping. The table itself is framed by
    the rules at least as wide as the most common extent (top, mid and bottom rule span the
    table); cmidrules and a footnote rule that happened to line up are left out.
    """

    x0: float
    x1: float
    rules: list[tuple[float, float, float]] = field(default_factory=list)

    def frame(self) -> tuple[float, float, float, float, int]:
        """(x0, x1, top, bottom, number of framing rules)."""
        extents = Counter((round(r[0] / 3), round(r[1] / 3)) for r in self.rules)
        # Most rules first, then the widest (a lone pair of rules of different widths).
        best = max(extents, key=lambda e: (extents[e], e[1] - e[0]))
        # Rules as wide as the common extent or wider frame the table too: in a fully ruled
        # table the partial rules between sub-rows can outnumber the outer ones.
        framing = [r for r in self.rules if r[0] / 3 <= best[0] + 1 and r[1] / 3 >= best[1] - 1]
        return (
            min(r[0] for r in framing),
            max(r[1] for r in framing),
            framing[0][2],
            framing[-1][2],
            len(framing),
        )


_ANCHOR_RE = re.compile(r"(Table|TABLE|Figure|FIGURE|Fig\.|FIG\.)\s*([A-Z]?\d+|[IVX]{1,5}(?=\s*[:.]))\s*[:.]")


def _add_tables(
    data: bytes, pages: list[ParsedPage], deadline: float, timeout_seconds: float, warnings: list[str]
) -> None:
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        # The text is already good; a pdfminer failure should cost the tables, not the document.
        warnings.append(f"tables skipped: pdfplumber cannot open the file: {type(exc).__name__}: {exc}"[:300])
        return
    try:
        plumber_pages = pdf.pages
        for parsed in pages:
            _check_deadline(deadline, timeout_seconds)
            plumber_page = plumber_pages[parsed.number - 1]
            try:
                parsed.tables = _page_tables(plumber_page, parsed)
            except PdfParseError:
                raise
            except Exception as exc:
                warnings.append(f"page {parsed.number}: tables skipped: {type(exc).__name__}: {exc}"[:300])
            finally:
                with contextlib.suppress(Exception):
                    plumber_page.close()
    finally:
        with contextlib.suppress(Exception):
            pdf.close()


def _page_tables(page: Any, parsed: ParsedPage) -> list[ParsedTable]:
    captions = {_caption_key(line): line for line in parsed.captions}
    chars = [c for c in page.chars if c.get("upright", True)]
    _name_symbol_glyphs(chars)
    rules = _horizontal_rules(page)
    anchors = _caption_anchors(chars, rules)
    rules = _running_header_rules_dropped(rules, chars, anchors, float(page.bbox[1]), float(page.height))
    # Only captions the text stage accepted: that drops "... see\nTable 2. We ..." references.
    table_anchors = [a for a in anchors if a.kind == "table" and ("table", a.number) in captions]
    if not table_anchors:
        return []
    # A sub-table's label ("(b) MNLI") between two sets of rules splits them like a caption does.
    groups = _rule_groups(rules, anchors + _subcaption_anchors(chars))
    frames = [group.frame() for group in groups]
    pairs = _caption_rule_pairs(table_anchors, frames)

    # A page follows one caption convention. Matching each caption to the nearest rules alone
    # goes wrong on stacked tables (caption 4 sits closer to table 3's bottom rule than to its
    # own table), so the convention that explains more captions wins, then the tighter one; a
    # caption it leaves unmatched may still take leftover rules the other way.
    first = min(("above", "below"), key=lambda direction: _convention_score(pairs[direction]))
    tables: list[ParsedTable] = []
    read: set[int] = set()
    chosen = _assign_rules(pairs, table_anchors, [first, "below" if first == "above" else "above"])
    for ai, gi in chosen:
        anchor = table_anchors[ai]
        found = _read_region(page, _with_subcaption(chars, frames[gi]))
        if found is None:
            continue
        read.add(ai)
        bbox, grid = found
        caption = captions.get(("table", anchor.number), f"Table {anchor.number}")
        tables.append(ParsedTable(page=parsed.number, bbox=bbox, grid=grid, caption=caption))
    taken = {gi for _, gi in chosen}
    tables += _subtables(page, parsed, chars, frames, taken, table_anchors, captions)
    unread = [anchor for ai, anchor in enumerate(table_anchors) if ai not in read]
    _add_unruled_tables(tables, page, parsed, chars, unread, first, captions)
    tables.sort(key=lambda t: (t.bbox[1], t.bbox[0]))
    return tables


def _caption_rule_pairs(
    table_anchors: list[_Anchor], frames: list[tuple[float, float, float, float, int]]
) -> dict[str, list[tuple[float, int, int]]]:
    """Captions and the rule groups near them, by direction: (distance, anchor index, group
    index); "above" = caption above table."""
    pairs: dict[str, list[tuple[float, int, int]]] = {"above": [], "below": []}
    for ai, anchor in enumerate(table_anchors):
        for gi, (gx0, gx1, gtop, gbottom, count) in enumerate(frames):
            if count < 2 or not _overlaps(anchor.x0, anchor.x1, gx0, gx1, 0.3):
                continue
            if gtop >= anchor.bottom - 2:
                direction, distance = "above", gtop - anchor.bottom
            elif gbottom <= anchor.top + 2:
                direction, distance = "below", anchor.top - gbottom
            else:
                continue
            if distance <= _MAX_CAPTION_TO_TABLE:
                pairs[direction].append((distance, ai, gi))
    return pairs


def _assign_rules(
    pairs: dict[str, list[tuple[float, int, int]]], table_anchors: list[_Anchor], order: list[str]
) -> list[tuple[int, int]]:
    """(anchor index, group index): each caption, table number and rule group used once, the
    directions in ``order``, the nearest pairs first."""
    used_anchors: set[int] = set()
    used_numbers: set[str] = set()
    used_groups: set[int] = set()
    chosen: list[tuple[int, int]] = []
    for direction in order:
        for _, ai, gi in sorted(pairs[direction]):
            if ai in used_anchors or gi in used_groups or table_anchors[ai].number in used_numbers:
                continue
            used_anchors.add(ai)
            used_numbers.add(table_anchors[ai].number)
            used_groups.add(gi)
            chosen.append((ai, gi))
    return chosen


def _convention_score(pairs: list[tuple[float, int, int]]) -> tuple[int, float]:
    """How well one caption convention explains the page: more captions matched, then closer."""
    best: dict[int, float] = {}
    for distance, ai, _ in pairs:
        best[ai] = min(distance, best.get(ai, math.inf))
    return (-len(best), sum(best.values()))


def _subtables(
    page: Any,
    parsed: ParsedPage,
    chars: list[dict[str, Any]],
    frames: list[tuple[float, float, float, float, int]],
    taken: set[int],
    table_anchors: list[_Anchor],
    captions: dict[tuple[str, str], str],
) -> list[ParsedTable]:
    """Sub-tables under one caption ("(a) SST-2", "(b) MNLI"): rules no caption took, with a
    sub-caption over them, belong to the nearest caption."""
    tables: list[ParsedTable] = []
    for gi, frame in enumerate(frames):
        if gi in taken or frame[4] < 2 or _with_subcaption(chars, frame) == frame:
            continue
        anchor = min(table_anchors, key=lambda a: min(abs(a.bottom - frame[2]), abs(a.top - frame[3])))
        if min(abs(anchor.bottom - frame[2]), abs(anchor.top - frame[3])) > 4 * _MAX_CAPTION_TO_TABLE:
            continue
        found = _read_region(page, _with_subcaption(chars, frame))
        if found is not None:
            caption = captions.get(("table", anchor.number), f"Table {anchor.number}")
            tables.append(ParsedTable(page=parsed.number, bbox=found[0], grid=found[1], caption=caption))
    return tables


def _add_unruled_tables(
    tables: list[ParsedTable],
    page: Any,
    parsed: ParsedPage,
    chars: list[dict[str, Any]],
    unread: list[_Anchor],
    first: str,
    captions: dict[tuple[str, str], str],
) -> None:
    """A caption without rules beside it (a table ruled by one line, or none): the block of
    table-like lines next to it, on the side the page's captions use first."""
    for anchor in unread:
        for direction in (first, "below" if first == "above" else "above"):
            found = _read_text_region(page, chars, anchor, direction, [t.bbox for t in tables])
            if found is not None:
                bbox, grid = found
                caption = captions.get(("table", anchor.number), f"Table {anchor.number}")
                tables.append(ParsedTable(page=parsed.number, bbox=bbox, grid=grid, caption=caption))
                break


_SUBCAPTION_RE = re.compile(r"^\([a-z]\)\S")


def _subcaption_anchors(chars: list[dict[str, Any]]) -> list[_Anchor]:
    """Short lines that label a sub-table: "(a) SST-2", "(c) CoNLL-03"."""
    rows: list[list[dict[str, Any]]] = []
    for c in sorted(chars, key=lambda c: c["top"]):
        if rows and abs(c["top"] - rows[-1][0]["top"]) < 2:
            rows[-1].append(c)
        else:
            rows.append([c])
    lines: list[list[dict[str, Any]]] = []  # runs of characters on one row, split at wide gaps
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        lines.append([row[0]])
        for c in row[1:]:
            if c["x0"] - lines[-1][-1]["x1"] < 12:
                lines[-1].append(c)
            else:
                lines.append([c])
    out = []
    for line in lines:
        text = "".join(c.get("text") or "" for c in line).replace(" ", "")
        if _SUBCAPTION_RE.match(text) and len(text) <= 40:
            out.append(
                _Anchor("sub", text[1], line[0]["x0"], line[-1]["x1"], line[0]["top"], max(c["bottom"] for c in line))
            )
    return out


def _with_subcaption(
    chars: list[dict[str, Any]], frame: tuple[float, float, float, float, int]
) -> tuple[float, float, float, float, int]:
    """The frame grown over a sub-table's label printed right above its top rule ("(a) SST-2")."""
    gx0, gx1, gtop, gbottom, count = frame
    near = [
        c
        for c in chars
        if c["x0"] >= gx0 - 2 and c["x1"] <= gx1 + 2 and gtop - 20 <= c["top"] and c["bottom"] <= gtop + 0.5
    ]
    if not near:
        return frame
    bottom = max(c["bottom"] for c in near)
    line = sorted((c for c in near if abs(c["bottom"] - bottom) < 3), key=lambda c: c["x0"])
    text = "".join(c.get("text") or "" for c in line).replace(" ", "")
    if gtop - bottom > 10 or not _SUBCAPTION_RE.match(text):
        return frame
    return (gx0, gx1, min(c["top"] for c in line) - 0.5, gbottom, count)


def _read_text_region(
    page: Any,
    chars: list[dict[str, Any]],
    anchor: _Anchor,
    direction: str,
    taken: list[tuple[float, float, float, float]],
) -> tuple[tuple[float, float, float, float], Grid] | None:
    """The lines next to a caption that read as a table: several cells apart on a line, no prose,
    no more than a line and a half of space between them."""
    px0, ptop, px1, pbottom = page.bbox
    wide = anchor.x1 - anchor.x0 > 0.55 * (px1 - px0)
    x0, x1 = (px0, px1) if wide else (anchor.x0 - 6, max(anchor.x1, anchor.x0 + 0.45 * (px1 - px0)) + 6)
    band = [c for c in chars if x0 <= c["x0"] and c["x1"] <= x1 and (c.get("text") or "").strip()]
    if direction == "above":  # caption above the table: read downwards from it
        band = sorted((c for c in band if c["top"] >= anchor.bottom + 1), key=lambda c: c["top"])
    else:
        band = sorted((c for c in band if c["bottom"] <= anchor.top - 1), key=lambda c: -c["bottom"])
    if not band:
        return None
    size = sorted(c["bottom"] - c["top"] for c in band)[len(band) // 2] or 8.0
    lines: list[list[dict[str, Any]]] = []
    for c in band:
        if lines and abs(c["top"] - lines[-1][0]["top"]) <= 0.5 * size:
            lines[-1].append(c)
        else:
            if lines and abs(c["top"] - lines[-1][0]["top"]) > 2.6 * size:
                break  # a gap: the table ended
            if len(lines) >= 40:
                break
            lines.append([c])
    kept: list[list[dict[str, Any]]] = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        gaps = [b["x0"] - a["x1"] for a, b in itertools.pairwise(line)]
        if CAPTION_RE.match("".join(c["text"] for c in line[:12]).replace(" ", "")):
            break  # the next caption
        if not any(g > 0.9 * size for g in gaps) and line[-1]["x1"] - line[0]["x0"] > 0.7 * (x1 - x0):
            break  # a line of running text
        kept.append(line)
    if len(kept) < 2:
        return None
    region_chars = [c for line in kept for c in line]
    bbox = (
        min(c["x0"] for c in region_chars) - 1,
        min(c["top"] for c in region_chars) - 1,
        max(c["x1"] for c in region_chars) + 1,
        max(c["bottom"] for c in region_chars) + 1,
    )
    if any(
        _overlaps(bbox[0], bbox[2], t[0], t[2], 0.3) and _overlaps(bbox[1], bbox[3], t[1], t[3], 0.3) for t in taken
    ):
        return None
    found = _read_region(page, (bbox[0] + 2, bbox[2] - 2, bbox[1] + 2, bbox[3] - 2, 0))
    if found is None or not any(row.kind == "body" for row in found[1].rows):
        return None
    return found


# pdfminer cannot name glyphs of symbol fonts without a unicode map and writes "(cid:51)";
# these are the check marks and crosses that results tables use (pifont's \ding, amssymb's
# \checkmark), which PDFium's text already gets right.
_SYMBOL_GLYPHS = {
    "dingbats": {"(cid:51)": "\u2713", "(cid:52)": "\u2714", "(cid:55)": "\u2717", "(cid:56)": "\u2718"},
    "msam": {"(cid:88)": "\u2713"},
}


def _name_symbol_glyphs(chars: list[dict[str, Any]]) -> None:
    for char in chars:
        text = char.get("text") or ""
        if not text.startswith("(cid:"):
            continue
        font = str(char.get("fontname", "")).lower()
        for family, glyphs in _SYMBOL_GLYPHS.items():
            if family in font and text in glyphs:
                char["text"] = glyphs[text]  # the page's cached dict: cells read it from there
                break


def _caption_key(line: str) -> tuple[str, str]:
    m = CAPTION_RE.match(line)
    assert m is not None
    return ("table" if m.group("kind").lower() == "table" else "figure", m.group("num"))


def _caption_anchors(chars: list[dict[str, Any]], rules: list[tuple[float, float, float]]) -> list[_Anchor]:
    """Locate caption starts among pdfplumber chars (content-stream order, no space chars).

    The block extent matters for captions above a table: the table's first rule must lie below
    the caption's last line. A rule between two lines, a wide gap or a jump to another column
    ends the block.
    """
    pieces: list[str] = []
    owner: list[int] = []
    for i, char in enumerate(chars):
        text = char.get("text") or ""
        pieces.append(text)
        owner.extend([i] * len(text))
    joined = "".join(pieces)
    anchors: list[_Anchor] = []
    for m in _ANCHOR_RE.finditer(joined):
        first = owner[m.start()]
        char = chars[first]
        size = float(char.get("size") or 10.0)
        if first > 0:
            prev = chars[first - 1]
            same_line = abs(prev["top"] - char["top"]) < 0.5 * size and 0 <= char["x0"] - prev["x1"] < 2 * size
            if same_line:  # "... as shown in Table 2. We ..." is a reference, not a caption
                continue
        x0, x1, top, bottom = char["x0"], char["x1"], char["top"], char["bottom"]
        line_top = top
        # Walk the caption's lines to find where the block ends (tables sit right under or over it).
        for nxt in chars[first + 1 : first + 1500]:
            # 0.9 em: sub- and superscripts move by less, the next line by more (~1.2 em).
            if nxt["top"] > line_top + 0.9 * size:  # a new line
                if nxt["top"] - line_top > 1.8 * size or nxt["x0"] < x0 - 3 * size or nxt["x0"] > x1:
                    break
                if any(line_top < y < nxt["top"] and rx0 < x1 and rx1 > x0 for rx0, rx1, y in rules):
                    break
                line_top = nxt["top"]
            elif nxt["top"] < line_top - 0.9 * size or nxt["x0"] < x0 - 3 * size:
                break
            x0, x1 = min(x0, nxt["x0"]), max(x1, nxt["x1"])
            bottom = max(bottom, nxt["bottom"])
        kind = "table" if m.group(1).lower() == "table" else "figure"
        anchors.append(_Anchor(kind=kind, number=m.group(2), x0=x0, x1=x1, top=top, bottom=bottom))
    return anchors


def _horizontal_rules(page: Any) -> list[tuple[float, float, float]]:
    """Thin horizontal lines and filled hairline rectangles (how pdfTeX draws booktabs rules)."""
    rules: list[tuple[float, float, float]] = []
    for obj in page.lines:
        if abs(obj["bottom"] - obj["top"]) <= 1.0 and obj["x1"] - obj["x0"] >= 10:
            rules.append((obj["x0"], obj["x1"], (obj["top"] + obj["bottom"]) / 2))
    # dvips-era PDFs paint rules as 1x1 image masks stretched into a hairline.
    for obj in itertools.chain(page.rects, page.images):
        if obj["bottom"] - obj["top"] <= 2.0 and obj["x1"] - obj["x0"] >= 10:
            rules.append((obj["x0"], obj["x1"], (obj["top"] + obj["bottom"]) / 2))
    rules.sort(key=lambda r: (r[2], r[0]))
    return rules


def _running_header_rules_dropped(
    rules: list[tuple[float, float, float]],
    chars: list[dict[str, Any]],
    anchors: list[_Anchor],
    page_top: float,
    page_height: float,
) -> list[tuple[float, float, float]]:
    """Drop the rule under a running header (ICML and others draw one on every page).

    Such a rule sits in the top 15% of the page and the only text above it is one line just over
    it, which is not a caption (a one-line caption over a table at the top of a page looks the
    same otherwise). Left in, it frames any table below it into one region with the page head.
    """
    kept = []
    for rule in rules:
        x0, x1, y = rule
        if y - page_top < 0.15 * page_height and not any(
            a.top < y and _overlaps(a.x0, a.x1, x0, x1, 0.3) for a in anchors
        ):
            above = [c for c in chars if c["bottom"] <= y and c["x1"] > x0 and c["x0"] < x1]
            if above and min(c["top"] for c in above) > y - 25:
                continue
        kept.append(rule)
    return kept


def _overlaps(a0: float, a1: float, b0: float, b1: float, share: float) -> bool:
    overlap = min(a1, b1) - max(a0, b0)
    return overlap > share * max(1e-6, min(a1 - a0, b1 - b0))


def _rule_groups(rules: list[tuple[float, float, float]], anchors: list[_Anchor]) -> list[_RuleGroup]:
    """Group rules that belong to one table.

    A rule joins the latest group it overlaps when it lies within the group's extent (a table's
    first rule is its full width; later ones are as wide or narrower) and no caption sits
    between. A wider rule starts a new group: below a table that is usually a plot's gridlines.
    """
    groups: list[_RuleGroup] = []
    for x0, x1, y in rules:
        target = None
        for group in reversed(groups):
            if not _overlaps(x0, x1, group.x0, group.x1, 0.5):
                continue
            last_y = group.rules[-1][2]
            inside = x0 >= group.x0 - 3 and x1 <= group.x1 + 3
            if inside and not any(
                last_y < a.top < y and _overlaps(a.x0, a.x1, group.x0, group.x1, 0.3) for a in anchors
            ):
                target = group
            break
        if target is None:
            groups.append(_RuleGroup(x0=x0, x1=x1, rules=[(x0, x1, y)]))
            continue
        last = target.rules[-1]
        # A filled hairline rectangle shows up as two edges less than a point apart.
        if y - last[2] > 1.0 or not _overlaps(x0, x1, last[0], last[1], 0.9):
            target.rules.append((x0, x1, y))
        target.x0, target.x1 = min(target.x0, x0), max(target.x1, x1)
    return groups


def _read_region(
    page: Any, frame: tuple[float, float, float, float, int]
) -> tuple[tuple[float, float, float, float], Grid] | None:
    gx0, gx1, gtop, gbottom, _ = frame
    px0, ptop, px1, pbottom = page.bbox
    bbox = (max(px0, gx0 - 2), max(ptop, gtop - 2), min(px1, gx1 + 2), min(pbottom, gbottom + 2))
    if bbox[2] - bbox[0] < 5 or bbox[3] - bbox[1] < 5:
        return None
    # within_bbox, not crop: crop keeps anything touching the box, such as the descenders of a
    # caption line that ends just above the top rule.
    region = page.within_bbox(bbox)
    words = [
        Word(
            _clean_cell(w["text"]) or "",
            w["x0"],
            w["x1"],
            w["top"],
            w["bottom"],
            is_bold_font(str(w.get("fontname", ""))),
        )
        for w in region.extract_words(x_tolerance=1.5, y_tolerance=2, extra_attrs=["fontname"])
        if w.get("upright", True)
    ]
    hrules = [HRule(x0, x1, y) for x0, x1, y in _horizontal_rules(region)]
    grid = build_grid(words, hrules, _vertical_rules(region), bbox)
    if grid is None:
        return None
    return bbox, grid


def _vertical_rules(page: Any) -> list[VRule]:
    """Thin vertical lines and hairline rectangles: column separators of a ruled table."""
    rules: list[VRule] = []
    for obj in itertools.chain(page.lines, page.rects):
        if obj["x1"] - obj["x0"] <= 1.5 and obj["bottom"] - obj["top"] >= 4:
            rules.append(VRule((obj["x0"] + obj["x1"]) / 2, obj["top"], obj["bottom"]))
    return rules


def _clean_cell(cell: str | None) -> str | None:
    if cell is None:
        return None
    return _SPACES_RE.sub(" ", _JUNK_RE.sub("", cell.translate(_LIGATURES))).strip()
