"""JSON API of photos (included under /api/v1 by api.py)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import STALE_RESPONSES, ErrorBody, WholeNumber
from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.photos import packs as photo_packs
from ocop_tracker.photos import readiness as photo_rules
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos import views as photo_views
from ocop_tracker.photos.models import Photo, PhotoRule
from ocop_tracker.photos.readiness import Readiness
from ocop_tracker.photos.schemas import (
    PhotoRead,
    PhotoRuleRead,
    PhotoRuleWrite,
    PhotoUpdate,
    ReadinessRead,
)
from ocop_tracker.photos.upload import capped_body, receive_photo, upload_bytes

# Every route documents the 409 of a stale write, which carries the record as it is now.
router = APIRouter(tags=["photos"], responses=STALE_RESPONSES)

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    507: {"model": ErrorBody},
    200: {"model": PhotoRead, "description": "The same photo was uploaded before"},
}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/webp": {"schema": {"type": "string", "format": "binary"}},
            "image/heic": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="A key the client makes per photo; a retry with it answers as the first time",
    ),
]


def photo_read(photo: Photo) -> PhotoRead:
    """The API model of a photo."""
    return PhotoRead.from_object(
        photo,
        url=photo_views.photo_url(photo, "full"),
        thumb_url=photo_views.photo_url(photo, "thumb"),
    )


def rule_read(rule: PhotoRule, market: Marketplace) -> PhotoRuleRead:
    """The API model of a marketplace's photo rule."""
    return PhotoRuleRead.from_object(
        rule, marketplace_id=market.id, marketplace_code=market.code
    )


def readiness_read(state: Readiness) -> ReadinessRead:
    """The API model of a readiness state."""
    return ReadinessRead.model_validate(state, from_attributes=True)


@router.get("/products/{product_id}/photos")
def list_photos(
    session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> list[PhotoRead]:
    """A product's photos, main first, then in order."""
    return [
        photo_read(p)
        for p in photo_views.list_photos(session, principal.user, product_id)
    ]


@router.post(
    "/products/{product_id}/photos",
    response_model=PhotoRead,
    status_code=status.HTTP_201_CREATED,
    responses=UPLOAD_ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_photo(
    request: Request,
    _body: Annotated[None, Depends(capped_body)],
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    idempotency_key: IdempotencyKey = None,
    listing_id: Annotated[
        WholeNumber | None, Query(description="Evidence for this listing's step")
    ] = None,
    step: Annotated[
        str | None,
        Query(max_length=30, description="The listing step the photo proves"),
    ] = None,
    public: Annotated[
        bool | None,
        Query(description="Show on the public page (default: yes for product photos)"),
    ] = None,
) -> JSONResponse:
    """Add one photo (JPEG, PNG, WebP, HEIC; ≤ 20 MB, ≤ 50 Mpx), raw or as ``file``.

    201 with the new photo; 200 with the existing one when the same bytes were
    uploaded before; a repeated ``Idempotency-Key`` answers as the first time.
    """
    user = principal.user
    target = await run_in_threadpool(
        photo_service.check_upload,
        session,
        user,
        product_id,
        listing_id=listing_id,
        step_code=step,
    )
    key = photo_service.clean_key(idempotency_key)
    data = await upload_bytes(request)
    result = await receive_photo(session, user, target, data, key=key, public=public)
    body = photo_read(result.photo).model_dump(mode="json")
    headers = {"Location": f"/api/v1/photos/{result.photo.id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(body, status_code=result.status_code, headers=headers)


@router.get("/photos/{photo_id}")
def get_photo(
    session: SessionDep, principal: CurrentPrincipal, photo_id: int
) -> PhotoRead:
    """One photo."""
    return photo_read(photo_views.get_photo(session, principal.user, photo_id))


@router.patch("/photos/{photo_id}")
def update_photo(
    session: SessionDep, principal: CurrentPrincipal, photo_id: int, body: PhotoUpdate
) -> PhotoRead:
    """Choose the main photo, show or hide a photo publicly, or move it."""
    photo = photo_service.update_photo(
        session, principal.user, photo_id, **body.model_dump()
    )
    return photo_read(photo)


@router.delete("/photos/{photo_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_photo(
    session: SessionDep, principal: CurrentPrincipal, photo_id: int
) -> Response:
    """Delete a photo (its files go once the deletion is committed)."""
    photo_service.delete_photo(session, principal.user, photo_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/products/{product_id}/photo-readiness")
def photo_readiness(
    session: SessionDep, principal: CurrentPrincipal, product_id: int
) -> list[ReadinessRead]:
    """The product's photos against each marketplace's rule, with what is missing."""
    return [
        readiness_read(s)
        for s in photo_rules.product_readiness(session, principal.user, product_id)
    ]


@router.get(
    "/products/{product_id}/photo-pack",
    responses={
        200: {
            "content": {
                "application/zip": {"schema": {"type": "string", "format": "binary"}}
            },
            "description": "A ZIP of square JPEGs, main photo first",
        },
    },
    response_class=Response,
)
def photo_pack(
    session: SessionDep,
    principal: CurrentPrincipal,
    product_id: int,
    marketplace: Annotated[
        str, Query(min_length=1, max_length=30, description="Marketplace code or id")
    ],
) -> Response:
    """Square images padded on white, named 01-<name>.jpg…, ready for the marketplace."""
    pack = photo_packs.photo_pack(session, principal.user, product_id, marketplace)
    return Response(
        pack.data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{pack.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/listings/{listing_id}/photos")
def list_evidence(
    session: SessionDep,
    principal: CurrentPrincipal,
    listing_id: int,
    step: Annotated[str | None, Query(max_length=30)] = None,
) -> list[PhotoRead]:
    """Evidence photos of a listing, or of one of its steps."""
    return [
        photo_read(p)
        for p in photo_views.list_evidence(session, principal.user, listing_id, step)
    ]


@router.get("/photo-rules")
def list_rules(session: SessionDep, principal: CurrentPrincipal) -> list[PhotoRuleRead]:
    """What each marketplace asks of a product's photos."""
    return [rule_read(rule, market) for rule, market in photo_rules.list_rules(session)]


@router.put("/photo-rules/{marketplace_id}")
def set_rule(
    session: SessionDep,
    principal: CurrentPrincipal,
    marketplace_id: int,
    body: PhotoRuleWrite,
) -> PhotoRuleRead:
    """Set a marketplace's photo rule (admins only)."""
    rule = photo_rules.set_rule(
        session, principal.user, marketplace_id, **body.model_dump()
    )
    market = next(m for r, m in photo_rules.list_rules(session) if r.id == rule.id)
    return rule_read(rule, market)
