"""The public page's fast path, as a plain ASGI layer in front of the router.

FastAPI matches a request against the application's routes one by one; with the
whole app's routes that costs several times the bare template rate (measured in
``bench/public_page.py``). A scanned code whose page is cached is answered here,
before routing: rate limit, cache lookup, scan count, ``If-None-Match`` → 304;
a page read in the last third of its life is rendered again in the background,
so a page being scanned never misses.
A HEAD reaches this layer as a GET (``core.http.HeadAsGetMiddleware``) and
counts no scan. Anything else (a cache miss, an unknown code, ``/01/{gtin}``) goes on to the
routes in ``public.router``, which render, keep the page and answer the 404.

It sits inside ``TrustedHostMiddleware`` and ``SecurityHeadersMiddleware``, so
the host check and the security headers apply to these answers too.
"""

import time

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ocop_tracker.core.clock import today
from ocop_tracker.core.http import is_head
from ocop_tracker.public import hotpath, i18n
from ocop_tracker.public.router import refresh_ahead

HTML = b"text/html; charset=utf-8"
PREFIXES = (
    "/p/",
    "/01/",
    "/h/",
    "/guides",
)  # /h/: a household's page; /guides: how-to sheets


class PublicPageMiddleware:
    """Serves cached public pages and applies the per-address limit to public routes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        client = scope.get("client")
        allowed, retry = hotpath.limiter.allow(client[0] if client else "-", now)
        scope.setdefault("state", {})["public_rate_checked"] = True
        path: str = scope["path"]
        lang = i18n.DEFAULT  # a household's page and the sheets speak Vietnamese
        if path.startswith(("/p/", "/01/")):
            lang = i18n.choose(
                bytes(scope.get("query_string", b"")).decode("latin-1"),
                _header(scope, b"accept-language"),
            ).lang
        if not allowed:
            language = [
                (name.lower().encode(), value.encode())
                for name, value in hotpath.language_headers(lang).items()
            ]
            await _send(
                send,
                429,
                [
                    (b"content-type", HTML),
                    (b"retry-after", str(retry).encode()),
                    *language,
                ],
                hotpath.too_many_body(lang),
            )
            return
        page = None
        if path.startswith("/p/"):
            page = hotpath.pages.get(hotpath.page_key(path[3:], lang), now)
        if page is None:
            await self.app(scope, receive, send)
            return
        if page.stale_soon(now):
            refresh_ahead(Request(scope), path[3:], lang)
        # A HEAD (a link preview, an uptime check) is no scan.
        flush = not is_head(scope) and hotpath.scans.add(page.product_id, today())
        status, body, headers = hotpath.answer(
            page,
            lang,
            _header(scope, b"accept-encoding") or "",
            _header(scope, b"if-none-match"),
        )
        raw = [
            (name.lower().encode(), value.encode()) for name, value in headers.items()
        ]
        await _send(send, status, raw, body)
        if flush:
            await hotpath.write_scans(Request(scope))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


async def _send(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    if status != 304:
        headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
