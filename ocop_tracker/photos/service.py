"""Rules about photos: who may add and change them, retries, readiness, packs.

Services never commit. Files are written before the row (a row never points to
a missing file); a deleted row's files are unlinked only after the commit, and
only when no other row points to them. Anything left over is for ``photos gc``.
"""

import datetime as dt
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from ocop_tracker.auth.scope import ensure_visible
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.errors import (
    AppError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
)
from ocop_tracker.core.text import fold, normalize
from ocop_tracker.onboarding import catalog as onboarding_catalog
from ocop_tracker.onboarding import repository as onboarding_repository
from ocop_tracker.onboarding import service as onboarding_service
from ocop_tracker.onboarding import workflow as onboarding_workflow
from ocop_tracker.onboarding.models import Listing, Marketplace, StepStatus
from ocop_tracker.photos import processing, repository, storage
from ocop_tracker.photos.models import Photo, PhotoKind, PhotoRule, PhotoUploadKey
from ocop_tracker.photos.processing import PhotoRefused, Processed
from ocop_tracker.producers.service import WRITERS
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import Role, User

# Who may add, delete and arrange photos (in their area); the department reads.
PHOTO_WRITERS: frozenset[Role] = WRITERS
MAX_PHOTOS = 12
MAX_EVIDENCE_PER_STEP = 5
PHOTOS_STEP = onboarding_workflow.RULE_STEP
RENDITIONS = ("full", "thumb")
# Idempotency keys are kept this long (a phone may retry the next morning).
KEY_DAYS = 7
_KEY = re.compile(r"^[A-Za-z0-9_\-.:]{8,100}$")
_UNLINK = "photos_unlink"
DEFAULT_PACK_SIZE = 1000
WHAT = "ảnh"


class PhotoError(AppError):
    """An upload refused for its content (413, 415, 422) or a full disk (507)."""

    code = "photo_refused"


class InsufficientStorage(AppError):
    """The media disk is full; nothing was stored."""

    status_code = 507
    code = "insufficient_storage"


# --- the contract for the public page (issue #6) ------------------------------------


def photo_url(photo: Photo, rendition: str = "full") -> str:
    """The site-relative URL of a rendition, busting caches by content hash."""
    if rendition not in RENDITIONS:
        raise ValueError(f"unknown rendition {rendition!r}")
    digest = photo.sha256 if rendition == "full" else photo.thumb_sha256
    return f"/photos/{photo.id}/{rendition}?v={digest[:16]}"


def main_public_photo(session: Session, product_id: int) -> Photo | None:
    """The chosen main photo if public, else the first public product photo."""
    return repository.first_public(session, product_id)


def is_public(photo: Photo) -> bool:
    """True when anyone may see this photo without signing in."""
    return photo.kind is PhotoKind.product and photo.is_public


# --- after-commit file removal -------------------------------------------------------


def _pending(session: Session) -> set[str]:
    pending: set[str] = session.info.setdefault(_UNLINK, set())
    return pending


def unlink_after_commit(session: Session) -> None:
    """Hook (``after_commit``): remove the files of deleted photos."""
    for digest in session.info.pop(_UNLINK, set()):
        try:
            storage.remove(digest)
        except OSError:
            storage.log.warning("photos: could not remove %s", digest, exc_info=True)


def forget_unlinks(session: Session, previous: SessionTransaction) -> None:
    """Hook (``after_soft_rollback``): the deletions did not happen."""
    if previous.parent is None:
        session.info.pop(_UNLINK, None)


# --- reading -------------------------------------------------------------------------


def get_photo(session: Session, actor: User, photo_id: int) -> Photo:
    """A photo the actor may see (404 otherwise)."""
    photo = repository.get(session, photo_id)
    if photo is None:
        raise NotFound("Không tìm thấy ảnh này.")
    ensure_visible(session, actor, photo.hamlet_id, WHAT)
    return photo


def photo_for_viewer(session: Session, actor: User | None, photo_id: int) -> Photo:
    """A photo to serve: public ones to anyone, others only inside the actor's area."""
    photo = repository.get(session, photo_id)
    if photo is None:
        raise NotFound("Không tìm thấy ảnh này.")
    if is_public(photo):
        return photo
    if actor is None:
        raise NotAuthenticated("Vui lòng đăng nhập để xem ảnh này.")
    ensure_visible(session, actor, photo.hamlet_id, WHAT)
    return photo


def list_photos(session: Session, actor: User, product_id: int) -> list[Photo]:
    """A product's photos (main first), for someone who may see the product."""
    product = product_views.get_product(session, actor, product_id)
    return repository.product_photos(session, product.id)


def list_evidence(
    session: Session, actor: User, listing_id: int, step_code: str | None = None
) -> list[Photo]:
    """Evidence photos of a listing (or one step), for someone who may see it."""
    listing = onboarding_service.get_listing(session, actor, listing_id)
    return repository.evidence_photos(session, listing.id, step_code)


def check_may_change(session: Session, actor: User, photo: Photo) -> None:
    """403 unless the actor may change or delete this photo (it is visible to them)."""
    _check_writer(session, actor, photo.hamlet_id)


def _check_writer(session: Session, actor: User, hamlet_id: int) -> None:
    ensure_visible(session, actor, hamlet_id, "sản phẩm")
    if actor.role not in PHOTO_WRITERS:
        raise Forbidden("Vai trò của bạn chỉ được xem ảnh, không được thêm hay sửa.")


# --- upload --------------------------------------------------------------------------


@dataclass
class Target:
    """Where an upload goes: a product, and for evidence a listing step."""

    product: Product
    listing: Listing | None = None
    step_code: str | None = None


@dataclass
class UploadResult:
    """The photo an upload gave, and the status to answer (201 new, 200 existing)."""

    photo: Photo
    status_code: int
    replayed: bool = False
    readiness: list["Readiness"] = field(default_factory=list)


def check_upload(
    session: Session,
    actor: User,
    product_id: int,
    *,
    listing_id: int | None = None,
    step_code: str | None = None,
) -> Target:
    """Scope (404), then role (403), then the evidence step: before any byte is read."""
    product = product_views.get_product(session, actor, product_id)
    _check_writer(session, actor, product.hamlet_id)
    if listing_id is None and step_code is None:
        return Target(product)
    if listing_id is None or not step_code:
        raise InvalidInput(
            "Ảnh minh chứng cần cả hồ sơ lên sàn (listing_id) và mã bước (step)."
        )
    listing = onboarding_service.get_listing(session, actor, listing_id)
    if listing.product_id != product.id:
        raise InvalidInput("Hồ sơ lên sàn (listing_id) không phải của sản phẩm này.")
    code = step_code.strip()
    defs = onboarding_catalog.step_defs(session, listing.marketplace_id)
    if not any(d.code == code for d in defs):
        raise InvalidInput(
            f"Bước (step) “{code}” không có trong quy trình của sàn này."
        )
    return Target(product, listing, code)


def clean_key(raw: str | None) -> str | None:
    """The Idempotency-Key header, checked (8–100 safe characters) or None."""
    if raw is None or raw == "":
        return None
    if not _KEY.fullmatch(raw):
        raise InvalidInput(
            "Idempotency-Key không hợp lệ: 8–100 ký tự chữ, số hoặc - _ . :"
        )
    return raw


def replay(
    session: Session, actor: User, target: Target, key: str | None, source_sha256: str
) -> UploadResult | None:
    """The answer an earlier upload with this key gave, if any."""
    if key is None:
        return None
    earlier = repository.upload_key(session, actor.id, key)
    if earlier is None:
        return None
    if (
        earlier.product_id != target.product.id
        or earlier.source_sha256 != source_sha256
    ):
        raise Conflict(
            "Idempotency-Key này đã dùng cho một ảnh khác; hãy tạo khóa mới cho mỗi ảnh."
        )
    photo = repository.get(session, earlier.photo_id) if earlier.photo_id else None
    if photo is None:
        raise NotFound("Ảnh của lần gửi trước đã bị xóa.")
    return UploadResult(photo, earlier.status_code, replayed=True)


def _check_room(session: Session, target: Target) -> None:
    if target.listing is not None and target.step_code is not None:
        if (
            repository.count_evidence(session, target.listing.id, target.step_code)
            >= MAX_EVIDENCE_PER_STEP
        ):
            raise Conflict(
                f"Mỗi bước có tối đa {MAX_EVIDENCE_PER_STEP} ảnh minh chứng; hãy xóa bớt trước khi thêm."
            )
        return
    if repository.count_product_photos(session, target.product.id) >= MAX_PHOTOS:
        raise Conflict(
            f"Sản phẩm đã có đủ {MAX_PHOTOS} ảnh (tối đa); hãy xóa bớt ảnh trước khi thêm."
        )


def _remember_key(
    session: Session,
    actor: User,
    target: Target,
    key: str | None,
    source_sha256: str,
    result: UploadResult,
) -> None:
    if key is None:
        return
    session.add(
        PhotoUploadKey(
            user_id=actor.id,
            key=key,
            product_id=target.product.id,
            source_sha256=source_sha256,
            photo_id=result.photo.id,
            status_code=result.status_code,
        )
    )
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "Ảnh này đang được gửi ở một yêu cầu khác cùng khóa; hãy thử lại sau giây lát."
        ) from None


def _refused(exc: PhotoRefused) -> PhotoError:
    return PhotoError(exc.message, status_code=exc.status)


def _source_hash(data: bytes) -> str:
    try:
        processing.check_size(data)
    except PhotoRefused as exc:
        raise _refused(exc) from None
    return hashlib.sha256(data).hexdigest()


def _existing(session: Session, target: Target, source_sha256: str) -> Photo | None:
    """The photo these exact bytes already made for the product, if any."""
    existing = repository.by_source(session, target.product.id, source_sha256)
    if existing is not None and (existing.listing_id, existing.step_code) != (
        target.listing.id if target.listing else None,
        target.step_code,
    ):
        raise Conflict(
            "Ảnh này đã được tải lên cho sản phẩm (ở mục khác); hãy chọn ảnh khác."
        )
    return existing


def needs_processing(
    session: Session,
    actor: User,
    target: Target,
    data: bytes,
    *,
    idempotency_key: str | None = None,
) -> bool:
    """Read-only checks before the costly decode: False for a retry (same key or
    same bytes), 409 when the product has no room left."""
    source_sha256 = _source_hash(data)
    if replay(session, actor, target, idempotency_key, source_sha256) is not None:
        return False
    if _existing(session, target, source_sha256) is not None:
        return False
    _check_room(session, target)
    return True


def process(data: bytes) -> Processed:
    """Decode, clean and re-encode (no database); PhotoError on bad input."""
    try:
        return processing.process(data)
    except PhotoRefused as exc:
        raise _refused(exc) from None


def upload(
    session: Session,
    actor: User,
    target: Target,
    data: bytes,
    *,
    processed: Processed | None = None,
    idempotency_key: str | None = None,
    public: bool | None = None,
    sync: bool = True,
) -> UploadResult:
    """Add a photo from uploaded bytes (after ``check_upload``); retry-safe.

    The same key, or the same bytes for the same product, answer with the photo
    made the first time. ``processed`` is the result of ``process(data)`` when
    the caller decoded outside the transaction (the routes do, so no database
    snapshot is held during the decode). The product row is locked first, so
    the count and the insert see one state. Files are in place before the row
    is written. With ``sync`` the listings' "photos" step is recorded once the
    rule is met.
    """
    source_sha256 = _source_hash(data)
    # First statement of the transaction: a write lock (see repository).
    repository.lock_product(session, target.product.id)
    earlier = replay(session, actor, target, idempotency_key, source_sha256)
    if earlier is not None:
        return earlier
    product = target.product
    existing = _existing(session, target, source_sha256)
    if existing is not None:
        result = UploadResult(existing, 200)
        _remember_key(session, actor, target, idempotency_key, source_sha256, result)
        return result
    _check_room(session, target)
    if processed is None:
        processed = process(data)
    photo = _store(session, actor, target, processed, source_sha256, public)
    result = UploadResult(photo, 201)
    _remember_key(session, actor, target, idempotency_key, source_sha256, result)
    if sync and target.listing is None:
        result.readiness = sync_steps(session, actor, product)
    return result


def _store(
    session: Session,
    actor: User,
    target: Target,
    processed: Processed,
    source_sha256: str,
    public: bool | None,
) -> Photo:
    created: list[str] = []
    try:
        for rendition in (processed.full, processed.thumb):
            if storage.write(rendition.sha256, rendition.data).created:
                created.append(rendition.sha256)
    except OSError as exc:
        for digest in created:
            storage.remove(digest)
        storage.log.error("photos: storing failed: %s", exc)
        if isinstance(exc, storage.StorageFull):
            raise InsufficientStorage(
                "Máy chủ hết chỗ lưu ảnh; ảnh chưa được lưu. Vui lòng báo quản trị viên và thử lại sau."
            ) from None
        raise InsufficientStorage(
            "Máy chủ không lưu được ảnh lúc này; ảnh chưa được lưu. Vui lòng thử lại sau."
        ) from None
    evidence = target.listing is not None
    product = target.product
    # A product's first photo is its main one until someone chooses another, so
    # a product with photos always has a main photo (the rule may ask for one).
    first_main = not evidence and repository.main_photo(session, product.id) is None
    photo = Photo(
        product_id=product.id,
        hamlet_id=product.hamlet_id,
        kind=PhotoKind.evidence if evidence else PhotoKind.product,
        listing_id=target.listing.id if target.listing else None,
        step_code=target.step_code,
        position=repository.next_position(session, product.id),
        is_main=first_main,
        is_public=(not evidence) if public is None else (public and not evidence),
        content_type=processing.CONTENT_TYPE,
        source_format=processed.source_format,
        source_sha256=source_sha256,
        sha256=processed.full.sha256,
        width=processed.full.width,
        height=processed.full.height,
        size_bytes=len(processed.full.data),
        thumb_sha256=processed.thumb.sha256,
        thumb_width=processed.thumb.width,
        thumb_height=processed.thumb.height,
        thumb_size_bytes=len(processed.thumb.data),
        uploaded_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(photo)
            session.flush()
    except IntegrityError:
        # The same bytes arrived in a parallel request first: answer with that photo
        # (its row points to the same files, so they stay).
        existing = repository.by_source(session, product.id, source_sha256)
        if existing is None:
            raise
        return existing
    return photo


# --- changing ------------------------------------------------------------------------


def update_photo(
    session: Session,
    actor: User,
    photo_id: int,
    *,
    is_main: bool | None = None,
    is_public: bool | None = None,
    position: int | None = None,
    sync: bool = True,
) -> Photo:
    """Choose the main photo, show or hide a photo publicly, or move it."""
    photo = get_photo(session, actor, photo_id)
    _check_writer(session, actor, photo.hamlet_id)
    if photo.kind is PhotoKind.evidence and (is_main or is_public):
        raise InvalidInput(
            "Ảnh minh chứng không làm ảnh chính và không hiện công khai."
        )
    if is_main is not None:
        if is_main and not photo.is_main:
            repository.clear_main(session, photo.product_id)
            session.refresh(photo)
            photo.is_main = True
        elif not is_main:
            photo.is_main = False
    if is_public is not None:
        photo.is_public = is_public
    if position is not None:
        if not 1 <= position <= 1000:
            raise InvalidInput("position: Vị trí ảnh phải từ 1 đến 1000.")
        photo.position = position
    session.flush()
    if sync and photo.kind is PhotoKind.product:
        product = product_views.get_product(session, actor, photo.product_id)
        sync_steps(session, actor, product)
    return photo


def delete_photo(
    session: Session, actor: User, photo_id: int, *, sync: bool = True
) -> None:
    """Remove a photo; its files go after the commit unless another row uses them.

    When the main photo goes, the next one becomes main. With ``sync`` the
    listings' "photos" step follows the rule: a deletion that breaks it
    re-opens the step of every listing not yet verified.
    """
    photo = get_photo(session, actor, photo_id)
    _check_writer(session, actor, photo.hamlet_id)
    for digest in {photo.sha256, photo.thumb_sha256}:
        if not repository.hash_in_use(session, digest, exclude_id=photo.id):
            _pending(session).add(digest)
    was_main, product_id, kind = photo.is_main, photo.product_id, photo.kind
    session.delete(photo)
    session.flush()
    if kind is not PhotoKind.product:
        return
    if was_main:
        remaining = repository.product_photos(session, product_id)
        if remaining:
            remaining[0].is_main = True
            session.flush()
    if sync:
        product = product_views.get_product(session, actor, product_id)
        sync_steps(session, actor, product)


def deletion_effects(session: Session, actor: User, photo: Photo) -> list[str]:
    """What deleting this photo would change, in words, for the confirmation page."""
    if photo.kind is not PhotoKind.product:
        return []
    product = product_views.get_product(session, actor, photo.product_id)
    photos = repository.product_photos(session, product.id)
    rest = [p for p in photos if p.id != photo.id]
    effects: list[str] = []
    if photo.is_main and rest:
        effects.append("Đây là ảnh chính; ảnh kế tiếp sẽ thành ảnh chính.")
    for state in readiness(session, product):
        rule = repository.rule_of(session, state.marketplace_id)
        if rule is None or not state.ready:
            continue
        after = _with_main(rest)
        _, missing = check_rule(rule, after)
        if missing and state.step_done and not state.verified:
            effects.append(
                f"Sau khi xóa, ảnh không còn đạt yêu cầu của sàn {state.marketplace_name} ({'; '.join(missing)}): bước “Ảnh sản phẩm đạt yêu cầu” sẽ mở lại."
            )
        elif missing:
            effects.append(
                f"Sau khi xóa, ảnh không còn đạt yêu cầu của sàn {state.marketplace_name} ({'; '.join(missing)})."
            )
    return effects


def _with_main(photos: list[Photo]) -> list[Photo]:
    """The photos as they stand once the next one has taken the main role (no write)."""
    if not photos or any(p.is_main for p in photos):
        return photos
    first = photos[0]
    stand_in = Photo(
        width=first.width, height=first.height, is_main=True, kind=first.kind
    )
    return [stand_in, *photos[1:]]


def purge_old_keys(session: Session, *, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than KEY_DAYS."""
    moment = now or utcnow()
    return repository.purge_upload_keys(session, moment - dt.timedelta(days=KEY_DAYS))


# --- readiness per marketplace -------------------------------------------------------


@dataclass
class Readiness:
    """How a product's photos stand against one marketplace's rule."""

    marketplace_id: int
    marketplace_code: str
    marketplace_name: str
    min_count: int
    min_width: int
    min_height: int
    require_main: bool
    good: int
    ready: bool
    missing: list[str]
    step_done: bool | None = None
    # The listing on this marketplace is verified: its photos step no longer moves.
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
            Readiness(
                marketplace_id=market.id,
                marketplace_code=market.code,
                marketplace_name=market.name,
                min_count=rule.min_count,
                min_width=rule.min_width,
                min_height=rule.min_height,
                require_main=rule.require_main,
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


# --- rules (data, editable) ----------------------------------------------------------


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
    market = onboarding_catalog.get(session, marketplace_id)
    if not 1 <= min_count <= MAX_PHOTOS:
        raise InvalidInput(f"min_count: Số ảnh tối thiểu phải từ 1 đến {MAX_PHOTOS}.")
    for name, value in (("min_width", min_width), ("min_height", min_height)):
        if not 1 <= value <= processing.FULL_SIDE:
            raise InvalidInput(
                f"{name}: Kích thước tối thiểu phải từ 1 đến {processing.FULL_SIDE} px."
            )
    if not 200 <= pack_size <= processing.FULL_SIDE:
        raise InvalidInput(
            f"pack_size: Cỡ ảnh trong bộ ảnh phải từ 200 đến {processing.FULL_SIDE} px."
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


# --- photo pack ----------------------------------------------------------------------


def slug(name: str) -> str:
    """An ASCII file-name slug of a product name ("Bánh pía" -> "banh-pia")."""
    folded = fold(normalize(name))
    cleaned = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return cleaned[:60].rstrip("-") or "san-pham"


@dataclass
class Pack:
    """A photo pack: the ZIP bytes and its file name."""

    data: bytes
    filename: str
    count: int


def photo_pack(
    session: Session, actor: User, product_id: int, marketplace: str
) -> Pack:
    """Square JPEGs on white, main photo first, named 01-<slug>.jpg…, in a ZIP."""
    product = product_views.get_product(session, actor, product_id)
    market = onboarding_catalog.resolve(session, marketplace)
    rule = repository.rule_of(session, market.id)
    side = rule.pack_size if rule is not None else DEFAULT_PACK_SIZE
    photos = repository.product_photos(session, product.id)
    if not photos:
        raise InvalidInput(
            "Sản phẩm chưa có ảnh nào; hãy thêm ảnh trước khi tải bộ ảnh."
        )
    base = slug(product.name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for number, photo in enumerate(photos, start=1):
            try:
                data = storage.read(photo.sha256)
            except FileNotFoundError:
                storage.log.error("photos: file of photo %s is missing", photo.id)
                raise NotFound(
                    "Thiếu tệp của một ảnh trên máy chủ; hãy báo quản trị viên."
                ) from None
            info = zipfile.ZipInfo(
                f"{number:02d}-{base}.jpg", date_time=(2026, 1, 1, 0, 0, 0)
            )
            info.external_attr = 0o644 << 16
            archive.writestr(info, processing.square(data, side))
    return Pack(buffer.getvalue(), f"{base}-{market.code}.zip", len(photos))


def photo_read(photo: Photo) -> dict[str, Any]:
    """The API view of a photo (plain data)."""
    return {
        "id": photo.id,
        "product_id": photo.product_id,
        "kind": photo.kind.value,
        "listing_id": photo.listing_id,
        "step_code": photo.step_code,
        "position": photo.position,
        "is_main": photo.is_main,
        "is_public": photo.is_public,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
        "thumb_width": photo.thumb_width,
        "thumb_height": photo.thumb_height,
        "url": photo_url(photo, "full"),
        "thumb_url": photo_url(photo, "thumb"),
        "created_at": photo.created_at,
    }


# --- upkeep --------------------------------------------------------------------------


@dataclass
class Garbage:
    """What ``photos gc`` found and removed."""

    orphans: list[str] = field(default_factory=list)
    kept_young: int = 0
    temp_removed: int = 0
    keys_removed: int = 0
    bytes_freed: int = 0


def collect_garbage(
    session: Session,
    *,
    min_age_seconds: float = storage.TMP_GRACE_SECONDS,
    dry_run: bool = False,
    now: float | None = None,
) -> Garbage:
    """Remove files no photo row points to (older than ``min_age_seconds``, so an
    upload in flight keeps its files), temporary files, and old idempotency keys."""
    moment = time.time() if now is None else now
    result = Garbage()
    referenced = repository.referenced_hashes(session)
    for digest, path in storage.stored_hashes():
        if digest in referenced:
            continue
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if moment - stat.st_mtime < min_age_seconds:
            result.kept_young += 1
            continue
        result.orphans.append(digest)
        result.bytes_freed += stat.st_size
        if not dry_run:
            storage.remove(digest)
    if not dry_run:
        result.temp_removed = storage.sweep_temp(older_than=min_age_seconds)
        result.keys_removed = purge_old_keys(session)
    return result
