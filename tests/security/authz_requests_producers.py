"""Requests of the producer pages for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the producer pages, or None for other routes."""
    if not route.split(" ", 1)[1].startswith("/producers") or route.endswith(
        ("/seller-accounts", "/coaching-visits")
    ):
        # A producer's seller accounts: authz_requests_sellers.py; its
        # coaching visits: authz_requests_training.py.
        return None
    producer = w.producer[t]
    url = path.replace("{producer_id}", str(producer.id))
    if route == "POST /producers/new":
        form = {
            "hamlet_id": str(w.hamlet[t].id),
            "kind": "household",
            "name": f"Hộ Trang Chủ Thể {t}",
        }
        return ("POST", url, {"data": form})
    if route == "POST /producers/{producer_id}/edit":
        form = {
            "version": str(producer.version),
            "hamlet_id": str(producer.hamlet_id),
            "kind": producer.kind.value,
            "name": producer.name,
            "representative": "Người Đại Diện",
        }
        return ("POST", url, {"data": form})
    if route == "POST /producers/{producer_id}/consents":
        form = {"field": "phone", "granted": "true", "note": "Ký phiếu đồng ý"}
        return ("POST", url, {"data": form})
    return ("GET", url, {})
