"""Pure rules of coverage: what a product or producer counts as on a day.

No database, no clock. ``product_dims`` says how one product counts on one day
(DOMAIN.md §3); ``segments`` turns that into spans of days by evaluating it at
every day where one of its inputs changes; ``metrics`` names the figures a
span adds to. The ledger, the naïve recount in the tests and the reports all
go through these functions.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import NamedTuple, Self

from ocop_tracker.core.clock import VIETNAM
from ocop_tracker.products import rules as product_rules

ONE_DAY = dt.timedelta(days=1)

# The funnel of DOMAIN.md §4 (step codes of the default marketplaces): a
# product's own steps. The shop and the e-payment account are the producer's.
FUNNEL_STEPS = ("photos", "listing", "first_order", "quality")
# Every step the funnel ever had, in order: the retired ones ("storefront",
# "payment", until issue 16) still answer for the days they were asked.
FUNNEL_HISTORY = (
    "photos",
    "storefront",
    "payment",
    "listing",
    "first_order",
    "quality",
)


def funnel_steps(day: dt.date, retired: Mapping[str, dt.date]) -> list[str]:
    """The funnel's steps on ``day``: today's, and a retired one on the days
    before its retirement (so a past day answers as it did)."""
    return [
        code
        for code in FUNNEL_HISTORY
        if code in FUNNEL_STEPS or (code in retired and day < retired[code])
    ]


def retire(
    trail: Sequence[tuple[dt.date, str | None]], on: dt.date | None
) -> list[tuple[dt.date, str | None]]:
    """A step's trail ended on its step's retirement day (nothing counts from then)."""
    if on is None:
        return list(trail)
    return [c for c in trail if c[0] < on] + [(on, None)]


OCOP, LAPSED, OTHER, PRODUCER = "ocop", "lapsed", "other", "producer"
MEMBER = "member"  # a team member: counted for training


def vn_clock(moment: dt.datetime) -> str:
    """An instant as Vietnam clock time, the way a report says it: 14:05 ngày 30/11/2026."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(VIETNAM)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


# The facts and segments are slotted: a refresh of an import makes hundreds
# of thousands of them, each without a dict of its own is lighter to make and
# one object fewer for the garbage collector's full passes to walk.
@dataclass(frozen=True, slots=True)
class CertFact:
    """What coverage reads of a certificate."""

    id: int
    decision_date: dt.date
    expires_on: dt.date
    revoked_on: dt.date | None
    stars: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """A value that changes on given days: ``(day, value)`` in order; None before."""

    changes: tuple[tuple[dt.date, str | None], ...] = ()

    def on(self, day: dt.date) -> str | None:
        """The value at the end of ``day``."""
        value: str | None = None
        for when, what in self.changes:
            if when > day:
                break
            value = what
        return value

    def days(self) -> list[dt.date]:
        """Days on which the value may change."""
        return [when for when, _ in self.changes]


def timeline(changes: Iterable[tuple[dt.date, str | None]]) -> Timeline:
    """A timeline from changes in the order they happened (the last of a day wins)."""
    by_day: dict[dt.date, str | None] = {}
    for day, value in changes:
        by_day[day] = value
    return Timeline(tuple(sorted(by_day.items(), key=lambda kv: kv[0])))


@dataclass(frozen=True, slots=True)
class ListingFact:
    """A listing: its status over time and, per step code, the step's status."""

    marketplace_id: int
    status: Timeline
    steps: Mapping[str, Timeline] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """Everything a product's coverage depends on."""

    product_id: int
    hamlet_id: int
    kind: str
    group_id: int | None
    ptype: str
    exists: Timeline  # "1" while the product exists
    certs: Sequence[CertFact]
    listings: Sequence[ListingFact]


@dataclass(frozen=True, slots=True)
class ProducerFacts:
    """Everything a producer's figures depend on."""

    producer_id: int
    hamlet_id: int
    kind: str
    exists: Timeline
    payments: Sequence[Timeline]  # each account's status over time
    # Per marketplace id, the seller account's status over time (DOMAIN.md §4).
    shops: Mapping[int, Timeline] = field(default_factory=dict)
    # The day of the first training session attended, if any.
    trained_from: dt.date | None = None
    # Each OCOP product's certificates (a producer "holds OCOP" while one is in force).
    ocop_certs: Sequence[Sequence[CertFact]] = ()


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What a team member's figures depend on."""

    member_id: int
    hamlet_id: int
    exists: Timeline
    trained_from: dt.date | None = None


class Dims(NamedTuple):
    """How a subject counts on a day (one row of ``report_segments`` minus dates).

    A named tuple, not a dataclass: a refresh makes, hashes and compares
    hundreds of thousands (made in 0.6 µs, not 1.7; hashed in 0.08, not 0.19)."""

    category: str
    stars: int | None = None
    group_id: int | None = None
    kind: str | None = None
    ptype: str | None = None
    listed: bool = False
    both: bool = False
    expiring: bool = False
    paying: bool = False
    # A product: the marketplaces it is listed on; a producer: those it has an
    # open shop on (``both``: on every named one).
    markets: str = ""
    steps: str = ""
    # A producer or member: trained by then; a producer: holds a product in force.
    trained: bool = False
    holds_ocop: bool = False


