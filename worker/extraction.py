"""The extract stage's entry point: runs whichever receipt extractors are installed on a parsed document."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

Extractor = Callable[[int], int]


def installed_extractors() -> list[Extractor]:
    """The callables named in settings.RECEIPT_EXTRACTORS, each taking a document id and returning
    how many receipts it wrote."""
    return [import_string(path) for path in getattr(settings, "RECEIPT_EXTRACTORS", [])]


def extract_document_receipts(document_id: int) -> int:
    """Run every installed extractor on one parsed document; returns the receipts written."""
    written = 0
    for extractor in installed_extractors():
        written += extractor(document_id)
    return written
