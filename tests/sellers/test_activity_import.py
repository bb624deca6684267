"""The activity import over HTTP: a dry run saying what changes, the whole file
refused with each row's problems, matching by id or name and hamlet, the area."""

import datetime as dt
import io
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.imports import activity as activity_import
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount
from tests.conftest import SignIn
from tests.factories import make_seller_account
from tests.onboarding.conftest import actor
from tests.sellers.conftest import Sellers

URL = "/api/v1/imports/seller-activity"
HEADER = "Chủ thể,Khóm/Ấp,Sàn,Tháng,Số đơn,Doanh thu (đồng),Ngày đơn gần nhất,Đơn bị hủy do không xác nhận"


def _last_month() -> dt.date:
    return (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _open(session: Session, sellers: Sellers) -> SellerAccount:
    then = dt.datetime.combine(
        _last_month() - dt.timedelta(days=40), dt.time(9), tzinfo=clock.VIETNAM
    )
    with time_machine.travel(then, tick=False):
        account = make_seller_account(session, sellers.producer, "voso")
    session.commit()
    return account


def _send(client: TestClient, lines: list[str], *, write: bool = False) -> Any:
    body = "\n".join([HEADER, *lines]).encode()
    return client.post(
        URL,
        files={"file": ("so-lieu.csv", body, "text/csv")},
        params={"dry_run": "false" if write else "true"},
    )


def test_a_file_is_checked_then_written_and_again_changes_nothing(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open(session, sellers)
    team = sign_in("thanhvien.khom3")
    month = _last_month()
    row = f'{sellers.producer.name},Khóm 3,voso.vn,{month:%m/%Y},12,"1.250.000",{month + dt.timedelta(days=20):%d/%m/%Y},2'
    checked = _send(team, [row])
    assert checked.status_code == 200, checked.text
    assert checked.json() == {
        "rows": 1,
        "new": 1,
        "corrected": 0,
        "unchanged": 0,
        "written": False,
    }
    assert seller_views.activity(session, actor(session, "admin"), account) == []
    written = _send(team, [row], write=True)
    assert written.status_code == 201, written.text
    months = team.get(f"/api/v1/seller-accounts/{account.id}/activity").json()
    assert [(m["orders"], m["revenue_vnd"]) for m in months] == [(12, 1_250_000)]
    assert _send(team, [row]).json()["unchanged"] == 1
    fixed = row.replace(",12,", ",13,")
    assert _send(team, [fixed]).json()["corrected"] == 1
    assert _send(team, [fixed], write=True).status_code == 201
    months = team.get(f"/api/v1/seller-accounts/{account.id}/activity").json()
    assert months[0]["orders"] == 13


def test_a_wrong_row_refuses_the_whole_file_with_each_problem(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    account = _open(session, sellers)
    team = sign_in("thanhvien.khom3")
    month = _last_month()
    good = f"{sellers.producer.name},,voso,{month:%m/%Y},3,90000,,0"
    rows = [
        good,
        f"Hộ Không Có,,voso,{month:%m/%Y},1,0,,0",  # unknown producer
        f"{sellers.producer.name},,shopee.vn,{month:%m/%Y},1,0,,0",  # no such market
        f"{sellers.producer.name},,postmart.vn,{month:%m/%Y},1,0,,0",  # no account there
        f"{sellers.producer.name},,voso,13/2026,1,0,,0",  # bad month
        f"{sellers.foreign.name},,voso,{month:%m/%Y},1,0,,0",  # outside the area
    ]
    r = _send(team, rows, write=True)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert "5 lỗi" in detail
    for words in ("dòng 3, cột Chủ thể", "dòng 4, cột Sàn", "dòng 5, cột Sàn"):
        assert words in detail
    assert "dòng 6, cột Tháng" in detail
    assert "dòng 7, cột Chủ thể" in detail
    months = team.get(f"/api/v1/seller-accounts/{account.id}/activity").json()
    assert months == []


def test_matching_by_id_and_the_template(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    _open(session, sellers)
    team = sign_in("thanhvien.khom3")
    body = (
        "Mã chủ thể,Sàn,Tháng,Số đơn\n"
        f"{sellers.producer.id},voso,{_last_month():%m/%Y},0\n"
    ).encode()
    r = team.post(URL, files={"file": ("a.csv", body, "text/csv")})
    assert r.status_code == 200, r.text
    assert r.json()["new"] == 1
    missing = team.post(URL, files={"file": ("a.csv", b"San,Thang\nvoso,11/2026\n")})
    assert missing.status_code == 422
    assert "Thiếu cột" in missing.json()["detail"]
    page = team.get("/imports/activity/template.xlsx")
    assert page.status_code == 200
    sheet = load_workbook(io.BytesIO(page.content)).worksheets[0]
    headers = [c.value for c in next(sheet.iter_rows())]
    assert headers == list(activity_import.HEADERS.values())
    # The department reads; it does not import activity.
    department = sign_in("sct.soctrang")
    assert department.post(URL, files={"file": ("a.csv", body)}).status_code == 403
