"""The flags (a shop open without a product, a dormant shop, a listing without its
first order) and Mobile Money waiting: through ``sellers.flags`` and the action
list's API and page, scoped to the reader's area, in a fixed number of statements."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from sqlalchemy import event
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import PaymentStatus, Producer
from ocop_tracker.sellers import activity as seller_activity
from ocop_tracker.sellers import flags as seller_flags
from ocop_tracker.sellers.models import SellerAccount
from tests.conftest import SignIn
from tests.factories import (
    make_actor,
    make_listing,
    make_producer,
    make_product,
    make_seller_account,
)
from tests.onboarding.conftest import actor
from tests.sellers.conftest import Sellers


def _at(days_ago: int) -> dt.datetime:
    day = clock.today() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(9), tzinfo=clock.VIETNAM)


def _shop(
    session: Session, sellers: Sellers, name: str, days_ago: int
) -> SellerAccount:
    producer = make_producer(session, sellers.hamlet, name=name)
    with time_machine.travel(_at(days_ago), tick=False):
        return make_seller_account(session, producer, "voso")


@contextmanager
def _counted(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        if str(args[2]).startswith("SELECT"):
            seen.append(str(args[2]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_each_rule_flags_what_it_says_and_nothing_else(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    team = actor(session, "thanhvien.khom3")
    quiet = _shop(
        session, sellers, "Hộ Chị Sáu Mắm Cá", 100
    )  # open, no product, no order
    busy = _shop(session, sellers, "Hộ Anh Bảy Bánh Tét", 100)
    # The busy shop sells (an order 10 days ago) and has a live product, 70 days
    # live without its first-order step: only that listing is flagged.
    busy_producer = session.get(Producer, busy.producer_id)
    assert busy_producer is not None
    busy_product = make_product(session, busy_producer, stars=4)
    with time_machine.travel(_at(70), tick=False):
        listing = make_listing(session, busy_product, "voso")
    seller_activity.record_month(
        session,
        team,
        busy,
        month=clock.today() - dt.timedelta(days=10),
        orders=3,
        revenue_vnd=450_000,
        last_order_on=clock.today() - dt.timedelta(days=10),
    )
    fresh = _shop(session, sellers, "Hộ Cô Tám Khô Mực", 5)  # open 5 days: not yet
    mobile = producer_service.add_payment_account(
        session,
        make_actor(session),
        sellers.producer,
        provider="viettel_money",
        status=PaymentStatus.applied,
        sim_in_holder_name=True,
    )
    # Applied 40 days ago: the wait counts from the status's day, not the last edit.
    mobile.status_on = clock.today() - dt.timedelta(days=40)
    session.commit()
    found = {
        s.code: s for s in seller_flags.sections(session, team, None, clock.today())
    }
    no_listing = {f.seller_account_id for f in found["shop_no_listing"].items}
    assert quiet.id in no_listing
    assert busy.id not in no_listing
    assert fresh.id not in no_listing
    dormant = {f.seller_account_id: f for f in found["dormant_shop"].items}
    assert quiet.id in dormant
    assert not {busy.id, fresh.id} & set(dormant)
    assert dormant[quiet.id].days == 100
    assert dormant[quiet.id].last_order_on is None
    late = found["no_first_order"].items
    assert [f.days >= 70 for f in late if f.listing_id == listing.id] == [True]

    # The action list shows them under their sections, with N in the title.
    official = sign_in("canbo.khom3")
    body = official.get("/api/v1/reports/actions").json()
    titles = {g["code"]: g["title"] for g in body["flags"]}
    assert titles == {
        "shop_no_listing": "Gian hàng đã mở nhưng chưa có sản phẩm",
        "dormant_shop": "60 ngày chưa có đơn",
        "no_first_order": "Đã lên sàn nhưng chưa có đơn đầu tiên",
    }
    waiting = {m["producer"]: m for m in body["mobile_money"]}
    assert waiting[sellers.producer.name]["provider"] == "Viettel Money"
    assert waiting[sellers.producer.name]["status"] == "Đã đăng ký, chờ mở"
    assert waiting[sellers.producer.name]["days"] == 40
    assert waiting[sellers.producer.name]["since"] == str(mobile.status_on)
    page = official.get("/reports/actions")
    assert page.status_code == 200
    for words in ("60 ngày chưa có đơn", "Mobile Money đang chờ", "Hộ Chị Sáu Mắm Cá"):
        assert words in page.text

    # Another commune sees none of them.
    other = sign_in("canbo.anthuong")
    theirs = other.get("/api/v1/reports/actions").json()
    shown = {f["producer"] for g in theirs["flags"] for f in g["items"]}
    shown |= {m["producer"] for m in theirs["mobile_money"]}
    assert not shown & {
        "Hộ Chị Sáu Mắm Cá",
        "Hộ Anh Bảy Bánh Tét",
        sellers.producer.name,
    }


def test_an_admin_turns_a_rule_off_and_changes_n(
    session: Session, sellers: Sellers, sign_in: SignIn
) -> None:
    quiet = _shop(session, sellers, "Hộ Chị Sáu Mắm Cá", 40)
    session.commit()
    team = actor(session, "thanhvien.khom3")

    def dormant_ids() -> set[int | None]:
        return {
            f.seller_account_id
            for f in seller_flags.flags(session, team, None, clock.today())
            if f.code == "dormant_shop"
        }

    assert quiet.id not in dormant_ids()  # 40 days < 60
    admin = sign_in("admin")
    assert (
        admin.put(
            "/api/v1/seller-flag-rules/dormant_shop", json={"days": 30}
        ).status_code
        == 200
    )
    assert quiet.id in dormant_ids()
    body = admin.get("/api/v1/reports/actions").json()
    assert "30 ngày chưa có đơn" in [g["title"] for g in body["flags"]]
    admin.put("/api/v1/seller-flag-rules/dormant_shop", json={"is_active": False})
    assert dormant_ids() == set()


def test_the_flags_cost_the_same_statements_whatever_their_number(
    session: Session, sellers: Sellers
) -> None:
    team = actor(session, "thanhvien.khom3")
    _shop(session, sellers, "Hộ Một", 100)
    session.commit()
    with _counted(session) as few:
        seller_flags.flags(session, team, None, clock.today())
    for n in range(4):
        _shop(session, sellers, f"Hộ Thêm {n}", 100)
    session.commit()
    with _counted(session) as many:
        assert len(seller_flags.flags(session, team, None, clock.today())) >= 10
    assert len(many) == len(few) <= 4
