"""Reads of photos: who may see which, their URLs and API view, what a deletion would change.

Nothing here writes. The commands are in ``service``, the marketplaces' photo rules
and the listings' "photos" step in ``readiness``.
"""

from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.auth.scope import ensure_visible, visible
from ocop_tracker.core.errors import NotAuthenticated, NotFound
from ocop_tracker.onboarding import views as onboarding_views
from ocop_tracker.photos import repository
from ocop_tracker.photos.models import Photo, PhotoKind
from ocop_tracker.photos.readiness import check_rule, readiness
from ocop_tracker.products import views as product_views
from ocop_tracker.users.models import User

RENDITIONS = ("full", "thumb")
WHAT = "ảnh"


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


def get_photo(session: Session, actor: User, photo_id: int) -> Photo:
    """A photo the actor may see (404 otherwise)."""
    return visible(session, actor, repository.get(session, photo_id), WHAT)


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
    listing = onboarding_views.get_listing(session, actor, listing_id)
    return repository.evidence_photos(session, listing.id, step_code)


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
