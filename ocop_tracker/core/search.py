"""Search by words: one LIKE per word of a folded query, over a folded key column."""

from typing import Any

from sqlalchemy import ColumnElement


def like_words(column: Any, folded: str) -> list[ColumnElement[bool]]:
    """One LIKE per word of an already folded query, with wildcards escaped."""
    conditions: list[ColumnElement[bool]] = []
    for word in folded.split():
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(column.like(f"%{escaped}%", escape="\\"))
    return conditions
