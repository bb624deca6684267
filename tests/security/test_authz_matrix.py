"""T1–T5, T8: every route × every actor × a target in and out of the actor's area.

The expected status of each cell comes from ``authz_policy.yaml``; the routes
come from the application itself, so a new route without a policy entry fails.
Refused calls must change nothing and leave one "denied" audit event.

The world of targets is built once per module (and xdist worker) in an outer
transaction that is never committed; each cell runs in a savepoint of it that
is rolled back afterwards, so every cell starts from the same rows.
"""

import datetime as dt
import hashlib
import importlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth import service as auth_service
from ocop_tracker.core import clock
from ocop_tracker.main import create_app
from ocop_tracker.onboarding.models import (
    Listing,
    ListingStatus,
    Marketplace,
    StepRecord,
    StepStatus,
)
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products.models import (
    Certificate,
    CertLevel,
    OcopGroup,
    Product,
    ProductKind,
)
from ocop_tracker.public import hotpath
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.teams.models import Team, TeamMember
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import Role, User
from tests.conftest import SignIn
from tests.factories import unit

HERE = Path(__file__).parent
POLICY = yaml.safe_load((HERE / "authz_policy.yaml").read_text(encoding="utf-8"))
# Each domain may keep its routes in authz_policy_<domain>.yaml beside this file.
for _extra in sorted(HERE.glob("authz_policy_*.yaml")):
    _routes = yaml.safe_load(_extra.read_text(encoding="utf-8"))["routes"]
    _clash = set(_routes) & set(POLICY["routes"])
    assert not _clash, f"{_extra.name} repeats {sorted(_clash)}"
    POLICY["routes"].update(_routes)
ACTORS: list[str] = POLICY["actors"]
LOGINS = {
    "admin": "admin",
    "department": "sct.soctrang",
    "official": "canbo.khom3",
    "team_leader": "totruong.khom3",
    "team_member": "thanhvien.khom3",
}
# Tables whose content a refused request must leave exactly as it was.
GUARDED_TABLES = (
    "admin_units",
    "admin_unit_links",
    "users",
    "teams",
    "team_members",
    "api_tokens",
)


def app_route_keys() -> list[str]:
    """ "METHOD /path" for every route and mount the application serves."""
    keys: list[str] = []
    for context in iter_route_contexts(create_app().routes):
        methods = sorted((context.methods or {"GET"}) - {"HEAD"})
        keys.extend(f"{m} {context.path}" for m in methods)
    return sorted(set(keys))


def expected(route: str, actor: str) -> tuple[int, int]:
    """The policy's (in, out) statuses for a cell."""
    cells = POLICY["routes"][route]
    cell = cells.get(actor)
    if cell is None and actor == "disabled":
        cell = cells.get("anonymous")
    if cell is None:
        cell = cells["all"]
    first, second = str(cell).split("/")
    return int(first), int(second)


def test_every_route_has_a_policy() -> None:
    served = set(app_route_keys())
    missing = sorted(served - set(POLICY["routes"]))
    assert missing == [], f"routes without an entry in authz_policy.yaml: {missing}"
    stale = sorted(key for key in POLICY["routes"] if key not in served)
    assert stale == [], f"policy entries for routes that no longer exist: {stale}"


@dataclass
class World:
    """Targets in and out of the actors' areas, loaded afresh for each test."""

    hamlet: dict[str, AdminUnit]
    commune: dict[str, AdminUnit]
    bare_hamlet: dict[str, AdminUnit]
    team: dict[str, Team]
    member: dict[str, TeamMember]
    account: dict[str, User]
    actors: dict[str, User]
    producer: dict[str, Producer] = field(default_factory=dict)
    product: dict[str, Product] = field(default_factory=dict)
    certificate: dict[str, Certificate] = field(default_factory=dict)
    listing: dict[str, Listing] = field(default_factory=dict)
    claimed: dict[str, Listing] = field(default_factory=dict)
    live: dict[str, Listing] = field(default_factory=dict)
    spare_product: dict[str, Product] = field(default_factory=dict)


