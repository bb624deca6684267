"""Reads of cards for the print page: the products to pick under an area, the
ancestors to climb to, each scoped through ``auth/scope.py``."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import covered_ids, covers
from ocop_tracker.cards import repository
from ocop_tracker.core import clock
from ocop_tracker.users.models import User


@dataclass(frozen=True)
class Picking:
    """The products under an area today: how many, and the first by name to tick."""

    count: int
    products: list[tuple[int, str]]


def picking(session: Session, user: User, area_id: int, *, limit: int) -> Picking:
    """How many products lie under the area; (id, name) of each when at most ``limit``.

    Nothing for an area outside the user's (the page checked it already: this
    keeps the read safe for any other caller).
    """
    if not covers(session, user, area_id):
        return Picking(0, [])
    day = clock.today()
    count = repository.count_under(session, area_id, day=day)
    products = (
        repository.names_under(session, area_id, day=day, limit=limit)
        if count <= limit
        else []
    )
    return Picking(count, products)


def ancestors(session: Session, user: User, area: AdminUnit) -> list[AdminUnit]:
    """The area's ancestors (itself left out) inside the user's area, root first."""
    chain: Sequence[AdminUnit] = [
        a for a in area_views.ancestors(session, area) if a.id != area.id
    ]
    readable = covered_ids(session, user, [a.id for a in chain])
    return [a for a in chain if a.id in readable]
