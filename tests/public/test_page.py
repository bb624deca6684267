"""The public product page: what it shows (consent, stars), caching, 304, 404, GS1
Digital Link, scan counts and the rate limit, on the real app and database."""

import datetime as dt
import gzip
import re
import time

import brotli
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.core.clock import today
from ocop_tracker.core.config import get_settings
from ocop_tracker.onboarding.models import ListingStatus
from ocop_tracker.onboarding.workflow import CLAIM_STEP
from ocop_tracker.producers.models import ConsentField, ProducerKind
from ocop_tracker.products.models import Product
from ocop_tracker.products.rules import gtin_check_digit
from ocop_tracker.public import hotpath
from ocop_tracker.public.models import ProductScanDay
from tests.factories import (
    evidence_urls,
    make_certificate,
    make_listing,
    make_product,
)
from tests.public.conftest import PHONE, canary_producer, consent, khom3


def _page(client: TestClient, code: str) -> str:
    response = client.get(f"/p/{code}")
    assert response.status_code == 200, response.text
    return response.text


def test_page_shows_product_stars_places_and_live_listings(
    client: TestClient, session: Session
) -> None:
    producer = canary_producer(session, khom3(session))
    product = make_product(session, producer, stars=4)
    make_listing(session, product, "voso")
    make_listing(
        session, product, "postmart", status=ListingStatus.awaiting_verification
    )
    session.commit()

    response = client.get(f"/p/{product.public_code}")

    assert response.status_code == 200
    html = response.text
    assert product.name in html
    assert "Sản phẩm OCOP 4 sao" in html
    assert "★★★★☆" in html
    assert "Khóm 3, Phường Sóc Trăng, Thành phố Cần Thơ" in html
    assert evidence_urls(product, "voso")[CLAIM_STEP] in html
    assert "postmart.vn/p/" not in html  # claimed, not verified
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert (
        response.headers["etag"].removeprefix("W/").startswith('"')
    )  # weak: compressed
    assert response.headers["last-modified"].endswith("GMT")
    css = re.search(r'href="(/static/css/public\.[0-9a-f]{10}\.css)"', html)
    assert css is not None
    assert len(response.content) + len(client.get(css[1]).content) <= 30_000


