""" "Lịch sử" of a record: what changed, who, when, before → after, in Vietnamese,
from the audit trail; and the record as it stood on a past date.

A product's history holds its certificates' events, a producer's its consents and
e-payment account, a listing's its steps and verifications, a seller account's
its checklist and the officials' decisions. The record itself is
read through its domain's views (scoped: out of area → 404), its events through
``audit/views.py`` (one page of events costs the same few statements whatever its
length), and "as it was on date D" through the domains' ``as_of`` reads, which
replay the trail by ``history.service.records_as_of``. ``audit.py`` shows the
trail's events with the same words (``describe``).
"""

import datetime as dt
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.audit import views as audit_views
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core import clock
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError, InvalidInput, NotFound
from ocop_tracker.core.labels import (
    ACTIONS,
    CATALOGUE,
    FIELDS,
    NAMED_KINDS,
    OTHER_ACTION,
    OTHER_RECORD,
    RECORDS,
    label,
)
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.producers import views as producer_views
from ocop_tracker.products import views as product_views
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.web.forms import parse_date
from ocop_tracker.web.paging import Offset, paging
from ocop_tracker.web.render import local_time, render_form

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
EMPTY = "(trống)"
SYSTEM = "Hệ thống"
# Actions that change a row: their events carry before and after.
ROW_ACTIONS = ("create", "update", "delete")


# --- describing events --------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of one event: its label, and its value before and after."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class EventRow:
    """An event as a person reads it."""

    id: int
    when: str
    who: str
    action: str
    record: str
    place: audit_views.Place | None
    changes: list[Change] = field(default_factory=list)


@dataclass
class Words:
    """What turns stored values into words: names of ids, steps of marketplaces."""

    names: dict[str, dict[int, str]]
    steps: dict[tuple[int, str], str]
    providers: Mapping[str, str] = field(default_factory=dict)

    def value(self, kind: str, raw: Any, marketplace_id: int | None = None) -> str:
        """One stored value in Vietnamese (never a code)."""
        if raw is None or raw == "":
            return EMPTY
        if isinstance(raw, enum.Enum):
            raw = raw.value
        if kind in CATALOGUE:
            return CATALOGUE[kind].get(str(raw), EMPTY)
        if kind == "bool":
            return "Có" if raw else "Không"
        if kind == "date":
            return _day(raw).strftime("%d/%m/%Y")
        if kind == "moment":
            return local_time(_moment(raw))
        if kind == "money":
            return f"{int(Decimal(str(raw))):,}".replace(",", ".") + " đ"
        if kind == "provider":
            return self.providers.get(str(raw), EMPTY)
        if kind == "step":
            if marketplace_id is None:
                return EMPTY
            return self.steps.get((marketplace_id, str(raw)), EMPTY)
        if kind in NAMED_KINDS:
            return self.names.get(kind, {}).get(int(raw), "(đã xóa)")
        return str(raw)


def _day(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw)[:10])


def _moment(raw: Any) -> dt.datetime:
    return raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw))


def _values(event: AuditEvent) -> list[tuple[str, Any]]:
    return [(k, v) for d in (event.before, event.after) if d for k, v in d.items()]


def words_for(
    session: Session,
    states: Sequence[tuple[str, Mapping[str, Any]]],
    listings: Mapping[int, int],
) -> Words:
    """The names every value of these (table, fields) needs, and the step names of
    these listings' marketplaces (``listings``: listing id → marketplace id)."""
    wanted: dict[str, set[int]] = {}
    for table, values in states:
        catalogue = FIELDS.get(table, {})
        for name, raw in values.items():
            kind = catalogue.get(name, ("", ""))[1]
            if (
                kind in NAMED_KINDS
                and isinstance(raw, int | str)
                and str(raw).isdigit()
            ):
                wanted.setdefault(kind, set()).add(int(raw))
    return Words(
        audit_views.names(session, wanted),
        audit_views.step_names(session, set(listings.values())),
        {p.code: p.name for p in producer_views.payment_providers(session)},
    )


def _changes(event: AuditEvent, words: Words, market: int | None) -> list[Change]:
    catalogue = FIELDS.get(event.object_type or "", {})
    before, after = event.before or {}, event.after or {}
    out: list[Change] = []
    for name, (text, kind) in catalogue.items():
        if name not in before and name not in after:
            continue
        old = words.value(kind, before.get(name), market) if name in before else None
        new = words.value(kind, after.get(name), market) if name in after else None
        if event.action in ("create", "delete") and (old or new) == EMPTY:
            continue  # a new or removed record's empty fields say nothing
        out.append(Change(text, old, new))
    return out


