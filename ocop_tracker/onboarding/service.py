"""Listings: one per product and marketplace, walked step by step, verified, delisted.

Area scope comes first (an object outside the caller's area is a 404), then
the role (403), then the version (409), then the rules of ``workflow``.
Nothing is written until every check has passed; the request rolls back on
any refusal.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_tracker.audit import views as audit_views
from ocop_tracker.auth.scope import check_writer, ensure_visible
from ocop_tracker.core import clock
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import add_unique
from ocop_tracker.core.errors import Conflict, InvalidInput, NotFound
from ocop_tracker.core.text import clean_text, required_text
from ocop_tracker.core.versions import check_version, flush_versioned, is_resend
from ocop_tracker.onboarding import marketplaces, repository, views, workflow
from ocop_tracker.onboarding.models import (
    Decision,
    Listing,
    ListingStatus,
    Marketplace,
    StepRecord,
    StepStatus,
    Verification,
)
from ocop_tracker.onboarding.views import WHAT, read
from ocop_tracker.onboarding.workflow import StepDef
from ocop_tracker.users.models import VERIFIERS, WRITERS, Role, User

# Who may open a listing and record, block or unblock its steps (in their area).
STEP_WRITERS = WRITERS
# Who may report that a live listing went down: anyone who may see it.
DELISTERS = STEP_WRITERS | VERIFIERS
# The listings' 409 code, which their clients read (the other domains say "conflict").
STALE_CODE = "stale_version"
URL_LABELS = {workflow.CLAIM_STEP: "Đường dẫn sản phẩm"}


Action = Literal["open", "record", "block", "unblock", "verify", "delist", "relist"]
# Who may do what to a listing (in their area), and what anyone else is told.
ACTIONS: Mapping[Action, tuple[frozenset[Role], str]] = {
    "open": (
        STEP_WRITERS,
        "Vai trò của bạn không được mở hồ sơ lên sàn; việc này do tổ công nghệ số hoặc cán bộ phụ trách làm.",
    ),
    "record": (STEP_WRITERS, "Vai trò của bạn không được ghi các bước lên sàn."),
    "block": (STEP_WRITERS, "Vai trò của bạn không được tạm dừng các bước lên sàn."),
    "unblock": (
        STEP_WRITERS,
        "Vai trò của bạn không được gỡ tạm dừng các bước lên sàn.",
    ),
    "verify": (
        VERIFIERS,
        "Chỉ cán bộ xã/phường, Sở Công Thương hoặc quản trị viên được xác minh sản phẩm đã lên sàn.",
    ),
    "delist": (DELISTERS, "Vai trò của bạn không được báo gỡ sản phẩm khỏi sàn."),
    "relist": (STEP_WRITERS, "Vai trò của bạn không được đưa sản phẩm lên sàn lại."),
}


def _check_action(
    session: Session, actor: User, hamlet_id: int, action: Action
) -> None:
    roles, message = ACTIONS[action]
    check_writer(session, actor, hamlet_id, WHAT, roles, message)


def _check_version(
    session: Session,
    listing: Listing,
    version: int | None,
    resent: Callable[[], bool] | None = None,
) -> bool:
    """The listing's version check; True for a resend of what is stored (no-op)."""
    return check_version(
        listing,
        version,
        "Hồ sơ lên sàn",
        field=None,
        current=lambda _: read(session, listing).model_dump(mode="json"),
        code=STALE_CODE,
        resent=resent,
    )


def _step_resend(
    session: Session,
    actor: User,
    listing: Listing,
    version: int | None,
    code: str,
    sent: Callable[[], dict[str, object]],
) -> bool:
    """The listing's version check for a step form; True when the form was
    sent again: the step's record holds ``sent()``, by ``actor`` (a no-op)."""

    def check() -> bool:
        record = repository.records_of(session, listing.id).get(code)
        if record is None:
            return False
        if record.status is StepStatus.done and not workflow.is_done(
            code, {code: record.status}, listing.status
        ):
            # A claim that no longer stands (rejected, delisted, re-listed)
            # is not what a resend of it would find: it must be made again.
            return False
        return is_resend(actor.id, record.done_by_id, record, sent())

    return _check_version(session, listing, version, check)


def _listing_resend(
    session: Session,
    actor: User,
    listing: Listing,
    version: int | None,
    sent: Callable[[], dict[str, object]],
) -> bool:
    """The listing's version check for a delisting or re-listing; True when it
    was sent again: the listing holds ``sent()``, and its last recorded change
    was ``actor``'s (a no-op)."""

    def check() -> bool:
        writer = audit_views.last_writer(session, Listing.__tablename__, listing.id)
        return is_resend(actor.id, writer, listing, sent())

    return _check_version(session, listing, version, check)


