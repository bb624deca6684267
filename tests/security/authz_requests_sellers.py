"""Requests of the seller account routes for the authorization matrix.

Each account a request needs is made here, in the target's hamlet, by an admin
through the service; a claim to verify is made by the target's team account,
so that no actor of the matrix verifies its own claim.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from ocop_tracker.users.models import Role, User
from tests.factories import shop_url

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

Request = tuple[str, str, dict[str, Any]]


def _voso(session: Session) -> Marketplace:
    market = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
    assert market is not None
    return market


def _account(
    session: Session, w: "World", t: str, *, ready: bool = False, claimed: bool = False
) -> SellerAccount:
    """The target producer's voso account, its checklist done when ``ready``."""
    admin = session.scalar(select(User).where(User.role == Role.admin).limit(1))
    assert admin is not None
    market = _voso(session)
    account = seller_service.create_account(
        session,
        admin,
        w.producer[t],
        marketplace_id=market.id,
        status=SellerStatus.applied,
    )
    if ready or claimed:
        for item in seller_views.prerequisites(session, market.id, active_only=True):
            if item.required:
                seller_service.set_item(
                    session, admin, account, item_code=item.code, done=True
                )
    if claimed:
        seller_service.claim_open(
            session,
            w.account[t],
            account,
            shop_url=shop_url(w.producer[t], "voso"),
            version=account.version,
        )
    session.commit()
    return account


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> Request | None:
    """The request of one seller account route, or None for other domains' routes."""
    if route.startswith(
        ("GET /api/v1/seller-flag-rules", "PUT /api/v1/seller-flag-rules")
    ):
        url = path.replace("{code}", "dormant_shop")
        if route.startswith("PUT"):
            return ("PUT", url, {"json": {"days": 60}})
        return ("GET", url, {})
    if "/seller-accounts" not in path and "/prerequisites" not in path:
        return None
    producer = w.producer[t]
    if not path.startswith("/api/"):
        return _page_request(route, path, w, t, session)
    if route == "GET /api/v1/producers/{producer_id}/seller-accounts":
        _account(session, w, t)
        return ("GET", f"/api/v1/producers/{producer.id}/seller-accounts", {})
    if route == "POST /api/v1/producers/{producer_id}/seller-accounts":
        body = {"marketplace_id": _voso(session).id, "status": "preparing"}
        return (
            "POST",
            f"/api/v1/producers/{producer.id}/seller-accounts",
            {"json": body},
        )
    if "/prerequisites" in path:
        url = path.replace("{marketplace_id}", str(_voso(session).id)).replace(
            "{item_code}", "business_registration"
        )
        if route.startswith("POST"):
            body = {"code": f"item_{t}", "label": f"Việc thử {t}"}
            return ("POST", url, {"json": body})
        if route.startswith("PATCH"):
            return ("PATCH", url, {"json": {"label": "Đăng ký hộ kinh doanh"}})
        return ("GET", url, {})
    claim = route.endswith("/claim")
    verification = route.endswith("/verification")
    account = _account(session, w, t, ready=claim, claimed=verification)
    url = path.replace("{account_id}", str(account.id)).replace(
        "{item_code}", "identity"
    )
    if route.endswith("/activity/{month}"):
        month = f"{clock.today():%Y-%m}"
        return ("PUT", url.replace("{month}", month), {"json": {"orders": 0}})
    if route == "PATCH /api/v1/seller-accounts/{account_id}":
        body = {"shop_name": "Gian hàng thử quyền", "version": account.version}
        return ("PATCH", url, {"json": body})
    if route.endswith("/checklist/{item_code}"):
        return ("POST", url, {"json": {"done": True, "note": "Đã xem CCCD"}})
    if claim:
        body = {"shop_url": shop_url(producer, "voso"), "version": account.version}
        return ("POST", url, {"json": body})
    if verification:
        return (
            "POST",
            url,
            {"json": {"decision": "approved", "version": account.version}},
        )
    return ("GET", url, {})


def _page_request(
    route: str, path: str, w: "World", t: str, session: Session
) -> Request:
    """The pages' forms: the same commands, posted as a browser does."""
    producer = w.producer[t]
    if "/prerequisites" in path:
        url = path.replace("{marketplace_id}", str(_voso(session).id))
        if route.endswith("{code}"):
            item = seller_views.prerequisites(session, _voso(session).id)[-1]
            form = {
                "label": item.label,
                "position": str(item.position),
                "is_active": "on",
                "version": str(item.version),
            }
            return ("POST", url.replace("{code}", item.code), {"data": form})
        if route.startswith("POST"):
            form = {"code": f"trang_{t}", "label": f"Việc thử {t}"}
            return ("POST", url, {"data": form})
        return ("GET", url, {})
    if route == "POST /producers/{producer_id}/seller-accounts":
        form = {"marketplace_id": str(_voso(session).id), "status": "preparing"}
        return ("POST", f"/producers/{producer.id}/seller-accounts", {"data": form})
    claim = route.endswith("/claim")
    verification = route.endswith("/verification")
    account = _account(session, w, t, ready=claim, claimed=verification)
    url = path.replace("{account_id}", str(account.id)).replace(
        "{item_code}", "identity"
    )
    version = str(account.version)
    if route == "POST /seller-accounts/{account_id}":
        form = {"status": "applied", "shop_name": "Gian hàng thử", "version": version}
        return ("POST", url, {"data": form})
    if route.endswith("/checklist/{item_code}"):
        return ("POST", url, {"data": {"done": "true", "note": "Đã xem CCCD"}})
    if claim:
        form = {"shop_url": shop_url(producer, "voso"), "version": version}
        return ("POST", url, {"data": form})
    if verification:
        return ("POST", url, {"data": {"decision": "approved", "version": version}})
    return ("GET", url, {})
