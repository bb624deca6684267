"""Reads of listings: one listing, the list and the steps (now or as of a past
date, replayed by ``history``), blocked steps, verifications.

Nothing here writes; every read checks area scope first (an object outside the
caller's area is a 404).
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import ensure_area_readable, ensure_visible, visible
from ocop_tracker.core import clock
from ocop_tracker.core.errors import NotFound
from ocop_tracker.core.schemas import SortOrder
from ocop_tracker.core.text import fold
from ocop_tracker.history import service as history
from ocop_tracker.onboarding import marketplaces, repository, workflow
from ocop_tracker.onboarding.models import (
    Listing,
    ListingStatus,
    MarketplaceStep,
    StepRecord,
    StepStatus,
    Verification,
)
from ocop_tracker.onboarding.schemas import (
    ListingRead,
    ListingSteps,
    SortField,
    StepRead,
    StepState,
)
from ocop_tracker.onboarding.workflow import StepDef
from ocop_tracker.users.models import User

WHAT = "hồ sơ lên sàn"
# The columns a listing's API view copies from its row.
LISTING_COLUMNS = [
    name
    for name in ListingRead.model_fields
    if name not in {"product_name", "marketplace_code"}
]
# The columns a step's API view copies from its record.
_RECORD_COLUMNS = ("evidence_url", "note", "blocked_reason", "done_by_id", "done_at")


def get_listing(session: Session, actor: User, listing_id: int) -> Listing:
    """A listing the actor may see (404 otherwise)."""
    return visible(session, actor, repository.listing(session, listing_id), WHAT)


def read(session: Session, listing: Listing) -> ListingRead:
    """The API view of a listing as it stands now."""
    product_name, marketplace_code = repository.names(session, listing)
    return read_row(listing, product_name, marketplace_code)


def read_row(listing: Listing, product_name: str, marketplace_code: str) -> ListingRead:
    """The API view of a listing row and its names (no query)."""
    data: dict[str, Any] = {name: getattr(listing, name) for name in LISTING_COLUMNS}
    return ListingRead.model_validate(
        {**data, "product_name": product_name, "marketplace_code": marketplace_code}
    )


def blocked_steps(
    session: Session, actor: User, listing_ids: Sequence[int]
) -> dict[int, list[str]]:
    """The blocked step codes of each listing now (one query for a whole page).

    Listings outside the actor's area, and those with nothing blocked, are absent.
    """
    return repository.blocked_steps(session, actor, listing_ids)


def verifications(
    session: Session, actor: User, listing: Listing, *, as_of: dt.date | None = None
) -> Sequence[Verification]:
    """A listing's verification decisions, newest first (up to ``as_of``)."""
    ensure_visible(session, actor, listing.hamlet_id, WHAT)
    return repository.verifications_of(session, listing.id, day=as_of)


# --- reading: the list and the steps, now or as of a date -------------------


def _read_state(
    state: Mapping[str, Any], product_name: str, marketplace_code: str
) -> ListingRead:
    data = {name: state.get(name) for name in LISTING_COLUMNS}
    # The trail records neither version bumps nor touch-only updates.
    data.update(version=None, updated_at=None)
    return ListingRead.model_validate(
        {**data, "product_name": product_name, "marketplace_code": marketplace_code}
    )


def read_as_of(
    session: Session, actor: User, listing_id: int, day: dt.date
) -> ListingRead:
    """A listing as it stood at the end of ``day`` (404 if it did not exist yet).

    By the rule of ``history.records_as_of``: a listing's status is what was
    recorded by then, but a delisting counts from its own date (coverage reads
    it the same way), and a listing entered later did not exist yet.
    """
    listing = get_listing(session, actor, listing_id)
    record = history.records_as_of(
        session, Listing.__tablename__, [listing.id], day
    ).get(listing.id)
    if record is None:
        raise NotFound(f"Hồ sơ lên sàn này chưa có vào ngày {day:%d/%m/%Y}.")
    state = _dated_delistings(session, {listing.id: record.state}, day)[listing.id]
    return _read_state(state, *repository.names(session, listing))


