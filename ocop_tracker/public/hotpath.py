"""The public page's hot path: rendered pages kept in memory, scans counted in
memory, and a per-address rate limit. All per worker process, no locks: the
event loop runs one request's synchronous code at a time.

- **Cache**: a rendered page is kept, compressed with brotli once when it is
  rendered (a phone asks for ``br``: it is sent as kept; ``gzip`` and plain
  bodies are made from it per answer, in tens of microseconds), within a
  memory budget of ``MAX_BYTES`` per worker (30,000 pages or more), until a
  change to what it shows is
  committed, by this process or any other on the same database
  (``public/changes.py``: this process forgets at once, the others' watchers
  within half a second), and for ``WATCHED_TTL`` seconds at most. A worker
  without a watcher (tests, ``OCOP_PAGE_WATCH=false``) keeps a page
  ``PAGE_TTL`` seconds at most.
- **Scans**: counted per product per day in a dict; the request that finds the
  batch big enough (``FLUSH_EVERY`` scans) or old enough (``FLUSH_SECONDS``) adds
  it to the table with one UPSERT after its response is sent. A worker that is
  killed loses at most that much; nothing about the visitor is kept.
- **Rate limit**: ``LIMIT_PER_MINUTE`` requests per client address per minute
  (fixed window), keyed on ``request.client.host``, which uvicorn sets from
  ``X-Forwarded-For`` only for the proxies named in ``--forwarded-allow-ips``;
  one limit for every worker and server on the database (``share_hits``).
"""

import asyncio
import datetime as dt
import gzip
import hashlib
import logging
import os
import random
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import format_datetime
from functools import cache
from typing import Any

import brotli
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ocop_tracker.core.db import get_session, request_session, side_write
from ocop_tracker.core.http import GZIP_LEVEL, accepted_encoding
from ocop_tracker.public import i18n, repository

log = logging.getLogger("ocop_tracker.public")

PAGE_TTL = 30.0  # seconds a rendered page is reused, at most, unwatched
# ... and with a watcher, which forgets a changed page within a second: the
# bound for what no hook sees (plain SQL, another tool).
WATCHED_TTL = 1800.0
# Each page lives a random 80–100% of PAGE_TTL, so pages rendered together do not
# all expire together; one read in its last REFRESH_WITHIN seconds is rendered
# again in the background (one at a time per worker).
REFRESH_WITHIN = 10.0
MAX_AGE = 60  # Cache-Control max-age sent to browsers (SECURITY.md T32: ≤ 60 s)
# Memory for kept pages per worker: a page of 2.5–4.5 KB is kept as 1–1.6 KB of
# brotli and about 0.5 KB of keys, validators and the entry (``PAGE_OVERHEAD``),
# so 64 MB hold 30,000–40,000 pages. Kept whole, 5,000 pages a worker made
# 20,000 products being scanned miss three times in four; and a budget smaller
# than the pages in rotation misses every time (least recently used goes first).
MAX_BYTES = int(os.environ.get("OCOP_PUBLIC_CACHE_MB", "64")) * 2**20
PAGE_OVERHEAD = 500
# Brotli quality for kept pages: quality 5 takes 0.3 ms for a page, 11 took
# 11 ms (on the event loop, for every page outside the compression layer's
# 256 kept bodies) for 8 % fewer bytes.
BROTLI_QUALITY = 5
# A batch holds one row per product scanned (not per scan), so a bigger batch
# costs no bigger write, only fewer of them: at 1,000 a busy worker wrote five
# times a second and served 10-20 % fewer pages (bench/README.md, fifth steps).
# A batch is written when it is ``FLUSH_SECONDS`` old, or sooner when it holds
# ``FLUSH_EVERY`` scans. Writing costs by the products in it, not by the scans:
# at thousands of scans a second over 20,000 products, a batch of 10,000 scans
# wrote 10,000 rows a second, and its parameters, built under the GIL, held the
# event loop for tens of milliseconds each time (the page's p99); ten seconds
# of scans write each product once.
FLUSH_EVERY = 100_000
FLUSH_SECONDS = 10.0
MAX_PENDING_KEYS = 50_000  # products × days waiting; beyond this scans are dropped
# 120 a minute: a person never reaches it, a scraper does (SECURITY.md T50). The
# load benchmark raises it through OCOP_PUBLIC_RATE_LIMIT (all its load comes
# from 127.0.0.1); the check itself still runs and is measured.
LIMIT_PER_MINUTE = int(os.environ.get("OCOP_PUBLIC_RATE_LIMIT", "120"))
SHARE_S = 0.5  # how often a worker exchanges its counts with the others


