"""A command's typed fields cleaned one by one, each refusal kept beside its field.

A form with several fields answers every wrong one at once: each value goes
through its domain's cleaning function inside ``FieldErrors.check``, and the
command calls ``errors.raise_any()`` before it writes. ``cleaned`` gives a new
record's values by column name; ``set_given`` writes an update's fields onto
the record, leaving out those the update does not name (``UNSET``).
"""

from collections.abc import Callable
from typing import Any, TypeVar

from ocop_tracker.core.errors import FieldErrors
from ocop_tracker.core.versions import UNSET

T = TypeVar("T")

Cleaner = tuple[Callable[[Any], T], Any]
"""A field's cleaning function and the value sent for it."""


def cleaned(errors: FieldErrors, **fields: Cleaner[T]) -> dict[str, T]:
    """Each field's value (``name=(clean, raw)``) cleaned, by the field's name.

    A refusal is noted in ``errors`` under its field and that field is left
    out: read the values only after ``errors.raise_any()``.
    """
    values: dict[str, T] = {}
    for field, (clean, raw) in fields.items():
        with errors.check(field):
            values[field] = clean(raw)
    return values


def set_given(errors: FieldErrors, record: object, **fields: Cleaner[object]) -> None:
    """Each field an update names (``name=(clean, raw)``, ``raw`` not ``UNSET``)
    cleaned and set on ``record``, in the order given; a refusal is noted in
    ``errors`` under its field and that attribute is left as it was."""
    for field, (clean, raw) in fields.items():
        if raw is UNSET:
            continue
        with errors.check(field):
            setattr(record, field, clean(raw))
