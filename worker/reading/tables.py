"""Tables rebuilt from geometry: word positions and ruling lines in, a grid with header paths out (pure).

A results table is read the way a person reads it, not as lines of text:

* **Rows** are text lines clustered by vertical position (subscripts join their line). In a fully
  ruled table the lines between two rules are one row.
* **Columns** come from the x-alignment of the body rows: the gaps that no cell of a well-filled
  body row covers. Words closer than a column gap form one cell; a vertical rule always splits.
* **Header rows** are the lines above the first full-width rule that has values under it (the
  booktabs midrule), or above the first line of values when the table has no such rule. A header
  cell covers the columns under its x-extent; a partial rule right under it (a cmidrule) gives its
  span exactly; a group header without one spreads to the columns nearest it, never across a
  vertical rule. A header line that only holds a multirow cell is merged into its neighbour, and
  a header repeated half-way down the table starts a new header block.
* **Stub columns** (row headers) are the leading columns whose body cells are text. A row-group
  label that covers several rows (``\\multirow`` or a label printed once at the top of its
  group) is given to every row of its group: groups end at inner rules and section rows.
* **Section rows** are body lines without values that sit between row blocks ("Baseline",
  "Ours", a method or model name over the rows below it).

``Grid.value_cells()`` then gives every body cell with its **full header path**: every header
cell above it (with the axis its header row names in the stub, e.g. "LLaMA Size"), every row
label left of it (with its stub column's title) and the section row above it. What each part
means (a method, a model, a setting, a benchmark) is decided in ``worker.extract``, not here.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from worker.reading.numbers import is_number_token, is_value_token

HEADER, BODY, SECTION = "header", "body", "section"

_BOLD_FONT_RE = re.compile(r"bold|black|heavy|cmbx|bx\d|-b$|\.b$|semibold|demi", re.IGNORECASE)


def is_bold_font(fontname: str) -> bool:
    return bool(_BOLD_FONT_RE.search(fontname.split("+")[-1]))


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    bold: bool = False

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class HRule:
    x0: float
    x1: float
    y: float


@dataclass(frozen=True)
class VRule:
    x: float
    top: float
    bottom: float


@dataclass
class GridCell:
    text: str
    first: int  # first grid column it covers
    last: int  # last grid column it covers (inclusive)
    bold: bool = False
    # Where it was printed, while the grid is built (not stored).
    x0: float = field(default=0.0, compare=False, repr=False)
    x1: float = field(default=0.0, compare=False, repr=False)

    def covers(self, column: int) -> bool:
        return self.first <= column <= self.last


@dataclass
class GridRow:
    kind: str  # HEADER, BODY or SECTION
    cells: list[GridCell]
    # Body rows: the row header of each stub column once row groups are filled in.
    labels: list[str] = field(default_factory=list)

    def cell_at(self, column: int) -> GridCell | None:
        return next((c for c in self.cells if c.covers(column)), None)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in sorted(self.cells, key=lambda c: c.first) if c.text)


@dataclass(frozen=True)
class PathPart:
    """One header or label a value sits under. ``axis`` is what its header row or stub column is
    titled in the table ("LLaMA Size", "Dataset", "Method"), ``""`` when untitled."""

    text: str
    where: str  # "column", "row" or "section"
    axis: str = ""
    level: int = 0


@dataclass(frozen=True)
class ValueCell:
    text: str
    row: int  # index in Grid.rows
    column: int
    column_path: tuple[PathPart, ...]
    row_path: tuple[PathPart, ...]
    bold: bool = False
    row_text: str = ""  # the whole row as printed, for quotes


@dataclass
class Grid:
    columns: int
    stub: int  # leading row-header columns
    rows: list[GridRow]

    # -- reading ---------------------------------------------------------------------------------

    def text_rows(self) -> list[list[str | None]]:
        out: list[list[str | None]] = []
        for row in self.rows:
            texts: list[str | None] = [""] * self.columns
            for cell in row.cells:
                if 0 <= cell.first < self.columns:
                    texts[cell.first] = cell.text
                    for j in range(cell.first + 1, min(cell.last, self.columns - 1) + 1):
                        texts[j] = None
            out.append(texts)
        return out

    def header_block(self, row_index: int) -> list[int]:
        """Indexes of the header rows that apply to the row at ``row_index`` (the latest block above it)."""
        block: list[int] = []
        for i in range(row_index - 1, -1, -1):
            kind = self.rows[i].kind
            if kind == HEADER:
                block.append(i)
            elif block:
                break
        return block[::-1]

    def corner(self, row_index: int) -> list[str]:
        """Texts of the header cells over the stub columns (the table's top-left corner)."""
        out = []
        for i in self.header_block(row_index):
            for cell in self.rows[i].cells:
                if cell.first < self.stub and cell.text:
                    out.append(cell.text)
        return out

    def _axis(self, header_row: GridRow) -> str:
        return " ".join(c.text for c in header_row.cells if c.last < self.stub and c.text)

    def stub_title(self, column: int, row_index: int) -> str:
        block = self.header_block(row_index)
        for i in reversed(block):
            cell = self.rows[i].cell_at(column)
            if cell is not None and cell.text and cell.last < self.stub:
                return cell.text
        return ""

    def block_title(self, row_index: int) -> str:
        """A title printed over a header block ("(c) CoNLL-03" over a sub-table's header)."""
        block = self.header_block(row_index)
        if block and block[0] > 0 and self.rows[block[0] - 1].kind == SECTION:
            return self.rows[block[0] - 1].text
        return ""

    def column_path(self, column: int, row_index: int) -> list[PathPart]:
        parts = []
        title = self.block_title(row_index)
        if title:
            parts.append(PathPart(title, "column", "", -1))
        for level, i in enumerate(self.header_block(row_index)):
            header = self.rows[i]
            cell = header.cell_at(column)
            if cell is not None and cell.text:
                parts.append(PathPart(cell.text, "column", self._axis(header), level))
        return parts

    def text_columns(self) -> set[int]:
        """Columns right of the stub whose body cells are mostly words ("PTQ", "yes"): attributes of
        their row, read like row labels, not values."""
        out = set()
        for j in range(self.stub, self.columns):
            texts = [c.text for row in self.rows if row.kind == BODY for c in row.cells if c.first == j and c.text]
            numbers = sum(1 for t in texts if is_number_token(t.replace(" ", "")) or is_value_token(t.replace(" ", "")))
            if texts and numbers * 2 < len(texts):
                out.add(j)
        return out

    def value_cells(self) -> list[ValueCell]:
        """Every non-empty body cell right of the stub, with its full header path."""
        out: list[ValueCell] = []
        section = ""
        attributes = self.text_columns()
        for r, row in enumerate(self.rows):
            if row.kind == HEADER:
                section = ""  # a section row right over a header is that block's title (block_title)
                continue
            if row.kind == SECTION:
                section = row.text
                continue
            row_path = [PathPart(label, "row", self.stub_title(c, r), c) for c, label in enumerate(row.labels) if label]
            for cell in row.cells:
                if cell.first in attributes and cell.text:
                    leaf = self.column_path(cell.first, r)
                    row_path.append(PathPart(cell.text, "row", leaf[-1].text if leaf else "", cell.first))
            if section:
                row_path.append(PathPart(section, "section"))
            for cell in row.cells:
                if cell.first < self.stub or not cell.text or cell.first in attributes:
                    continue
                out.append(
                    ValueCell(
                        text=cell.text,
                        row=r,
                        column=cell.first,
                        column_path=tuple(self.column_path(cell.first, r)),
                        row_path=tuple(row_path),
                        bold=cell.bold,
                        row_text=row.text,
                    )
                )
        return out

    # -- storing ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "stub": self.stub,
            "rows": [
                {
                    "kind": row.kind,
                    "cells": [[c.text, c.first, c.last, int(c.bold)] for c in row.cells],
                    "labels": row.labels,
                }
                for row in self.rows
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Grid:
        rows = [
            GridRow(
                kind=str(r.get("kind", BODY)),
                cells=[GridCell(str(t), int(a), int(b), bool(bold)) for t, a, b, bold in r.get("cells", [])],
                labels=[str(x) for x in r.get("labels", [])],
            )
            for r in data.get("rows", [])
        ]
        return cls(columns=int(data.get("columns", 0)), stub=int(data.get("stub", 0)), rows=rows)

    @classmethod
    def from_text_rows(cls, rows: Sequence[Sequence[str | None]]) -> Grid:
        """A grid from plain rows of cell texts (a parse stored before grids existed, or a test):
        leading rows without numbers are the header, leading text columns the stub."""
        width = max((len(r) for r in rows), default=0)
        texts = [[(c or "").strip() for c in r] + [""] * (width - len(r)) for r in rows]
        first_body = next((i for i, r in enumerate(texts) if any(is_number_token(c) for c in r[1:])), len(texts))
        stub = 0
        for j in range(width):
            body = [r[j] for r in texts[first_body:] if r[j]]
            if body and sum(not is_value_token(c) for c in body) * 2 > len(body):
                stub = j + 1
            else:
                break
        grid_rows = []
        for i, r in enumerate(texts):
            cells = [GridCell(t, j, j) for j, t in enumerate(r) if t]
            grid_rows.append(GridRow(HEADER if i < first_body else BODY, cells))
        grid = cls(width, stub, grid_rows)
        fill_labels(grid, None)
        return grid


# ------------------------------------------------------------------------------------------------
# Building a grid from a table region's words and rules


@dataclass
class _Chunk:
    """Words of one line that form one cell (closer than a column gap, no rule between)."""

    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.words)

    @property
    def numeric(self) -> bool:
        return is_number_token(self.text.replace(" ", "")) or all(is_value_token(w.text) for w in self.words)


@dataclass
class _Line:
    words: list[Word]
    top: float
    bottom: float
    chunks: list[_Chunk] = field(default_factory=list)

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def has_numbers(self) -> bool:
        return any(c.numeric and is_number_token(c.words[0].text) for c in self.chunks)


def build_grid(
    words: Iterable[Word],
    hrules: Iterable[HRule] = (),
    vrules: Iterable[VRule] = (),
    bbox: tuple[float, float, float, float] | None = None,
) -> Grid | None:
    """The grid of one table region, or None when the words do not form a table."""
    words = [w for w in words if w.text.strip()]
    if len(words) < 4:
        return None
    if bbox is None:
        bbox = (
            min(w.x0 for w in words),
            min(w.top for w in words),
            max(w.x1 for w in words),
            max(w.bottom for w in words),
        )
    x0, _, x1, _ = bbox
    size = statistics.median(w.bottom - w.top for w in words) or 8.0
    vrules = [v for v in vrules if v.bottom - v.top > 0.8 * size]
    lines = _lines(words, size)
    for line in lines:
        # A word space is about a third of the type size; the tightest column gaps seen are half.
        line.chunks = _chunks(line.words, 0.45 * size, vrules)
    width = max(1.0, x1 - x0)
    # Inner rules have text on both sides; the top and bottom rules frame the table.
    inner = sorted(
        (r for r in hrules if any(w.bottom <= r.y + 1 for w in words) and any(w.top >= r.y - 1 for w in words)),
        key=lambda r: r.y,
    )
    full = [r for r in inner if r.x1 - r.x0 >= 0.9 * width]
    partial = [r for r in inner if r.x1 - r.x0 < 0.9 * width]
    lines = _merge_ruled_rows(lines, full)
    header_lines, body_lines = _split_header(lines, full)
    if not body_lines:
        return None
    extents = _columns(body_lines, vrules, size)
    if len(extents) < 2:
        return None
    stub = _stub_count(body_lines, extents)

    rows, row_y = _grid_rows(header_lines, body_lines, _Layout(extents, partial, vrules, stub, size))
    if not any(r.kind == BODY for r in rows):
        return None
    _join_words_broken_at_the_header(rows, row_y, stub)
    grid = Grid(columns=len(extents), stub=stub, rows=rows)
    # Row groups of a stub column end at full-width rules and at partial rules under that column.
    blocks = {
        c: _blocks(grid, row_y, full + [r for r in partial if r.x0 - 1 <= sum(extents[c]) / 2 <= r.x1 + 1])
        for c in range(stub)
    }
    fill_labels(grid, blocks, row_y, size)
    return grid


@dataclass(frozen=True)
class _Layout:
    """What header lines are read against: each column's extent, the partial rules (cmidrules), the
    vertical rules, how many stub columns there are and the type size."""

    extents: list[tuple[float, float]]
    partial: list[HRule]
    vrules: list[VRule]
    stub: int
    size: float


def _grid_rows(
    header_lines: list[_Line], body_lines: list[_Line], layout: _Layout
) -> tuple[list[GridRow], list[float | None]]:
    """The table's rows, header rows first, with the vertical middle of each body and section row
    (None for header rows). A line of text spread over the value columns is the header repeated
    half-way down: it starts a new header block."""
    extents, stub, size = layout.extents, layout.stub, layout.size
    rows: list[GridRow] = []
    rows.extend(_header_rows(header_lines, layout))
    # Section rows between blocks stretch the steps between rows of values; a row is never much
    # taller than a line of text.
    pitch = min(_pitch(body_lines), 1.6 * size)
    value_lines = [line for line in body_lines if line.has_numbers()]
    row_y: list[float | None] = [None] * len(rows)
    restart: list[_Line] = []

    def flush_restart() -> None:
        if restart:
            repeated = _header_rows(restart, layout)  # the header, again
            rows.extend(repeated)
            row_y.extend([None] * len(repeated))
            restart.clear()

    for line in body_lines:
        cells = _body_cells(line, extents)
        text_columns = {j for c in cells for j in range(c.first, c.last + 1)}
        if (
            not line.has_numbers()
            and len(cells) >= 2
            and any(c.first >= stub for c in cells)
            and _spread(cells, len(extents))
        ):
            restart.append(line)
            continue
        flush_restart()
        if line.has_numbers() or (
            text_columns and max(text_columns) < max(stub, 1) and _near_a_row(line, value_lines, pitch)
        ):
            rows.append(GridRow(BODY, cells))  # values, or a multirow label between the rows it covers
        else:
            text = " ".join(c.text for c in cells)
            rows.append(GridRow(SECTION, [GridCell(text, 0, len(extents) - 1, all(c.bold for c in cells))]))
        row_y.append(line.middle)
    flush_restart()
    return rows, row_y


_BROKEN_AT_HYPHEN_RE = re.compile(r"[A-Za-z0-9]-$")


def _join_words_broken_at_the_header(rows: list[GridRow], row_y: list[float | None], stub: int) -> None:
    """A row header broken at a hyphen across the header's last line and the first row under it
    ("MNLI-" over "m/mm"): one label, in the body row ("MNLI-m/mm"). A header line left empty goes."""
    first = next((i for i, row in enumerate(rows) if row.kind != HEADER), 0)
    if first == 0 or rows[first].kind != BODY:
        return
    header, body = rows[first - 1], rows[first]
    for cell in list(header.cells):
        below = body.cell_at(cell.first)
        if (
            cell.last < stub
            and _BROKEN_AT_HYPHEN_RE.search(cell.text)
            and below is not None
            and (below.first, below.last) == (cell.first, cell.last)
            and below.text[:1].isalnum()
        ):
            below.text = cell.text + below.text
            header.cells.remove(cell)
    if not header.cells:
        del rows[first - 1], row_y[first - 1]


def _lines(words: list[Word], size: float) -> list[_Line]:
    """Text lines by vertical middle against the line's first word: a fixed reference, so a
    multirow label centred between two rows cannot chain them together."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (w.middle, w.x0)):
        if lines and word.middle - lines[-1].words[0].middle <= 0.45 * size:
            line = lines[-1]
            line.words.append(word)
            line.top, line.bottom = min(line.top, word.top), max(line.bottom, word.bottom)
        else:
            lines.append(_Line([word], word.top, word.bottom))
    for line in lines:
        line.words.sort(key=lambda w: w.x0)
    return lines


def _chunks(words: list[Word], gap: float, vrules: list[VRule]) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    for word in words:
        if chunks:
            last = chunks[-1].words[-1]
            ruled = any(
                last.x1 - 0.5 <= v.x <= word.x0 + 0.5 and v.top <= word.bottom and v.bottom >= word.top for v in vrules
            )
            if word.x0 - last.x1 < gap and not ruled:
                chunks[-1].words.append(word)
                continue
        chunks.append(_Chunk([word]))
    return chunks


def _merge_ruled_rows(lines: list[_Line], full: list[HRule]) -> list[_Line]:
    """In a fully ruled table (cell borders: vertical rules, and a rule under nearly every row), the
    lines between two rules are one row: a cell whose text wraps onto a second line stays one cell."""
    pairs = list(itertools.pairwise(lines))
    ruled_pairs = sum(1 for a, b in pairs if any(a.middle < r.y < b.middle for r in full))
    if len(full) < 2 or not pairs or ruled_pairs < 0.6 * len(pairs):
        return lines  # rules between row groups (booktabs), not under every row
    ys = [r.y for r in full]
    merged: list[_Line] = []
    slot_of: list[int] = []
    for line in lines:
        slot = sum(1 for y in ys if y < line.middle)
        # Two lines of values are two rows even inside one ruled box (a group of rows).
        if merged and slot_of[-1] == slot and not (line.has_numbers() and merged[-1].has_numbers()):
            target = merged[-1]
            target.bottom = max(target.bottom, line.bottom)
            target.words.extend(line.words)
            # Chunks one above the other join by column; side by side they stay apart.
            for chunk in line.chunks:
                home = next((c for c in target.chunks if c.x0 < chunk.x1 and chunk.x0 < c.x1), None)
                if home is None:
                    target.chunks.append(chunk)
                else:
                    home.words.extend(chunk.words)
            target.chunks.sort(key=lambda c: c.x0)
        else:
            merged.append(_Line(list(line.words), line.top, line.bottom, list(line.chunks)))
            slot_of.append(slot)
    return merged


def _split_header(lines: list[_Line], full: list[HRule]) -> tuple[list[_Line], list[_Line]]:
    """Header lines end at the first full-width rule with a line of values right under it (the
    midrule), unless rows of values already came before it; else at the first line of values."""
    for rule in full:
        above = [line for line in lines if line.middle < rule.y]
        below = [line for line in lines if line.middle > rule.y]
        if not above or not below:
            continue
        if sum(line.has_numbers() for line in above) >= 2:
            break  # a rule between row blocks of a table whose header has no rule
        if not below[0].has_numbers() and len(below[0].chunks) >= 2:
            continue  # a rule under a title row: more header follows
        if any(line.has_numbers() for line in below):
            return above, below
    first = next((i for i, line in enumerate(lines) if line.has_numbers()), None)
    if first is None:
        return lines, []
    return lines[:first], lines[first:]


def _columns(body: list[_Line], vrules: list[VRule], size: float) -> list[tuple[float, float]]:
    """Column extents from where the cells of well-filled body rows sit."""
    value_lines = [line for line in body if line.has_numbers()] or body
    fullest = max(len(line.chunks) for line in value_lines)
    well_filled = [line for line in value_lines if len(line.chunks) >= max(2, 0.75 * fullest)] or value_lines
    intervals = sorted((c.x0, c.x1) for line in well_filled for c in line.chunks)
    spans: list[list[float]] = []
    for a, b in intervals:
        if spans and a < spans[-1][1] - 0.3 and not any(spans[-1][1] - 0.5 <= v.x <= a + 0.5 for v in vrules):
            spans[-1][1] = max(spans[-1][1], b)
        elif spans and a < spans[-1][1] - 0.3:
            spans.append([a, b])
        else:
            spans.append([a, b])
    # Cells of sparser rows widen the extents they fall into (long labels, wide values).
    extents = [(a, b) for a, b in spans]
    for line in value_lines:
        for chunk in line.chunks:
            k = _column_of(chunk.centre, extents)
            a, b = extents[k]
            extents[k] = (min(a, chunk.x0), max(b, chunk.x1)) if _inside_gap_ok(chunk, k, extents) else (a, b)
    return extents


def _inside_gap_ok(chunk: _Chunk, k: int, extents: list[tuple[float, float]]) -> bool:
    """Widen column k by a chunk only when that does not run into a neighbour."""
    left = extents[k - 1][1] if k > 0 else float("-inf")
    right = extents[k + 1][0] if k + 1 < len(extents) else float("inf")
    return chunk.x0 > left and chunk.x1 < right


def _column_of(x: float, extents: list[tuple[float, float]]) -> int:
    for k, (a, b) in enumerate(extents):
        if a - 0.5 <= x <= b + 0.5:
            return k
    return min(range(len(extents)), key=lambda k: min(abs(x - extents[k][0]), abs(x - extents[k][1])))


def _stub_count(body: list[_Line], extents: list[tuple[float, float]]) -> int:
    """Leading columns whose body cells are text, dashes or check marks rather than numbers."""
    value_lines = [line for line in body if line.has_numbers()]
    stub = 0
    for k in range(len(extents) - 1):
        cells = [c for line in value_lines for c in line.chunks if _column_of(c.centre, extents) == k]
        numbers = sum(1 for c in cells if is_number_token(c.text.replace(" ", "")))
        if cells and numbers * 2 < len(cells):
            stub = k + 1
        else:
            break
    return stub


def _covered(chunk: _Chunk, extents: list[tuple[float, float]]) -> list[int]:
    """The columns a cell is printed over. A cell sitting in the gap between two columns, centred
    on it, is a header of both (\\multicolumn{2}{c})."""
    hit = []
    for k, (a, b) in enumerate(extents):
        overlap = min(b, chunk.x1) - max(a, chunk.x0)
        if overlap > 0.5 * min(b - a, chunk.x1 - chunk.x0) or (a >= chunk.x0 - 1 and b <= chunk.x1 + 1):
            hit.append(k)
    if hit:
        return hit
    for k in range(len(extents) - 1):
        gap_left, gap_right = extents[k][1], extents[k + 1][0]
        if gap_left - 1 <= chunk.centre <= gap_right + 1:
            middle = (gap_left + gap_right) / 2
            if abs(chunk.centre - middle) <= 0.25 * (extents[k + 1][1] - extents[k][0]) / 2:
                return [k, k + 1]
    return [_column_of(chunk.centre, extents)]


def _header_rows(lines: list[_Line], layout: _Layout) -> list[GridRow]:
    extents, partial, vrules, stub = layout.extents, layout.partial, layout.vrules, layout.stub
    rows: list[tuple[_Line, list[GridCell]]] = []
    for i, line in enumerate(lines):
        if i == len(lines) - 1:
            line.chunks = _split_at_columns(line.chunks, extents)
        rows.append((line, _merge_same_column(_header_cells(lines, i, layout))))
    merged = _multirow_lines_joined([c for _, c in rows], stub)
    out = [GridRow(HEADER, cells) for cells in merged]
    for row in out[:-1]:
        if len(row.cells) == 1 and row.cells[0].last >= stub:
            # A lone title over the table ("LLaMA 7B" over everything): it heads every column.
            row.cells[0].first, row.cells[0].last = stub, len(extents) - 1
    for row in out[:-1]:
        if not _has_rule_under(row, partial, rows):  # cmidrules give spans exactly; else spread
            _spread_groups(row, len(extents), stub, extents, vrules)
    return out


def _header_cells(lines: list[_Line], i: int, layout: _Layout) -> list[GridCell]:
    """The cells of header line ``i``, each over the columns it is printed over or its cmidrule spans."""
    extents, partial, vrules, stub, size = layout.extents, layout.partial, layout.vrules, layout.stub, layout.size
    line = lines[i]
    spans: list[list[int]] = []
    ruled: list[HRule | None] = []
    for chunk in line.chunks:
        spans.append(_covered(chunk, extents))
        # The rule under a group header lies above the next line printed under it (a multirow
        # cell of a neighbouring column may sit in between).
        below = next(
            (n.top for n in lines[i + 1 :] if any(c.x0 < chunk.x1 and chunk.x0 < c.x1 for c in n.chunks)),
            line.bottom + 2.5 * size,
        )
        ruled.append(
            next(
                (r for r in partial if line.middle < r.y < below + 0.5 * size and r.x0 < chunk.x1 and chunk.x0 < r.x1),
                None,
            )
        )
    # A cmidrule gives the span of the header over it; one rule under several headers is shared
    # out, each column going to the header printed nearest to it.
    for rule in {r for r in ruled if r is not None}:
        owners = [k for k, r in enumerate(ruled) if r is rule]
        under = [j for j, (a, b) in enumerate(extents) if a < rule.x1 and b > rule.x0 and j >= stub]
        for j in under:
            centre = sum(extents[j]) / 2
            reachable = [k for k in owners if not _rule_between(extents, *sorted((j, spans[k][0])), vrules)]
            if reachable:
                k = min(reachable, key=lambda k: abs(line.chunks[k].centre - centre))
                spans[k] = sorted(set(spans[k]) | {j})
    return [
        GridCell(chunk.text, min(cols), max(cols), chunk.bold, chunk.x0, chunk.x1)
        for chunk, cols in zip(line.chunks, spans, strict=True)
    ]


def _multirow_lines_joined(lines: list[list[GridCell]], stub: int) -> list[list[GridCell]]:
    """A line holding only multirow cells (centred between two header lines) joins the next line
    when their columns do not collide."""
    merged: list[list[GridCell]] = []
    for line_cells in lines:
        if merged and not _collide(merged[-1], line_cells) and (_only_stub(merged[-1], stub) or len(merged[-1]) <= 2):
            merged[-1] = sorted(merged[-1] + line_cells, key=lambda c: c.first)
        else:
            merged.append(line_cells)
    if len(merged) >= 2 and _only_stub(merged[-1], stub) and not _collide(merged[-2], merged[-1]):
        merged[-2] = sorted(merged[-2] + merged.pop(), key=lambda c: c.first)
    return merged


def _has_rule_under(row: GridRow, partial: list[HRule], rows: list[tuple[_Line, list[GridCell]]]) -> bool:
    """Whether a partial rule (a cmidrule) lies under one of the row's cells: then spans are exact."""
    for k, (line, cells) in enumerate(rows):
        if not any(c in row.cells for c in cells):
            continue
        next_top = rows[k + 1][0].top if k + 1 < len(rows) else line.bottom + 12
        return any(line.middle < r.y < max(next_top, line.bottom + 4) for r in partial)
    return False


def _split_at_columns(chunks: list[_Chunk], extents: list[tuple[float, float]]) -> list[_Chunk]:
    """The last header row names one column per cell: words set as tight as a word space but over
    different columns ("Precision PTB Wikitext-2" over a narrow table) are different cells."""
    out: list[_Chunk] = []
    for chunk in chunks:
        current = [chunk.words[0]]
        for word in chunk.words[1:]:
            prev = current[-1]
            a = _column_of((prev.x0 + prev.x1) / 2, extents)
            b = _column_of((word.x0 + word.x1) / 2, extents)
            # "( ↑ )" and "(5-shot)" stay with the name they qualify.
            starts_a_name = word.text[:1].isalnum() and not prev.text.endswith(("(", "/", "-", "+", "&"))
            if a != b and starts_a_name:
                out.append(_Chunk(current))
                current = [word]
            else:
                current.append(word)
        out.append(_Chunk(current))
    return out


def _merge_same_column(cells: list[GridCell]) -> list[GridCell]:
    """Two chunks that land on the same single column are one cell ("GPT2-base (117M)" split by a wide space)."""
    out: list[GridCell] = []
    for cell in sorted(cells, key=lambda c: c.first):
        if out and out[-1].first == cell.first and out[-1].last == cell.last:
            prev = out[-1]
            out[-1] = GridCell(
                f"{prev.text} {cell.text}", cell.first, cell.last, prev.bold and cell.bold, prev.x0, cell.x1
            )
        else:
            out.append(cell)
    return out


def _collide(a: list[GridCell], b: list[GridCell]) -> bool:
    return any(x.first <= y.last and y.first <= x.last for x in a for y in b)


def _only_stub(cells: list[GridCell], stub: int) -> bool:
    return bool(cells) and all(c.last < stub for c in cells)


def _spread_groups(row: GridRow, n: int, stub: int, extents: list[tuple[float, float]], vrules: list[VRule]) -> None:
    """A group header row without cmidrules: a centred header grows over free columns on both
    sides while it stays centred over them; a column still free then joins the header printed
    nearest to it. Never across a vertical rule."""
    groups = [c for c in row.cells if c.last >= stub]
    if not groups or len(groups) >= n - stub:
        return

    def free(j: int) -> bool:
        return stub <= j < n and not any(c.covers(j) for c in row.cells)

    for g in groups:
        centre = (g.x0 + g.x1) / 2
        while free(g.first - 1) and free(g.last + 1):
            a, b = extents[g.first - 1][0], extents[g.last + 1][1]
            blocked = _rule_between(extents, g.first - 1, g.first, vrules) or _rule_between(
                extents, g.last, g.last + 1, vrules
            )
            if blocked or abs((a + b) / 2 - centre) > 0.1 * (b - a):
                break
            g.first, g.last = g.first - 1, g.last + 1
    for j in range(stub, n):
        if not free(j):
            continue
        centre = sum(extents[j]) / 2
        reachable = [
            g for g in groups if not _rule_between(extents, *sorted((j, g.first if j < g.first else g.last)), vrules)
        ]
        if not reachable:
            continue
        target = min(reachable, key=lambda g: (abs((g.x0 + g.x1) / 2 - centre), g.first))
        target.first, target.last = min(target.first, j), max(target.last, j)


def _rule_between(extents: list[tuple[float, float]], lo: int, hi: int, vrules: list[VRule]) -> bool:
    if lo == hi:
        return False
    a, b = extents[lo][1], extents[hi][0]
    return any(a - 0.5 <= v.x <= b + 0.5 for v in vrules)


def _body_cells(line: _Line, extents: list[tuple[float, float]]) -> list[GridCell]:
    cells: list[GridCell] = []
    for chunk in line.chunks:
        cols = _covered(chunk, extents)
        first, last = (
            (min(cols), max(cols)) if len(cols) > 1 and not chunk.numeric else (_column_of(chunk.centre, extents),) * 2
        )
        if cells and cells[-1].first <= last and first <= cells[-1].last:
            prev = cells[-1]
            cells[-1] = GridCell(f"{prev.text} {chunk.text}", min(prev.first, first), max(prev.last, last), prev.bold)
        else:
            cells.append(GridCell(chunk.text, first, last, chunk.bold))
    return cells


def _pitch(body: list[_Line]) -> float:
    mids = [line.middle for line in body if line.has_numbers()]
    steps = [b - a for a, b in itertools.pairwise(mids) if b > a]
    return statistics.median(steps) if steps else 10.0


def _near_a_row(line: _Line, value_lines: list[_Line], pitch: float) -> bool:
    """A label line within ~half a row pitch of a row of values: a multirow label, not a section."""
    return any(abs(line.middle - v.middle) < 0.7 * pitch for v in value_lines)


def _spread(cells: list[GridCell], n: int) -> bool:
    return len({c.first for c in cells}) >= max(2, (n - 1) // 2)


def _blocks(grid: Grid, row_y: list[float | None], rules: list[HRule]) -> list[list[int]]:
    """Body row indexes in groups separated by the given rules, header rows and section rows."""
    ys = sorted(r.y for r in rules)
    blocks: list[list[int]] = [[]]
    previous_y: float | None = None
    for i, row in enumerate(grid.rows):
        y = row_y[i]
        crossed = previous_y is not None and y is not None and any(previous_y < ry < y for ry in ys)
        if row.kind != BODY or crossed:
            blocks.append([])
        if row.kind == BODY:
            blocks[-1].append(i)
        previous_y = y if y is not None else previous_y
    return [b for b in blocks if b]


def fill_labels(
    grid: Grid,
    blocks: dict[int, list[list[int]]] | None,
    row_y: Sequence[float | None] = (),
    size: float = 0.0,
) -> None:
    """Give every body row its row header per stub column, filling row groups.

    Only sparse stub columns hold group labels (a column with a label on most rows, or check
    marks, is read row by row). Within a block, a label printed on the block's first row covers
    the rows down to the next label (top-aligned groups); labels that start lower are
    \\multirow labels centred on their rows: label lines about one text line apart are one label
    ("INT3" over "g128"), and each row takes the label printed nearest to it.
    """
    if blocks is None:
        blocks = dict.fromkeys(range(grid.stub), _body_blocks(grid))
    for row in grid.rows:
        if row.kind == BODY:
            row.labels = [
                " ".join(cell.text for cell in row.cells if cell.first == c and cell.last < grid.stub)
                for c in range(grid.stub)
            ]

    def position(i: int, k: int) -> float:
        y = row_y[i] if i < len(row_y) else None
        return y / max(size, 1.0) if y is not None and size else float(k)

    for c, column_blocks in blocks.items():
        for block in column_blocks:
            _fill_block(grid, block, c, row_y, size, position)


def _body_blocks(grid: Grid) -> list[list[int]]:
    """Runs of body row indexes, split at header and section rows."""
    plain: list[list[int]] = []
    current: list[int] = []
    for i, row in enumerate(grid.rows):
        if row.kind == BODY:
            current.append(i)
        elif current:
            plain.append(current)
            current = []
    if current:
        plain.append(current)
    return plain


def _fill_block(
    grid: Grid,
    block: list[int],
    c: int,
    row_y: Sequence[float | None],
    size: float,
    position: Callable[[int, int], float],
) -> None:
    """The labels of stub column ``c`` over one block of body rows (see ``fill_labels``)."""
    raw = [(i, grid.rows[i].labels[c]) for i in block]
    filled = [k for k, (_, text) in enumerate(raw) if text]
    if not filled or len(raw) < 2:
        return
    if len(filled) * 5 > len(raw) * 3:
        # A label (or a mark) on most rows: read row by row, but a label printed on a line
        # of its own, a little off its row, belongs to the row of values nearest to it.
        _attach_stray_labels(grid, block, c, position)
        return
    if filled[0] == 0:
        label = ""
        for i, text in raw:
            label = text or label
            grid.rows[i].labels[c] = label
        return
    runs: list[tuple[list[int], str]] = []  # (positions in the block, joined text)
    for k in filled:
        i, text = raw[k]
        previous = runs[-1][0][-1] if runs else None
        if previous is not None and _one_text_line_apart(row_y, block[previous], i, size, k - previous):
            runs[-1] = (runs[-1][0] + [k], f"{runs[-1][1]} {text}")
        else:
            runs.append(([k], text))
    for k, (i, _) in enumerate(raw):
        here = position(i, k)
        nearest = min(
            runs,
            key=lambda run: (abs(here - statistics.mean(position(block[x], x) for x in run[0])), run[0][0]),
        )
        grid.rows[i].labels[c] = nearest[1]


def _attach_stray_labels(grid: Grid, block: list[int], c: int, position: Any) -> None:
    def has_values(i: int) -> bool:
        return any(cell.first >= grid.stub for cell in grid.rows[i].cells)

    for k, i in enumerate(block):
        text = grid.rows[i].labels[c]
        if not text or has_values(i):
            continue
        neighbours = [
            (kk, ii)
            for kk, ii in ((k - 1, block[k - 1] if k else None), (k + 1, block[k + 1] if k + 1 < len(block) else None))
            if ii is not None and has_values(ii)
        ]
        if not neighbours:
            continue
        kk, target = min(neighbours, key=lambda n: abs(position(n[1], n[0]) - position(i, k)))
        if not grid.rows[target].labels[c]:
            grid.rows[target].labels[c] = text


def _one_text_line_apart(row_y: Sequence[float | None], a: int, b: int, size: float, steps: int) -> bool:
    if a < len(row_y) and b < len(row_y) and row_y[a] is not None and row_y[b] is not None and size:
        return abs(row_y[b] - row_y[a]) <= 1.4 * size  # type: ignore[operator]
    return steps == 1
