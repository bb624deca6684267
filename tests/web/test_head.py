"""HEAD is answered wherever GET is, and a 405 names the methods that are allowed.

Link-preview crawlers and uptime checks send HEAD: each GET route of the app
(read from the app's own route list) answers it with the GET's status and
headers and no body, the cached public page included; a path that does not take
the method answers 405 with an ``Allow`` header listing what it does take.
"""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.core.templating import static_url
from ocop_tracker.products.rules import gtin_check_digit
from ocop_tracker.public import hotpath
from ocop_tracker.public.models import ProductScanDay
from tests.conftest import SignIn
from tests.factories import make_producer, make_product
from tests.photos import corpus
from tests.photos.helpers import upload
from tests.public.conftest import khom3

PARAM = re.compile(r"{(\w+)(?::\w+)?}")
SAME_HEADERS = ("content-type", "content-length", "etag", "location", "allow")


def _get_paths(app: FastAPI) -> list[str]:
    """The path of every route that answers GET, as the app lists them."""
    paths = []
    for route in iter_route_contexts(app.router.routes):
        if "GET" in (route.methods or set()) and route.path:
            paths.append(str(route.path))
    return paths


def _fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values.get(m[1], "1"), path)


def _same_answer(client: TestClient, url: str, **kwargs: Any) -> None:
    get = client.get(url, follow_redirects=False, **kwargs)
    head = client.head(url, follow_redirects=False, **kwargs)
    assert head.status_code == get.status_code, (url, get.status_code, head.text)
    assert head.content == b"", url
    for name in SAME_HEADERS:
        assert head.headers.get(name) == get.headers.get(name), (url, name)
    assert head.headers.get("allow") != "", url


def test_every_get_route_answers_head_like_get(
    app: FastAPI, sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    body = "893850400123"
    gtin = body + str(gtin_check_digit(body))
    product = make_product(session, make_producer(session, khom3(session)), gtin=gtin)
    session.commit()
    photo = upload(leader, product.id, corpus.plain_jpeg(900, 900, seed=3))
    assert photo.status_code == 201, photo.text
    values = {
        "product_id": str(product.id),
        "producer_id": str(product.producer_id),
        "photo_id": str(photo.json()["id"]),
        "rendition": "full",
        "code": product.public_code,
        "gtin": gtin,
        "area_id": str(khom3(session).id),
        "dataset": "products",
    }
    paths = _get_paths(app)
    assert {"/p/{code}", "/01/{gtin}", "/photos/{photo_id}/{rendition}"} <= set(paths)
    assert {"/healthz", "/readyz", "/login", "/api/v1/products/{product_id}"} <= set(
        paths
    )
    admin = sign_in("admin")
    # Uncompressed: a signed-in page's masked CSRF token differs on each
    # answer, and so would its compressed length.
    identity = {"Accept-Encoding": "identity"}
    for path in paths:
        _same_answer(admin, _fill(path, values), headers=identity)
    anonymous = TestClient(app, base_url="https://127.0.0.1")
    for path in ("/healthz", "/readyz", "/login", "/p/{code}", "/01/{gtin}"):
        _same_answer(anonymous, _fill(path, values), headers=identity)
    _same_answer(anonymous, _fill("/p/{code}", values))  # compressed, cached
    _same_answer(anonymous, "/static/css/app.css")
    _same_answer(anonymous, static_url("css/app.css"))
    _same_answer(anonymous, str(photo.json()["url"]))


def test_head_of_the_cached_public_page(client: TestClient, session: Session) -> None:
    hotpath.pages.purge()
    hotpath.scans.take()
    hotpath.limiter.reset()
    product = make_product(session, make_producer(session, khom3(session)))
    session.commit()
    url = f"/p/{product.public_code}"

    miss = client.head(url)  # rendered by the route, then kept
    assert miss.status_code == 200
    assert miss.content == b""
    assert (
        hotpath.pages.get(hotpath.page_key(product.public_code, "vi"), 0.0) is not None
    )
    hit = client.head(url)  # answered by the hot path before routing
    page = client.get(url)
    assert hit.status_code == page.status_code == 200
    assert hit.content == b""
    assert hit.headers["content-length"] == page.headers["content-length"]
    assert page.headers["content-encoding"] == "br"
    assert int(hit.headers["content-length"]) == page.num_bytes_downloaded
    assert hit.headers["etag"] == miss.headers["etag"] == page.headers["etag"]
    assert hit.headers["cache-control"] == "public, max-age=60"

    same = client.head(url, headers={"If-None-Match": page.headers["etag"]})
    assert same.status_code == 304
    assert same.content == b""

    # A HEAD is a check, not a scan: only the one GET above is counted.
    assert hotpath.scans.pending == 1
    hotpath.scans.take()
    assert (
        session.scalar(
            select(func.count())
            .select_from(ProductScanDay)
            .where(ProductScanDay.product_id == product.id)
        )
        == 0
    )


def test_a_405_names_the_allowed_methods(client: TestClient, admin: TestClient) -> None:
    for method in ("GET", "HEAD", "PUT"):
        refused = client.request(method, "/api/v1/auth/login")
        assert refused.status_code == 405
        assert refused.headers["allow"] == "POST"
    # A path with a GET and a POST route names both, and HEAD with GET.
    refused = admin.request("PUT", "/login")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, POST"
    assert "Phương thức không được hỗ trợ" in refused.text
    refused = client.delete("/healthz")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
    refused = client.post("/static/css/app.css")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD"