class Segment(NamedTuple):
    """Dims over ``[start, end)``; ``end`` None = open."""

    start: dt.date
    end: dt.date | None
    dims: Dims


def product_dims(
    facts: ProductFacts, day: dt.date, named: frozenset[int]
) -> Dims | None:
    """How the product counts on ``day``, or None when it does not count at all."""
    markets = sorted(
        {lf.marketplace_id for lf in facts.listings if lf.status.on(day) == "listed"}
    )
    listed = bool(markets)
    both = bool(named) and named.issubset(markets)
    market_text = ",".join(str(m) for m in markets)
    if facts.kind == "ocop":
        cert = product_rules.current_certificate(facts.certs, day)
        if cert is None:
            if any(c.decision_date <= day for c in facts.certs):
                return Dims(LAPSED, group_id=facts.group_id, ptype=facts.ptype)
            return None
        steps = sorted(
            {
                code
                for lf in facts.listings
                for code, tl in lf.steps.items()
                if tl.on(day) == "done"
            }
        )
        status = product_rules.status_of(cert, day)
        return Dims(
            OCOP,
            stars=cert.stars,
            group_id=facts.group_id,
            ptype=facts.ptype,
            listed=listed,
            both=both,
            expiring=status is product_rules.CertificateStatus.expiring,
            markets=market_text,
            steps=",".join(steps),
        )
    if facts.exists.on(day) is None:
        return None
    return Dims(
        OTHER,
        group_id=facts.group_id,
        kind=facts.kind,
        listed=listed,
        both=both,
        markets=market_text,
    )


# A payment account's status words that mean open: "open", and "opened" in the
# trail of the days before accounts took the plan's words (issue 16), so that
# figures as of those days stay as they were.
OPEN_PAYMENT = frozenset({"open", "opened"})


# A seller account's status that means an open shop.
OPEN_SHOP = "open"


def producer_dims(
    facts: ProducerFacts, day: dt.date, named: frozenset[int] = frozenset()
) -> Dims | None:
    """How the producer counts on ``day`` (None before it exists).

    ``markets`` holds the marketplaces it has an open shop on, ``listed`` any
    shop, ``both`` a shop on every marketplace the plan names.
    """
    if facts.exists.on(day) is None:
        return None
    paying = any(p.on(day) in OPEN_PAYMENT for p in facts.payments)
    shops = sorted(m for m, tl in facts.shops.items() if tl.on(day) == OPEN_SHOP)
    return Dims(
        PRODUCER,
        kind=facts.kind,
        paying=paying,
        listed=bool(shops),
        both=bool(named) and named.issubset(shops),
        markets=",".join(str(m) for m in shops),
        trained=facts.trained_from is not None and facts.trained_from <= day,
        holds_ocop=any(
            product_rules.current_certificate(certs, day) is not None
            for certs in facts.ocop_certs
        ),
    )


def member_dims(facts: MemberFacts, day: dt.date) -> Dims | None:
    """How a team member counts on ``day`` (None when not on a team)."""
    if facts.exists.on(day) is None:
        return None
    return Dims(
        MEMBER,
        trained=facts.trained_from is not None and facts.trained_from <= day,
    )


def _cert_days(c: CertFact) -> tuple[dt.date, ...]:
    """The days a certificate's standing may change."""
    days = (
        c.decision_date,
        c.expires_on + ONE_DAY,
        c.expires_on - dt.timedelta(days=product_rules.EXPIRING_DAYS),
    )
    return days if c.revoked_on is None else (*days, c.revoked_on)


def product_breaks(facts: ProductFacts) -> set[dt.date]:
    """Every day on which the product's dims may change."""
    days: set[dt.date] = set(facts.exists.days())
    for c in facts.certs:
        days.update(_cert_days(c))
    for lf in facts.listings:
        days.update(lf.status.days())
        for tl in lf.steps.values():
            days.update(tl.days())
    return days


def producer_breaks(facts: ProducerFacts) -> set[dt.date]:
    """Every day on which the producer's dims may change."""
    days = set(facts.exists.days())
    for p in facts.payments:
        days.update(p.days())
    for tl in facts.shops.values():
        days.update(tl.days())
    if facts.trained_from is not None:
        days.add(facts.trained_from)
    for certs in facts.ocop_certs:
        for c in certs:
            days.update(_cert_days(c))
    return days


def spans(values: Sequence[tuple[dt.date, Dims | None]]) -> list[Segment]:
    """Segments from dims evaluated at sorted break days (equal neighbours merged)."""
    out: list[Segment] = []
    open_start: dt.date | None = None
    open_dims: Dims | None = None
    for day, dims in values:
        if dims == open_dims:
            continue
        if open_dims is not None and open_start is not None:
            out.append(Segment(open_start, day, open_dims))
        open_start, open_dims = day, dims
    if open_dims is not None and open_start is not None:
        out.append(Segment(open_start, None, open_dims))
    return out


