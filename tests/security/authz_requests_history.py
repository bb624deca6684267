"""Requests of the history pages for the authorization matrix (the audit page
has no target: the matrix asks for it as it is)."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for a record's history page, or None for other routes."""
    if not route.endswith("/history") or route.startswith("GET /seller-accounts"):
        return None  # a seller account's: authz_requests_sellers.py
    url = (
        path.replace("{product_id}", str(w.product[t].id))
        .replace("{certificate_id}", str(w.certificate[t].id))
        .replace("{producer_id}", str(w.producer[t].id))
        .replace("{listing_id}", str(w.listing[t].id))
    )
    return ("GET", url, {})
