"""Reads of accounts: one account, the list, who may manage whom, names.

Nothing here writes; the commands (create, change, passwords, sessions) are in
``users/service.py``. Every read is scoped through ``auth/scope.py``.
"""

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import covers, ensure_visible
from ocop_tracker.core.errors import NotFound
from ocop_tracker.users import repository
from ocop_tracker.users.models import TEAM_ROLES, Role, User

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


def get_visible(session: Session, actor: User, user_id: int) -> User:
    """A user the actor may see (404 otherwise)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản này.")
    if actor.role is not Role.admin:
        ensure_visible(session, actor, user.area_id, "tài khoản")
    return user


def list_users(
    session: Session,
    actor: User,
    *,
    q: str | None = None,
    role: Role | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[User], int]:
    """Users inside the actor's area."""
    return repository.page(session, actor, q=q, role=role, limit=limit, offset=offset)


def may_manage(session: Session, actor: User, role: Role, area_id: int | None) -> bool:
    """Admins manage everyone; officials only team accounts inside their area."""
    if actor.role is Role.admin:
        return True
    return (
        actor.role is Role.official
        and role in TEAM_ROLES
        and covers(session, actor, area_id)
    )
