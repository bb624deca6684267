"""Reads of seller accounts: one account, a producer's accounts (now or as of a
past date, replayed by ``history``), and the marketplaces' prerequisites.

Nothing here writes; every read checks area scope first (an account outside
the caller's area is a 404). A producer's accounts cost the same statements
whatever their number. The login phone and e-mail leave here masked only.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.auth.scope import covered_ids, ensure_visible, visible
from ocop_tracker.core.clock import vn_date
from ocop_tracker.core.errors import NotFound
from ocop_tracker.core.phone import mask_vn
from ocop_tracker.core.text import mask_email
from ocop_tracker.history import service as history
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.producers.models import Producer
from ocop_tracker.sellers import repository
from ocop_tracker.sellers.models import (
    SellerAccount,
    SellerActivity,
    SellerChecklistItem,
    SellerPrerequisite,
    SellerStatus,
    SellerVerification,
)
from ocop_tracker.sellers.schemas import (
    ActivityRead,
    ChecklistItemRead,
    FlagRuleRead,
    PrerequisiteRead,
    SellerAccountRead,
    SellerVerificationRead,
)
from ocop_tracker.users.models import User

WHAT = "tài khoản bán hàng"
# The columns an account's API view copies from its row (or its replayed state).
ACCOUNT_COLUMNS = (
    "id",
    "producer_id",
    "marketplace_id",
    "hamlet_id",
    "status",
    "status_on",
    "shop_name",
    "shop_url",
    "payout_account_id",
    "claim_status",
    "claimed_by_id",
    "claimed_at",
    "verified_by_id",
    "verified_at",
    "created_at",
    "updated_at",
    "version",
)
_ITEM_COLUMNS = ("done", "note", "evidence_url", "done_by_id", "done_at")


def get_account(session: Session, actor: User, account_id: int) -> SellerAccount:
    """An account the actor may see (404 otherwise)."""
    return visible(session, actor, repository.account(session, account_id), WHAT)


def prerequisites(
    session: Session, marketplace_id: int, *, active_only: bool = False
) -> list[SellerPrerequisite]:
    """A marketplace's prerequisites in order (reference data, readable by all)."""
    market = marketplaces.get(session, marketplace_id)
    return repository.prerequisites_of(session, [market.id], active_only=active_only)[
        market.id
    ]


def prerequisite_reads(session: Session, marketplace_id: int) -> list[PrerequisiteRead]:
    """The API view of a marketplace's prerequisites, retired ones included."""
    return [
        PrerequisiteRead.model_validate(p)
        for p in prerequisites(session, marketplace_id)
    ]


def read(session: Session, account: SellerAccount) -> SellerAccountRead:
    """The API view of one account as it stands now."""
    return _reads(session, [account])[0]


def accounts_of(
    session: Session, actor: User, producer: Producer, *, as_of: dt.date | None = None
) -> list[SellerAccountRead]:
    """A producer's seller accounts, now or as they stood at the end of ``as_of``."""
    ensure_visible(session, actor, producer.hamlet_id, WHAT)
    accounts = repository.accounts_of_producer(session, producer.id)
    if as_of is None:
        return _reads(session, accounts)
    return _reads_as_of(session, accounts, as_of)


def own_accounts(session: Session, producer_id: int) -> list[SellerAccountRead]:
    """A producer's accounts as it sees them on its private page (no actor: the
    household's link is the capability; the caller has checked it)."""
    return _reads(session, repository.accounts_of_producer(session, producer_id))


def read_as_of(
    session: Session, actor: User, account_id: int, day: dt.date
) -> SellerAccountRead:
    """One account as it stood at the end of ``day`` (404 if it did not exist yet)."""
    account = get_account(session, actor, account_id)
    found = _reads_as_of(session, [account], day)
    if not found:
        raise NotFound(f"Tài khoản bán hàng này chưa có vào ngày {day:%d/%m/%Y}.")
    return found[0]


def pending_claims(
    session: Session, actor: User, *, limit: int
) -> tuple[list[SellerAccountRead], int]:
    """Shop openings of the actor's area awaiting verification, the longest
    waiting first, with their total."""
    accounts, total = repository.pending_claims(session, actor, limit=limit)
    return _reads(session, accounts), total


