"""Rules of reports: coverage, action list, trend, teams, monthly report, submissions.

Every function takes the acting user and reads only inside their area: an
area outside it is answered as missing (404), exactly like the other domains.
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.scope import OutOfScope, covers, reads_history_of
from ocop_tracker.core import refcache
from ocop_tracker.core.clock import start_of_day, today, vn_date
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.errors import AppError, Forbidden, InvalidInput
from ocop_tracker.core.labels import label, labels_by_value
from ocop_tracker.core.phone import display_vn
from ocop_tracker.core.text import has_forbidden_chars, normalize_multiline
from ocop_tracker.links import views as link_views
from ocop_tracker.onboarding.models import ListingStatus
from ocop_tracker.pilots import views as pilot_views
from ocop_tracker.producers.models import ProducerKind
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products.models import ProductKind
from ocop_tracker.reports import listener as ledger_listener
from ocop_tracker.reports import repository, rules, views
from ocop_tracker.reports.ledger import LedgerState
from ocop_tracker.reports.ledger import stamp as ledger_stamp
from ocop_tracker.reports.models import NATION, ReportSubmission
from ocop_tracker.reports.schemas import (
    ActionItem,
    ActionListing,
    Actions,
    ActivityMonth,
    AreaRef,
    Board,
    BoardLine,
    ChildSellers,
    Coverage,
    ExpiringItem,
    FlagGroup,
    FlagLine,
    MaybeRemovedItem,
    MobileMoneyWaiting,
    PilotWindow,
    SellerTrendPoint,
    SubmissionRead,
    TeamLine,
    Teams,
    TeamSetup,
    Trend,
    TrendPoint,
    TroubleItem,
    UrlChoiceItem,
)
from ocop_tracker.sellers import flags as seller_flags
from ocop_tracker.teams import views as team_views
from ocop_tracker.users.models import Role, User

LEVEL_LABELS: Mapping[str, str] = {"nation": "Toàn quốc", **labels_by_value(Level)}
PRODUCER_KIND_LABELS: Mapping[str, str] = labels_by_value(ProducerKind)
OTHER_KIND_LABELS: Mapping[str, str] = {
    kind.value: label(kind)
    for kind in (ProductKind.agricultural, ProductKind.specialty)
}
LISTING_STATUS_LABELS: Mapping[str, str] = labels_by_value(ListingStatus)
SUBMITTERS = frozenset({Role.admin, Role.department, Role.official, Role.team_leader})
ACTION_LIMIT = 200
# link check (issue 16 item 7): what a flagged page answered last, in words.
LINK_ANSWERS: Mapping[str, str] = {
    "gone": "trang báo không còn tồn tại",
    "home": "chuyển về trang chủ của sàn",
    "error": "lần gần nhất không truy cập được",
    "ok": "còn hoạt động",
}
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# --- areas and dates ------------------------------------------------------------------


@dataclass(frozen=True)
class Area:
    """The area a report is about (``unit`` None = the whole country)."""

    id: int
    unit: AdminUnit | None

    @property
    def ref(self) -> AreaRef:
        """The API reference."""
        if self.unit is None:
            return AreaRef(id=NATION, name="Toàn quốc", level="nation")
        return AreaRef(
            id=self.unit.id, name=self.unit.name, level=self.unit.level.value
        )

    @property
    def name(self) -> str:
        """Its name."""
        return self.ref.name


def resolve_area(
    session: Session, actor: User, area_id: int | None, *, past: bool = False
) -> Area:
    """The area asked for, inside the actor's (default: their own; admin: the country).

    ``past``: figures only (coverage, trend), so a unit of the 2022 map wholly
    taken into the actor's area may be read too — the area's own past.
    """
    if area_id is None:
        if actor.role is Role.admin:
            return Area(NATION, None)
        area_id = actor.area_id
    if area_id == NATION and actor.role is Role.admin:
        return Area(NATION, None)
    if (
        area_id is None
        or area_id == NATION
        or not (
            covers(session, actor, area_id)
            or (past and reads_history_of(session, actor, area_id))
        )
    ):
        raise OutOfScope("Không tìm thấy đơn vị hành chính này.")
    unit = session.get(AdminUnit, area_id)
    if unit is None:
        raise OutOfScope("Không tìm thấy đơn vị hành chính này.")
    return Area(unit.id, unit)


def across_reform(session: Session, actor: User, area: Area) -> list[AdminUnit]:
    """The same hamlets' units on the other map (1/7/2025) that the actor may read."""
    if area.unit is None:
        return []
    return [
        u
        for u in area_views.across_reform(session, area.unit)
        if covers(session, actor, u.id) or reads_history_of(session, actor, u.id)
    ]


def check_day(day: dt.date | None) -> dt.date:
    """A report date: today by default, never in the future."""
    now = today()
    if day is None:
        return now
    if day > now:
        raise InvalidInput(
            f"Ngày báo cáo {day:%d/%m/%Y} chưa tới; chọn ngày từ hôm nay "
            f"({now:%d/%m/%Y}) trở về trước.",
            field="as_of",
        )
    return day


