"""Seller accounts through the service: statuses, masking, the shop URL, the
checklist, the "open" claim and its verification, scope, history."""

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.versions import StaleVersion
from ocop_tracker.onboarding.models import Decision
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import PaymentAccount, PaymentStatus, Producer
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import (
    ClaimStatus,
    SellerAccount,
    SellerActivity,
    SellerStatus,
)
from tests.factories import make_seller_account, shop_url
from tests.onboarding.conftest import actor
from tests.refusals import refused
from tests.sellers.conftest import Sellers

REQUIRED = (
    "identity",
    "otp_phone",
    "order_email",
    "pickup_address",
    "payout_account",
)


def _new(session: Session, sellers: Sellers, **fields: object) -> SellerAccount:
    return seller_service.create_account(
        session,
        actor(session, "thanhvien.khom3"),
        sellers.producer,
        marketplace_id=sellers.voso.id,
        **fields,  # type: ignore[arg-type]
    )


def _ready(session: Session, account: SellerAccount, login: str) -> None:
    for code in REQUIRED:
        seller_service.set_item(
            session, actor(session, login), account, item_code=code, done=True
        )


def _claim(
    session: Session,
    sellers: Sellers,
    account: SellerAccount,
    login: str = "thanhvien.khom3",
    **extra: str,
) -> SellerAccount:
    return seller_service.claim_open(
        session,
        actor(session, login),
        account,
        shop_url=shop_url(sellers.producer, "voso"),
        version=account.version,
        **extra,
    )


def _claimed(
    session: Session, sellers: Sellers, login: str = "thanhvien.khom3", **extra: str
) -> SellerAccount:
    """An applied account, its required items done and claimed open by ``login``."""
    account = _new(session, sellers, status=SellerStatus.applied)
    _ready(session, account, login)
    return _claim(session, sellers, account, login, **extra)


def test_an_account_starts_with_the_seeded_checklist_in_order(
    session: Session, sellers: Sellers
) -> None:
    account = _new(session, sellers, status=SellerStatus.preparing)
    view = seller_views.read(session, account)
    assert view.status is SellerStatus.preparing
    assert view.status_on == clock.today()
    assert not view.is_open
    assert [i.code for i in view.checklist] == [*REQUIRED, "business_registration"]
    assert [i.required for i in view.checklist] == [True] * 5 + [False]
    assert not any(i.done for i in view.checklist)
    assert not view.checklist_ready


def test_one_account_per_producer_and_marketplace(
    session: Session, sellers: Sellers
) -> None:
    _new(session, sellers)
    with refused(Conflict, "marketplace_id", "đã có tài khoản bán hàng"):
        _new(session, sellers)
    other = seller_service.create_account(
        session,
        actor(session, "thanhvien.khom3"),
        sellers.producer,
        marketplace_id=sellers.postmart.id,
    )
    assert other.marketplace_id == sellers.postmart.id


def test_an_account_cannot_start_open(session: Session, sellers: Sellers) -> None:
    with refused(InvalidInput, "status", "xác minh"):
        _new(session, sellers, status=SellerStatus.open)


def test_the_login_is_stored_but_only_read_masked(
    session: Session, sellers: Sellers
) -> None:
    account = _new(
        session,
        sellers,
        login_phone="0912 345 678",
        login_email="nguyenvana@Gmail.com",
    )
    assert account.login_phone == "+84912345678"
    assert account.login_email == "nguyenvana@gmail.com"
    view = seller_views.read(session, account)
    assert view.login_phone_masked == "09•• ••• 678"
    assert view.login_email_masked == "n•••@gmail.com"
    # The number's hidden digits, in any form it is written in, appear
    # nowhere ("345" alone turns up by chance in a time or an id:
    # "…T20:28:10.434553Z" once made this test fail).
    dumped = view.model_dump_json()
    for hidden in ("912345678", "12 345", "345 678", "12.345", "345.678"):
        assert hidden not in dumped
    assert "nguyenvana" not in dumped


