"""A shop's monthly activity over HTTP and through the service: bounds, versions,
resends, scope; the flag rules admins edit; the pure parsing of typed values."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.sellers import activity as seller_activity
from ocop_tracker.sellers import rules
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from tests.conftest import SignIn
from tests.factories import make_seller_account
from tests.onboarding.conftest import actor
from tests.refusals import assert_field
from tests.sellers.conftest import Sellers

API = "/api/v1"


def _months_ago(n: int) -> dt.date:
    first = clock.today().replace(day=1)
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _open_since(session: Session, sellers: Sellers, months: int) -> SellerAccount:
    """The Khóm 3 producer's voso shop, tracked and verified open ``months`` ago."""
    then = dt.datetime.combine(
        _months_ago(months) + dt.timedelta(days=2), dt.time(9), tzinfo=clock.VIETNAM
    )
    with time_machine.travel(then, tick=False):
        account = make_seller_account(session, sellers.producer, "voso")
    session.commit()
    return account


def _put(client: Any, account_id: int, month: str, **body: Any) -> Any:
    return client.put(f"{API}/seller-accounts/{account_id}/activity/{month}", json=body)


def test_a_team_records_months_and_reads_them_newest_first(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open_since(session, sellers, 3)
    team = sign_in("thanhvien.khom3")
    older, newer = _months_ago(2), _months_ago(1)
    r = _put(
        team,
        account.id,
        f"{older:%Y-%m}",
        orders=4,
        revenue_vnd=1_250_000,
        last_order_on=(older + dt.timedelta(days=20)).isoformat(),
        cancelled_unconfirmed=7,  # more than the orders: they are counted apart
    )
    assert r.status_code == 200, r.text
    assert r.json()["cancelled_unconfirmed"] == 7
    r = _put(team, account.id, f"{newer:%Y-%m}", orders=0)
    assert r.status_code == 200, r.text
    months = team.get(f"{API}/seller-accounts/{account.id}/activity").json()
    assert [m["month"] for m in months] == [newer.isoformat(), older.isoformat()]
    assert months[1]["revenue_vnd"] == 1_250_000
    # The department reads its province; it does not write.
    department = sign_in("sct.soctrang")
    assert (
        department.get(f"{API}/seller-accounts/{account.id}/activity").status_code
        == 200
    )
    assert _put(department, account.id, f"{newer:%Y-%m}", orders=1).status_code == 403
    # Another commune's team does not see the shop at all.
    other = sign_in("thanhvien.anthuong")
    assert other.get(f"{API}/seller-accounts/{account.id}/activity").status_code == 404


@pytest.mark.parametrize(
    ("month", "body", "field", "pattern"),
    [
        ("future", {"orders": 0}, "month", "chưa tới"),
        ("before", {"orders": 0}, "month", "bắt đầu từ"),
        (
            "last",
            {"orders": 1, "last_order_on": "next-month"},
            "last_order_on",
            "trong hoặc trước",
        ),
    ],
)
def test_a_month_out_of_bounds_is_refused_beside_its_field(
    session: Session,
    sellers: Sellers,
    sign_in: SignIn,
    month: str,
    body: dict[str, Any],
    field: str,
    pattern: str,
) -> None:
    account = _open_since(session, sellers, 3)
    team = sign_in("thanhvien.khom3")
    first = {
        "future": (clock.today().replace(day=28) + dt.timedelta(days=5)).replace(day=1),
        "before": _months_ago(5),
        "last": _months_ago(2),
    }[month]
    if body.get("last_order_on") == "next-month":
        body = {**body, "last_order_on": _months_ago(1).isoformat()}
    r = _put(team, account.id, f"{first:%Y-%m}", **body)
    assert r.status_code == 422, r.text
    assert_field(r.json(), field, pattern)


def test_a_shop_never_open_reports_no_orders(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = make_seller_account(
        session, sellers.producer, "voso", status=SellerStatus.applied
    )
    session.commit()
    team = sign_in("thanhvien.khom3")
    month = f"{clock.today():%Y-%m}"
    r = _put(team, account.id, month, orders=3, revenue_vnd=90_000)
    assert r.status_code == 422
    assert_field(r.json(), "orders", "chưa từng được xác minh mở")
    assert _put(team, account.id, month, orders=0).status_code == 200


def test_a_negative_count_and_a_bad_month_are_refused(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open_since(session, sellers, 1)
    team = sign_in("thanhvien.khom3")
    r = _put(team, account.id, f"{clock.today():%Y-%m}", orders=-1)
    assert r.status_code == 422
    assert "orders" in r.json()["fields"]
    r = _put(team, account.id, "tháng-mười", orders=1)
    assert r.status_code == 422
    assert_field(r.json(), "month", "11/2026")


def test_a_correction_names_its_version_and_a_resend_changes_nothing(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open_since(session, sellers, 2)
    team = sign_in("thanhvien.khom3")
    month = f"{_months_ago(1):%Y-%m}"
    first = _put(team, account.id, month, orders=2, revenue_vnd=150_000).json()
    # The same create sent again (its answer lost): the same row, unchanged.
    again = _put(team, account.id, month, orders=2, revenue_vnd=150_000)
    assert again.status_code == 200
    assert again.json()["version"] == first["version"]
    # A different create on a recorded month: 409 with the month as it is.
    r = _put(team, account.id, month, orders=5)
    assert r.status_code == 409
    assert r.json()["current"]["orders"] == 2
    fixed = _put(
        team, account.id, month, orders=3, revenue_vnd=200_000, version=first["version"]
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["version"] == first["version"] + 1
    # The correction resent with the old version: success, nothing changes.
    resent = _put(
        team, account.id, month, orders=3, revenue_vnd=200_000, version=first["version"]
    )
    assert resent.status_code == 200
    assert resent.json()["version"] == fixed.json()["version"]
    # Another writer with the old version: 409.
    official = sign_in("canbo.khom3")
    stale = _put(official, account.id, month, orders=9, version=first["version"])
    assert stale.status_code == 409


def test_the_months_follow_a_producer_that_moves(
    session: Session, sellers: Sellers
) -> None:
    account = _open_since(session, sellers, 1)
    team = actor(session, "thanhvien.khom3")
    row = seller_activity.record_month(
        session, team, account, month=clock.today(), orders=1, revenue_vnd=50_000
    )
    from ocop_tracker.sellers import service as seller_service

    seller_service.follow_producer(
        session, sellers.producer.id, sellers.foreign.hamlet_id
    )
    assert row.hamlet_id == sellers.foreign.hamlet_id


def test_admins_change_a_flag_rule_others_do_not(sign_in: SignIn) -> None:
    admin = sign_in("admin")
    rules_now = admin.get(f"{API}/seller-flag-rules").json()
    assert [r["code"] for r in rules_now] == [
        "shop_no_listing",
        "dormant_shop",
        "no_first_order",
    ]
    dormant = rules_now[1]
    assert dormant["days"] == 60
    r = admin.put(
        f"{API}/seller-flag-rules/dormant_shop",
        json={"days": 45, "version": dormant["version"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["days"] == 45
    stale = admin.put(
        f"{API}/seller-flag-rules/dormant_shop",
        json={"days": 30, "version": dormant["version"]},
    )
    assert stale.status_code == 409
    team = sign_in("thanhvien.khom3")
    assert (
        team.put(f"{API}/seller-flag-rules/dormant_shop", json={"days": 1}).status_code
        == 403
    )
    assert (
        admin.put(f"{API}/seller-flag-rules/nope", json={"days": 1}).status_code == 404
    )


def test_typed_months_and_amounts_parse_the_vietnamese_way() -> None:
    assert rules.parse_month("11/2026") == dt.date(2026, 11, 1)
    assert rules.parse_month("2026-11") == dt.date(2026, 11, 1)
    assert rules.parse_month(" 3 / 2025 ") == dt.date(2025, 3, 1)
    for bad in ("13/2026", "2026-00", "tháng 11", "11/26"):
        with pytest.raises(InvalidInput):
            rules.parse_month(bad)
    assert (
        rules.parse_whole("1.250.000", field="revenue_vnd", label="Doanh thu")
        == 1_250_000
    )
    assert (
        rules.parse_whole("1 250 000", field="revenue_vnd", label="Doanh thu")
        == 1_250_000
    )
    assert rules.parse_whole("", field="orders", label="Số đơn") == 0
    with pytest.raises(InvalidInput, match="không được âm"):
        rules.parse_whole("-5", field="orders", label="Số đơn")
    with pytest.raises(InvalidInput, match="số nguyên"):
        rules.parse_whole("12,5a", field="orders", label="Số đơn")
