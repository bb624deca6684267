"""Requests of the household's private link routes for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.households import service as household_service
from ocop_tracker.users.models import User
from tests.factories import make_actor

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

ROUTES = {
    "GET /h/{token}",
    "POST /producers/{producer_id}/household-sheet",
    "POST /producers/{producer_id}/household-link/off",
}


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the household routes, or None for other routes."""
    if route not in ROUTES:
        return None
    producer = w.producer[t]
    if route == "GET /h/{token}":
        token = household_service.issue(session, make_actor(session), producer)
        session.commit()
        return ("GET", f"/h/{token}", {})
    if route.endswith("/off"):
        household_service.issue(session, make_actor(session), producer)
        session.commit()
    return ("POST", path.replace("{producer_id}", str(producer.id)), {"data": {}})