def test_a_bad_login_is_refused_beside_each_field(
    session: Session, sellers: Sellers
) -> None:
    with pytest.raises(InvalidInput) as caught:
        _new(session, sellers, login_phone="12", login_email="khong-phai-email")
    assert set(caught.value.fields) == {"login_phone", "login_email"}


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://tiki.vn/shop/ho-ba-tu", "voso.vn"),
        ("http://voso.vn/ho-ba-tu-s1", "https://"),
        ("https://voso.vn/", "trang chủ"),
        ("https://voso.vn/banh-pia-p737219.html", "trang gian hàng"),
        ("https://voso.vn.evil.example/ho-s1", "voso.vn"),
    ],
)
def test_the_shop_url_must_be_a_shop_page_on_the_marketplace(
    session: Session, sellers: Sellers, url: str, says: str
) -> None:
    with refused(InvalidInput, "shop_url", says):
        _new(session, sellers, shop_url=url)


def test_a_shop_url_on_the_marketplace_is_kept(
    session: Session, sellers: Sellers
) -> None:
    account = _new(session, sellers, shop_url="https://VOSO.vn/ho-ba-tu-s3145375")
    assert account.shop_url == "https://voso.vn/ho-ba-tu-s3145375"


def test_statuses_move_by_hand_but_never_to_open(
    session: Session, sellers: Sellers
) -> None:
    member = actor(session, "thanhvien.khom3")
    account = _new(session, sellers)
    seller_service.update_account(
        session, member, account, status=SellerStatus.applied, version=account.version
    )
    assert account.status is SellerStatus.applied
    with refused(InvalidInput, "status", "báo mở gian hàng"):
        seller_service.update_account(
            session, member, account, status=SellerStatus.open, version=account.version
        )
    with refused(InvalidInput, "status", "Không chuyển được"):
        seller_service.update_account(
            session,
            member,
            account,
            status=SellerStatus.suspended,
            version=account.version,
        )


def test_a_change_carries_its_day_never_in_the_future_nor_before_the_last(
    session: Session, sellers: Sellers
) -> None:
    member = actor(session, "thanhvien.khom3")
    account = _new(session, sellers, status_on=clock.today() - dt.timedelta(days=10))
    with refused(InvalidInput, "status_on", "sau hôm nay"):
        seller_service.update_account(
            session,
            member,
            account,
            status=SellerStatus.preparing,
            status_on=clock.today() + dt.timedelta(days=1),
            version=account.version,
        )
    with refused(InvalidInput, "status_on", "trước lần đổi trước"):
        seller_service.update_account(
            session,
            member,
            account,
            status=SellerStatus.preparing,
            status_on=clock.today() - dt.timedelta(days=11),
            version=account.version,
        )
    seller_service.update_account(
        session,
        member,
        account,
        status=SellerStatus.preparing,
        status_on=clock.today() - dt.timedelta(days=3),
        version=account.version,
    )
    assert account.status_on == clock.today() - dt.timedelta(days=3)
    # A correction of the current status's day, without a move.
    seller_service.update_account(
        session,
        member,
        account,
        status_on=clock.today() - dt.timedelta(days=12),
        version=account.version,
    )
    assert account.status is SellerStatus.preparing
    assert account.status_on == clock.today() - dt.timedelta(days=12)


def test_a_stale_version_is_a_409(session: Session, sellers: Sellers) -> None:
    account = _new(session, sellers)
    with pytest.raises(StaleVersion):
        seller_service.update_account(
            session,
            actor(session, "thanhvien.khom3"),
            account,
            shop_name="Gian hàng Bà Tư",
            version=account.version + 1,
        )


