"""The listing link check against a stand-in marketplace on 127.0.0.1."""

import datetime as dt
import time

import pytest
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ocop_tracker import __version__
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.cli import app as cli_app
from ocop_tracker.core.clock import today
from ocop_tracker.core.config import Env, Settings
from ocop_tracker.links import job, outbound
from ocop_tracker.links.models import LinkCheck, Outcome, SubjectKind
from ocop_tracker.onboarding.models import Listing, ListingStatus
from ocop_tracker.sellers.models import SellerAccount, SellerStatus
from tests.conftest import SignIn
from tests.factories import (
    make_listing,
    make_producer,
    make_product,
    make_seller_account,
    unit,
)
from tests.links.conftest import Marketplace


def _listing(session: Session, hamlet: AdminUnit, name: str) -> tuple[Listing, str]:
    """A live voso listing of a new product; its page's path on the marketplace."""
    producer = make_producer(session, hamlet)
    product = make_product(session, producer, name=name, stars=4)
    listing = make_listing(session, product, "voso")
    assert listing.listing_url is not None
    return listing, listing.listing_url.removeprefix("https://voso.vn")


def _check(session: Session, kind: SubjectKind, subject_id: int) -> LinkCheck:
    row = session.scalars(
        select(LinkCheck).where(
            LinkCheck.subject_kind == kind, LinkCheck.subject_id == subject_id
        )
    ).one()
    session.refresh(row)
    return row


def test_each_answer_is_told_apart(
    session: Session, khom3: AdminUnit, market: Marketplace, settings: Settings
) -> None:
    answers = ["ok", "404", "410", "home", "away", "slow", "huge", "500", "loop"]
    made = {}
    for how in answers:
        listing, path = _listing(session, khom3, f"Bánh pía {how}")
        market.routes[path] = how
        made[how] = listing
    session.commit()

    started = time.monotonic()
    summary = job.run(session, settings=settings)
    assert time.monotonic() - started < 15, "bounded in time, whatever answers"

    expected = {
        "ok": (Outcome.ok, 200),
        "404": (Outcome.gone, 404),
        "410": (Outcome.gone, 410),
        "home": (Outcome.home, 200),
        "away": (Outcome.error, None),  # never followed off the marketplace
        "slow": (Outcome.error, None),  # timeout: not gone
        "huge": (Outcome.ok, 200),  # read up to the cap, then let go
        "500": (Outcome.error, 500),
        "loop": (Outcome.error, None),  # too many redirects
    }
    for how, (outcome, status) in expected.items():
        row = _check(session, SubjectKind.listing, made[how].id)
        assert (row.outcome, row.status_code) == (outcome, status), how
        assert row.checked_on == today()
    assert market.count("/steal") == 0, "a redirect to another host is not followed"
    assert market.count("/") == 1, "the home redirect is followed on the marketplace"
    assert market.count(made["loop"].listing_url.removeprefix("https://voso.vn")) == 4  # type: ignore[union-attr]
    assert summary.gone >= 2
    assert summary.home >= 1
    assert summary.errors >= 4
    assert market.user_agents == {
        f"ocop-tracker-linkcheck/{__version__} (+ocop@example.org)"
    }
    # Nothing about the listings changed.
    for listing in made.values():
        session.refresh(listing)
        assert listing.status is ListingStatus.listed


def test_a_url_is_requested_at_most_once_a_day(
    session: Session, khom3: AdminUnit, market: Marketplace, settings: Settings
) -> None:
    _, path = _listing(session, khom3, "Mắm cá linh")
    session.commit()
    first = job.run(session, settings=settings)
    assert first.checked >= 1
    assert market.count(path) == 1
    sent = market.total()

    again = job.run(session, settings=settings)
    assert again.checked == 0
    assert market.total() == sent, "the second run the same day sends nothing"

    tomorrow = job.run(session, settings=settings, day=today() + dt.timedelta(days=1))
    assert tomorrow.checked == first.checked
    assert market.count(path) == 2


def test_limit_and_dry_run(
    session: Session, khom3: AdminUnit, market: Marketplace, settings: Settings
) -> None:
    _listing(session, khom3, "Lạp xưởng tươi")
    _listing(session, khom3, "Bánh in")
    session.commit()
    dry = job.run(session, settings=settings, dry_run=True)
    assert dry.due >= 2
    assert market.total() == 0, "a dry run sends nothing"
    assert "không gửi yêu cầu nào" in dry.text()

    one = job.run(session, settings=settings, limit=1)
    assert one.checked == 1
    assert market.total() == 1


