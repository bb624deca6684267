"""Light on the wire: compressed text, masked CSRF tokens, hashed static URLs,
and the public page's photo from the rendition that fits a phone."""

import gzip
import re
from typing import Any

import brotli
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.auth import security
from ocop_tracker.core.http import COMPRESS_MIN_BYTES, accepted_encoding
from ocop_tracker.core.templating import static_digests, static_url
from ocop_tracker.public import hotpath
from tests.conftest import SignIn
from tests.factories import make_producer, make_product, pilot_hamlet
from tests.photos import corpus

HTML = {"accept": "text/html"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _raw(client: TestClient, url: str, encoding: str) -> Any:
    """The answer's bytes as they crossed the wire (not decoded)."""
    with client.stream(
        "GET", url, headers={"Accept-Encoding": encoding, **HTML}
    ) as response:
        body = b"".join(response.iter_raw())
    response._content = body
    return response


# --- negotiation and compression ---------------------------------------------------


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("gzip, deflate, br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("", None),
        ("gzip;q=0, br;q=0", None),
        ("gzip;q=abc", None),
    ],
)
def test_accepted_encoding(header: str, chosen: str | None) -> None:
    assert accepted_encoding(header) == chosen


def test_pages_go_compressed_as_the_client_accepts(client: TestClient) -> None:
    plain = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    # The answer may vary by encoding even when not compressed this time.
    assert "Accept-Encoding" in plain.headers["vary"]
    assert len(plain.content) > COMPRESS_MIN_BYTES

    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = _raw(client, "/login", encoding)
        headers = response.headers
        body = response.content
        assert headers["content-encoding"] == encoding
        assert "Accept-Encoding" in headers["vary"]
        assert int(headers["content-length"]) == len(body)
        assert len(body) < len(plain.content) * 0.7
        assert "Đăng nhập" in decode(body).decode()


