"""Reads of accounts for pages: who did or decided something, by name.

Nothing here writes.
"""

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ocop_tracker.users import repository

GONE = "(đã xóa)"


def display_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the people who did or decided something (one query).

    Not filtered by area: the ids come from records the caller may already see
    (a step done by a team, a claim verified by the department), and a verifier
    above the caller's area must still be named. A removed account is "(đã xóa)".
    """
    ids = {i for i in user_ids if i is not None}
    found = repository.display_names(session, ids)
    return {i: found.get(i, GONE) for i in ids}
