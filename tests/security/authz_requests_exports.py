"""Requests of the page downloads for the authorization matrix: the producers'
list filtered on the target's hamlet (IN: the actor's, OUT: another)."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The download request, or None for the other routes."""
    if route == "GET /exports/{dataset}":
        return (
            "GET",
            "/exports/producers",
            {"params": {"hamlet_id": w.hamlet[t].id, "format": "csv"}},
        )
    return None
