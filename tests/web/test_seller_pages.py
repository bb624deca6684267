"""Seller account pages: the producer's "Gian hàng trên sàn", an account's page
(edit, checklist, the "open" claim), shop openings on /verify, and the admin's
payment providers and seller prerequisites."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.onboarding.models import (
    ListingStatus,
    Marketplace,
    StepMove,
    StepRecord,
    StepStatus,
)
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import PaymentProvider, PaymentStatus, Producer
from ocop_tracker.sellers.models import (
    ClaimStatus,
    SellerAccount,
    SellerActivity,
    SellerPrerequisite,
    SellerStatus,
)
from ocop_tracker.users.models import User
from tests.conftest import SignIn
from tests.factories import (
    make_listing,
    make_producer,
    make_product,
    make_seller_account,
    shop_url,
)
from tests.factories import pilot_hamlet as hamlet_named
from tests.refusals import field_error, top_message
from tests.web.test_producer_pages import check_page

HTML = {"accept": "text/html"}
REQUIRED = ("identity", "otp_phone", "order_email", "pickup_address", "payout_account")


def form(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Form fields as a browser sends them, with the page's CSRF token."""
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


@dataclass
class World:
    """A household in Khóm 3 and the seeded marketplaces."""

    producer: Producer
    voso: Marketplace
    postmart: Marketplace


def _market(session: Session, code: str) -> Marketplace:
    market = session.scalar(select(Marketplace).where(Marketplace.code == code))
    assert market is not None
    return market


@pytest.fixture
def world(session: Session) -> World:
    session.commit()
    producer = make_producer(
        session, hamlet_named(session, "Khóm 3"), name="Hộ Bà Tư Bánh Pía"
    )
    session.commit()
    return World(producer, _market(session, "voso"), _market(session, "postmart"))


def _account(session: Session, account_id: int) -> SellerAccount:
    session.expire_all()
    found = session.get(SellerAccount, account_id)
    assert found is not None
    return found


