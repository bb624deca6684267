"""The seller accounts API over HTTP: statuses, masking, fields, scope, 409s, history."""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerStatus
from tests.conftest import SignIn
from tests.factories import make_seller_account, shop_url
from tests.onboarding.conftest import actor
from tests.refusals import assert_field
from tests.sellers.conftest import Sellers

API = "/api/v1"
REQUIRED = ("identity", "otp_phone", "order_email", "pickup_address", "payout_account")


def _create(
    client: TestClient, producer_id: int, marketplace_id: int, **fields: Any
) -> dict[str, Any]:
    response = client.post(
        f"{API}/producers/{producer_id}/seller-accounts",
        json={"marketplace_id": marketplace_id, **fields},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _tick(client: TestClient, account: dict[str, Any]) -> dict[str, Any]:
    for code in REQUIRED:
        response = client.post(
            f"{API}/seller-accounts/{account['id']}/checklist/{code}",
            json={"done": True, "note": "Đã kiểm tra"},
        )
        assert response.status_code == 200, response.text
        account = response.json()
    return account


def test_a_team_opens_a_shop_and_an_official_verifies_it(
    sellers: Sellers, sign_in: SignIn
) -> None:
    team = sign_in("thanhvien.khom3")
    official = sign_in("canbo.khom3")
    account = _create(
        team,
        sellers.producer.id,
        sellers.voso.id,
        status="applied",
        login_phone="0912 345 678",
        login_email="batu.banhpia@gmail.com",
    )
    assert account["status"] == "applied"
    assert account["marketplace_code"] == "voso"
    assert account["login_phone_masked"] == "09•• ••• 678"
    assert account["login_email_masked"] == "b•••@gmail.com"
    assert "login_phone" not in account
    assert "login_email" not in account
    account = _tick(team, account)
    assert account["checklist_ready"] is True
    claimed = team.post(
        f"{API}/seller-accounts/{account['id']}/claim",
        json={
            "shop_url": shop_url(sellers.producer, "voso"),
            "version": account["version"],
        },
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["claim_status"] == "pending"
    assert claimed.json()["is_open"] is False
    team_verifies = team.post(
        f"{API}/seller-accounts/{account['id']}/verification",
        json={"decision": "approved", "version": claimed.json()["version"]},
    )
    assert team_verifies.status_code == 403
    verified = official.post(
        f"{API}/seller-accounts/{account['id']}/verification",
        json={"decision": "approved", "version": claimed.json()["version"]},
    )
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["status"] == "open"
    assert body["is_open"] is True
    assert body["verifications"][0]["decision"] == "approved"
    listed = team.get(f"{API}/producers/{sellers.producer.id}/seller-accounts")
    assert [a["id"] for a in listed.json()] == [account["id"]]
    assert listed.json()[0]["is_open"] is True


def test_a_shop_url_off_the_marketplace_is_refused_on_its_field(
    sellers: Sellers, sign_in: SignIn
) -> None:
    team = sign_in("thanhvien.khom3")
    response = team.post(
        f"{API}/producers/{sellers.producer.id}/seller-accounts",
        json={
            "marketplace_id": sellers.postmart.id,
            "shop_url": "https://voso.vn/ho-ba-tu-s1",
        },
    )
    assert response.status_code == 422
    assert_field(response.json(), "shop_url", "postmart.vn")


def test_an_unknown_marketplace_is_refused_on_its_field(
    sellers: Sellers, sign_in: SignIn
) -> None:
    response = sign_in("thanhvien.khom3").post(
        f"{API}/producers/{sellers.producer.id}/seller-accounts",
        json={"marketplace_id": 987654},
    )
    assert response.status_code == 422
    assert_field(response.json(), "marketplace_id", "Không có sàn")


def test_a_stale_patch_is_a_409_with_the_account_as_it_is(
    sellers: Sellers, sign_in: SignIn
) -> None:
    team = sign_in("thanhvien.khom3")
    account = _create(team, sellers.producer.id, sellers.voso.id)
    first = team.patch(
        f"{API}/seller-accounts/{account['id']}",
        json={"shop_name": "Bánh pía Bà Tư", "version": account["version"]},
    )
    assert first.status_code == 200, first.text
    stale = team.patch(
        f"{API}/seller-accounts/{account['id']}",
        json={"shop_name": "Tên khác", "version": account["version"]},
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["current"]["shop_name"] == "Bánh pía Bà Tư"
    assert body["current"]["version"] == first.json()["version"]


def test_patch_moves_the_status_and_refuses_open_on_its_field(
    sellers: Sellers, sign_in: SignIn
) -> None:
    team = sign_in("thanhvien.khom3")
    account = _create(team, sellers.producer.id, sellers.voso.id)
    moved = team.patch(
        f"{API}/seller-accounts/{account['id']}",
        json={"status": "preparing", "version": account["version"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "preparing"
    refused = team.patch(
        f"{API}/seller-accounts/{account['id']}",
        json={"status": "open", "version": moved.json()["version"]},
    )
    assert refused.status_code == 422
    assert_field(refused.json(), "status", "xác minh")


def test_a_rejection_without_a_comment_is_refused_on_its_field(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    team = sign_in("thanhvien.khom3")
    account = _tick(
        team, _create(team, sellers.producer.id, sellers.voso.id, status="applied")
    )
    claimed = team.post(
        f"{API}/seller-accounts/{account['id']}/claim",
        json={
            "shop_url": shop_url(sellers.producer, "voso"),
            "version": account["version"],
        },
    ).json()
    response = sign_in("canbo.khom3").post(
        f"{API}/seller-accounts/{account['id']}/verification",
        json={"decision": "rejected", "version": claimed["version"]},
    )
    assert response.status_code == 422
    assert_field(response.json(), "comment", "Cần ghi nhận xét")


def test_out_of_area_is_a_404_and_the_department_reads_but_does_not_write(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    foreign = make_seller_account(session, sellers.foreign, status=SellerStatus.applied)
    session.commit()
    team = sign_in("thanhvien.khom3")
    assert team.get(f"{API}/seller-accounts/{foreign.id}").status_code == 404
    assert (
        team.get(f"{API}/producers/{sellers.foreign.id}/seller-accounts").status_code
        == 404
    )
    department = sign_in("sct.soctrang")
    assert department.get(f"{API}/seller-accounts/{foreign.id}").status_code == 200
    refused = department.patch(
        f"{API}/seller-accounts/{foreign.id}",
        json={"shop_name": "Không được", "version": foreign.version},
    )
    assert refused.status_code == 403


def test_a_past_day_through_the_api(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    team = sign_in("thanhvien.khom3")
    account = _create(team, sellers.producer.id, sellers.voso.id)
    yesterday = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    gone = team.get(f"{API}/seller-accounts/{account['id']}?as_of={yesterday}")
    assert gone.status_code == 404
    today = team.get(
        f"{API}/seller-accounts/{account['id']}",
        params={"as_of": account["status_on"]},
    )
    assert today.status_code == 200, today.text
    assert today.json()["version"] is None
    assert today.json()["status"] == "not_started"


def test_admins_manage_prerequisites_over_the_api(
    sellers: Sellers, sign_in: SignIn
) -> None:
    admin = sign_in("admin")
    listed = admin.get(f"{API}/marketplaces/{sellers.voso.id}/prerequisites")
    assert [p["code"] for p in listed.json()][:2] == ["identity", "otp_phone"]
    added = admin.post(
        f"{API}/marketplaces/{sellers.voso.id}/prerequisites",
        json={"code": "shop_sign", "label": "Ảnh bảng hiệu", "required": False},
    )
    assert added.status_code == 201, added.text
    changed = admin.patch(
        f"{API}/marketplaces/{sellers.voso.id}/prerequisites/shop_sign",
        json={"label": "Ảnh bảng hiệu cửa hàng", "version": added.json()["version"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["label"] == "Ảnh bảng hiệu cửa hàng"
    bad = admin.post(
        f"{API}/marketplaces/{sellers.voso.id}/prerequisites",
        json={"code": "x", "label": "Mã quá ngắn"},
    )
    assert bad.status_code == 422
    assert_field(bad.json(), "code", "Mã việc")
    team = sign_in("thanhvien.khom3")
    refused = team.post(
        f"{API}/marketplaces/{sellers.voso.id}/prerequisites",
        json={"code": "other_item", "label": "Khác"},
    )
    assert refused.status_code == 403


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    connection = session.connection()

    def note(*args: Any) -> None:
        seen.append(args[2])

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def _count(session: Session, read: Callable[[], object]) -> int:
    read()
    with _statements(session) as seen:
        read()
    assert seen
    return len(seen)


def test_a_producers_accounts_cost_the_same_statements_whatever_their_number(
    session: Session, sellers: Sellers
) -> None:
    official = actor(session, "canbo.khom3")
    make_seller_account(session, sellers.producer, "voso")
    one = _count(
        session,
        lambda: seller_views.accounts_of(session, official, sellers.producer),
    )
    make_seller_account(session, sellers.producer, "postmart")
    two = _count(
        session,
        lambda: seller_views.accounts_of(session, official, sellers.producer),
    )
    assert len(seller_views.accounts_of(session, official, sellers.producer)) == 2
    assert one == two
