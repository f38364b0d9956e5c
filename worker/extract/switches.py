"""Tables of switches: rows that name no method, only which parts of a technique are on (pure).

An ablation printed as check marks names no method in any row: "Is 8-bit" over "FFN ✓  Linear ✓",
a "Decomp 2%" column beside them, then the tasks. Each row is a configuration, read here:

* a **switch column** holds only marks: ✓ (on) or blank, ✗, a dash (off);
* a **knob column** is a column of plain numbers between the row headers and the first task column
  whose header names no task ("Decomp", "Rank"): a setting of its row, on when above zero;
* the row with every switch and knob on is the paper's own method as a whole;
* the row with every one off is the model at full precision when the switches' headers state a
  lower bit width (no part of it is quantized); else it is the base the techniques are added to,
  which has no name, and is not reported;
* rows in between are ablations, not a method the paper names, and are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from worker.extract.vocab import RowInfo, Setting, parse_setting
from worker.reading.numbers import parse_number
from worker.reading.tables import Grid

_ON_RE = re.compile(r"[✓✔√]|yes|Yes|YES")
_OFF_RE = re.compile(r"(?:[✗✘×]|no|No|NO|[-–—−])?")  # blank is off too


@dataclass
class SwitchReading:
    """What the switches of a table say: the method of each row they name, the knob columns."""

    rows: dict[int, RowInfo] = field(default_factory=dict)
    knobs: set[int] = field(default_factory=set)


def _mark(text: str) -> bool | None:
    """True for a mark that switches a part on, False for one that leaves it off, None for any other text."""
    text = text.strip()
    if _ON_RE.fullmatch(text):
        return True
    if _OFF_RE.fullmatch(text):
        return False
    return None


def _cell_text(grid: Grid, r: int, c: int) -> str:
    row = grid.rows[r]
    if c < grid.stub:
        return row.labels[c] if c < len(row.labels) else ""
    return " ".join(cell.text for cell in row.cells if cell.first == c)


def _headers(grid: Grid, c: int, first_body: int) -> list[str]:
    """The header texts over column ``c``, top down."""
    out = []
    for i in grid.header_block(first_body):
        cell = grid.rows[i].cell_at(c)
        if cell is not None and cell.text:
            out.append(cell.text)
    return out


def _switch_columns(grid: Grid, rows: Sequence[int], knobs: Sequence[int]) -> list[int]:
    """Columns whose every cell in ``rows`` is a mark, at least one of them on."""
    out = []
    for c in range(grid.columns):
        if c in knobs:
            continue
        marks = [_mark(_cell_text(grid, r, c)) for r in rows]
        if None not in marks and any(marks):
            out.append(c)
    return out


def _knob_values(grid: Grid, rows: Sequence[int], candidates: Sequence[int]) -> dict[int, dict[int, str]]:
    """Candidate knob columns whose every cell in ``rows`` is a number: column -> row -> text."""
    out: dict[int, dict[int, str]] = {}
    for c in candidates:
        texts = {r: _cell_text(grid, r, c) for r in rows}
        if all(parse_number(t) is not None for t in texts.values()):
            out[c] = texts
    return out


def read_switches(
    grid: Grid, rows: Sequence[int], knob_candidates: Sequence[int], own: str, full_precision: str
) -> SwitchReading | None:
    """The configurations of a table whose rows (``rows``, the body rows with values) name no method;
    None when it is not a table of switches. ``knob_candidates`` are the value columns left of the
    first task column whose header names no task; ``own`` is the paper's method, ``full_precision``
    the registry's name for the unquantized model."""
    if not rows:
        return None
    knobs = _knob_values(grid, rows, knob_candidates)
    switches = _switch_columns(grid, rows, list(knobs))
    if not switches:
        return None
    first_body = min(rows)
    lowered = Setting()
    for c in switches:
        for text in _headers(grid, c, first_body):
            s, _ = parse_setting(text)
            if s.w is not None and s.w < 16:
                lowered = s  # "Is 8-bit": a switch on means that part runs at 8 bits
    reading = SwitchReading(knobs=set(knobs))
    states = {}
    for r in rows:
        on = [_mark(_cell_text(grid, r, c)) for c in switches] + [parse_number(v[r]) != 0 for v in knobs.values()]
        states[r] = (all(on), not any(on))
    if all(every for every, _ in states.values()):
        return None  # nothing is switched off anywhere: not an ablation
    for r, (every, none) in states.items():
        if every and own:
            note = ", ".join(f"{(_headers(grid, c, first_body) or [''])[-1]} {v[r]}".strip() for c, v in knobs.items())
            setting = Setting(lowered.w, lowered.a, weight_only_hint=lowered.weight_only_hint, note=note)
            reading.rows[r] = RowInfo(method=own, known=True, ours=True, setting=setting)
        elif none and lowered.w is not None and full_precision:
            reading.rows[r] = RowInfo(method=full_precision, known=True, full_precision=True)
    return reading
