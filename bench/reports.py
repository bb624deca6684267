"""Coverage reports at national scale: kept counts against a recount (issue #7).

On a throwaway database (SQLite, then PostgreSQL): the schema by Alembic, both
editions of the official lists for the whole country, synthetic hamlets
(``bench/datagen.py``) and a catalog generated in bulk with SQLAlchemy Core
(``bench/catalog.py``: producers, products — 90 % OCOP —, certificates
2019→today, a listing on voso and postmart each). Bulk Core inserts bypass the
ORM listener that keeps the ledger in step, so the ledger is then built in
bulk with ``reports.segments.rebuild()`` — the same function an operator runs
after an upgrade or a bulk load (``ocop-tracker reports rebuild``): segments
per product and producer computed in Python in chunks of 5,000, then the
counts from one GROUP BY over the segments, rolled up the tree.

Then, through the HTTP stack (Starlette's TestClient over the real app and a
bearer token, so routing, auth, scope, JSON are all paid for):

- coverage of a province and of the whole country today (goal ≤ 20 ms p50),
  next to the recount of the same figure straight from products, certificates
  and listings (EXISTS over the subtree) — the ratio is recount / kept;
- coverage of a province and of the country as of a past date (≤ 1 s), read
  from the nearest checkpoint that keeps the area (the country: every day;
  provinces: each month's end, 8th, 15th and 22nd; communes: month ends) plus
  or minus the segments that start or end in between (the date is the one of
  its month farthest from a provinces' checkpoint: the widest window), next to the GROUP BY over every segment open that day (the way
  before checkpoints) — the ratio is that GROUP BY / the checkpoint read;
- the sellers block and 12 months of activity (issue #16, ``bench/sellers.py``
  generates seller and e-payment accounts and activity beside the catalog):
  checked against a recount from ``seller_accounts`` and ``seller_activity``,
  then their own kept reads timed (≤ 10 ms p50) next to the activity counted
  from the rows; as of a past date they come with the coverage read above,
  whose figures are checked against the segments;
- the monthly report PDF of a province (≤ 3 s);
- one listing change kept in step (ORM flush through the listener), rolled back;
- one shop suspended with its month's orders reported, kept in step, rolled back.

Run on its own: ``.venv/bin/python -m bench.reports [--products N] [--hamlets N]``.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exists, func, select, text
from sqlalchemy.orm import Session

from bench import datagen
from bench.catalog import CatalogBenchConfig, _generate_catalog
from bench.databases import (
    DEFAULT_PG_URL,
    PostgresUnavailable,
    postgres_database,
    sqlite_database,
)
from bench.drills.common import free_port, running
from bench.report import Row, fmt_int, fmt_num, markdown_table, once_row
from bench.sellers import generate_sellers
from bench.timing import timed
from bench.training import generate_training
from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Edition, Level
from ocop_tracker.auth import service as auth_service
from ocop_tracker.core import clock
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import (
    get_engine,
    get_read_sessionmaker,
    get_sessionmaker,
    make_engine,
    without_time_limits,
)
from ocop_tracker.core.migrate import upgrade
from ocop_tracker.onboarding.models import Listing, ListingStatus
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products.models import Certificate, Product, ProductKind
from ocop_tracker.reports import activity as ledger_activity
from ocop_tracker.reports import checkpoints, ledger, segments, views
from ocop_tracker.reports import listener as ledger_listener
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports import training as ledger_training
from ocop_tracker.reports.models import NATION
from ocop_tracker.sellers.models import SellerAccount, SellerActivity, SellerStatus
from ocop_tracker.teams.models import TeamMember
from ocop_tracker.training.models import TrainingAttendee, TrainingSession
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role

Log = Callable[[str], None]
PASSWORD = "gio-dong-nam-mua-lua-chin"


def _log(message: str) -> None:
    sys.stderr.write(f"[bench.reports] {message}\n")
    sys.stderr.flush()


def _samples(
    fn: Callable[[], object], runs: int, budget_s: float, warmup: int = 2
) -> list[float]:
    for _ in range(warmup):
        fn()
    out: list[float] = []
    deadline = time.perf_counter() + budget_s
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
        if time.perf_counter() > deadline:
            break
    return out


def _p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _row(
    name: str,
    database: str,
    values: Sequence[float],
    *,
    goal: str = "",
    goal_ms: float | None = None,
    notes: str = "",
    ratio: str = "",
) -> Row:
    p50 = statistics.median(values) * 1000
    if goal_ms is not None and not ratio:
        ratio = f"{p50 / goal_ms:.2f}× goal"
    return Row(
        name,
        database,
        count=f"{len(values)} runs",
        value=fmt_num(p50),
        p95=fmt_num(_p(values, 95) * 1000),
        notes="ms" + (f"; {notes}" if notes else ""),
        goal=goal,
        ratio=ratio,
    )


def recount(session: Session, area_id: int, day: dt.date) -> tuple[int, int]:
    """Valid OCOP products and those listed, straight from the rows (the slow way)."""
    valid = exists().where(
        Certificate.product_id == Product.id,
        Certificate.decision_date <= day,
        Certificate.expires_on >= day,
        (Certificate.revoked_on.is_(None)) | (Certificate.revoked_on > day),
    )
    live = exists().where(
        Listing.product_id == Product.id, Listing.status == ListingStatus.listed
    )
    base = (
        select(func.count())
        .select_from(Product)
        .where(Product.kind == ProductKind.ocop, valid)
    )
    if area_id != NATION:
        base = base.where(
            Product.hamlet_id.in_(area_repository.subtree_ids(area_id, day=day))
        )
    total = session.scalar(base) or 0
    listed = session.scalar(base.where(live)) or 0
    return total, listed


def run(
    url: str,
    database: str,
    *,
    products: int,
    hamlets: int,
    budget_s: float,
    log: Log = _log,
) -> list[Row]:
    """Every reports benchmark on the empty database at ``url``."""
    rows: list[Row] = []
    log(f"{database}: schema, official lists, {fmt_int(hamlets)} hamlets")
    upgrade("head", url=url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for edition in (Edition.e2022, Edition.e2025):
                area_service.import_edition(session, edition=edition)
                session.commit()
            datagen.generate_hamlets(session, count=hamlets, edition=Edition.e2025)
            session.commit()
        log(f"{database}: generate {fmt_int(products)} products (bulk Core)")
        config = CatalogBenchConfig(products=products)
        with Session(engine) as session:
            counts, seconds = timed(lambda: _generate_catalog(session, config))
            session.commit()
        rows.append(
            Row(
                "reports: catalog generated (bulk Core)",
                database,
                count=f"{fmt_int(counts['products'])} products",
                value=fmt_num(seconds),
                notes=f"s; {fmt_int(counts['producers'])} producers, "
                f"{fmt_int(counts['certificates'])} certificates, "
                f"{fmt_int(counts['listings'])} listings",
            )
        )
        log(f"{database}: seller and e-payment accounts, 12 months of activity")
        with Session(engine) as session:
            made, seconds = timed(lambda: generate_sellers(session))
            session.commit()
        rows.append(
            Row(
                "reports: seller accounts and activity generated (bulk Core)",
                database,
                count=f"{fmt_int(made['seller_accounts'])} seller accounts",
                value=fmt_num(seconds),
                notes=f"s; {fmt_int(made['open_shops'])} open shops, "
                f"{fmt_int(made['payments'])} e-payment accounts, "
                f"{fmt_int(made['activity'])} activity rows",
            )
        )
        log(f"{database}: teams, training sessions and coaching visits")
        with Session(engine) as session:
            trained, seconds = timed(lambda: generate_training(session))
            session.commit()
        rows.append(
            Row(
                "reports: teams and training generated (bulk Core)",
                database,
                count=f"{fmt_int(trained['sessions'])} sessions",
                value=fmt_num(seconds),
                notes=f"s; {fmt_int(trained['members'])} team members, "
                f"{fmt_int(trained['attendees'])} attendees, "
                f"{fmt_int(trained['visits'])} coaching visits",
            )
        )
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                # The whole database at 500,000 products outlasts the limit
                # that guards requests (a whole run stopped here).
                without_time_limits(conn)
                conn.execute(text("ANALYZE"))
        log(f"{database}: build the ledger in bulk (reports.segments.rebuild)")
        with engine.begin() as conn:
            built, seconds = timed(lambda: segments.rebuild(conn))
        rows.append(
            once_row(
                "reports: ledger rebuilt from scratch",
                database,
                items=counts["products"] + counts["producers"],
                seconds=seconds,
                what="subjects",
            )
        )
        rows[-1] = Row(
            rows[-1].benchmark,
            database,
            rows[-1].count,
            rows[-1].value,
            notes=f"{rows[-1].notes}; {fmt_int(built['segments'])} segments, "
            f"{fmt_int(_checkpoint_rows(engine))} checkpoint rows",
        )
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                # The whole database at 500,000 products outlasts the limit
                # that guards requests (a whole run stopped here).
                without_time_limits(conn)
                conn.execute(text("ANALYZE"))
        rows += _reads(url, engine, database, budget_s, log)
    finally:
        engine.dispose()
    return rows


def farthest_from_checkpoints(near: dt.date) -> dt.date:
    """The day of ``near``'s month farthest from a checkpoint that keeps the
    provinces (the worst case for a checkpoint read: the most days of changes
    to add; the country keeps one every day)."""
    first = near.replace(day=1)
    days = [
        d
        for d in checkpoints.calendar_days(
            first - dt.timedelta(days=1), first + dt.timedelta(days=40)
        )
        if checkpoints.holds_on(d, tree_change=False) <= checkpoints.PROVINCES
    ]

    def gap(day: dt.date) -> int:
        return min(abs((day - d).days) for d in days)

    month = [first + dt.timedelta(days=i) for i in range(28)]
    return max(month, key=lambda d: (gap(d), d))


def recount_sellers(session: Session, area_id: int) -> dict[str, int]:
    """Producers with an open shop (any, per marketplace) today, from the rows."""
    stmt = (
        select(SellerAccount.marketplace_id, func.count(SellerAccount.producer_id))
        .where(SellerAccount.status == SellerStatus.open)
        .group_by(SellerAccount.marketplace_id)
    )
    anyone = select(func.count(func.distinct(SellerAccount.producer_id))).where(
        SellerAccount.status == SellerStatus.open
    )
    if area_id != NATION:
        under = area_repository.subtree_ids(area_id, day=clock.today())
        stmt = stmt.where(SellerAccount.hamlet_id.in_(under))
        anyone = anyone.where(SellerAccount.hamlet_id.in_(under))
    out = {f"shop.{m}": int(n) for m, n in session.execute(stmt)}
    out["shop"] = int(session.scalar(anyone) or 0)
    return out


def _sellers_rows(
    engine: Engine,
    database: str,
    label: str,
    area: int,
    body: dict[str, Any],
    budget_s: float,
) -> list[Row]:
    """The sellers block and activity equal a recount; their own read, timed."""
    sellers = body["sellers"]
    today = clock.today()
    months = report_service.activity_months(today)
    with Session(engine) as session:
        want = recount_sellers(session, area)
        got = {
            f"shop.{m['marketplace_id']}": m["open"]
            for m in sellers["shop_by_marketplace"]
        }
        got["shop"] = sellers["shop_any"]
        assert {k: v for k, v in got.items() if v} == {
            k: v for k, v in want.items() if v
        }, ("the kept shops must equal the recount", got, want)
        conn = session.connection()
        slow_activity = ledger_activity.recount(conn, area, months)
        for month in body["activity"]:
            s = slow_activity[dt.date.fromisoformat(month["month"])]
            assert (s.active_shops, s.orders, s.revenue_vnd) == (
                month["active_shops"],
                month["orders"],
                month["revenue_vnd"],
            ), ("the kept activity must equal the recount", month)
        names = views_metric_names(body)

        def kept() -> None:
            views.read(conn, [area], today, names)
            views.activity(conn, area, months)

        fast = _samples(kept, 60, budget_s)
        slow = _samples(
            partial(ledger_activity.recount, conn, area, months), 3, budget_s, warmup=0
        )
    return [
        _row(
            f"reports: sellers + 12 months of activity today, {label}, kept reads",
            database,
            fast,
            goal="≤ 10 ms p50",
            goal_ms=10.0,
            notes=f"{fmt_int(sellers['shop_any'])} producers with a shop, "
            f"{fmt_int(sellers['shop_paying'])} with shop and e-payment; "
            "equal the recount",
            ratio=f"activity from rows {fmt_num(statistics.median(slow) * 1000)} ms = "
            f"{statistics.median(slow) / statistics.median(fast):,.0f}× slower",
        )
    ]


def recount_trained(session: Session, area_id: int) -> dict[str, int]:
    """Households holding OCOP today and those trained; team members and those
    trained — straight from the rows (EXISTS over products, certificates and
    attendance)."""
    day = clock.today()
    holds = exists().where(
        Product.producer_id == Producer.id,
        Product.kind == ProductKind.ocop,
        exists().where(
            Certificate.product_id == Product.id,
            Certificate.decision_date <= day,
            Certificate.expires_on >= day,
            (Certificate.revoked_on.is_(None)) | (Certificate.revoked_on > day),
        ),
    )

    def came(column: Any, key: Any) -> Any:
        return exists().where(
            column == key,
            TrainingSession.id == TrainingAttendee.session_id,
            TrainingSession.held_on <= day,
        )

    households = (
        select(func.count())
        .select_from(Producer)
        .where(Producer.kind == ProducerKind.household, holds)
    )
    members = select(func.count()).select_from(TeamMember)
    if area_id != NATION:
        under = area_repository.subtree_ids(area_id, day=day)
        households = households.where(Producer.hamlet_id.in_(under))
        members = members.where(TeamMember.hamlet_id.in_(under))
    return {
        "households_ocop": int(session.scalar(households) or 0),
        "households_ocop_trained": int(
            session.scalar(
                households.where(came(TrainingAttendee.producer_id, Producer.id))
            )
            or 0
        ),
        "members": int(session.scalar(members) or 0),
        "members_trained": int(
            session.scalar(
                members.where(came(TrainingAttendee.member_id, TeamMember.id))
            )
            or 0
        ),
    }


TRAINING_METRICS = [
    "producers.kind.household.ocop",
    "producers.kind.household.ocop.trained",
    "producers.trained",
    "members",
    "members.trained",
]


def _training_rows(
    engine: Engine,
    database: str,
    label: str,
    area: int,
    body: dict[str, Any],
    budget_s: float,
) -> list[Row]:
    """The training block and its 12 months equal a recount; their kept reads, timed."""
    training = body["training"]
    today = clock.today()
    months = report_service.activity_months(today)
    with Session(engine) as session:
        want = recount_trained(session, area)
        got = {k: training[k] for k in want}
        assert got == want, ("the kept training figures must equal the recount", got)
        conn = session.connection()
        by_rows = ledger_training.recount(conn, area, months)
        for month in training["months"]:
            s = by_rows[dt.date.fromisoformat(month["month"])]
            assert (s.sessions, s.attendees, s.coaching_visits) == (
                month["sessions"],
                month["attendees"],
                month["coaching_visits"],
            ), ("the kept training months must equal the recount", month)

        def kept() -> None:
            views.read(conn, [area], today, TRAINING_METRICS)
            views.training(conn, area, months)

        fast = _samples(kept, 60, budget_s)
        slow = _samples(partial(recount_trained, session, area), 3, budget_s, warmup=0)
        slow_months = _samples(
            partial(ledger_training.recount, conn, area, months), 3, budget_s, warmup=0
        )
    recounted = statistics.median(slow) + statistics.median(slow_months)
    return [
        _row(
            f"reports: training today + 12 months, {label}, kept reads",
            database,
            fast,
            goal="≤ 10 ms p50",
            goal_ms=10.0,
            notes=f"{fmt_int(want['households_ocop_trained'])}/"
            f"{fmt_int(want['households_ocop'])} OCOP households trained, "
            f"{fmt_int(want['members_trained'])}/{fmt_int(want['members'])} "
            "team members; equal the recount",
            ratio=f"from rows {fmt_num(recounted * 1000)} ms = "
            f"{recounted / statistics.median(fast):,.0f}× slower",
        )
    ]


def views_metric_names(body: dict[str, Any]) -> list[str]:
    """The ledger figures the sellers block is built from."""
    names = ["producers", "producers.paying", "producers.shop", "producers.shop.both"]
    names += ["producers.shop_paying", "producers.kind.household"]
    names += ["producers.kind.household.shop_paying"]
    names += [
        f"producers.shop.{m['marketplace_id']}"
        for m in body["sellers"]["shop_by_marketplace"]
    ]
    return names


def _checkpoint_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(select(func.count()).select_from(ledger.CHECKPOINTS)) or 0
        )


def _reads(
    url: str, engine: Engine, database: str, budget_s: float, log: Log
) -> list[Row]:
    from fastapi.testclient import TestClient

    from ocop_tracker.main import create_app

    os.environ["OCOP_DATABASE_URL"] = url
    os.environ.setdefault("OCOP_ENV", "development")
    get_settings.cache_clear()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    get_read_sessionmaker.cache_clear()
    today = clock.today()
    with Session(engine) as session:
        admin, _ = user_service.create_user(
            session,
            None,
            login="bench.reports",
            display_name="Bench",
            role=Role.admin,
            area_id=None,
            password=PASSWORD,
        )
        token, _ = auth_service.create_token(session, admin, name="bench")
        session.commit()
        # The province with the most hamlets (Hà Nội-sized subtrees are the worst case).
        province_id, province = session.execute(
            select(AdminUnit.id, AdminUnit.name)
            .join(
                AdminUnitLink,
                AdminUnitLink.ancestor_id == AdminUnit.id,
            )
            .where(
                AdminUnit.level == Level.province, AdminUnit.edition == Edition.e2025
            )
            .group_by(AdminUnit.id, AdminUnit.name)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    app = create_app()
    rows: list[Row] = []
    past = farthest_from_checkpoints(today - dt.timedelta(days=200))
    month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    with TestClient(app, base_url="https://127.0.0.1") as client:
        client.headers["authorization"] = f"Bearer {token}"

        def get(params: dict[str, Any], path: str = "/api/v1/reports/coverage") -> Any:
            r = client.get(path, params=params)
            assert r.status_code == 200, r.text[:300]
            return r

        floor = _samples(lambda: get({}, "/api/v1/me"), 60, budget_s)
        rows.append(
            _row(
                "reports: floor — GET /api/v1/me through the same client",
                database,
                floor,
                notes="bearer token, one user lookup: the HTTP stack's own cost",
            )
        )
        for label, area in (
            (f"province ({province})", province_id),
            ("whole country", NATION),
        ):
            log(f"{database}: coverage of the {label}")
            body = get({"area_id": area}).json()
            assert body["source"] == "counts"
            kept = _samples(partial(get, {"area_id": area}), 60, budget_s)
            with Session(engine) as session:
                where = report_service.Area(
                    area, session.get(AdminUnit, area) if area else None
                )

                def computed(where: report_service.Area = where) -> None:
                    report_service.KEPT_ANSWERS.clear()
                    report_service.coverage_of(session, where, today)

                direct = _samples(computed, 60, budget_s)
            rows.append(
                _row(
                    f"reports: coverage today, {label}, service call, computed "
                    "(no HTTP)",
                    database,
                    direct,
                    notes="stamp + counts + children + labels, Pydantic models "
                    "built (the kept answer dropped before each call)",
                )
            )

            def fresh(area: int = area) -> None:
                report_service.KEPT_ANSWERS.clear()
                get({"area_id": area})

            missed = _samples(fresh, 60, budget_s)
            rows.append(
                _row(
                    f"reports: coverage today, {label}, through the API, computed",
                    database,
                    missed,
                    goal="≤ 10 ms p50",
                    notes="as after a commit under the area: the kept answer "
                    "dropped before each call",
                )
            )
            with Session(engine) as session:
                total, listed = recount(session, area, today)
                assert (total, listed) == (
                    body["ocop"]["total"],
                    body["ocop"]["listed"],
                ), (
                    "the kept counts must equal the recount",
                    (total, listed),
                    body["ocop"],
                )
                slow = _samples(
                    partial(recount, session, area, today), 5, budget_s, warmup=1
                )
            ratio = (
                f"recount {fmt_num(statistics.median(slow) * 1000)} ms = "
                f"{statistics.median(slow) / statistics.median(kept):,.0f}× slower"
            )
            rows.append(
                _row(
                    f"reports: coverage today, {label}, through the API, kept answer",
                    database,
                    kept,
                    goal="≤ 10 ms p50",
                    notes=f"{fmt_int(total)} valid OCOP, {fmt_int(listed)} listed; "
                    f"{len(body['by_child'])} children; equals recount",
                    ratio=ratio,
                )
            )
            rows += _sellers_rows(engine, database, label, area, body, budget_s)
            rows += _training_rows(engine, database, label, area, body, budget_s)
            rows.append(
                _row(
                    f"reports: recount from rows, {label}",
                    database,
                    slow,
                    notes="EXISTS over certificates and listings in the subtree",
                )
            )
            log(f"{database}: coverage of the {label} as of {past}")
            old = _samples(
                partial(get, {"area_id": area, "as_of": past.isoformat()}),
                10,
                budget_s,
                warmup=1,
            )
            with Session(engine) as session:
                body_past = get({"area_id": area, "as_of": past.isoformat()}).json()
                assert body_past["source"] == "checkpoints", body_past["source"]
                want = recount(session, area, past)
                assert want[0] == body_past["ocop"]["total"], (want, body_past["ocop"])
                conn = session.connection()
                children = [c["area_id"] for c in body_past["by_child"]]
                ids = [area, *children]
                own = views.read_checkpoints(conn, [area], past)
                kids = views.read_checkpoints(
                    conn, children, past, report_service.CHILD_LINE
                )
                assert own is not None
                assert kids is not None
                slow_figures = views.read_segments(conn, ids, past)
                for a, want_figures in slow_figures.items():
                    got = own[a] if a == area else kids[a]
                    keys = None if a == area else set(report_service.CHILD_LINE)
                    assert {
                        k: v
                        for k, v in got.items()
                        if v and (keys is None or k in keys)
                    } == {
                        k: v
                        for k, v in want_figures.items()
                        if v and (keys is None or k in keys)
                    }, ("checkpoint figures must equal the segment GROUP BY", a)
                grouped = _samples(
                    partial(views.read_segments, conn, ids, past),
                    3,
                    budget_s,
                    warmup=0,
                )
            rows.append(
                _row(
                    f"reports: coverage as of {past}, {label}, through the API",
                    database,
                    old,
                    goal="≤ 1 s",
                    goal_ms=1000.0,
                    notes="nearest checkpoint ± the segment changes up to it, for "
                    "the area and its children; equals the segment GROUP BY and "
                    "the recount",
                    ratio=(
                        f"GROUP BY over open segments "
                        f"{fmt_num(statistics.median(grouped) * 1000)} ms = "
                        f"{statistics.median(grouped) / statistics.median(old):,.0f}×"
                        " slower"
                    ),
                )
            )
        log(f"{database}: monthly PDF of the province")
        pdf = _samples(
            lambda: get(
                {"area_id": province_id, "month": month, "format": "pdf"},
                "/api/v1/reports/monthly",
            ),
            5,
            budget_s,
            warmup=1,
        )
        rows.append(
            _row(
                f"reports: monthly report PDF {month}, province, through the API",
                database,
                pdf,
                goal="≤ 3 s",
                goal_ms=3000.0,
                notes="coverage + trend + teams + 2 charts",
            )
        )
    rows += _served(
        url,
        database,
        token,
        [(f"province ({province})", province_id), ("whole country", NATION)],
        budget_s,
        log,
    )
    rows.append(_write_cost(engine, database, budget_s))
    rows.append(_seller_write_cost(engine, database, budget_s))
    return rows


def _served(
    url: str,
    database: str,
    token: str,
    areas: Sequence[tuple[str, int]],
    budget_s: float,
    log: Log,
) -> list[Row]:
    """Coverage through a real server: ``uvicorn`` (one worker, as ``serve``
    runs it) and a client on one kept-alive connection, as a dashboard's
    browser or another system calls the API. The TestClient rows above add
    its own thread hand-offs, which no client pays."""
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "ocop_tracker.main:create_app",
        "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    rows: list[Row] = []
    with (
        tempfile.TemporaryDirectory() as logs,
        running(
            command,
            {**os.environ, "OCOP_DATABASE_URL": url},
            port,
            Path(logs) / "server.log",
        ),
    ):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {
            "authorization": f"Bearer {token}",
            "accept-encoding": "br, gzip",
            "host": "127.0.0.1",
            "x-forwarded-proto": "https",
        }

        def get(path: str) -> None:
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            body = answer.read()
            assert answer.status == 200, (answer.status, body[:300])

        log(f"{database}: coverage through uvicorn")
        floor = _samples(lambda: get("/api/v1/me"), 300, budget_s, warmup=20)
        rows.append(
            _row(
                "reports: floor — GET /api/v1/me through uvicorn",
                database,
                floor,
                notes="one worker, one kept-alive connection, brotli",
            )
        )
        for label, area in areas:
            path = f"/api/v1/reports/coverage?area_id={area}"
            served = _samples(partial(get, path), 300, budget_s, warmup=20)
            rows.append(
                _row(
                    f"reports: coverage today, {label}, through uvicorn",
                    database,
                    served,
                    goal="≤ 10 ms p50",
                    goal_ms=10.0,
                    notes="the same answer as the TestClient row above",
                )
            )
    return rows


def _write_cost(engine: Engine, database: str, budget_s: float) -> Row:
    """One listing going live, with its product's ledger kept in step (then rolled back)."""
    rng = random.Random(7)
    with Session(engine) as session:
        ids = session.scalars(
            select(Listing.id)
            .where(Listing.status == ListingStatus.in_progress)
            .limit(500)
        ).all()
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    for listing_id in rng.sample(list(ids), min(len(ids), 60)):
        with Session(engine) as session:
            listing = session.get_one(Listing, listing_id)
            start = time.perf_counter()
            listing.status = ListingStatus.listed
            listing.verified_at = dt.datetime.now(dt.UTC)
            ledger_listener.sync(session)  # what commit runs: flush + ledger refresh
            samples.append(time.perf_counter() - start)
            session.rollback()
        if time.perf_counter() > deadline:
            break
    return _row(
        "reports: one listing change kept in step (flush + ledger)",
        database,
        samples,
        notes="ORM flush incl. audit event, then the ledger refresh commit runs",
    )


