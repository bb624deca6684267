"""A delisting counts from its own date in every past figure, whenever it was recorded.

Coverage is valid-time (DOMAIN.md §3): a listing recorded on 2 December as
gone down on 15 October is not listed on 31 October nor on 30 November, in
the kept counts, the month-end checkpoints and after a rebuild — as a
back-dated certificate revocation already was.
"""

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.clock import VIETNAM, vn_date
from ocop_tracker.core.text import fold
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding.models import Listing, ListingStatus, Marketplace
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products.models import Certificate, CertLevel, Product, ProductKind
from ocop_tracker.reports import segments, views
from ocop_tracker.reports.models import NATION
from ocop_tracker.reports.rules import month_end as month_end_of
from ocop_tracker.users.models import User
from tests.cli.test_cli import Cli
from tests.conftest import SignIn
from tests.dbutil import fresh_database
from tests.factories import (
    make_actor,
    make_hamlet,
    make_seller_account,
    meet_photo_rule,
    unit,
)

API = "/api/v1"
VOSO = (
    "https://voso.vn/ho-ba-bay-s3145376",
    "https://voso.vn/banh-pia-kim-sa-p737220.html",
)


def _at(day: dt.date, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(
        dt.datetime.combine(day, dt.time(hour), tzinfo=VIETNAM), tick=False
    )


def _ocop_product(session: Session, hamlet: AdminUnit) -> Product:
    """A household's 4★ OCOP product, certified on 1 June 2031 for 36 months."""
    name = f"Hộ Bà Bảy {secrets.token_hex(3)}"
    producer = Producer(
        hamlet_id=hamlet.id,
        kind=ProducerKind.household,
        name=name,
        search_key=fold(name),
    )
    session.add(producer)
    session.flush()
    # The product page goes on the household's shop, open on voso.vn.
    make_seller_account(session, producer, "voso")
    product = Product(
        producer_id=producer.id,
        hamlet_id=hamlet.id,
        name="Bánh pía kim sa",
        kind=ProductKind.ocop,
        public_code=secrets.token_urlsafe(16),
        search_key=fold("Bánh pía kim sa"),
    )
    session.add(product)
    session.flush()
    session.add(
        Certificate(
            product_id=product.id,
            hamlet_id=hamlet.id,
            stars=4,
            decision_number=f"{product.id}/QĐ-UBND",
            decision_date=dt.date(2031, 6, 1),
            authority="UBND tỉnh Sóc Trăng",
            level=CertLevel.province,
            expires_on=dt.date(2034, 5, 31),
        )
    )
    session.flush()
    return product


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


def _claim(client: TestClient, listing: dict[str, Any]) -> dict[str, Any]:
    """Walk a listing up to the "listed" claim (its photos step records itself)."""
    for step, url in (("listing", VOSO[1]),):
        body: dict[str, Any] = {"step": step, "version": listing["version"]}
        if url is not None:
            body["evidence_url"] = url
        listing = _ok(client.post(f"{API}/listings/{listing['id']}/steps", json=body))[
            "listing"
        ]
    return listing


def _approve(client: TestClient, listing: dict[str, Any]) -> None:
    _ok(
        client.post(
            f"{API}/listings/{listing['id']}/verification",
            json={"decision": "approved", "version": listing["version"]},
        )
    )


def _listed(
    client: TestClient, areas: dict[str, int], day: dt.date
) -> dict[str, tuple[int, str]]:
    """OCOP products listed on ``day`` in each area, and where the figure came from."""
    out = {}
    for name, area_id in areas.items():
        body = _ok(
            client.get(
                f"{API}/reports/coverage",
                params={"area_id": area_id, "as_of": day.isoformat()},
            )
        )
        out[name] = (body["ocop"]["listed"], body["source"])
    return out


def _minus_one(before: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {name: n - 1 for name, (n, _) in before.items()}


def _numbers(figures: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {name: n for name, (n, _) in figures.items()}


def test_a_back_dated_delisting_leaves_past_coverage(
    sign_in: SignIn, session: Session
) -> None:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    assert khom3.parent_id is not None
    commune = session.get_one(AdminUnit, khom3.parent_id)
    hamlet = make_hamlet(session, commune)
    product = _ocop_product(session, hamlet)
    meet_photo_rule(session, make_actor(session), product)
    voso = session.query(Marketplace).filter_by(code="voso").one()
    session.commit()
    province = _ok(sign_in("sct.soctrang").get(f"{API}/reports/coverage"))["area"]
    areas = {"hamlet": hamlet.id, "commune": commune.id, "province": province["id"]}

    with _at(dt.date(2031, 10, 1)):
        # Sessions expire: sign in again on every day travelled to.
        official = sign_in("canbo.khom3")  # Phường 5: opens and walks the listing
        department = sign_in("sct.soctrang")  # verifies, reads the province
        listing = _ok(
            official.post(
                f"{API}/listings",
                json={"product_id": product.id, "marketplace_id": voso.id},
            )
        )
        listing = _claim(official, listing)
        _approve(department, listing)
        listing = _ok(official.get(f"{API}/listings/{listing['id']}"))
        assert listing["status"] == "listed"

    days = [dt.date(2031, 10, 14), dt.date(2031, 10, 31), dt.date(2031, 11, 30)]
    with _at(dt.date(2031, 12, 2)):
        official, department = sign_in("canbo.khom3"), sign_in("sct.soctrang")
        before = {day: _listed(department, areas, day) for day in days}
        assert all(before[day]["hamlet"][0] == 1 for day in days), before
        down = official.post(
            f"{API}/listings/{listing['id']}/delist",
            json={
                "date": "2031-10-15",
                "reason": "Sàn khóa gian hàng từ giữa tháng 10",
                "version": listing["version"],
            },
        )
        listing = _ok(down)
        assert (listing["status"], listing["delisted_on"]) == ("delisted", "2031-10-15")
        # The listing read as of a past day agrees with coverage (one rule).
        url = f"{API}/listings/{listing['id']}"
        then = _ok(official.get(url, params={"as_of": "2031-10-20"}))
        assert (then["status"], then["delisted_on"]) == ("delisted", "2031-10-15")
        assert _ok(official.get(url, params={"as_of": "2031-10-14"}))["status"] == (
            "listed"
        )
        listed_then = _ok(
            official.get(
                f"{API}/listings",
                params={"product_id": product.id, "as_of": "2031-10-20"},
            )
        )["items"]
        assert [i["status"] for i in listed_then] == ["delisted"]
        after = {day: _listed(department, areas, day) for day in days}
        # Listed the day before the delisting's date, not on the month ends after.
        assert _numbers(after[days[0]]) == _numbers(before[days[0]])
        for day in days[1:]:
            assert _numbers(after[day]) == _minus_one(before[day]), day
            # The province reads the month-end checkpoints, not the segments.
            assert after[day]["province"][1] == "checkpoints"
        today = _listed(department, areas, dt.date(2031, 12, 2))
        assert today["hamlet"][0] == 0
        # ``reports rebuild`` recounts the same from the rows and the trail.
        segments.rebuild(session.connection())
        session.commit()
        rebuilt = {day: _listed(department, areas, day) for day in days}
        assert {d: _numbers(f) for d, f in rebuilt.items()} == {
            d: _numbers(f) for d, f in after.items()
        }

    # Re-listed on 4 December: in progress again, not counted yet.
    with _at(dt.date(2031, 12, 4)):
        official, department = sign_in("canbo.khom3"), sign_in("sct.soctrang")
        listing = _ok(
            official.post(
                f"{API}/listings/{listing['id']}/relist",
                json={"version": listing["version"]},
            )
        )
        assert (listing["status"], listing["delisted_on"]) == ("in_progress", None)
        assert _listed(department, areas, dt.date(2031, 12, 4))["hamlet"][0] == 0
        url = f"{API}/listings/{listing['id']}"
        assert [
            _ok(official.get(url, params={"as_of": day}))["status"]
            for day in ("2031-10-14", "2031-12-03", "2031-12-04")
        ] == ["listed", "delisted", "in_progress"]

    # Listed again from the day its new claim is verified, and only from then.
    with _at(dt.date(2031, 12, 5)):
        official, department = sign_in("canbo.khom3"), sign_in("sct.soctrang")
        listing = _claim(official, listing)
        _approve(department, listing)
        again = _listed(department, areas, dt.date(2031, 12, 5))
        assert again["hamlet"][0] == 1
        assert _numbers(_listed(department, areas, dt.date(2031, 11, 30))) == _numbers(
            after[days[2]]
        )
        listing = _ok(official.get(f"{API}/listings/{listing['id']}"))
        assert listing["delisted_on"] is None
        assert _listed(department, areas, dt.date(2031, 12, 4))["hamlet"][0] == 0
        segments.rebuild(session.connection())
        session.commit()
        assert [
            _listed(department, areas, day)["hamlet"][0]
            for day in (
                dt.date(2031, 10, 14),
                dt.date(2031, 12, 4),
                dt.date(2031, 12, 5),
            )
        ] == [1, 0, 1]

    # A delisting dated after today is refused and writes nothing.
    with _at(dt.date(2031, 12, 6)):
        official, department = sign_in("canbo.khom3"), sign_in("sct.soctrang")
        ahead = official.post(
            f"{API}/listings/{listing['id']}/delist",
            json={
                "date": "2031-12-07",
                "reason": "Sàn báo sẽ gỡ",
                "version": listing["version"],
            },
        )
        assert ahead.status_code == 422, ahead.text
        assert "không được sau hôm nay" in ahead.json()["detail"]
        session.expire_all()
        row = session.get_one(Listing, listing["id"])
        assert (row.status, row.delisted_on) == (ListingStatus.listed, None)
        assert _listed(department, areas, dt.date(2031, 12, 6))["hamlet"][0] == 1


def test_reports_rebuild_counts_a_back_dated_delisting(tmp_path: Path) -> None:
    """On a database of its own: delist back to last month, then ``reports rebuild``."""
    with fresh_database(tmp_path, "delist") as url:
        cli = Cli(url)
        try:
            cli("demo")
            now = dt.datetime.now(VIETNAM).date()
            gone = (now.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
            month_end = month_end_of(gone)
            with Session(cli.engine) as session:
                listing = _live_since_before(session, gone)
                metric = f"ocop.mp.{listing.marketplace_id}"
                areas = [NATION, listing.hamlet_id]

                def figures() -> dict[tuple[int, dt.date], int]:
                    conn = session.connection()
                    out = {}
                    for day in (gone - dt.timedelta(days=1), month_end):
                        got, _ = views.read(conn, areas, day, [metric])
                        out.update({(a, day): got[a].get(metric, 0) for a in areas})
                    return out

                before = figures()
                admin = session.scalars(select(User).where(User.login == "admin")).one()
                onboarding_service.delist(
                    session,
                    admin,
                    listing,
                    on=gone,
                    reason="Sàn gỡ sản phẩm từ đầu tháng trước",
                    version=listing.version,
                )
                session.commit()
                kept = figures()
            want = {(a, d): n - (d == month_end) for (a, d), n in before.items()}
            assert kept == want
            assert "Đã tính lại số liệu báo cáo" in cli("reports", "rebuild").stdout
            with Session(cli.engine) as session:
                conn = session.connection()
                got, source = views.read(conn, areas, month_end, [metric])
                assert source == "checkpoints"
                assert {a: got[a].get(metric, 0) for a in areas} == {
                    a: want[(a, month_end)] for a in areas
                }
        finally:
            cli.engine.dispose()


def _live_since_before(session: Session, day: dt.date) -> Listing:
    """A demo listing verified before ``day`` of a product certified through today."""
    for listing in session.scalars(
        select(Listing)
        .where(Listing.status == ListingStatus.listed)
        .order_by(Listing.verified_at, Listing.id)
    ):
        assert listing.verified_at is not None
        if vn_date(listing.verified_at) >= day:
            break
        certs = session.scalars(
            select(Certificate).where(Certificate.product_id == listing.product_id)
        ).all()
        if any(
            c.decision_date < day
            and c.expires_on > day + dt.timedelta(days=200)
            and c.revoked_on is None
            for c in certs
        ):
            return listing
    raise AssertionError("the demo has a listing live since before last month")
