"""The shape of a read paper, and its one JSON form (what the database stores and gives back).

``ParsedDocument`` → pages → text, captions and tables; a table carries its caption, its box on
the page and its geometric grid (``worker.reading.tables.Grid``). ``to_json``/``from_json`` are
the only (de)serialisers: the parse stage stores with them and the extract stage reads with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from worker.reading.tables import Grid


@dataclass
class ParsedTable:
    """A table found on a page.

    ``bbox`` is ``(x0, top, x1, bottom)`` in PDF points from the page's top-left corner.
    ``grid`` is the table rebuilt from word positions and ruling lines: header rows with spans,
    row-header (stub) columns, row groups and section rows. ``caption`` is the "Table N: ..."
    caption, ``""`` if none.
    """

    page: int
    bbox: tuple[float, float, float, float]
    grid: Grid
    caption: str

    @property
    def rows(self) -> list[list[str | None]]:
        """Cell texts row by row, one entry per grid column; ``None`` where a spanning cell covers it."""
        return self.grid.text_rows()

    def to_json(self) -> dict[str, Any]:
        return {"caption": self.caption, "bbox": list(self.bbox), "grid": self.grid.to_json(), "rows": self.rows}

    @classmethod
    def from_json(cls, page: int, data: dict[str, Any]) -> ParsedTable:
        bbox = tuple(float(v) for v in (data.get("bbox") or (0, 0, 0, 0)))[:4]
        grid = Grid.from_json(data["grid"]) if data.get("grid") else Grid.from_text_rows(data.get("rows") or [])
        return cls(page=page, bbox=bbox, grid=grid, caption=str(data.get("caption") or ""))  # type: ignore[arg-type]


@dataclass
class ParsedPage:
    """One page. ``number`` is 1-based.

    ``text`` is the page text in reading order (column by column for two-column layouts) with
    real spaces between words and lines joined by ``"\\n"``; there are no empty lines, and a
    word hyphenated across a line break keeps its hyphen at the end of the first line.
    ``captions`` are the lines of ``text`` that start with "Table N" / "Figure N" / "Fig. N"
    followed by ":" or ".", in reading order.
    """

    number: int
    text: str
    tables: list[ParsedTable] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)

    def tables_json(self) -> list[dict[str, Any]]:
        return [t.to_json() for t in self.tables]

    @classmethod
    def from_json(cls, number: int, text: str, tables: list[dict[str, Any]], captions: list[str]) -> ParsedPage:
        return cls(number, text, [ParsedTable.from_json(number, t) for t in tables], list(captions))


@dataclass
class ParsedDocument:
    """A parsed PDF. ``page_count == len(pages)``; ``seconds`` is the wall time of parsing;
    ``parser_version`` says which parser produced it, so stored parses can be redone when it changes."""

    sha256: str
    page_count: int
    pages: list[ParsedPage]
    seconds: float
    parser_version: str
