"""Commands on seller accounts: open one, change it, tick its checklist, claim
"open", verify the claim; and the marketplaces' prerequisites (admins).

Area scope comes first (an account outside the caller's area is a 404), then
the role (403), then the version (409), then the rules of ``sellers.rules``.
Services never commit; the request owns the transaction.
"""

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core import clock
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import add_unique
from ocop_tracker.core.errors import (
    Conflict,
    FieldErrors,
    Forbidden,
    InvalidInput,
    NotFound,
)
from ocop_tracker.core.fields import cleaned
from ocop_tracker.core.phone import clean_vn
from ocop_tracker.core.text import (
    clean_email,
    clean_text,
    required_text,
)
from ocop_tracker.core.versions import UNSET, Unset, check_version, flush_versioned
from ocop_tracker.onboarding import marketplaces, workflow
from ocop_tracker.onboarding.models import Decision, Marketplace
from ocop_tracker.producers.models import PaymentAccount, PaymentStatus, Producer
from ocop_tracker.sellers import repository, rules
from ocop_tracker.sellers import views as seller_views
from ocop_tracker.sellers.models import (
    ClaimStatus,
    SellerAccount,
    SellerChecklistItem,
    SellerPrerequisite,
    SellerStatus,
    SellerVerification,
)
from ocop_tracker.users.models import VERIFIERS, WRITERS, Role, User

WHAT = seller_views.WHAT
STALE_WHAT = "Tài khoản bán hàng"


def _check_action(
    session: Session,
    actor: User,
    hamlet_id: int,
    roles: frozenset[Role] = WRITERS,
    message: str = "Vai trò của bạn chỉ được xem tài khoản bán hàng; việc ghi do tổ công nghệ số hoặc cán bộ phụ trách làm.",
) -> None:
    check_writer(session, actor, hamlet_id, WHAT, roles, message)


def _check_version(
    session: Session, account: SellerAccount, version: int | None
) -> None:
    check_version(account, version, STALE_WHAT)


def _flush(session: Session, account: SellerAccount) -> None:
    # Touching the account bumps its version on every change of its checklist,
    # so the account's version guards the whole of it.
    account.updated_at = utcnow()
    flush_versioned(session, STALE_WHAT, also=(IntegrityError,))


def _clean_shop_name(raw: str | None) -> str | None:
    return clean_text(
        raw, field="shop_name", label="Tên gian hàng", max_len=rules.MAX_SHOP_NAME
    )


def _clean_login_phone(raw: str | None) -> str | None:
    return clean_vn(raw, field="login_phone")


def _clean_login_email(raw: str | None) -> str | None:
    return clean_email(raw, field="login_email", label="E-mail đăng nhập")


def _status_on(raw: dt.date | None, previous: dt.date) -> dt.date:
    today = clock.today()
    on = raw or today
    rules.check_status_on(on, today=today, previous=previous)
    return on


# --- accounts -----------------------------------------------------------------------


def create_account(
    session: Session,
    actor: User,
    producer: Producer,
    *,
    marketplace_id: int,
    status: SellerStatus = SellerStatus.not_started,
    status_on: dt.date | None = None,
    shop_name: str | None = None,
    shop_url: str | None = None,
    login_phone: str | None = None,
    login_email: str | None = None,
) -> SellerAccount:
    """Start tracking a producer's shop on a marketplace (one per pair)."""
    _check_action(session, actor, producer.hamlet_id)
    try:
        market = marketplaces.get(session, marketplace_id)
    except NotFound:
        raise InvalidInput(
            "Không có sàn thương mại điện tử này; hãy chọn một sàn trong danh sách.",
            field="marketplace_id",
        ) from None
    errors = FieldErrors()
    with errors.check("marketplace_id"):
        if not market.is_active:
            raise InvalidInput(
                f"Sàn {market.name} đã ngừng, không mở tài khoản mới.",
                field="marketplace_id",
            )
    with errors.check("status"):
        rules.check_start(status)
    on = clock.today()
    with errors.check("status_on"):
        on = _status_on(status_on, dt.date.min)
    clean = cleaned(
        errors,
        shop_name=(_clean_shop_name, shop_name),
        shop_url=(lambda raw: _shop_url(session, market, raw), shop_url),
        login_phone=(_clean_login_phone, login_phone),
        login_email=(_clean_login_email, login_email),
    )
    errors.raise_any()
    taken = Conflict(
        f"Chủ thể “{producer.name}” đã có tài khoản bán hàng trên sàn {market.name}.",
        field="marketplace_id",
    )
    if repository.account_of(session, producer.id, market.id) is not None:
        raise taken
    account = SellerAccount(
        producer_id=producer.id,
        marketplace_id=market.id,
        hamlet_id=producer.hamlet_id,
        status=status,
        status_on=on,
        **clean,
    )
    add_unique(session, account, taken)  # or another request opened the pair
    return account


