"""The onboarding API over HTTP: statuses, messages, scope, history."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.onboarding.models import Listing, StepRecord, Verification
from tests.conftest import SignIn
from tests.onboarding.conftest import DOCUMENT, URLS, Pilot, Spare
from tests.photos import corpus
from tests.refusals import assert_field

API = "/api/v1"


def _open(client: TestClient, product_id: int, marketplace_id: int) -> dict[str, Any]:
    response = client.post(
        f"{API}/listings",
        json={"product_id": product_id, "marketplace_id": marketplace_id},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _step(
    client: TestClient,
    listing: dict[str, Any],
    step: str,
    url: str | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"step": step, "version": listing["version"], **extra}
    if url is not None:
        body["evidence_url"] = url
    return client.post(f"{API}/listings/{listing['id']}/steps", json=body)


def _photos(client: TestClient, listing: dict[str, Any]) -> dict[str, Any]:
    """Meet the photo rule with three photos ≥ 800 px: the "photos" step records itself."""
    for seed in (900, 901, 902):
        uploaded = client.post(
            f"{API}/products/{listing['product_id']}/photos",
            content=corpus.plain_jpeg(800, 800, seed=seed),
            headers={"Content-Type": "image/jpeg"},
        )
        assert uploaded.status_code in {200, 201}, uploaded.text
    fresh: dict[str, Any] = client.get(f"{API}/listings/{listing['id']}").json()
    return fresh


def _ok_step(
    client: TestClient, listing: dict[str, Any], step: str, url: str | None = None
) -> dict[str, Any]:
    if step == "photos":
        return _photos(client, listing)
    response = _step(client, listing, step, url)
    assert response.status_code == 200, response.text
    updated: dict[str, Any] = response.json()["listing"]
    return updated


def _claim(
    client: TestClient, pilot: Pilot, code: str = "voso", product_id: int | None = None
) -> dict[str, Any]:
    """Open a listing and walk it up to the "listed" claim."""
    market = pilot.voso if code == "voso" else pilot.postmart
    listing = _open(client, product_id or pilot.product.id, market.id)
    listing = _ok_step(client, listing, "photos")
    return _ok_step(client, listing, "listing", URLS[code][1])


def _verify(
    client: TestClient, listing: dict[str, Any], decision: str, **extra: Any
) -> Response:
    return client.post(
        f"{API}/listings/{listing['id']}/verification",
        json={"decision": decision, "version": listing["version"], **extra},
    )


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_marketplaces_come_with_their_ordered_steps(sign_in: SignIn) -> None:
    body = sign_in("thanhvien.khom3").get(f"{API}/marketplaces").json()
    by_code = {m["code"]: m for m in body}
    for code, domain in (("voso", "voso.vn"), ("postmart", "postmart.vn")):
        market = by_code[code]
        assert market["domain"] == domain
        assert market["is_named_in_plan"] is True
        assert [(s["code"], s["position"], s["evidence"]) for s in market["steps"]] == [
            ("photos", 1, None),
            ("listing", 4, "url"),
            ("first_order", 5, None),
            ("quality", 6, "document"),
        ]


def test_only_an_admin_adds_marketplaces_and_steps(
    admin: TestClient, sign_in: SignIn
) -> None:
    new = {
        "code": "tiki",
        "name": "Tiki",
        "domain": "tiki.vn",
        "steps": [
            {"code": "register", "name": "Đăng ký người bán"},
            {"code": "listing", "name": "Đăng sản phẩm", "evidence": "url"},
        ],
    }
    for login in ("sct.soctrang", "canbo.khom3", "totruong.khom3"):
        assert sign_in(login).post(f"{API}/marketplaces", json=new).status_code == 403
    created = admin.post(f"{API}/marketplaces", json=new)
    assert created.status_code == 201, created.text
    market = created.json()
    assert market["is_named_in_plan"] is False
    assert [s["code"] for s in market["steps"]] == ["register", "listing"]
    again = admin.post(f"{API}/marketplaces", json=new)
    assert again.status_code == 409
    step = admin.post(
        f"{API}/marketplaces/{market['id']}/steps",
        json={"code": "first_order", "name": "Đơn hàng đầu tiên"},
    )
    assert step.status_code == 201, step.text
    assert [s["position"] for s in step.json()["steps"]] == [1, 2, 3]
    foreign = admin.post(
        f"{API}/marketplaces", json={**new, "code": "tiki2", "domain": "http://x.vn"}
    )
    assert foreign.status_code == 422
    assert_field(foreign.json(), "domain", r"^Tên miền chỉ ghi tên")
    member = sign_in("totruong.khom3")
    assert (
        member.post(
            f"{API}/marketplaces/{market['id']}/steps", json={"code": "x1", "name": "x"}
        ).status_code
        == 403
    )
    assert (
        admin.post(
            f"{API}/marketplaces", json={**new, "code": "t3", "is_named_in_plan": True}
        ).status_code
        == 422
    )


@pytest.mark.parametrize("code", ["voso", "postmart"])
def test_full_walk_photos_to_verified(sign_in: SignIn, pilot: Pilot, code: str) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _claim(member, pilot, code)
    page = URLS[code][1]
    assert listing["status"] == "awaiting_verification"
    assert listing["storefront_url"] is None
    assert listing["listing_url"] == page
    assert listing["marketplace_code"] == code
    official = sign_in("canbo.khom3")
    queue = official.get(
        f"{API}/listings", params={"status": "awaiting_verification", "limit": 200}
    ).json()
    assert listing["id"] in {i["id"] for i in queue["items"]}
    assert {i["status"] for i in queue["items"]} == {"awaiting_verification"}
    approved = _verify(official, listing, "approved")
    assert approved.status_code == 200, approved.text
    live = approved.json()
    assert live["status"] == "listed"
    assert live["verified_at"] is not None
    assert live["next_step"] == "first_order"
    live = _ok_step(member, live, "first_order")
    live = _ok_step(member, live, "quality", DOCUMENT)
    assert live["next_step"] is None
    steps = member.get(f"{API}/listings/{listing['id']}/steps").json()
    assert [s["state"] for s in steps["steps"]] == ["done"] * 4
    assert steps["listing"]["status"] == "listed"
    verified = member.get(
        f"{API}/listings",
        params={"verified": "true", "product_id": pilot.product.id},
    ).json()
    assert [i["id"] for i in verified["items"]] == [listing["id"]]


def test_out_of_order_is_a_422_naming_the_step_and_writes_nothing(
    sign_in: SignIn, pilot: Pilot, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _open(member, pilot.product.id, pilot.voso.id)
    records = _count(session, StepRecord)
    response = _step(member, listing, "listing", URLS["voso"][1])
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "“Đăng sản phẩm lên sàn” (listing)" in detail
    assert "“Ảnh sản phẩm đạt yêu cầu” (photos)" in detail
    assert _count(session, StepRecord) == records
    now = member.get(f"{API}/listings/{listing['id']}").json()
    assert now["version"] == listing["version"]
    assert now["listing_url"] is None
    unknown = _step(member, listing, "khong_co")
    assert unknown.status_code == 422
    assert "“khong_co”" in unknown.json()["detail"]


def test_block_and_unblock(sign_in: SignIn, pilot: Pilot) -> None:
    leader = sign_in("totruong.khom3")
    listing = _open(leader, pilot.product.id, pilot.voso.id)
    listing = _ok_step(leader, listing, "photos")
    url = f"{API}/listings/{listing['id']}/steps/listing"
    blocked = leader.post(
        f"{url}/block",
        json={"reason": "Chủ hộ đi vắng", "version": listing["version"]},
    )
    assert blocked.status_code == 200, blocked.text
    view = blocked.json()
    step = next(s for s in view["steps"] if s["code"] == "listing")
    assert step["state"] == "blocked"
    assert step["blocked_reason"] == "Chủ hộ đi vắng"
    assert step["is_next"] is True
    listing = view["listing"]
    refused = _step(leader, listing, "listing", URLS["voso"][1])
    assert refused.status_code == 422
    assert "tạm dừng" in refused.json()["detail"]
    no_reason = leader.post(
        f"{API}/listings/{listing['id']}/steps/first_order/block", json={"reason": ""}
    )
    assert no_reason.status_code == 422
    assert_field(no_reason.json(), "reason", r"^Lý do tạm dừng không được để trống\.$")
    stale = leader.post(f"{url}/unblock", json={"version": listing["version"] - 1})
    assert stale.status_code == 409
    unblocked = leader.post(f"{url}/unblock", json={"version": listing["version"]})
    assert unblocked.status_code == 200, unblocked.text
    listing = unblocked.json()["listing"]
    listing = _ok_step(leader, listing, "listing", URLS["voso"][1])
    assert listing["next_step"] == "first_order"
    assert leader.post(f"{url}/unblock").status_code == 422
    assert (
        leader.post(
            f"{API}/listings/{listing['id']}/steps/nope/block", json={"reason": "x"}
        ).status_code
        == 422
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://voso.vn/banh-p1.html",
        "javascript:alert(document.cookie)",
        "https://voso.vn@evil.example/banh-p1.html",
        "https://voso.vn.evil.example/banh-p1.html",
        "https://evilvoso.vn/banh-p1.html",
        "https://postmart.vn/p/banh-1.html",
        "https://voso.vn:444/banh-p1.html",
        "https://voso.vn/ho-ba-sau-s3145375",
        "",
    ],
)
def test_wrong_or_foreign_urls_are_a_422_naming_the_field(
    sign_in: SignIn, pilot: Pilot, session: Session, url: str
) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _ok_step(member, _open(member, pilot.product.id, pilot.voso.id), "photos")
    records = _count(session, StepRecord)
    response = _step(member, listing, "listing", url)
    assert response.status_code == 422
    assert_field(
        response.json(), "evidence_url", "Đường dẫn sản phẩm|đường dẫn sản phẩm"
    )
    assert _count(session, StepRecord) == records
    assert member.get(f"{API}/listings/{listing['id']}").json()["listing_url"] is None


def test_unknown_fields_are_refused(sign_in: SignIn, pilot: Pilot) -> None:
    member = sign_in("thanhvien.khom3")
    sneaky = member.post(
        f"{API}/listings",
        json={
            "product_id": pilot.product.id,
            "marketplace_id": pilot.voso.id,
            "status": "listed",
        },
    )
    assert sneaky.status_code == 422
    listing = _open(member, pilot.product.id, pilot.voso.id)
    extras: list[dict[str, Any]] = [{"hamlet_id": pilot.anthuong.id}, {"done_by_id": 1}]
    for extra in extras:
        assert _step(member, listing, "photos", None, **extra).status_code == 422
    missing_version = member.post(
        f"{API}/listings/{listing['id']}/steps", json={"step": "photos"}
    )
    assert missing_version.status_code == 422


def test_reject_needs_a_comment_and_the_team_can_claim_again(
    sign_in: SignIn, pilot: Pilot, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    official = sign_in("canbo.khom3")
    listing = _claim(member, pilot)
    decisions = _count(session, Verification)
    for comment in (None, "", "   "):
        extra = {} if comment is None else {"comment": comment}
        response = _verify(official, listing, "rejected", **extra)
        assert response.status_code == 422
        assert_field(response.json(), "comment", r"^Cần ghi nhận xét khi từ chối")
    assert _count(session, Verification) == decisions
    rejected = _verify(official, listing, "rejected", comment="Sai đường dẫn sản phẩm")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["next_step"] == "listing"
    history = member.get(f"{API}/listings/{listing['id']}/verification").json()
    assert history[0]["decision"] == "rejected"
    assert history[0]["comment"] == "Sai đường dẫn sản phẩm"
    again = _ok_step(
        member,
        rejected.json(),
        "listing",
        "https://voso.vn/banh-pia-dung-roi-p737221.html",
    )
    assert again["status"] == "awaiting_verification"
    assert _verify(official, again, "approved").json()["status"] == "listed"


def test_nobody_verifies_their_own_claim(sign_in: SignIn, pilot: Pilot) -> None:
    official = sign_in("canbo.khom3")
    listing = _claim(official, pilot)
    response = _verify(official, listing, "approved")
    assert response.status_code == 403
    assert "tự xác minh" in response.json()["detail"]
    assert official.get(f"{API}/listings/{listing['id']}").json()["status"] == (
        "awaiting_verification"
    )
    department = sign_in("sct.soctrang")
    assert _verify(department, listing, "approved").json()["status"] == "listed"


@pytest.mark.parametrize("login", ["thanhvien.khom3", "totruong.khom3"])
def test_team_roles_cannot_verify(sign_in: SignIn, pilot: Pilot, login: str) -> None:
    listing = _claim(sign_in("admin"), pilot)
    response = _verify(sign_in(login), listing, "approved")
    assert response.status_code == 403
    assert "xác minh" in response.json()["detail"]


def test_an_official_of_another_commune_gets_404(sign_in: SignIn, pilot: Pilot) -> None:
    listing = _claim(sign_in("thanhvien.khom3"), pilot)
    stranger = sign_in("canbo.anthuong")
    lid = listing["id"]
    assert stranger.get(f"{API}/listings/{lid}").status_code == 404
    assert stranger.get(f"{API}/listings/{lid}/steps").status_code == 404
    assert stranger.get(f"{API}/listings/{lid}/verification").status_code == 404
    assert _verify(stranger, listing, "approved").status_code == 404
    assert _step(stranger, listing, "first_order").status_code == 404
    member = sign_in("thanhvien.anthuong")
    assert (
        member.post(
            f"{API}/listings",
            json={"product_id": pilot.product.id, "marketplace_id": pilot.postmart.id},
        ).status_code
        == 404
    )


def test_the_department_verifies_in_its_province(sign_in: SignIn, pilot: Pilot) -> None:
    listing = _claim(
        sign_in("totruong.anthuong"), pilot, product_id=pilot.foreign_product.id
    )
    department = sign_in("sct.soctrang")
    response = _verify(department, listing, "approved", comment="Đã kiểm tra trên sàn")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "listed"
    assert (
        department.post(
            f"{API}/listings",
            json={"product_id": pilot.product.id, "marketplace_id": pilot.voso.id},
        ).status_code
        == 403
    )


def test_delist(sign_in: SignIn, pilot: Pilot) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _claim(member, pilot)
    url = f"{API}/listings/{listing['id']}/delist"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date().isoformat()
    early = member.post(
        url, json={"date": today, "reason": "Hết hàng", "version": listing["version"]}
    )
    assert early.status_code == 409
    live = _verify(sign_in("canbo.khom3"), listing, "approved").json()
    no_reason = member.post(
        url, json={"date": today, "reason": " ", "version": live["version"]}
    )
    assert no_reason.status_code == 422
    assert_field(
        no_reason.json(), "reason", r"^Lý do gỡ khỏi sàn không được để trống\.$"
    )
    down = member.post(
        url,
        json={
            "date": today,
            "reason": "Sàn khóa gian hàng",
            "version": live["version"],
        },
    )
    assert down.status_code == 200, down.text
    body = down.json()
    assert (body["status"], body["delisted_on"], body["delist_reason"]) == (
        "delisted",
        today,
        "Sàn khóa gian hàng",
    )
    down_now = member.get(
        f"{API}/listings",
        params={"status": "delisted", "product_id": pilot.product.id},
    ).json()
    assert [i["id"] for i in down_now["items"]] == [listing["id"]]
    claim = _step(member, body, "listing", URLS["voso"][1])
    assert claim.status_code == 409, claim.text
    assert "Đưa lên sàn lại" in claim.json()["detail"]
    relist = f"{API}/listings/{listing['id']}/relist"
    assert (
        sign_in("sct.soctrang")
        .post(relist, json={"version": body["version"]})
        .status_code
        == 403
    )
    assert member.post(relist, json={}).status_code == 422
    back = member.post(relist, json={"version": body["version"]})
    assert back.status_code == 200, back.text
    again = back.json()
    assert (again["status"], again["next_step"], again["delisted_on"]) == (
        "in_progress",
        "listing",
        None,
    )
    assert (again["verified_at"], again["delist_reason"]) == (None, None)
    # The answer was lost and the same user sends the same form: success, no change.
    resent = member.post(relist, json={"version": body["version"]})
    assert resent.status_code == 200, resent.text
    assert resent.json()["version"] == again["version"]
    twice = member.post(relist, json={"version": again["version"]})
    assert twice.status_code == 409
    assert "đã gỡ khỏi sàn" in twice.json()["detail"]
    claimed = _step(member, again, "listing", URLS["voso"][1])
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["listing"]["status"] == "awaiting_verification"


def test_a_stale_version_is_a_409_and_writes_nothing(
    sign_in: SignIn, pilot: Pilot, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    leader = sign_in("totruong.khom3")
    opened = _open(member, pilot.product.id, pilot.voso.id)
    _ok_step(leader, opened, "photos")  # the leader moves on first
    records = _count(session, StepRecord)
    response = _step(member, opened, "listing", URLS["voso"][1])
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "stale_version"
    assert "tải lại" in body["detail"]
    assert _count(session, StepRecord) == records
    assert member.get(f"{API}/listings/{opened['id']}").json()["listing_url"] is None
    stale_block = member.post(
        f"{API}/listings/{opened['id']}/steps/listing/block",
        json={"reason": "x", "version": opened["version"]},
    )
    assert stale_block.status_code == 409


def test_a_stale_version_answers_with_the_current_listing(
    sign_in: SignIn, pilot: Pilot
) -> None:
    member = sign_in("thanhvien.khom3")
    opened = _open(member, pilot.product.id, pilot.voso.id)
    moved = _ok_step(member, opened, "photos")
    body = _step(member, opened, "listing", URLS["voso"][1]).json()
    assert body["current"]["version"] == moved["version"]
    assert body["current"]["next_step"] == "listing"


def test_as_of_a_past_day(sign_in: SignIn, pilot: Pilot) -> None:
    day1 = dt.datetime(2031, 3, 2, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam
    with time_machine.travel(day1, tick=False):
        listing = _claim(sign_in("thanhvien.khom3"), pilot)
    with time_machine.travel(day1 + dt.timedelta(days=2), tick=False):
        verified = _verify(sign_in("canbo.khom3"), listing, "approved")
        assert verified.status_code == 200, verified.text
    official = sign_in("canbo.khom3")
    url = f"{API}/listings/{listing['id']}"
    day2 = official.get(url, params={"as_of": "2031-03-03"}).json()
    assert day2["status"] == "awaiting_verification"
    assert day2["version"] is None
    day3 = official.get(url, params={"as_of": "2031-03-04"}).json()
    assert day3["status"] == "listed"
    before = official.get(url, params={"as_of": "2031-03-01"})
    assert before.status_code == 404
    mine: dict[str, str | int] = {
        "status": "awaiting_verification",
        "product_id": pilot.product.id,
    }
    queue = official.get(
        f"{API}/listings", params={**mine, "as_of": "2031-03-03"}
    ).json()
    assert [i["id"] for i in queue["items"]] == [listing["id"]]
    later = official.get(f"{API}/listings", params={**mine, "as_of": "2031-03-04"})
    assert later.json()["total"] == 0
    steps = official.get(f"{url}/steps", params={"as_of": "2031-03-02"}).json()
    assert steps["listing"]["status"] == "awaiting_verification"
    assert [s["state"] for s in steps["steps"]] == ["done", "done", "todo", "todo"]
    assert (
        official.get(f"{url}/verification", params={"as_of": "2031-03-03"}).json() == []
    )


def _ids_in(session: Session, hamlet_ids: set[int]) -> set[int]:
    """An independent count: listings whose hamlet is one of these."""
    return set(
        session.scalars(select(Listing.id).where(Listing.hamlet_id.in_(hamlet_ids)))
    )


def test_lists_leak_nothing_outside_the_area(
    sign_in: SignIn, pilot: Pilot, session: Session
) -> None:
    admin = sign_in("admin")
    ours = _open(admin, pilot.product.id, pilot.voso.id)
    theirs = _open(admin, pilot.foreign_product.id, pilot.voso.id)
    phuong5 = set(
        session.scalars(
            select(AdminUnit.id).where(AdminUnit.parent_id == pilot.khom3.parent_id)
        )
    )
    expected = {
        "thanhvien.khom3": _ids_in(session, {pilot.khom3.id}),
        "totruong.khom3": _ids_in(session, {pilot.khom3.id}),
        "canbo.khom3": _ids_in(session, phuong5),
    }
    for login, visible in expected.items():
        assert ours["id"] in visible
        assert theirs["id"] not in visible
        client = sign_in(login)
        for params in (
            {},
            {"marketplace": "voso"},
            {"product_id": pilot.foreign_product.id},
            {"status": "in_progress"},
            {"area_id": pilot.khom3.parent_id},
            {"as_of": "2099-01-01"},
        ):
            body = client.get(f"{API}/listings", params={**params, "limit": 200}).json()
            ids = {i["id"] for i in body["items"]}
            assert ids <= visible, (login, params)
            assert body["total"] == len(ids), (login, params)
            if not params or "as_of" in params:
                assert ids == visible, (login, params)
        foreign_area = client.get(
            f"{API}/listings", params={"area_id": pilot.anthuong.id}
        )
        assert foreign_area.status_code == 404
    department = sign_in("sct.soctrang").get(f"{API}/listings", params={"limit": 200})
    assert {ours["id"], theirs["id"]} <= {i["id"] for i in department.json()["items"]}


def test_one_listing_per_product_and_marketplace(sign_in: SignIn, pilot: Pilot) -> None:
    member = sign_in("thanhvien.khom3")
    first = _open(member, pilot.product.id, pilot.voso.id)
    again = member.post(
        f"{API}/listings",
        json={"product_id": pilot.product.id, "marketplace_id": pilot.voso.id},
    )
    assert again.status_code == 409
    assert str(first["id"]) in again.json()["detail"]


def test_pagination_and_sorting(sign_in: SignIn, pilot: Pilot, spare: Spare) -> None:
    official = sign_in("canbo.khom3")
    made = [
        _open(official, spare.first.id, pilot.voso.id)["id"],
        _open(official, spare.first.id, pilot.postmart.id)["id"],
        _open(official, spare.second.id, pilot.voso.id)["id"],
    ]
    params: dict[str, str | int] = {
        "area_id": spare.hamlet.id,
        "sort": "created_at",
        "order": "asc",
        "limit": 2,
    }
    first = official.get(f"{API}/listings", params=params).json()
    second = official.get(f"{API}/listings", params={**params, "offset": 2}).json()
    assert first["total"] == second["total"] == 3
    assert [i["id"] for i in first["items"] + second["items"]] == made
    by_name = official.get(
        f"{API}/listings",
        params={"area_id": spare.hamlet.id, "sort": "product_name", "order": "desc"},
    ).json()
    assert [i["product_name"] for i in by_name["items"]] == [
        "Mắm cá lóc",
        "Bánh pía kim sa",
        "Bánh pía kim sa",
    ]
    for bad in ({"sort": "hamlet"}, {"limit": 0}, {"status": "live"}, {"as_of": "x"}):
        assert official.get(f"{API}/listings", params=bad).status_code == 422
    unknown_market = official.get(f"{API}/listings", params={"marketplace": "lazada"})
    assert unknown_market.status_code == 422
    assert_field(
        unknown_market.json(),
        "marketplace",
        "^Không có sàn thương mại điện tử “lazada”",
    )


def test_anonymous_callers_are_401(client: TestClient) -> None:
    assert client.get(f"{API}/listings").status_code == 401
    assert client.get(f"{API}/marketplaces").status_code == 401
