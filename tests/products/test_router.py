"""The products, certificates and OCOP groups API over HTTP."""

import datetime as dt
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.products.models import Certificate, OcopSubgroup, Product
from tests.conftest import SignIn
from tests.factories import make_hamlet, unit
from tests.refusals import no_code

VN = dt.timezone(dt.timedelta(hours=7))


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Product, Certificate, OcopSubgroup, AuditEvent)
    )


def _producer(client: TestClient, session: Session, hamlet: str = "Khóm 3") -> int:
    hamlet_id = unit(session, hamlet, edition=Edition.e2025, level=Level.hamlet).id
    response = client.post(
        "/api/v1/producers",
        json={"hamlet_id": hamlet_id, "kind": "household", "name": "Hộ Bà Tư"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _product(client: TestClient, producer_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/products",
        json={
            "producer_id": producer_id,
            "name": "Bánh pía sầu riêng",
            "kind": "ocop",
            **body,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


CERT = {
    "stars": 3,
    "score": 62,
    "decision_number": "1358/QĐ-UBND",
    "decision_date": "2024-07-20",
    "authority": "UBND thành phố Sóc Trăng",
    "level": "district",
}


def test_product_life_over_http(sign_in: SignIn, session: Session) -> None:
    member = sign_in("thanhvien.khom3")
    product = _product(
        member, _producer(member, session), price=45000, gtin="8936036020052"
    )
    assert len(product["public_code"]) == 22
    assert (product["price"], product["stars"], product["certificate_status"]) == (
        45000,
        None,
        None,
    )
    url = f"/api/v1/products/{product['id']}"
    assert member.get(url).json() == product
    cert = member.post(f"{url}/certificates", json=CERT)
    assert cert.status_code == 201, cert.text
    assert (cert.json()["expires_on"], cert.json()["status"]) == ("2027-07-20", "valid")
    now = member.get(url).json()
    assert (now["stars"], now["certificate_status"], now["certificate_expires_on"]) == (
        3,
        "valid",
        "2027-07-20",
    )
    changed = member.patch(url, json={"name": "Bánh pía kim sa", "version": 1})
    assert changed.status_code == 200
    assert changed.json()["public_code"] == product["public_code"]
    # The public code is not writable, nor is the hamlet.
    for field, value in (("public_code", "x" * 22), ("hamlet_id", 1)):
        refused = member.patch(url, json={field: value, "version": 2})
        assert refused.status_code == 422
    listed = member.get(f"{url}/certificates").json()
    assert [c["decision_number"] for c in listed] == ["1358/QĐ-UBND"]


def test_bad_input_is_a_4xx_naming_the_field_and_nothing_is_written(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    product = _product(member, _producer(member, session))
    url = f"/api/v1/products/{product['id']}/certificates"
    assert member.post(url, json=CERT).status_code == 201
    before = _counts(session)
    future = (clock.today() + dt.timedelta(days=1)).isoformat()
    cases: list[tuple[str, dict[str, Any], int, str, str]] = [
        (url, {**CERT, "stars": 2, "decision_number": "a"}, 422, "stars", "Hạng sao"),
        (url, {**CERT, "stars": 7, "decision_number": "b"}, 422, "stars", "Hạng sao"),
        (
            url,
            {**CERT, "decision_date": future, "decision_number": "c"},
            422,
            "decision_date",
            "Ngày quyết định",
        ),
        (
            url,
            {**CERT, "decision_date": "2025-08-01", "decision_number": "d"},
            422,
            "level",
            "cấp tỉnh",
        ),
        (
            url,
            {**CERT, "decision_number": "1358 / qđ-ubnd"},
            409,
            "decision_number",
            "quyết định",
        ),
        (
            "/api/v1/products",
            {
                "producer_id": product["producer_id"],
                "name": "Khác",
                "kind": "ocop",
                "gtin": "8936036020053",
            },
            422,
            "gtin",
            "chữ số kiểm tra",
        ),
    ]
    for target, body, code, field, words in cases:
        response = member.post(target, json=body)
        assert response.status_code == code, (body, response.text)
        detail = response.json()["detail"]
        assert response.json()["fields"] == {field: detail}, detail
        no_code(detail)
        assert words in detail, detail
    assert _counts(session) == before
    # A wrong type is refused by the schema, naming the field.
    typed = member.post(url, json={**CERT, "stars": "ba"})
    assert typed.status_code == 422
    assert typed.json()["detail"].startswith("stars: ")
    assert typed.json()["fields"] == {"stars": "Cần một số nguyên."}


def test_stale_versions_answer_409_with_the_current_record(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    product = _product(member, _producer(member, session))
    url = f"/api/v1/products/{product['id']}"
    assert member.patch(url, json={"unit": "hộp", "version": 1}).status_code == 200
    before = _counts(session)
    stale = member.patch(url, json={"unit": "kg", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current"]["unit"] == "hộp"
    assert stale.json()["current"]["version"] == 2
    cert = member.post(f"{url}/certificates", json=CERT).json()
    cert_url = f"{url}/certificates/{cert['id']}"
    assert member.patch(cert_url, json={"score": 65, "version": 1}).status_code == 200
    stale_cert = member.patch(cert_url, json={"score": 55, "version": 1})
    assert stale_cert.status_code == 409
    assert stale_cert.json()["current"]["score"] == 65
    stale_revoke = member.post(
        f"{cert_url}/revoke",
        json={"revoked_on": "2025-01-01", "reason": "Thử", "version": 1},
    )
    assert stale_revoke.status_code == 409
    assert stale_revoke.json()["current"]["revoked_on"] is None
    assert _counts(session)[:3] == (before[0], before[1] + 1, before[2])
    revoked = member.post(
        f"{cert_url}/revoke",
        json={"revoked_on": "2025-01-01", "reason": "Hết duy trì", "version": 2},
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert member.get(url).json()["certificate_status"] == "revoked"


def test_scope_and_roles(sign_in: SignIn, session: Session) -> None:
    away_client = sign_in("thanhvien.anthuong")
    away = _product(away_client, _producer(away_client, session, "Ấp An Thường"))
    cert = away_client.post(
        f"/api/v1/products/{away['id']}/certificates",
        json={**CERT, "level": "district"},
    ).json()
    member = sign_in("thanhvien.khom3")
    url = f"/api/v1/products/{away['id']}"
    before = _counts(session)
    for method, path, body in (
        ("GET", url, None),
        ("PATCH", url, {"unit": "kg", "version": 1}),
        ("GET", f"{url}/certificates", None),
        ("POST", f"{url}/certificates", {**CERT, "decision_number": "9"}),
        ("PATCH", f"{url}/certificates/{cert['id']}", {"score": 60, "version": 1}),
        (
            "POST",
            f"{url}/certificates/{cert['id']}/revoke",
            {"revoked_on": "2025-01-01", "reason": "x", "version": 1},
        ),
        (
            "POST",
            "/api/v1/products",
            {"producer_id": away["producer_id"], "name": "X", "kind": "ocop"},
        ),
    ):
        response = member.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    listed = member.get("/api/v1/products", params={"limit": 200}).json()["items"]
    assert away["id"] not in [i["id"] for i in listed]
    assert {i["hamlet_id"] for i in listed} <= {
        unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet).id
    }
    department = sign_in("sct.soctrang")
    assert department.get(url).status_code == 200
    assert department.get("/api/v1/products").json()["total"] >= 1
    for method, path, body in (
        ("PATCH", url, {"unit": "kg", "version": 1}),
        ("POST", f"{url}/certificates", {**CERT, "decision_number": "9"}),
        (
            "POST",
            "/api/v1/products",
            {"producer_id": away["producer_id"], "name": "X", "kind": "ocop"},
        ),
    ):
        assert department.request(method, path, json=body).status_code == 403
    assert _counts(session)[:3] == before[:3]
    # The official of Phường Sóc Trăng sees Khóm 3 only; the admin sees everything.
    assert sign_in("canbo.khom3").get(url).status_code == 404
    assert sign_in("admin").get(url).status_code == 200


def test_list_filters_and_as_of(sign_in: SignIn, session: Session) -> None:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    member = sign_in("canbo.khom3")  # the official of Phường Sóc Trăng
    producer_id = _producer(member, session, hamlet.name)
    only = {"area_id": hamlet.id}
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=VN), tick=False):
        starred = _product(member, producer_id, name="Mứt sen Ba Thắc")
        plain = _product(member, producer_id, name="Gạo ST25", kind="agricultural")
    with time_machine.travel(dt.datetime(2026, 7, 3, 9, tzinfo=VN), tick=False):
        created = member.post(
            f"/api/v1/products/{starred['id']}/certificates",
            json={
                **CERT,
                "stars": 4,
                "score": 80,
                "decision_date": "2026-07-02",
                "level": "province",
            },
        )
        assert created.status_code == 201, created.text
    items = member.get("/api/v1/products", params={**only, "stars": 4}).json()["items"]
    assert [i["id"] for i in items] == [starred["id"]]
    none = member.get(
        "/api/v1/products", params={**only, "certificate_status": "none"}
    ).json()
    assert [i["id"] for i in none["items"]] == [plain["id"]]
    searched = member.get("/api/v1/products", params={**only, "q": "MUT SEN"}).json()
    assert [i["name"] for i in searched["items"]] == ["Mứt sen Ba Thắc"]
    page = member.get(
        "/api/v1/products", params={**only, "sort": "name", "order": "desc", "limit": 1}
    ).json()
    assert (page["total"], [i["name"] for i in page["items"]]) == (
        2,
        ["Mứt sen Ba Thắc"],
    )
    # The certificate, recorded on 3/7, counts from its decision date 2/7.
    before = member.get(
        "/api/v1/products", params={**only, "as_of": "2026-07-01", "stars": 4}
    ).json()
    assert before["total"] == 0
    then = member.get(
        "/api/v1/products", params={**only, "as_of": "2026-07-02", "stars": 4}
    ).json()
    assert [(i["id"], i["recorded_on"]) for i in then["items"]] == [
        (starred["id"], None)
    ]
    later = member.get(
        "/api/v1/products", params={**only, "as_of": "2026-07-03", "stars": 4}
    ).json()
    assert [(i["id"], i["as_of"]) for i in later["items"]] == [
        (starred["id"], "2026-07-03")
    ]
    one = member.get(
        f"/api/v1/products/{starred['id']}", params={"as_of": "2026-07-01"}
    )
    assert (one.json()["stars"], one.json()["version"]) == (None, None)
    certs = member.get(
        f"/api/v1/products/{starred['id']}/certificates", params={"as_of": "2026-07-02"}
    ).json()
    assert [(c["id"], c["recorded_on"]) for c in certs] == [
        (created.json()["id"], "2026-07-03")
    ]
    assert (
        member.get(
            f"/api/v1/products/{starred['id']}/certificates",
            params={"as_of": "2026-07-01"},
        ).json()
        == []
    )
    assert (
        member.get(
            f"/api/v1/products/{starred['id']}", params={"as_of": "2026-06-30"}
        ).status_code
        == 404
    )
    for params in (
        {"stars": 2},
        {"certificate_status": "gone"},
        {"sort": "price"},
        {"as_of": "2026-07-02", "sort": "updated_at"},
    ):
        response = member.get("/api/v1/products", params=params)
        assert response.status_code == 422, params


def test_ocop_groups(sign_in: SignIn, admin: TestClient, session: Session) -> None:
    member = sign_in("thanhvien.khom3")
    groups = member.get("/api/v1/ocop-groups").json()
    assert len(groups) == 6
    assert groups[0]["code"] == "food"
    assert groups[0]["subgroups"]
    url = f"/api/v1/ocop-groups/{groups[1]['id']}/subgroups"
    created = admin.post(url, json={"name": "Nước mắm"})
    assert created.status_code == 201
    assert created.json()["group_id"] == groups[1]["id"]
    assert admin.post(url, json={"name": "nước mắm"}).status_code == 409
    before = _counts(session)
    for login in ("sct.soctrang", "canbo.khom3", "totruong.khom3"):
        assert sign_in(login).post(url, json={"name": "Khác"}).status_code == 403
    assert _counts(session)[:3] == before[:3]
    assert (
        admin.post(
            "/api/v1/ocop-groups/999999/subgroups", json={"name": "X"}
        ).status_code
        == 404
    )