def _seller_write_cost(engine: Engine, database: str, budget_s: float) -> Row:
    """A shop suspended and its month's orders reported, kept in step (rolled back)."""
    rng = random.Random(16)
    month = clock.today().replace(day=1)
    with Session(engine) as session:
        ids = session.scalars(
            select(SellerAccount.id)
            .where(SellerAccount.status == SellerStatus.open)
            .limit(500)
        ).all()
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    for account_id in rng.sample(list(ids), min(len(ids), 60)):
        with Session(engine) as session:
            account = session.get_one(SellerAccount, account_id)
            start = time.perf_counter()
            account.status = SellerStatus.suspended
            account.status_on = clock.today()
            row = session.scalar(
                select(SellerActivity).where(
                    SellerActivity.seller_account_id == account_id,
                    SellerActivity.month == month,
                )
            )
            if row is None:
                session.add(
                    SellerActivity(
                        seller_account_id=account_id,
                        hamlet_id=account.hamlet_id,
                        month=month,
                        orders=3,
                        revenue_vnd=450_000,
                    )
                )
            else:
                row.orders += 3
                row.revenue_vnd += 450_000
            ledger_listener.sync(session)
            samples.append(time.perf_counter() - start)
            session.rollback()
        if time.perf_counter() > deadline:
            break
    return _row(
        "reports: a shop suspended + its month's orders, kept in step",
        database,
        samples,
        notes="ORM flush incl. audit events, producer segments and the hamlet's "
        "activity recounted, posted up the tree",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run on SQLite then PostgreSQL and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.reports")
    parser.add_argument("--products", type=int, default=500_000)
    parser.add_argument("--hamlets", type=int, default=80_000)
    parser.add_argument("--budget", type=float, default=20.0)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--pg-url", default=os.environ.get("OCOP_BENCH_PG_URL", DEFAULT_PG_URL)
    )
    args = parser.parse_args(argv)
    rows: list[Row] = []
    common = {
        "products": args.products,
        "hamlets": args.hamlets,
        "budget_s": args.budget,
    }
    if args.only != "postgres":
        with sqlite_database() as url:
            rows += run(url, "sqlite", **common)
    if args.only != "sqlite":
        try:
            with postgres_database(args.pg_url) as url:
                rows += run(url, "postgresql", **common)
        except PostgresUnavailable as exc:
            _log(f"PostgreSQL skipped: {exc}")
    sys.stdout.write(markdown_table(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
