"""Commands on photos: who may add, change and delete them; uploads and their retries.

Services never commit. Files are written before the row (a row never points to
a missing file); a deleted row's files are unlinked only after the commit, and
only when no other row points to them. Anything left over is for ``photos gc``.
"""

import contextlib
import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core.errors import (
    AppError,
    Conflict,
    InvalidInput,
    NotFound,
)
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.onboarding.models import Listing
from ocop_tracker.photos import processing, repository, storage
from ocop_tracker.photos.models import Photo, PhotoKind, PhotoUploadKey
from ocop_tracker.photos.processing import PhotoRefused, Processed
from ocop_tracker.photos.readiness import MAX_PHOTOS, Readiness, sync_steps
from ocop_tracker.photos.views import get_photo
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import WRITERS, Role, User

# Who may add, delete and arrange photos (in their area); the department reads.
PHOTO_WRITERS: frozenset[Role] = WRITERS
MAX_EVIDENCE_PER_STEP = 5
_KEY = re.compile(r"^[A-Za-z0-9_\-.:]{8,100}$")
_UNLINK = "photos_unlink"


class PhotoError(AppError):
    """An upload refused for its content (413, 415, 422) or a full disk (507)."""

    code = "photo_refused"


class InsufficientStorage(AppError):
    """The media disk is full; nothing was stored."""

    status_code = 507
    code = "insufficient_storage"


class StoreDown(AppError):
    """The object store does not answer; nothing was stored (try again soon)."""

    status_code = 503
    code = "store_unavailable"
    retry_after = 30


# --- after-commit file removal -------------------------------------------------------


def _note_unlink(session: Session, digest: str) -> None:
    """Remove this file after the commit; noted with the innermost transaction
    that deleted its last row, so a savepoint rolled back takes its notes back."""
    noted: dict[str, SessionTransaction | None] = session.info.setdefault(_UNLINK, {})
    noted.setdefault(
        digest, session.get_nested_transaction() or session.get_transaction()
    )


def unlink_after_commit(session: Session) -> None:
    """Hook (``after_commit``): remove the files of deleted photos."""
    for digest in session.info.pop(_UNLINK, {}):
        try:
            storage.remove(digest)
        except OSError:
            storage.log.warning("photos: could not remove %s", digest, exc_info=True)


def forget_unlinks(session: Session, previous: SessionTransaction) -> None:
    """Hook (``after_soft_rollback``): the deletions did not happen — all of
    them on a full rollback, those made inside the savepoint when only a
    savepoint rolled back (the row is back: its file must stay)."""
    if previous.parent is None:
        session.info.pop(_UNLINK, None)
        return
    noted: dict[str, SessionTransaction | None] = session.info.get(_UNLINK, {})
    for digest, where in list(noted.items()):
        if _within(where, previous):
            del noted[digest]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def check_may_change(session: Session, actor: User, photo: Photo) -> None:
    """403 unless the actor may change or delete this photo (it is visible to them)."""
    _check_writer(session, actor, photo.hamlet_id)


def _check_writer(session: Session, actor: User, hamlet_id: int) -> None:
    check_writer(
        session,
        actor,
        hamlet_id,
        "sản phẩm",
        PHOTO_WRITERS,
        "Vai trò của bạn chỉ được xem ảnh, không được thêm hay sửa.",
    )


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
    readiness: list[Readiness] = field(default_factory=list)


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
            "Ảnh minh chứng cần cả hồ sơ lên sàn và bước mà ảnh chứng minh.",
            field="listing_id" if listing_id is None else "step",
        )
    listing = onboarding_views.get_listing(session, actor, listing_id)
    if listing.product_id != product.id:
        raise InvalidInput(
            "Hồ sơ lên sàn này không phải của sản phẩm này.", field="listing_id"
        )
    code = step_code.strip()
    defs = marketplaces.step_defs(session, listing.marketplace_id)
    if not any(d.code == code for d in defs):
        raise InvalidInput(
            f"Bước “{code}” không có trong quy trình của sàn này.", field="step"
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
            with contextlib.suppress(OSError):
                storage.remove(digest)
        storage.log.error("photos: storing failed: %s", exc)
        if isinstance(exc, storage.StoreUnavailable):
            raise StoreDown(
                "Kho ảnh tạm thời không trả lời; ảnh chưa được lưu. "
                "Vui lòng thử lại sau ít phút."
            ) from None
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
            raise InvalidInput("Vị trí ảnh phải từ 1 đến 1000.", field="position")
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
            _note_unlink(session, digest)
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
