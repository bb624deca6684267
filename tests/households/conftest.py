"""Household page tests start with the public pages' per-address limit reset."""

from collections.abc import Iterator

import pytest

from ocop_tracker.public import hotpath


@pytest.fixture(autouse=True)
def fresh_limit() -> Iterator[None]:
    hotpath.limiter.reset()
    yield
    hotpath.limiter.reset()
