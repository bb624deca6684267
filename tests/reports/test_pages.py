"""The dashboard, action list and submissions pages, without JavaScript."""

import datetime as dt
import re
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.clock import today
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding.models import ListingStatus
from tests.conftest import SignIn
from tests.factories import (
    make_actor,
    make_hamlet,
    make_listing,
    make_producer,
    make_product,
    unit,
)
from tests.refusals import field_error, invalid_fields

HTML = {"accept": "text/html"}


def _months_back(n: int) -> str:
    first = today().replace(day=1)
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return f"{first:%Y-%m}"


def test_dashboard_for_the_department(sign_in: SignIn) -> None:
    c = sign_in("sct.soctrang")
    r = c.get("/reports")
    assert r.status_code == 200
    html = r.text
    assert "Tiến độ đưa sản phẩm OCOP lên sàn" in html
    assert html.count("<svg") >= 3, "bars, trend and funnel"
    assert "<script" not in html
    assert "style=" not in html
    links = re.findall(r'href="/reports\?[^"]*area_id=(\d+)"', html)
    assert links, "child areas drill down"
    drill = c.get(f"/reports?area_id={links[-1]}")
    assert drill.status_code == 200
    assert "Các tổ tháng này" in html, "teams' progress for commendation"
    assert len(html.encode()) < 60_000


def test_dashboard_past_date_and_future_date(sign_in: SignIn) -> None:
    c = sign_in("canbo.khom3")
    past = c.get("/reports", params={"as_of": "2025-09-30"})
    assert past.status_code == 200
    assert "30/09/2025" in past.text
    # The rule of a past date is said beside the picker (history.records_as_of).
    assert "tính theo ngày quyết định, hết hạn và thu hồi ghi trên giấy" in past.text
    assert 'aria-describedby="as-of-rule"' in past.text
    future = c.get(
        "/reports", params={"as_of": (today() + dt.timedelta(days=3)).isoformat()}
    )
    assert future.status_code == 422
    assert "chưa tới" in future.text


def test_out_of_area_is_404_and_anonymous_goes_to_login(
    sign_in: SignIn, client: TestClient
) -> None:
    c = sign_in("canbo.anthuong")
    own = c.get("/reports").text
    other = re.findall(r'name="area_id" value="(\d+)"', own)[0]
    k = sign_in("canbo.khom3")
    assert k.get("/reports", params={"area_id": other}).status_code == 404
    assert k.get("/reports/actions", params={"area_id": other}).status_code == 404
    for path in (
        "/reports",
        f"/reports/actions?area_id={other}",
        "/reports/submissions",
        "/reports/monthly",
    ):
        r = client.get(path, headers=HTML, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"] == f"/login?next={quote(path, safe='/')}", path


def test_action_list_page_and_filters(sign_in: SignIn, session: Session) -> None:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    hamlet = make_hamlet(session, session.get_one(AdminUnit, khom3.parent_id))
    stuck = make_product(
        session, make_producer(session, hamlet), name="Mắm tôm chà Vướng Bước", stars=4
    )
    waiting = make_product(
        session,
        make_producer(session, hamlet),
        name="Bánh tét lá cẩm Chờ Lượt",
        stars=4,
    )
    listing = make_listing(session, stuck, "postmart", status=ListingStatus.in_progress)
    onboarding_service.block_step(
        session,
        make_actor(session),
        listing,
        step="photos",
        reason="Chưa có ảnh đạt chuẩn",
        version=listing.version,
    )
    session.commit()
    c = sign_in("canbo.khom3")
    r = c.get("/reports/actions", params={"area_id": hamlet.id})
    assert r.status_code == 200
    assert "Bước tiếp theo" in r.text
    assert "Bị từ chối hoặc đã gỡ" in r.text
    assert stuck.name in r.text
    assert waiting.name in r.text
    assert "Sản phẩm OCOP còn hiệu lực chưa lên sàn (2)" in r.text
    r = c.get(
        "/reports/actions",
        params={"area_id": hamlet.id, "blocked": "true", "marketplace": "postmart"},
    )
    assert r.status_code == 200
    assert stuck.name in r.text
    assert "Chưa có ảnh đạt chuẩn" in r.text
    assert waiting.name not in r.text, "only products held up by a blocked step"
    assert "Sản phẩm OCOP còn hiệu lực chưa lên sàn (1)" in r.text
    assert 'name="blocked" value="true" checked' in r.text, "the filter stays set"
    assert '<option value="postmart" selected>' in r.text
    unknown = c.get(
        "/reports/actions", params={"area_id": hamlet.id, "marketplace": "shopee"}
    )
    assert unknown.status_code == 422
    assert "Không có sàn “shopee”" in unknown.text


def test_submit_from_the_board_makes_a_new_version(sign_in: SignIn) -> None:
    c = sign_in("totruong.khom3")
    month = _months_back(6)
    page = c.get("/reports/submissions", params={"month": month})
    assert page.status_code == 200
    assert "Nộp báo cáo tháng" in page.text
    r = c.post(
        "/reports/submissions",
        data={"month": month, "csrf_token": c.headers["X-CSRF-Token"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    shown = c.get(r.headers["location"])
    assert "phiên bản 1" in shown.text
    r = c.post(
        "/reports/submissions",
        data={"month": month, "note": "Sửa"},
        follow_redirects=True,
    )
    assert "phiên bản 2" in r.text
    assert "lưu nguyên" in r.text
    bad = c.post("/reports/submissions", data={"month": "2999-01"})
    assert bad.status_code == 422
    assert "chưa tới" in bad.text
    assert field_error(bad.text, "month").startswith("Tháng 01/2999 chưa tới")
    assert invalid_fields(bad.text) == {"month"}
    hidden = c.post(
        "/reports/submissions", data={"month": month, "note": "Ghi chú gõ dở\x07"}
    )
    assert hidden.status_code == 422
    assert field_error(hidden.text, "note") == (
        "Ghi chú chứa ký tự điều khiển hoặc ký tự ẩn."
    )
    assert invalid_fields(hidden.text) == {"note"}
    assert 'href="#note"' in hidden.text  # the summary links to the field
    assert ">Ghi chú gõ dở" in hidden.text  # what was typed is kept


def test_monthly_download_from_the_page(sign_in: SignIn) -> None:
    c = sign_in("canbo.khom3")
    r = c.get("/reports/monthly", params={"month": _months_back(1)})
    assert r.status_code == 200
    assert r.content.startswith(b"%PDF")
