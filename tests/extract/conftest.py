import pytest

from worker.extract.receipts import Registry
from worker.extraction import reference_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    """The registry shipped with the code, as extraction reads it."""
    return reference_registry()