@dataclass(frozen=True, slots=True)
class Packed:
    """A rendered page as it is kept: compressed, with its entity tag."""

    br: bytes
    etag: str


def pack(body: bytes) -> Packed:
    """Compress a rendered page for keeping (in the render's thread, not the
    event loop's); its ETag names the uncompressed bytes."""
    return Packed(
        br=bytes(brotli.compress(body, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY)),
        etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"',
    )


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A rendered page, kept compressed, with its validators."""

    br: bytes
    etag: str
    last_modified: str
    product_id: int
    producer_id: int
    expires: float

    def stale_soon(self, now: float) -> bool:
        """True once the page is close enough to expiry to be rendered again."""
        return self.expires - now < REFRESH_WITHIN

    @property
    def body(self) -> bytes:
        """The page's HTML, uncompressed."""
        return bytes(brotli.decompress(self.br))

    @property
    def size(self) -> int:
        """What keeping it costs, in bytes."""
        return len(self.br) + PAGE_OVERHEAD

    def encoded(self, encoding: str | None) -> bytes:
        """The body in ``encoding``: brotli as kept, gzip made from it, or
        plain HTML (None)."""
        if encoding == "br":
            return self.br
        if encoding == "gzip":
            return gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self.body


class PageCache:
    """Rendered pages by public code, least recently used dropped first once
    their compressed bodies pass ``max_bytes``."""

    def __init__(self, ttl: float = PAGE_TTL, max_bytes: int = MAX_BYTES) -> None:
        self.ttl = ttl
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self.bytes = 0
        self.generation = 0  # bumped on every purge

    def get(self, code: str, now: float) -> CachedPage | None:
        """The page of ``code`` if still fresh."""
        page = self._pages.get(code)
        if page is None:
            return None
        if page.expires <= now:
            self._drop(code)
            return None
        self._pages.move_to_end(code)
        return page

    def put(
        self,
        code: str,
        packed: Packed,
        *,
        product_id: int,
        producer_id: int,
        last_modified: dt.datetime,
        generation: int,
        now: float,
    ) -> CachedPage:
        """Keep a page rendered when the cache was at ``generation``.

        A purge that happened while the page was being read means it may show
        the state from before the change: it is answered but not kept.
        """
        page = CachedPage(
            br=packed.br,
            etag=packed.etag,
            last_modified=format_datetime(
                last_modified.astimezone(dt.UTC), usegmt=True
            ),
            product_id=product_id,
            producer_id=producer_id,
            expires=now + self.ttl * (0.8 + 0.2 * random.random()),
        )
        if generation == self.generation:
            self._drop(code)
            self._pages[code] = page
            self.bytes += page.size
            while self.bytes > self.max_bytes and len(self._pages) > 1:
                self._drop(next(iter(self._pages)))
        return page

    def _drop(self, code: str) -> None:
        page = self._pages.pop(code, None)
        if page is not None:
            self.bytes -= page.size

    def purge(self) -> None:
        """Drop every page (a change may touch many: a producer has many products)."""
        self._pages.clear()
        self.bytes = 0
        self.generation += 1

    def forget(self, *, products: set[int], producers: set[int]) -> None:
        """Drop the pages of these products and of these producers' products."""
        if not products and not producers:
            return
        self.generation += 1  # a page being read meanwhile may be one of them
        gone = [
            key
            for key, page in self._pages.items()
            if page.product_id in products or page.producer_id in producers
        ]
        for key in gone:
            self._drop(key)

    def __len__(self) -> int:
        return len(self._pages)


