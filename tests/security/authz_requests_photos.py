"""Requests of the photo routes for the authorization matrix."""

import itertools
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.onboarding.models import Marketplace
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos.models import Photo
from ocop_tracker.products.models import Product
from ocop_tracker.users.models import Role, User
from tests.photos import corpus

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

_SEEDS = itertools.count(1000)


def _jpeg() -> bytes:
    return corpus.plain_jpeg(320, 240, seed=next(_SEEDS))


def _photo(session: Session, product: Product) -> Photo:
    """A public photo of the product, stored through the service as an admin would."""
    admin = session.scalar(select(User).where(User.role == Role.admin).limit(1))
    assert admin is not None
    result = photo_service.upload(
        session, admin, photo_service.Target(product), _jpeg(), sync=False
    )
    session.commit()
    return result.photo


def request(
    route: str,
    path: str,
    w: "World",
    t: str,
    actor: User | None,
    session: Session,
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one photo route, or None for other domains' routes."""
    product = w.product[t]
    if route == "GET /api/v1/products/{product_id}/photos":
        return ("GET", f"/api/v1/products/{product.id}/photos", {})
    if route == "GET /api/v1/products/{product_id}/photo-readiness":
        return ("GET", f"/api/v1/products/{product.id}/photo-readiness", {})
    if route == "GET /api/v1/products/{product_id}/photo-pack":
        _photo(session, product)
        return (
            "GET",
            f"/api/v1/products/{product.id}/photo-pack",
            {"params": {"marketplace": "voso"}},
        )
    if route == "GET /api/v1/listings/{listing_id}/photos":
        return ("GET", f"/api/v1/listings/{w.listing[t].id}/photos", {})
    if route == "POST /api/v1/products/{product_id}/photos":
        return (
            "POST",
            f"/api/v1/products/{product.id}/photos",
            {"content": _jpeg()},
        )
    if route == "POST /products/{product_id}/photos":
        return (
            "POST",
            f"/products/{product.id}/photos",
            {"data": {}, "files": {"file": ("anh.jpg", _jpeg(), "image/jpeg")}},
        )
    if route == "GET /api/v1/photo-rules":
        return ("GET", "/api/v1/photo-rules", {})
    if route == "PUT /api/v1/photo-rules/{marketplace_id}":
        market = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
        assert market is not None
        body = {"min_count": 3, "min_width": 800, "min_height": 800, "pack_size": 1000}
        return ("PUT", f"/api/v1/photo-rules/{market.id}", {"json": body})
    photo_routes: dict[str, tuple[str, str, dict[str, Any]]] = {
        "GET /api/v1/photos/{photo_id}": ("GET", "/api/v1/photos/{id}", {}),
        "PATCH /api/v1/photos/{photo_id}": (
            "PATCH",
            "/api/v1/photos/{id}",
            {"json": {"is_main": True}},
        ),
        "DELETE /api/v1/photos/{photo_id}": ("DELETE", "/api/v1/photos/{id}", {}),
        "GET /photos/{photo_id}/{rendition}": ("GET", "/photos/{id}/thumb", {}),
        "POST /photos/{photo_id}/main": ("POST", "/photos/{id}/main", {"data": {}}),
        "POST /photos/{photo_id}/public": (
            "POST",
            "/photos/{id}/public",
            {"data": {"public": "0"}},
        ),
        "POST /photos/{photo_id}/delete": ("POST", "/photos/{id}/delete", {"data": {}}),
        "GET /photos/{photo_id}/delete": ("GET", "/photos/{id}/delete", {}),
    }
    if route in photo_routes:
        method, url, kwargs = photo_routes[route]
        photo = _photo(session, product)
        return (method, url.replace("{id}", str(photo.id)), kwargs)
    return None
