"""Requests of the e-payment account routes (API and pages) for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.producers.models import PaymentAccount, PaymentKind, PaymentStatus
from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

ROUTES = {
    "GET /api/v1/producers/{producer_id}/payment-accounts",
    "POST /api/v1/producers/{producer_id}/payment-accounts",
    "GET /api/v1/payment-accounts/{account_id}",
    "PUT /api/v1/payment-accounts/{account_id}",
    "GET /api/v1/payment-providers",
    "POST /api/v1/payment-providers",
    "POST /producers/{producer_id}/payment-accounts",
    "POST /payment-accounts/{account_id}",
    "GET /admin/payment-providers",
    "POST /admin/payment-providers",
}


def _account(session: Session, w: "World", t: str) -> PaymentAccount:
    """The target producer's first account, made on first use."""
    producer = w.producer[t]
    account = session.scalar(
        select(PaymentAccount)
        .where(PaymentAccount.producer_id == producer.id)
        .order_by(PaymentAccount.id)
    )
    if account is None:
        account = PaymentAccount(
            producer_id=producer.id,
            hamlet_id=producer.hamlet_id,
            provider="momo",
            kind=PaymentKind.e_wallet,
            status=PaymentStatus.applied,
        )
        session.add(account)
        session.commit()
    return account


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the payment routes, or None for other routes."""
    if route not in ROUTES:
        return None
    method = route.split(" ", 1)[0]
    url = path.replace("{producer_id}", str(w.producer[t].id))
    body: dict[str, Any] = {"provider": "momo", "status": "open"}
    if "{account_id}" in url:
        account = _account(session, w, t)
        url = url.replace("{account_id}", str(account.id))
        body["version"] = account.version
    if route.endswith("/payment-providers"):
        body = {
            "code": f"vi_{t}_{actor.id if actor else 0}",
            "name": "Ví thử",
            "kind": "e_wallet",
        }
    if method == "GET":
        return ("GET", url, {})
    if url.startswith("/api/"):
        return (method, url, {"json": body})
    return (method, url, {"data": {k: str(v) for k, v in body.items()}})