def _dated_delistings(
    session: Session, states: dict[int, dict[str, Any]], day: dt.date
) -> dict[int, dict[str, Any]]:
    """``states`` of listings as of ``day`` with the delistings recorded later but
    dated on or before ``day`` applied (rule 1 of ``history.records_as_of``)."""
    later = history.changes_after(session, Listing.__tablename__, list(states), day)
    for listing_id, changes in later.items():
        for after in changes:
            gone = after.get("delisted_on")
            if (
                after.get("status") == ListingStatus.delisted.value
                and gone
                and dt.date.fromisoformat(str(gone)) <= day
            ):
                states[listing_id] = {
                    **states[listing_id],
                    "status": ListingStatus.delisted.value,
                    "delisted_on": gone,
                    "delist_reason": after.get("delist_reason"),
                }
                break
    return states


def list_listings(
    session: Session,
    actor: User,
    *,
    area_id: int | None = None,
    product_id: int | None = None,
    marketplace: str | None = None,
    status: ListingStatus | None = None,
    next_step: str | None = None,
    verified: bool | None = None,
    sort: SortField = SortField.updated_at,
    order: SortOrder = SortOrder.desc,
    limit: int = 50,
    offset: int = 0,
    as_of: dt.date | None = None,
) -> tuple[list[ListingRead], int]:
    """Listings inside the actor's area matching the filters, one page, with the total.

    ``area_id`` narrows to a subtree (never widens the actor's area);
    ``marketplace`` is an id or a code; ``verified`` means live and verified
    (status ``listed``). With ``as_of`` every listing is replayed to the end of
    that day and the filters apply to that state; sorting on ``updated_at``
    then uses ``created_at``, the only time the trail keeps for every row.
    """
    if area_id is not None:
        ensure_area_readable(session, actor, area_id)
    market_id = marketplaces.resolve(session, marketplace).id if marketplace else None
    stmt = repository.list_statement(
        actor,
        day=as_of or clock.today(),
        area_id=area_id,
        product_id=product_id,
        marketplace_id=market_id,
    )
    if as_of is None:
        rows, total = repository.page(
            session,
            repository.with_state(
                stmt, status=status, next_step=next_step, verified=verified
            ),
            sort=sort.value,
            descending=order is SortOrder.desc,
            limit=limit,
            offset=offset,
            # A state filter reads each listing: counted in the page's pass.
            one_pass=any(v is not None for v in (status, next_step, verified)),
        )
        return [read_row(*row) for row in rows], total
    names = repository.names_by_id(session, stmt)
    states = _dated_delistings(
        session,
        history.states_as_of(session, Listing.__tablename__, list(names), as_of),
        as_of,
    )
    reads = [
        _read_state(states[i], *names[i])
        for i in names
        if i in states
        and _matches(states[i], status=status, next_step=next_step, verified=verified)
    ]
    reads.sort(key=_sort_key(sort), reverse=order is SortOrder.desc)
    return reads[offset : offset + limit], len(reads)


def _matches(
    state: Mapping[str, Any],
    *,
    status: ListingStatus | None,
    next_step: str | None,
    verified: bool | None,
) -> bool:
    if status is not None and state.get("status") != status.value:
        return False
    if next_step is not None and state.get("next_step") != next_step:
        return False
    is_listed = state.get("status") == ListingStatus.listed.value
    return verified is None or verified is is_listed


def _sort_key(sort: SortField) -> Callable[[ListingRead], tuple[Any, int]]:
    def key(item: ListingRead) -> tuple[Any, int]:
        primary: Any
        if sort is SortField.product_name:
            primary = fold(item.product_name)
        elif sort is SortField.status:
            primary = item.status.value
        elif sort is SortField.created_at:
            primary = item.created_at
        else:
            primary = item.updated_at or item.created_at
        return primary, item.id

    return key