def test_checklist_items_record_who_when_note_and_evidence_and_undo(
    session: Session, sellers: Sellers
) -> None:
    member = actor(session, "thanhvien.khom3")
    account = _new(session, sellers)
    before = account.version
    seller_service.set_item(
        session,
        member,
        account,
        item_code="identity",
        done=True,
        note="Đã xem CCCD bản gốc",
        evidence_url="https://drive.example.vn/cccd-ba-tu",
    )
    assert account.version > before
    item = seller_views.read(session, account).checklist[0]
    assert (item.code, item.done, item.done_by_id) == ("identity", True, member.id)
    assert item.note == "Đã xem CCCD bản gốc"
    assert item.evidence_url == "https://drive.example.vn/cccd-ba-tu"
    assert item.done_at is not None
    seller_service.set_item(
        session, member, account, item_code="identity", done=False, note="Nhầm hộ"
    )
    assert not seller_views.read(session, account).checklist[0].done
    with pytest.raises(Conflict, match="chưa đánh dấu xong"):
        seller_service.set_item(
            session, member, account, item_code="identity", done=False
        )
    with pytest.raises(NotFound):
        seller_service.set_item(
            session, member, account, item_code="khong_co", done=True
        )
    with refused(InvalidInput, "evidence_url", "https://"):
        seller_service.set_item(
            session,
            member,
            account,
            item_code="otp_phone",
            done=True,
            evidence_url="javascript:alert(1)",
        )


def test_a_claim_needs_every_required_item_done(
    session: Session, sellers: Sellers
) -> None:
    member = actor(session, "thanhvien.khom3")
    account = _new(session, sellers, status=SellerStatus.applied)
    for code in REQUIRED[:-1]:
        seller_service.set_item(session, member, account, item_code=code, done=True)
    url = shop_url(sellers.producer, "voso")
    with refused(InvalidInput, "checklist", "Có tài khoản nhận tiền"):
        seller_service.claim_open(
            session, member, account, shop_url=url, version=account.version
        )
    seller_service.set_item(
        session, member, account, item_code="payout_account", done=True
    )
    seller_service.claim_open(
        session, member, account, shop_url=url, version=account.version
    )
    assert account.claim_status is ClaimStatus.pending
    assert account.status is SellerStatus.applied  # not open until verified
    assert not seller_views.read(session, account).is_open


def test_only_a_verified_claim_opens_the_shop(
    session: Session, sellers: Sellers
) -> None:
    member = actor(session, "thanhvien.khom3")
    official = actor(session, "canbo.khom3")
    account = _claimed(session, sellers, shop_name="Bánh pía Bà Tư")
    with pytest.raises(Conflict, match="chờ cán bộ xác minh"):
        seller_service.update_account(
            session,
            member,
            account,
            status=SellerStatus.closed,
            version=account.version,
        )
    with pytest.raises(Forbidden, match="Chỉ cán bộ"):
        seller_service.verify(
            session,
            actor(session, "totruong.khom3"),
            account,
            decision=Decision.approved,
            version=account.version,
        )
    seller_service.verify(
        session, official, account, decision=Decision.approved, version=account.version
    )
    view = seller_views.read(session, account)
    assert view.status is SellerStatus.open
    assert view.is_open
    assert view.claim_status is ClaimStatus.approved
    assert view.verified_by_id == official.id
    assert view.shop_name == "Bánh pía Bà Tư"
    assert [v.decision for v in view.verifications] == [Decision.approved]
    with refused(Conflict, "shop_url", "báo mở lại"):
        seller_service.update_account(
            session,
            member,
            account,
            shop_url="https://voso.vn/tiem-khac-s42",
            version=account.version,
        )
    seller_service.update_account(
        session,
        member,
        account,
        status=SellerStatus.suspended,
        version=account.version,
    )
    assert not seller_views.read(session, account).is_open


def test_nobody_verifies_their_own_claim(session: Session, sellers: Sellers) -> None:
    official = actor(session, "canbo.khom3")
    account = _claimed(session, sellers, "canbo.khom3")
    with pytest.raises(Forbidden, match="tự xác minh việc mở gian hàng"):
        seller_service.verify(
            session,
            official,
            account,
            decision=Decision.approved,
            version=account.version,
        )
    assert account.claim_status is ClaimStatus.pending


