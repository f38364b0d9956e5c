"""Numbers as papers print them in tables: "1.3e3", "571.", "4,817", "38.41%", "65.3±0.2", "12.3*",
"84.20/84.67", dashes and "N/A" for missing cells (pure)."""

from __future__ import annotations

import math
import re

_SIGN = r"[+\-−–]?"
_NUM = rf"{_SIGN}(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+\.\d*(?:[eE][+\-−]?\d+)?|\d+(?:[eE][+\-−]?\d+)?|\.\d+)"
# Footnote, significance and emphasis marks printed right after a number.
MARKS = "*†‡§¶⋆∗♠♣♢♡♦◦•"
_VALUE = rf"(?:{_NUM})(?:±(?:{_NUM}))?%?[{MARKS}]*"
# A cell that is printed but holds no number: dashes, "N/A", out-of-memory marks.
_MISSING = r"(?:[-–—−]{1,3}|N/?A|n/?a|NA|OOM|NaN|nan|OOT|TBD|✗)[" + MARKS + r"]*"
_CELL_RE = re.compile(rf"(?:{_VALUE}|{_MISSING})(?:/(?:{_VALUE}|{_MISSING}))*")
_MISSING_RE = re.compile(_MISSING)
_SIZE_RE = re.compile(r"^\d+(?:\.\d+)?[BMK]$")
_PM_RE = re.compile(r"\s*(?:±|\+/-|\+-)\s*")
_STRICT_RE = re.compile(r"[+\-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+\-]?\d+)?")
# Units and ratios that may follow a number in its cell: "22.99ms", "7 mins", "(1.93×)".
UNIT_RE = re.compile(
    r"^(?:ms|s|sec|secs|min|mins|minutes|h|hr|hrs|hour|hours|days|x|×|gb|mb|kb|tb|g|m|k|%|tokens/s|tok/s|"
    r"gpus?|w|mj|j|it/s)$",
    re.IGNORECASE,
)
_UNIT_SUFFIX_RE = re.compile(
    r"^(?P<num>[\d.,]+)\s?(?P<unit>ms|s|sec|mins?|minutes|h|hrs?|hours|days|gb|mb|kb|tb|x|×)$", re.I
)


def is_value_token(token: str) -> bool:
    """A cell as printed in a results table: a number (maybe with ±, %, marks, a/b pairs) or a dash."""
    return bool(_CELL_RE.fullmatch(token)) and not _SIZE_RE.match(token)


def is_number_token(token: str) -> bool:
    """A value token that holds a number (not a dash or "N/A")."""
    return is_value_token(token) and any(parse_number(v) is not None for v in split_values(token))


def is_missing(text: str) -> bool:
    return bool(_MISSING_RE.fullmatch(text.strip()))


def unit_of(text: str) -> str:
    """The unit printed with a number ("22.99ms" -> "ms", "7 mins" -> "mins"), or ""."""
    m = _UNIT_SUFFIX_RE.match(text.strip())
    return m.group("unit").lower() if m else ""


def parse_number(text: str | None) -> float | None:
    """The number a printed cell shows, or None for a dash, "N/A" or anything that is not a number.

    Handles "1.3e3", "571.", "1,596.83", "38.41%", "65.3±0.2", "12.3*" (footnote and bold marks),
    the Unicode minus, and a trailing "(+0.2)" or "(1.93×)". Never returns NaN or infinity.
    """
    if text is None:
        return None
    s = text.strip()
    s = re.sub(r"\s*\([^()]*\)\s*$", "", s)  # "44.57 (1.93×)" -> "44.57"
    s = _PM_RE.split(s, maxsplit=1)[0]
    s = s.strip().rstrip(MARKS).rstrip("%").rstrip(MARKS).strip()
    s = s.replace("−", "-").replace("–", "-").replace(",", "")
    if not s or _MISSING_RE.fullmatch(s) or not _STRICT_RE.fullmatch(s):
        return None
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def split_values(cell: str) -> list[str]:
    """The printed values of one cell: "84.20/84.67" -> ["84.20", "84.67"]; "—/90.9" keeps the dash."""
    cell = cell.strip()
    core = re.sub(r"\s*\([^()]*\)\s*$", "", cell)
    if "/" in core and _CELL_RE.fullmatch(core.replace(" ", "")):
        return [p.strip() for p in core.replace(" ", "").split("/")]
    return [cell]
