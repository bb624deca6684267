"""The reports API: figures in scope, refusals, files, submissions."""

import datetime as dt
import io

from fastapi.encoders import jsonable_encoder
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.clock import today
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports.models import ReportSubmission
from ocop_tracker.reports.rules import month_end
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn
from tests.factories import unit


def _area(session: Session, login: str) -> int:
    user = user_repository.by_login(session, login)
    assert user is not None
    assert user.area_id is not None
    return user.area_id


def _last_month() -> str:
    first = today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def test_department_sees_its_province_with_every_breakdown(
    sign_in: SignIn, session: Session
) -> None:
    c = sign_in("sct.soctrang")
    r = c.get("/api/v1/reports/coverage")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["area"]["id"] == _area(session, "sct.soctrang")
    assert body["source"] == "counts"
    ocop = body["ocop"]
    assert ocop["total"] > 0
    assert 0 < ocop["listed"] <= ocop["total"]
    assert ocop["percent"] == round(100 * ocop["listed"] / ocop["total"], 1)
    assert {m["key"] for m in ocop["by_marketplace"]} >= {"voso", "postmart"}
    assert sum(x["total"] for x in body["by_stars"]) == ocop["total"]
    assert sum(x["total"] for x in body["by_producer_type"]) == ocop["total"]
    assert sum(x["total"] for x in body["by_child"]) == ocop["total"]
    # A product's own steps; the shop and e-payment are the producer's.
    assert [f["key"] for f in body["funnel"]][:2] == ["photos", "listing"]
    assert body["payments"]["producers"] >= body["payments"]["opened"]


def test_coverage_is_the_service_answer_as_fastapi_would_write_it(
    sign_in: SignIn, session: Session
) -> None:
    # The route answers its model as JSON itself (``core.http.model_json``):
    # the body is FastAPI's own encoding of the same model, and the API's
    # document still names the model.
    c = sign_in("sct.soctrang")
    r = c.get("/api/v1/reports/coverage")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    user = user_repository.by_login(session, "sct.soctrang")
    assert user is not None
    answer = report_service.coverage(session, user, None, None)
    assert r.json() == jsonable_encoder(answer)
    document = c.get("/openapi.json").json()
    ok = document["paths"]["/api/v1/reports/coverage"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Coverage"
    }


def test_past_date_and_drill_down(sign_in: SignIn, session: Session) -> None:
    c = sign_in("sct.soctrang")
    top = c.get("/api/v1/reports/coverage").json()
    child = next(x for x in top["by_child"] if x["total"])
    r = c.get("/api/v1/reports/coverage", params={"area_id": child["area_id"]})
    assert r.status_code == 200
    assert r.json()["ocop"]["total"] == child["total"]
    past = c.get(
        "/api/v1/reports/coverage",
        params={"as_of": (today() - dt.timedelta(days=120)).isoformat()},
    )
    assert past.status_code == 200
    assert past.json()["source"] == "checkpoints"
    assert past.json()["ocop"]["listed"] <= top["ocop"]["listed"]


def test_refusals_are_clear_and_write_nothing(
    sign_in: SignIn, session: Session
) -> None:
    c = sign_in("canbo.khom3")
    out = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    before = session.scalar(select(func.count()).select_from(ReportSubmission))
    assert (
        c.get("/api/v1/reports/coverage", params={"area_id": out.id}).status_code == 404
    )
    assert c.get("/api/v1/reports/coverage", params={"area_id": 0}).status_code == 404
    future = (today() + dt.timedelta(days=1)).isoformat()
    r = c.get("/api/v1/reports/coverage", params={"as_of": future})
    assert r.status_code == 422
    assert "chưa tới" in r.text
    next_month = (month_end(today()) + dt.timedelta(days=1)).strftime("%Y-%m")
    assert (
        c.get("/api/v1/reports/monthly", params={"month": next_month}).status_code
        == 422
    )
    assert (
        c.get("/api/v1/reports/monthly", params={"month": "2026-13"}).status_code == 422
    )
    assert (
        c.get("/api/v1/reports/monthly", params={"format": "docx"}).status_code == 422
    )
    r = c.post("/api/v1/reports/submissions", json={"month": next_month})
    assert r.status_code == 422
    r = c.post(
        "/api/v1/reports/submissions", json={"month": _last_month(), "area_id": out.id}
    )
    assert r.status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ReportSubmission)) == before