def _user(
    session: Session,
    login: str,
    role: Role,
    area: AdminUnit | None,
    *,
    active: bool = True,
) -> User:
    user = User(
        login=login,
        display_name=login,
        search_key=login,
        role=role,
        area_id=area.id if area else None,
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$unused$unused",
        is_active=active,
    )
    session.add(user)
    session.flush()
    return user


def _build_world(session: Session) -> World:
    h_in = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    h_out = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    c_in = session.get(AdminUnit, h_in.parent_id)
    c_out = session.get(AdminUnit, h_out.parent_id)
    assert c_in is not None
    assert c_out is not None
    bare_in = area_service.add_hamlet(session, commune_id=c_in.id, name="Khóm Ma Trận")
    bare_out = area_service.add_hamlet(session, commune_id=c_out.id, name="Ấp Ma Trận")
    teams = {
        k: team_repository.by_hamlet(session, h.id)
        for k, h in (("in", h_in), ("out", h_out))
    }
    assert teams["in"] is not None
    assert teams["out"] is not None
    members = {
        k: team_repository.members(session, t.id)[-1] for k, t in teams.items() if t
    }
    actors = {k: user_repository.by_login(session, v) for k, v in LOGINS.items()}
    world = World(
        hamlet={"in": h_in, "out": h_out},
        commune={"in": c_in, "out": c_out},
        bare_hamlet={"in": bare_in, "out": bare_out},
        team={k: v for k, v in teams.items() if v},
        member=members,
        account={
            "in": _user(session, "matran.in", Role.team_member, h_in),
            "out": _user(session, "matran.out", Role.team_member, h_out),
        },
        actors={k: v for k, v in actors.items() if v},
    )
    _catalog(session, world)
    world.actors["no_area"] = _user(session, "matran.noarea", Role.official, None)
    world.actors["disabled"] = _user(
        session, "matran.disabled", Role.team_member, h_in, active=False
    )
    session.commit()
    return world


# Where each object of the world lives: its class and primary key, by field and key.
WorldKeys = dict[str, dict[str, tuple[type[Any], int]]]


@pytest.fixture(scope="module")
def world_base(engine: Engine) -> Iterator[tuple[Connection, WorldKeys]]:
    """The world, built once in a transaction that is rolled back at the end."""
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            with Session(
                bind=conn,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
            ) as session:
                built = _build_world(session)
                keys = {
                    f.name: {
                        key: (type(obj), obj.id)
                        for key, obj in getattr(built, f.name).items()
                    }
                    for f in fields(built)
                }
            yield conn, keys
        finally:
            outer.rollback()


@pytest.fixture
def connection(world_base: tuple[Connection, WorldKeys]) -> Iterator[Connection]:
    """The world's connection; the cell's changes are rolled back to a savepoint."""
    conn, _ = world_base
    outer = conn.get_transaction()
    assert outer is not None
    assert outer.is_active, "the world's transaction ended"
    cell = conn.begin_nested()
    try:
        yield conn
    finally:
        cell.rollback()


@pytest.fixture
def world(world_base: tuple[Connection, WorldKeys], session: Session) -> World:
    """The world's objects, loaded afresh in the cell's session.

    The public pages' state in the process (page cache, scan batch, rate limit)
    starts empty too: it would outlive the rolled-back rows it was made from.
    """
    hotpath.pages.purge()
    hotpath.scans.take()
    hotpath.limiter.reset()
    _, keys = world_base
    wanted: dict[type[Any], set[int]] = {}
    for objects in keys.values():
        for cls, pk in objects.values():
            wanted.setdefault(cls, set()).add(pk)
    loaded = {
        (cls, obj.id): obj
        for cls, pks in wanted.items()
        for obj in session.scalars(select(cls).where(cls.id.in_(pks)))
    }
    return World(
        **{
            name: {key: loaded[ref] for key, ref in objects.items()}
            for name, objects in keys.items()
        }
    )


def _steps(
    session: Session, listing: Listing, hamlet_id: int, codes: tuple[str, ...], by: User
) -> None:
    for code in codes:
        session.add(
            StepRecord(
                listing_id=listing.id,
                hamlet_id=hamlet_id,
                step_code=code,
                status=StepStatus.done,
                done_by_id=by.id,
            )
        )


