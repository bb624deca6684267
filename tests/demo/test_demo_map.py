"""The demo on today's map: the same pilot hamlets read on both sides of 1/7/2025."""

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.areas.rules import REFORM_DATE
from ocop_tracker.demo import service as demo_service
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.conftest import SignIn
from tests.factories import unit

BEFORE = REFORM_DATE - dt.timedelta(days=1)
PILOTS = {"Khóm 3": "khom3", "Ấp An Thường": "anthuong", "Ấp Châu Thành": "chauthanh"}
COMMUNES_2025 = {
    "Khóm 3": "Phường Sóc Trăng",
    "Ấp An Thường": "Xã An Thạnh",
    "Ấp Châu Thành": "Xã Lịch Hội Thượng",
}


def _coverage(
    c: TestClient, area_id: int | None = None, as_of: dt.date | None = None
) -> dict[str, Any]:
    params: dict[str, str] = {}
    if area_id is not None:
        params["area_id"] = str(area_id)
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    r = c.get("/api/v1/reports/coverage", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _hamlets(session: Session) -> list[AdminUnit]:
    return [
        unit(session, name, edition=Edition.e2025, level=Level.hamlet)
        for name in PILOTS
    ]


def _summed(
    admin: TestClient, hamlets: list[AdminUnit], day: dt.date
) -> tuple[int, int]:
    figures = [_coverage(admin, h.id, day)["ocop"] for h in hamlets]
    return sum(f["total"] for f in figures), sum(f["listed"] for f in figures)


def _province(session: Session, name: str, edition: Edition) -> AdminUnit:
    return unit(session, name, edition=edition, level=Level.province)


def test_the_pilot_hamlets_live_under_their_2025_communes(session: Session) -> None:
    for hamlet in _hamlets(session):
        assert hamlet.parent_id is not None
        commune = session.get(AdminUnit, hamlet.parent_id)
        assert commune is not None
        assert (commune.edition, commune.name) == (
            Edition.e2025,
            COMMUNES_2025[hamlet.name],
        )


def test_the_department_reads_can_tho_today_with_the_pilot_hamlets_figures(
    sign_in: SignIn, session: Session
) -> None:
    city = _province(session, "Thành phố Cần Thơ", Edition.e2025)
    department = sign_in("sct.soctrang")
    body = _coverage(department)
    assert body["area"] == {
        "id": city.id,
        "name": "Thành phố Cần Thơ",
        "level": "province",
    }
    day = dt.date.fromisoformat(body["as_of"])
    total, listed = _summed(sign_in("admin"), _hamlets(session), day)
    assert body["ocop"]["total"] == total > 0
    assert body["ocop"]["listed"] == listed > 0
    communes = {c["label"] for c in body["by_child"] if c["total"]}
    assert communes == set(COMMUNES_2025.values())
    page = department.get("/reports")
    assert page.status_code == 200
    assert "Tiến độ đưa sản phẩm OCOP lên sàn · Thành phố Cần Thơ" in page.text
    # Sóc Trăng appears only as the way to the same hamlets before the reform.
    old = _province(session, "Tỉnh Sóc Trăng", Edition.e2022)
    assert page.text.count("Tỉnh Sóc Trăng") == 1
    assert f'href="/reports?area_id={old.id}&amp;as_of=2025-06-30"' in page.text


def test_the_2022_province_reads_the_same_hamlets_before_the_reform(
    sign_in: SignIn, session: Session
) -> None:
    admin = sign_in("admin")
    hamlets = _hamlets(session)
    old = _province(session, "Tỉnh Sóc Trăng", Edition.e2022)
    city = _province(session, "Thành phố Cần Thơ", Edition.e2025)

    before = _coverage(admin, old.id, BEFORE)
    total, listed = _summed(admin, hamlets, BEFORE)
    assert before["ocop"]["total"] == total > 0
    assert before["ocop"]["listed"] == listed > 0
    districts = {c["label"] for c in before["by_child"] if c["total"]}
    assert districts == {"Thành phố Sóc Trăng", "Huyện Cù Lao Dung", "Huyện Trần Đề"}
    # Cần Thơ city of the 2025 map did not hold them yet.
    assert _coverage(admin, city.id, BEFORE)["ocop"]["total"] == 0

    after = _coverage(admin, city.id, REFORM_DATE)
    total, listed = _summed(admin, hamlets, REFORM_DATE)
    assert after["ocop"]["total"] == total > 0
    assert after["ocop"]["listed"] == listed
    # Today the abolished province holds nothing; the 2025 units hold it all.
    assert _coverage(admin, old.id)["ocop"]["total"] == 0
    for commune in {h.parent_id for h in hamlets}:
        assert _coverage(admin, commune)["ocop"]["total"] > 0


def test_each_official_sees_their_hamlet_in_their_2025_commune(
    sign_in: SignIn, session: Session
) -> None:
    for hamlet_name, key in PILOTS.items():
        official = sign_in(f"canbo.{key}")
        body = _coverage(official)
        assert body["area"]["name"] == COMMUNES_2025[hamlet_name]
        hamlets = {c["label"]: c["total"] for c in body["by_child"]}
        assert hamlets[hamlet_name] > 0


def test_every_demo_account_is_in_the_result_and_the_readme(session: Session) -> None:
    result = demo_service.load(session)
    assert not result.changed
    logins = {a.login for a in result.accounts}
    assert logins == set(session.scalars(select(User.login)))
    assert len(result.accounts) == len(logins)
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    sign_in_part = readme.split("Sign in at", 1)[1].split("\n## ", 1)[0]
    for login in logins:
        assert f"`{login}`" in sign_in_part, login
    for account in result.accounts:
        user = user_repository.by_login(session, account.login)
        assert user is not None
        assert user.area_id == (account.area.id if account.area else None)


def test_the_department_reads_its_2022_past_and_officials_their_commune_s(
    sign_in: SignIn, session: Session
) -> None:
    admin = sign_in("admin")
    department = sign_in("sct.soctrang")
    old = _province(session, "Tỉnh Sóc Trăng", Edition.e2022)
    mine = _coverage(department, old.id, BEFORE)
    assert mine["ocop"] == _coverage(admin, old.id, BEFORE)["ocop"]
    assert mine["ocop"]["total"] > 0
    district = next(c for c in mine["by_child"] if c["label"] == "Huyện Trần Đề")
    drill = _coverage(department, district["area_id"], BEFORE)
    assert drill["ocop"]["total"] == district["total"] > 0
    page = department.get(
        "/reports", params={"area_id": old.id, "as_of": BEFORE.isoformat()}
    )
    assert page.status_code == 200
    assert "Tiến độ đưa sản phẩm OCOP lên sàn · Tỉnh Sóc Trăng" in page.text
    assert "Thành phố Cần Thơ</a>" in page.text  # where the hamlets went
    assert "/reports/actions?area_id=" not in page.text  # read only: no actions
    # The past is read, not written: nothing changes through a 2022 unit.
    assert (
        department.get(
            "/api/v1/reports/actions", params={"area_id": old.id}
        ).status_code
        == 404
    )

    official = sign_in("canbo.khom3")
    phuong5 = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    before = _coverage(official, phuong5.id, BEFORE)
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    assert before["ocop"] == _coverage(official, khom3.id, BEFORE)["ocop"]
    assert before["ocop"]["total"] > 0
    r = official.post(f"/api/v1/areas/{phuong5.id}/hamlets", json={"name": "Khóm 12"})
    assert r.status_code == 404
    # Units only partly taken into the official's commune stay out of reach.
    for name, level in (
        ("Thành phố Sóc Trăng", Level.district),
        ("Xã An Thạnh 1", Level.commune),
        ("Tỉnh Sóc Trăng", Level.province),
    ):
        other = unit(session, name, edition=Edition.e2022, level=level)
        r = official.get(
            "/api/v1/reports/coverage",
            params={"area_id": other.id, "as_of": BEFORE.isoformat()},
        )
        assert r.status_code == 404, name


def test_the_demo_shops_report_months_and_one_is_dormant(
    session: Session, sign_in: SignIn
) -> None:
    official = sign_in("canbo.khom3")
    body = official.get("/api/v1/reports/actions").json()
    dormant = next(g for g in body["flags"] if g["code"] == "dormant_shop")
    sold_once = [f for f in dormant["items"] if f["last_order_on"] is not None]
    assert sold_once
    shop = sold_once[0]["seller_account_id"]
    months = official.get(f"/api/v1/seller-accounts/{shop}/activity").json()
    assert len(months) >= 4
    assert months[0]["orders"] == 0
