"""Pilots (issue 17 item 4): set up with their units, shown on the dashboard
with the teams set up, and closed by a report comparing each unit's start and
end figures — as JSON, as a PDF read back, as a workbook read back."""

import datetime as dt
import io
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from tests.conftest import SignIn
from tests.factories import pilot_hamlet

START = dt.date(2026, 9, 1)


def _make(department: TestClient, units: list[int]) -> dict[str, Any]:
    made = department.post(
        "/api/v1/pilots",
        json={
            "name": "Thí điểm quý IV",
            "start_on": START.isoformat(),
            "end_on": (START + dt.timedelta(days=91)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    put = department.put(
        f"/api/v1/pilots/{body['id']}/units",
        json={"unit_ids": units, "version": body["version"]},
    )
    assert put.status_code == 200, put.text
    result: dict[str, Any] = put.json()
    return result


def test_the_closing_report_compares_each_unit_at_start_and_end(
    sign_in: SignIn, session: Session
) -> None:
    khom3, anthuong = pilot_hamlet(session), pilot_hamlet(session, "Ấp An Thường")
    department = sign_in("sct.soctrang")
    pilot = _make(department, [khom3.id, anthuong.id])
    units: Any = pilot["units"]
    assert sorted(u["name"] for u in units) == ["Khóm 3", "Ấp An Thường"]
    report = department.get(f"/api/v1/pilots/{pilot['id']}/report").json()
    end = min(START + dt.timedelta(days=91), clock.today())
    assert report["start"] == START.isoformat()
    assert report["end"] == end.isoformat()
    for line in report["lines"]:
        for key, day in (("start", START), ("end", end)):
            cov = department.get(
                "/api/v1/reports/coverage",
                params={"area_id": line["unit_id"], "as_of": day.isoformat()},
            ).json()
            assert line[key]["ocop"] == cov["ocop"]["total"]
            assert line[key]["ocop_listed"] == cov["ocop"]["listed"]
            assert line[key]["paying"] == cov["payments"]["opened"]
            assert line[key]["members_trained"] == cov["training"]["members_trained"]
    assert report["total"]["end"]["ocop"] == sum(
        line["end"]["ocop"] for line in report["lines"]
    )

    pdf = department.get(
        f"/api/v1/pilots/{pilot['id']}/report/download", params={"format": "pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Báo cáo kết thúc thí điểm" in text
    assert "Khóm 3" in text
    assert "Ấp An Thường" in text
    resources: Any = reader.pages[0]["/Resources"]
    fonts = {str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()}
    assert any("BeVietnamPro" in f for f in fonts)

    xlsx = department.get(
        f"/api/v1/pilots/{pilot['id']}/report/download", params={"format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    names = [r[0] for r in rows]
    assert "Khóm 3" in names
    assert "Cả đợt thí điểm" in names
    khom = next(r for r in rows if r[0] == "Khóm 3")
    line = next(x for x in report["lines"] if x["name"] == "Khóm 3")
    assert khom[1] == line["start"]["ocop"]
    assert khom[9] == line["end"]["ocop"]


def test_refusals_are_beside_their_fields(sign_in: SignIn, session: Session) -> None:
    department = sign_in("sct.soctrang")
    wrong = department.post(
        "/api/v1/pilots",
        json={"name": " ", "start_on": "2026-09-01", "end_on": "2026-08-01"},
    )
    assert wrong.status_code == 422
    assert set(wrong.json()["fields"]) == {"name", "end_on"}
    official = sign_in("canbo.khom3")
    assert (
        official.post(
            "/api/v1/pilots",
            json={"name": "X", "start_on": "2026-09-01", "end_on": "2026-10-01"},
        ).status_code
        == 403
    )
    page = department.post(
        "/pilots", data={"name": "Đợt thử", "start_on": "01/09/2026", "end_on": "x"}
    )
    assert page.status_code == 422
    assert 'id="f-end_on-error"' in page.text
    assert 'value="Đợt thử"' in page.text


def test_the_dashboard_shows_teams_set_up_and_the_pilot(
    sign_in: SignIn, session: Session
) -> None:
    khom3 = pilot_hamlet(session)
    department = sign_in("sct.soctrang")
    pilot = _make(department, [khom3.id])
    member = sign_in("thanhvien.khom3")
    setup = member.get("/api/v1/reports/setup").json()
    assert setup["hamlets"] == 1
    assert setup["hamlets_with_team"] == 1
    assert pilot["id"] in [p["id"] for p in setup["pilots"]]
    page = member.get("/reports")
    assert "Khóm/ấp đã có tổ công nghệ số" in page.text
    assert f'href="/pilots/{pilot["id"]}"' in page.text
    assert member.get(f"/pilots/{pilot['id']}").status_code == 200
    # The department's pilot is the province's: another hamlet's team sees it
    # on the list, but not on its own dashboard.
    far = sign_in("thanhvien.anthuong")
    assert far.get(f"/pilots/{pilot['id']}").status_code == 200
    assert pilot["id"] not in [
        p["id"] for p in far.get("/api/v1/reports/setup").json()["pilots"]
    ]
