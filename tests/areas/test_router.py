"""The areas API over HTTP."""

import io

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from tests.conftest import SignIn
from tests.factories import unit


def _units(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AdminUnit)) or 0


def test_search_ignores_diacritics(admin: TestClient) -> None:
    body = admin.get("/api/v1/areas", params={"q": "ke sach"}).json()
    names = {(i["name"], i["edition"], i["level"]) for i in body["items"]}
    assert ("Huyện Kế Sách", "2022", "district") in names
    assert body["total"] == len(body["items"])
    district = next(i for i in body["items"] if i["name"] == "Huyện Kế Sách")
    assert district["group_name"] == "CNCD_KeSach_SocTrang"


def test_search_filters_and_paginates(admin: TestClient) -> None:
    first = admin.get(
        "/api/v1/areas", params={"level": "commune", "edition": "2025", "limit": 10}
    ).json()
    assert first["total"] == 103
    assert len(first["items"]) == 10
    second = admin.get(
        "/api/v1/areas",
        params={"level": "commune", "edition": "2025", "limit": 10, "offset": 10},
    ).json()
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert all(
        i["level"] == "commune" and i["edition"] == "2025" for i in first["items"]
    )


def test_search_by_parent(admin: TestClient, session: Session) -> None:
    district = unit(
        session, "Huyện Kế Sách", edition=Edition.e2022, level=Level.district
    )
    body = admin.get("/api/v1/areas", params={"parent_id": district.id}).json()
    assert body["total"] == 13
    assert {i["parent_id"] for i in body["items"]} == {district.id}


def test_bad_query_parameters_are_422_with_the_error_shape(admin: TestClient) -> None:
    for params in (
        {"level": "planet"},
        {"edition": "1999"},
        {"limit": 0},
        {"limit": 201},
        {"q": "x" * 101},
    ):
        response = admin.get("/api/v1/areas", params=params)
        assert response.status_code == 422, params
        assert set(response.json()) == {"error", "detail", "fields"}


def test_unknown_area_is_404_json(admin: TestClient) -> None:
    response = admin.get("/api/v1/areas/999999999")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.json()["detail"]


def test_children_and_ancestors(admin: TestClient, session: Session) -> None:
    hamlet = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    ancestors = admin.get(f"/api/v1/areas/{hamlet.id}/ancestors").json()
    assert [a["name"] for a in ancestors] == ["Thành phố Cần Thơ", "Xã An Thạnh"]
    assert [a["group_name"] for a in ancestors] == [
        "CNCD_CanTho",
        "CNCD_AnThanh_CanTho",
    ]
    commune_id = ancestors[-1]["id"]
    children = admin.get(f"/api/v1/areas/{commune_id}/children").json()
    assert [c["name"] for c in children] == ["Ấp An Thường"]
    assert children[0]["group_name"] == "CNCD_AnThuong_AnThanh_CanTho"
    assert admin.get(f"/api/v1/areas/{hamlet.id}").json()["parent_id"] == commune_id
    # Before 1/7/2025 the same hamlet stood in the plan's tree.
    before = {"as_of": "2025-06-30"}
    ancestors = admin.get(f"/api/v1/areas/{hamlet.id}/ancestors", params=before).json()
    assert [a["name"] for a in ancestors] == [
        "Tỉnh Sóc Trăng",
        "Huyện Cù Lao Dung",
        "Xã An Thạnh 1",
    ]
    assert [a["group_name"] for a in ancestors] == [
        "CNCD_SocTrang",
        "CNCD_CuLaoDung_SocTrang",
        "CNCD_AnThanh1_CuLaoDung",
    ]
    old_commune = ancestors[-1]["id"]
    children = admin.get(f"/api/v1/areas/{old_commune}/children", params=before).json()
    assert [c["name"] for c in children] == ["Ấp An Thường"]
    assert children[0]["group_name"] == "CNCD_AnThuong_AnThanh1_CuLaoDung"
    assert admin.get(f"/api/v1/areas/{old_commune}/children").json() == []


