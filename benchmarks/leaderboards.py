"""Leaderboards: the best value per method on each benchmark, model and setting, and disagreement."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

# (benchmark id, model, setting, method id)
CellKey = tuple[int, str, str, int]
# A leaderboard cell as a result names it: (benchmark id, model name as printed, setting, method id).
CellRef = tuple[int, str, str, int]

_WEIGHT_BITS = re.compile(r"(?:^|[^a-z])w(\d{1,2})", re.IGNORECASE)
_BITS = re.compile(r"(\d{1,2})\s*-?\s*bits?", re.IGNORECASE)


_PLAIN_NUMBER_RE = re.compile(r"^[-+−]?[\d,]*(?:\.(?P<decimals>\d+))?%?$")


def printed_decimals(text: str) -> int | None:
    """Decimals of a number as printed ("18.53" → 2, "1,596.83" → 2, "67.30%" → 2, "42" → 0), or
    None when it was not printed as a plain decimal ("8.7e3", "")."""
    m = _PLAIN_NUMBER_RE.match(text.strip())
    if not m or not re.search(r"\d", text):
        return None
    return len(m.group("decimals") or "")


def shown_value(value: float, printed: str = "", decimals: int | None = None) -> str:
    """A value as the paper printed it: its own text when there is one, else at ``decimals``, else
    in at most six significant digits without trailing zeros (5.81, never 5.8100)."""
    if printed.strip():
        return printed.strip()
    if decimals is not None:
        return f"{value:,.{decimals}f}" if abs(value) >= 10_000 else f"{value:.{decimals}f}"
    return f"{value:.6g}"


def bits_per_weight(setting: str, weight_bits: int | None) -> float | None:
    """Bits per weight of a setting: the parsed field, else W4A16 → 4, "3-bit" → 3, FP16 → 16."""
    if weight_bits:
        return float(weight_bits)
    for pattern in (_WEIGHT_BITS, _BITS):
        match = pattern.search(setting)
        if match:
            return float(match.group(1))
    if re.search(r"fp16|bf16|w16", setting, re.IGNORECASE):
        return 16.0
    return None


def spread_sample(ordered: list, most: int) -> list:
    """At most `most` of the ordered values: both ends and evenly spaced ones between."""
    if len(ordered) <= most:
        return ordered
    step = (len(ordered) - 1) / (most - 1)
    return [ordered[round(i * step)] for i in range(most)]


@dataclass
class Cell:
    """All papers' values for one method on one benchmark, model and setting.

    Only values whose table names the benchmark are compared (``per_paper``: spread, disagreement):
    a value whose benchmark the extractor assumed ("PPL" with no dataset read as the paper's usual
    WikiText-2) may be of another dataset. It still ranks, and its paper counts in ``papers``."""

    best_value: float
    best_result: int
    best_paper: int
    best_pending: bool
    bits: float | None
    per_paper: dict[int, float] = field(default_factory=dict)
    papers: set[int] = field(default_factory=set)
    # The result behind each paper's compared value (its receipt, for the ledger's sample).
    per_paper_result: dict[int, int] = field(default_factory=dict)

    def sample(self, most: int) -> list[int]:
        """Results behind at most `most` of the compared values, in value order: both ends and evenly
        spaced ones between (the ledger shows these, not every paper's value)."""
        ordered = sorted(self.per_paper, key=lambda paper: (self.per_paper[paper], self.per_paper_result[paper]))
        return [self.per_paper_result[paper] for paper in spread_sample(ordered, most)]

    @property
    def spread(self) -> float:
        values = list(self.per_paper.values())
        if len(values) < 2:
            return 0.0
        mean = math.fsum(values) / len(values)  # exactly rounded: the same whatever order rows came in
        return (max(values) - min(values)) / abs(mean) if mean else 0.0

    @property
    def low_high(self) -> tuple[float, float]:
        """The ends of the compared values; the best value alone when none was compared."""
        values = self.per_paper.values()
        return (min(values), max(values)) if values else (self.best_value, self.best_value)


# (id, paper, benchmark, model, setting, method, value, weight bits, status, benchmark inferred)
ResultRow = tuple[int, int, int, str, str, int, float, int | None, str, bool]


def _better(value: float, result_id: int, than: float, than_result: int, lower: bool) -> bool:
    """Whether a value beats another; equal values go to the older result, so the rows' order (which
    a database does not promise) never decides which receipt a cell shows."""
    if value == than:
        return result_id < than_result
    return value < than if lower else value > than


def build_cells(rows: Iterable[ResultRow], lower_is_better: dict[int, bool]) -> dict[CellKey, Cell]:
    """Fold result rows into cells. Per paper the best of its stated-benchmark values is compared;
    per cell the best over every value, stated or inferred, ranks."""
    cells: dict[CellKey, Cell] = {}
    for result_id, paper_id, benchmark_id, model, setting, method_id, value, weight_bits, status, inferred in rows:
        lower = lower_is_better.get(benchmark_id, True)
        key = (benchmark_id, model, setting, method_id)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell(
                value, result_id, paper_id, status == "pending", bits_per_weight(setting, weight_bits)
            )
        elif _better(value, result_id, cell.best_value, cell.best_result, lower):
            cell.best_value, cell.best_result, cell.best_paper = value, result_id, paper_id
            cell.best_pending = status == "pending"
        cell.papers.add(paper_id)
        if inferred:
            continue
        previous = cell.per_paper.get(paper_id)
        if previous is None or _better(value, result_id, previous, cell.per_paper_result[paper_id], lower):
            cell.per_paper[paper_id] = value
            cell.per_paper_result[paper_id] = result_id
    return cells


def ranked(cells: dict[CellKey, Cell], lower_is_better: dict[int, bool]) -> Iterator[tuple[CellKey, Cell, int]]:
    """Cells with their rank within their board (benchmark, model, setting), best first."""
    boards: dict[tuple[int, str, str], list[tuple[CellKey, Cell]]] = {}
    for key, cell in cells.items():
        boards.setdefault(key[:3], []).append((key, cell))
    for board, entries in boards.items():
        lower = lower_is_better.get(board[0], True)
        entries.sort(key=lambda kc: (kc[1].best_value if lower else -kc[1].best_value, kc[0][3]))
        for rank, (key, cell) in enumerate(entries, start=1):
            yield key, cell, rank
