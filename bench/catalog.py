"""Benchmarks of the catalog (issue #4): the OCOP list import, lists, ``as_of`` reads.

Runs on a database that ``bench.areas`` has already filled (official lists and
synthetic hamlets), in three parts:

1. The official-list import through the real code path: an XLSX written with
   openpyxl, ``imports.reader.read_rows()``, then ``imports.service.import_rows()``
   as an admin, once as a dry run and once for real (committed).
2. A catalog generated in bulk with SQLAlchemy Core (producers, products,
   certificates, listings on voso and postmart), then ``products.service
   .list_products()`` and ``onboarding.views.list_listings()`` as department
   users (one province each).
3. Products written through the services with a backdated audit clock, so that
   they have a history, then ``products.service.product_as_of()`` on past days.
"""

import base64
import datetime as dt
import gc
import io
import random
import statistics
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from sqlalchemy import (
    ARRAY,
    Engine,
    Enum,
    String,
    Table,
    TypeDecorator,
    bindparam,
    column,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from bench import datagen
from bench.report import Row, fmt_int, fmt_num, once_row, samples_row
from bench.timing import measure, timed
from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, Edition, Level
from ocop_tracker.audit import context as audit_context
from ocop_tracker.audit import listener as audit_listener
from ocop_tracker.core import clock
from ocop_tracker.core.base import name_key
from ocop_tracker.core.db import make_engine, without_time_limits
from ocop_tracker.core.text import fold
from ocop_tracker.imports import reader
from ocop_tracker.imports import service as import_service
from ocop_tracker.models import Base
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import ListingStatus, Marketplace
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import ProducerKind
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import CertLevel, OcopGroup, ProductKind
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role, User

Log = Callable[[str], None]

PASSWORD = "a long bench password 2026"
HEADER = (
    "Tên sản phẩm",
    "Chủ thể",
    "Loại hình chủ thể",
    "Số điện thoại",
    "Mã xã",
    "Khóm/Ấp",
    "Số sao",
    "Số quyết định",
    "Ngày quyết định",
    "Cơ quan công nhận",
    "Cấp công nhận",
)
PRODUCT_WORDS = (
    "Bánh pía",
    "Mật ong rừng",
    "Khô cá lóc",
    "Gạo ST25",
    "Trà mãng cầu",
    "Nước mắm",
    "Kẹo dừa",
    "Tôm khô",
    "Bột sen",
    "Rượu nếp",
    "Chả cá thác lác",
    "Cà phê rang xay",
    "Bưởi da xanh",
    "Nem chua",
    "Lạp xưởng",
    "Muối tôm",
)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Thị Dung", "Hữu Phước", "Thanh Tâm")
# (text of "Loại hình chủ thể", producer kind, name prefix)
PRODUCER_KINDS = (
    ("Hộ kinh doanh", ProducerKind.household, "Hộ kinh doanh"),
    ("Hợp tác xã", ProducerKind.cooperative, "HTX"),
    ("Doanh nghiệp", ProducerKind.enterprise, "Công ty TNHH"),
    ("Tổ hợp tác", ProducerKind.cooperative_group, "Tổ hợp tác"),
)
# What the list benchmarks search for (folded, as a person types it).
QUERIES = ("banh pia", "mat ong", "tra", "gao st25", "nuoc mam", "nguyen", "kho ca")
STANDINGS = ("valid", "expiring", "expired", "revoked", "none")
PHONE_PREFIXES = ("090", "091", "093", "094", "096", "097", "098")
# Listing statuses of the generated catalog, with their weights.
LISTING_MIX = (
    (ListingStatus.in_progress, 40),
    (ListingStatus.awaiting_verification, 15),
    (ListingStatus.listed, 30),
    (ListingStatus.rejected, 5),
    (ListingStatus.delisted, 10),
)
# A product's own steps (the shop and e-payment are the producer's, issue 16).
STEP_CODES = ("photos", "listing", "first_order", "quality")
BATCH = 5_000

_PRODUCERS: Table = Base.metadata.tables["producers"]
_PRODUCTS: Table = Base.metadata.tables["products"]
_CERTIFICATES: Table = Base.metadata.tables["certificates"]
_LISTINGS: Table = Base.metadata.tables["listings"]


@dataclass(frozen=True)
class CatalogBenchConfig:
    """How much data and how many runs."""

    import_rows: int = 2_000
    # Rows of the separate, traced dry run that measures the importer's memory.
    products: int = 50_000
    # Each generated product gets a listing on this many marketplaces (≤ 2).
    marketplaces_per_product: int = 2
    history_products: int = 200
    departments: int = 4
    edition: Edition = Edition.e2025
    seed: int = datagen.SEED
    budget_s: float = 20.0
    list_runs: int = 40
    as_of_runs: int = 100
    warmup: int = 3


def run(url: str, database: str, config: CatalogBenchConfig, log: Log) -> list[Row]:
    """Every catalog benchmark against the database at ``url`` (areas already in)."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            admin, _ = user_service.create_user(
                session,
                None,
                login="bench.admin",
                display_name="Bench",
                role=Role.admin,
                area_id=None,
                password=PASSWORD,
            )
            session.commit()
            admin_id = admin.id
        rows = _import(engine, database, config, admin_id, log)
        departments = _departments(engine, config, log)
        rows += _generate(engine, database, config, log)
        rows += _history(engine, database, config, admin_id, departments, log)
        if engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk insert (since PostgreSQL
            # 13 inserts alone start it): statistics, and the visibility map
            # without which no index-only scan can skip the table's rows.
            with engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as conn:
                conn.execute(text("VACUUM ANALYZE"))
        rows += _lists(engine, database, config, departments, log)
        rows += _as_of(engine, database, config, departments, log)
    finally:
        engine.dispose()
    return rows


# --- memory ---------------------------------------------------------------------------


@contextmanager
def _traced_peak() -> Iterator[list[float]]:
    """Peak Python heap growth in MiB during the block (tracemalloc; slows the block)."""
    out = [0.0]
    gc.collect()
    tracemalloc.start()
    try:
        yield out
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[0] = peak / 2**20


# --- 1. the OCOP list import ---------------------------------------------------------


def _import(
    engine: Engine, database: str, config: CatalogBenchConfig, admin_id: int, log: Log
) -> list[Row]:
    rng = random.Random(config.seed + 10)
    with Session(engine) as session:
        commune = aliased(AdminUnit)
        hamlets = session.execute(
            select(AdminUnit.name, commune.code)
            .join(commune, commune.id == AdminUnit.parent_id)
            .where(
                AdminUnit.level == Level.hamlet,
                AdminUnit.edition == config.edition,
            )
            .order_by(AdminUnit.id)
        ).all()
    spread = rng.sample(hamlets, min(len(hamlets), max(1, config.import_rows // 4)))
    data = _xlsx(rng, [(str(code), name) for name, code in spread], config.import_rows)
    log(
        f"{database}: import {fmt_int(config.import_rows)} OCOP rows "
        f"({len(data) / 2**20:.1f} MiB XLSX, {fmt_int(len(spread))} hamlets)"
    )
    rows: list[Row] = []
    read, seconds = timed(lambda: reader.read_rows(data, "x.xlsx"))
    with _traced_peak() as memory:  # a second, untimed read
        reader.read_rows(data, "x.xlsx")
    row = once_row(
        "import XLSX: imports.reader.read_rows()",
        database,
        items=len(read),
        seconds=seconds,
        what="rows",
    )
    rows.append(
        Row(
            row.benchmark,
            database,
            row.count,
            row.value,
            notes=f"{row.notes}; tracemalloc peak {fmt_num(memory[0])} MiB "
            f"(separate untimed read); {len(data) / 2**20:.1f} MiB file",
        )
    )
    log(f"{database}: import_rows(dry_run=True)")
    rows.append(_import_row(database, *_import_once(engine, admin_id, read, True)))
    # tracemalloc slows the importer about 4 times: its peak is taken on a
    # second dry run of the whole file (before the real import, so that every
    # row is new); a dry run writes nothing, so the file's rows stay new.
    log(f"{database}: import_rows(dry_run=True) of {len(read)} rows, traced")
    with _traced_peak() as memory:
        _import_once(engine, admin_id, read, True)
    memory_row = Row(
        "import OCOP list: peak memory (tracemalloc, dry run, separate)",
        database,
        f"{fmt_int(len(read))} rows",
        fmt_num(memory[0]),
        notes="MiB",
        goal="≤ 50 MiB at 20,000 rows",
    )
    log(f"{database}: import_rows(dry_run=False)")
    rows.append(_import_row(database, *_import_once(engine, admin_id, read, False)))
    rows.append(memory_row)
    return rows


def _import_row(
    database: str, report: import_service.ImportReport, seconds: float
) -> Row:
    what = "written + commit" if report.written else "dry run, nothing written"
    row = once_row(
        f"import OCOP list: imports.service.import_rows() ({what})",
        database,
        items=report.rows,
        seconds=seconds,
        what="rows",
    )
    notes = (
        f"{row.notes}; {fmt_int(report.products_new)} products, "
        f"{fmt_int(report.producers_new)} producers new"
    )
    rate = report.rows / seconds if seconds else 0.0
    return Row(
        row.benchmark,
        database,
        row.count,
        row.value,
        notes=notes,
        goal="≥ 2,000 rows/s",
        ratio=f"{rate / 2000:.2f}×",
    )


def _import_once(
    engine: Engine, admin_id: int, rows: Sequence[reader.Row], dry_run: bool
) -> tuple[import_service.ImportReport, float]:
    """``import_rows()`` in a session of its own, commit included; (report, seconds)."""
    with Session(engine) as session:
        actor = session.get_one(User, admin_id)
        audit_context.set_actor(session, actor_id=actor.id, actor_login=actor.login)

        def load() -> import_service.ImportReport:
            report = import_service.import_rows(session, actor, rows, dry_run=dry_run)
            session.commit()
            return report

        return timed(load)


def _xlsx(rng: random.Random, hamlets: Sequence[tuple[str, str]], count: int) -> bytes:
    """An official list of ``count`` rows, two products per producer."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    producer: tuple[str, str, str, str, str] = ("", "", "", "", "")
    for n in range(count):
        if n % 2 == 0:
            kind_text, _, prefix = rng.choice(PRODUCER_KINDS)
            code, hamlet = rng.choice(hamlets)
            person = f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
            producer = (
                f"{prefix} {person} {n // 2 + 1}",
                kind_text,
                phone,
                code,
                hamlet,
            )
        name, kind_text, phone, code, hamlet = producer
        stars = rng.choices((3, 4, 5), weights=(55, 40, 5))[0]
        decided = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(366))
        level, authority = {
            3: ("Cấp huyện", "UBND huyện"),
            4: ("Cấp tỉnh", "UBND tỉnh"),
            5: ("Trung ương", "Bộ Nông nghiệp và Phát triển nông thôn"),
        }[stars]
        sheet.append(
            (
                f"{PRODUCT_WORDS[(n + n // 2) % len(PRODUCT_WORDS)]} {n % 2 + 1}",
                name,
                kind_text,
                phone,
                code,
                hamlet,
                stars,
                f"{n + 1}/QĐ-UBND",
                decided,
                authority,
                level,
            )
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- 2. a catalog in bulk, and its lists ------------------------------------------------------


@dataclass(frozen=True)
class _Department:
    user_id: int
    province_id: int
    hamlet_ids: list[int]


def _departments(
    engine: Engine, config: CatalogBenchConfig, log: Log
) -> list[_Department]:
    """One department (Sở) user for each of a few provinces drawn at random."""
    rng = random.Random(config.seed + 20)
    log(f"department users for {config.departments} provinces")
    made: list[_Department] = []
    with Session(engine) as session:
        provinces = session.scalars(
            select(AdminUnit.id)
            .where(
                AdminUnit.edition == config.edition,
                AdminUnit.level == Level.province,
            )
            .order_by(AdminUnit.id)
        ).all()
        for n, province_id in enumerate(
            rng.sample(provinces, min(config.departments, len(provinces))), start=1
        ):
            user, _ = user_service.create_user(
                session,
                None,
                login=f"bench.dept{n}",
                display_name=f"Sở Công Thương {n}",
                role=Role.department,
                area_id=province_id,
                password=PASSWORD,
            )
            hamlet_ids = session.scalars(
                select(AdminUnitLink.descendant_id)
                .join(AdminUnit, AdminUnit.id == AdminUnitLink.descendant_id)
                .where(
                    AdminUnitLink.ancestor_id == province_id,
                    AdminUnitLink.valid_to.is_(None),
                    AdminUnit.level == Level.hamlet,
                )
                .order_by(AdminUnitLink.descendant_id)
            ).all()
            made.append(_Department(user.id, province_id, list(hamlet_ids)))
        session.commit()
    return made


def _generate(
    engine: Engine, database: str, config: CatalogBenchConfig, log: Log
) -> list[Row]:
    log(
        f"{database}: generate {fmt_int(config.products)} products with "
        "certificates and listings (bulk Core)"
    )
    with Session(engine) as session:

        def generate() -> dict[str, int]:
            counts = _generate_catalog(session, config)
            session.commit()
            return counts

        counts, seconds = timed(generate)
    row = once_row(
        "datagen: catalog (bulk Core)",
        database,
        items=counts["products"],
        seconds=seconds,
        what="products",
    )
    notes = (
        f"{row.notes}; {fmt_int(counts['producers'])} producers, "
        f"{fmt_int(counts['certificates'])} certificates, "
        f"{fmt_int(counts['listings'])} listings"
    )
    return [Row(row.benchmark, database, row.count, row.value, notes=notes)]


def _public_code(rng: random.Random) -> str:
    """22 URL-safe characters like ``rules.new_public_code()``, but seeded."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode()[
        :22
    ]


def _moment(rng: random.Random, first: dt.date, last: dt.date) -> dt.datetime:
    days = (last - first).days
    day = first + dt.timedelta(days=rng.randrange(max(1, days)))
    return dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC) + dt.timedelta(
        seconds=rng.randrange(12 * 3600)
    )


def _generate_catalog(session: Session, config: CatalogBenchConfig) -> dict[str, int]:
    """Producers, products, certificates and listings; flushed, not committed."""
    rng = random.Random(config.seed + 30)
    today = clock.today()
    # make_engine() gives every statement 5 s (a guard for requests); a
    # batch of a bulk load on a busy machine may need more.
    without_time_limits(session.connection())
    hamlets = session.scalars(
        select(AdminUnit.id)
        .where(AdminUnit.level == Level.hamlet, AdminUnit.edition == config.edition)
        .order_by(AdminUnit.id)
    ).all()
    groups = session.scalars(select(OcopGroup.id).order_by(OcopGroup.id)).all()
    markets = session.scalars(
        select(Marketplace.id)
        .where(Marketplace.is_named_in_plan.is_(True))
        .order_by(Marketplace.id)
    ).all()[: config.marketplaces_per_product]
    first_day = dt.date(2023, 1, 1)

    # Producers: one for every two products, each in a hamlet drawn at random.
    producers: list[dict[str, Any]] = []
    for n in range((config.products + 1) // 2):
        _, kind, prefix = rng.choice(PRODUCER_KINDS)
        name = f"{prefix} {rng.choice(SURNAMES)} {rng.choice(GIVEN)} {n + 1}"
        at = _moment(rng, first_day, today)
        producers.append(
            {
                "hamlet_id": rng.choice(hamlets),
                "kind": kind.value,
                "name": name,
                "representative": None,
                "phone": None,
                "tax_code": None,
                "name_key": name_key(name),
                "search_key": fold(name),
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
    returned = _insert(session, _PRODUCERS, producers, ("id", "name"))
    producer_ids = {str(name): int(pid) for pid, name in returned}

    products: list[dict[str, Any]] = []
    for n in range(config.products):
        owner = producers[n // 2]
        word = PRODUCT_WORDS[(n + n // 2) % len(PRODUCT_WORDS)]
        name = f"{word} {n % 2 + 1}"
        ocop = rng.random() < 0.9
        at = max(owner["created_at"], _moment(rng, first_day, today))
        products.append(
            {
                "producer_id": producer_ids[owner["name"]],
                "hamlet_id": owner["hamlet_id"],
                "name": name,
                "kind": (
                    ProductKind.ocop
                    if ocop
                    else rng.choice((ProductKind.agricultural, ProductKind.specialty))
                ).value,
                "group_id": rng.choice(groups),
                "subgroup_id": None,
                "unit": None,
                "price": rng.randrange(20, 500) * 1000,
                "description": None,
                "gtin": None,
                "public_code": _public_code(rng),
                "name_key": name_key(name),
                "search_key": rules.product_search_key(name, owner["name"]),
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
        )
    returned = _insert(session, _PRODUCTS, products, ("id", "public_code"))
    product_ids = {str(code): int(pid) for pid, code in returned}

    certificates: list[dict[str, Any]] = []
    listings: list[dict[str, Any]] = []
    number = 0
    for product in products:
        product_id = product_ids[product["public_code"]]
        if product["kind"] == ProductKind.ocop.value:
            # One decision; one in five products also has an older one.
            for _ in range(2 if rng.random() < 0.2 else 1):
                number += 1
                certificates.append(
                    _certificate(rng, product_id, product["hamlet_id"], number, today)
                )
        for market_id in markets:
            listings.append(_listing(rng, product_id, product, market_id, today))
    _insert(session, _CERTIFICATES, certificates, ())
    _insert(session, _LISTINGS, listings, ())
    session.flush()
    return {
        "producers": len(producers),
        "products": len(products),
        "certificates": len(certificates),
        "listings": len(listings),
    }


def _certificate(
    rng: random.Random, product_id: int, hamlet_id: int, number: int, today: dt.date
) -> dict[str, Any]:
    """A decision between 2019 and yesterday: valid, expiring, expired or revoked."""
    decided = dt.date(2019, 1, 1) + dt.timedelta(
        days=rng.randrange((today - dt.date(2019, 1, 1)).days)
    )
    stars = rng.choices((3, 4, 5), weights=(55, 40, 5))[0]
    level = sorted(rules.allowed_levels(stars, decided))[0]
    expires = rules.default_expiry(decided)
    revoked = None
    if rng.random() < 0.03:
        last = min(today, expires)
        revoked = decided + dt.timedelta(days=rng.randrange((last - decided).days + 1))
    at = dt.datetime.combine(decided, dt.time(4), tzinfo=dt.UTC)
    return {
        "product_id": product_id,
        "hamlet_id": hamlet_id,
        "stars": stars,
        "score": rng.randint(*rules.STAR_SCORES[stars]),
        "decision_number": f"{number}/QĐ-UBND",
        "decision_date": decided,
        "authority": "UBND tỉnh" if level is CertLevel.province else "UBND huyện",
        "level": level.value,
        "expires_on": expires,
        "revoked_on": revoked,
        "revoke_reason": "Không duy trì chất lượng" if revoked else None,
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


def _listing(
    rng: random.Random,
    product_id: int,
    product: dict[str, Any],
    market_id: int,
    today: dt.date,
) -> dict[str, Any]:
    statuses = [s for s, _ in LISTING_MIX]
    status = rng.choices(statuses, weights=[w for _, w in LISTING_MIX])[0]
    created = product["created_at"] + dt.timedelta(days=rng.randrange(1, 60))
    updated = created + dt.timedelta(days=rng.randrange(0, 120))
    done = (
        rng.randrange(STEP_CODES.index("listing") + 1)
        if status is ListingStatus.in_progress
        else len(STEP_CODES)
    )
    live = status in (ListingStatus.listed, ListingStatus.delisted)
    return {
        "product_id": product_id,
        "marketplace_id": market_id,
        "hamlet_id": product["hamlet_id"],
        "status": status.value,
        "next_step": STEP_CODES[done] if done < len(STEP_CODES) else None,
        "storefront_url": None,
        "listing_url": f"https://voso.vn/p/{product_id}" if done > 1 else None,
        "claimed_by_id": None,
        "verified_at": updated if live else None,
        "verified_by_id": None,
        "delisted_on": today if status is ListingStatus.delisted else None,
        "delist_reason": "Hết hàng" if status is ListingStatus.delisted else None,
        "version": 1,
        "created_at": created,
        "updated_at": updated,
    }


def _array_item(sa_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The element type of a PostgreSQL array for a column (enums travel as text)."""
    if isinstance(sa_type, Enum):
        return String()
    if isinstance(sa_type, TypeDecorator):
        return sa_type.impl_instance
    return sa_type


def _insert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` in batches; the ``returning`` columns of every row (any order).

    SQLite: a Core executemany. PostgreSQL: ``INSERT … SELECT FROM unnest(arrays)``
    (as ``datagen`` does, for the same reason).
    """
    if not rows:
        return []
    names = list(rows[0])
    postgres = session.get_bind().dialect.name == "postgresql"
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        stmt: Any
        if postgres:
            src = (
                func.unnest(
                    *(
                        bindparam(
                            f"p_{name}", type_=ARRAY(_array_item(table.c[name].type))
                        )
                        for name in names
                    )
                )
                .table_valued(
                    *(column(name, _array_item(table.c[name].type)) for name in names)
                )
                .render_derived()
            )
            stmt = insert(table).from_select(
                names, select(*(src.c[name] for name in names))
            )
            params: Any = {f"p_{name}": [r[name] for r in chunk] for name in names}
        else:
            stmt = insert(table)
            params = list(chunk)
        if returning:
            stmt = stmt.returning(*(table.c[name] for name in returning))
            out.extend(tuple(r) for r in session.execute(stmt, params))
        else:
            session.execute(stmt, params)
    if postgres:
        # Statistics now, not at the next autovacuum: the foreign-key checks
        # of the next table's insert plan against this one, and planned as
        # if it were empty they scan it once per row (a 5,000-row batch of
        # products took over 25 s against 25,000 fresh producers).
        session.execute(text(f"ANALYZE {table.name}"))
    return out


# --- 3. products with a history --------------------------------------------------------


@contextmanager
def _audit_clock(now: list[dt.datetime]) -> Iterator[None]:
    """The audit listener stamps events with ``now[0]`` instead of the real clock."""
    real = getattr(audit_listener, "utcnow")  # noqa: B009 - not re-exported
    setattr(audit_listener, "utcnow", lambda: now[0])  # noqa: B010
    try:
        yield
    finally:
        setattr(audit_listener, "utcnow", real)  # noqa: B010


def _history(
    engine: Engine,
    database: str,
    config: CatalogBenchConfig,
    admin_id: int,
    departments: Sequence[_Department],
    log: Log,
) -> list[Row]:
    """Products written through the services on past days: create, 2 edits, a decision.

    The audit listener's clock is moved back for each write (the services stamp
    audit events with ``utcnow()``; the rows' own timestamps stay real), so the
    trail reads as if the product had lived since 2024.
    """
    log(f"{database}: {config.history_products} products through the services")
    rng = random.Random(config.seed + 40)
    now = [dt.datetime.now(dt.UTC)]
    made = 0
    with Session(engine) as session, _audit_clock(now):
        actor = session.get_one(User, admin_id)
        audit_context.set_actor(session, actor_id=actor.id, actor_login=actor.login)

        def at(day: dt.date) -> None:
            now[0] = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)

        def write() -> int:
            for n in range(config.history_products):
                department = departments[n % len(departments)]
                born = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(180))
                at(born)
                producer = producer_service.create_producer(
                    session,
                    actor,
                    hamlet_id=rng.choice(department.hamlet_ids),
                    kind=ProducerKind.household,
                    name=f"Hộ kinh doanh {rng.choice(SURNAMES)} Lịch Sử {n + 1}",
                )
                product = product_service.create_product(
                    session,
                    actor,
                    producer_id=producer.id,
                    name=f"{rng.choice(PRODUCT_WORDS)} lịch sử",
                    kind=ProductKind.ocop,
                    price=100_000,
                )
                certificate_service.add_certificate(
                    session,
                    actor,
                    product,
                    stars=4,
                    decision_number=f"H{n + 1}/QĐ-UBND",
                    decision_date=born,
                    authority="UBND tỉnh",
                    level=CertLevel.province,
                )
                for step in (1, 2):
                    at(born + dt.timedelta(days=90 * step))
                    product_service.update_product(
                        session,
                        actor,
                        product.id,
                        version=product.version,
                        price=100_000 + 10_000 * step,
                        description=f"Sửa lần {step}",
                    )
            session.commit()
            return config.history_products

        made, seconds = timed(write)
    return [
        once_row(
            "history: products written through the services (backdated audit)",
            database,
            items=made,
            seconds=seconds,
            what="products",
        )
    ]


# --- timed reads -------------------------------------------------------------------------


def _lists(
    engine: Engine,
    database: str,
    config: CatalogBenchConfig,
    departments: Sequence[_Department],
    log: Log,
) -> list[Row]:
    rng = random.Random(config.seed + 50)
    gc.collect()
    rows: list[Row] = []
    runs = config.list_runs + config.warmup
    scale = f"{fmt_int(config.products)} products"
    with Session(engine) as session:
        users = [session.get_one(User, d.user_id) for d in departments]
        totals: list[int] = []

        def products(kwargs: tuple[User, dict[str, Any]]) -> None:
            user, filters = kwargs
            _, total = product_views.list_products(session, user, limit=50, **filters)
            totals.append(total)

        cases: list[tuple[str, Callable[[], dict[str, Any]]]] = [
            ("product list page 1 (limit 50), a province", dict),
            (
                "product list, q= text search",
                lambda: {"q": rng.choice(QUERIES)},
            ),
            (
                "product list, stars= filter (3/4/5)",
                lambda: {"stars": rng.choice((3, 4, 5))},
            ),
            (
                "product list, certificate= standing filter",
                lambda: {"certificate": rng.choice(STANDINGS)},
            ),
        ]
        for label, make in cases:
            log(f"{database}: {label} x{config.list_runs}")
            totals.clear()
            inputs = [(rng.choice(users), make()) for _ in range(runs)]
            samples = measure(
                inputs,
                products,
                budget_s=config.budget_s,
                warmup=config.warmup,
                after=session.expunge_all,
            )
            rows.append(
                samples_row(
                    f"{label}: products.service.list_products()",
                    database,
                    samples,
                    notes=f"department user; {scale}; {_mean(totals)} matching on average",
                )
            )

        log(f"{database}: listings awaiting verification x{config.list_runs}")
        totals.clear()

        def listings(user: User) -> None:
            _, total = onboarding_views.list_listings(
                session, user, status=ListingStatus.awaiting_verification, limit=50
            )
            totals.append(total)

        samples = measure(
            [rng.choice(users) for _ in range(runs)],
            listings,
            budget_s=config.budget_s,
            warmup=config.warmup,
            after=session.expunge_all,
        )
        rows.append(
            samples_row(
                "listings awaiting verification (limit 50): onboarding.service.list_listings()",
                database,
                samples,
                notes=f"department user; {scale} × {config.marketplaces_per_product} "
                f"marketplaces; {_mean(totals)} matching on average",
            )
        )
    return rows


def _as_of(
    engine: Engine,
    database: str,
    config: CatalogBenchConfig,
    departments: Sequence[_Department],
    log: Log,
) -> list[Row]:
    rng = random.Random(config.seed + 60)
    log(f"{database}: product_as_of() x{config.as_of_runs}")
    with Session(engine) as session:
        users = {d.province_id: session.get_one(User, d.user_id) for d in departments}
        history = session.execute(
            select(_PRODUCTS.c.id, AdminUnitLink.ancestor_id)
            .join(AdminUnitLink, AdminUnitLink.descendant_id == _PRODUCTS.c.hamlet_id)
            .where(
                _PRODUCTS.c.name.like("% lịch sử"),
                AdminUnitLink.ancestor_id.in_(list(users)),
            )
            .order_by(_PRODUCTS.c.id)
        ).all()
        last = dt.date(2025, 6, 30)
        inputs: list[tuple[User, int, dt.date]] = []
        for _ in range(config.as_of_runs + config.warmup):
            product_id, province_id = rng.choice(history)
            day = dt.date(2024, 7, 1) + dt.timedelta(days=rng.randrange(365))
            inputs.append((users[province_id], product_id, min(day, last)))
        found: list[int] = []

        def read(item: tuple[User, int, dt.date]) -> None:
            user, product_id, day = item
            view = product_views.product_as_of(session, user, product_id, day)
            found.append(view.price or 0)

        samples = measure(
            inputs,
            read,
            budget_s=config.budget_s,
            warmup=config.warmup,
            after=session.expunge_all,
        )
        events = session.scalar(text("SELECT COUNT(*) FROM audit_events")) or 0
    return [
        samples_row(
            "product as of a past day: products.service.product_as_of()",
            database,
            samples,
            notes=f"department user; {fmt_int(len(history))} products with a "
            f"history, days 2024-07-01…2025-06-30; {fmt_int(int(events))} audit events",
        )
    ]


def _mean(values: list[int]) -> str:
    return fmt_int(round(statistics.fmean(values))) if values else "0"
