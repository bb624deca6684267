"""Pages of photos: the serving route, and the product page's gallery forms.

The gallery itself is a partial (``photos/_gallery.html``) included in the
product page; ``gallery(...)`` builds what it needs.
"""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.responses import FileResponse, RedirectResponse, Response

from ocop_tracker.auth.deps import CurrentPrincipal, OptionalPrincipal
from ocop_tracker.core import media
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.downloads import ranged
from ocop_tracker.core.errors import AppError, InvalidInput, NotFound
from ocop_tracker.photos import processing, storage
from ocop_tracker.photos import readiness as photo_readiness
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos import views as photo_views
from ocop_tracker.photos.models import Photo
from ocop_tracker.photos.readiness import Readiness
from ocop_tracker.photos.upload import form_files, receive_photo, upload_data
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import User
from ocop_tracker.web.render import redirect, render

router = APIRouter(include_in_schema=False)

PUBLIC_CACHE = "public, max-age=31536000, immutable"
PRIVATE_CACHE = "private, max-age=86400"
# Even if a browser were tricked into rendering a photo as a page, nothing runs.
PHOTO_CSP = (
    "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


@dataclass(frozen=True)
class Refused:
    """A photo of a form upload that was not taken, and why."""

    name: str
    message: str


@dataclass
class UploadOutcome:
    """What became of each photo of one form upload (``receive_form``)."""

    taken: list[str] = field(default_factory=list)
    again: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    status_code: int = 200
    # Seconds to wait before trying again, when the store was down (503).
    retry_after: int | None = None

    @property
    def done(self) -> str:
        """The notice of the page it leads to when nothing was refused."""
        return "photo_added" if self.taken or not self.again else "photo_again"


@dataclass(frozen=True)
class Gallery:
    """What the product page's photo section shows."""

    product_id: int
    photos: list[Photo]
    readiness: list[Readiness]
    may_write: bool
    room: int
    max_photos: int
    max_mb: int
    urls: dict[int, tuple[str, str]]
    outcome: UploadOutcome | None = None


def gallery(
    session: Session,
    user: User,
    product: Product,
    outcome: UploadOutcome | None = None,
) -> Gallery:
    """The product's photos, readiness per marketplace, and whether the user may
    add; with ``outcome``, what became of the photos of a refused form upload."""
    photos = photo_views.list_photos(session, user, product.id)
    return Gallery(
        product_id=product.id,
        photos=photos,
        readiness=photo_readiness.readiness(session, product),
        may_write=user.role in photo_service.PHOTO_WRITERS,
        room=max(0, photo_readiness.MAX_PHOTOS - len(photos)),
        max_photos=photo_readiness.MAX_PHOTOS,
        max_mb=processing.MAX_BYTES // (1024 * 1024),
        urls={
            p.id: (
                photo_views.photo_url(p, "full"),
                photo_views.photo_url(p, "thumb"),
            )
            for p in photos
        },
        outcome=outcome,
    )


async def receive_form(
    request: Request, session: Session, user: User, product_id: int
) -> UploadOutcome:
    """The photos of the plain form (works without JavaScript), one by one.

    Each photo is stored, or refused, on its own: a taken photo is committed
    before the next one is read, and a refused one leaves nothing (it is
    refused before anything is written; its transaction is rolled back all the
    same). Scope and role are checked once, first: a denial refuses them all.
    """
    target = await run_in_threadpool(
        photo_service.check_upload, session, user, product_id
    )
    outcome = UploadOutcome()
    files = await form_files(request)
    if not files:
        outcome.refused.append(
            Refused("", "Chưa chọn ảnh: hãy chọn hoặc chụp một ảnh.")
        )
        outcome.status_code = 422
    for number, upload in enumerate(files, start=1):
        name = upload.filename or f"Ảnh {number}"
        try:
            data = await upload_data(upload)
            result = await receive_photo(session, user, target, data, key=None)
        except AppError as exc:
            if exc.audit_action is not None:
                raise
            await run_in_threadpool(session.rollback)
            outcome.refused.append(Refused(name, exc.message))
            if outcome.status_code < 400:
                outcome.status_code = exc.status_code
            outcome.retry_after = getattr(exc, "retry_after", outcome.retry_after)
            continue
        await run_in_threadpool(session.commit)
        (outcome.taken if result.status_code == 201 else outcome.again).append(name)
    return outcome


@router.get("/photos/{photo_id}/delete")
def confirm_delete(
    request: Request, session: SessionDep, principal: CurrentPrincipal, photo_id: int
) -> Response:
    """Ask before deleting (works without JavaScript): the photo and what would change.

    Declared before the serving route, whose ``{rendition}`` would take "delete".
    """
    user = principal.user
    photo = photo_views.get_photo(session, user, photo_id)
    photo_service.check_may_change(session, user, photo)
    product = product_views.get_product(session, user, photo.product_id)
    return render(
        request,
        "photos/confirm_delete.html",
        {
            "photo": photo,
            "product": product,
            "thumb_url": photo_views.photo_url(photo, "thumb"),
            "effects": photo_views.deletion_effects(session, user, photo),
        },
        principal,
    )


@router.get("/photos/{photo_id}/{rendition}")
def serve_photo(
    request: Request,
    session: SessionDep,
    principal: OptionalPrincipal,
    photo_id: int,
    rendition: str,
) -> Response:
    """A stored rendition (full or thumb): public photos to anyone, others in scope."""
    if rendition not in photo_views.RENDITIONS:
        raise NotFound("Không tìm thấy ảnh này.")
    user = principal.user if principal else None
    if user is not None and user.must_change_password:
        user = None
    photo = photo_views.photo_for_viewer(session, user, photo_id)
    digest = photo.sha256 if rendition == "full" else photo.thumb_sha256
    etag = f'"{digest}"'
    headers = {
        "ETag": etag,
        "Cache-Control": PUBLIC_CACHE
        if photo_views.is_public(photo)
        else PRIVATE_CACHE,
        "Content-Disposition": f'inline; filename="anh-{photo.id}-{rendition}.jpg"',
        "Content-Security-Policy": PHOTO_CSP,
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if not photo_views.is_public(photo):
        headers["Vary"] = "Cookie"
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return _stored_file(photo, rendition, digest, headers, request.headers.get("range"))


def _stored_file(
    photo: Photo,
    rendition: str,
    digest: str,
    headers: dict[str, str],
    range_header: str | None,
) -> Response:
    """The file from the store: sent from disk, read from the object store (and
    kept in memory), or, by setting, a redirect to a signed URL of a public one."""
    settings = get_settings()
    store = media.store()
    key = storage.key_for(digest)
    path = store.local_path(key)
    try:
        if path is not None:
            if path.is_file():
                return FileResponse(
                    path, media_type=photo.content_type, headers=headers
                )
        elif settings.media_redirect and photo_views.is_public(photo):
            url = store.presign(key, settings.media_redirect_seconds)
            if url is not None:
                # The signed URL ends; the redirect is cached for part of its life.
                keep = settings.media_redirect_seconds // 4
                return RedirectResponse(
                    url,
                    status_code=307,
                    headers={"Cache-Control": f"public, max-age={keep}"},
                )
        else:
            data = store.get(key)
            return ranged(data, photo.content_type, headers, range_header)
    except FileNotFoundError:
        pass
    except media.StoreUnavailable:
        raise photo_service.StoreDown(
            "Kho ảnh tạm thời không trả lời; vui lòng tải lại sau ít phút."
        ) from None
    storage.log.error("photos: file of photo %s (%s) is missing", photo.id, rendition)
    raise NotFound("Không tìm thấy tệp ảnh này.")


@router.post("/photos/{photo_id}/main")
def choose_main(
    session: SessionDep, principal: CurrentPrincipal, photo_id: int
) -> Response:
    """Make this photo the product's main photo."""
    photo = photo_service.update_photo(session, principal.user, photo_id, is_main=True)
    return redirect(f"/products/{photo.product_id}?done=photo_main#anh")


@router.post("/photos/{photo_id}/public")
def set_public(
    session: SessionDep,
    principal: CurrentPrincipal,
    photo_id: int,
    public: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Show the photo on the public page, or hide it."""
    if public not in {"", "0", "1", "on"}:
        raise InvalidInput(
            "Hãy chọn hiện hoặc ẩn ảnh trên trang công khai.", field="public"
        )
    photo = photo_service.update_photo(
        session, principal.user, photo_id, is_public=public in {"1", "on"}
    )
    return redirect(f"/products/{photo.product_id}?done=saved#anh")


@router.post("/photos/{photo_id}/delete")
def delete_photo(
    session: SessionDep,
    principal: CurrentPrincipal,
    photo_id: int,
    confirm: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Delete the photo once confirmed, and go back to the gallery.

    A post without the confirmation's ``confirm=1`` (an old page's one-tap
    form) deletes nothing and leads to the confirmation page.
    """
    photo = photo_views.get_photo(session, principal.user, photo_id)
    if confirm != "1":
        photo_service.check_may_change(session, principal.user, photo)
        return redirect(f"/photos/{photo.id}/delete")
    product_id = photo.product_id
    photo_service.delete_photo(session, principal.user, photo_id)
    return redirect(f"/products/{product_id}?done=photo_removed#anh")
