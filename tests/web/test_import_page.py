"""The import page: dry-run report first, then the real import; errors per row."""

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.products.models import Product
from tests.conftest import SignIn

HTML = {"accept": "text/html"}


def _csv(session: Session, *, stars: str = "4") -> bytes:
    hamlet = session.scalar(select(AdminUnit).where(AdminUnit.name == "Khóm 3"))
    assert hamlet is not None
    commune = session.get(AdminUnit, hamlet.parent_id)
    assert commune is not None
    return (
        "Tên sản phẩm,Chủ thể,Mã xã,Khóm/Ấp,Số sao,Số quyết định,Ngày quyết định,Cấp công nhận\n"
        f"Bánh bò thốt nốt,Hộ Năm Bánh,{commune.code},Khóm 3,{stars},55/QĐ-UBND,12/06/2024,tỉnh\n"
    ).encode()


def _products(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Product)) or 0


def test_check_then_import(sign_in: SignIn, session: Session) -> None:
    department = sign_in("sct.soctrang")
    token = department.headers["X-CSRF-Token"]
    form = department.get("/imports", headers=HTML)
    assert form.status_code == 200
    assert "Nhập danh sách sản phẩm OCOP" in form.text
    before = _products(session)
    checked = department.post(
        "/imports",
        data={"csrf_token": token, "mode": "check"},
        files={"file": ("ds.csv", _csv(session))},
        headers=HTML,
    )
    assert checked.status_code == 200
    assert "Kiểm tra xong: chưa ghi gì" in checked.text
    assert re.search(r"Sản phẩm mới: 1", checked.text)
    assert _products(session) == before
    written = department.post(
        "/imports",
        data={"csrf_token": token, "mode": "write"},
        files={"file": ("ds.csv", _csv(session))},
        headers=HTML,
    )
    assert written.status_code == 201
    assert "Đã nhập" in written.text
    assert _products(session) == before + 1


def test_row_errors_are_listed_in_vietnamese_and_nothing_is_written(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    before = _products(session)
    response = department.post(
        "/imports",
        data={"csrf_token": department.headers["X-CSRF-Token"], "mode": "write"},
        files={"file": ("ds.csv", _csv(session, stars="7"))},
        headers=HTML,
    )
    assert response.status_code == 422
    assert "Dòng 2" in response.text
    assert _products(session) == before


def test_team_roles_cannot_open_the_import_page(sign_in: SignIn) -> None:
    assert sign_in("totruong.khom3").get("/imports", headers=HTML).status_code == 403
