"""Name normalisation shared by the method and benchmark registries (pure, no Django)."""

import re
import unicodedata
from collections.abc import Callable

# Characters that spell the same name differently ("LLM.int8()" / "LLM int8", "ARC-e" / "ARC e").
# '#' and '+' stay: QuIP# is not QuIP and OS+ is not OS.
_IGNORED = re.compile(r"[\s\-_.()'’‘`·,:;/\\]+")


def normalize_name(name: str) -> str:
    """The lookup key of a method or benchmark name: case-folded, without spacing and punctuation."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return _IGNORED.sub("", folded.replace("–", "-").replace("—", "-"))


def name_slug(name: str) -> str:
    """A URL slug that keeps QuIP# and QuIP (or OS+ and OS) apart."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.replace("#", " sharp ").replace("+", " plus ")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "method"


def unique_slug(base: str, taken: Callable[[str], bool]) -> str:
    """``base``, or ``base-2``, ``base-3`` ... when ``taken`` says a slug is in use: two names can
    slug alike ("AQAS + dINT4" and "AQAS+dINT4 ")."""
    slug, n = base, 2
    while taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug
