"""Marketplaces' photo rules, a product's readiness against them, and the "photos" step.

``sync_steps`` is the only writer of each listing's "photos" step: recorded once
the marketplace's rule is met, re-opened while the listing is not yet verified
when it no longer is. Opening a listing, lifting a block and re-listing go
through here so the step follows the rule at once.
"""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from ocop_tracker.core.errors import Forbidden, InvalidInput
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding import repository as onboarding_repository
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import workflow as onboarding_workflow
from ocop_tracker.onboarding.models import Listing, Marketplace, StepStatus
from ocop_tracker.photos import processing, repository
from ocop_tracker.photos.models import Photo, PhotoRule
from ocop_tracker.photos.schemas import ReadinessRead
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import Role, User

# The most photos a product may have (so also the most a rule may ask for).
MAX_PHOTOS = 12
PHOTOS_STEP = onboarding_workflow.RULE_STEP


class Readiness(ReadinessRead):
    """How a product's photos stand against one marketplace's rule: what the API
    answers, and whether the listing there is verified (its photos step no longer
    moves)."""

    step_done: bool | None = None
    verified: bool = False


def check_rule(rule: PhotoRule, photos: Sequence[Photo]) -> tuple[int, list[str]]:
    """How many photos meet the rule's size, and what is missing (Vietnamese)."""
    good = [
        p for p in photos if p.width >= rule.min_width and p.height >= rule.min_height
    ]
    small = len(photos) - len(good)
    missing: list[str] = []
    if len(good) < rule.min_count:
        missing.append(
            f"cần thêm {rule.min_count - len(good)} ảnh từ {rule.min_width}×{rule.min_height} px"
        )
    if small:
        missing.append(
            f"{small} ảnh nhỏ hơn {rule.min_width}×{rule.min_height}"
            + (" (không được tính)" if len(good) < rule.min_count else "")
        )
    main = next((p for p in photos if p.is_main), None)
    if rule.require_main:
        if main is None:
            missing.append("ảnh chính chưa chọn")
        elif main not in good:
            missing.append(f"ảnh chính nhỏ hơn {rule.min_width}×{rule.min_height}")
    ready = len(good) >= rule.min_count and (
        not rule.require_main or (main is not None and main in good)
    )
    if ready:
        missing = []
    return len(good), missing


def readiness(session: Session, product: Product) -> list[Readiness]:
    """The product's photos against every marketplace's rule."""
    photos = repository.product_photos(session, product.id)
    listings = {
        lst.marketplace_id: lst for lst in repository.listings_of(session, product.id)
    }
    out: list[Readiness] = []
    for rule, market in repository.rules(session):
        good, missing = check_rule(rule, photos)
        listing = listings.get(market.id)
        step_done: bool | None = None
        if listing is not None:
            record = onboarding_repository.records_of(session, listing.id).get(
                PHOTOS_STEP
            )
            step_done = record is not None and record.status is StepStatus.done
        out.append(
            Readiness.from_object(
                rule,
                marketplace_id=market.id,
                marketplace_code=market.code,
                marketplace_name=market.name,
                good=good,
                ready=not missing,
                missing=missing,
                step_done=step_done,
                verified=listing is not None
                and listing.status in onboarding_workflow.VERIFIED,
            )
        )
    return out


def product_readiness(
    session: Session, actor: User, product_id: int
) -> list[Readiness]:
    """Readiness of a product the actor may see."""
    product = product_views.get_product(session, actor, product_id)
    return readiness(session, product)


def sync_steps(session: Session, actor: User, product: Product) -> list[Readiness]:
    """Make each listing's "photos" step say what the marketplace's photo rule says.

    The only writer of that step (nobody records it by hand): recorded once the
    rule is met, re-opened when it no longer is while the listing is not yet
    verified; a blocked step waits for the team.
    """
    states = readiness(session, product)
    listings = {
        lst.marketplace_id: lst for lst in repository.listings_of(session, product.id)
    }
    for state in states:
        listing = listings.get(state.marketplace_id)
        if listing is None:
            continue
        changed = onboarding_service.apply_rule_step(
            session,
            actor,
            listing,
            met=state.ready,
            note=f"Tự động: ảnh đạt yêu cầu của sàn {state.marketplace_name} ({state.good} ảnh đạt chuẩn"
            + (", có ảnh chính)." if state.require_main else ")."),
        )
        if changed:
            state.step_done = state.ready
    return states


def unblock_step(
    session: Session,
    actor: User,
    listing: Listing,
    *,
    step: str,
    version: int | None = None,
) -> Listing:
    """Lift a step's block; a lifted "photos" step follows the photo rule at once."""
    onboarding_service.unblock_step(session, actor, listing, step=step, version=version)
    if step.strip() == PHOTOS_STEP:
        product = product_views.get_product(session, actor, listing.product_id)
        sync_steps(session, actor, product)
    return listing


def relist(session: Session, actor: User, listing: Listing, *, version: int) -> Listing:
    """Bring a delisted listing back; its photos step follows the photo rule again."""
    onboarding_service.relist(session, actor, listing, version=version)
    product = product_views.get_product(session, actor, listing.product_id)
    sync_steps(session, actor, product)
    return listing


def open_listing(
    session: Session, actor: User, *, product_id: int, marketplace_id: int
) -> Listing:
    """Start a product's onboarding on a marketplace, its photos step from the rule.

    Photos uploaded before the listing existed count at once.
    """
    listing = onboarding_service.create_listing(
        session, actor, product_id=product_id, marketplace_id=marketplace_id
    )
    product = product_views.get_product(session, actor, product_id)
    sync_steps(session, actor, product)
    return listing


def list_rules(session: Session) -> list[tuple[PhotoRule, Marketplace]]:
    """Every marketplace's photo rule."""
    return repository.rules(session)


def set_rule(
    session: Session,
    actor: User,
    marketplace_id: int,
    *,
    min_count: int,
    min_width: int,
    min_height: int,
    require_main: bool,
    pack_size: int,
) -> PhotoRule:
    """Create or change a marketplace's photo rule (admins only)."""
    if actor.role is not Role.admin:
        raise Forbidden("Chỉ quản trị hệ thống được sửa yêu cầu ảnh của sàn.")
    market = marketplaces.get(session, marketplace_id)
    if not 1 <= min_count <= MAX_PHOTOS:
        raise InvalidInput(
            f"Số ảnh tối thiểu phải từ 1 đến {MAX_PHOTOS}.", field="min_count"
        )
    for name, value in (("min_width", min_width), ("min_height", min_height)):
        if not 1 <= value <= processing.FULL_SIDE:
            raise InvalidInput(
                f"Kích thước tối thiểu phải từ 1 đến {processing.FULL_SIDE} px.",
                field=name,
            )
    if not 200 <= pack_size <= processing.FULL_SIDE:
        raise InvalidInput(
            f"Cỡ ảnh trong bộ ảnh phải từ 200 đến {processing.FULL_SIDE} px.",
            field="pack_size",
        )
    rule = repository.rule_of(session, market.id)
    if rule is None:
        rule = PhotoRule(marketplace_id=market.id)
        session.add(rule)
    rule.min_count = min_count
    rule.min_width = min_width
    rule.min_height = min_height
    rule.require_main = require_main
    rule.pack_size = pack_size
    session.flush()
    return rule
