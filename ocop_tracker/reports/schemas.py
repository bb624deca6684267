"""API models of reports."""

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ocop_tracker.core.schemas import Schema


class Out(Schema):
    """Base of report read models (fields they are not given are ignored)."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")


class ReportFormat(StrEnum):
    """What the monthly report downloads as."""

    pdf = "pdf"
    xlsx = "xlsx"


class AreaRef(Out):
    """An area node (id 0 = the whole country)."""

    id: int
    name: str
    level: str


class Ratio(Out):
    """A count out of a whole, with the percentage (None when the whole is 0)."""

    key: str
    label: str
    count: int
    total: int
    percent: float | None


class Line(Out):
    """One row of a breakdown: how many count, how many of them are listed."""

    key: str
    label: str
    total: int
    listed: int
    percent: float | None


class ChildLine(Line):
    """One child area's headline figures (click to drill down)."""

    area_id: int
    level: str
    both: int


class ChildSellers(Out):
    """One child area's producers on the marketplaces and its month's activity."""

    area_id: int
    label: str
    households: int
    households_shop: int
    households_shop_paying: int
    households_shop_paying_percent: float | None
    producers: int
    shop_paying: int
    shop_paying_percent: float | None
    active_shops: int
    orders: int
    revenue_vnd: int


class SellerTrendPoint(Out):
    """At the end of one month: households with a shop and e-payment; the
    month's orders and revenue."""

    month: dt.date
    households_shop_paying: int
    orders: int
    revenue_vnd: int


class Headline(Out):
    """Products counted, listed on at least one marketplace, on both named ones."""

    total: int
    listed: int
    percent: float | None
    both: int
    both_percent: float | None
    by_marketplace: list[Ratio]


class OcopHeadline(Headline):
    """The target figure of DOMAIN.md §3, with lapsed and expiring certificates."""

    expiring: int
    lapsed: int


class Payments(Out):
    """Producers with an e-payment account opened."""

    producers: int
    opened: int
    percent: float | None
    by_kind: list[Ratio]


class MarketplaceShops(Out):
    """Producers with an open shop on one marketplace."""

    marketplace_id: int
    code: str
    name: str
    domain: str  # how pages and reports name it: voso.vn
    open: int


class SellerIndicators(Out):
    """Producers on the marketplaces (DOMAIN.md §8): shops, e-payment, both.

    ``households`` are producers of the household kind; percentages are shares
    of ``producers`` (and of ``households``), None when there are none.
    """

    producers: int
    households: int
    shop_any: int
    shop_both: int
    paying: int
    shop_paying: int
    households_shop_paying: int
    shop_by_marketplace: list[MarketplaceShops]
    shop_paying_percent: float | None
    households_shop_paying_percent: float | None


class ActivityMonth(Out):
    """What the area's shops did in one month (self-reported, DOMAIN.md §8).

    Counted from the monthly reports as they stand now (a month reported late
    or corrected counts in a past date's report too), at each shop's hamlet,
    under the tree of the month's last day.
    """

    month: dt.date = Field(description="first day of the month")
    active_shops: int = Field(description="shops with at least one order that month")
    orders: int
    revenue_vnd: int


class TrainingMonth(Out):
    """Training in the area in one month: each session at the area it was held
    in, each coaching visit at the producer's hamlet."""

    month: dt.date = Field(description="first day of the month")
    sessions: int
    attendees: int = Field(description="producers and team members at the sessions")
    coaching_visits: int


class TrainingIndicators(Out):
    """Who has been trained (issue 17 item 3): a producer or team member counts
    from the day of the first session they attended.

    ``households_ocop`` are households holding a product whose OCOP
    certificate is in force; percentages are None when there are none.
    """

    households_ocop: int
    households_ocop_trained: int
    households_ocop_trained_percent: float | None
    producers_trained: int
    members: int = Field(description="members of the area's digital teams")
    members_trained: int
    members_trained_percent: float | None
    months: list[TrainingMonth] = Field(
        description="the 12 months ending with the report date's month, oldest first"
    )


class Coverage(Out):
    """Coverage of an area on a date (DOMAIN.md §3)."""

    area: AreaRef
    as_of: dt.date
    source: str = Field(
        description="counts (kept in step), checkpoints (past dates: the nearest "
        "checkpoint that keeps the area and the changes between) or segments (past dates the "
        "checkpoints cannot answer)"
    )
    ocop: OcopHeadline
    other: Headline
    other_by_kind: list[Line]
    by_child: list[ChildLine]
    by_group: list[Line]
    by_stars: list[Line]
    by_producer_type: list[Line]
    funnel: list[Ratio]
    payments: Payments
    sellers: SellerIndicators
    activity: list[ActivityMonth] = Field(
        description="the 12 months ending with the report date's month, oldest first"
    )
    training: TrainingIndicators


class TrendPoint(Out):
    """Coverage at the end of one month."""

    day: dt.date
    total: int
    listed: int
    percent: float | None
    both: int
    other_total: int
    other_listed: int


class Trend(Out):
    """Coverage at the end of every month since the first record."""

    area: AreaRef
    points: list[TrendPoint]


class ActionListing(Out):
    """Where one marketplace stands for a product on the action list."""

    marketplace: str
    status: str
    next_step: str | None
    blocked: list[str]


class ActionItem(Out):
    """A valid OCOP product not yet listed: what to do next and who must act."""

    product_id: int
    product: str
    stars: int | None
    hamlet_id: int
    hamlet: str
    next_step: str | None
    waiting_days: int
    blocked: list[str]
    team: str | None
    team_leader: str | None
    producer: str
    contact: str | None
    listings: list[ActionListing]


