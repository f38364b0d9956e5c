"""Checking that a quote appears in a paper's text (pure, no Django).

PDF text differs from what extractors and models quote: ligatures (ﬁ), hyphenation at line ends,
spacing, curly quotes. We normalise both sides, look for the quote as a substring, and otherwise
accept a window of the page whose word set overlaps the quote's enough (token Jaccard).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "−": "-"})


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return " ".join(text.lower().split())


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


@dataclass(frozen=True)
class QuoteMatch:
    found: bool
    page: int | None  # where it was found
    score: float  # 1.0 for a substring, else the best Jaccard


def jaccard_in(quote_tokens: list[str], page_tokens: list[str]) -> float:
    """Best token Jaccard between the quote and any window of the page of the quote's length."""
    width = len(quote_tokens)
    if not width or not page_tokens:
        return 0.0
    wanted = set(quote_tokens)
    best = 0.0
    # A stride of a quarter window keeps this linear in the page length; the best window is never
    # more than a few tokens off a stride point, which costs little overlap.
    stride = max(1, width // 4)
    for start in range(0, max(1, len(page_tokens) - width + 1), stride):
        window = set(page_tokens[start : start + width])
        score = len(wanted & window) / len(wanted | window)
        if score > best:
            best = score
            if best == 1.0:
                break
    return best


def find_quote(quote: str, pages: Iterable[tuple[int, str]], threshold: float = 0.6) -> QuoteMatch:
    """Where `quote` appears among `pages` (number, text): substring first, else Jaccard ≥ threshold."""
    needle = normalise(quote)
    if not needle:
        return QuoteMatch(False, None, 0.0)
    pages = list(pages)
    for number, text in pages:
        if needle in normalise(text):
            return QuoteMatch(True, number, 1.0)
    quote_tokens = tokens(quote)
    best = QuoteMatch(False, None, 0.0)
    for number, text in pages:
        score = jaccard_in(quote_tokens, tokens(text))
        if score > best.score:
            best = QuoteMatch(score >= threshold, number, score)
    return best


def pages_near(pages: dict[int, str], page: int | None, spread: int = 1) -> list[tuple[int, str]]:
    """The stated page first, then its neighbours; every page when none is stated."""
    if page is None:
        return sorted(pages.items())
    order = [page] + [p for d in range(1, spread + 1) for p in (page - d, page + d)]
    return [(p, pages[p]) for p in order if p in pages]