def test_create_hamlet(admin: TestClient, session: Session) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    response = admin.post(
        f"/api/v1/areas/{commune.id}/hamlets", json={"name": "Ấp Mỹ Phước"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["level"] == "hamlet"
    assert body["group_name"] == "CNCD_MyPhuoc_NhonMy_KeSach"
    again = admin.post(
        f"/api/v1/areas/{commune.id}/hamlets", json={"name": "ấp mỹ phước"}
    )
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"


def test_create_hamlet_refusals_write_nothing(
    admin: TestClient, session: Session
) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    district = unit(
        session, "Huyện Kế Sách", edition=Edition.e2022, level=Level.district
    )
    before = _units(session)
    cases = [
        (f"/api/v1/areas/{district.id}/hamlets", {"name": "Ấp Sai"}, 422),
        (f"/api/v1/areas/{commune.id}/hamlets", {"name": "Ấp\u0000Nul"}, 422),
        (f"/api/v1/areas/{commune.id}/hamlets", {"name": ""}, 422),
        (
            f"/api/v1/areas/{commune.id}/hamlets",
            {"name": "Ấp A", "parent_id": district.id},
            422,
        ),
        ("/api/v1/areas/999999999/hamlets", {"name": "Ấp Ma"}, 404),
    ]
    for url, payload, status in cases:
        response = admin.post(url, json=payload)
        assert response.status_code == status, (payload, response.text)
        assert set(response.json()) >= {"error", "detail"}
    assert _units(session) == before


def test_validation_errors_do_not_echo_input(
    admin: TestClient, session: Session
) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    response = admin.post(
        f"/api/v1/areas/{commune.id}/hamlets",
        json={"name": "Ấp A", "secret": "CANARY-1234"},
    )
    assert response.status_code == 422
    assert "CANARY-1234" not in response.text


def test_only_admins_and_officials_in_area_add_hamlets(
    sign_in: SignIn, session: Session
) -> None:
    nhon_my = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    phuong_soc_trang = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    before = _units(session)
    official = sign_in("canbo.khom3")  # official of Phường Sóc Trăng
    assert (
        official.post(
            f"/api/v1/areas/{nhon_my.id}/hamlets", json={"name": "Ấp Mới"}
        ).status_code
        == 404
    )
    for login in ("sct.soctrang", "totruong.khom3", "thanhvien.khom3"):
        response = sign_in(login).post(
            f"/api/v1/areas/{phuong_soc_trang.id}/hamlets", json={"name": "Khóm 9"}
        )
        assert response.status_code == 403, login
    assert _units(session) == before
    assert (
        official.post(
            f"/api/v1/areas/{phuong_soc_trang.id}/hamlets", json={"name": "Khóm 9"}
        ).status_code
        == 201
    )


def test_anonymous_gets_401(client: TestClient) -> None:
    response = client.get("/api/v1/areas")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_team_member_sees_only_their_branch_of_the_tree(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    body = member.get("/api/v1/areas", params={"limit": 200}).json()
    names = {i["name"] for i in body["items"]}
    assert names == {"Thành phố Cần Thơ", "Phường Sóc Trăng", "Khóm 3"}
    province = unit(
        session, "Thành phố Cần Thơ", edition=Edition.e2025, level=Level.province
    )
    children = member.get(f"/api/v1/areas/{province.id}/children").json()
    assert [c["name"] for c in children] == ["Phường Sóc Trăng"]
    ke_sach = unit(
        session, "Huyện Kế Sách", edition=Edition.e2022, level=Level.district
    )
    assert member.get(f"/api/v1/areas/{ke_sach.id}").status_code == 404
    assert member.get("/api/v1/areas", params={"q": "ke sach"}).json()["total"] == 0


def test_csv_import_over_http(admin: TestClient, session: Session) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    good = f"commune_code,name\n{commune.code},Ấp Một\n{commune.code},Ấp Hai\n".encode()
    response = admin.post(
        "/api/v1/areas/hamlets/import",
        params={"edition": "2022"},
        files={"file": ("hamlets.csv", io.BytesIO(good), "text/csv")},
    )
    assert response.status_code == 201, response.text
    assert [h["name"] for h in response.json()["created"]] == ["Ấp Một", "Ấp Hai"]


def test_csv_import_with_bad_rows_lists_them_and_writes_nothing(
    admin: TestClient, session: Session
) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    bad = f"commune_code,name\n{commune.code},Ấp Ba\n00000,Ấp Bốn\n".encode()
    before = _units(session)
    response = admin.post(
        "/api/v1/areas/hamlets/import",
        params={"edition": "2022"},
        files={"file": ("hamlets.csv", io.BytesIO(bad), "text/csv")},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert body["rows"] == [{"row": 3, "message": "không có xã/phường mã '00000'."}]
    assert _units(session) == before
    not_utf8 = admin.post(
        "/api/v1/areas/hamlets/import",
        files={
            "file": (
                "h.csv",
                io.BytesIO("commune_code,name\n1,Ấp\n".encode("utf-16")),
                "text/csv",
            )
        },
    )
    assert not_utf8.status_code == 422
    too_big = admin.post(
        "/api/v1/areas/hamlets/import",
        files={"file": ("h.csv", io.BytesIO(b"a" * 1_000_001), "text/csv")},
    )
    assert too_big.status_code == 413
    # Found by the API fuzz: a bare carriage return, and a field over the csv
    # module's size limit, were a 500; both are refused and write nothing.
    for broken in (b"\r0", b"commune_code,name\n1," + b"x" * 200_000 + b"\n"):
        refused = admin.post(
            "/api/v1/areas/hamlets/import",
            files={"file": ("h.csv", io.BytesIO(broken), "text/csv")},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"].startswith(
            ("Tệp CSV thiếu cột", "Tệp CSV hỏng")
        )
    assert _units(session) == before
