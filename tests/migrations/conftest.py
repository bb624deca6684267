"""Migration tests each run on an empty database of their own."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dbutil import fresh_database


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema), dropped after the test."""
    with fresh_database(tmp_path, "mig") as made:
        yield made