def test_monthly_pdf_and_xlsx(sign_in: SignIn) -> None:
    c = sign_in("canbo.khom3")
    pdf = c.get("/api/v1/reports/monthly", params={"month": _last_month()})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "BÁO CÁO THÁNG" in text
    assert "Phường Sóc Trăng" in text
    assert "Tỷ lệ sản phẩm OCOP đã lên sàn" in text
    xlsx = c.get(
        "/api/v1/reports/monthly", params={"month": _last_month(), "format": "xlsx"}
    )
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Tổng hợp" in book.sheetnames
    assert "Xu hướng" in book.sheetnames
    values = [row[0] for row in book["Tổng hợp"].iter_rows(values_only=True)]
    assert "Sản phẩm OCOP còn hiệu lực" in values


def test_trend_and_teams(sign_in: SignIn) -> None:
    c = sign_in("sct.soctrang")
    points = c.get("/api/v1/reports/trend").json()["points"]
    assert len(points) >= 6, "the demo history spans months"
    assert points[-1]["day"] == today().isoformat()
    assert any(p["listed"] for p in points[:-3]), "listings before the last months"
    teams = c.get("/api/v1/reports/teams", params={"month": _last_month()}).json()
    assert teams["teams"]
    assert any(t["listed_total"] for t in teams["teams"])


def test_actions_show_next_steps_and_contact_in_scope(sign_in: SignIn) -> None:
    c = sign_in("canbo.khom3")
    body = c.get("/api/v1/reports/actions").json()
    assert (
        body["unlisted_total"] == len(body["unlisted"]) or len(body["unlisted"]) == 50
    )
    assert body["unlisted"], "the demo has valid OCOP products not yet listed"
    item = body["unlisted"][0]
    assert item["next_step"]
    assert item["team"]
    assert any(i["contact"] for i in body["unlisted"])
    assert body["troubles"], "the demo has a rejected and a delisted listing"
    blocked = c.get("/api/v1/reports/actions", params={"blocked": True}).json()
    assert all(i["blocked"] for i in blocked["unlisted"])


def _months_back(n: int) -> str:
    first = today().replace(day=1)
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return f"{first:%Y-%m}"


def test_demo_months_were_submitted_with_a_correction_and_a_late_one(
    sign_in: SignIn,
) -> None:
    dept = sign_in("canbo.khom3")
    boards = [
        dept.get(
            "/api/v1/reports/submissions", params={"month": _months_back(n)}
        ).json()
        for n in (1, 2, 3)
    ]
    assert all(b["own"]["status"] == "submitted" for b in boards)
    versions = [x["version"] for b in boards for x in [b["own"], *b["lower"]]]
    assert 2 in versions, "one report was corrected"
    assert boards[0]["lower"][0]["status"] == "late", "Khóm 3 has not sent last month's"
    assert any(b["own"]["on_time"] is False for b in boards), "one was sent late"


def test_submission_versions_and_board(sign_in: SignIn, session: Session) -> None:
    official = sign_in("canbo.khom3")
    month = _months_back(5)
    first = official.post("/api/v1/reports/submissions", json={"month": month})
    assert first.status_code == 201, first.text
    one = first.json()
    assert one["version"] == 1
    assert not one["correction"]
    assert one["on_time"] is False
    assert "muộn" in one["message"]
    again = official.post(
        "/api/v1/reports/submissions", json={"month": month, "note": "Sửa số liệu"}
    )
    assert again.status_code == 201
    two = again.json()
    assert two["version"] == 2
    assert two["correction"]
    assert "phiên bản 2" in two["message"]
    frozen = official.get(f"/api/v1/reports/submissions/{one['id']}").json()
    assert frozen["snapshot"]["coverage"]["ocop"]["total"] >= 0
    assert frozen["version"] == 1
    # The department sees the commune among the units under the province.
    dept = sign_in("sct.soctrang")
    board = dept.get("/api/v1/reports/submissions", params={"month": month}).json()
    assert board["lower"], board
    # A team member cannot submit; a leader submits only for their own hamlet.
    member = sign_in("thanhvien.khom3")
    assert (
        member.post("/api/v1/reports/submissions", json={"month": month}).status_code
        == 403
    )
    leader = sign_in("totruong.khom3")
    commune = _area(session, "canbo.khom3")
    r = leader.post(
        "/api/v1/reports/submissions", json={"month": month, "area_id": commune}
    )
    assert r.status_code == 404
    assert (
        leader.post("/api/v1/reports/submissions", json={"month": month}).status_code
        == 201
    )
    commune_board = official.get(
        "/api/v1/reports/submissions", params={"month": month}
    ).json()
    statuses = {x["area"]: x["status"] for x in commune_board["lower"]}
    assert statuses.get("Khóm 3") == "submitted"
    assert "late" in statuses.values() or len(statuses) == 1
    other = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    assert official.get(f"/api/v1/reports/submissions/{one['id']}").status_code == 200
    outsider = sign_in("canbo.anthuong")
    assert outsider.get(f"/api/v1/reports/submissions/{one['id']}").status_code == 404
    assert other.id
    session.expire_all()
    assert session.get(AdminUnit, commune) is not None