class ExpiringItem(Out):
    """A certificate ending within 90 days."""

    product_id: int
    product: str
    hamlet: str
    stars: int
    expires_on: dt.date
    days_left: int


class TroubleItem(Out):
    """A listing rejected or delisted: why, and since when."""

    listing_id: int
    product_id: int
    product: str
    hamlet: str
    marketplace: str
    status: str
    reason: str | None
    since: dt.date | None


# --- link check (issue 16 item 7): URLs that may have been taken down ---------
class MaybeRemovedItem(Out):
    """A verified shop or product page that answered "gone" (404/410) or led to the
    marketplace's home page on two days or more in a row: "có thể đã bị gỡ".
    Only a flag for a person to look at; nothing was delisted."""

    kind: str  # "shop" (a producer's shop) or "listing" (a product page)
    owner_id: int  # the producer (shop) or the product (listing)
    owner: str
    hamlet: str
    marketplace: str
    url: str
    answer: str  # what the page answered last, in words
    bad_days: int
    since: dt.date | None
    checked_on: dt.date


# --- end link check ------------------------------------------------------------
# --- activity after listing (issue #16 item 5): flags and waiting Mobile Money ---


class FlagLine(Out):
    """A shop or listing a flag rule points at, with the days it has waited."""

    producer_id: int
    producer: str
    hamlet: str
    marketplace: str
    days: int
    since: dt.date
    seller_account_id: int | None
    listing_id: int | None
    product_id: int | None
    product: str | None
    last_order_on: dt.date | None


class FlagGroup(Out):
    """One flag rule's section of the action list (its title says N days)."""

    code: str
    title: str
    days: int
    items: list[FlagLine]


class MobileMoneyWaiting(Out):
    """A Mobile Money account guided or applied for, not open yet."""

    payment_account_id: int
    producer_id: int
    producer: str
    hamlet: str
    provider: str
    status: str
    since: dt.date
    days: int


class UrlChoiceItem(Out):
    """A shop whose URL a person must choose among those its products recorded."""

    seller_account_id: int
    producer_id: int
    producer: str
    hamlet: str
    marketplace: str
    candidates: int


class Actions(Out):
    """The action list of an area (today)."""

    area: AreaRef
    as_of: dt.date
    unlisted_total: int
    unlisted: list[ActionItem]
    expiring: list[ExpiringItem]
    troubles: list[TroubleItem]
    # link check (issue 16 item 7): shop and product pages that may be gone
    maybe_removed: list[MaybeRemovedItem] = Field(default=[])
    flags: list[FlagGroup] = Field(default_factory=list)
    mobile_money: list[MobileMoneyWaiting] = Field(default_factory=list)
    # shops the step migration left without a URL (several recorded): a person chooses
    url_choices: list[UrlChoiceItem] = Field(default_factory=list)


class TeamLine(Out):
    """One team's progress this month and overall."""

    team_id: int
    hamlet_id: int
    hamlet: str
    leader: str | None
    moved_month: int
    listed_month: int
    moved_total: int
    listed_total: int
    households_shop: int = Field(
        default=0, description="Households of the hamlet with an open shop"
    )
    households_shop_paying: int = Field(
        default=0,
        description="Households of the hamlet with an open shop and open e-payment",
    )
    active_shops: int = Field(
        default=0, description="Shops of the hamlet with an order in the month"
    )
    households_ocop_trained: int = Field(
        default=0,
        description="Households of the hamlet holding OCOP that have been trained",
    )
    members_trained: int = Field(
        default=0, description="Members of the team trained at least once"
    )
    members: int = Field(default=0, description="Members of the team")


class Teams(Out):
    """Teams' progress in an area for a month, best first."""

    area: AreaRef
    month: str
    teams: list[TeamLine]


class SubmissionCreate(BaseModel):
    """Submit the monthly report of an area."""

    model_config = ConfigDict(extra="forbid")

    area_id: int | None = None
    month: str = Field(description="YYYY-MM", max_length=7)
    note: str | None = Field(default=None, max_length=1000)


class SubmissionRead(Out):
    """A submitted report: frozen figures, who, when, version."""

    id: int
    area_id: int
    area: str
    month: str
    version: int
    correction: bool
    on_time: bool
    submitted_by: str
    submitted_at: dt.datetime
    recipient: str
    note: str | None
    message: str | None = None
    snapshot: dict[str, Any] | None = None


class BoardLine(Out):
    """Whether one unit has submitted its report for the month."""

    area_id: int
    area: str
    level: str
    # submitted | late | open | nothing_to_report (no product, no producer and
    # no team under the unit: it has no report to send, and is never late)
    status: str
    version: int | None
    on_time: bool | None
    submitted_at: dt.datetime | None
    submitted_by: str | None
    submission_id: int | None


class Board(Out):
    """The submissions of an area and of the units under it, for one month."""

    area: AreaRef
    month: str
    due: dt.date
    own: BoardLine
    lower: list[BoardLine]
    submitted: int
    late: int
    nothing_to_report: int = Field(
        description="Lower units with no product, no producer and no team: not due "
        "to report, not counted late"
    )


class PilotWindow(Out):
    """A pilot with a unit in the area or above it."""

    id: int
    name: str
    start_on: dt.date
    end_on: dt.date
    status: str = Field(description="upcoming, running or ended (today)")
    units: list[str]


class TeamSetup(Out):
    """Teams set up in an area on a day (issue 17 item 4): hamlets with a team,
    teams whose establishment decision is recorded, and the pilots around it."""

    area: AreaRef
    as_of: dt.date
    hamlets: int
    hamlets_with_team: int
    hamlets_with_team_percent: float | None
    teams_with_decision: int
    pilots: list[PilotWindow]