def producer_names(
    session: Session, reads: Sequence[SellerAccountRead]
) -> dict[int, str]:
    """The name of each account's producer (one query)."""
    return repository.producer_names(session, {r.producer_id for r in reads})


def progress(read: SellerAccountRead) -> tuple[int, int]:
    """How many of the account's checklist items are done, of how many."""
    return sum(1 for item in read.checklist if item.done), len(read.checklist)


def trail_of(session: Session, account: SellerAccount) -> dict[str, list[int]]:
    """The records whose audit events make an account's history: the account,
    its checklist records and the officials' decisions (two queries)."""
    return {
        SellerAccount.__tablename__: [account.id],
        SellerChecklistItem.__tablename__: [
            r.id for r in repository.items_of(session, [account.id])[account.id]
        ],
        SellerVerification.__tablename__: [
            v.id for v in repository.verifications_of(session, [account.id])[account.id]
        ],
    }


def _reads(
    session: Session, accounts: Sequence[SellerAccount]
) -> list[SellerAccountRead]:
    ids = [a.id for a in accounts]
    items = repository.items_of(session, ids)
    states = {
        a.id: {
            **{name: getattr(a, name) for name in ACCOUNT_COLUMNS},
            "login_phone_masked": mask_vn(a.login_phone),
            "login_email_masked": mask_email(a.login_email),
        }
        for a in accounts
    }
    item_states = {
        account_id: {r.item_code: _item_state(r) for r in rows}
        for account_id, rows in items.items()
    }
    return _assemble(
        session, states, item_states, repository.verifications_of(session, ids)
    )


def _item_state(record: SellerChecklistItem) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _ITEM_COLUMNS}


def _reads_as_of(
    session: Session, accounts: Sequence[SellerAccount], day: dt.date
) -> list[SellerAccountRead]:
    """By the rule of ``history.records_as_of``: everything as recorded by then."""
    ids = [a.id for a in accounts]
    recorded = history.records_as_of(session, SellerAccount.__tablename__, ids, day)
    states = {
        i: {
            **{name: r.state.get(name) for name in ACCOUNT_COLUMNS},
            # The trail records neither version bumps nor the login (never in clear).
            "version": None,
            "updated_at": None,
            "login_phone_masked": None,
            "login_email_masked": None,
        }
        for i, r in recorded.items()
    }
    rows = repository.items_of(session, list(states))
    item_ids = [r.id for found in rows.values() for r in found]
    replayed = history.states_as_of(
        session, SellerChecklistItem.__tablename__, item_ids, day
    )
    item_states: dict[int, dict[str, dict[str, Any]]] = {}
    for state in replayed.values():
        item_states.setdefault(int(state["seller_account_id"]), {})[
            str(state["item_code"])
        ] = {name: state.get(name) for name in _ITEM_COLUMNS}
    verifications = repository.verifications_of(session, list(states))
    decided = {
        i: [v for v in found if vn_date(v.decided_at) <= day]
        for i, found in verifications.items()
    }
    return _assemble(session, states, item_states, decided)


def _assemble(
    session: Session,
    states: Mapping[int, Mapping[str, Any]],
    items: Mapping[int, Mapping[str, Mapping[str, Any]]],
    verifications: Mapping[int, Sequence[SellerVerification]],
) -> list[SellerAccountRead]:
    market_ids = {int(s["marketplace_id"]) for s in states.values()}
    codes = repository.market_codes(session, market_ids)
    checklists = repository.prerequisites_of(session, market_ids)
    reads = []
    for account_id, state in states.items():
        checklist = [
            _checklist_item(p, items.get(account_id, {}).get(p.code, {}))
            for p in checklists[int(state["marketplace_id"])]
        ]
        reads.append(
            SellerAccountRead.model_validate(
                {
                    **state,
                    "marketplace_code": codes.get(int(state["marketplace_id"]), ""),
                    "is_open": state["status"] == SellerStatus.open,
                    "checklist_ready": not missing_required(checklist),
                    "checklist": checklist,
                    "verifications": [
                        SellerVerificationRead.model_validate(v)
                        for v in verifications.get(account_id, [])
                    ],
                }
            )
        )
    return reads


