"""Reads of areas for pages: the hamlets a form offers.

Nothing here writes. The hamlets a form offers are those the user may work in
(``auth/scope.py``).
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.users.models import TEAM_ROLES, User


def hamlet_choices(
    session: Session, user: User, *, limit: int = 200
) -> Sequence[AdminUnit]:
    """The hamlets a form lets this user pick: a team's own, else those in the area."""
    if user.role in TEAM_ROLES:
        return [area_service.get(session, user.area_id)] if user.area_id else []
    hamlets, _ = area_service.search(
        session, level=Level.hamlet, viewer=user, limit=limit
    )
    return hamlets
