"""Fixtures the worker's tests share."""

from __future__ import annotations

import pytest

from reviews.models import Review
from reviews.services import load_reference_data


@pytest.fixture
def review(db: None) -> Review:
    """The reference review (llm-quantization) with the shipped method and benchmark registry, as
    `make run` loads it. A module that needs a review of its own defines its own `review`."""
    load_reference_data()
    return Review.objects.get(slug="llm-quantization")
