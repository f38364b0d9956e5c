"""Checking that a quote appears in a paper's text (pure, no Django).

PDF text differs from what extractors and models quote: ligatures (ﬁ), hyphenation at line ends,
spacing, curly quotes. We normalise both sides, look for the quote as a substring, and otherwise
accept a window of the page whose word set overlaps the quote's enough (token Jaccard).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
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


def best_window(quote_words: list[str], page_words: list[tuple[str, int, int]]) -> tuple[float, int, int]:
    """The best token Jaccard between the quote's word set and any run of as many consecutive page
    words, with that run's character span; (0.0, 0, 0) when nothing overlaps.

    One pass with running counts, so a page of thousands of words costs O(words), not
    O(words x quote length)."""
    wanted = set(quote_words)
    words = [w for w, _, _ in page_words]
    if not wanted or not words:
        return 0.0, 0, 0
    width = min(len(quote_words), len(words))
    counts: Counter[str] = Counter()
    overlap = 0  # distinct words of the window that are in the quote
    best = (0.0, 0, 0)
    for i, word in enumerate(words):
        counts[word] += 1
        if counts[word] == 1 and word in wanted:
            overlap += 1
        if i >= width:
            old = words[i - width]
            counts[old] -= 1
            if counts[old] == 0:
                del counts[old]
                if old in wanted:
                    overlap -= 1
        if i >= width - 1:
            score = overlap / (len(wanted) + len(counts) - overlap)
            if score > best[0]:
                best = (score, page_words[i - width + 1][1], page_words[i][2])
    return best


def jaccard_in(quote_tokens: list[str], page_tokens: list[str]) -> float:
    """Best token Jaccard between the quote and any window of the page of the quote's length."""
    return best_window(quote_tokens, [(t, 0, 0) for t in page_tokens])[0]


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