def _flush(
    session: Session,
    listing: Listing,
    defs: Sequence[StepDef],
    statuses: Mapping[str, StepStatus],
) -> None:
    """Save a change of the listing or its steps, its next step recomputed."""
    listing.next_step = workflow.next_step(defs, statuses, listing.status)
    # Touching the listing bumps its version on every change of its steps, so
    # the listing's version guards the whole onboarding.
    listing.updated_at = utcnow()
    # A concurrent writer got there first: its UPDATE moved the version, or its
    # INSERT took the (listing, step) slot this one wanted.
    flush_versioned(
        session, "Hồ sơ lên sàn", field=None, also=(IntegrityError,), code=STALE_CODE
    )


def _statuses(records: Mapping[str, StepRecord]) -> dict[str, StepStatus]:
    return {code: r.status for code, r in records.items()}


def create_listing(
    session: Session, actor: User, *, product_id: int, marketplace_id: int
) -> Listing:
    """Start a product's onboarding on a marketplace (one per pair)."""
    product = repository.product(session, product_id)
    if product is None:
        raise NotFound("Không tìm thấy sản phẩm này.")
    _check_action(session, actor, product.hamlet_id, "open")
    market = repository.marketplace(session, marketplace_id)
    if market is None:
        raise InvalidInput(
            "Không có sàn thương mại điện tử này; hãy chọn một sàn trong danh sách.",
            field="marketplace_id",
        )
    if not market.is_active:
        raise InvalidInput(
            f"Sàn {market.name} đã ngừng, không mở hồ sơ mới.", field="marketplace_id"
        )
    defs = marketplaces.step_defs(session, market.id)
    if not any(d.code == workflow.CLAIM_STEP for d in defs):
        raise InvalidInput(
            f"Quy trình của sàn {market.name} chưa có bước “{workflow.CLAIM_STEP}” (đăng sản phẩm); quản trị viên cần thêm trước."
        )
    existing = repository.listing_of(session, product.id, market.id)
    if existing is not None:
        raise Conflict(
            f"Sản phẩm “{product.name}” đã có hồ sơ lên sàn {market.name} (mã {existing.id})."
        )
    listing = Listing(
        product_id=product.id,
        marketplace_id=market.id,
        hamlet_id=product.hamlet_id,
        status=ListingStatus.in_progress,
        next_step=workflow.next_step(defs, {}, ListingStatus.in_progress),
    )
    # Another request may open the same pair between the check and the insert.
    add_unique(
        session,
        listing,
        Conflict(f"Sản phẩm “{product.name}” đã có hồ sơ lên sàn {market.name}."),
    )
    return listing


def _market_and_steps(
    session: Session, listing: Listing
) -> tuple[Marketplace, list[StepDef], dict[str, StepRecord]]:
    market = marketplaces.get(session, listing.marketplace_id)
    return (
        market,
        marketplaces.step_defs(session, market.id),
        repository.records_of(session, listing.id),
    )


def _mark_step(
    session: Session,
    actor: User,
    listing: Listing,
    records: Mapping[str, StepRecord],
    code: str,
    status: StepStatus,
) -> StepRecord:
    """The step's record (a new one added when the step has none) marked
    ``status`` by ``actor``, now."""
    record = records.get(code)
    if record is None:
        record = StepRecord(
            listing_id=listing.id, hamlet_id=listing.hamlet_id, step_code=code
        )
        session.add(record)
    record.status = status
    record.done_by_id = actor.id
    record.done_at = utcnow()
    return record


def _evidence(step: StepDef, market: Marketplace, raw: str | None) -> str | None:
    label = URL_LABELS.get(step.code, "Đường dẫn bằng chứng")
    if step.evidence == workflow.EVIDENCE_URL:
        return workflow.clean_page_url(
            raw, domain=market.domain, label=label, step=step
        )
    if raw is None or not raw.strip():
        return None
    return workflow.clean_url(raw, domain=None, label=label)


def _clean_note(raw: str | None) -> str | None:
    return clean_text(
        raw, field="note", label="Ghi chú", max_len=workflow.MAX_NOTE, multiline=True
    )


def _clean_reason(raw: str, label: str) -> str:
    return required_text(
        raw, field="reason", label=label, max_len=workflow.MAX_REASON, multiline=True
    )


def rule_step_refusal(session: Session, market: Marketplace, step: StepDef) -> Conflict:
    """Why the photos step cannot be recorded by hand, with the rule's numbers."""
    rule = repository.photo_rule_of(session, market.id)
    if rule is None:
        wanted = "khi quản trị viên đặt yêu cầu ảnh cho sàn này"
    else:
        wanted = (
            f"khi sản phẩm có ít nhất {rule.min_count} ảnh từ {rule.min_width}×{rule.min_height} px"
            + (", trong đó có ảnh chính" if rule.require_main else "")
        )
    return Conflict(
        f"Không ghi tay được bước “{step.name}”: bước này tự ghi nhận {wanted} (yêu cầu của sàn {market.name}). Hãy thêm ảnh ở mục “Ảnh sản phẩm”."
    )