def _catalog(session: Session, world: World) -> None:
    """Per target hamlet: a producer, two products, a certificate and three listings.

    The voso listing of the first product is in progress with "listing"
    blocked; its postmart listing awaits verification (claimed by a team
    account); the second product is live on voso (verified).
    """
    markets = {m.code: m for m in session.scalars(select(Marketplace))}
    admin = world.actors["admin"]
    for target, hamlet in world.hamlet.items():
        claimer = world.account[target]
        producer = Producer(
            hamlet_id=hamlet.id,
            kind=ProducerKind.household,
            name=f"Hộ Ma Trận {target}",
            search_key=f"ho ma tran {target}",
            phone="+84912000000",
        )
        session.add(producer)
        session.flush()
        products = []
        for n in (1, 2):
            product = Product(
                producer_id=producer.id,
                hamlet_id=hamlet.id,
                name=f"Bánh pía ma trận {target} {n}",
                kind=ProductKind.ocop,
                public_code=f"matran-{target}-{n}-" + "x" * 12,
                search_key=f"banh pia ma tran {target} {n}",
            )
            session.add(product)
            products.append(product)
        session.flush()
        certificate = Certificate(
            product_id=products[0].id,
            hamlet_id=hamlet.id,
            stars=3,
            decision_number=f"MT-{target}",
            decision_date=dt.date(2024, 5, 2),
            authority="UBND huyện",
            level=CertLevel.district,
            expires_on=dt.date(2027, 5, 2),
        )
        listing = Listing(
            product_id=products[0].id,
            marketplace_id=markets["voso"].id,
            hamlet_id=hamlet.id,
            next_step="photos",
        )
        claimed = Listing(
            product_id=products[0].id,
            marketplace_id=markets["postmart"].id,
            hamlet_id=hamlet.id,
            status=ListingStatus.awaiting_verification,
            next_step="first_order",
            listing_url="https://postmart.vn/san-pham/ma-tran",
            claimed_by_id=claimer.id,
        )
        live = Listing(
            product_id=products[1].id,
            marketplace_id=markets["voso"].id,
            hamlet_id=hamlet.id,
            status=ListingStatus.listed,
            next_step="first_order",
            listing_url="https://voso.vn/san-pham/ma-tran",
            claimed_by_id=claimer.id,
            verified_by_id=admin.id,
            verified_at=dt.datetime(2025, 1, 2, tzinfo=dt.UTC),
        )
        session.add_all([certificate, listing, claimed, live])
        session.flush()
        session.add(
            StepRecord(
                listing_id=listing.id,
                hamlet_id=hamlet.id,
                step_code="listing",
                status=StepStatus.blocked,
                blocked_reason="Chờ giấy phép",
                done_by_id=claimer.id,
            )
        )
        _steps(
            session,
            claimed,
            hamlet.id,
            ("photos", "listing"),
            claimer,
        )
        _steps(
            session,
            live,
            hamlet.id,
            ("photos", "listing"),
            claimer,
        )
        session.flush()
        world.producer[target], world.product[target] = producer, products[0]
        world.spare_product[target] = products[1]
        world.certificate[target], world.listing[target] = certificate, listing
        world.claimed[target], world.live[target] = claimed, live


Request = tuple[str, str, dict[str, Any]]
EXTRA_BUILDERS = [
    importlib.import_module(f"tests.security.{extra.stem}")
    for extra in sorted(HERE.glob("authz_requests_*.py"))
]
Builder = Callable[[World, str, User | None, Session], Request]


def _token_id(world: World, target: str, actor: User | None, session: Session) -> int:
    owner = actor if target == "in" and actor is not None else world.account["out"]
    _, token = auth_service.create_token(session, owner, name=f"matran-{target}")
    session.commit()
    return token.id


def _csv(world: World, target: str) -> dict[str, Any]:
    code = world.commune[target].code
    return {
        "files": {
            "file": (
                "h.csv",
                f"commune_code,name\n{code},Ấp Nhập Thử\n".encode(),
                "text/csv",
            )
        },
        "params": {"edition": world.commune[target].edition.value},
    }