def _shop_url(session: Session, market: Marketplace, raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    return marketplaces.clean_shop_url(session, market, raw)


def update_account(
    session: Session,
    actor: User,
    account: SellerAccount,
    *,
    version: int,
    status: SellerStatus | Unset | None = UNSET,
    status_on: dt.date | Unset | None = UNSET,
    shop_name: str | Unset | None = UNSET,
    shop_url: str | Unset | None = UNSET,
    login_phone: str | Unset | None = UNSET,
    login_email: str | Unset | None = UNSET,
    payout_account_id: int | Unset | None = UNSET,
) -> SellerAccount:
    """Change an account; fields left UNSET stay, None clears an optional one.

    The status moves by hand along ``rules.MOVES`` (never to "open", which
    needs a verified claim), with the day it happened (default today).
    """
    _check_action(session, actor, account.hamlet_id)
    _check_version(session, account, version)
    market = marketplaces.get(session, account.marketplace_id)
    errors = FieldErrors()
    new_status = account.status
    if not isinstance(status, Unset):
        with errors.check("status"):
            if status is None:
                raise InvalidInput("Hãy chọn trạng thái.", field="status")
            if status is not account.status:
                rules.check_move(account.status, status, account.claim_status)
                new_status = status
    on = account.status_on
    moved = new_status is not account.status
    if moved or not isinstance(status_on, Unset):
        with errors.check("status_on"):
            # A new status comes on or after the last change; a correction of
            # the current status's day only stays out of the future.
            on = _status_on(
                None if isinstance(status_on, Unset) else status_on,
                account.status_on if moved else dt.date.min,
            )
    changes: dict[str, object] = {}
    if not isinstance(shop_name, Unset):
        with errors.check("shop_name"):
            changes["shop_name"] = _clean_shop_name(shop_name)
    if not isinstance(shop_url, Unset):
        with errors.check("shop_url"):
            url = _shop_url(session, market, shop_url)
            if url != account.shop_url:
                rules.check_shop_url_change(account.status, account.claim_status)
            changes["shop_url"] = url
    if not isinstance(login_phone, Unset):
        with errors.check("login_phone"):
            changes["login_phone"] = _clean_login_phone(login_phone)
    if not isinstance(login_email, Unset):
        with errors.check("login_email"):
            changes["login_email"] = _clean_login_email(login_email)
    if not isinstance(payout_account_id, Unset):
        with errors.check("payout_account_id"):
            changes["payout_account_id"] = _payout(session, account, payout_account_id)
    errors.raise_any()
    account.status = new_status
    account.status_on = on
    for name, value in changes.items():
        setattr(account, name, value)
    _flush(session, account)
    return account


def _payout(
    session: Session, account: SellerAccount, payment_id: int | None
) -> int | None:
    """The payout account must be one of the producer's own, not closed."""
    if payment_id is None or payment_id == account.payout_account_id:
        return payment_id
    payment = session.get(PaymentAccount, payment_id)
    if payment is None or payment.producer_id != account.producer_id:
        raise InvalidInput(
            "Hãy chọn một tài khoản thanh toán của chính chủ thể này.",
            field="payout_account_id",
        )
    if payment.status is PaymentStatus.closed:
        raise InvalidInput(
            "Tài khoản thanh toán này đã đóng; hãy chọn tài khoản khác.",
            field="payout_account_id",
        )
    return payment_id


# --- checklist ----------------------------------------------------------------------


def set_item(
    session: Session,
    actor: User,
    account: SellerAccount,
    *,
    item_code: str,
    done: bool,
    note: str | None = None,
    evidence_url: str | None = None,
    version: int | None = None,
) -> SellerChecklistItem:
    """Mark a prerequisite done (with a note or evidence) or undo it; who and when are kept."""
    _check_action(session, actor, account.hamlet_id)
    _check_version(session, account, version)
    item = repository.prerequisite(session, account.marketplace_id, item_code.strip())
    if item is None or not item.is_active:
        raise NotFound("Sàn này không có việc cần chuẩn bị này.")
    errors = FieldErrors()
    clean_note = url = None
    with errors.check("note"):
        clean_note = clean_text(
            note, field="note", label="Ghi chú", max_len=rules.MAX_NOTE, multiline=True
        )
    with errors.check("evidence_url"):
        if evidence_url is not None and evidence_url.strip():
            url = workflow.clean_url(
                evidence_url, domain=None, label="Đường dẫn bằng chứng"
            )
    errors.raise_any()
    record = next(
        (
            r
            for r in repository.items_of(session, [account.id])[account.id]
            if r.item_code == item.code
        ),
        None,
    )
    if not done:
        rules.check_undo(record.done if record else None, item.label)
    if record is None:
        record = SellerChecklistItem(
            seller_account_id=account.id,
            hamlet_id=account.hamlet_id,
            item_code=item.code,
        )
        session.add(record)
    record.done = done
    record.note = clean_note
    record.evidence_url = url
    record.done_by_id = actor.id
    record.done_at = utcnow()
    _flush(session, account)
    return record


# --- the "open" claim and its verification -----------------------------------------


def claim_open(
    session: Session,
    actor: User,
    account: SellerAccount,
    *,
    shop_url: str,
    shop_name: str | None = None,
    version: int,
) -> SellerAccount:
    """The team reports the shop open, with its URL; an official verifies it.

    Every required prerequisite must be done first. The status stays until
    the claim is approved: only a verified open counts as open.
    """
    _check_action(
        session,
        actor,
        account.hamlet_id,
        message="Vai trò của bạn không được báo mở gian hàng; việc này do tổ công nghệ số hoặc cán bộ phụ trách làm.",
    )
    _check_version(session, account, version)
    market = marketplaces.get(session, account.marketplace_id)
    errors = FieldErrors()
    url: str | None = None
    name = account.shop_name
    with errors.check("shop_url"):
        url = marketplaces.clean_shop_url(session, market, shop_url)
    if shop_name is not None:
        with errors.check("shop_name"):
            name = _clean_shop_name(shop_name)
    errors.raise_any()
    missing = seller_views.missing_required(
        seller_views.read(session, account).checklist
    )
    rules.check_can_claim(account.status, account.claim_status, missing)
    account.shop_url = url
    account.shop_name = name
    account.claim_status = ClaimStatus.pending
    account.claimed_by_id = actor.id
    account.claimed_at = utcnow()
    account.verified_by_id = None
    account.verified_at = None
    _flush(session, account)
    return account


def verify(
    session: Session,
    actor: User,
    account: SellerAccount,
    *,
    decision: Decision,
    comment: str | None = None,
    version: int,
) -> SellerVerification:
    """Approve an "open" claim (the shop is open from today) or reject it with a comment.

    The same rules as a listing's verification: officials (their subtree), the
    department (its province) and admins, never on a claim they made.
    """
    _check_action(
        session,
        actor,
        account.hamlet_id,
        VERIFIERS,
        "Chỉ cán bộ xã/phường, Sở Công Thương hoặc quản trị viên được xác minh gian hàng đã mở.",
    )
    workflow.check_not_claimant(
        actor.id, {account.claimed_by_id}, what="việc mở gian hàng"
    )
    _check_version(session, account, version)
    rules.check_can_verify(account.claim_status)
    verification = SellerVerification(
        seller_account_id=account.id, hamlet_id=account.hamlet_id
    )
    workflow.decide(verification, decision, comment, by=actor.id, at=utcnow())
    session.add(verification)
    if decision is Decision.approved:
        account.claim_status = ClaimStatus.approved
        account.status = SellerStatus.open
        account.status_on = max(clock.today(), account.status_on)
        account.verified_by_id = actor.id
        account.verified_at = verification.decided_at
    else:
        account.claim_status = ClaimStatus.rejected
    _flush(session, account)
    return verification


def follow_producer(session: Session, producer_id: int, hamlet_id: int) -> None:
    """A producer moved: its accounts and their records follow it (scope, audit)."""
    accounts = repository.accounts_of_producer(session, producer_id)
    ids = [a.id for a in accounts]
    for account in accounts:
        account.hamlet_id = hamlet_id
    for rows in repository.items_of(session, ids).values():
        for record in rows:
            record.hamlet_id = hamlet_id
    for decisions in repository.verifications_of(session, ids).values():
        for decision in decisions:
            decision.hamlet_id = hamlet_id
    for month in repository.activity_of_producer(session, producer_id):
        month.hamlet_id = hamlet_id


# --- prerequisites (admins) ---------------------------------------------------------


def _check_admin(actor: User) -> None:
    if actor.role is not Role.admin:
        raise Forbidden(
            "Chỉ quản trị viên được sửa danh sách việc cần chuẩn bị của sàn."
        )


def _clean_label(raw: str) -> str:
    return required_text(raw, field="label", label="Tên việc", max_len=rules.MAX_LABEL)


def add_prerequisite(
    session: Session,
    actor: User,
    marketplace_id: int,
    *,
    code: str,
    label: str,
    required: bool = True,
    position: int | None = None,
) -> SellerPrerequisite:
    """Add an item to a marketplace's checklist (admin): at the end, or at ``position``."""
    _check_admin(actor)
    market = marketplaces.get(session, marketplace_id)
    errors = FieldErrors()
    clean_code = clean_label = ""
    with errors.check("code"):
        clean_code = workflow.clean_code(
            code, field="code", label="Mã việc", example="pickup_address"
        )
    with errors.check("label"):
        clean_label = _clean_label(label)
    errors.raise_any()
    if repository.prerequisite(session, market.id, clean_code) is not None:
        raise Conflict(f"Sàn {market.name} đã có việc mã “{clean_code}”.", field="code")
    existing = repository.prerequisites_of(session, [market.id], active_only=False)
    last = max((p.position for p in existing[market.id]), default=0)
    item = SellerPrerequisite(
        marketplace_id=market.id,
        code=clean_code,
        label=clean_label,
        required=required,
        position=position or last + 1,
        is_active=True,
    )
    session.add(item)
    session.flush()
    return item


def update_prerequisite(
    session: Session,
    actor: User,
    marketplace_id: int,
    code: str,
    *,
    label: str | None = None,
    required: bool | None = None,
    position: int | None = None,
    is_active: bool | None = None,
    version: int | None = None,
) -> SellerPrerequisite:
    """Reword, reorder, make optional or retire an item (admin); records already kept stay."""
    _check_admin(actor)
    market = marketplaces.get(session, marketplace_id)
    item = repository.prerequisite(session, market.id, code)
    if item is None:
        raise NotFound(f"Sàn {market.name} không có việc “{code}”.")
    check_version(item, version, "Việc cần chuẩn bị")
    if label is not None:
        item.label = _clean_label(label)
    if required is not None:
        item.required = required
    if position is not None:
        item.position = position
    if is_active is not None:
        item.is_active = is_active
    flush_versioned(session, "Việc cần chuẩn bị")
    return item