def record_step(
    session: Session,
    actor: User,
    listing: Listing,
    *,
    step: str,
    evidence_url: str | None = None,
    note: str | None = None,
    version: int,
) -> Listing:
    """Record a step as done, with its evidence, who and when.

    Steps go in order; recording "listing" claims the product is listed and
    asks for verification; a step done before may be recorded again to
    correct it.
    """
    _check_action(session, actor, listing.hamlet_id, "record")
    code = step.strip()

    def sent() -> dict[str, object]:
        market = marketplaces.get(session, listing.marketplace_id)
        definition = workflow.find_step(
            marketplaces.step_defs(session, market.id), code, market.name
        )
        return {
            "status": StepStatus.done,
            "evidence_url": _evidence(definition, market, evidence_url),
            "note": _clean_note(note),
            "blocked_reason": None,
        }

    if _step_resend(session, actor, listing, version, code, sent):
        return listing
    workflow.check_open(listing.status)
    market, defs, records = _market_and_steps(session, listing)
    statuses = _statuses(records)
    if code == workflow.RULE_STEP:
        # Recorded by the photo rule only (apply_rule_step), never claimed by hand.
        raise rule_step_refusal(
            session, market, workflow.find_step(defs, code, market.name)
        )
    definition = workflow.check_can_record(
        defs, statuses, listing.status, code, marketplace=market.name
    )
    workflow.check_requirement(
        definition,
        views.requirements(session, listing, definition),
        domain=market.domain,
    )
    url = _evidence(definition, market, evidence_url)
    if definition.evidence == workflow.EVIDENCE_DOCUMENT:
        workflow.check_document(
            definition,
            url=url,
            photos=repository.evidence_count(session, listing.id, code),
        )
    clean_note = _clean_note(note)
    record = _mark_step(session, actor, listing, records, code, StepStatus.done)
    record.evidence_url = url
    record.note = clean_note
    record.blocked_reason = None
    column = workflow.URL_COLUMNS.get(code)
    if column is not None:
        setattr(listing, column, url)
    if code == workflow.CLAIM_STEP:
        # A new claim: any earlier verification or delisting no longer applies.
        listing.claimed_by_id = actor.id
        listing.verified_at = None
        listing.verified_by_id = None
        listing.delisted_on = None
        listing.delist_reason = None
    listing.status = workflow.status_after_record(code, listing.status)
    statuses[code] = StepStatus.done
    _flush(session, listing, defs, statuses)
    return listing


def apply_rule_step(
    session: Session, actor: User, listing: Listing, *, met: bool, note: str
) -> bool:
    """Record the photos step when the rule is met, re-open it when it no longer is.

    The step of a verified listing (live or delisted) stays as it was verified;
    a blocked step waits for the team; a step that cannot be recorded yet
    (out of order) is left. Returns True when something changed.
    """
    ensure_visible(session, actor, listing.hamlet_id, WHAT)
    market, defs, records = _market_and_steps(session, listing)
    if not any(d.code == workflow.RULE_STEP for d in defs):
        return False
    statuses = _statuses(records)
    record = records.get(workflow.RULE_STEP)
    if record is not None and record.status is StepStatus.blocked:
        return False
    if met:
        if record is not None:
            return False
        try:
            workflow.check_can_record(
                defs,
                statuses,
                listing.status,
                workflow.RULE_STEP,
                marketplace=market.name,
            )
        except InvalidInput:
            return False
        session.add(
            StepRecord(
                listing_id=listing.id,
                hamlet_id=listing.hamlet_id,
                step_code=workflow.RULE_STEP,
                status=StepStatus.done,
                note=note,
                done_by_id=actor.id,
                done_at=utcnow(),
            )
        )
        statuses[workflow.RULE_STEP] = StepStatus.done
    else:
        if record is None or listing.status in workflow.VERIFIED:
            return False
        session.delete(record)
        statuses.pop(workflow.RULE_STEP)
    _flush(session, listing, defs, statuses)
    return True