def test_small_answers_and_images_stay_as_they_are(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    small = leader.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert small.status_code == 200
    assert len(small.content) < COMPRESS_MIN_BYTES
    assert "content-encoding" not in small.headers
    assert "Accept-Encoding" not in small.headers.get("vary", "")

    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    photo = leader.post(
        f"/api/v1/products/{product.id}/photos",
        content=corpus.plain_jpeg(900, 900, seed=51),
        headers={"Content-Type": "image/jpeg"},
    )
    assert photo.status_code == 201
    image = leader.get(photo.json()["url"], headers={"Accept-Encoding": "br, gzip"})
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    assert "content-encoding" not in image.headers
    assert int(image.headers["content-length"]) == len(image.content)

    # JSON above the threshold is compressed; the client reads it as ever.
    listing = leader.get("/api/v1/products", headers={"Accept-Encoding": "gzip"})
    assert listing.status_code == 200
    assert listing.headers["content-encoding"] == "gzip"
    assert int(listing.headers["content-length"]) < len(listing.content)
    assert listing.json()


def test_head_answers_the_compressed_length_without_a_body(
    client: TestClient,
) -> None:
    url = static_url("css/app.css")
    get = _raw(client, url, "br")
    head = client.head(url, headers={"Accept-Encoding": "br"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-encoding"] == "br"
    assert head.headers["content-length"] == str(len(get.content))
    assert head.headers["vary"] == "Accept-Encoding"


def test_public_page_kept_compressed_with_a_weak_etag(
    client: TestClient, session: Session
) -> None:
    hotpath.pages.purge()
    hotpath.limiter.reset()
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    url = f"/p/{product.public_code}"
    first = _raw(client, url, "br")
    again = _raw(client, url, "br")  # the hot path, from the kept compressed body
    assert first.content == again.content
    etag = again.headers["etag"]
    assert etag.startswith('W/"')
    assert again.headers["cache-control"] == "public, max-age=60"
    same = client.get(url, headers={"If-None-Match": etag, "Accept-Encoding": "br"})
    assert same.status_code == 304
    assert same.headers["etag"] == etag
    hotpath.pages.purge()
    hotpath.limiter.reset()


# --- CSRF masked per response ----------------------------------------------------


def test_mask_and_unmask() -> None:
    secret = security.new_token()
    one, two = security.mask_csrf(secret), security.mask_csrf(secret)
    assert one != two
    assert secret not in one
    assert security.csrf_matches(one, secret)
    assert security.csrf_matches(two, secret)
    assert security.csrf_matches(secret, secret)  # API clients' bare token
    tampered = one[:-2] + ("AA" if one[-2:] != "AA" else "BB")
    assert not security.csrf_matches(tampered, secret)
    assert not security.csrf_matches(one, security.new_token())
    assert not security.csrf_matches("", secret)
    assert not security.csrf_matches("không-phải-base64!", secret)
    assert not security.csrf_matches(one[:40], secret)


def test_each_page_carries_its_own_token_and_each_verifies(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    secret = leader.headers["X-CSRF-Token"]
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    pages = [leader.get(f"/products/{product.id}", headers=HTML) for _ in range(2)]
    tokens = [TOKEN.findall(page.text) for page in pages]
    assert tokens[0]
    assert tokens[1]
    assert set(tokens[0]).isdisjoint(tokens[1])
    assert secret not in pages[0].text + pages[1].text

    bare = TestClient(leader.app, base_url="https://127.0.0.1")
    bare.cookies = leader.cookies
    try:

        def post(token: str) -> int:
            # As a browser without JavaScript: the token in the form only.
            return bare.post(
                "/photos/999999999/main",
                data={"csrf_token": token},
                headers=HTML,
                follow_redirects=False,
            ).status_code

        # Past the CSRF check, the photo is not found.
        assert post(tokens[0][0]) == 404
        assert post(tokens[1][-1]) == 404
        tampered = tokens[0][0][:-3] + ("abc" if tokens[0][0][-3:] != "abc" else "xyz")
        assert post(tampered) == 403
    finally:
        bare.close()


# --- static files under their content's URL -------------------------------------


def test_static_files_under_hashed_urls(client: TestClient) -> None:
    digest = static_digests()["css/app.css"]
    url = static_url("css/app.css")
    assert url == f"/static/css/app.{digest}.css"
    page = client.get("/login")
    assert f'href="{url}"' in page.text

    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-type"].startswith("text/css")

    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200
    assert plain.content == hashed.content
    assert plain.headers["cache-control"] == "public, max-age=300"

    # A previous release's hash gets today's file, for a short while only.
    stale = client.get("/static/css/app.0123456789.css")
    assert stale.status_code == 200
    assert stale.headers["cache-control"] == "public, max-age=300"
    assert client.get("/static/css/none.0123456789.css").status_code == 404


# --- the public page's photo ----------------------------------------------------


def test_public_photo_from_the_phone_rendition(
    sign_in: SignIn, client: TestClient, session: Session
) -> None:
    from ocop_tracker.photos import views as photo_views

    hotpath.pages.purge()
    hotpath.limiter.reset()
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    leader.post(
        f"/api/v1/products/{product.id}/photos",
        content=corpus.plain_jpeg(1600, 1200, seed=61),
        headers={"Content-Type": "image/jpeg"},
    )
    photo = photo_views.main_public_photo(session, product.id)
    assert photo is not None
    thumb = photo_views.photo_url(photo, "thumb")
    full = photo_views.photo_url(photo, "full")
    page = client.get(f"/p/{product.public_code}")
    img = re.search(r'<img class="photo"[^>]*>', page.text)
    assert img is not None
    tag = img[0].replace("&amp;", "&")
    assert f'src="{thumb}"' in tag
    assert f'srcset="{thumb} {photo.thumb_width}w, {full} {photo.width}w"' in tag
    assert 'sizes="(max-width: 40rem) 100vw, 40rem"' in tag
    assert 'width="640" height="480"' in tag
    assert photo.thumb_width <= 480
    hotpath.pages.purge()
    hotpath.limiter.reset()