def requirements(session: Session, listing: Listing, step: StepDef) -> dict[str, bool]:
    """Whether what ``step`` requires (data) holds for this listing now."""
    if step.requires == workflow.SELLER_OPEN:
        return {
            workflow.SELLER_OPEN: repository.seller_open(
                session, listing.product_id, listing.marketplace_id
            )
        }
    return {}


def steps_view(
    session: Session, actor: User, listing: Listing, *, as_of: dt.date | None = None
) -> ListingSteps:
    """A listing and every step of its marketplace in order, now or as of a date."""
    ensure_visible(session, actor, listing.hamlet_id, WHAT)
    steps = marketplaces.steps(session, listing.marketplace_id)
    if as_of is None:
        records = {
            code: {
                "status": r.status.value,
                **{k: getattr(r, k) for k in _RECORD_COLUMNS},
            }
            for code, r in repository.records_of(session, listing.id).items()
        }
        defs = [marketplaces.as_def(s) for s in steps]
        waiting = {
            d.code: code
            for d in defs
            if d.code == listing.next_step
            for code, met in requirements(session, listing, d).items()
            if not met
        }
        return _steps(read(session, listing), defs, records, waiting)
    listing_then = read_as_of(session, actor, listing.id, as_of)
    return _steps(
        listing_then,
        _step_defs_as_of(
            session,
            marketplaces.steps(session, listing.marketplace_id, retired=True),
            as_of,
        ),
        _records_as_of(session, listing, as_of),
    )


def _step_defs_as_of(
    session: Session, steps: Sequence[MarketplaceStep], day: dt.date
) -> list[StepDef]:
    """The steps a marketplace asked at the end of ``day``.

    Steps seeded by a migration left no trail: they have always existed. A
    retired step (set by a migration, without a trail) is asked until the day
    before its retirement.
    """
    retired = {s.id: s.retired_on for s in steps}
    ids = [s.id for s in steps]
    states = history.states_as_of(session, MarketplaceStep.__tablename__, ids, day)
    traced = repository.ids_with_events(session, MarketplaceStep.__tablename__, ids)
    defs = [
        StepDef(
            code=str(st["code"]),
            position=int(st["position"]),
            name=str(st["name"]),
            evidence=st.get("evidence"),
            url_pattern=st.get("url_pattern"),
            url_example=st.get("url_example"),
            requires=st.get("requires"),
            retired_on=retired.get(sid),
        )
        for sid, st in states.items()
    ]
    defs.extend(marketplaces.as_def(s) for s in steps if s.id not in traced)
    return workflow.ordered(d for d in defs if workflow.asked_on(d, day))


def _records_as_of(
    session: Session, listing: Listing, day: dt.date
) -> dict[str, dict[str, Any]]:
    ids = repository.step_record_ids_in_hamlet(session, listing.hamlet_id)
    states = history.states_as_of(session, StepRecord.__tablename__, ids, day)
    return {
        str(st["step_code"]): st
        for st in states.values()
        if st.get("listing_id") == listing.id
    }


def _steps(
    listing: ListingRead,
    defs: Sequence[StepDef],
    records: Mapping[str, Mapping[str, Any]],
    waiting: Mapping[str, str] | None = None,
) -> ListingSteps:
    statuses = {code: StepStatus(r["status"]) for code, r in records.items()}
    items = []
    for d in workflow.ordered(defs):
        record = records.get(d.code, {})
        if statuses.get(d.code) is StepStatus.blocked:
            state = StepState.blocked
        elif workflow.is_done(d.code, statuses, listing.status):
            state = StepState.done
        else:
            state = StepState.todo
        items.append(
            StepRead.model_validate(
                {
                    "code": d.code,
                    "position": d.position,
                    "name": d.name,
                    "evidence": d.evidence,
                    "url_example": d.url_example,
                    "state": state,
                    "is_next": d.code == listing.next_step,
                    "waiting_for": (waiting or {}).get(d.code),
                    **{k: record.get(k) for k in _RECORD_COLUMNS},
                }
            )
        )
    return ListingSteps(listing=listing, steps=items)
