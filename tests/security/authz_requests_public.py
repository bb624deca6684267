"""Requests of the public page and card routes for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.products.models import Product
from ocop_tracker.products.rules import gtin_check_digit
from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of our routes, or None for routes that are not ours."""
    if route == "GET /p/{code}":
        return "GET", f"/p/{w.product[t].public_code}", {}
    if route == "GET /01/{gtin}":
        # Requests expunge the session: give the stored product its GTIN.
        product = session.get(Product, w.product[t].id)
        assert product is not None
        body = f"893{product.id:09d}"
        gtin = body + str(gtin_check_digit(body))
        product.gtin = gtin
        session.commit()
        return "GET", f"/01/{gtin}", {}
    if route in {"GET /api/v1/cards.pdf", "GET /cards", "GET /cards/pdf"}:
        return "GET", path, {"params": {"area_id": w.hamlet[t].id}}
    return None