def test_two_bad_days_flag_the_page_and_an_ok_clears_it(
    session: Session,
    khom3: AdminUnit,
    market: Marketplace,
    settings: Settings,
    sign_in: SignIn,
) -> None:
    listing, path = _listing(session, khom3, "Kẹo dừa sáp")
    producer = make_producer(session, khom3, name="Hộ Bà Chín Củ Kiệu")
    account = make_seller_account(session, producer, "voso")
    assert account.shop_url is not None
    shop_path = account.shop_url.removeprefix("https://voso.vn")
    market.routes[path] = "404"
    market.routes[shop_path] = "home"
    anthuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    elsewhere, elsewhere_path = _listing(session, anthuong, "Hành tím Vĩnh Châu")
    market.routes[elsewhere_path] = "410"
    session.commit()
    urls = (listing.listing_url, account.shop_url)
    elsewhere_url, elsewhere_id = elsewhere.listing_url, elsewhere.id
    listing_id, account_id = listing.id, account.id
    c = sign_in("canbo.khom3")

    def flagged() -> list[dict[str, object]]:
        body = c.get("/api/v1/reports/actions").json()
        return [r for r in body["maybe_removed"] if r["url"] in urls]

    yesterday = today() - dt.timedelta(days=1)
    job.run(session, settings=settings, day=yesterday)
    assert flagged() == [], "one bad day is not enough"

    summary = job.run(session, settings=settings)
    assert summary.flagged >= 2
    rows = flagged()
    assert {(r["kind"], r["owner"], r["bad_days"]) for r in rows} == {
        ("listing", "Kẹo dừa sáp", 2),
        ("shop", "Hộ Bà Chín Củ Kiệu", 2),
    }
    assert all(r["since"] == yesterday.isoformat() for r in rows)
    everything = c.get("/api/v1/reports/actions").json()["maybe_removed"]
    assert _check(session, SubjectKind.listing, elsewhere_id).bad_count == 2
    assert elsewhere_url not in {r["url"] for r in everything}, "out of scope"

    page = c.get("/reports/actions")
    assert page.status_code == 200
    assert "Có thể đã bị gỡ khỏi sàn" in page.text
    assert "Kẹo dừa sáp" in page.text
    assert "Gian hàng của Hộ Bà Chín Củ Kiệu" in page.text

    # Flagged only: the listing and the shop are as they were.
    assert session.get_one(Listing, listing_id).status is ListingStatus.listed
    assert session.get_one(SellerAccount, account_id).status is SellerStatus.open

    # A timeout the next day neither clears nor deepens the flag ...
    market.routes[path] = "500"
    market.routes[shop_path] = "ok"
    job.run(session, settings=settings, day=today() + dt.timedelta(days=1))
    assert [(r["kind"], r["bad_days"]) for r in flagged()] == [("listing", 2)]
    # ... an ok answer does.
    market.routes[path] = "ok"
    job.run(session, settings=settings, day=today() + dt.timedelta(days=2))
    assert flagged() == []
    assert _check(session, SubjectKind.listing, listing_id).bad_count == 0


def test_a_host_not_in_data_is_never_requested(
    session: Session, khom3: AdminUnit, market: Marketplace, settings: Settings
) -> None:
    typed = [
        "https://evil.example/x1",  # not a marketplace's domain
        "https://voso.vn.evil.example/x2",  # looks like one
        "http://voso.vn/x3",  # not https
        "https://127.0.0.1/x4",  # an IP literal
        "https://voso.vn:8443/x5",  # another port
        "https://user@voso.vn/x6",  # a user name
    ]
    ids = []
    for n, url in enumerate(typed):
        listing, _ = _listing(session, khom3, f"Khô cá lóc {n}")
        ids.append(listing.id)
        # As if stored before the URL rules, or written around them.
        session.execute(
            update(Listing).where(Listing.id == listing.id).values(listing_url=url)
        )
    session.commit()
    summary = job.run(session, settings=settings)
    assert summary.skipped >= len(typed)
    for n in range(1, len(typed) + 1):
        assert market.count(f"/x{n}") == 0
    assert market.count("/steal") == 0
    stored = session.scalars(
        select(LinkCheck).where(
            LinkCheck.subject_kind == SubjectKind.listing,
            LinkCheck.subject_id.in_(ids),
        )
    ).all()
    assert stored == [], "nothing recorded for a URL never requested"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://voso.vn/san-pham-1-p1.html", True),
        ("https://shop.voso.vn/a", True),
        ("https://VOSO.VN./a", True),
        ("https://notvoso.vn/a", False),
        ("https://voso.vn.evil.example/a", False),
        ("http://voso.vn/a", False),
        ("https://voso.vn:444/a", False),
        ("https://a:b@voso.vn/a", False),
        ("https://203.162.4.191/a", False),
        ("https://[::1]/a", False),
        ("javascript:alert(1)", False),
        ("https:///a", False),
    ],
)
def test_outbound_rules_outside_tests(url: str, allowed: bool) -> None:
    policy = outbound.Policy(user_agent="t", test=False)
    if allowed:
        assert outbound.allowed_host(url, "voso.vn", policy)
    else:
        with pytest.raises(outbound.Refused):
            outbound.allowed_host(url, "voso.vn", policy)


def test_private_addresses_are_refused_outside_tests(market: Marketplace) -> None:
    policy = outbound.Policy(user_agent="t", test=False, timeout_s=0.5)
    # "localhost" passes as the marketplace's own domain here, and still is
    # never requested: it resolves to a loopback address.
    import httpx2

    with httpx2.Client() as client:
        result = outbound.fetch(client, "https://localhost/x", "localhost", policy)
    assert result.outcome is Outcome.error
    assert "private" in result.detail
    assert market.total() == 0


def test_the_test_seam_is_refused_outside_tests() -> None:
    with pytest.raises(ValidationError):
        Settings(
            env=Env.production,
            secret_key="k" * 40,
            link_check_test_origins={"voso.vn": "http://127.0.0.1:9"},
        )
    with pytest.raises(ValueError, match="loopback"):
        outbound.policy_from(
            Settings(
                env=Env.test,
                link_check_test_origins={"voso.vn": "http://10.0.0.1:80"},
            )
        )


def test_the_command_prints_a_vietnamese_summary() -> None:
    result = CliRunner().invoke(cli_app, ["links", "check", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Chạy thử" in result.output
    assert "không gửi yêu cầu nào" in result.output
