"""The product page's listing forms: delist and re-list, evidence photos per
step, and a form sent again after its answer was lost."""

import datetime as dt
import re

from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.onboarding.models import ListingStatus
from ocop_tracker.photos.processing import MAX_BYTES
from ocop_tracker.photos.upload import ENVELOPE
from ocop_tracker.producers.models import Producer
from tests.conftest import SignIn
from tests.factories import make_seller_account
from tests.photos import corpus
from tests.refusals import field_error, invalid_fields, top_message
from tests.web.test_catalog_pages import (
    HTML,
    check_page,
    form,
    listing_of,
    market_id,
    product_named,
)


def _approve(sign_in: SignIn, session: Session, name: str) -> tuple[int, int]:
    """The demo's claim of ``name`` on voso.vn, approved: (product id, listing id)."""
    official = sign_in("canbo.khom3")
    pid = product_named(session, name).id
    listing = listing_of(session, pid, "voso")
    lid = listing.id
    approved = official.post(
        f"/listings/{listing.id}/verification",
        data=form(official, decision="approved", version=listing.version),
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    return pid, lid


def test_a_live_listing_is_delisted_then_relisted_from_the_page(
    sign_in: SignIn, session: Session
) -> None:
    pid, lid = _approve(sign_in, session, "Lạp xưởng tươi")
    member = sign_in("thanhvien.khom3")
    today = clock.today()
    page = member.get(f"/products/{pid}", headers=HTML).text
    check_page(page)
    assert "Báo gỡ khỏi sàn</summary>" in page
    prefix = f"s{lid}-delist-"
    assert f'id="{prefix}date" type="date" value="{today.isoformat()}"' in page
    assert f'max="{today.isoformat()}"' in page

    version = listing_of(session, pid, "voso").version
    url = f"/listings/{lid}/delist"
    no_reason = member.post(
        url, data=form(member, date=today.isoformat(), reason=" ", version=version)
    )
    assert no_reason.status_code == 422
    assert field_error(no_reason.text, "reason", prefix) == (
        "Lý do gỡ khỏi sàn không được để trống."
    )
    assert invalid_fields(no_reason.text) == {"reason"}
    assert f'value="{today.isoformat()}"' in no_reason.text
    ahead = (today + dt.timedelta(days=1)).isoformat()
    future = member.post(
        url, data=form(member, date=ahead, reason="Hết hàng", version=version)
    )
    assert future.status_code == 422
    assert "không được sau hôm nay" in field_error(future.text, "date", prefix)
    assert f'value="{ahead}"' in future.text
    assert 'value="Hết hàng"' in future.text
    bad_date = member.post(
        url, data=form(member, date="31/02/2026", reason="Hết hàng", version=version)
    )
    assert bad_date.status_code == 422
    assert invalid_fields(bad_date.text) == {"date"}

    down = member.post(
        url,
        data=form(
            member, date=today.isoformat(), reason="Sàn khóa gian hàng", version=version
        ),
        follow_redirects=False,
    )
    assert down.status_code == 303, down.text
    assert down.headers["location"] == (
        f"/products/{pid}?done=listing_delisted#listing-{lid}"
    )
    assert listing_of(session, pid, "voso").status is ListingStatus.delisted
    page = member.get(down.headers["location"], headers=HTML).text
    assert "Đã ghi nhận sản phẩm bị gỡ khỏi sàn." in page
    assert "Đã gỡ khỏi sàn" in page
    assert "Sàn khóa gian hàng" in page
    assert "Đưa lên sàn lại</button>" in page
    section = page.split(f'id="listing-{lid}"', 1)[1].split("</section>", 1)[0]
    assert "Ghi nhận</button>" not in section  # no step until it is brought back
    # The same user sends the delisting again (the answer was lost): success.
    again = member.post(
        url,
        data=form(
            member, date=today.isoformat(), reason="Sàn khóa gian hàng", version=version
        ),
        follow_redirects=False,
    )
    assert again.status_code == 303, again.text

    version = listing_of(session, pid, "voso").version
    leader = sign_in("totruong.khom3")
    back = member.post(
        f"/listings/{lid}/relist",
        data=form(member, version=version),
        follow_redirects=False,
    )
    assert back.status_code == 303, back.text
    assert back.headers["location"].endswith(f"?done=listing_relisted#listing-{lid}")
    listing = listing_of(session, pid, "voso")
    assert (listing.status, listing.next_step) == (ListingStatus.in_progress, "listing")
    page = member.get(f"/products/{pid}", headers=HTML).text
    section = page.split(f'id="listing-{lid}"', 1)[1].split("</section>", 1)[0]
    assert "Đang làm" in section
    assert f'id="s{lid}-listing-evidence_url"' in section  # the claim, to make again
    resent = member.post(
        f"/listings/{lid}/relist",
        data=form(member, version=version),
        follow_redirects=False,
    )
    assert resent.status_code == 303, resent.text
    other = leader.post(f"/listings/{lid}/relist", data=form(leader, version=version))
    assert other.status_code == 409
    assert "vừa được người khác sửa" in top_message(other.text)
    again_now = member.post(
        f"/listings/{lid}/relist", data=form(member, version=listing.version)
    )
    assert again_now.status_code == 409
    assert "đã gỡ khỏi sàn" in top_message(again_now.text)


def test_a_step_form_sent_again_by_the_same_user_is_a_success(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    product = product_named(session, "Bánh in nhân đậu xanh")
    pid = product.id
    started = member.post(
        f"/products/{pid}/listings",
        data=form(member, marketplace_id=market_id(session, "postmart")),
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    # The cooperative's shop is open on postmart.vn: its product can go on it.
    producer = session.get(Producer, product.producer_id)
    assert producer is not None
    make_seller_account(session, producer, "postmart")
    session.commit()
    listing = listing_of(session, pid, "postmart")
    lid, version = listing.id, listing.version
    sent = {
        "step": "listing",
        "evidence_url": "https://postmart.vn/p/banh-in-nhan-dau-xanh-43001.html",
        "note": "Trang sản phẩm của HTX",
    }
    first = member.post(
        f"/listings/{lid}/steps",
        data=form(member, version=version, **sent),
        follow_redirects=False,
    )
    assert first.status_code == 303, first.text
    recorded = listing_of(session, pid, "postmart").version
    # The answer was lost; the phone sends the same form again.
    again = member.post(
        f"/listings/{lid}/steps",
        data=form(member, version=version, **sent),
        follow_redirects=False,
    )
    assert again.status_code == 303, again.text
    assert listing_of(session, pid, "postmart").version == recorded
    changed = member.post(
        f"/listings/{lid}/steps",
        data=form(member, version=version, **{**sent, "note": "Ghi chú khác"}),
    )
    assert changed.status_code == 409
    assert 'value="Ghi chú khác"' in changed.text
    assert f'value="{sent["evidence_url"]}"' in changed.text
    leader = sign_in("totruong.khom3")
    other = leader.post(
        f"/listings/{lid}/steps", data=form(leader, version=version, **sent)
    )
    assert other.status_code == 409
    assert 'value="Trang sản phẩm của HTX"' in other.text


def _evidence_form(html: str, lid: int, step: str) -> str:
    found = re.search(
        rf'<form class="form" action="/listings/{lid}/steps/{step}/photos"'
        r' method="post" enctype="multipart/form-data"[^>]*>.*?</form>',
        html,
        re.S,
    )
    assert found, "no evidence photo form"
    return found.group(0)


def test_a_photo_proves_a_step_and_a_refusal_shows_beside_its_form(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    product = product_named(session, "Bánh in nhân đậu xanh")
    pid = product.id
    member.post(
        f"/products/{pid}/listings",
        data=form(member, marketplace_id=market_id(session, "postmart")),
    )
    lid = listing_of(session, pid, "postmart").id
    page = member.get(f"/products/{pid}", headers=HTML).text
    check_page(page)
    assert 'name="file"' in _evidence_form(page, lid, "listing")
    url = f"/listings/{lid}/steps/listing/photos"
    token = {"csrf_token": member.headers["X-CSRF-Token"]}

    added = member.post(
        url,
        data=token,
        files={
            "file": ("trang-san-pham.jpg", corpus.plain_jpeg(640, 480), "image/jpeg")
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    assert added.headers["location"] == (
        f"/products/{pid}?done=evidence_added#listing-{lid}"
    )
    page = member.get(added.headers["location"], headers=HTML).text
    assert "Đã thêm ảnh minh chứng cho bước này." in page
    assert 'alt="Ảnh minh chứng 1"' in page
    evidence = member.get(f"/api/v1/listings/{lid}/photos", params={"step": "listing"})
    assert len(evidence.json()) == 1

    prefix = f"s{lid}-listing-"
    not_image = member.post(
        url, data=token, files={"file": ("a.jpg", b"not an image", "image/jpeg")}
    )
    assert not_image.status_code in {415, 422}, not_image.text
    assert "<h1>Bánh in nhân đậu xanh</h1>" in not_image.text  # the product page
    assert invalid_fields(not_image.text) == {"file"}
    assert field_error(not_image.text, "file", prefix)
    assert "Thêm ảnh minh chứng</summary>" in not_image.text

    too_big = member.post(
        url,
        data=token,
        files={"file": ("big.jpg", b"\xff" * (MAX_BYTES + ENVELOPE + 1), "image/jpeg")},
    )
    assert too_big.status_code == 413, too_big.text[:300]
    assert "<h1>Bánh in nhân đậu xanh</h1>" in too_big.text
    assert "Ảnh quá lớn" in field_error(too_big.text, "file", prefix)
    assert len(member.get(f"/api/v1/listings/{lid}/photos").json()) == 1
