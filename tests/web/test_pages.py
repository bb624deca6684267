"""Server-rendered pages, headers and errors."""

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from tests.factories import unit

HTML = {"accept": "text/html"}


def test_home_page_is_vietnamese_and_lists_the_pilot_hamlets(
    admin: TestClient,
) -> None:
    response = admin.get("/", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="vi">' in response.text
    assert "Đưa sản phẩm OCOP lên sàn thương mại điện tử" in response.text
    for hamlet in ("Khóm 3", "Ấp An Thường", "Ấp Châu Thành"):
        assert hamlet in response.text
    assert "CNCD_Khom3_SocTrang_CanTho" in response.text


def test_areas_search_page_finds_ke_sach_without_diacritics(admin: TestClient) -> None:
    response = admin.get("/areas", params={"q": "ke sach"}, headers=HTML)
    assert response.status_code == 200
    assert "Huyện Kế Sách" in response.text
    assert "kết quả cho “ke sach”" in response.text


def test_area_page_shows_children_group_and_mapping(
    admin: TestClient, session: Session
) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    response = admin.get(f"/areas/{commune.id}", headers=HTML)
    assert response.status_code == 200
    assert "CNCD_NhonMy_KeSach" in response.text
    assert "Từ 1/7/2025 thuộc" in response.text
    assert "30/06/2025" in response.text  # end of validity, written the Vietnamese way
    district = unit(
        session, "Huyện Kế Sách", edition=Edition.e2022, level=Level.district
    )
    page = admin.get(f"/areas/{district.id}", headers=HTML).text
    assert "Xã Nhơn Mỹ" in page
    assert "Trực thuộc (13)" in page


def test_missing_page_is_a_vietnamese_404_page(admin: TestClient) -> None:
    response = admin.get("/areas/999999999", headers=HTML)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Không tìm thấy" in response.text
    other = admin.get("/khong-co-trang-nay", headers=HTML)
    assert other.status_code == 404
    assert "Không tìm thấy" in other.text


def test_bad_parameter_on_a_page_is_a_400_level_page(admin: TestClient) -> None:
    response = admin.get("/areas", params={"edition": "1999"}, headers=HTML)
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/areas",
        "/api/v1/areas",
        "/healthz",
        "/static/css/app.css",
        "/nope",
        "/openapi.json",
    ],
)
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    response = client.get(path)
    h = response.headers
    csp = h["content-security-policy"]
    for directive in (
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert re.match(r"max-age=(\d+); includeSubDomains", h["strict-transport-security"])
    assert int(h["strict-transport-security"].split("=")[1].split(";")[0]) >= 31536000
    assert "server" not in h
    assert "x-powered-by" not in h
    assert "access-control-allow-origin" not in h


def test_unknown_host_is_refused(client: TestClient) -> None:
    response = client.get("/", headers={"host": "evil.example"})
    assert response.status_code == 400


def test_pages_stay_light_and_load_nothing_from_outside(
    admin: TestClient, session: Session
) -> None:
    district = unit(
        session, "Huyện Kế Sách", edition=Edition.e2022, level=Level.district
    )
    css = admin.get("/static/css/app.css").content
    for path in ("/", "/areas", f"/areas/{district.id}", "/areas?q=a"):
        html = admin.get(path, headers=HTML).text
        assert len(html.encode()) + len(css) < 60_000, path
        assert not re.search(r'(src|href)="(https?:)?//', html), path
        assert "<script" not in html  # no page needs script yet


def test_health(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_api_docs_are_served_locally(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/areas" in spec["paths"]


def test_app_refuses_to_start_on_a_schema_behind_the_code(tmp_path: Path) -> None:
    from ocop_tracker.main import create_app
    from tests.dbutil import fresh_database, reset_caches

    with fresh_database(tmp_path, "behind") as url:
        saved = os.environ.get("OCOP_DATABASE_URL")
        os.environ["OCOP_DATABASE_URL"] = url
        reset_caches()
        try:
            with (
                pytest.raises(RuntimeError, match="db upgrade"),
                TestClient(create_app()),
            ):
                pass
        finally:
            if saved is not None:
                os.environ["OCOP_DATABASE_URL"] = saved
            reset_caches()


def test_pages_ask_anonymous_visitors_to_sign_in(client: TestClient) -> None:
    response = client.get("/areas?q=ke+sach", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/areas%3Fq%3Dke%2Bsach"
    landing = client.get("/", headers=HTML)
    assert landing.status_code == 200
    assert 'href="/login"' in landing.text
