"""Checking that a refusal names its field, and that no code is in its message."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ocop_tracker.core.errors import AppError

# What an older message began with: a field's code ("phone: …").
CODE = re.compile(r"^[a-z_]+: |\([a-z_]+\)")


def no_code(message: str) -> None:
    """A message a user reads holds no field code."""
    assert not CODE.search(message), message


@contextmanager
def refused(
    kind: type[AppError], field: str, pattern: str = ""
) -> Iterator[pytest.ExceptionInfo[AppError]]:
    """``pytest.raises(kind, match=pattern)`` that also checks the error
    names exactly ``field``, with the message for it, and holds no code."""
    with pytest.raises(kind, match=pattern) as caught:
        yield caught
    error = caught.value
    assert set(error.fields) == {field}, error.fields
    assert re.search(pattern, error.fields[field]), error.fields
    no_code(error.message)
