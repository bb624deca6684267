"""Every SQL statement about users."""

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import scope_to_user
from ocop_tracker.core import query
from ocop_tracker.core.text import fold
from ocop_tracker.users.models import Role, User


def by_login(session: Session, login: str) -> User | None:
    """The account with this (case-folded) login."""
    return session.scalar(select(User).where(User.login == login))


def visible_statement(actor: User) -> Select[User]:
    """Users inside the actor's area (admin: all)."""
    return scope_to_user(select(User), actor, User.area_id)


def page(
    session: Session,
    actor: User,
    *,
    q: str | None,
    role: Role | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[User], int]:
    """One page of the users the actor may see."""
    stmt = visible_statement(actor)
    if role is not None:
        stmt = stmt.where(User.role == role)
    if q:
        key = fold(q).replace("\\", "").replace("%", "").replace("_", "")
        stmt = stmt.where(User.search_key.like(f"%{key}%"))
    total = query.count(session, stmt)
    rows = session.scalars(stmt.order_by(User.login).limit(limit).offset(offset)).all()
    return rows, total


def display_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The display names of these accounts, by id (one query)."""
    return query.names_by_id(session, User.id, User.display_name, user_ids)