def _listing_of(event: AuditEvent, owners: Mapping[int, int]) -> int | None:
    """The listing an event's record belongs to, for naming its steps."""
    if event.object_type == "listings" and (event.object_id or "").isdigit():
        return int(event.object_id or 0)
    if event.object_type == "step_records" and (event.object_id or "").isdigit():
        return owners.get(int(event.object_id or 0))
    return None


def describe(
    session: Session,
    events: Sequence[AuditEvent],
    *,
    with_places: bool = False,
) -> list[EventRow]:
    """Events in Vietnamese: who, when (Vietnam time), what, before → after.

    A few statements for the whole page: the names of every id the events
    mention, the steps of the listings' marketplaces, and (``with_places``)
    where each record is shown.
    """
    owners = audit_views.step_listings(
        session,
        [
            int(e.object_id or 0)
            for e in events
            if e.object_type == "step_records" and (e.object_id or "").isdigit()
        ],
    )
    listing_of = {e.id: _listing_of(e, owners) for e in events}
    markets = audit_views.listing_marketplaces(
        session, {i for i in listing_of.values() if i is not None}
    )
    states: list[tuple[str, Mapping[str, Any]]] = [
        (e.object_type or "", dict(_values(e))) for e in events
    ]
    words = words_for(session, states, markets)
    people = audit_views.names(
        session, {"user": {e.actor_id for e in events if e.actor_id is not None}}
    )["user"]
    places = audit_views.places(session, events) if with_places else {}
    rows: list[EventRow] = []
    for e in events:
        listing = listing_of[e.id]
        market = markets.get(listing) if listing is not None else None
        rows.append(
            EventRow(
                id=e.id,
                when=local_time(e.at),
                who=people.get(e.actor_id, SYSTEM) if e.actor_id else SYSTEM,
                action=ACTIONS.get(e.action, OTHER_ACTION),
                record=RECORDS.get(e.object_type or "", OTHER_RECORD)
                if e.object_type
                else "",
                place=places.get((e.object_type or "", e.object_id or "")),
                changes=_changes(e, words, market) if e.action in ROW_ACTIONS else [],
            )
        )
    return rows


# --- "as it was on date D" ------------------------------------------------------------


@dataclass(frozen=True)
class Then:
    """A record's fields as they stood at the end of a day."""

    day: dt.date
    rows: list[tuple[str, str]]
    recorded_on: dt.date | None = None


def parse_as_of(raw: str) -> dt.date | None:
    """The day asked for, or None; a bad or future day is refused on its field."""
    if not raw.strip():
        return None
    day = parse_date(raw, "as_of", "ngày xem lại")
    clock.check_as_of(day)
    return day


def _then(
    session: Session,
    table: str,
    view: Any,
    day: dt.date,
    *,
    extra: Sequence[tuple[str, str]] = (),
    marketplace_id: int | None = None,
) -> Then:
    values = {name: getattr(view, name, None) for name in FIELDS[table]}
    words = words_for(
        session,
        [(table, values)],
        {0: marketplace_id} if marketplace_id is not None else {},
    )
    rows = [
        (text, words.value(kind, values[name], marketplace_id))
        for name, (text, kind) in FIELDS[table].items()
    ]
    return Then(day, [*rows, *extra], getattr(view, "recorded_on", None))


# --- the pages ------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The record a history page is about."""

    here: str
    title: str
    back: str
    back_text: str
    subjects: Mapping[str, Sequence[int]]
    as_of: Callable[[dt.date], Then] | None = None


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    subject: Subject,
    *,
    offset: int,
    as_of: str,
) -> Response:
    events, total = audit_views.record_events(
        session, subject.subjects, limit=PAGE_SIZE, offset=offset
    )
    then: Then | None = None
    refused: AppError | None = None
    if subject.as_of is not None:
        try:
            day = parse_as_of(as_of)
            then = subject.as_of(day) if day is not None else None
        except InvalidInput as exc:
            refused = exc
        except NotFound as exc:  # the record did not exist yet on that day
            refused = InvalidInput(exc.message, field="as_of")
    here = subject.here
    kept = {"as_of": as_of.strip()} if as_of.strip() and refused is None else {}
    return render_form(
        request,
        "history/record.html",
        {
            "subject": subject,
            "rows": describe(session, events),
            **paging(here, kept, total=total, offset=offset, page_size=PAGE_SIZE),
            "here": here,
            "as_of": as_of.strip(),
            "then": then,
            "today": clock.today(),
        },
        principal,
        refused,
    )


def _joined_title(session: Session, **ids: int) -> str:
    """The title of a record that joins others, by their names in order
    (``product=…, marketplace=…``: "Mật ong U Minh — voso.vn")."""
    names = audit_views.names(session, {kind: [id_] for kind, id_ in ids.items()})
    return " — ".join(names[kind].get(id_, "") for kind, id_ in ids.items())