def test_admin_sees_the_whole_country_by_province(sign_in: SignIn) -> None:
    body = sign_in("admin").get("/api/v1/reports/coverage").json()
    assert body["area"] == {"id": 0, "name": "Toàn quốc", "level": "nation"}
    names = [c["label"] for c in body["by_child"]]
    assert names, "the provinces of today"
    assert sum(c["total"] for c in body["by_child"]) == body["ocop"]["total"]


def test_sellers_and_activity_count_a_household_with_shops_and_orders(
    sign_in: SignIn, session: Session
) -> None:
    from ocop_tracker.producers.models import PaymentAccount, PaymentKind, PaymentStatus
    from ocop_tracker.sellers.models import SellerActivity
    from tests.factories import make_producer, make_seller_account, pilot_hamlet

    c = sign_in("admin")
    hamlet = pilot_hamlet(session)
    params: dict[str, str | int] = {"area_id": hamlet.id}
    before = c.get("/api/v1/reports/coverage", params=params).json()
    yesterday: dict[str, str | int] = {
        **params,
        "as_of": (today() - dt.timedelta(days=1)).isoformat(),
    }
    past_before = c.get("/api/v1/reports/coverage", params=yesterday).json()
    producer = make_producer(session, hamlet)
    voso = make_seller_account(session, producer, "voso")
    make_seller_account(session, producer, "postmart")
    session.add(
        PaymentAccount(
            producer_id=producer.id,
            hamlet_id=hamlet.id,
            provider="viettel_money",
            kind=PaymentKind.mobile_money,
            status=PaymentStatus.open,
            sim_in_holder_name=True,
        )
    )
    month = today().replace(day=1)
    session.add(
        SellerActivity(
            seller_account_id=voso.id,
            hamlet_id=hamlet.id,
            month=month,
            orders=7,
            revenue_vnd=1_250_000,
        )
    )
    session.commit()
    after = c.get("/api/v1/reports/coverage", params=params).json()
    s0, s1 = before["sellers"], after["sellers"]
    for key in ("producers", "households", "shop_any", "shop_both", "paying"):
        assert s1[key] == s0[key] + 1, key
    assert s1["shop_paying"] == s0["shop_paying"] + 1
    assert s1["households_shop_paying"] == s0["households_shop_paying"] + 1
    assert s1["shop_paying_percent"] is not None
    opened = {m["code"]: m["open"] for m in s1["shop_by_marketplace"]}
    assert (
        opened["voso"]
        == {m["code"]: m["open"] for m in s0["shop_by_marketplace"]}["voso"] + 1
    )
    months = after["activity"]
    assert len(months) == 12
    assert months[-1]["month"] == month.isoformat()
    now, was = months[-1], before["activity"][-1]
    assert now["active_shops"] == was["active_shops"] + 1
    assert now["orders"] == was["orders"] + 7
    assert now["revenue_vnd"] == was["revenue_vnd"] + 1_250_000
    # A past date reads as it was before the shops opened.
    past = c.get("/api/v1/reports/coverage", params=yesterday).json()
    assert past["sellers"] == past_before["sellers"]
    assert past["activity"][-1]["month"] <= month.isoformat()
