"""Requests of the product and certificate edit pages for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

CERT = "/products/{product_id}/certificates/{certificate_id}"


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the edit pages, or None for the others."""
    product, cert = w.product[t], w.certificate[t]
    url = path.replace("{product_id}", str(product.id)).replace(
        "{certificate_id}", str(cert.id)
    )
    if route in {
        "GET /products/{product_id}/edit",
        "GET /products/{product_id}/reprint",
        f"GET {CERT}/edit",
        f"GET {CERT}/revoke",
    }:
        return ("GET", url, {})
    if route == "POST /products/{product_id}/edit":
        body = {
            "version": str(product.version),
            "name": product.name,
            "kind": product.kind.value,
            "unit": "hộp",
        }
        return ("POST", url, {"data": body})
    if route == f"POST {CERT}/edit":
        body = {
            "version": str(cert.version),
            "stars": str(cert.stars),
            "decision_number": cert.decision_number,
            "decision_date": cert.decision_date.isoformat(),
            "authority": cert.authority,
            "level": cert.level.value,
            "expires_on": cert.expires_on.isoformat(),
            "score": "61",
        }
        return ("POST", url, {"data": body})
    if route == f"POST {CERT}/revoke":
        body = {
            "version": str(cert.version),
            "revoked_on": clock.today().isoformat(),
            "reason": "Thu hồi thử",
        }
        return ("POST", url, {"data": body})
    return None
