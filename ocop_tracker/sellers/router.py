"""JSON API of seller accounts: a producer's shop per marketplace, its checklist,
the "open" claim and its verification; the marketplaces' prerequisites (admins)."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Path
from fastapi import status as http_status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from ocop_tracker.auth.deps import CurrentPrincipal, Principal, require_roles
from ocop_tracker.core.answers import written
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import STALE_RESPONSES, AsOf
from ocop_tracker.producers import views as producer_views
from ocop_tracker.sellers import activity as seller_activity
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import SellerAccount
from ocop_tracker.sellers.schemas import (
    ActivityPut,
    ActivityRead,
    ChecklistChange,
    FlagRuleRead,
    FlagRuleUpdate,
    OpenClaim,
    PrerequisiteCreate,
    PrerequisiteRead,
    PrerequisiteUpdate,
    SellerAccountCreate,
    SellerAccountRead,
    SellerAccountUpdate,
    SellerVerificationCreate,
)
from ocop_tracker.users.models import Role

# Created without a prefix (api.py includes it under /api/v1): paths are written in full.
router = APIRouter(tags=["sellers"], responses=STALE_RESPONSES)
Admin = Annotated[Principal, require_roles(Role.admin)]


def _change(
    session: Session,
    principal: Principal,
    account_id: int,
    command: Callable[[SellerAccount], object],
) -> SellerAccountRead | JSONResponse:
    """Run a command on an account the caller may see and answer the account as
    it then stands (409 with it as it is now, when the command found it stale)."""
    account = seller_views.get_account(session, principal.user, account_id)

    def run() -> SellerAccount:
        command(account)
        return account

    return written(session, run, lambda a: seller_views.read(session, a))


@router.get("/producers/{producer_id}/seller-accounts")
def list_accounts(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    as_of: AsOf = None,
) -> list[SellerAccountRead]:
    """The producer's seller accounts (one per marketplace), now or as of a day."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    return seller_views.accounts_of(session, principal.user, producer, as_of=as_of)


@router.post(
    "/producers/{producer_id}/seller-accounts",
    status_code=http_status.HTTP_201_CREATED,
)
def create_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
    body: SellerAccountCreate,
) -> SellerAccountRead:
    """Start tracking the producer's shop on a marketplace (409 if it has one there)."""
    producer = producer_views.get_producer(session, principal.user, producer_id)
    account = seller_service.create_account(
        session, principal.user, producer, **body.model_dump()
    )
    return seller_views.read(session, account)


@router.get("/seller-accounts/{account_id}")
def get_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    as_of: AsOf = None,
) -> SellerAccountRead:
    """One seller account with its checklist, now or as it stood at the end of ``as_of``."""
    if as_of is not None:
        return seller_views.read_as_of(session, principal.user, account_id, as_of)
    account = seller_views.get_account(session, principal.user, account_id)
    return seller_views.read(session, account)


@router.patch("/seller-accounts/{account_id}", response_model=SellerAccountRead)
def update_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    body: SellerAccountUpdate,
) -> SellerAccountRead | JSONResponse:
    """Change an account; send the ``version`` you read (409 with the current one)."""
    changes = body.model_dump(exclude_unset=True)
    return _change(
        session,
        principal,
        account_id,
        lambda account: seller_service.update_account(
            session, principal.user, account, **changes
        ),
    )


@router.post(
    "/seller-accounts/{account_id}/checklist/{item_code}",
    response_model=SellerAccountRead,
)
def set_checklist_item(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    item_code: str,
    body: Annotated[ChecklistChange | None, Body()] = None,
) -> SellerAccountRead | JSONResponse:
    """Mark a prerequisite done (``done: false`` undoes it), with a note or evidence URL."""
    change = (body or ChecklistChange()).model_dump()
    return _change(
        session,
        principal,
        account_id,
        lambda account: seller_service.set_item(
            session, principal.user, account, item_code=item_code, **change
        ),
    )