def test_open_graph_uses_the_configured_base_url_not_the_host(
    client: TestClient, session: Session
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    html = client.get(f"/p/{product.public_code}", headers={"Host": "localhost"}).text
    base = get_settings().public_base_url
    assert (
        f'<meta property="og:url" content="{base}/p/{product.public_code}?lang=vi">'
        in html
    )
    assert f'<meta property="og:title" content="{product.name}">' in html
    assert 'property="og:description"' in html


def test_household_name_and_phone_only_with_consent(
    client: TestClient, session: Session
) -> None:
    producer = canary_producer(session, khom3(session), name="Hộ Bà Năm Kín Đáo")
    product = make_product(session, producer, stars=4)
    session.commit()

    html = _page(client, product.public_code)
    assert "Hộ Bà Năm Kín Đáo" not in html
    assert "Hộ sản xuất kinh doanh tại Phường Sóc Trăng" in html
    assert "0912" not in html
    assert PHONE not in html
    for canary in ("Đại Diện", "0312345678", f"/products/{product.id}", "ACC-"):
        assert canary not in html

    consent(session, producer, ConsentField.display_name, True)
    consent(session, producer, ConsentField.phone, True)
    session.commit()
    html = _page(client, product.public_code)
    assert "Hộ Bà Năm Kín Đáo" in html
    assert "0912 000 123" in html

    consent(session, producer, ConsentField.display_name, False)  # withdrawn
    session.commit()
    html = _page(client, product.public_code)
    assert "Hộ Bà Năm Kín Đáo" not in html
    assert "0912 000 123" in html  # the phone consent still stands


def test_cooperative_name_is_public_without_consent(
    client: TestClient, session: Session
) -> None:
    producer = canary_producer(
        session, khom3(session), kind=ProducerKind.cooperative, name="HTX Mỹ Xuyên Xanh"
    )
    product = make_product(session, producer, stars=4)
    session.commit()
    html = _page(client, product.public_code)
    assert "HTX Mỹ Xuyên Xanh" in html
    assert "0912" not in html  # the phone still needs consent


@pytest.mark.parametrize(
    ("expires_days", "revoked", "words"),
    [(-1, False, "đã hết hạn"), (300, True, "đã bị thu hồi")],
)
def test_lapsed_certificate_shows_no_stars(
    client: TestClient,
    session: Session,
    expires_days: int,
    revoked: bool,
    words: str,
) -> None:
    decided = today() - dt.timedelta(days=1200)
    product = make_product(session, canary_producer(session, khom3(session)))
    make_certificate(
        session,
        product,
        stars=5,
        decision_date=decided,
        expires_on=today() + dt.timedelta(days=expires_days),
        revoked_on=today() - dt.timedelta(days=1) if revoked else None,
    )
    session.commit()
    html = _page(client, product.public_code)
    assert "★" not in html
    assert "5 sao" not in html
    assert f"Giấy chứng nhận OCOP {words}" in html


def test_unknown_and_malformed_codes_get_the_friendly_404(client: TestClient) -> None:
    for code in ("A" * 22, "123", "abc%20def", "x" * 40):
        response = client.get(f"/p/{code}")
        assert response.status_code == 404
        assert "Không tìm thấy sản phẩm" in response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_etag_answers_304_and_a_change_purges_the_page(
    client: TestClient, session: Session
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    first = client.get(f"/p/{product.public_code}")
    etag = first.headers["etag"]

    again = client.get(f"/p/{product.public_code}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    stored = session.get(Product, product.id)  # requests expunge the test's objects
    assert stored is not None
    stored.name = "Bánh pía đổi tên"
    session.commit()  # purges this process's cache at once
    changed = client.get(f"/p/{product.public_code}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Bánh pía đổi tên" in changed.text
    assert changed.headers["etag"] != etag


def _wire(client: TestClient, url: str, accept: str) -> tuple[bytes, dict[str, str]]:
    """The answer's bytes as they crossed the wire, and its headers."""
    with client.stream("GET", url, headers={"Accept-Encoding": accept}) as response:
        assert response.status_code == 200
        return b"".join(response.iter_raw()), dict(response.headers)


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("identity", None)],
)
def test_the_kept_page_is_sent_as_each_client_takes_it(
    client: TestClient, session: Session, accept: str, encoding: str | None
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    url = f"/p/{product.public_code}"
    hotpath.pages.purge()
    plain = _page(client, url.removeprefix("/p/")).encode()  # a miss, then kept
    for _ in range(2):  # the route's answer on a miss, then the hot path's
        hotpath.pages.purge()
        miss = _wire(client, url, accept)
        hit = _wire(client, url, accept)
        for body, headers in (miss, hit):
            assert headers.get("content-encoding") == encoding
            assert int(headers["content-length"]) == len(body)
            decoded = {
                "br": brotli.decompress,
                "gzip": gzip.decompress,
                None: bytes,
            }[encoding](body)
            assert decoded == plain
            assert "Accept-Encoding" in headers["vary"]
            assert "Accept-Language" in headers["vary"]
            etag = headers["etag"]
            assert etag.startswith('W/"') == (encoding is not None)
            again = client.get(
                url, headers={"If-None-Match": etag, "Accept-Encoding": accept}
            )
            assert again.status_code == 304
            assert again.headers["etag"] == etag
            assert "content-encoding" not in again.headers
    if encoding == "br":  # brotli is sent as it was kept, not made per answer
        kept = hotpath.pages.get(hotpath.page_key(product.public_code, "vi"), 0.0)
        assert kept is not None
        assert hit[0] == kept.br


def test_the_cache_keeps_its_pages_within_its_memory_budget() -> None:
    page = ("<p>" + "Bánh pía Sóc Trăng " * 120 + "</p>").encode()
    packed = hotpath.pack(page)
    assert len(packed.br) < len(page) / 4
    size = len(packed.br) + hotpath.PAGE_OVERHEAD
    cache = hotpath.PageCache(max_bytes=10 * size)

    def put(code: str) -> None:
        cache.put(
            code,
            packed,
            product_id=1,
            producer_id=1,
            last_modified=dt.datetime.now(dt.UTC),
            generation=cache.generation,
            now=0.0,
        )

    for n in range(10):
        put(f"p{n}")
    assert len(cache) == 10
    assert cache.bytes == 10 * size
    assert cache.get("p0", 1.0) is not None  # read: now the most recently used
    put("p10")
    assert len(cache) == 10
    assert cache.bytes == 10 * size
    assert cache.get("p1", 1.0) is None  # the least recently used went
    assert cache.get("p0", 1.0) is not None
    put("p10")  # the same page again replaces, not adds
    assert cache.bytes == 10 * size
    cache.forget(products={1}, producers=set())
    assert len(cache) == 0
    assert cache.bytes == 0
    # 20,000 products of 4.3 KB (1.6 KB kept) fit with room to spare
    assert hotpath.MAX_BYTES // (1600 + hotpath.PAGE_OVERHEAD) >= 25_000


def test_deleted_product_is_404_on_the_next_request(
    client: TestClient, session: Session
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)))
    session.commit()
    code = product.public_code
    assert client.get(f"/p/{code}").status_code == 200
    session.delete(session.get(Product, product.id))
    session.commit()
    gone = client.get(f"/p/{code}")
    unknown = client.get(f"/p/{'Q' * 22}")
    assert gone.status_code == unknown.status_code == 404
    assert gone.content == unknown.content  # nothing tells them apart


def test_cache_expires_after_its_ttl(client: TestClient, session: Session) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    client.get(f"/p/{product.public_code}")
    cached = hotpath.pages.get(
        hotpath.page_key(product.public_code, "vi"), time.monotonic()
    )
    assert cached is not None
    later = time.monotonic() + hotpath.PAGE_TTL + 1
    assert hotpath.pages.get(hotpath.page_key(product.public_code, "vi"), later) is None
    assert hotpath.PAGE_TTL <= 60
    assert hotpath.MAX_AGE <= 60


def test_scans_are_counted_per_product_per_day(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    monkeypatch.setattr(hotpath.scans, "every", 3)
    for _ in range(3):
        client.get(f"/p/{product.public_code}")
    etag = client.get(f"/p/{product.public_code}").headers["etag"]
    client.get(f"/p/{product.public_code}", headers={"If-None-Match": etag})
    client.get(f"/p/{product.public_code}")  # 6th scan: the second batch is written

    row = session.scalar(
        select(ProductScanDay).where(ProductScanDay.product_id == product.id)
    )
    assert row is not None
    session.refresh(row)
    assert row.day == today()
    assert row.count == 6
    assert hotpath.scans.pending == 0


def test_a_batch_of_scans_adds_to_each_product_day_and_skips_products_gone(
    session: Session,
) -> None:
    from ocop_tracker.public import repository

    producer = canary_producer(session, khom3(session))
    products = [make_product(session, producer, name=f"Bánh {n}") for n in range(3)]
    session.commit()
    day, before = today(), today() - dt.timedelta(days=1)
    gone = max(p.id for p in products) + 1000
    batch = {(p.id, day): n + 1 for n, p in enumerate(products)}
    batch[(products[0].id, before)] = 7
    batch[(gone, day)] = 5
    repository.add_scans(session, batch)
    repository.add_scans(session, batch)  # every row now meets its own
    session.commit()
    rows = session.execute(
        select(ProductScanDay.product_id, ProductScanDay.day, ProductScanDay.count)
    ).all()
    assert sorted(rows) == sorted(
        [(p.id, day, 2 * (n + 1)) for n, p in enumerate(products)]
        + [(products[0].id, before, 14)]
    )


def test_rate_limit_per_address(client: TestClient, session: Session) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    statuses = [
        client.get(f"/p/{product.public_code}").status_code
        for _ in range(hotpath.LIMIT_PER_MINUTE)
    ]
    assert set(statuses) == {200}
    refused = client.get(f"/p/{product.public_code}")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) <= 60
    assert client.get("/01/12345670").status_code == 429  # same limit on GS1 links


def test_gs1_digital_link_redirects_to_the_page(
    client: TestClient, session: Session
) -> None:
    body = "893850400123"
    gtin = body + str(gtin_check_digit(body))
    product = make_product(
        session, canary_producer(session, khom3(session)), gtin=gtin, stars=4
    )
    session.commit()

    response = client.get(f"/01/{gtin}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"/p/{product.public_code}"
    assert client.get(f"/01/0{gtin}", follow_redirects=False).status_code == 302

    wrong = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    assert client.get(f"/01/{wrong}").status_code == 404  # bad check digit
    other = "12345670"  # valid, carried by no product
    assert client.get(f"/01/{other}").status_code == 404
    assert client.get("/01/abc").status_code == 404


def test_misses_render_a_few_at_a_time(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve different pages missing at once (a worker just started) render
    ``RENDERS_AT_ONCE`` at a time; the others wait without a thread or a
    connection, and every one is answered."""
    import threading
    from types import SimpleNamespace

    from ocop_tracker.public import router

    running = peak = 0
    lock = threading.Lock()

    def slow_load(
        request: object, code: str, lang: str
    ) -> tuple[object, hotpath.Packed]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        view = SimpleNamespace(
            product_id=int(code[-4:]),
            producer_id=1,
            last_modified=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )
        return view, hotpath.pack(f"<p>{code}</p>".encode())

    monkeypatch.setattr(router, "_load", slow_load)
    codes = [f"code-of-a-page-{n:04d}" for n in range(12)]
    answers: dict[str, int] = {}

    def scan(code: str) -> None:
        answers[code] = client.get(f"/p/{code}").status_code

    threads = [threading.Thread(target=scan, args=(c,)) for c in codes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == dict.fromkeys(codes, 200)
    assert peak == router.RENDERS_AT_ONCE == 4