def product_segments(facts: ProductFacts, named: frozenset[int]) -> list[Segment]:
    """The product's dims as spans of days."""
    days = sorted(product_breaks(facts))
    return spans([(d, product_dims(facts, d, named)) for d in days])


def producer_segments(
    facts: ProducerFacts, named: frozenset[int] = frozenset()
) -> list[Segment]:
    """The producer's dims as spans of days."""
    days = sorted(producer_breaks(facts))
    return spans([(d, producer_dims(facts, d, named)) for d in days])


def member_segments(facts: MemberFacts) -> list[Segment]:
    """The team member's dims as spans of days."""
    days = set(facts.exists.days())
    if facts.trained_from is not None:
        days.add(facts.trained_from)
    return spans([(d, member_dims(facts, d)) for d in sorted(days)])


def metrics(dims: Dims) -> list[str]:
    """The figures a subject with these dims adds one to."""
    if dims.category == OCOP:
        out = ["ocop", f"ocop.stars.{dims.stars}", f"ocop.ptype.{dims.ptype}"]
        if dims.group_id is not None:
            out.append(f"ocop.group.{dims.group_id}")
        if dims.expiring:
            out.append("ocop.expiring")
        if dims.listed:
            out += [f"{m}.listed" for m in list(out) if not m.endswith("expiring")]
        if dims.both:
            out.append("ocop.both")
        out += [f"ocop.mp.{m}" for m in dims.markets.split(",") if m]
        out += [f"ocop.step.{s}" for s in dims.steps.split(",") if s]
        return out
    if dims.category == LAPSED:
        return ["ocop.lapsed"]
    if dims.category == MEMBER:
        return ["members", "members.trained"] if dims.trained else ["members"]
    if dims.category == OTHER:
        out = ["other", f"other.kind.{dims.kind}"]
        if dims.listed:
            out += ["other.listed", f"other.kind.{dims.kind}.listed"]
        if dims.both:
            out.append("other.both")
        out += [f"other.mp.{m}" for m in dims.markets.split(",") if m]
        return out
    kind = f"producers.kind.{dims.kind}"
    out = ["producers", kind]
    if dims.paying:
        out += ["producers.paying", f"{kind}.paying"]
    if dims.listed:
        out += ["producers.shop", f"{kind}.shop"]
        out += [f"producers.shop.{m}" for m in dims.markets.split(",") if m]
        if dims.paying:
            out += ["producers.shop_paying", f"{kind}.shop_paying"]
    if dims.both:
        out.append("producers.shop.both")
    if dims.trained:
        out += ["producers.trained", f"{kind}.trained"]
    if dims.holds_ocop:
        out += ["producers.ocop", f"{kind}.ocop"]
        if dims.trained:
            out += ["producers.ocop.trained", f"{kind}.ocop.trained"]
    return out


def headline_metrics(category: str, listed: bool, both: bool) -> list[str]:
    """The figures among a category's total, listed and both that a subject adds one to.

    The same names as ``metrics()`` gives for those three, from the three
    columns they depend on.
    """
    if category not in (OCOP, OTHER):
        return []
    out = [category]
    if listed:
        out.append(f"{category}.listed")
    if both:
        out.append(f"{category}.both")
    return out


def covers(segment: Segment, day: dt.date) -> bool:
    """True when the segment is open on ``day``."""
    return segment.start <= day and (segment.end is None or segment.end > day)


def add_metrics(totals: dict[str, int], dims: Dims, times: int = 1) -> None:
    """Add ``times`` to every figure of ``dims``."""
    for name in metrics(dims):
        totals[name] = totals.get(name, 0) + times


def month_end(month: dt.date) -> dt.date:
    """The last day of the month ``month`` falls in."""
    first_next = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - ONE_DAY


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from ``first``'s month to ``last``'s, capped at ``last``."""
    out: list[dt.date] = []
    month = first.replace(day=1)
    while month <= last:
        out.append(min(month_end(month), last))
        month = month_end(month) + ONE_DAY
    return out


class FieldSums:
    """Integer sums kept in a frozen dataclass: added and subtracted field by
    field, and false when every one is zero (the kept monthly tables)."""

    def _values(self) -> list[int]:
        return [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]

    def __add__(self, other: Self) -> Self:
        pairs = zip(self._values(), other._values(), strict=True)
        return type(self)(*(a + b for a, b in pairs))

    def __sub__(self, other: Self) -> Self:
        pairs = zip(self._values(), other._values(), strict=True)
        return type(self)(*(a - b for a, b in pairs))

    def __bool__(self) -> bool:
        return any(self._values())


@dataclass(frozen=True)
class ActivitySums(FieldSums):
    """What shops did in a month: shops with an order, orders, revenue (đồng)."""

    active_shops: int = 0
    orders: int = 0
    revenue_vnd: int = 0


def activity_day(month: dt.date) -> dt.date:
    """The day whose tree a month's activity is counted under: its last."""
    return month_end(month)


def share(part: int, whole: int) -> float | None:
    """``part / whole`` as a percentage with one decimal, None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)
