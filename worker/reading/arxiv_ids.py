"""arXiv identifiers: the id and its version are kept apart everywhere (pure, no Django)."""

import re

# New style 2210.17323 (4 or 5 digits after the dot since 2015) and old style hep-th/9901001,
# optionally followed by a version.
ARXIV_ID = re.compile(
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?",
)
_ANCHORED = re.compile(rf"^(?:arxiv:)?{ARXIV_ID.pattern}$", re.IGNORECASE)


class InvalidArxivId(ValueError):
    """Raised for a string that is not an arXiv identifier."""


def split_arxiv_id(text: str) -> tuple[str, int | None]:
    """('2210.17323', 2) for '2210.17323v2', an abs/pdf URL or 'arXiv:2210.17323v2'; version None if absent."""
    candidate = text.strip()
    for marker in ("/abs/", "/pdf/"):
        if marker in candidate:
            candidate = candidate.split(marker, 1)[1]
            break
    candidate = candidate.removesuffix(".pdf").rstrip("/")
    match = _ANCHORED.match(candidate)
    if not match:
        raise InvalidArxivId(f"not an arXiv id: {text!r}")
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def find_arxiv_ids(text: str) -> list[tuple[str, int | None]]:
    """Every new-style arXiv id printed in free text ("arXiv:2101.00001v2", "arxiv.org/abs/2101.00001")."""
    found = re.finditer(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v(\d+))?(?![\d])", text)
    return [(m.group(1), int(m.group(2)) if m.group(2) else None) for m in found]