def _checklist_item(
    prerequisite: SellerPrerequisite, record: Mapping[str, Any]
) -> ChecklistItemRead:
    return ChecklistItemRead.model_validate(
        {
            "code": prerequisite.code,
            "label": prerequisite.label,
            "position": prerequisite.position,
            "required": prerequisite.required,
            **{name: record.get(name) for name in _ITEM_COLUMNS},
            "done": bool(record.get("done")),
        }
    )


def missing_required(checklist: Sequence[ChecklistItemRead]) -> list[str]:
    """The labels of the required items not done yet, in order."""
    return [item.label for item in checklist if item.required and not item.done]


# --- monthly activity ---------------------------------------------------------------


@dataclass(frozen=True)
class ShopDays:
    """The days an account's activity is bounded by (``sellers.rules.check_activity``)."""

    started_on: dt.date  # first tracked or opened, whichever came first
    opened_on: dt.date | None  # first verified open; None: never open


def shop_days(
    session: Session, accounts: Sequence[SellerAccount]
) -> dict[int, ShopDays]:
    """Each account's start and opening day (one query for them all)."""
    openings = repository.first_openings(session, [a.id for a in accounts])
    days = {}
    for account in accounts:
        opened = openings.get(account.id)
        opened_on = vn_date(opened) if opened is not None else None
        created = vn_date(account.created_at)
        started = min(created, opened_on) if opened_on else created
        days[account.id] = ShopDays(started_on=started, opened_on=opened_on)
    return days


def activity(
    session: Session, actor: User, account: SellerAccount
) -> list[ActivityRead]:
    """An account's reported months, newest first (the actor must see the account)."""
    ensure_visible(session, actor, account.hamlet_id, WHAT)
    return [
        ActivityRead.model_validate(row)
        for row in repository.activity_of(session, account.id)
    ]


def latest_activity(
    session: Session, reads: Sequence[SellerAccountRead]
) -> dict[int, ActivityRead]:
    """The latest reported month of each of these accounts (read in scope), in one query."""
    return {
        account_id: ActivityRead.model_validate(row)
        for account_id, row in repository.latest_activity(
            session, [r.id for r in reads]
        ).items()
    }


def url_choices(session: Session, read: SellerAccountRead) -> list[str]:
    """The shop URLs to choose from while an account moved from the retired
    storefront step has none (its products had recorded different ones)."""
    if read.shop_url is not None:
        return []
    return repository.url_candidates(session, read.id)


def activity_month(
    session: Session, account: SellerAccount, month: dt.date
) -> SellerActivity | None:
    """One reported month of a visible account, if any."""
    return repository.activity_month(session, account.id, month)


def flag_rules(session: Session) -> list[FlagRuleRead]:
    """The flag rules in the action list's order (reference data, readable by all)."""
    return [FlagRuleRead.model_validate(r) for r in repository.flag_rules(session)]


@dataclass(frozen=True)
class ImportLookup:
    """What an activity import matches its rows against (a handful of statements)."""

    producers: list[
        tuple[Producer, AdminUnit]
    ]  # by id or exact name, in the actor's area
    marketplaces: list[Marketplace]
    accounts: dict[tuple[int, int], SellerAccount]  # (producer, marketplace) → account
    months: dict[tuple[int, dt.date], SellerActivity]  # (account, month) → reported
    days: dict[int, ShopDays]


def import_lookup(
    session: Session, actor: User, ids: Sequence[int], names: Sequence[str]
) -> ImportLookup:
    """The producers a file names (only those the actor sees), their accounts,
    their reported months and the marketplaces."""
    found = repository.producers_matching(session, ids, names)
    seen = covered_ids(session, actor, {p.hamlet_id for p, _ in found})
    producers = [(p, h) for p, h in found if p.hamlet_id in seen]
    accounts = repository.accounts_of_producers(session, [p.id for p, _ in producers])
    months = repository.activity_rows_of(session, [a.id for a in accounts])
    return ImportLookup(
        producers=producers,
        marketplaces=list(repository.marketplaces(session)),
        accounts={(a.producer_id, a.marketplace_id): a for a in accounts},
        months={
            (r.seller_account_id, r.month): r for rows in months.values() for r in rows
        },
        days=shop_days(session, accounts),
    )
