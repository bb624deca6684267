"""The producers API over HTTP: scope, roles, errors, versions, consent, payment."""

import datetime as dt
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.producers.models import Consent, PaymentAccount, Producer
from tests.conftest import SignIn
from tests.factories import make_hamlet, unit
from tests.refusals import assert_field, no_code

VN = dt.timezone(dt.timedelta(hours=7))


def _hamlet_id(session: Session, name: str) -> int:
    return unit(session, name, edition=Edition.e2025, level=Level.hamlet).id


def _counts(session: Session) -> tuple[int, ...]:
    counts = [
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Producer, Consent, PaymentAccount, AuditEvent)
    ]
    denied = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "denied")
    )
    return (*counts, denied or 0)


def _create(
    client: TestClient, session: Session, hamlet: str = "Khóm 3", **body: Any
) -> dict[str, Any]:
    payload = {
        "hamlet_id": _hamlet_id(session, hamlet),
        "kind": "household",
        "name": "Hộ Nguyễn Văn Năm",
        **body,
    }
    response = client.post("/api/v1/producers", json=payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_read_update(sign_in: SignIn, session: Session) -> None:
    member = sign_in("thanhvien.khom3")
    created = _create(member, session, phone="0912 345 678", representative="Ông Năm")
    assert created["phone"] == "+84912345678"
    assert created["phone_display"] == "0912 345 678"
    assert created["hamlet_name"] == "Khóm 3"
    assert created["consents"] == {
        "display_name": False,
        "phone": False,
        "photo": False,
    }
    assert created["version"] == 1
    url = f"/api/v1/producers/{created['id']}"
    assert member.get(url).json() == created
    changed = member.patch(url, json={"kind": "enterprise", "version": 1})
    assert changed.status_code == 200
    assert (changed.json()["kind"], changed.json()["version"]) == ("enterprise", 2)
    listed = member.get("/api/v1/producers", params={"limit": 200}).json()
    assert created["id"] in [i["id"] for i in listed["items"]]
    assert {i["hamlet_name"] for i in listed["items"]} == {"Khóm 3"}


def test_a_stale_version_answers_409_with_the_current_record(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    created = _create(member, session)
    url = f"/api/v1/producers/{created['id']}"
    assert member.patch(url, json={"name": "Hộ Mới", "version": 1}).status_code == 200
    before = _counts(session)
    stale = member.patch(url, json={"name": "Hộ Cũ Đè Lên", "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "conflict"
    assert body["fields"] == {"version": body["detail"]}
    no_code(body["detail"])
    assert (body["current"]["name"], body["current"]["version"]) == ("Hộ Mới", 2)
    assert _counts(session) == before
    assert member.get(url).json()["name"] == "Hộ Mới"
    # The version is required, and no other field may ride along.
    assert member.patch(url, json={"name": "Không Phiên Bản"}).status_code == 422
    assert member.patch(url, json={"search_key": "x", "version": 2}).status_code == 422


def test_bad_input_names_the_field_in_vietnamese_and_writes_nothing(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    before = _counts(session)
    for body, field, words in (
        ({"phone": "+1 202 555 0100"}, "phone", "Số điện thoại"),
        ({"name": " "}, "name", "không được để trống"),
        ({"tax_code": "???"}, "tax_code", "Mã số thuế"),
    ):
        response = member.post(
            "/api/v1/producers",
            json={
                "hamlet_id": _hamlet_id(session, "Khóm 3"),
                "kind": "household",
                "name": "Hộ Thử",
                **body,
            },
        )
        assert response.status_code == 422, body
        detail = response.json()["detail"]
        assert response.json()["fields"] == {field: detail}, detail
        no_code(detail)
        assert words in detail, detail
    assert _counts(session) == before


def test_scope_and_roles(sign_in: SignIn, session: Session) -> None:
    away = _create(sign_in("thanhvien.anthuong"), session, hamlet="Ấp An Thường")
    member = sign_in("thanhvien.khom3")
    url = f"/api/v1/producers/{away['id']}"
    before = _counts(session)
    assert member.get(url).status_code == 404
    assert member.patch(url, json={"name": "X", "version": 1}).status_code == 404
    assert member.get(f"{url}/consents").status_code == 404
    assert member.get(f"{url}/payment-accounts").status_code == 404
    assert (
        member.post(
            f"{url}/payment-accounts", json={"provider": "bank", "status": "open"}
        ).status_code
        == 404
    )
    assert (
        member.post(
            "/api/v1/producers",
            json={
                "hamlet_id": _hamlet_id(session, "Ấp An Thường"),
                "kind": "household",
                "name": "Hộ Lấn Ấp",
            },
        ).status_code
        == 404
    )
    assert all(
        i["id"] != away["id"] for i in member.get("/api/v1/producers").json()["items"]
    )
    department = sign_in("sct.soctrang")
    assert department.get(url).status_code == 200
    assert department.patch(url, json={"name": "X", "version": 1}).status_code == 403
    assert (
        department.post(
            f"{url}/consents",
            json={"field": "phone", "granted": True, "note": "Không"},
        ).status_code
        == 403
    )
    assert (
        department.post(
            f"{url}/payment-accounts", json={"provider": "bank", "status": "open"}
        ).status_code
        == 403
    )
    # Refusals leave only their "denied" audit events.
    after = _counts(session)
    assert after[:3] == before[:3]
    new_denials = after[4] - before[4]
    assert new_denials > 0
    assert after[3] - before[3] == new_denials


def test_lists_filter_search_and_page(sign_in: SignIn, session: Session) -> None:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    official = sign_in("canbo.khom3")
    for name, kind in (
        ("Hợp tác xã Đồng Tiến", "cooperative"),
        ("Hộ Lê Thị Út", "household"),
        ("Tổ hợp tác Bánh Pía", "cooperative_group"),
    ):
        _create(official, session, hamlet=hamlet.name, name=name, kind=kind)
    only = {"area_id": hamlet.id}
    body = official.get(
        "/api/v1/producers", params={**only, "q": "DONG tien", "kind": "cooperative"}
    ).json()
    assert [i["name"] for i in body["items"]] == ["Hợp tác xã Đồng Tiến"]
    page = official.get(
        "/api/v1/producers",
        params={**only, "sort": "name", "order": "desc", "limit": 2, "offset": 0},
    ).json()
    assert page["total"] == 3
    assert [i["name"] for i in page["items"]] == [
        "Tổ hợp tác Bánh Pía",
        "Hợp tác xã Đồng Tiến",
    ]
    member = sign_in("thanhvien.khom3")
    assert member.get("/api/v1/producers", params=only).json()["total"] == 0
    for params in ({"sort": "phone"}, {"order": "up"}, {"limit": 0}, {"q": "x" * 101}):
        assert official.get("/api/v1/producers", params=params).status_code == 422


def test_consent_over_http(sign_in: SignIn, session: Session) -> None:
    member = sign_in("thanhvien.khom3")
    producer = _create(member, session)
    url = f"/api/v1/producers/{producer['id']}/consents"
    missing_note = member.post(url, json={"field": "phone", "granted": True})
    assert missing_note.status_code == 422
    refusal = missing_note.json()
    assert refusal["fields"] == {"note": refusal["detail"]}
    no_code(refusal["detail"])
    given = member.post(
        url, json={"field": "phone", "granted": True, "note": "Phiếu đồng ý số 7"}
    )
    assert given.status_code == 201
    assert given.json()["recorded_by_name"]
    assert (
        member.post(
            url, json={"field": "phone", "granted": True, "note": "lại"}
        ).status_code
        == 409
    )
    assert (
        member.post(url, json={"field": "phone", "granted": False}).status_code == 201
    )
    overview = member.get(url).json()
    assert overview["current"]["phone"]["granted"] is False
    assert overview["current"]["photo"] == {
        "granted": False,
        "recorded_at": None,
        "recorded_by_id": None,
    }
    assert [(h["field"], h["granted"]) for h in overview["history"]] == [
        ("phone", False),
        ("phone", True),
    ]
    assert (
        member.get(f"/api/v1/producers/{producer['id']}").json()["consents"]["phone"]
        is False
    )


CANARY = "9704 1234 5678 9012"


def test_payment_accounts_keep_only_the_last_four(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    producer = _create(member, session)
    url = f"/api/v1/producers/{producer['id']}/payment-accounts"
    assert member.get(url).json() == []
    post = member.post(
        url,
        json={"provider": "bank", "status": "open", "account_number": CANARY},
    )
    assert post.status_code == 201
    body = post.json()
    assert (body["last4"], body["kind"], body["provider_name"]) == (
        "9012",
        "bank",
        "Ngân hàng khác",
    )
    assert body["masked"] == "Ngân hàng khác ••••9012"
    assert "5678" not in post.text
    assert "97041234" not in post.text.replace(" ", "")
    one = f"/api/v1/payment-accounts/{body['id']}"
    assert member.get(one).json() == body
    assert member.get(url).json() == [body]
    producer_body = member.get(f"/api/v1/producers/{producer['id']}").text
    assert "9012" not in producer_body
    digits = "9704123456789012"
    for table in ("payment_accounts", "audit_events", "producers"):
        for row in session.execute(text(f"SELECT * FROM {table}")):
            flat = "".join(str(v) for v in row).replace(" ", "")
            assert digits not in flat, table
            assert "12345678" not in flat, table
    stale = member.put(one, json={"provider": "bank", "status": "closed", "version": 9})
    assert stale.status_code == 409
    assert stale.json()["current"]["last4"] == "9012"
    bad = member.put(
        one,
        json={
            "provider": "bank",
            "status": "open",
            "account_number": "1#2",
            "version": 1,
        },
    )
    assert bad.status_code == 422
    assert bad.json()["fields"].keys() == {"account_number"}
    assert "1#2" not in bad.text
    closed = member.put(
        one, json={"provider": "bank", "status": "closed", "version": 1}
    )
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["last4"]) == ("closed", "9012")


def test_mobile_money_needs_a_sim_in_the_holders_name_over_http(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    producer = _create(member, session)
    url = f"/api/v1/producers/{producer['id']}/payment-accounts"
    refused = member.post(
        url,
        json={
            "provider": "mobifone_money",
            "status": "open",
            "sim_in_holder_name": False,
        },
    )
    assert refused.status_code == 422
    assert_field(refused.json(), "sim_in_holder_name", "SIM MobiFone")
    taken = member.post(
        url,
        json={
            "provider": "mobifone_money",
            "status": "open",
            "sim_in_holder_name": True,
        },
    )
    assert taken.status_code == 201
    assert (taken.json()["kind"], taken.json()["sim_in_holder_name"]) == (
        "mobile_money",
        True,
    )
    unknown = member.post(url, json={"provider": "paypal", "status": "open"})
    assert unknown.status_code == 422
    assert_field(unknown.json(), "provider", "danh sách")


def test_payment_providers_are_data_admins_add_them(sign_in: SignIn) -> None:
    member = sign_in("thanhvien.khom3")
    listed = member.get("/api/v1/payment-providers").json()
    by_code = {p["code"]: p for p in listed}
    assert by_code["viettel_money"] == {
        "code": "viettel_money",
        "name": "Viettel Money",
        "kind": "mobile_money",
        "carrier": "Viettel",
    }
    assert {"momo", "zalopay", "agribank"} <= by_code.keys()
    new = {"code": "vnpay", "name": "VNPAY", "kind": "e_wallet"}
    assert member.post("/api/v1/payment-providers", json=new).status_code == 403
    admin = sign_in("admin")
    made = admin.post("/api/v1/payment-providers", json=new)
    assert made.status_code == 201
    assert made.json()["carrier"] is None
    assert admin.post("/api/v1/payment-providers", json=new).status_code == 409
    assert listed[-1]["code"] != "vnpay"
    assert member.get("/api/v1/payment-providers").json()[-1]["code"] == "vnpay"


def test_as_of_over_http(sign_in: SignIn, session: Session) -> None:
    member = sign_in("thanhvien.khom3")
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, tzinfo=VN), tick=False):
        created = _create(member, session, name="Hộ Bảy")
    with time_machine.travel(dt.datetime(2026, 5, 6, 10, 0, tzinfo=VN), tick=False):
        assert (
            member.patch(
                f"/api/v1/producers/{created['id']}",
                json={"name": "Hộ Tám", "version": 1},
            ).status_code
            == 200
        )
    url = f"/api/v1/producers/{created['id']}"
    then = member.get(url, params={"as_of": "2026-05-05"}).json()
    assert (then["name"], then["as_of"], then["version"]) == (
        "Hộ Bảy",
        "2026-05-05",
        None,
    )
    assert member.get(url, params={"as_of": "2026-05-06"}).json()["name"] == "Hộ Tám"
    assert member.get(url).json()["name"] == "Hộ Tám"
    assert member.get(url, params={"as_of": "2026-05-03"}).status_code == 404
    assert member.get(url, params={"as_of": "2026-13-01"}).status_code == 422
    far = (clock.today() + dt.timedelta(days=1)).isoformat()
    future = member.get(url, params={"as_of": far})
    assert future.status_code == 422
    assert future.json()["fields"] == {"as_of": future.json()["detail"]}
    no_code(future.json()["detail"])