def parse_month(raw: str | None) -> dt.date:
    """The first day of a month written YYYY-MM (default: this month); never the future."""
    now = today()
    if raw is None or raw == "":
        return now.replace(day=1)
    m = _MONTH.match(raw.strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise InvalidInput(
            "Tháng phải viết dạng YYYY-MM, ví dụ 2026-10.", field="month"
        )
    month = dt.date(int(m.group(1)), int(m.group(2)), 1)
    if month > now.replace(day=1):
        raise InvalidInput(
            f"Tháng {month:%m/%Y} chưa tới; chỉ báo cáo được đến tháng {now:%m/%Y}.",
            field="month",
        )
    return month


def valid_month(raw: str) -> bool:
    """True when ``raw`` is a month this service would accept."""
    try:
        parse_month(raw)
    except InvalidInput:
        return False
    return True


def month_text(month: dt.date) -> str:
    """YYYY-MM."""
    return f"{month:%Y-%m}"


# --- coverage --------------------------------------------------------------------------


# The coverage answer is written as plain values (``Values``) and checked by
# pydantic at once (``Coverage.model_validate``): its core builds the nested
# models itself, where a model built in Python per line costs a call each.
Values = dict[str, Any]


def _ratio(key: str, label: str, count: int, total: int) -> Values:
    return {
        "key": key,
        "label": label,
        "count": count,
        "total": total,
        "percent": rules.share(count, total),
    }


def _line(key: str, label: str, total: int, listed: int) -> Values:
    return {
        "key": key,
        "label": label,
        "total": total,
        "listed": listed,
        "percent": rules.share(listed, total),
    }


def _headline(
    f: Mapping[str, int],
    prefix: str,
    markets: Sequence[repository.MarketRef],
    **more: int,
) -> Values:
    """The headline of the products counted under ``prefix`` ("ocop", "other"):
    listed, on both named marketplaces, on each marketplace."""
    total = f.get(prefix, 0)
    listed, both = f.get(f"{prefix}.listed", 0), f.get(f"{prefix}.both", 0)
    return {
        "total": total,
        "listed": listed,
        "percent": rules.share(listed, total),
        "both": both,
        "both_percent": rules.share(both, total),
        "by_marketplace": [
            _ratio(m.code, m.domain, f.get(f"{prefix}.mp.{m.id}", 0), total)
            for m in markets
        ],
        **more,
    }


def _children(
    session: Session, area: Area, day: dt.date
) -> Sequence[repository.UnitRef]:
    return repository.children_refs(session, area.id, day)


def sync_ledger(session: Session) -> None:
    """Bring the ledger in step with this transaction's writes before reading it."""
    ledger_listener.sync(session)


def team_setup(
    session: Session, actor: User, area_id: int | None, as_of: dt.date | None = None
) -> TeamSetup:
    """Hamlets with a team, teams with a decision and the pilots, of an area."""
    area = resolve_area(session, actor, area_id, past=True)
    return team_setup_of(session, area, check_day(as_of))


def team_setup_of(session: Session, area: Area, day: dt.date) -> TeamSetup:
    """``team_setup`` of an area already checked."""
    unit_id = area.id if area.unit is not None else None
    counts = team_views.setup(session, unit_id, day)
    return TeamSetup(
        area=area.ref,
        as_of=day,
        hamlets=counts.hamlets,
        hamlets_with_team=counts.with_team,
        hamlets_with_team_percent=rules.share(counts.with_team, counts.hamlets),
        teams_with_decision=counts.with_decision,
        pilots=[
            PilotWindow.from_object(p, units=[u.name for u in p.units])
            for p in pilot_views.around(session, unit_id, day)
        ],
    )


def coverage(
    session: Session, actor: User, area_id: int | None, as_of: dt.date | None = None
) -> Coverage:
    """Coverage of an area on a date (default today), with every breakdown."""
    area = resolve_area(session, actor, area_id, past=True)
    day = check_day(as_of)
    return coverage_of(session, area, day)


# A child's line: its OCOP figures, and "other" only to keep a retired child
# that still holds products (each metric read costs a probe per child: "other"
# is asked of the retired children alone).
CHILD_FIGURES = ("ocop", "ocop.listed", "ocop.both")
RETIRED_CHILD = ("other",)
CHILD_LINE = (*CHILD_FIGURES, *RETIRED_CHILD)
HOUSEHOLD = ProducerKind.household.value
ACTIVITY_MONTHS = 12


def _sellers(f: Mapping[str, int], markets: Sequence[repository.MarketRef]) -> Values:
    """Producers with shops, e-payment and both, from the area's figures."""

    def g(name: str) -> int:
        return f.get(name, 0)

    producers, households = g("producers"), g(f"producers.kind.{HOUSEHOLD}")
    households_both = g(f"producers.kind.{HOUSEHOLD}.shop_paying")
    return {
        "producers": producers,
        "households": households,
        "shop_any": g("producers.shop"),
        "shop_both": g("producers.shop.both"),
        "paying": g("producers.paying"),
        "shop_paying": g("producers.shop_paying"),
        "households_shop_paying": households_both,
        "shop_by_marketplace": [
            {
                "marketplace_id": m.id,
                "code": m.code,
                "name": m.name,
                "domain": m.domain,
                "open": g(f"producers.shop.{m.id}"),
            }
            for m in markets
        ],
        "shop_paying_percent": rules.share(g("producers.shop_paying"), producers),
        "households_shop_paying_percent": rules.share(households_both, households),
    }


def activity_months(day: dt.date, count: int = ACTIVITY_MONTHS) -> list[dt.date]:
    """First days of the ``count`` months ending with ``day``'s month, oldest first."""
    out = [day.replace(day=1)]
    while len(out) < count:
        out.append((out[-1] - rules.ONE_DAY).replace(day=1))
    return out[::-1]


def _monthly(sums: Mapping[dt.date, object], months: Sequence[dt.date]) -> list[Values]:
    """A kept table's sums of each of ``months`` (``views.coverage_figures``)."""
    return [{**vars(sums[m]), "month": m} for m in months]


HH_OCOP = f"producers.kind.{HOUSEHOLD}.ocop"
HH_OCOP_TRAINED = f"{HH_OCOP}.trained"


def _training(f: Mapping[str, int], months: list[Values]) -> Values:
    """Who has been trained, from the area's figures, and the 12 months' sessions."""
    households, members = f.get(HH_OCOP, 0), f.get("members", 0)
    return {
        "households_ocop": households,
        "households_ocop_trained": f.get(HH_OCOP_TRAINED, 0),
        "households_ocop_trained_percent": rules.share(
            f.get(HH_OCOP_TRAINED, 0), households
        ),
        "producers_trained": f.get("producers.trained", 0),
        "members": members,
        "members_trained": f.get("members.trained", 0),
        "members_trained_percent": rules.share(f.get("members.trained", 0), members),
        "months": months,
    }


# Coverage answers of today and later days, kept in each worker between
# requests under their area's stamp (the largest province's is ~250 KB of models).
KEPT_ANSWERS: refcache.Stamped[Coverage] = refcache.Stamped(size=128)


def coverage_of(session: Session, area: Area, day: dt.date) -> Coverage:
    """Coverage of an area already checked against the actor's scope.

    An answer from the counts (today, or a later day) is kept in the worker's
    memory under the area's stamp (``ledger.stamp``: the ledger's state and the
    area's revision, which every commit that moves a figure of the area or of
    anything under it bumps), read first in the same transaction: it is served
    again only while no such commit has happened. A transaction that has moved
    figures itself reads past the kept answers and keeps nothing.
    """
    ledger_listener.sync(session)
    stamp = ledger_stamp(session.connection(), area.id)
    current = None if stamp is None else (stamp[0], stamp[1])
    keep = (
        current is not None
        and not current[1]
        and day >= current[0]
        and not session.info.get(ledger_listener.REVISED)
    )
    return KEPT_ANSWERS.get(
        session,
        (area.id, day),
        stamp,
        lambda: _coverage_of(session, area, day, current),
        keep=keep,
    )


def _coverage_of(
    session: Session, area: Area, day: dt.date, current: LedgerState | None
) -> Coverage:
    """Coverage computed from the ledger (``current``: its state, read already).

    The answer is written as plain values and validated once: pydantic's core
    builds every nested model (a province's 168 child lines among them) and
    checks each value, so a wrong one fails here, not later. Model by model,
    each was a call of its own: building a province's answer took 0.67 ms of
    Python, 0.43 ms so (``model_construct``, which skips the checks in a
    Python loop, is slower still).
    """
    children = _children(session, area, day)
    months = activity_months(day)
    figures = views.coverage_figures(
        session.connection(),
        area.id,
        [c.id for c in children],
        day,
        CHILD_FIGURES,
        months,
        current,
        extra_ids={c.id for c in children if not c.current},
        extra_metrics=RETIRED_CHILD,
    )
    f, child_figures = figures.own, figures.children
    markets = repository.market_refs(session)
    groups = repository.group_names(session)
    steps = repository.step_refs(session)

    def g(name: str) -> int:
        return f.get(name, 0)

    funnel_steps = rules.funnel_steps(day, steps.retired)
    share = rules.share
    ocop_total = g("ocop")
    by_child = []
    for c in children:
        cf = child_figures.get(c.id, {})
        if not c.current and not any(cf.values()):
            continue
        total, listed = cf.get("ocop", 0), cf.get("ocop.listed", 0)
        by_child.append(
            {
                "key": str(c.id),
                "label": c.name,
                "total": total,
                "listed": listed,
                "percent": share(listed, total),
                "area_id": c.id,
                "level": c.level,
                "both": cf.get("ocop.both", 0),
            }
        )
    producers = g("producers")
    return Coverage.model_validate(
        {
            "area": area.ref,
            "as_of": day,
            "source": figures.source,
            "ocop": _headline(
                f,
                "ocop",
                markets,
                expiring=g("ocop.expiring"),
                lapsed=g("ocop.lapsed"),
            ),
            "other": _headline(f, "other", markets),
            "other_by_kind": [
                _line(k, label, g(f"other.kind.{k}"), g(f"other.kind.{k}.listed"))
                for k, label in OTHER_KIND_LABELS.items()
            ],
            "by_child": by_child,
            "by_group": [
                _line(
                    str(gid),
                    name,
                    g(f"ocop.group.{gid}"),
                    g(f"ocop.group.{gid}.listed"),
                )
                for gid, name in groups.items()
            ],
            "by_stars": [
                _line(
                    str(s),
                    f"{s} sao",
                    g(f"ocop.stars.{s}"),
                    g(f"ocop.stars.{s}.listed"),
                )
                for s in (5, 4, 3)
            ],
            "by_producer_type": [
                _line(k, label, g(f"ocop.ptype.{k}"), g(f"ocop.ptype.{k}.listed"))
                for k, label in PRODUCER_KIND_LABELS.items()
            ],
            "funnel": [
                _ratio(
                    code,
                    steps.names.get(code, code),
                    g(f"ocop.step.{code}"),
                    ocop_total,
                )
                for code in funnel_steps
            ]
            + [
                _ratio("verified", "Đã xác minh trên sàn", g("ocop.listed"), ocop_total)
            ],
            "payments": {
                "producers": producers,
                "opened": g("producers.paying"),
                "percent": share(g("producers.paying"), producers),
                "by_kind": [
                    _ratio(
                        k,
                        label,
                        g(f"producers.kind.{k}.paying"),
                        g(f"producers.kind.{k}"),
                    )
                    for k, label in PRODUCER_KIND_LABELS.items()
                ],
            },
            "sellers": _sellers(f, markets),
            "activity": _monthly(figures.activity, months),
            "training": _training(f, _monthly(figures.training, months)),
        }
    )


# --- trend ----------------------------------------------------------------------------


def trend(session: Session, actor: User, area_id: int | None) -> Trend:
    """Coverage at the end of every month since the area's first record."""
    area = resolve_area(session, actor, area_id, past=True)
    return trend_of(session, area, today())


def trend_of(session: Session, area: Area, until: dt.date) -> Trend:
    """The trend of a checked area, up to ``until``."""
    ledger_listener.sync(session)
    conn = session.connection()
    first = views.first_day(conn, area.id)
    if first is None or first > until:
        return Trend(area=area.ref, points=[])
    days = rules.month_ends(first, until)
    figures = views.trend(conn, area.id, days)
    return Trend(
        area=area.ref,
        points=[
            TrendPoint(
                day=d,
                total=figures[d]["ocop"],
                listed=figures[d]["ocop.listed"],
                percent=rules.share(figures[d]["ocop.listed"], figures[d]["ocop"]),
                both=figures[d]["ocop.both"],
                other_total=figures[d]["other"],
                other_listed=figures[d]["other.listed"],
            )
            for d in days
        ],
    )


# --- producers on the marketplaces: by child area, by month -----------------------------

HOUSEHOLDS = f"producers.kind.{HOUSEHOLD}"
HH_SHOP = f"{HOUSEHOLDS}.shop"
HH_SHOP_PAYING = f"{HOUSEHOLDS}.shop_paying"
TEAM_METRICS = (
    HH_SHOP,
    HH_SHOP_PAYING,
    "producers.kind.household.ocop.trained",
    "members",
    "members.trained",
)
CHILD_METRICS = (
    HOUSEHOLDS,
    HH_SHOP,
    HH_SHOP_PAYING,
    "producers",
    "producers.shop_paying",
)


def _seller_figures(
    session: Session, area_ids: Sequence[int], day: dt.date, metrics: Sequence[str]
) -> dict[int, dict[str, int]]:
    """The ledger's producer figures of areas on ``day`` (one read for them all)."""
    if not area_ids:
        return {}
    ledger_listener.sync(session)
    figures, _ = views.read(session.connection(), list(area_ids), day, list(metrics))
    return figures


def sellers_by_child(session: Session, area: Area, day: dt.date) -> list[ChildSellers]:
    """Per child area on ``day``: households and producers with a shop and
    e-payment, and the activity of ``day``'s month (the drill-down's second table)."""
    children = _children(session, area, day)
    ids = [c.id for c in children]
    figures = _seller_figures(session, ids, day, CHILD_METRICS)
    active = views.month_activity(session.connection(), ids, day.replace(day=1))
    out = []
    for c in children:
        f = figures.get(c.id, {})
        a = active[c.id]
        if not c.current and not any(f.values()) and not a:
            continue
        households, producers = f.get(HOUSEHOLDS, 0), f.get("producers", 0)
        out.append(
            ChildSellers(
                area_id=c.id,
                label=c.name,
                households=households,
                households_shop=f.get(HH_SHOP, 0),
                households_shop_paying=f.get(HH_SHOP_PAYING, 0),
                households_shop_paying_percent=rules.share(
                    f.get(HH_SHOP_PAYING, 0), households
                ),
                producers=producers,
                shop_paying=f.get("producers.shop_paying", 0),
                shop_paying_percent=rules.share(
                    f.get("producers.shop_paying", 0), producers
                ),
                active_shops=a.active_shops,
                orders=a.orders,
                revenue_vnd=a.revenue_vnd,
            )
        )
    return out


def seller_trend(
    session: Session, area: Area, day: dt.date, activity: Sequence[ActivityMonth]
) -> list[SellerTrendPoint]:
    """The last 12 months up to ``day``: households with a shop and e-payment at
    each month's end (``day`` for the running month), and the month's orders and
    revenue (from ``activity``, the coverage's months)."""
    sums = {a.month: a for a in activity}
    ledger_listener.sync(session)
    conn = session.connection()
    points = []
    for month in activity_months(day):
        end = min(rules.month_end(month), day)
        figures, _ = views.read(conn, [area.id], end, [HH_SHOP_PAYING])
        got = sums.get(month)
        points.append(
            SellerTrendPoint(
                month=month,
                households_shop_paying=figures[area.id].get(HH_SHOP_PAYING, 0),
                orders=got.orders if got else 0,
                revenue_vnd=got.revenue_vnd if got else 0,
            )
        )
    return points


# --- action list ------------------------------------------------------------------------


def actions(
    session: Session,
    actor: User,
    area_id: int | None,
    *,
    hamlet_id: int | None = None,
    marketplace: str | None = None,
    blocked_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Actions:
    """What must happen next in an area: unlisted products, expiring certificates, troubles."""
    area = resolve_area(session, actor, area_id)
    if hamlet_id is not None:
        resolve_area(session, actor, hamlet_id)
    day = today()
    market_id = None
    if marketplace:
        found = [
            m
            for m in repository.marketplaces(session)
            if m.code == marketplace or str(m.id) == marketplace
        ]
        if not found:
            raise InvalidInput(
                f"Không có sàn “{marketplace[:40]}”.", field="marketplace"
            )
        market_id = found[0].id
    rows, total = repository.unlisted(
        session,
        area.id,
        day,
        hamlet_id=hamlet_id,
        marketplace_id=market_id,
        blocked_only=blocked_only,
        limit=min(limit, ACTION_LIMIT),
        offset=offset,
    )
    product_ids = [r[0].id for r in rows]
    listings = repository.listings_of(session, product_ids)
    blocked = repository.blocked_of(
        session, [x.id for ls in listings.values() for x, _ in ls]
    )
    stars = repository.best_stars(session, product_ids, day)
    teams = repository.teams_of(session, sorted({r[0].hamlet_id for r in rows}))
    steps = repository.step_names(session)
    items = []
    for product, producer, hamlet, last_move in rows:
        mine = listings.get(product.id, [])
        lines = [
            ActionListing(
                marketplace=m.domain,
                status=LISTING_STATUS_LABELS.get(x.status.value, x.status.value),
                next_step=steps.get(x.next_step, x.next_step) if x.next_step else None,
                blocked=[
                    f"{steps.get(b.step_code, b.step_code)}: {b.blocked_reason or ''}"
                    for b in blocked.get(x.id, [])
                ],
            )
            for x, m in mine
        ]
        since = last_move or product.created_at
        next_step = next((ln.next_step for ln in lines if ln.next_step), None)
        if not mine:
            next_step = "Mở hồ sơ lên sàn (chụp ảnh sản phẩm)"
        team = teams.get(product.hamlet_id)
        contact = _contact(producer.representative, producer.phone)
        items.append(
            ActionItem(
                product_id=product.id,
                product=product.name,
                stars=stars.get(product.id),
                hamlet_id=hamlet.id,
                hamlet=hamlet.name,
                next_step=next_step,
                waiting_days=max(0, (day - vn_date(since)).days),
                blocked=[b for ln in lines for b in ln.blocked],
                team=f"Tổ CNSCĐ {hamlet.name}" if team else None,
                team_leader=team[1] if team else None,
                producer=producer.name,
                contact=contact,
                listings=lines,
            )
        )
    items.sort(key=lambda i: -i.waiting_days)
    until = day + dt.timedelta(days=product_rules.EXPIRING_DAYS)
    expiring = [
        ExpiringItem(
            product_id=p.id,
            product=p.name,
            hamlet=h.name,
            stars=c.stars,
            expires_on=c.expires_on,
            days_left=(c.expires_on - day).days,
        )
        for c, p, h in repository.expiring(
            session, area.id, day, until, hamlet_id=hamlet_id, limit=ACTION_LIMIT
        )
    ]
    trouble_rows = repository.troubled(
        session,
        area.id,
        day,
        hamlet_id=hamlet_id,
        marketplace_id=market_id,
        limit=ACTION_LIMIT,
    )
    comments = repository.last_rejections(session, [x.id for x, *_ in trouble_rows])
    troubles = [
        TroubleItem(
            listing_id=x.id,
            product_id=p.id,
            product=p.name,
            hamlet=h.name,
            marketplace=m.domain,
            status=LISTING_STATUS_LABELS[x.status.value],
            reason=x.delist_reason
            if x.status.value == "delisted"
            else comments.get(x.id),
            since=x.delisted_on or vn_date(x.updated_at),
        )
        for x, p, m, h in trouble_rows
    ]
    # --- link check (issue 16 item 7): "có thể đã bị gỡ" --------------------------
    maybe_removed = [
        MaybeRemovedItem.from_object(
            f,
            kind=f.kind.value,
            answer=LINK_ANSWERS.get(f.outcome.value if f.outcome else "", "—"),
        )
        for f in link_views.flagged(
            session,
            area.id,
            day,
            hamlet_id=hamlet_id,
            marketplace_id=market_id,
            limit=ACTION_LIMIT,
        )
    ]
    # --- end link check ----------------------------------------------------------
    return Actions(
        area=area.ref,
        as_of=day,
        unlisted_total=total,
        unlisted=items,
        expiring=expiring,
        troubles=troubles,
        maybe_removed=maybe_removed,
        **_after_listing(session, actor, area, day, hamlet_id),
    )


# --- activity after listing (issue #16 item 5) ---------------------------------------
# The flags of ``sellers/flags.py`` and the Mobile Money accounts still waiting:
# one statement per section whatever the area's size.


def flag_title(code: str, label_text: str, days: int) -> str:
    """A flag section's title; the dormant one says its N."""
    if code == seller_flags.DORMANT_SHOP:
        return f"{days} ngày chưa có đơn"
    return label_text


def _after_listing(
    session: Session, actor: User, area: Area, day: dt.date, hamlet_id: int | None
) -> dict[str, Any]:
    where = hamlet_id if hamlet_id is not None else area.id
    groups = [
        FlagGroup(
            code=s.code,
            title=flag_title(s.code, s.label, s.days),
            days=s.days,
            items=[FlagLine.model_validate(f, from_attributes=True) for f in s.items],
        )
        for s in seller_flags.sections(
            session, actor, None if where == NATION else where, day, limit=ACTION_LIMIT
        )
    ]
    waiting = [
        MobileMoneyWaiting(
            payment_account_id=x.id,
            producer_id=p.id,
            producer=p.name,
            hamlet=h.name,
            provider=x.provider_info.name,
            status=label(x.status),
            since=x.status_on or vn_date(x.updated_at),
            days=max(0, (day - (x.status_on or vn_date(x.updated_at))).days),
        )
        for x, p, h in repository.mobile_money_waiting(
            session, area.id, day, hamlet_id=hamlet_id, limit=ACTION_LIMIT
        )
    ]
    choices = [
        UrlChoiceItem.model_validate(c, from_attributes=True)
        for c in seller_flags.url_choices(
            session, actor, None if where == NATION else where, day, limit=ACTION_LIMIT
        )
    ]
    return {"flags": groups, "mobile_money": waiting, "url_choices": choices}


def _contact(representative: str | None, phone: str | None) -> str | None:
    """The producer's contact (personal data: only ever shown inside the reader's area)."""
    parts = [p for p in (representative, display_vn(phone) if phone else None) if p]
    return " · ".join(parts) or None


# --- teams ---------------------------------------------------------------------------


def teams(
    session: Session, actor: User, area_id: int | None, month: str | None
) -> Teams:
    """Per team: products moved forward and listed this month and overall."""
    area = resolve_area(session, actor, area_id)
    first = parse_month(month)
    return teams_of(session, area, first)


def teams_of(session: Session, area: Area, first: dt.date) -> Teams:
    """Teams' progress in a checked area for the month starting ``first``."""
    last = rules.month_end(first)
    day = min(last, today())
    pairs = repository.teams_in(session, area.id, day)
    hamlets = [t.hamlet_id for t, _ in pairs]
    end = start_of_day(last + rules.ONE_DAY)
    moved_m, listed_m = repository.progress(session, hamlets, start_of_day(first), end)
    moved_t, listed_t = repository.progress(session, hamlets, None, end)
    leaders = repository.teams_of(session, hamlets)
    on_shops = _seller_figures(session, hamlets, day, TEAM_METRICS)
    active = views.month_activity(session.connection(), hamlets, first)
    lines = [
        TeamLine(
            team_id=t.id,
            hamlet_id=u.id,
            hamlet=u.name,
            leader=leaders.get(u.id, (t, None))[1],
            moved_month=moved_m.get(u.id, 0),
            listed_month=listed_m.get(u.id, 0),
            moved_total=moved_t.get(u.id, 0),
            listed_total=listed_t.get(u.id, 0),
            households_shop=on_shops.get(u.id, {}).get(HH_SHOP, 0),
            households_shop_paying=on_shops.get(u.id, {}).get(HH_SHOP_PAYING, 0),
            active_shops=active[u.id].active_shops,
            households_ocop_trained=on_shops.get(u.id, {}).get(HH_OCOP_TRAINED, 0),
            members=on_shops.get(u.id, {}).get("members", 0),
            members_trained=on_shops.get(u.id, {}).get("members.trained", 0),
        )
        for t, u in pairs
    ]
    lines.sort(
        key=lambda x: (-x.listed_month, -x.moved_month, -x.listed_total, x.hamlet)
    )
    return Teams(area=area.ref, month=month_text(first), teams=lines)


# --- monthly report ------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the monthly report shows, frozen as of the month's last day."""

    area: AreaRef
    month: dt.date
    as_of: dt.date
    complete: bool  # False while the month is still running (figures as of today)
    recipient: str
    coverage: Coverage
    trend: Trend
    teams: Teams
    generated_at: dt.datetime
    sellers_by_child: list[ChildSellers]

    def snapshot(self) -> dict[str, Any]:
        """The figures as JSON (what a submission freezes)."""
        return {
            "area": self.area.model_dump(mode="json"),
            "month": month_text(self.month),
            "as_of": self.as_of.isoformat(),
            "complete": self.complete,
            "recipient": self.recipient,
            "coverage": self.coverage.model_dump(mode="json"),
            "trend": self.trend.model_dump(mode="json"),
            "teams": self.teams.model_dump(mode="json"),
            "sellers_by_child": [
                c.model_dump(mode="json") for c in self.sellers_by_child
            ],
            "generated_at": self.generated_at.isoformat(),
        }


def monthly(
    session: Session, actor: User, area_id: int | None, month: str | None
) -> MonthlyReport:
    """The monthly report of an area, as of the month's last day."""
    area = resolve_area(session, actor, area_id)
    return monthly_of(session, area, parse_month(month))


def monthly_of(session: Session, area: Area, first: dt.date) -> MonthlyReport:
    """The monthly report of a checked area."""
    last = rules.month_end(first)
    now = today()
    as_of = min(last, now)
    return MonthlyReport(
        area=area.ref,
        month=first,
        as_of=as_of,
        complete=now >= last,
        recipient=get_settings().report_recipient,
        coverage=coverage_of(session, area, as_of),
        trend=trend_of(session, area, as_of),
        teams=teams_of(session, area, first),
        generated_at=dt.datetime.now(dt.UTC),
        sellers_by_child=sellers_by_child(session, area, as_of),
    )


# --- submissions ------------------------------------------------------------------------


def submission_read(
    session: Session,
    s: ReportSubmission,
    *,
    with_snapshot: bool,
    message: str | None = None,
) -> SubmissionRead:
    """The API model of a submission."""
    unit = session.get(AdminUnit, s.area_id)
    return SubmissionRead.from_object(
        s,
        area=unit.name if unit else "",
        month=month_text(s.month),
        correction=s.version > 1,
        submitted_by=s.submitted_by_name,
        message=message,
        snapshot=s.snapshot if with_snapshot else None,
    )


def submit_refusal(actor: User, area_id: int) -> AppError | None:
    """Why the actor may not submit the report of this (checked) area, or None.

    The one submission rule: the submitters' roles, each for their own area
    (an admin for any unit), never for the whole country.
    """
    if area_id == NATION:
        return InvalidInput("Hãy chọn đơn vị nộp báo cáo.", field="area_id")
    if actor.role not in SUBMITTERS:
        return Forbidden(
            "Chỉ tổ trưởng, cán bộ xã/phường hoặc Sở được nộp báo cáo tháng."
        )
    if actor.role is not Role.admin and area_id != actor.area_id:
        return Forbidden(
            "Mỗi đơn vị tự nộp báo cáo của mình; bạn chỉ nộp được báo cáo của "
            "địa bàn mình phụ trách."
        )
    return None


def may_submit(actor: User, area_id: int) -> bool:
    """True when the actor may submit the report of this (checked) area."""
    return submit_refusal(actor, area_id) is None


def submit(
    session: Session,
    actor: User,
    *,
    area_id: int | None,
    month: str,
    note: str | None = None,
) -> tuple[ReportSubmission, str]:
    """Freeze the month's figures as a new version; never overwrite an earlier one."""
    area = resolve_area(
        session, actor, area_id if area_id is not None else actor.area_id
    )
    refusal = submit_refusal(actor, area.id)
    if refusal is not None:
        raise refusal
    first = parse_month(month)
    last = rules.month_end(first)
    now = today()
    if now < last:
        raise InvalidInput(
            f"Báo cáo tháng {first:%m/%Y} nộp từ ngày cuối tháng ({last:%d/%m/%Y}).",
            field="month",
        )
    if note is not None and has_forbidden_chars(note, multiline=True):
        raise InvalidInput("Ghi chú chứa ký tự điều khiển hoặc ký tự ẩn.", field="note")
    clean_note = normalize_multiline(note) if note else None
    clean_note = clean_note or None
    if clean_note is not None and len(clean_note) > 1000:
        raise InvalidInput("Ghi chú tối đa 1000 ký tự.", field="note")
    report = monthly_of(session, area, first)
    version = repository.latest_version(session, area.id, first) + 1
    submission = ReportSubmission(
        area_id=area.id,
        month=first,
        version=version,
        submitted_by_id=actor.id,
        submitted_by_name=actor.display_name,
        on_time=now <= last,
        recipient=report.recipient,
        note=clean_note,
        snapshot=report.snapshot(),
    )
    session.add(submission)
    session.flush()
    if version > 1:
        message = (
            f"Đã nộp bản sửa (phiên bản {version}) báo cáo tháng {first:%m/%Y}; "
            "các phiên bản trước vẫn được lưu nguyên."
        )
    else:
        message = f"Đã nộp báo cáo tháng {first:%m/%Y}" + (
            " đúng hạn." if submission.on_time else " (nộp muộn)."
        )
    return submission, message


def get_submission(
    session: Session, actor: User, submission_id: int
) -> ReportSubmission:
    """One submission inside the actor's area (404 otherwise)."""
    s = views.submission(session, actor, submission_id)
    if s is None:
        raise OutOfScope("Không tìm thấy báo cáo này.")
    return s


# What a unit reports on: with none of these and no team, it has nothing to report.
REPORTED = ("ocop", "ocop.lapsed", "other", "producers")


def nothing_to_report(
    session: Session, area_ids: Sequence[int], day: dt.date
) -> set[int]:
    """Units that have nothing to report on ``day``: no product, no producer, no team.

    A unit with a team (its own or one under it) must report even with no
    product; a unit with a product or a producer has figures to send.
    """
    if not area_ids:
        return set()
    ledger_listener.sync(session)
    figures, _ = views.read(session.connection(), list(area_ids), day, REPORTED)
    quiet = {a for a in area_ids if not any(figures.get(a, {}).values())}
    return quiet - repository.areas_with_teams(session, sorted(quiet), day)


def board(
    session: Session, actor: User, area_id: int | None, month: str | None
) -> Board:
    """Which units under an area have submitted the month's report, which are late.

    A unit with nothing to report (``nothing_to_report``) is shown as such,
    neither late nor waited for, unless it sent a report all the same.
    """
    area = resolve_area(session, actor, area_id)
    first = parse_month(month)
    last = rules.month_end(first)
    now = today()
    day = min(last, now)
    lower = [u for u in _children(session, area, day) if u.current]
    ids = [u.id for u in lower] + ([area.id] if area.unit else [])
    subs = repository.submissions_for(session, ids, first)
    idle = nothing_to_report(session, ids, day)

    def line(unit: repository.UnitRef | None) -> BoardLine:
        if unit is None:
            return BoardLine(
                area_id=NATION,
                area="Toàn quốc",
                level="nation",
                status="open",
                version=None,
                on_time=None,
                submitted_at=None,
                submitted_by=None,
                submission_id=None,
            )
        versions = subs.get(unit.id, [])
        latest = versions[-1] if versions else None
        first_sub = versions[0] if versions else None
        if latest:
            status = "submitted"
        elif unit.id in idle:
            status = "nothing_to_report"
        else:
            status = "late" if now > last else "open"
        return BoardLine(
            area_id=unit.id,
            area=unit.name,
            level=unit.level,
            status=status,
            version=latest.version if latest else None,
            on_time=first_sub.on_time if first_sub else None,
            submitted_at=latest.submitted_at if latest else None,
            submitted_by=latest.submitted_by_name if latest else None,
            submission_id=latest.id if latest else None,
        )

    lines = [line(u) for u in lower]
    own = (
        repository.UnitRef(area.unit.id, area.unit.name, area.unit.level.value)
        if area.unit
        else None
    )
    return Board(
        area=area.ref,
        month=month_text(first),
        due=last,
        own=line(own),
        lower=lines,
        submitted=sum(1 for x in lines if x.status == "submitted"),
        late=sum(1 for x in lines if x.status == "late"),
        nothing_to_report=sum(1 for x in lines if x.status == "nothing_to_report"),
    )