def json(body: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments sending ``body`` as JSON."""
    return {"json": body}


def form(body: dict[str, str]) -> dict[str, Any]:
    """Keyword arguments sending ``body`` as a form."""
    return {"data": body}


def _catalog_request(
    route: str, path: str, w: World, t: str, session: Session
) -> Request | None:
    """Requests of the catalog and onboarding API, or None for other routes."""
    voso = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
    postmart = session.scalar(select(Marketplace).where(Marketplace.code == "postmart"))
    food = session.scalar(select(OcopGroup).where(OcopGroup.code == "food"))
    assert voso is not None
    assert postmart is not None
    assert food is not None
    producer, product, cert = w.producer[t], w.product[t], w.certificate[t]
    listing, claimed, live = w.listing[t], w.claimed[t], w.live[t]
    table: dict[str, Request] = {
        "POST /api/v1/producers": (
            "POST",
            path,
            json(
                {
                    "hamlet_id": w.hamlet[t].id,
                    "kind": "household",
                    "name": f"Hộ Mới {t}",
                }
            ),
        ),
        "GET /api/v1/producers/{producer_id}": (
            "GET",
            f"/api/v1/producers/{producer.id}",
            {},
        ),
        "PATCH /api/v1/producers/{producer_id}": (
            "PATCH",
            f"/api/v1/producers/{producer.id}",
            json({"representative": "Người Đại Diện", "version": producer.version}),
        ),
        "GET /api/v1/producers/{producer_id}/consents": (
            "GET",
            f"/api/v1/producers/{producer.id}/consents",
            {},
        ),
        "POST /api/v1/producers/{producer_id}/consents": (
            "POST",
            f"/api/v1/producers/{producer.id}/consents",
            json({"field": "display_name", "granted": True, "note": "Phiếu đồng ý"}),
        ),
        "POST /api/v1/products": (
            "POST",
            path,
            json(
                {
                    "producer_id": producer.id,
                    "name": f"Sản Phẩm Mới {t}",
                    "kind": "agricultural",
                }
            ),
        ),
        "GET /api/v1/products/{product_id}": (
            "GET",
            f"/api/v1/products/{product.id}",
            {},
        ),
        "PATCH /api/v1/products/{product_id}": (
            "PATCH",
            f"/api/v1/products/{product.id}",
            json({"unit": "hộp", "version": product.version}),
        ),
        "GET /api/v1/products/{product_id}/certificates": (
            "GET",
            f"/api/v1/products/{product.id}/certificates",
            {},
        ),
        "POST /api/v1/products/{product_id}/certificates": (
            "POST",
            f"/api/v1/products/{product.id}/certificates",
            json(
                {
                    "stars": 4,
                    "decision_number": f"NEW-{t}",
                    "decision_date": "2024-05-02",
                    "authority": "UBND tỉnh",
                    "level": "province",
                }
            ),
        ),
        "PATCH /api/v1/products/{product_id}/certificates/{certificate_id}": (
            "PATCH",
            f"/api/v1/products/{product.id}/certificates/{cert.id}",
            json({"score": 60, "version": cert.version}),
        ),
        "POST /api/v1/products/{product_id}/certificates/{certificate_id}/revoke": (
            "POST",
            f"/api/v1/products/{product.id}/certificates/{cert.id}/revoke",
            json(
                {
                    "revoked_on": "2025-01-02",
                    "reason": "Thu hồi thử",
                    "version": cert.version,
                }
            ),
        ),
        "POST /api/v1/ocop-groups/{group_id}/subgroups": (
            "POST",
            f"/api/v1/ocop-groups/{food.id}/subgroups",
            json({"name": f"Nhóm con {t}"}),
        ),
        "POST /api/v1/marketplaces": (
            "POST",
            path,
            json({"code": f"san_{t}", "name": f"Sàn {t}", "domain": f"san{t}.vn"}),
        ),
        "POST /api/v1/marketplaces/{marketplace_id}/steps": (
            "POST",
            f"/api/v1/marketplaces/{voso.id}/steps",
            json({"code": f"buoc_{t}", "name": "Bước thêm"}),
        ),
        "PUT /api/v1/marketplaces/{marketplace_id}/steps/{step_code}/url-rule": (
            "PUT",
            f"/api/v1/marketplaces/{voso.id}/steps/listing/url-rule",
            json(
                {
                    "url_pattern": r"/[^/]+-p[0-9]+(\.html)?/?",
                    "url_example": f"https://voso.vn/banh-pia-{t}-p1.html",
                }
            ),
        ),
        "POST /api/v1/listings": (
            "POST",
            path,
            json({"product_id": w.spare_product[t].id, "marketplace_id": postmart.id}),
        ),
        "GET /api/v1/listings/{listing_id}": (
            "GET",
            f"/api/v1/listings/{listing.id}",
            {},
        ),
        "GET /api/v1/listings/{listing_id}/steps": (
            "GET",
            f"/api/v1/listings/{listing.id}/steps",
            {},
        ),
        "POST /api/v1/listings/{listing_id}/steps": (
            "POST",
            f"/api/v1/listings/{claimed.id}/steps",
            # "photos" records itself by the photo rule; the claim's next step is open.
            json({"step": "first_order", "version": claimed.version}),
        ),
        "POST /api/v1/listings/{listing_id}/steps/{step}/block": (
            "POST",
            f"/api/v1/listings/{listing.id}/steps/first_order/block",
            json({"reason": "Chờ chủ thể", "version": listing.version}),
        ),
        "POST /api/v1/listings/{listing_id}/steps/{step}/unblock": (
            "POST",
            f"/api/v1/listings/{listing.id}/steps/listing/unblock",
            json({"version": listing.version}),
        ),
        "GET /api/v1/listings/{listing_id}/verification": (
            "GET",
            f"/api/v1/listings/{claimed.id}/verification",
            {},
        ),
        "POST /api/v1/listings/{listing_id}/verification": (
            "POST",
            f"/api/v1/listings/{claimed.id}/verification",
            json({"decision": "approved", "version": claimed.version}),
        ),
        "POST /api/v1/listings/{listing_id}/delist": (
            "POST",
            f"/api/v1/listings/{live.id}/delist",
            json(
                {
                    "date": clock.today().isoformat(),
                    "reason": "Sàn gỡ",
                    "version": live.version,
                }
            ),
        ),
    }
    pages: dict[str, Request] = {
        "POST /products/new": (
            "POST",
            path,
            form(
                {
                    "hamlet_id": str(w.hamlet[t].id),
                    "kind": "household",
                    "name": f"Hộ Trang {t}",
                }
            ),
        ),
        "GET /products/new/product": (
            "GET",
            path,
            {"params": {"producer_id": producer.id}},
        ),
        "POST /products/new/product": (
            "POST",
            path,
            form(
                {
                    "producer_id": str(producer.id),
                    "kind": "agricultural",
                    "name": f"Sản Phẩm Trang {t}",
                }
            ),
        ),
        "GET /products/{product_id}/certificates/new": (
            "GET",
            f"/products/{product.id}/certificates/new",
            {},
        ),
        "POST /products/{product_id}/certificates/new": (
            "POST",
            f"/products/{product.id}/certificates/new",
            form(
                {
                    "level": "province",
                    "stars": "4",
                    "decision_number": f"TRANG-{t}",
                    "decision_date": "2024-05-02",
                    "authority": "UBND tỉnh",
                }
            ),
        ),
        "GET /products/{product_id}": ("GET", f"/products/{product.id}", {}),
        "POST /products/{product_id}/listings": (
            "POST",
            f"/products/{w.spare_product[t].id}/listings",
            form({"marketplace_id": str(postmart.id)}),
        ),
        "POST /listings/{listing_id}/steps": (
            "POST",
            f"/listings/{claimed.id}/steps",
            form({"step": "first_order", "version": str(claimed.version)}),
        ),
        "POST /listings/{listing_id}/steps/{step}/block": (
            "POST",
            f"/listings/{listing.id}/steps/first_order/block",
            form({"reason": "Chờ chủ thể", "version": str(listing.version)}),
        ),
        "POST /listings/{listing_id}/steps/{step}/unblock": (
            "POST",
            f"/listings/{listing.id}/steps/listing/unblock",
            form({"version": str(listing.version)}),
        ),
        "POST /listings/{listing_id}/verification": (
            "POST",
            f"/listings/{claimed.id}/verification",
            form({"decision": "approved", "version": str(claimed.version)}),
        ),
    }
    if route in pages:
        return pages[route]
    if route in {"POST /api/v1/imports/ocop-list", "POST /imports"}:
        row = f"Gạo mới {t},HTX Mới {t},{w.commune[t].code},{w.hamlet[t].name},4,{t}-9/QĐ,02/05/2024,UBND tỉnh,tỉnh"
        body = (
            "Tên sản phẩm,Chủ thể,Mã xã,Khóm/Ấp,Số sao,Số quyết định,Ngày quyết định,Cơ quan công nhận,Cấp công nhận\n"
            + row
        )
        upload = {"files": {"file": ("ds.csv", body.encode(), "text/csv")}}
        if route == "POST /imports":
            return ("POST", path, {**upload, "data": {"mode": "check"}})
        return ("POST", path, {**upload, "params": {"dry_run": "true"}})
    return table.get(route)


def build(
    route: str, world: World, target: str, actor: User | None, session: Session
) -> Request:
    """The request a cell sends: method, URL and keyword arguments."""
    method, path = route.split(" ", 1)
    w, t = world, target
    simple: dict[str, Request] = {
        "GET /static": ("GET", "/static/css/app.css", {}),
        "GET /docs-assets": ("GET", "/docs-assets/swagger-ui.css", {}),
        "POST /login": ("POST", "/login", form({"login": "x", "password": "y"})),
        "POST /api/v1/auth/login": (
            "POST",
            path,
            json({"login": "khong.co.ai", "password": "sai mat khau"}),
        ),
        "POST /api/v1/auth/password": (
            "POST",
            path,
            json(
                {
                    "current_password": "sai mat khau",
                    "new_password": "mot cau rat dai 2026",
                }
            ),
        ),
        "POST /account/password": (
            "POST",
            path,
            form(
                {
                    "current_password": "sai",
                    "new_password": "mot cau rat dai 2026",
                    "confirm_password": "mot cau rat dai 2026",
                }
            ),
        ),
        "POST /api/v1/tokens": ("POST", path, json({"name": "script"})),
        "POST /api/v1/areas/hamlets/import": ("POST", path, _csv(w, t)),
        "POST /api/v1/users": (
            "POST",
            path,
            json(
                {
                    "login": f"moi.{t}",
                    "display_name": "Người Mới",
                    "role": "team_member",
                    "area_id": w.hamlet[t].id,
                }
            ),
        ),
        "POST /users": (
            "POST",
            path,
            form(
                {
                    "login": f"moi.{t}",
                    "display_name": "Người Mới",
                    "role": "team_member",
                    "area_id": str(w.hamlet[t].id),
                }
            ),
        ),
        "POST /api/v1/teams": ("POST", path, json({"hamlet_id": w.bare_hamlet[t].id})),
        "POST /teams": ("POST", path, form({"hamlet_id": str(w.bare_hamlet[t].id)})),
    }
    if route in simple:
        return simple[route]
    # Each domain may build its requests in authz_requests_<domain>.py beside
    # this file: ``request(route, path, world, target, actor, session)``
    # returning a request, or None for routes that are not its own.
    for module in EXTRA_BUILDERS:
        extra = module.request(route, path, w, t, actor, session)
        if extra is not None:
            return cast(Request, extra)
    catalog = _catalog_request(route, path, w, t, session)
    if catalog is not None:
        return catalog
    if route == "GET /api/v1/exports/{dataset}":
        return (
            "GET",
            "/api/v1/exports/products",
            {"params": {"area_id": w.hamlet[t].id}},
        )
    url = path
    if "{token_id}" in url:
        url = url.replace("{token_id}", str(_token_id(w, t, actor, session)))
    if "{area_id}/hamlets" in url:
        url = url.replace("{area_id}", str(w.commune[t].id))
    url = url.replace("{area_id}", str(w.hamlet[t].id))
    url = url.replace("{user_id}", str(w.account[t].id))
    url = url.replace("{team_id}", str(w.team[t].id))
    url = url.replace("{member_id}", str(w.member[t].id))
    bodies: dict[str, dict[str, Any]] = {
        "POST /api/v1/areas/{area_id}/hamlets": json({"name": "Ấp Thử Quyền"}),
        "PATCH /api/v1/users/{user_id}": json({"display_name": "Tên Mới"}),
        "POST /users/{user_id}": form(
            {
                "display_name": "Tên Mới",
                "role": "team_member",
                "area_id": str(w.hamlet[t].id),
                "is_active": "on",
                "version": str(w.account[t].version),
            }
        ),
        "POST /api/v1/teams/{team_id}/members": json({"full_name": "Thành Viên Thử"}),
        "POST /teams/{team_id}/members": form(
            {
                "full_name": "Thành Viên Thử",
                "position": "member",
                "background": "resident",
                "phone": "",
            }
        ),
        "PATCH /api/v1/teams/{team_id}/members/{member_id}": json(
            {"phone": "0912 345 678"}
        ),
        "POST /teams/{team_id}/members/{member_id}": form(
            {
                "full_name": w.member[t].full_name,
                "position": w.member[t].position.value,
                "background": w.member[t].background.value,
                "phone": "0912 345 678",
                "version": str(w.member[t].version),
            }
        ),
    }
    return method, url, bodies.get(route, {})


def _fingerprint(session: Session) -> str:
    digest = hashlib.sha256()
    for table in GUARDED_TABLES:
        columns = (
            "*"
            if table != "users"
            else "id, login, role, area_id, is_active, password_hash, version"
        )
        for row in session.execute(text(f"SELECT {columns} FROM {table} ORDER BY id")):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _denials(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "denied")
        )
        or 0
    )


CELLS = [
    pytest.param(route, actor, id=f"{route}-{actor}")
    for route, actor in itertools.product(sorted(POLICY["routes"]), ACTORS)
]


@pytest.mark.parametrize(("route", "actor"), CELLS)
def test_cell(
    route: str,
    actor: str,
    world: World,
    app: FastAPI,
    session: Session,
    sign_in: SignIn,
) -> None:
    expect_in, expect_out = expected(route, actor)
    user = world.actors.get(actor)
    for target, status in (("in", expect_in), ("out", expect_out)):
        method, url, kwargs = build(route, world, target, user, session)
        if user is None:
            client = TestClient(
                app, base_url="https://127.0.0.1", raise_server_exceptions=False
            )
        else:
            token, auth = auth_service.open_session(
                session, user, client_ip="127.0.0.1", user_agent="matrix"
            )
            session.commit()
            client = TestClient(
                app, base_url="https://127.0.0.1", raise_server_exceptions=False
            )
            client.cookies.set("__Host-ocop_session", token)
            client.headers["X-CSRF-Token"] = auth.csrf_token
            if "data" in kwargs:
                kwargs = {
                    **kwargs,
                    "data": {**kwargs["data"], "csrf_token": auth.csrf_token},
                }
        page = not url.startswith("/api/") and url not in {"/healthz", "/openapi.json"}
        headers = {"accept": "text/html"} if page else {}
        refused = status in (401, 403, 404) or (status == 303 and user is None)
        before = _fingerprint(session) if refused else ""
        denials = _denials(session)
        response = client.request(
            method, url, headers=headers, follow_redirects=False, **kwargs
        )
        assert response.status_code == status, (target, response.text[:300])
        if status in (403, 404) and route not in {"POST /login"}:
            assert _fingerprint(session) == before, (
                f"{target}: a refused request changed data"
            )
            assert _denials(session) == denials + 1, (
                f"{target}: the denial was not audited"
            )
        if refused and status != 404 and status != 403:
            assert _fingerprint(session) == before, (
                f"{target}: an anonymous request changed data"
            )
        client.close()