def test_a_rejection_needs_a_comment_and_leaves_the_shop_not_open(
    session: Session, sellers: Sellers
) -> None:
    official = actor(session, "canbo.khom3")
    account = _claimed(session, sellers)
    with refused(InvalidInput, "comment", "Cần ghi nhận xét"):
        seller_service.verify(
            session,
            official,
            account,
            decision=Decision.rejected,
            comment="  ",
            version=account.version,
        )
    seller_service.verify(
        session,
        official,
        account,
        decision=Decision.rejected,
        comment="Đường dẫn mở ra gian hàng của hộ khác.",
        version=account.version,
    )
    view = seller_views.read(session, account)
    assert view.claim_status is ClaimStatus.rejected
    assert view.status is SellerStatus.applied
    assert not view.is_open
    assert view.verifications[0].comment == "Đường dẫn mở ra gian hàng của hộ khác."
    with pytest.raises(Conflict, match="không chờ xác minh"):
        seller_service.verify(
            session,
            official,
            account,
            decision=Decision.approved,
            version=account.version,
        )
    # Fixed, the team claims again.
    _claim(session, sellers, account)
    assert account.claim_status is ClaimStatus.pending


def test_scope_first_then_role(session: Session, sellers: Sellers) -> None:
    foreign = make_seller_account(
        session, sellers.foreign, status=SellerStatus.preparing
    )
    member = actor(session, "thanhvien.khom3")
    with pytest.raises(OutOfScope):
        seller_views.get_account(session, member, foreign.id)
    with pytest.raises(OutOfScope):
        seller_service.create_account(
            session, member, sellers.foreign, marketplace_id=sellers.postmart.id
        )
    with pytest.raises(Forbidden):
        seller_service.create_account(
            session,
            actor(session, "sct.soctrang"),
            sellers.producer,
            marketplace_id=sellers.voso.id,
        )
    # The department reads its province.
    department = actor(session, "sct.soctrang")
    assert seller_views.get_account(session, department, foreign.id) is foreign


def test_accounts_follow_their_producer_when_it_moves(
    session: Session, sellers: Sellers
) -> None:
    account = make_seller_account(session, sellers.producer)
    admin = actor(session, "admin")
    producer_service.update_producer(
        session,
        admin,
        sellers.producer.id,
        hamlet_id=sellers.foreign.hamlet_id,
        version=sellers.producer.version,
    )
    assert account.hamlet_id == sellers.foreign.hamlet_id
    with pytest.raises(OutOfScope):
        seller_views.get_account(session, actor(session, "thanhvien.khom3"), account.id)


def test_a_past_day_is_answered_from_the_trail(
    session: Session, sellers: Sellers
) -> None:
    start = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        account = _new(session, sellers, status=SellerStatus.preparing)
        session.flush()
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        _ready(session, account, "thanhvien.khom3")
        _claim(session, sellers, account)
    with time_machine.travel(start + dt.timedelta(days=7), tick=False):
        seller_service.verify(
            session,
            actor(session, "canbo.khom3"),
            account,
            decision=Decision.approved,
            version=account.version,
        )
    official = actor(session, "canbo.khom3")
    first = seller_views.read_as_of(session, official, account.id, dt.date(2026, 3, 3))
    assert first.status is SellerStatus.preparing
    assert not first.is_open
    assert not any(i.done for i in first.checklist)
    assert first.version is None
    claimed = seller_views.read_as_of(
        session, official, account.id, dt.date(2026, 3, 8)
    )
    assert claimed.claim_status is ClaimStatus.pending
    assert not claimed.is_open
    assert claimed.checklist_ready
    assert claimed.verifications == []
    opened = seller_views.read_as_of(session, official, account.id, dt.date(2026, 3, 9))
    assert opened.is_open
    assert opened.status_on == dt.date(2026, 3, 9)
    assert len(opened.verifications) == 1
    with pytest.raises(NotFound, match="chưa có"):
        seller_views.read_as_of(session, official, account.id, dt.date(2026, 3, 1))
    listed = seller_views.accounts_of(
        session, official, sellers.producer, as_of=dt.date(2026, 3, 3)
    )
    assert [a.status for a in listed] == [SellerStatus.preparing]


def test_the_login_never_reaches_the_trail(session: Session, sellers: Sellers) -> None:
    account = _new(session, sellers, login_phone="0912345678", login_email="a@b.vn")
    session.flush()
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "seller_accounts",
            AuditEvent.object_id == str(account.id),
        )
    ).all()
    assert events
    for event in events:
        assert "912345678" not in repr(event.after)
        assert "a@b.vn" not in repr(event.after)