class ScanCounter:
    """Scans per (product, day) waiting to be added to ``product_scan_days``."""

    def __init__(
        self, every: int = FLUSH_EVERY, seconds: float = FLUSH_SECONDS
    ) -> None:
        self.every = every
        self.seconds = seconds
        self._pending: dict[tuple[int, dt.date], int] = {}
        self._count = 0
        self._since = time.monotonic()
        self.dropped = 0

    def add(self, product_id: int, day: dt.date) -> bool:
        """Count one scan; True when the batch should be written now."""
        key = (product_id, day)
        if key in self._pending:
            self._pending[key] += 1
        elif len(self._pending) < MAX_PENDING_KEYS:
            self._pending[key] = 1
        else:
            self.dropped += 1
            return True
        self._count += 1
        return (
            self._count >= self.every or time.monotonic() - self._since >= self.seconds
        )

    def take(self) -> dict[tuple[int, dt.date], int]:
        """The waiting counts, leaving none."""
        pending, self._pending = self._pending, {}
        self._count = 0
        self._since = time.monotonic()
        return pending

    def give_back(self, counts: dict[tuple[int, dt.date], int]) -> None:
        """Counts a failed write returns, to try again with the next batch."""
        for key, n in counts.items():
            if key in self._pending or len(self._pending) < MAX_PENDING_KEYS:
                self._pending[key] = self._pending.get(key, 0) + n
                self._count += n
            else:
                self.dropped += n

    @property
    def pending(self) -> int:
        """Scans counted and not yet written."""
        return sum(self._pending.values())


