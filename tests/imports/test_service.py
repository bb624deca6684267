"""Importing the official OCOP list: dry run, all or nothing, idempotent, scoped (T9)."""

import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Certificate, Product
from tests.conftest import SignIn

HEADER = [
    "Tên sản phẩm",
    "Chủ thể",
    "Loại hình chủ thể",
    "Số điện thoại",
    "Mã xã",
    "Khóm/Ấp",
    "Số sao",
    "Số quyết định",
    "Ngày quyết định",
    "Cơ quan công nhận",
    "Cấp công nhận",
]
KHOM3 = ["31507", "Khóm 3"]
AN_THUONG = ["31582", "Ấp An Thường"]


def _codes(session: Session) -> None:
    from ocop_tracker.areas.models import AdminUnit

    for pair, name in ((KHOM3, "Khóm 3"), (AN_THUONG, "Ấp An Thường")):
        hamlet = session.scalar(select(AdminUnit).where(AdminUnit.name == name))
        assert hamlet is not None
        commune = session.get(AdminUnit, hamlet.parent_id)
        assert commune is not None
        assert commune.code is not None
        pair[0] = commune.code


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    """An XLSX of ``rows`` under ``header``, as an official list arrives."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(session: Session) -> list[list[Any]]:
    _codes(session)
    return [
        [
            "Mè láo",
            "HTX Mè Láo Phường 5",
            "hợp tác xã",
            "0912 111 222",
            *KHOM3,
            3,
            "77/QĐ-UBND",
            "15/04/2024",
            "UBND thành phố Sóc Trăng",
            "huyện",
        ],
        [
            "Bánh cam",
            "Hộ bà Sáu",
            "hộ sản xuất kinh doanh",
            "",
            *KHOM3,
            4,
            "78/QĐ-UBND",
            "20/04/2024",
            "UBND tỉnh Sóc Trăng",
            "tỉnh",
        ],
        [
            "Mắm tôm chà",
            "Tổ hợp tác An Thạnh",
            "tổ hợp tác",
            "",
            *AN_THUONG,
            3,
            "79/QĐ-UBND",
            "02/05/2024",
            "UBND huyện Cù Lao Dung",
            "huyện",
        ],
    ]


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Producer, Product, Certificate)
    )  # type: ignore[return-value]


def _post(
    client: TestClient, data: bytes, *, dry_run: bool, name: str = "ocop.xlsx"
) -> object:
    return client.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_dry_run_then_import_then_again_changes_nothing(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    data = xlsx(_rows(session))
    before = _counts(session)
    dry = department.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": "true"},
        files={"file": ("ocop.xlsx", data)},
    )
    assert dry.status_code == 200, dry.text
    assert dry.json() == {
        "rows": 3,
        "producers_new": 3,
        "products_new": 3,
        "certificates_new": 3,
        "unchanged": 0,
        "unplaced": 0,
        "hamlets_new": 0,
        "written": False,
    }
    assert _counts(session) == before
    done = department.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": "false"},
        files={"file": ("ocop.xlsx", data)},
    )
    assert done.status_code == 201, done.text
    assert _counts(session) == (before[0] + 3, before[1] + 3, before[2] + 3)
    again = department.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": "false"},
        files={"file": ("ocop.xlsx", data)},
    )
    assert again.status_code == 201
    assert again.json()["unchanged"] == 3
    assert _counts(session) == (before[0] + 3, before[1] + 3, before[2] + 3)
    events = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "import_ocop_list")
    )
    assert events == 2


def test_one_bad_row_refuses_the_file_and_names_every_problem(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    rows = _rows(session)
    rows.append(
        [
            "Kẹo chuối",
            "Hộ X",
            "",
            "12345",
            *KHOM3,
            6,
            "80/QĐ",
            "01/01/2024",
            "UBND",
            "tỉnh",
        ]
    )  # row 5: phone, stars
    rows.append(
        ["Bánh ít", "Hộ Y", "", "", *KHOM3, 3, "81/QĐ", "01/01/2030", "UBND", "huyện"]
    )  # row 6: future date
    rows.append(
        [
            "Bánh tét",
            "Hộ Z",
            "",
            "",
            "99999",
            "Ấp Ma",
            3,
            "82/QĐ",
            "01/01/2024",
            "UBND",
            "huyện",
        ]
    )  # row 7: no hamlet
    before = _counts(session)
    response = department.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": "false"},
        files={"file": ("ocop.xlsx", xlsx(rows))},
    )
    assert response.status_code == 422
    assert [r["row"] for r in response.json()["rows"]] == [5, 6, 7]
    assert _counts(session) == before


def test_a_row_outside_the_importers_area_refuses_the_whole_file(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    before = _counts(session)
    response = official.post(
        "/api/v1/imports/ocop-list",
        params={"dry_run": "false"},
        files={"file": ("ocop.xlsx", xlsx(_rows(session)))},
    )
    assert response.status_code == 422
    assert [r["row"] for r in response.json()["rows"]] == [4]
    assert "ngoài địa bàn" in response.json()["rows"][0]["message"]
    assert _counts(session) == before


def test_team_roles_may_not_import(sign_in: SignIn, session: Session) -> None:
    leader = sign_in("totruong.khom3")
    response = leader.post(
        "/api/v1/imports/ocop-list",
        files={"file": ("ocop.xlsx", xlsx(_rows(session)))},
    )
    assert response.status_code == 403
