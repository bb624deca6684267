"""Listings through the service: the walk, blocks, claims, verification, history."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ocop_tracker.audit import context as audit_context
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.schemas import SortOrder
from ocop_tracker.core.versions import StaleVersion
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import (
    Decision,
    Listing,
    ListingStatus,
    StepRecord,
    Verification,
)
from ocop_tracker.onboarding.schemas import SortField, StepState
from ocop_tracker.photos import service as photo_service
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerStatus
from ocop_tracker.users.models import User
from tests.factories import make_seller_account, meet_photo_rule
from tests.onboarding.conftest import DOCUMENT, URLS, Pilot, Spare, actor
from tests.photos import corpus
from tests.refusals import refused

BEFORE_LISTING = ("photos",)
SHOP = "https://voso.vn/ho-ba-sau-s3145375"


def _listing(session: Session, pilot: Pilot, code: str = "voso") -> Listing:
    leader = actor(session, "totruong.khom3")
    market = pilot.voso if code == "voso" else pilot.postmart
    return onboarding_service.create_listing(
        session, leader, product_id=pilot.product.id, marketplace_id=market.id
    )


def _record(
    session: Session,
    who: User,
    listing: Listing,
    step: str,
    url: str | None = None,
    note: str | None = None,
) -> Listing:
    if step == "photos":
        # Recorded by the photo rule only: meet it with real photos.
        product = session.get(Product, listing.product_id)
        assert product is not None
        meet_photo_rule(session, who, product)
        return listing
    return onboarding_service.record_step(
        session,
        who,
        listing,
        step=step,
        evidence_url=url,
        note=note,
        version=listing.version,
    )


def _claimed(session: Session, pilot: Pilot, code: str = "voso") -> Listing:
    """A listing walked up to a "listed" claim by the Khóm 3 team member."""
    member = actor(session, "thanhvien.khom3")
    listing = _listing(session, pilot, code)
    _record(session, member, listing, "photos")
    _record(session, member, listing, "listing", URLS[code][1])
    return listing


def _status(listing: Listing) -> ListingStatus:
    """The status, read afresh (a function call keeps mypy from narrowing it)."""
    return listing.status


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("code", ["voso", "postmart"])
def test_full_walk_to_verified_and_beyond(
    session: Session, pilot: Pilot, code: str
) -> None:
    member = actor(session, "thanhvien.khom3")
    official = actor(session, "canbo.khom3")
    listing = _listing(session, pilot, code)
    assert _status(listing) is ListingStatus.in_progress
    assert listing.next_step == "photos"
    assert listing.hamlet_id == pilot.khom3.id
    page = URLS[code][1]
    _record(session, member, listing, "photos", note="8 ảnh, nền trắng")
    # The shop and the e-payment account are the producer's: the next step is
    # the product page (the producer's shop is open in the fixture).
    assert listing.next_step == "listing"
    _record(session, member, listing, "listing", page)
    assert _status(listing) is ListingStatus.awaiting_verification
    assert listing.listing_url == page
    assert listing.claimed_by_id == member.id
    assert listing.next_step == "first_order"
    onboarding_service.verify(
        session, official, listing, decision=Decision.approved, version=listing.version
    )
    assert _status(listing) is ListingStatus.listed
    assert listing.verified_by_id == official.id
    assert listing.verified_at is not None
    _record(session, member, listing, "first_order")
    _record(session, member, listing, "quality", DOCUMENT, note="Đã ký cam kết")
    assert listing.next_step is None
    assert _status(listing) is ListingStatus.listed
    view = onboarding_views.steps_view(session, member, listing)
    assert [s.code for s in view.steps] == [
        "photos",
        "listing",
        "first_order",
        "quality",
    ]
    assert [s.state for s in view.steps] == [StepState.done] * 4
    record = next(s for s in view.steps if s.code == "quality")
    assert record.evidence_url == DOCUMENT
    assert record.done_by_id == member.id
    assert record.done_at is not None


def test_each_change_is_an_audited_event(session: Session, pilot: Pilot) -> None:
    listing = _claimed(session, pilot)
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "listings",
            AuditEvent.object_id == str(listing.id),
        )
    ).all()
    claim = next(
        e
        for e in events
        if e.after and e.after.get("status") == "awaiting_verification"
    )
    assert claim.before is not None
    assert claim.before["status"] == "in_progress"
    assert claim.before["next_step"] == "listing"
    assert claim.after is not None
    assert claim.after["next_step"] == "first_order"
    assert claim.changed is not None
    assert "listing_url" in claim.changed
    created = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "step_records",
            AuditEvent.action == "create",
            AuditEvent.area_id == listing.hamlet_id,
        )
    ).all()
    ours = [e for e in created if e.after and e.after["listing_id"] == listing.id]
    assert sorted(e.after["step_code"] for e in ours if e.after) == sorted(
        [*BEFORE_LISTING, "listing"]
    )


def test_the_version_moves_with_every_step(session: Session, pilot: Pilot) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _listing(session, pilot)
    _record(session, member, listing, "photos")
    first = listing.version
    _record(session, member, listing, "listing", URLS["voso"][1])
    assert listing.version == first + 1
    _record(session, member, listing, "listing", URLS["voso"][1], "Sửa ghi chú")
    assert listing.version == first + 2


def test_out_of_order_is_refused_and_writes_nothing(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _listing(session, pilot)
    _record(session, member, listing, "photos")
    version, records = listing.version, _count(session, StepRecord)
    with pytest.raises(InvalidInput, match=r"\(first_order\).*\(listing\)"):
        _record(session, member, listing, "first_order")
    assert listing.version == version
    assert _count(session, StepRecord) == records
    assert _status(listing) is ListingStatus.in_progress


def test_blocked_step_holds_progress_until_unblocked(
    session: Session, pilot: Pilot
) -> None:
    leader = actor(session, "totruong.khom3")
    listing = _listing(session, pilot)
    _record(session, leader, listing, "photos")
    onboarding_service.block_step(
        session,
        leader,
        listing,
        step="listing",
        reason="Trang sản phẩm chờ sàn duyệt",
        version=listing.version,
    )
    assert listing.next_step == "listing"
    view = onboarding_views.steps_view(session, leader, listing)
    step = next(s for s in view.steps if s.code == "listing")
    assert step.state is StepState.blocked
    assert step.blocked_reason == "Trang sản phẩm chờ sàn duyệt"
    with pytest.raises(InvalidInput, match="tạm dừng"):
        _record(session, leader, listing, "listing", URLS["voso"][1])
    with pytest.raises(InvalidInput, match=r"\(listing\) đang tạm dừng"):
        _record(session, leader, listing, "first_order")
    with pytest.raises(Conflict, match="tạm dừng rồi"):
        onboarding_service.block_step(
            session, leader, listing, step="listing", reason="Lần hai"
        )
    onboarding_service.unblock_step(
        session, leader, listing, step="listing", version=listing.version
    )
    view = onboarding_views.steps_view(session, leader, listing)
    assert next(s for s in view.steps if s.code == "listing").state is StepState.todo
    _record(session, leader, listing, "listing", URLS["voso"][1])
    assert listing.next_step == "first_order"


def test_blocked_steps_of_a_page_in_one_call(session: Session, pilot: Pilot) -> None:
    admin = actor(session, "admin")
    ours = _listing(session, pilot)
    onboarding_service.block_step(
        session, admin, ours, step="photos", reason="Chưa có ảnh đẹp"
    )
    theirs = onboarding_service.create_listing(
        session,
        admin,
        product_id=pilot.foreign_product.id,
        marketplace_id=pilot.voso.id,
    )
    onboarding_service.block_step(
        session, admin, theirs, step="photos", reason="Chủ hộ đi vắng"
    )
    both = [ours.id, theirs.id]
    assert onboarding_views.blocked_steps(session, admin, both) == {
        ours.id: ["photos"],
        theirs.id: ["photos"],
    }
    member = actor(session, "thanhvien.khom3")
    assert onboarding_views.blocked_steps(session, member, both) == {
        ours.id: ["photos"]
    }
    assert onboarding_views.blocked_steps(session, member, []) == {}


def test_block_needs_a_reason_and_a_step_not_done(
    session: Session, pilot: Pilot
) -> None:
    leader = actor(session, "totruong.khom3")
    listing = _listing(session, pilot)
    _record(session, leader, listing, "photos")
    with refused(InvalidInput, "reason", r"^Lý do tạm dừng không được để trống\.$"):
        onboarding_service.block_step(
            session, leader, listing, step="listing", reason=" "
        )
    with pytest.raises(InvalidInput, match="đã hoàn thành"):
        onboarding_service.block_step(
            session, leader, listing, step="photos", reason="x"
        )
    with pytest.raises(InvalidInput, match="không bị tạm dừng"):
        onboarding_service.unblock_step(session, leader, listing, step="listing")
    with pytest.raises(InvalidInput, match="“nope”"):
        onboarding_service.block_step(session, leader, listing, step="nope", reason="x")


@pytest.mark.parametrize(
    "url",
    [
        "http://voso.vn/banh-p1.html",
        "javascript:alert(document.cookie)",
        "https://voso.vn@evil.example/banh-p1.html",
        "https://voso.vn.evil.example/banh-p1.html",
        "https://postmart.vn/p/banh-1.html",
        None,
    ],
)
def test_listing_urls_must_be_https_on_the_marketplace(
    session: Session, pilot: Pilot, url: str | None
) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _listing(session, pilot)
    _record(session, member, listing, "photos")
    version = listing.version
    with refused(InvalidInput, "evidence_url", "Đường dẫn sản phẩm|đường dẫn sản phẩm"):
        _record(session, member, listing, "listing", url)
    assert listing.version == version
    assert listing.listing_url is None
    assert listing.next_step == "listing"


def test_evidence_on_other_steps_is_optional_but_https(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _claimed(session, pilot)
    _record(session, member, listing, "first_order", "https://drive.example.com/anh")
    with pytest.raises(InvalidInput, match="https://"):
        _record(session, member, listing, "quality", "http://drive.example.com/doc")


def test_the_quality_commitment_needs_a_document_or_a_photo(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _claimed(session, pilot)
    _record(session, member, listing, "first_order")
    version = listing.version
    with refused(InvalidInput, "evidence_url", "ảnh văn bản đã ký"):
        _record(session, member, listing, "quality", note="Đã ký")
    assert listing.version == version
    product = session.get(Product, listing.product_id)
    assert product is not None
    data = corpus.plain_jpeg(640, 480, seed=77)
    target = photo_service.check_upload(
        session, member, product.id, listing_id=listing.id, step_code="quality"
    )
    photo_service.upload(session, member, target, data)
    _record(session, member, listing, "quality", note="Ảnh bản cam kết đã ký")
    assert listing.next_step is None


def test_the_product_page_waits_for_the_producers_shop(
    session: Session, pilot: Pilot, spare: Spare
) -> None:
    """The listing step requires the producer's shop open on that marketplace;
    payment is no prerequisite."""
    member = actor(session, "admin")
    leader = actor(session, "canbo.khom3")
    listing = onboarding_service.create_listing(
        session, leader, product_id=spare.second.id, marketplace_id=pilot.voso.id
    )
    _record(session, leader, listing, "photos")
    view = onboarding_views.steps_view(session, leader, listing)
    step = next(s for s in view.steps if s.code == "listing")
    assert step.is_next
    assert step.waiting_for == "seller_open"
    version = listing.version
    with refused(
        InvalidInput, "evidence_url", r"^Gian hàng của chủ thể trên voso\.vn chưa mở"
    ):
        _record(session, leader, listing, "listing", URLS["voso"][1])
    assert listing.version == version
    producer = session.get(Producer, spare.second.producer_id)
    assert producer is not None
    account = make_seller_account(
        session, producer, "voso", status=SellerStatus.applied
    )
    with refused(InvalidInput, "evidence_url", "chưa mở"):
        _record(session, leader, listing, "listing", URLS["voso"][1])
    # The team claims the shop open; it counts once an official verifies it.
    for item in seller_views.prerequisites(session, pilot.voso.id, active_only=True):
        if item.required:
            seller_service.set_item(
                session, member, account, item_code=item.code, done=True
            )
    seller_service.claim_open(
        session, member, account, shop_url=SHOP, version=account.version
    )
    with refused(InvalidInput, "evidence_url", "chưa mở"):
        _record(session, leader, listing, "listing", URLS["voso"][1])
    seller_service.verify(
        session,
        actor(session, "canbo.khom3"),
        account,
        decision=Decision.approved,
        version=account.version,
    )
    view = onboarding_views.steps_view(session, leader, listing)
    assert next(s for s in view.steps if s.code == "listing").waiting_for is None
    _record(session, leader, listing, "listing", URLS["voso"][1])
    assert _status(listing) is ListingStatus.awaiting_verification


def test_rejection_needs_a_comment_then_the_team_claims_again(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    official = actor(session, "canbo.khom3")
    listing = _claimed(session, pilot)
    verifications = _count(session, Verification)
    with refused(InvalidInput, "comment", r"^Cần ghi nhận xét khi từ chối"):
        onboarding_service.verify(
            session,
            official,
            listing,
            decision=Decision.rejected,
            comment="  ",
            version=listing.version,
        )
    assert _count(session, Verification) == verifications
    assert _status(listing) is ListingStatus.awaiting_verification
    onboarding_service.verify(
        session,
        official,
        listing,
        decision=Decision.rejected,
        comment="Đường dẫn trỏ tới sản phẩm khác",
        version=listing.version,
    )
    assert _status(listing) is ListingStatus.rejected
    assert listing.next_step == "listing"
    with pytest.raises(InvalidInput, match="listing"):
        _record(session, member, listing, "first_order")
    fixed = "https://voso.vn/banh-pia-dung-p737220.html"
    _record(session, member, listing, "listing", fixed)
    assert _status(listing) is ListingStatus.awaiting_verification
    assert listing.listing_url == fixed
    department = actor(session, "sct.soctrang")
    onboarding_service.verify(
        session,
        department,
        listing,
        decision=Decision.approved,
        version=listing.version,
    )
    assert _status(listing) is ListingStatus.listed
    decisions = onboarding_views.verifications(session, member, listing)
    assert [v.decision for v in decisions] == [Decision.approved, Decision.rejected]
    assert decisions[1].comment == "Đường dẫn trỏ tới sản phẩm khác"


def test_nobody_verifies_their_own_claim(session: Session, pilot: Pilot) -> None:
    official = actor(session, "canbo.khom3")
    listing = _listing(session, pilot)
    _record(session, official, listing, "photos")
    _record(session, official, listing, "listing", URLS["voso"][1])
    with pytest.raises(Forbidden, match="tự xác minh"):
        onboarding_service.verify(
            session,
            official,
            listing,
            decision=Decision.approved,
            version=listing.version,
        )
    assert _status(listing) is ListingStatus.awaiting_verification
    admin = actor(session, "admin")
    onboarding_service.verify(
        session, admin, listing, decision=Decision.approved, version=listing.version
    )
    assert _status(listing) is ListingStatus.listed


@pytest.mark.parametrize("login", ["thanhvien.khom3", "totruong.khom3"])
def test_team_roles_cannot_verify(session: Session, pilot: Pilot, login: str) -> None:
    listing = _claimed(session, pilot)
    with pytest.raises(Forbidden, match="xác minh"):
        onboarding_service.verify(
            session,
            actor(session, login),
            listing,
            decision=Decision.approved,
            version=listing.version,
        )


def test_an_official_of_another_commune_sees_nothing(
    session: Session, pilot: Pilot
) -> None:
    listing = _claimed(session, pilot)
    stranger = actor(session, "canbo.anthuong")
    with pytest.raises(OutOfScope):
        onboarding_views.get_listing(session, stranger, listing.id)
    with pytest.raises(OutOfScope):
        onboarding_service.verify(
            session,
            stranger,
            listing,
            decision=Decision.approved,
            version=listing.version,
        )
    assert _status(listing) is ListingStatus.awaiting_verification


def test_verifying_needs_a_pending_claim(session: Session, pilot: Pilot) -> None:
    listing = _listing(session, pilot)
    with pytest.raises(Conflict, match="không chờ xác minh"):
        onboarding_service.verify(
            session,
            actor(session, "canbo.khom3"),
            listing,
            decision=Decision.approved,
            version=listing.version,
        )


def test_delist_and_list_again(session: Session, pilot: Pilot) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _claimed(session, pilot)
    claimed_at = listing.version - 1
    with pytest.raises(Conflict, match="đã lên sàn"):
        onboarding_service.delist(
            session,
            member,
            listing,
            on=clock.today(),
            reason="Hết hàng",
            version=listing.version,
        )
    onboarding_service.verify(
        session,
        actor(session, "canbo.khom3"),
        listing,
        decision=Decision.approved,
        version=listing.version,
    )
    today = clock.today()
    with pytest.raises(InvalidInput, match="sau hôm nay"):
        onboarding_service.delist(
            session,
            member,
            listing,
            on=today + dt.timedelta(days=1),
            reason="x",
            version=listing.version,
        )
    with pytest.raises(InvalidInput, match="trước ngày xác minh"):
        onboarding_service.delist(
            session,
            member,
            listing,
            on=today - dt.timedelta(days=1),
            reason="x",
            version=listing.version,
        )
    with refused(InvalidInput, "reason", r"^Lý do gỡ khỏi sàn không được để trống\.$"):
        onboarding_service.delist(
            session, member, listing, on=today, reason="", version=listing.version
        )
    assert _status(listing) is ListingStatus.listed
    onboarding_service.delist(
        session,
        member,
        listing,
        on=today,
        reason="Sàn gỡ vì thiếu giấy chứng nhận",
        version=listing.version,
    )
    assert _status(listing) is ListingStatus.delisted
    assert listing.delisted_on == today
    assert listing.delist_reason == "Sàn gỡ vì thiếu giấy chứng nhận"
    assert listing.next_step == "listing"
    with pytest.raises(Conflict, match="Đưa lên sàn lại"):
        _record(session, member, listing, "listing", URLS["voso"][1])
    onboarding_service.relist(session, member, listing, version=listing.version)
    assert _status(listing) is ListingStatus.in_progress
    assert listing.delisted_on is None
    assert listing.delist_reason is None
    assert (listing.verified_at, listing.verified_by_id) == (None, None)
    assert listing.next_step == "listing"
    # The claim made before the delisting, sent again from an old page, no
    # longer stands: it is no resend but a stale write.
    with pytest.raises(StaleVersion):
        onboarding_service.record_step(
            session,
            member,
            listing,
            step="listing",
            evidence_url=URLS["voso"][1],
            version=claimed_at,
        )
    _record(session, member, listing, "listing", URLS["voso"][1])
    assert _status(listing) is ListingStatus.awaiting_verification
    assert listing.delisted_on is None
    assert listing.verified_at is None


def test_relist_only_a_delisted_listing(session: Session, pilot: Pilot) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _claimed(session, pilot)
    with pytest.raises(Conflict, match="đã gỡ khỏi sàn"):
        onboarding_service.relist(session, member, listing, version=listing.version)
    onboarding_service.verify(
        session,
        actor(session, "canbo.khom3"),
        listing,
        decision=Decision.approved,
        version=listing.version,
    )
    onboarding_service.delist(
        session,
        member,
        listing,
        on=clock.today(),
        reason="Hết hàng",
        version=listing.version,
    )
    with pytest.raises(Forbidden):
        onboarding_service.relist(
            session, actor(session, "sct.soctrang"), listing, version=listing.version
        )
    with pytest.raises(Conflict, match="Đưa lên sàn lại"):
        onboarding_service.block_step(
            session,
            member,
            listing,
            step="listing",
            reason="Chờ hàng",
            version=listing.version,
        )
    stale = listing.version
    # Who wrote a listing last is read from the trail, which a request fills.
    _acting(session, member)
    onboarding_service.relist(session, member, listing, version=listing.version)
    version = listing.version
    # The same user sends the same form again (the answer was lost): a no-op.
    onboarding_service.relist(session, member, listing, version=stale)
    assert (_status(listing), listing.version) == (ListingStatus.in_progress, version)
    leader = actor(session, "totruong.khom3")
    _acting(session, leader)
    with pytest.raises(StaleVersion):
        onboarding_service.relist(session, leader, listing, version=stale)


def _acting(session: Session, user: User) -> None:
    audit_context.set_actor(session, actor_id=user.id, actor_login=user.login)


def _walk_to_first_order(session: Session, pilot: Pilot) -> tuple[Listing, User]:
    member = actor(session, "thanhvien.khom3")
    return _claimed(session, pilot), member


def test_a_step_sent_again_by_its_writer_is_a_no_op(
    session: Session, pilot: Pilot
) -> None:
    listing, member = _walk_to_first_order(session, pilot)
    stale = listing.version
    _record(session, member, listing, "first_order", note="Đơn  đầu tiên")
    version, events = listing.version, _count(session, AuditEvent)
    again = onboarding_service.record_step(
        session,
        member,
        listing,
        step="first_order",
        note="Đơn  đầu tiên",
        version=stale,
    )
    assert again is listing
    assert (listing.version, _count(session, AuditEvent)) == (version, events)
    with pytest.raises(StaleVersion):  # one value differs
        onboarding_service.record_step(
            session, member, listing, step="first_order", note="Khác", version=stale
        )
    with pytest.raises(StaleVersion):  # another user, the same values
        onboarding_service.record_step(
            session,
            actor(session, "totruong.khom3"),
            listing,
            step="first_order",
            note="Đơn  đầu tiên",
            version=stale,
        )


def test_a_block_sent_again_by_its_writer_is_a_no_op(
    session: Session, pilot: Pilot
) -> None:
    listing, member = _walk_to_first_order(session, pilot)
    stale = listing.version
    block = {"step": "first_order", "reason": "Chờ khách đặt"}
    onboarding_service.block_step(session, member, listing, **block, version=stale)
    version = listing.version
    onboarding_service.block_step(session, member, listing, **block, version=stale)
    assert listing.version == version
    with pytest.raises(StaleVersion):
        onboarding_service.block_step(
            session, member, listing, step="first_order", reason="Khác", version=stale
        )


def test_a_stale_version_is_refused_with_the_current_state(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _listing(session, pilot)
    stale = listing.version
    _record(session, member, listing, "photos")
    records = _count(session, StepRecord)
    with pytest.raises(StaleVersion) as caught:
        onboarding_service.record_step(
            session,
            member,
            listing,
            step="listing",
            evidence_url=URLS["voso"][1],
            version=stale,
        )
    assert caught.value.status_code == 409
    current = caught.value.current
    assert isinstance(current, dict)
    assert current["version"] == listing.version
    assert current["next_step"] == "listing"
    assert _count(session, StepRecord) == records
    assert listing.listing_url is None
    with pytest.raises(StaleVersion):
        onboarding_service.verify(
            session,
            actor(session, "canbo.khom3"),
            listing,
            decision=Decision.approved,
            version=stale,
        )


def test_a_concurrent_write_is_a_409_not_a_crash(
    session: Session, pilot: Pilot
) -> None:
    member = actor(session, "thanhvien.khom3")
    listing = _listing(session, pilot)
    session.commit()
    # Another writer moves the version behind this session's back.
    session.execute(
        update(Listing)
        .where(Listing.id == listing.id)
        .values(version=Listing.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(StaleVersion):
        _record(session, member, listing, "photos")
    session.rollback()


def test_listings_are_one_per_product_and_marketplace(
    session: Session, pilot: Pilot
) -> None:
    listing = _listing(session, pilot)
    with pytest.raises(Conflict, match=f"mã {listing.id}"):
        _listing(session, pilot)
    assert _listing(session, pilot, "postmart").id != listing.id


def test_who_may_open_a_listing(session: Session, pilot: Pilot) -> None:
    with pytest.raises(Forbidden):
        onboarding_service.create_listing(
            session,
            actor(session, "sct.soctrang"),
            product_id=pilot.product.id,
            marketplace_id=pilot.voso.id,
        )
    with pytest.raises(OutOfScope):
        onboarding_service.create_listing(
            session,
            actor(session, "thanhvien.khom3"),
            product_id=pilot.foreign_product.id,
            marketplace_id=pilot.voso.id,
        )
    with pytest.raises(NotFound, match="sản phẩm"):
        onboarding_service.create_listing(
            session,
            actor(session, "admin"),
            product_id=10**9,
            marketplace_id=pilot.voso.id,
        )
    with refused(
        InvalidInput, "marketplace_id", r"^Không có sàn thương mại điện tử này"
    ):
        onboarding_service.create_listing(
            session,
            actor(session, "admin"),
            product_id=pilot.product.id,
            marketplace_id=10**9,
        )
    pilot.postmart.is_active = False
    session.flush()
    with pytest.raises(InvalidInput, match="đã ngừng"):
        onboarding_service.create_listing(
            session,
            actor(session, "admin"),
            product_id=pilot.product.id,
            marketplace_id=pilot.postmart.id,
        )


def test_admin_adds_a_marketplace_with_its_own_steps(
    session: Session, pilot: Pilot
) -> None:
    admin = actor(session, "admin")
    market = marketplaces.create_marketplace(
        session,
        admin,
        code="Tiki",
        name="Tiki",
        domain="Tiki.vn",
        new_steps=[
            ("register", "Đăng ký người bán", None, None, None),
            ("listing", "Đăng sản phẩm", "url", None, None),
        ],
    )
    assert (market.code, market.domain, market.is_named_in_plan) == (
        "tiki",
        "tiki.vn",
        False,
    )
    assert [s.code for s in marketplaces.steps(session, market.id)] == [
        "register",
        "listing",
    ]
    member = actor(session, "thanhvien.khom3")
    listing = onboarding_service.create_listing(
        session, member, product_id=pilot.product.id, marketplace_id=market.id
    )
    assert listing.next_step == "register"
    _record(session, member, listing, "register")
    with pytest.raises(InvalidInput, match=r"tiki\.vn"):
        _record(session, member, listing, "listing", URLS["voso"][1])
    _record(session, member, listing, "listing", "https://tiki.vn/banh-pia-p123.html")
    assert _status(listing) is ListingStatus.awaiting_verification
    onboarding_service.verify(
        session,
        actor(session, "canbo.khom3"),
        listing,
        decision=Decision.approved,
        version=listing.version,
    )
    assert listing.next_step is None
    marketplaces.add_step(
        session, admin, market, code="review", name="Nhận đánh giá đầu tiên"
    )
    session.refresh(listing)
    assert listing.next_step == "review"
    assert [s.position for s in marketplaces.steps(session, market.id)] == [1, 2, 3]


def test_marketplace_rules(session: Session, pilot: Pilot) -> None:
    admin = actor(session, "admin")
    with pytest.raises(Forbidden):
        marketplaces.create_marketplace(
            session,
            actor(session, "sct.soctrang"),
            code="tiki",
            name="Tiki",
            domain="tiki.vn",
        )
    with pytest.raises(Conflict, match="voso"):
        marketplaces.create_marketplace(
            session, admin, code="voso", name="V", domain="v.vn"
        )
    with pytest.raises(Conflict, match=r"voso\.vn"):
        marketplaces.create_marketplace(
            session, admin, code="voso2", name="V", domain="voso.vn"
        )
    with refused(InvalidInput, "domain", r"^Tên miền "):
        marketplaces.create_marketplace(
            session, admin, code="tiki", name="Tiki", domain="https://tiki.vn"
        )
    with refused(InvalidInput, "name", r"^Tên sàn "):
        marketplaces.create_marketplace(
            session, admin, code="tiki", name=" ", domain="tiki.vn"
        )
    with refused(InvalidInput, "evidence", "^Bằng chứng chỉ nhận"):
        marketplaces.add_step(
            session, admin, pilot.voso, code="shop2", name="x", evidence="photo"
        )
    with pytest.raises(Conflict, match="“photos”"):
        marketplaces.add_step(session, admin, pilot.voso, code="photos", name="Ảnh")
    with pytest.raises(Forbidden):
        marketplaces.add_step(
            session, actor(session, "canbo.khom3"), pilot.voso, code="x1", name="x"
        )


def test_a_marketplace_without_a_listing_step_takes_no_listing(
    session: Session, pilot: Pilot
) -> None:
    admin = actor(session, "admin")
    market = marketplaces.create_marketplace(
        session,
        admin,
        code="sendo",
        name="Sendo",
        domain="sendo.vn",
        new_steps=[("photos", "Ảnh", None, None, None)],
    )
    with pytest.raises(InvalidInput, match="“listing”"):
        onboarding_service.create_listing(
            session, admin, product_id=pilot.product.id, marketplace_id=market.id
        )


def test_lists_stay_inside_the_area(session: Session, pilot: Pilot) -> None:
    admin = actor(session, "admin")
    ours = _listing(session, pilot)
    foreign = onboarding_service.create_listing(
        session,
        admin,
        product_id=pilot.foreign_product.id,
        marketplace_id=pilot.voso.id,
    )
    for login, sees_foreign in (
        ("thanhvien.khom3", False),
        ("canbo.khom3", False),
        ("canbo.anthuong", True),
        ("sct.soctrang", True),
        ("admin", True),
    ):
        items, total = onboarding_views.list_listings(
            session, actor(session, login), limit=200
        )
        ids = {i.id for i in items}
        assert (foreign.id in ids) is sees_foreign, login
        assert (ours.id in ids) is (login != "canbo.anthuong"), login
        assert total == len(items)


def test_an_area_filter_never_widens_the_area(session: Session, pilot: Pilot) -> None:
    admin = actor(session, "admin")
    _listing(session, pilot)
    onboarding_service.create_listing(
        session,
        admin,
        product_id=pilot.foreign_product.id,
        marketplace_id=pilot.voso.id,
    )
    member = actor(session, "thanhvien.khom3")
    with pytest.raises(NotFound):
        onboarding_views.list_listings(session, member, area_id=pilot.anthuong.id)
    assert pilot.khom3.parent_id is not None
    items, _ = onboarding_views.list_listings(
        session, member, area_id=pilot.khom3.parent_id
    )
    assert {i.hamlet_id for i in items} == {pilot.khom3.id}


def test_filters_and_sorting(session: Session, pilot: Pilot, spare: Spare) -> None:
    official = actor(session, "canbo.khom3")
    claimed = onboarding_service.create_listing(
        session, official, product_id=spare.first.id, marketplace_id=pilot.voso.id
    )
    _record(session, official, claimed, "photos")
    _record(session, official, claimed, "listing", URLS["voso"][1])
    other = onboarding_service.create_listing(
        session, official, product_id=spare.second.id, marketplace_id=pilot.postmart.id
    )

    def ids(**kwargs: Any) -> list[int]:
        items, total = onboarding_views.list_listings(
            session, official, area_id=spare.hamlet.id, **kwargs
        )
        if "limit" not in kwargs:
            assert total == len(items)
        return [i.id for i in items]

    assert ids(status=ListingStatus.awaiting_verification) == [claimed.id]
    assert ids(marketplace="postmart") == [other.id]
    assert ids(marketplace=str(pilot.voso.id)) == [claimed.id]
    assert ids(next_step="photos") == [other.id]
    assert ids(product_id=spare.first.id) == [claimed.id]
    assert ids(verified=True) == []
    assert set(ids(verified=False)) == {claimed.id, other.id}
    by_name = ids(sort=SortField.product_name, order=SortOrder.asc)
    assert by_name == [claimed.id, other.id]  # "Bánh pía…" before "Mắm…"
    assert ids(sort=SortField.product_name, order=SortOrder.desc) == [
        other.id,
        claimed.id,
    ]
    assert ids(sort=SortField.created_at, order=SortOrder.asc, limit=1, offset=1) == [
        other.id
    ]
    # A state filter counts in the page's own pass: the same total on every
    # page, past the last one too.
    for offset in (0, 1, 2, 5):
        _, total = onboarding_views.list_listings(
            session,
            official,
            area_id=spare.hamlet.id,
            verified=False,
            limit=1,
            offset=offset,
        )
        assert total == 2, offset
    onboarding_service.verify(
        session,
        actor(session, "sct.soctrang"),
        claimed,
        decision=Decision.approved,
        version=claimed.version,
    )
    assert ids(verified=True) == [claimed.id]
    assert ids(status=ListingStatus.listed, next_step="first_order") == [claimed.id]
    with refused(
        InvalidInput, "marketplace", r"^Không có sàn thương mại điện tử “lazada”"
    ):
        ids(marketplace="lazada")


def test_state_as_of_a_past_day(session: Session, pilot: Pilot) -> None:
    day1 = dt.datetime(2031, 3, 2, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam
    member = actor(session, "thanhvien.khom3")
    with time_machine.travel(day1, tick=False):
        listing = _claimed(session, pilot)
        onboarding_service.block_step(
            session, member, listing, step="first_order", reason="Chưa có đơn"
        )
    with time_machine.travel(day1 + dt.timedelta(days=2), tick=False):
        onboarding_service.unblock_step(session, member, listing, step="first_order")
        onboarding_service.verify(
            session,
            actor(session, "canbo.khom3"),
            listing,
            decision=Decision.approved,
            version=listing.version,
        )
    official = actor(session, "canbo.khom3")
    d0, d1, d2, d3 = (dt.date(2031, 3, d) for d in (1, 2, 3, 4))
    with pytest.raises(NotFound, match="01/03/2031"):
        onboarding_views.read_as_of(session, official, listing.id, d0)
    then = onboarding_views.read_as_of(session, official, listing.id, d2)
    assert then.status is ListingStatus.awaiting_verification
    assert then.version is None
    assert onboarding_views.read_as_of(session, official, listing.id, d3).status is (
        ListingStatus.listed
    )
    steps_then = onboarding_views.steps_view(session, official, listing, as_of=d1)
    states = {s.code: s.state for s in steps_then.steps}
    assert states["first_order"] is StepState.blocked
    assert states["listing"] is StepState.done
    steps_now = onboarding_views.steps_view(session, official, listing, as_of=d3)
    assert {s.code: s.state for s in steps_now.steps}["first_order"] is StepState.todo
    mine: dict[str, Any] = {"product_id": pilot.product.id}
    queue, total = onboarding_views.list_listings(
        session, official, status=ListingStatus.awaiting_verification, as_of=d2, **mine
    )
    assert [i.id for i in queue] == [listing.id]
    assert total == 1
    assert onboarding_views.list_listings(session, official, as_of=d0, **mine) == (
        [],
        0,
    )
    live, _ = onboarding_views.list_listings(
        session, official, verified=True, as_of=d3, **mine
    )
    assert [i.id for i in live] == [listing.id]
    assert onboarding_views.verifications(session, official, listing, as_of=d2) == []
    assert (
        len(onboarding_views.verifications(session, official, listing, as_of=d3)) == 1
    )