def block_step(
    session: Session,
    actor: User,
    listing: Listing,
    *,
    step: str,
    reason: str,
    version: int | None = None,
) -> Listing:
    """Block a step not done yet, with a reason; progress waits until it is unblocked."""
    _check_action(session, actor, listing.hamlet_id, "block")
    label = "Lý do tạm dừng"

    def sent() -> dict[str, object]:
        return {
            "status": StepStatus.blocked,
            "blocked_reason": _clean_reason(reason, label),
        }

    if _step_resend(session, actor, listing, version, step.strip(), sent):
        return listing
    workflow.check_open(listing.status)
    market, defs, records = _market_and_steps(session, listing)
    statuses = _statuses(records)
    definition = workflow.check_can_block(
        defs, statuses, listing.status, step, marketplace=market.name
    )
    clean_reason = _clean_reason(reason, label)
    record = _mark_step(
        session, actor, listing, records, definition.code, StepStatus.blocked
    )
    record.blocked_reason = clean_reason
    statuses[definition.code] = StepStatus.blocked
    _flush(session, listing, defs, statuses)
    return listing


def unblock_step(
    session: Session,
    actor: User,
    listing: Listing,
    *,
    step: str,
    version: int | None = None,
) -> Listing:
    """Lift a block: the step is to do again (the trail keeps the block)."""
    _check_action(session, actor, listing.hamlet_id, "unblock")
    _check_version(session, listing, version)
    market, defs, records = _market_and_steps(session, listing)
    statuses = _statuses(records)
    definition = workflow.check_can_unblock(
        defs, statuses, step, marketplace=market.name
    )
    session.delete(records[definition.code])
    statuses.pop(definition.code)
    _flush(session, listing, defs, statuses)
    return listing


def verify(
    session: Session,
    actor: User,
    listing: Listing,
    *,
    decision: Decision,
    comment: str | None = None,
    version: int,
) -> Verification:
    """Approve a "listed" claim (status listed) or reject it with a comment.

    Only officials (their subtree), the department (its province) and admins
    verify, and never a claim they made themselves.
    """
    _check_action(session, actor, listing.hamlet_id, "verify")
    _, defs, records = _market_and_steps(session, listing)
    claim = records.get(workflow.CLAIM_STEP)
    workflow.check_not_claimant(
        actor.id, {listing.claimed_by_id, claim.done_by_id if claim else None}
    )
    _check_version(session, listing, version)
    workflow.check_can_verify(listing.status)
    verification = Verification(listing_id=listing.id, hamlet_id=listing.hamlet_id)
    workflow.decide(verification, decision, comment, by=actor.id, at=utcnow())
    session.add(verification)
    listing.status = workflow.status_after_decision(decision)
    approved = decision is Decision.approved
    listing.verified_at = verification.decided_at if approved else None
    listing.verified_by_id = actor.id if approved else None
    _flush(session, listing, defs, _statuses(records))
    return verification


def delist(
    session: Session,
    actor: User,
    listing: Listing,
    *,
    on: dt.date,
    reason: str,
    version: int,
) -> Listing:
    """Record that a live listing went down, on which date and why."""
    _check_action(session, actor, listing.hamlet_id, "delist")
    label = "Lý do gỡ khỏi sàn"

    def sent() -> dict[str, object]:
        return {
            "status": ListingStatus.delisted,
            "delisted_on": on,
            "delist_reason": _clean_reason(reason, label),
        }

    if _listing_resend(session, actor, listing, version, sent):
        return listing
    verified_on = (
        listing.verified_at.astimezone(clock.VIETNAM).date()
        if listing.verified_at
        else None
    )
    workflow.check_can_delist(
        listing.status, on=on, today=clock.today(), verified_on=verified_on
    )
    clean_reason = _clean_reason(reason, label)
    _, defs, records = _market_and_steps(session, listing)
    listing.delist_reason = clean_reason
    listing.delisted_on = on
    listing.status = ListingStatus.delisted
    _flush(session, listing, defs, _statuses(records))
    return listing


def relist(session: Session, actor: User, listing: Listing, *, version: int) -> Listing:
    """Bring a delisted listing back: it is in progress again, and counts again
    only once its new "listed" claim is verified.

    The steps the product keeps (first order, quality commitment) stay done; the claim must be made again (the product page's
    URL may have changed) and verified, and the photos step follows the
    marketplace's rule again (``photos.readiness.relist`` re-checks it). The
    delisting stays in the trail, so past figures still see it.
    """
    _check_action(session, actor, listing.hamlet_id, "relist")

    def sent() -> dict[str, object]:
        return {
            "status": ListingStatus.in_progress,
            "delisted_on": None,
            "delist_reason": None,
        }

    if _listing_resend(session, actor, listing, version, sent):
        return listing
    workflow.check_can_relist(listing.status)
    market, defs, records = _market_and_steps(session, listing)
    if not market.is_active:
        raise Conflict(
            f"Sàn {market.name} đã ngừng hoạt động, không đưa sản phẩm lên lại được."
        )
    listing.status = ListingStatus.in_progress
    listing.delisted_on = None
    listing.delist_reason = None
    listing.verified_at = None
    listing.verified_by_id = None
    listing.claimed_by_id = None
    _flush(session, listing, defs, _statuses(records))
    return listing
