"""Requests of the tokens page for the authorization matrix (the revoke route's
``{token_id}`` is filled by the matrix itself: one's own token inside, another's
outside)."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for the token form, or None for the others."""
    if route == "POST /account/tokens":
        return ("POST", path, {"data": {"name": f"Bảng tính {t}", "days": "30"}})
    return None