class RateLimiter:
    """At most ``limit`` requests per address per minute.

    A window opens with the first request after the last one closed (not on the
    clock's minute), so a burst is judged as one: a run of ``limit + 1`` requests
    inside a minute always meets the refusal, whatever second it started on.

    While ``share_hits`` runs, the workers and servers on one database enforce
    one limit: each adds its counts to ``public_hits`` every ``SHARE_S`` and
    reads back the others' hits of the same addresses in this clock minute and
    the one before, which count against the limit too. Between two exchanges a
    worker judges on what it knows: an address may pass the limit by what the
    others served it in the last ``SHARE_S``."""

    def __init__(self, limit: int = LIMIT_PER_MINUTE, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._start = 0.0
        self._hits: dict[str, int] = {}
        self.sharing = False
        self._unsent: dict[str, int] = {}
        self._own: dict[tuple[str, int], int] = {}  # sent, by address and minute
        self._others: dict[str, int] = {}  # the other workers' recent hits

    def allow(self, address: str, now: float) -> tuple[bool, int]:
        """(allowed, seconds until the window resets)."""
        if now - self._start >= self.window:
            self._start = now
            self._hits = {}
        hits = self._hits.get(address, 0) + 1
        self._hits[address] = hits
        if self.sharing:
            self._unsent[address] = self._unsent.get(address, 0) + 1
            hits += self._others.get(address, 0)
        retry = max(1, int(self._start + self.window - now + 0.999))
        return hits <= self.limit, retry

    def take_unsent(self, minute: int) -> dict[str, int]:
        """The hits counted since the last exchange, noted as sent in ``minute``."""
        unsent, self._unsent = self._unsent, {}
        self._own = {k: n for k, n in self._own.items() if k[1] >= minute - 1}
        for address, n in unsent.items():
            key = (address, minute)
            self._own[key] = self._own.get(key, 0) + n
        return unsent

    def watched(self) -> set[str]:
        """Addresses to read every worker's hits of, beyond those just counted:
        those the others served (until that fades), and those that used a
        quarter of the limit here (a scraper sent to another server next)."""
        heavy = max(1, self.limit // 4)
        return set(self._others) | {a for a, n in self._hits.items() if n >= heavy}

    def set_totals(self, totals: dict[str, int], minute: int) -> None:
        """Every worker's hits per address in ``minute`` and the one before:
        what is not this worker's own counts as the others'."""
        others: dict[str, int] = {}
        for address, total in totals.items():
            own = self._own.get((address, minute), 0)
            own += self._own.get((address, minute - 1), 0)
            if total > own:
                others[address] = total - own
        self._others = others

    def reset(self) -> None:
        """Forget every address (tests)."""
        self._hits = {}
        self._start = 0.0
        self._unsent = {}
        self._own = {}
        self._others = {}


pages = PageCache()
scans = ScanCounter()
limiter = RateLimiter()


def etag_matches(header: str | None, etag: str) -> bool:
    """True when ``If-None-Match`` names ``etag`` (weak comparison, or ``*``)."""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def page_key(code: str, lang: str) -> str:
    """A page's key in the cache: one page per code and language."""
    return f"{code}/{lang}"


def language_headers(lang: str) -> dict[str, str]:
    """An answer in ``lang``; what a cache must vary it on (the URL's ``?lang=``
    aside, the browser's languages choose)."""
    return {"Content-Language": lang, "Vary": "Accept-Language"}


CACHE_CONTROL = f"public, max-age={MAX_AGE}"


def answer(
    page: CachedPage, lang: str, accept_encoding: str, if_none_match: str | None
) -> tuple[int, bytes, dict[str, str]]:
    """A kept page's answer (status, body, headers): a 304 when the client holds
    it, else its body in the best encoding the client takes. A compressed
    body's ETag is weak, since its bytes are not the page's."""
    encoding = accepted_encoding(accept_encoding)
    headers = {
        "ETag": page.etag if encoding is None else f"W/{page.etag}",
        "Last-Modified": page.last_modified,
        "Cache-Control": CACHE_CONTROL,
        **language_headers(lang),
    }
    if encoding is not None:
        headers["Vary"] = "Accept-Encoding, Accept-Language"
    if etag_matches(if_none_match, page.etag):
        return 304, b"", headers
    headers["Content-Type"] = "text/html; charset=utf-8"
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    return 200, page.encoded(encoding), headers


@cache
def not_found_body(lang: str = i18n.DEFAULT) -> bytes:
    """The friendly 404 page (the same for unknown and withdrawn codes)."""
    return i18n.render("public/not_found.html", lang)


@cache
def too_many_body(lang: str = i18n.DEFAULT) -> bytes:
    """The page a rate-limited visitor gets."""
    return i18n.render("public/too_many.html", lang)


@contextmanager
def provided_session(request: Request) -> Iterator[Session]:
    """A session from the app's provider (the one ``SessionDep`` resolves, test
    overrides included), committed on success like a route's."""
    provider: Any = request.app.dependency_overrides.get(get_session, request_session)
    with contextmanager(provider)(request) as session:
        yield session


def _add_scans(request: Request, counts: dict[tuple[int, dt.date], int]) -> None:
    with provided_session(request) as session:
        if not side_write(
            session, lambda s: repository.add_scans(s, counts), what="scan counts"
        ):
            raise RuntimeError("scan counts not written")


async def write_scans(request: Request) -> None:
    """Add the waiting scan counts to the table, off the event loop."""
    counts = scans.take()
    if not counts:
        return
    try:
        await run_in_threadpool(_add_scans, request, counts)
    except Exception:  # a count is not worth a failed page; keep it for the next try
        log.warning("scan counts not written; kept for the next batch", exc_info=True)
        scans.give_back(counts)


def _exchange(
    engine: Engine, unsent: dict[str, int], minute: int, wanted: set[str], prune: bool
) -> dict[str, int]:
    with engine.begin() as conn:
        totals = repository.exchange_hits(conn, unsent, minute, wanted)
        if prune:  # once a minute: the minutes no one reads again
            repository.forget_hits(conn, minute - 1)
        return totals


async def share_hits(engine: Engine) -> None:
    """Forever (started by the lifespan): exchange ``limiter``'s counts with the
    other workers and servers every ``SHARE_S`` (see ``RateLimiter``)."""
    limiter.sharing = True
    pruned = 0
    try:
        while True:
            minute = int(time.time() // 60)
            unsent = limiter.take_unsent(minute)
            wanted = set(unsent) | limiter.watched()
            if wanted:
                try:
                    totals = await asyncio.to_thread(
                        _exchange, engine, unsent, minute, wanted, minute != pruned
                    )
                    pruned = minute
                    limiter.set_totals(totals, minute)
                except Exception:  # a count is not worth a failed page
                    log.warning("sharing public request counts failed", exc_info=True)
            await asyncio.sleep(SHARE_S)
    finally:
        limiter.sharing = False
