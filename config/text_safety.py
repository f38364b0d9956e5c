"""Text a paper controls, made safe for where it goes: the database and XML (no control characters),
spreadsheets and Markdown. (HTML is escaped by the templates.)"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; lone surrogates; the two
# noncharacters XML excludes. XML 1.0 forbids the C0 ones (a feed holding one cannot be written),
# PostgreSQL text refuses NUL, and none of them means anything in a title or an abstract.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def plain_text(text: str) -> str:
    """`text` without control characters: what every text field of a paper record is stored as."""
    return CONTROL_CHARACTERS.sub("", text)


def http_url(url: str) -> str:
    """`url` when it is an http(s) link, else "": a feed entry's javascript: or data: link is never
    stored, nor rendered from a row stored before this check."""
    url = url.strip()
    return url if urlsplit(url).scheme.lower() in ("http", "https") and "//" in url[:8] else ""


def csv_safe(cell: Any) -> Any:
    """Neutralise spreadsheet formulas (=cmd|…) in text a paper controls, as OWASP advises. The first
    character is compared in NFKC form: a spreadsheet may read a fullwidth ＝ (U+FF1D) as =."""
    if isinstance(cell, str) and unicodedata.normalize("NFKC", cell[:1]) in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def markdown_text(text: Any) -> str:
    """Markdown-safe text: a paper's words must not become links, HTML or table structure."""
    return re.sub(r"([\\`*_{}\[\]()#+!|<>])", r"\\\1", str(text)).replace("\n", " ")