@router.post("/seller-accounts/{account_id}/claim", response_model=SellerAccountRead)
def claim_open(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    body: OpenClaim,
) -> SellerAccountRead | JSONResponse:
    """Report the shop open with its URL; it counts as open once an official verifies it."""
    return _change(
        session,
        principal,
        account_id,
        lambda account: seller_service.claim_open(
            session, principal.user, account, **body.model_dump()
        ),
    )


@router.post(
    "/seller-accounts/{account_id}/verification", response_model=SellerAccountRead
)
def verify_account(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    body: SellerVerificationCreate,
) -> SellerAccountRead | JSONResponse:
    """Approve an "open" claim, or reject it with a comment (never one's own claim)."""
    return _change(
        session,
        principal,
        account_id,
        lambda account: seller_service.verify(
            session, principal.user, account, **body.model_dump()
        ),
    )


@router.get("/marketplaces/{marketplace_id}/prerequisites")
def list_prerequisites(
    session: SessionDep, principal: CurrentPrincipal, marketplace_id: int
) -> list[PrerequisiteRead]:
    """What the marketplace asks before a shop opens, in order (retired items too)."""
    return seller_views.prerequisite_reads(session, marketplace_id)


@router.post(
    "/marketplaces/{marketplace_id}/prerequisites",
    status_code=http_status.HTTP_201_CREATED,
)
def add_prerequisite(
    session: SessionDep,
    principal: Admin,
    marketplace_id: int,
    body: PrerequisiteCreate,
) -> PrerequisiteRead:
    """Add an item to the marketplace's checklist (admin)."""
    item = seller_service.add_prerequisite(
        session, principal.user, marketplace_id, **body.model_dump()
    )
    return PrerequisiteRead.model_validate(item)


@router.patch(
    "/marketplaces/{marketplace_id}/prerequisites/{item_code}",
    response_model=PrerequisiteRead,
)
def update_prerequisite(
    session: SessionDep,
    principal: Admin,
    marketplace_id: int,
    item_code: str,
    body: PrerequisiteUpdate,
) -> PrerequisiteRead | JSONResponse:
    """Reword, reorder, make optional or retire an item (admin)."""
    return written(
        session,
        lambda: seller_service.update_prerequisite(
            session, principal.user, marketplace_id, item_code, **body.model_dump()
        ),
        PrerequisiteRead.model_validate,
    )


@router.get("/seller-accounts/{account_id}/activity")
def list_activity(
    session: SessionDep, principal: CurrentPrincipal, account_id: int
) -> list[ActivityRead]:
    """The shop's reported months, newest first."""
    account = seller_views.get_account(session, principal.user, account_id)
    return seller_views.activity(session, principal.user, account)


@router.put(
    "/seller-accounts/{account_id}/activity/{month}", response_model=ActivityRead
)
def put_activity(
    session: SessionDep,
    principal: CurrentPrincipal,
    account_id: int,
    month: Annotated[str, Path(max_length=20, description="The month, YYYY-MM")],
    body: ActivityPut,
) -> ActivityRead | JSONResponse:
    """Record a month, or correct it with the ``version`` you read (409 with the current one)."""
    account = seller_views.get_account(session, principal.user, account_id)
    first = seller_rules.parse_month(month)
    return written(
        session,
        lambda: seller_activity.record_month(
            session, principal.user, account, month=first, **body.model_dump()
        ),
        ActivityRead.model_validate,
    )


@router.get("/seller-flag-rules")
def list_flag_rules(
    session: SessionDep, principal: CurrentPrincipal
) -> list[FlagRuleRead]:
    """The rules that put shops and listings on the action list, with their days."""
    return seller_views.flag_rules(session)


@router.put("/seller-flag-rules/{code}", response_model=FlagRuleRead)
def update_flag_rule(
    session: SessionDep,
    principal: Admin,
    code: Annotated[str, Path(max_length=30)],
    body: FlagRuleUpdate,
) -> FlagRuleRead | JSONResponse:
    """Change a rule's days or turn it off (admin)."""
    return written(
        session,
        lambda: seller_activity.update_flag_rule(
            session, principal.user, code, **body.model_dump()
        ),
        FlagRuleRead.model_validate,
    )