def test_admins_edit_the_prerequisites(session: Session, sellers: Sellers) -> None:
    admin = actor(session, "admin")
    item = seller_service.add_prerequisite(
        session,
        admin,
        sellers.postmart.id,
        code="shop_photo",
        label="Có ảnh bảng hiệu cửa hàng",
        required=False,
    )
    assert item.position == 7
    with refused(Conflict, "code", "đã có việc"):
        seller_service.add_prerequisite(
            session, admin, sellers.postmart.id, code="shop_photo", label="Lặp"
        )
    with refused(InvalidInput, "code", "Mã việc"):
        seller_service.add_prerequisite(
            session, admin, sellers.postmart.id, code="Mã có dấu", label="Sai mã"
        )
    with pytest.raises(Forbidden):
        seller_service.add_prerequisite(
            session,
            actor(session, "canbo.khom3"),
            sellers.postmart.id,
            code="other",
            label="Khác",
        )
    seller_service.update_prerequisite(
        session, admin, sellers.postmart.id, "business_registration", is_active=False
    )
    account = seller_service.create_account(
        session, admin, sellers.producer, marketplace_id=sellers.postmart.id
    )
    codes = [i.code for i in seller_views.read(session, account).checklist]
    assert codes[-1] == "shop_photo"
    assert "business_registration" not in codes


def _payment(
    session: Session, producer: Producer, status: PaymentStatus = PaymentStatus.open
) -> PaymentAccount:
    return producer_service.add_payment_account(
        session,
        actor(session, "thanhvien.khom3"),
        producer,
        provider="viettel_money",
        status=status,
        account_number="0912345678",
        sim_in_holder_name=True,
    )


def test_the_payout_points_to_one_of_the_producers_own_accounts(
    session: Session, sellers: Sellers
) -> None:
    account = _new(session, sellers)
    wallet = _payment(session, sellers.producer)
    worker = actor(session, "thanhvien.khom3")
    seller_service.update_account(
        session, worker, account, version=account.version, payout_account_id=wallet.id
    )
    assert seller_views.read(session, account).payout_account_id == wallet.id
    # Another producer's account is refused beside the field, and nothing changes.
    theirs = producer_service.add_payment_account(
        session,
        actor(session, "admin"),
        sellers.foreign,
        provider="momo",
        status=PaymentStatus.open,
    )
    with refused(InvalidInput, "payout_account_id", "của chính chủ thể này"):
        seller_service.update_account(
            session,
            worker,
            account,
            version=account.version,
            payout_account_id=theirs.id,
        )
    with refused(InvalidInput, "payout_account_id", "của chính chủ thể này"):
        seller_service.update_account(
            session, worker, account, version=account.version, payout_account_id=-1
        )
    assert account.payout_account_id == wallet.id
    # A closed account is not offered as a new payout; None clears it.
    closed = _payment(session, sellers.producer, PaymentStatus.closed)
    with refused(InvalidInput, "payout_account_id", "đã đóng"):
        seller_service.update_account(
            session,
            worker,
            account,
            version=account.version,
            payout_account_id=closed.id,
        )
    seller_service.update_account(
        session, worker, account, version=account.version, payout_account_id=None
    )
    assert seller_views.read(session, account).payout_account_id is None


def test_the_latest_reported_month_of_each_account(
    session: Session, sellers: Sellers
) -> None:
    voso = _new(session, sellers)
    other = seller_service.create_account(
        session,
        actor(session, "thanhvien.khom3"),
        sellers.producer,
        marketplace_id=sellers.postmart.id,
    )
    for month, orders in ((dt.date(2026, 9, 1), 4), (dt.date(2026, 10, 1), 7)):
        session.add(
            SellerActivity(
                seller_account_id=voso.id,
                hamlet_id=voso.hamlet_id,
                month=month,
                orders=orders,
                revenue_vnd=orders * 100_000,
            )
        )
    session.flush()
    reads = seller_views.accounts_of(
        session, actor(session, "thanhvien.khom3"), sellers.producer
    )
    latest = seller_views.latest_activity(session, reads)
    assert set(latest) == {voso.id}
    assert (latest[voso.id].month, latest[voso.id].orders) == (dt.date(2026, 10, 1), 7)
    assert other.id not in latest