def _start(client: TestClient, world: World, **fields: Any) -> int:
    started = client.post(
        f"/producers/{world.producer.id}/seller-accounts",
        data=form(client, marketplace_id=world.voso.id, **fields),
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert location.startswith("/seller-accounts/")
    return int(location.split("/")[2].split("?")[0])


def _tick_required(client: TestClient, session: Session, account_id: int) -> None:
    for code in REQUIRED:
        version = _account(session, account_id).version
        ticked = client.post(
            f"/seller-accounts/{account_id}/checklist/{code}",
            data=form(client, done="true", note="Đã kiểm tra", version=version),
            follow_redirects=False,
        )
        assert ticked.status_code == 303, ticked.text


def _claim(client: TestClient, session: Session, world: World, account_id: int) -> None:
    claimed = client.post(
        f"/seller-accounts/{account_id}/claim",
        data=form(
            client,
            shop_url=shop_url(world.producer, "voso"),
            version=_account(session, account_id).version,
        ),
        follow_redirects=False,
    )
    assert claimed.status_code == 303, claimed.text


# --- the producer's page ---------------------------------------------------------------


def test_the_producer_page_has_a_block_per_marketplace_and_starts_a_shop(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    page = team.get(f"/producers/{world.producer.id}", headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert "Gian hàng trên sàn" in page.text
    assert page.text.count("Bắt đầu mở gian hàng</button>") == 2

    account_id = _start(team, world, status="preparing", shop_name="Bánh pía Bà Tư")
    account = _account(session, account_id)
    assert account.status is SellerStatus.preparing
    assert account.shop_name == "Bánh pía Bà Tư"

    page = team.get(f"/producers/{world.producer.id}", headers=HTML)
    assert "Đang chuẩn bị" in page.text
    assert "0/6 việc đã xong" in page.text
    assert f'href="/seller-accounts/{account_id}"' in page.text
    assert page.text.count("Bắt đầu mở gian hàng</button>") == 1  # postmart only


def test_a_refused_start_is_shown_beside_its_field_with_the_typed_name(
    sign_in: SignIn, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    name = "Gian hàng " + "rất dài " * 30
    refused = team.post(
        f"/producers/{world.producer.id}/seller-accounts",
        data=form(team, marketplace_id=world.voso.id, status="applied", shop_name=name),
    )
    assert refused.status_code == 422
    prefix = f"seller-new-{world.voso.id}-"
    assert "Tên gian hàng" in field_error(refused.text, "shop_name", prefix)
    assert f'value="{name.strip()}"' in refused.text or name in refused.text
    assert '<option value="applied" selected>' in refused.text


def test_who_may_start_a_shop(
    sign_in: SignIn, client: TestClient, world: World
) -> None:
    department = sign_in("sct.soctrang")
    page = department.get(f"/producers/{world.producer.id}", headers=HTML)
    assert page.status_code == 200
    assert "Bắt đầu mở gian hàng</button>" not in page.text
    denied = department.post(
        f"/producers/{world.producer.id}/seller-accounts",
        data=form(department, marketplace_id=world.voso.id),
    )
    assert denied.status_code == 403

    stranger = sign_in("thanhvien.anthuong")
    assert (
        stranger.post(
            f"/producers/{world.producer.id}/seller-accounts",
            data=form(stranger, marketplace_id=world.voso.id),
        ).status_code
        == 404
    )
    anonymous = client.get(
        f"/producers/{world.producer.id}", headers=HTML, follow_redirects=False
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")


# --- an account's page -----------------------------------------------------------------


def test_the_account_page_edits_status_shop_and_login(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world)
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert "Gian hàng trên voso.vn" in page.text
    # Only the moves the rules allow, never "open".
    assert '<option value="applied">' in page.text
    assert '<option value="open"' not in page.text

    saved = team.post(
        f"/seller-accounts/{account_id}",
        data=form(
            team,
            status="applied",
            status_on="",
            shop_name="Bánh pía Bà Tư",
            shop_url="",
            login_phone="0912 345 678",
            login_email="batu.banhpia@gmail.com",
            version=_account(session, account_id).version,
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    account = _account(session, account_id)
    assert account.status is SellerStatus.applied
    assert account.login_phone == "+84912345678"
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert "09•• ••• 678" in page.text
    assert "0912345678" not in page.text
    assert "+84912345678" not in page.text
    assert "batu.banhpia@gmail.com" not in page.text

    # Empty login fields keep what is stored.
    kept = team.post(
        f"/seller-accounts/{account_id}",
        data=form(
            team,
            status="applied",
            shop_name="Bánh pía Bà Tư",
            version=account.version,
        ),
        follow_redirects=False,
    )
    assert kept.status_code == 303
    assert _account(session, account_id).login_email == "batu.banhpia@gmail.com"


def test_a_refused_edit_keeps_every_typed_value(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world)
    tomorrow = clock.today() + dt.timedelta(days=1)
    refused = team.post(
        f"/seller-accounts/{account_id}",
        data=form(
            team,
            status="applied",
            status_on=tomorrow.isoformat(),
            shop_name="Bánh pía Bà Tư",
            shop_url="https://example.com/shop",
            login_phone="0912 345 678",
            version=_account(session, account_id).version,
        ),
    )
    assert refused.status_code == 422
    assert "sau hôm nay" in field_error(refused.text, "status_on", "e-")
    assert "voso.vn" in field_error(refused.text, "shop_url", "e-")
    assert 'value="Bánh pía Bà Tư"' in refused.text
    assert 'value="https://example.com/shop"' in refused.text
    assert f'value="{tomorrow.isoformat()}"' in refused.text
    assert '<option value="applied" selected>' in refused.text
    assert _account(session, account_id).status is SellerStatus.preparing


def test_the_checklist_ticks_undoes_and_refuses_a_bad_evidence_url(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world)
    ticked = team.post(
        f"/seller-accounts/{account_id}/checklist/identity",
        data=form(
            team,
            done="true",
            note="Đã xem CCCD bản gốc",
            evidence_url="https://drive.example.vn/cccd",
            version=_account(session, account_id).version,
        ),
        follow_redirects=False,
    )
    assert ticked.status_code == 303, ticked.text
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert "1/6 việc đã xong" in page.text
    assert "Đã xem CCCD bản gốc" in page.text
    member = session.scalar(select(User).where(User.login == "thanhvien.khom3"))
    assert member is not None
    assert member.display_name in page.text  # who ticked it

    refused = team.post(
        f"/seller-accounts/{account_id}/checklist/otp_phone",
        data=form(
            team,
            done="true",
            note="Số của con gái",
            evidence_url="không phải đường dẫn",
            version=_account(session, account_id).version,
        ),
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "evidence_url", "item-otp_phone-")
    assert "Số của con gái" in refused.text

    undone = team.post(
        f"/seller-accounts/{account_id}/checklist/identity",
        data=form(team, done="false", version=_account(session, account_id).version),
        follow_redirects=False,
    )
    assert undone.status_code == 303
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert "0/6 việc đã xong" in page.text


def test_a_claim_says_what_is_missing_then_waits_for_verification(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world, status="applied")
    url = shop_url(world.producer, "voso")
    refused = team.post(
        f"/seller-accounts/{account_id}/claim",
        data=form(team, shop_url=url, version=_account(session, account_id).version),
    )
    assert refused.status_code == 422
    assert "Chưa báo mở được" in top_message(refused.text)
    assert 'id="claim-checklist-error"' in refused.text
    assert "giấy tờ tùy thân" in refused.text
    assert f'value="{url}"' in refused.text

    _tick_required(team, session, account_id)
    _claim(team, session, world, account_id)
    assert _account(session, account_id).claim_status is ClaimStatus.pending
    page = team.get(f"/producers/{world.producer.id}", headers=HTML)
    assert "Đã báo mở, chờ cán bộ xác minh" in page.text
    account_page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert "Báo gian hàng đã mở</button>" not in account_page.text


def test_another_areas_team_cannot_see_or_change_an_account(
    sign_in: SignIn, client: TestClient, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world)
    stranger = sign_in("thanhvien.anthuong")
    assert (
        stranger.get(f"/seller-accounts/{account_id}", headers=HTML).status_code == 404
    )
    for path, data in (
        ("", {"status": "applied", "version": 1}),
        ("/checklist/identity", {"done": "true"}),
        ("/claim", {"shop_url": "https://voso.vn/x", "version": 1}),
    ):
        posted = stranger.post(
            f"/seller-accounts/{account_id}{path}", data=form(stranger, **data)
        )
        assert posted.status_code == 404, path
    department = sign_in("sct.soctrang")
    page = department.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert page.status_code == 200
    assert "Sửa thông tin gian hàng" not in page.text
    anonymous = client.get(
        f"/seller-accounts/{account_id}", headers=HTML, follow_redirects=False
    )
    assert anonymous.status_code == 303


# --- verification ----------------------------------------------------------------------


def test_officials_reject_with_a_comment_then_approve_a_shop_opening(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    official = sign_in("canbo.khom3")
    account_id = _start(team, world, status="applied")
    _tick_required(team, session, account_id)
    _claim(team, session, world, account_id)

    queue = official.get("/verify", headers=HTML)
    assert queue.status_code == 200
    check_page(queue.text)
    assert "Xác minh gian hàng đã mở" in queue.text
    assert f'id="shop-{account_id}"' in queue.text
    assert "Hộ Bà Tư Bánh Pía" in queue.text
    assert f'href="{shop_url(world.producer, "voso")}"' in queue.text

    version = _account(session, account_id).version
    refused = official.post(
        f"/seller-accounts/{account_id}/verification",
        data=form(official, decision="rejected", comment="  ", version=version),
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "comment", f"s{account_id}-")

    rejected = official.post(
        f"/seller-accounts/{account_id}/verification",
        data=form(
            official,
            decision="rejected",
            comment="Trang gian hàng chưa có tên hộ",
            version=version,
        ),
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    page = team.get(f"/producers/{world.producer.id}", headers=HTML)
    assert "Trang gian hàng chưa có tên hộ" in page.text

    _claim(team, session, world, account_id)
    approved = official.post(
        f"/seller-accounts/{account_id}/verification",
        data=form(
            official,
            decision="approved",
            version=_account(session, account_id).version,
        ),
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert _account(session, account_id).status is SellerStatus.open
    page = team.get(f"/producers/{world.producer.id}", headers=HTML)
    assert "Đang mở" in page.text


def test_nobody_verifies_their_own_claim_and_teams_do_not_verify(
    sign_in: SignIn, session: Session, world: World
) -> None:
    official = sign_in("canbo.khom3")
    account_id = _start(official, world, status="applied")
    _tick_required(official, session, account_id)
    _claim(official, session, world, account_id)
    own = official.post(
        f"/seller-accounts/{account_id}/verification",
        data=form(
            official,
            decision="approved",
            version=_account(session, account_id).version,
        ),
    )
    assert own.status_code == 403
    team = sign_in("thanhvien.khom3")
    assert team.get("/verify", headers=HTML).status_code == 403
    assert (
        team.post(
            f"/seller-accounts/{account_id}/verification",
            data=form(team, decision="approved", version=1),
        ).status_code
        == 403
    )
    assert _account(session, account_id).status is SellerStatus.applied


def test_an_open_shop_from_the_factory_reads_as_open(
    sign_in: SignIn, session: Session, world: World
) -> None:
    account = make_seller_account(session, world.producer, "postmart")
    session.commit()
    page = sign_in("canbo.khom3").get(f"/seller-accounts/{account.id}", headers=HTML)
    assert "Đang mở" in page.text
    assert "Báo gian hàng đã mở</button>" not in page.text
    assert '<option value="suspended">' in page.text


# --- the admin's reference data --------------------------------------------------------


def test_admins_add_payment_providers(
    admin: TestClient, sign_in: SignIn, session: Session
) -> None:
    home = admin.get("/", headers=HTML)
    assert 'href="/admin/payment-providers"' in home.text
    page = admin.get("/admin/payment-providers", headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert "Viettel Money" in page.text

    refused = admin.post(
        "/admin/payment-providers",
        data=form(admin, code="VN Pay!", name="VNPAY", kind="e_wallet"),
    )
    assert refused.status_code == 422
    assert "chữ thường" in field_error(refused.text, "code")
    assert 'value="VNPAY"' in refused.text
    assert 'value="VN Pay!"' in refused.text

    added = admin.post(
        "/admin/payment-providers",
        data=form(admin, code="vnpay", name="VNPAY", kind="e_wallet"),
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert session.scalar(
        select(PaymentProvider).where(PaymentProvider.code == "vnpay")
    )
    official = sign_in("canbo.khom3")
    assert official.get("/admin/payment-providers", headers=HTML).status_code == 403
    assert (
        official.post(
            "/admin/payment-providers",
            data=form(official, code="x", name="X", kind="bank"),
        ).status_code
        == 403
    )


def test_admins_keep_each_marketplaces_prerequisites(
    admin: TestClient, sign_in: SignIn, session: Session, world: World
) -> None:
    base = f"/admin/marketplaces/{world.voso.id}/prerequisites"
    page = admin.get(base, headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert "giấy tờ tùy thân" in page.text

    refused = admin.post(
        base, data=form(admin, code="shop_logo", label="  ", position="2")
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "label", "f-")
    assert 'value="shop_logo"' in refused.text

    added = admin.post(
        base,
        data=form(admin, code="shop_logo", label="Có ảnh đại diện gian hàng"),
        follow_redirects=False,
    )
    assert added.status_code == 303
    item = session.scalar(
        select(SellerPrerequisite).where(
            SellerPrerequisite.marketplace_id == world.voso.id,
            SellerPrerequisite.code == "shop_logo",
        )
    )
    assert item is not None
    assert item.required is False  # the box was left unticked

    saved = admin.post(
        f"{base}/shop_logo",
        data=form(
            admin,
            label="Có ảnh đại diện cho gian hàng",
            required="on",
            is_active="on",
            position="3",
            version=item.version,
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    session.expire_all()
    item = session.get(SellerPrerequisite, item.id)
    assert item is not None
    assert (item.label, item.required, item.position) == (
        "Có ảnh đại diện cho gian hàng",
        True,
        3,
    )
    bad = admin.post(
        f"{base}/shop_logo",
        data=form(admin, label="Ảnh", position="5000", version=item.version),
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "position", "item-shop_logo-")
    team = sign_in("thanhvien.khom3")
    assert team.get(base, headers=HTML).status_code == 403


def test_an_accounts_history_says_what_changed_and_how_it_stood(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world, shop_name="Bánh pía Bà Tư")
    _tick_required(team, session, account_id)
    page = team.get(f"/seller-accounts/{account_id}/history", headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert "Hộ Bà Tư Bánh Pía" in page.text
    assert "Gian hàng trên sàn" in page.text
    assert "Việc cần chuẩn bị của gian hàng" in page.text
    assert "Đang chuẩn bị" in page.text
    then = team.get(
        f"/seller-accounts/{account_id}/history",
        params={"as_of": clock.today().isoformat()},
        headers=HTML,
    )
    assert then.status_code == 200
    assert "Bánh pía Bà Tư" in then.text
    stranger = sign_in("thanhvien.anthuong")
    assert (
        stranger.get(f"/seller-accounts/{account_id}/history", headers=HTML).status_code
        == 404
    )


# --- payout, the latest month, URLs to choose from ------------------------------------


def test_the_shop_is_paid_into_one_of_the_producers_payment_accounts(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world)
    worker = session.scalar(select(User).where(User.login == "thanhvien.khom3"))
    assert worker is not None
    wallet = producer_service.add_payment_account(
        session,
        worker,
        world.producer,
        provider="viettel_money",
        status=PaymentStatus.open,
        account_number="0912345678",
        sim_in_holder_name=True,
    )
    gone = producer_service.add_payment_account(
        session, worker, world.producer, provider="momo", status=PaymentStatus.closed
    )
    other = make_producer(
        session, hamlet_named(session, "Khóm 3"), name="Hộ Ông Sáu Bánh Tét"
    )
    theirs = producer_service.add_payment_account(
        session, worker, other, provider="zalopay", status=PaymentStatus.open
    )
    session.commit()

    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    check_page(page.text)
    assert "Chưa chọn tài khoản" in page.text
    assert f'<option value="{wallet.id}">Viettel Money ••••5678</option>' in page.text
    assert f'<option value="{gone.id}"' not in page.text  # closed: not offered
    assert f'<option value="{theirs.id}"' not in page.text

    # Another producer's account, typed into the form by hand: refused beside
    # the field, every typed value kept, nothing saved.
    refused = team.post(
        f"/seller-accounts/{account_id}",
        data=form(
            team,
            status="applied",
            shop_name="Bánh pía Bà Tư",
            payout_account_id=str(theirs.id),
            version=_account(session, account_id).version,
        ),
    )
    assert refused.status_code == 422
    assert "của chính chủ thể này" in field_error(
        refused.text, "payout_account_id", "e-"
    )
    assert 'value="Bánh pía Bà Tư"' in refused.text
    assert _account(session, account_id).payout_account_id is None

    saved = team.post(
        f"/seller-accounts/{account_id}",
        data=form(
            team,
            status="preparing",
            shop_name="Bánh pía Bà Tư",
            payout_account_id=str(wallet.id),
            version=_account(session, account_id).version,
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert _account(session, account_id).payout_account_id == wallet.id
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert "Nhận tiền bán hàng về</dt><dd>Viettel Money ••••5678</dd>" in page.text
    assert f'<option value="{wallet.id}" selected>' in page.text
    producer_page = team.get(f"/producers/{world.producer.id}", headers=HTML)
    assert "Nhận tiền bán hàng về: Viettel Money ••••5678" in producer_page.text
    # The account's history names it as the pages do.
    history = team.get(f"/seller-accounts/{account_id}/history", headers=HTML)
    assert "Tài khoản nhận tiền bán hàng" in history.text
    assert "Viettel Money ••••5678" in history.text
    # The API reads and clears it too.
    read = team.get(f"/api/v1/seller-accounts/{account_id}").json()
    assert read["payout_account_id"] == wallet.id
    cleared = team.patch(
        f"/api/v1/seller-accounts/{account_id}",
        json={"payout_account_id": None, "version": read["version"]},
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["payout_account_id"] is None


def test_the_producer_page_shows_each_shops_latest_month(
    sign_in: SignIn, session: Session, world: World
) -> None:
    account = make_seller_account(session, world.producer, "voso")
    session.add(
        SellerActivity(
            seller_account_id=account.id,
            hamlet_id=account.hamlet_id,
            month=dt.date(2026, 10, 1),
            orders=12,
            revenue_vnd=910_000,
            last_order_on=dt.date(2026, 10, 28),
        )
    )
    session.commit()
    page = sign_in("thanhvien.khom3").get(
        f"/producers/{world.producer.id}", headers=HTML
    )
    assert "Tháng 10/2026: 12 đơn, 910.000 đ, đơn gần nhất 28/10/2026" in page.text
    # postmart has no account: no month is invented for it.
    assert page.text.count("Tháng 10/2026") == 1


def test_urls_left_for_a_person_to_choose_are_offered_on_the_account_page(
    sign_in: SignIn, session: Session, world: World
) -> None:
    team = sign_in("thanhvien.khom3")
    account_id = _start(team, world, status="applied")
    # What the step migration leaves when the producer's products recorded
    # different shop URLs: the account without one, the candidates kept.
    urls = [
        shop_url(world.producer, "voso"),
        f"https://voso.vn/ba-tu-s{world.producer.id}9",
    ]
    for n, url in enumerate(urls):
        product = make_product(session, world.producer, name=f"Bánh pía {n + 1}")
        listing = make_listing(
            session, product, "voso", status=ListingStatus.in_progress
        )
        record = StepRecord(
            listing_id=listing.id,
            hamlet_id=listing.hamlet_id,
            step_code="storefront",
            status=StepStatus.done,
            evidence_url=url,
        )
        session.add(record)
        session.flush()
        session.add(
            StepMove(
                step_record_id=record.id,
                seller_account_id=account_id,
                candidate_url=url,
                conflict=True,
            )
        )
    session.commit()
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    check_page(page.text)
    assert "Chọn đường dẫn gian hàng" in page.text
    for url in urls:
        assert f'href="{url}"' in page.text
    picked = team.get(
        f"/seller-accounts/{account_id}", params={"shop_url": urls[1]}, headers=HTML
    )
    assert f'name="shop_url" value="{urls[1]}" id="claim-shop_url"' in picked.text
    # Only a candidate is taken from the address, never any typed URL.
    other = team.get(
        f"/seller-accounts/{account_id}",
        params={"shop_url": "https://voso.vn/someone-else"},
        headers=HTML,
    )
    assert "https://voso.vn/someone-else" not in other.text
    # The action list points the area's people at it; another area sees nothing.
    actions = sign_in("canbo.khom3").get("/reports/actions", headers=HTML)
    assert "Gian hàng cần chọn đường dẫn (1)" in actions.text
    assert f'href="/seller-accounts/{account_id}#url-choices"' in actions.text
    assert "voso.vn: 2 đường dẫn để chọn" in actions.text
    api = sign_in("canbo.khom3").get("/api/v1/reports/actions").json()
    assert [c["seller_account_id"] for c in api["url_choices"]] == [account_id]
    elsewhere = sign_in("canbo.anthuong").get("/reports/actions", headers=HTML)
    assert "Gian hàng cần chọn đường dẫn" not in elsewhere.text
    # Once the shop has its URL there is nothing left to choose.
    _tick_required(team, session, account_id)
    claimed = team.post(
        f"/seller-accounts/{account_id}/claim",
        data=form(
            team, shop_url=urls[1], version=_account(session, account_id).version
        ),
        follow_redirects=False,
    )
    assert claimed.status_code == 303, claimed.text
    page = team.get(f"/seller-accounts/{account_id}", headers=HTML)
    assert "Chọn đường dẫn gian hàng" not in page.text
    actions = sign_in("canbo.khom3").get("/reports/actions", headers=HTML)
    assert "Gian hàng cần chọn đường dẫn" not in actions.text
