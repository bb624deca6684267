"""Requests of the how-to sheet routes for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the sheet routes, or None for other routes."""
    if route.startswith("GET /guides/"):
        return "GET", path.replace("{key}", "step-listing"), {}
    return None