AsOf = Annotated[str, Query(max_length=20)]


@router.get("/products/{product_id}/history")
def product_history(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    offset: Offset = 0,
    as_of: AsOf = "",
) -> Response:
    """A product's history (its certificates' too), and the product on a past day."""
    user = principal.user
    product = product_views.get_product(session, user, product_id)

    def on(day: dt.date) -> Then:
        view = product_views.product_as_of(session, user, product.id, day)
        status = view.certificate_status
        return _then(
            session,
            "products",
            view,
            day,
            extra=[
                ("Hạng sao", f"{view.stars} sao" if view.stars else EMPTY),
                ("Giấy chứng nhận", label(status) if status else "Chưa có"),
            ],
        )

    subject = Subject(
        f"/products/{product.id}/history",
        product.name,
        f"/products/{product.id}",
        "Về trang sản phẩm",
        {
            "products": [product.id],
            "certificates": audit_views.children(session, "certificates", product.id),
        },
        on,
    )
    return _page(request, session, principal, subject, offset=offset, as_of=as_of)


@router.get("/producers/{producer_id}/history")
def producer_history(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    offset: Offset = 0,
    as_of: AsOf = "",
) -> Response:
    """A producer's history (consents and e-payment account too), and the
    producer on a past day."""
    user = principal.user
    producer = producer_views.get_producer(session, user, producer_id)

    def on(day: dt.date) -> Then:
        view = producer_views.producer_as_of(session, user, producer.id, day)
        return _then(session, "producers", view, day)

    subject = Subject(
        f"/producers/{producer.id}/history",
        producer.name,
        f"/producers/{producer.id}",
        "Về trang chủ thể",
        {
            "producers": [producer.id],
            "producer_consents": audit_views.children(
                session, "producer_consents", producer.id
            ),
            "payment_accounts": audit_views.children(
                session, "payment_accounts", producer.id
            ),
        },
        on,
    )
    return _page(request, session, principal, subject, offset=offset, as_of=as_of)


@router.get("/listings/{listing_id}/history")
def listing_history(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    offset: Offset = 0,
    as_of: AsOf = "",
) -> Response:
    """A listing's history (its steps and verifications too), and the listing on a
    past day."""
    user = principal.user
    listing = onboarding_views.get_listing(session, user, listing_id)
    market = listing.marketplace_id
    title = _joined_title(session, product=listing.product_id, marketplace=market)

    def on(day: dt.date) -> Then:
        view = onboarding_views.read_as_of(session, user, listing.id, day)
        return _then(session, "listings", view, day, marketplace_id=market)

    subject = Subject(
        f"/listings/{listing.id}/history",
        title,
        f"/products/{listing.product_id}",
        "Về trang sản phẩm",
        {
            "listings": [listing.id],
            "step_records": audit_views.children(session, "step_records", listing.id),
            "verifications": audit_views.children(session, "verifications", listing.id),
        },
        on,
    )
    return _page(request, session, principal, subject, offset=offset, as_of=as_of)


@router.get("/seller-accounts/{account_id}/history")
def seller_account_history(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    offset: Offset = 0,
    as_of: AsOf = "",
) -> Response:
    """A seller account's history (its checklist and verifications too), and the
    account on a past day."""
    user = principal.user
    account = seller_views.get_account(session, user, account_id)
    title = _joined_title(
        session, producer=account.producer_id, marketplace=account.marketplace_id
    )

    def on(day: dt.date) -> Then:
        view = seller_views.read_as_of(session, user, account.id, day)
        return _then(session, "seller_accounts", view, day)

    subject = Subject(
        f"/seller-accounts/{account.id}/history",
        title,
        f"/seller-accounts/{account.id}",
        "Về trang gian hàng",
        seller_views.trail_of(session, account),
        on,
    )
    return _page(request, session, principal, subject, offset=offset, as_of=as_of)


@router.get("/products/{product_id}/certificates/{certificate_id}/history")
def certificate_history(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    certificate_id: int,
    offset: Offset = 0,
) -> Response:
    """One certificate's history."""
    user = principal.user
    product = product_views.get_product(session, user, product_id)
    cert = product_views.get_certificate(session, user, product, certificate_id)
    subject = Subject(
        f"/products/{product.id}/certificates/{cert.id}/history",
        f"{product.name} — quyết định {cert.decision_number}",
        f"/products/{product.id}",
        "Về trang sản phẩm",
        {"certificates": [cert.id]},
    )
    return _page(request, session, principal, subject, offset=offset, as_of="")
