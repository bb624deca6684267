"""Text of several lines: descriptions, notes, comments and reasons keep their
line breaks (CR LF and CR become LF); single-line fields still refuse them, and
every field still refuses NUL, other control, bidi and zero-width characters."""

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.core.clock import today
from ocop_tracker.onboarding.models import Listing, ListingStatus, Verification
from ocop_tracker.products.models import Product
from ocop_tracker.reports.models import ReportSubmission
from tests.conftest import SignIn
from tests.factories import unit

HTML = {"accept": "text/html"}
TWO_LINES = "Bánh pía nhân sầu riêng.\r\nHộp 4 cái, 400 g."
STORED = "Bánh pía nhân sầu riêng.\nHộp 4 cái, 400 g."


def _form(client: TestClient, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


def _producer(client: TestClient, session: Session) -> int:
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    made = client.post(
        "/api/v1/producers",
        json={"hamlet_id": hamlet.id, "kind": "household", "name": "Hộ Bà Sáu"},
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _new_product(client: TestClient, producer_id: int, **body: Any) -> Any:
    return client.post(
        "/api/v1/products",
        json={"producer_id": producer_id, "name": "Bánh pía", "kind": "ocop", **body},
    )


def test_a_description_of_two_lines_is_kept_over_the_api(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    producer = _producer(member, session)
    made = _new_product(member, producer, description=TWO_LINES)
    assert made.status_code == 201, made.text
    assert made.json()["description"] == STORED
    url = f"/api/v1/products/{made.json()['id']}"
    edited = member.patch(
        url,
        json={
            "description": "Một dòng\rHai dòng\n\n\n\nBa dòng  ",
            "version": made.json()["version"],
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"] == "Một dòng\nHai dòng\n\nBa dòng"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "Bánh\x00pía"),
        ("description", "Bánh\tpía"),
        ("description", "Bánh \u202epía"),
        ("description", "Bánh\u200bpía"),
        ("name", "Bánh pía\nsầu riêng"),
        ("unit", "hộp\r\n400 g"),
    ],
)
def test_other_control_characters_and_breaks_in_one_line_fields_are_refused(
    sign_in: SignIn, session: Session, field: str, value: str
) -> None:
    member = sign_in("thanhvien.khom3")
    producer = _producer(member, session)
    before = session.scalar(select(Product.id).order_by(Product.id.desc()).limit(1))
    body = {"name": value} if field == "name" else {field: value}
    refused = _new_product(member, producer, **body)
    assert refused.status_code == 422, refused.text
    assert "ký tự" in refused.json()["detail"]
    session.expire_all()
    after = session.scalar(select(Product.id).order_by(Product.id.desc()).limit(1))
    assert after == before


def test_the_wizard_keeps_the_lines_and_the_pages_show_them(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    producer = _producer(member, session)
    made = member.post(
        "/products/new/product",
        data=_form(
            member,
            producer_id=producer,
            name="Bánh pía hai dòng",
            kind="ocop",
            group_id="",
            subgroup_id="",
            unit="hộp",
            price="",
            description=TWO_LINES,
            gtin="",
        ),
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    session.expire_all()
    product = session.scalar(select(Product).where(Product.name == "Bánh pía hai dòng"))
    assert product is not None
    assert product.description == STORED
    page = member.get(f"/products/{product.id}", headers=HTML)
    assert page.status_code == 200
    assert f'<p class="desc">{STORED}</p>' in page.text
    public = member.get(f"/p/{product.public_code}", headers=HTML)
    assert public.status_code == 200
    assert f'<p class="desc">{STORED}</p>' in public.text


def test_a_rejection_comment_of_two_lines_on_the_verification_page(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    listing = session.scalar(
        select(Listing).where(
            Listing.hamlet_id == khom3.id,
            Listing.status == ListingStatus.awaiting_verification,
        )
    )
    assert listing is not None, "the demo has a claim waiting in Khóm 3"
    comment = "Đường dẫn mở ra trang chủ.\r\nHãy gửi đường dẫn trang sản phẩm."
    decided = official.post(
        f"/listings/{listing.id}/verification",
        data=_form(
            official, decision="rejected", version=listing.version, comment=comment
        ),
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    session.expire_all()
    verification = session.scalar(
        select(Verification)
        .where(Verification.listing_id == listing.id)
        .order_by(Verification.id.desc())
        .limit(1)
    )
    assert verification is not None
    assert verification.comment == comment.replace("\r\n", "\n")
    page = official.get(f"/products/{listing.product_id}", headers=HTML)
    assert (
        '<span class="ml">“Đường dẫn mở ra trang chủ.\n'
        "Hãy gửi đường dẫn trang sản phẩm.”</span>"
    ) in page.text


def test_a_block_reason_and_a_consent_note_keep_their_lines(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    producer = _producer(leader, session)
    product = _new_product(leader, producer).json()
    market = leader.get("/api/v1/marketplaces").json()
    voso = next(m for m in market if m["code"] == "voso")
    opened = leader.post(
        "/api/v1/listings",
        json={"product_id": product["id"], "marketplace_id": voso["id"]},
    )
    assert opened.status_code == 201, opened.text
    listing = opened.json()
    blocked = leader.post(
        f"/api/v1/listings/{listing['id']}/steps/photos/block",
        json={
            "reason": "Chủ hộ đi vắng.\nHẹn tuần sau.",
            "version": listing["version"],
        },
    )
    assert blocked.status_code == 200, blocked.text
    step = next(s for s in blocked.json()["steps"] if s["code"] == "photos")
    assert step["blocked_reason"] == "Chủ hộ đi vắng.\nHẹn tuần sau."
    bad = leader.post(
        f"/api/v1/listings/{listing['id']}/steps/photos/block",
        json={"reason": "Đi vắng\x00", "version": listing["version"]},
    )
    assert bad.status_code in (409, 422)
    consent = leader.post(
        f"/api/v1/producers/{producer}/consents",
        json={
            "field": "phone",
            "granted": True,
            "note": "Bà Sáu đồng ý.\nKý phiếu số 7.",
        },
    )
    assert consent.status_code == 201, consent.text
    assert consent.json()["note"] == "Bà Sáu đồng ý.\nKý phiếu số 7."


def _month_back() -> str:
    first = today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def test_a_submission_note_takes_lines_but_not_control_characters(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    url = "/api/v1/reports/submissions"
    for bad in ("Sửa\x00số liệu", "Sửa \u202esố liệu", "Sửa\x07"):
        refused = official.post(url, json={"month": _month_back(), "note": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert "ký tự" in refused.json()["detail"]
    made = official.post(
        url, json={"month": _month_back(), "note": "Dòng một\r\nDòng hai  "}
    )
    assert made.status_code == 201, made.text
    session.expire_all()
    stored = session.get(ReportSubmission, made.json()["id"])
    assert stored is not None
    assert stored.note == "Dòng một\nDòng hai"
