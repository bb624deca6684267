"""The activity pages without script: a shop's months and its form (typed values
kept on a refusal), the import page with its row problems, the flag rules' page."""

import datetime as dt

import time_machine
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.sellers.models import SellerAccount
from tests.conftest import SignIn
from tests.factories import make_seller_account
from tests.sellers.conftest import Sellers


def _open(session: Session, sellers: Sellers) -> SellerAccount:
    first = clock.today().replace(day=1)
    then = dt.datetime.combine(
        (first - dt.timedelta(days=45)), dt.time(9), tzinfo=clock.VIETNAM
    )
    with time_machine.travel(then, tick=False):
        account = make_seller_account(session, sellers.producer, "voso")
    session.commit()
    return account


def _last_month() -> dt.date:
    return (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def test_a_team_records_a_month_typed_the_vietnamese_way(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open(session, sellers)
    team = sign_in("thanhvien.khom3")
    url = f"/seller-accounts/{account.id}/activity"
    page = team.get(url)
    assert page.status_code == 200
    assert 'type="month"' in page.text
    month = _last_month()
    r = team.post(
        url,
        data={
            "month": f"{month:%m/%Y}",
            "orders": "12",
            "revenue_vnd": "1.250.000",
            "last_order_on": f"{month + dt.timedelta(days=27):%d/%m/%Y}",
            "cancelled_unconfirmed": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = team.get(url)
    assert "1.250.000 đ" in page.text
    assert f"{month:%m/%Y}" in page.text
    # Correcting: the month's form comes filled, with its version.
    edit = team.get(url, params={"month": f"{month:%Y-%m}"})
    assert 'name="version"' in edit.text
    assert 'value="1.250.000"' in edit.text


def test_a_refused_month_keeps_every_typed_value_beside_its_message(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open(session, sellers)
    team = sign_in("thanhvien.khom3")
    future = (clock.today().replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    r = team.post(
        f"/seller-accounts/{account.id}/activity",
        data={
            "month": f"{future:%m/%Y}",
            "orders": "3",
            "revenue_vnd": "12 tỷ",
            "note": "Bán hội chợ",
        },
    )
    assert r.status_code == 422
    assert 'id="f-revenue_vnd-error"' in r.text
    assert "số nguyên" in r.text
    for typed in (f"{future:%m/%Y}", "12 tỷ", "Bán hội chợ"):
        assert typed in r.text
    # Readable, but in the future: the service's message beside the month.
    r = team.post(
        f"/seller-accounts/{account.id}/activity",
        data={"month": f"{future:%m/%Y}", "orders": "3", "revenue_vnd": "90.000"},
    )
    assert r.status_code == 422
    assert 'id="f-month-error"' in r.text
    assert "chưa tới" in r.text
    assert 'value="90.000"' in r.text


def test_the_department_reads_the_months_without_a_form(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open(session, sellers)
    department = sign_in("sct.soctrang")
    page = department.get(f"/seller-accounts/{account.id}/activity")
    assert page.status_code == 200
    assert "Ghi số liệu một tháng" not in page.text


def test_the_import_page_lists_each_row_problem(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    _open(session, sellers)
    team = sign_in("thanhvien.khom3")
    assert "Tải mẫu XLSX" in team.get("/imports/activity").text
    body = (
        "Chủ thể,Sàn,Tháng,Số đơn\n"
        f"{sellers.producer.name},voso,{_last_month():%m/%Y},2\n"
        f"{sellers.producer.name},tiki.vn,{_last_month():%m/%Y},-1\n"
    ).encode()
    r = team.post(
        "/imports/activity",
        files={"file": ("a.csv", body, "text/csv")},
        data={"mode": "check"},
    )
    assert r.status_code == 422
    assert "Dòng 3, cột Sàn" in r.text
    assert "Dòng 3, cột Số đơn" in r.text
    good = body.rsplit(b"\n", 2)[0] + b"\n"
    r = team.post(
        "/imports/activity",
        files={"file": ("a.csv", good, "text/csv")},
        data={"mode": "check"},
    )
    assert r.status_code == 200
    assert "Kiểm tra xong" in r.text
    assert "Mới" in r.text


def test_an_admin_changes_a_rule_on_its_page(sign_in: SignIn) -> None:
    admin = sign_in("admin")
    page = admin.get("/seller-flags")
    assert "Gian hàng lâu chưa có đơn" in page.text
    bad = admin.post(
        "/seller-flags/dormant_shop", data={"days": "sáu mươi", "is_active": "yes"}
    )
    assert bad.status_code == 422
    assert "sáu mươi" in bad.text
    assert "f-days-dormant_shop-error" in bad.text
    ok = admin.post(
        "/seller-flags/dormant_shop",
        data={"days": "45", "is_active": "yes"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert 'value="45"' in admin.get("/seller-flags").text
