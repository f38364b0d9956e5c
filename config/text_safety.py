"""Text a paper controls, made safe for the formats we export: spreadsheets and Markdown.
(HTML is escaped by the templates.)"""

from __future__ import annotations

import re
from typing import Any


def csv_safe(cell: Any) -> Any:
    """Neutralise spreadsheet formulas (=cmd|…) in text a paper controls, as OWASP advises."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def markdown_text(text: Any) -> str:
    """Markdown-safe text: a paper's words must not become links, HTML or table structure."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>])", r"\\\1", str(text)).replace("\n", " ")
