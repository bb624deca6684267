"""Requests of the activity routes (the shop's months page, the activity import,
the flag rules' page) for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.sellers.models import SellerAccount
from ocop_tracker.users.models import User
from tests.security.authz_requests_sellers import _account as make_account

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

ROUTES = {
    "POST /api/v1/imports/seller-activity",
    "GET /seller-accounts/{account_id}/activity",
    "POST /seller-accounts/{account_id}/activity",
    "GET /imports/activity",
    "GET /imports/activity/template.xlsx",
    "POST /imports/activity",
    "GET /seller-flags",
    "POST /seller-flags/{code}",
}


def _account(session: Session, w: "World", t: str) -> SellerAccount:
    """The target producer's voso account, made on first use."""
    market = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
    assert market is not None
    found = session.scalar(
        select(SellerAccount).where(
            SellerAccount.producer_id == w.producer[t].id,
            SellerAccount.marketplace_id == market.id,
        )
    )
    return found or make_account(session, w, t)


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the activity routes, or None for other routes."""
    if route not in ROUTES:
        return None
    month = f"{clock.today():%m/%Y}"
    if route in {"POST /api/v1/imports/seller-activity", "POST /imports/activity"}:
        account = _account(session, w, t)
        body = f"Mã chủ thể,Sàn,Tháng,Số đơn\n{account.producer_id},voso,{month},0\n"
        upload = {"files": {"file": ("a.csv", body.encode(), "text/csv")}}
        if route.startswith("POST /imports"):
            return ("POST", path, {**upload, "data": {"mode": "check"}})
        return ("POST", path, {**upload, "params": {"dry_run": "true"}})
    if "{account_id}" in path:
        url = path.replace("{account_id}", str(_account(session, w, t).id))
        if route.startswith("POST"):
            return ("POST", url, {"data": {"month": month, "orders": "0"}})
        return ("GET", url, {})
    if route == "POST /seller-flags/{code}":
        url = path.replace("{code}", "dormant_shop")
        return ("POST", url, {"data": {"days": "60", "is_active": "yes"}})
    return ("GET", path, {})
