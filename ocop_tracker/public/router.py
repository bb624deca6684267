"""Public routes (no sign-in): the product page a QR card opens, and GS1 Digital Link.

A cached page is answered before routing by ``public.middleware``; what reaches
these routes is a miss (or an app mounted without the middleware). The routes are
``async def`` and declare no dependency. On a miss, the few indexed Core reads
(product with its areas, certificates, live listings, consents, main photo) and
the template run in the threadpool, through the app's own session provider (the
one ``SessionDep`` resolves, test overrides included), so a slow or stalled
database never freezes the event loop (PostgreSQL gives up after its 5 s
statement timeout). Unknown and withdrawn codes take that same path and get the
same page at about the same cost; malformed codes (not 16–32 URL-safe
characters, e.g. a numeric id) are refused without a query.
"""

import asyncio
import re
import time
import weakref
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ocop_tracker.core import clock
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.http import is_head
from ocop_tracker.core.templating import templates
from ocop_tracker.photos import views as photo_views
from ocop_tracker.products import rules
from ocop_tracker.public import hotpath
from ocop_tracker.public import views as public_views
from ocop_tracker.public.views import PublicProduct

router = APIRouter(tags=["public"], include_in_schema=False)

# Public codes are 22 URL-safe characters (128 bits); anything else is not one.
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,32}")
HTML = "text/html; charset=utf-8"
CACHE_CONTROL = f"public, max-age={hotpath.MAX_AGE}"


@dataclass(frozen=True)
class PagePhoto:
    """The main photo as the page shows it: the small rendition for phones
    (400 px wide, ``processing.THUMB_SIDE``), the full one for wider screens."""

    thumb: str
    thumb_width: int
    full: str
    full_width: int

    @property
    def srcset(self) -> str:
        """The renditions with their widths, for the browser to choose."""
        return f"{self.thumb} {self.thumb_width}w, {self.full} {self.full_width}w"


def _photo(session: Session, product_id: int) -> PagePhoto | None:
    """The product's main public photo, if any."""
    photo = photo_views.main_public_photo(session, product_id)
    if photo is None:
        return None
    return PagePhoto(
        thumb=photo_views.photo_url(photo, rendition="thumb"),
        thumb_width=photo.thumb_width,
        full=photo_views.photo_url(photo, rendition="full"),
        full_width=photo.width,
    )


def render_page(view: PublicProduct, photo: PagePhoto | None) -> bytes:
    """The page's HTML (also used by the benchmark and tests)."""
    base = get_settings().public_base_url
    return (
        templates.env.get_template("public/product.html")
        .render(
            p=view,
            photo=photo,
            og_image=f"{base}{photo.full}" if photo else None,
            base_url=base,
        )
        .encode()
    )


def _load(request: Request, code: str) -> tuple[PublicProduct | None, bytes | None]:
    with hotpath.provided_session(request) as session:
        view = public_views.by_code(session, code)
        if view is None:
            return None, None
        photo = _photo(session, view.product_id)
    return view, render_page(view, photo)


def _not_found() -> Response:
    return Response(hotpath.not_found_body(), status_code=404, media_type=HTML)


def _too_many(retry: int) -> Response:
    return Response(
        hotpath.too_many_body(),
        status_code=429,
        media_type=HTML,
        headers={"Retry-After": str(retry)},
    )


def _limited(request: Request, now: float) -> Response | None:
    if request.scope.get("state", {}).get("public_rate_checked"):
        return None  # PublicPageMiddleware counted this request already
    address = request.client.host if request.client else "-"
    allowed, retry = hotpath.limiter.allow(address, now)
    return None if allowed else _too_many(retry)


# Loads in flight by code: concurrent misses of one page share one read.
_loading: dict[str, "asyncio.Future[hotpath.CachedPage | None]"] = {}
# Refreshes started ahead of expiry (kept referenced until done); one at a time,
# so a burst of them never crowds the threadpool or the interpreter.
_refreshing: dict[str, "asyncio.Task[None]"] = {}
_refresh_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


async def fetch(request: Request, code: str) -> hotpath.CachedPage | None:
    """Read and render the page of ``code`` and keep it; None for no such product.

    Concurrent callers for the same code wait for the first one's result.
    """
    pending = _loading.get(code)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[hotpath.CachedPage | None] = (
        asyncio.get_running_loop().create_future()
    )
    _loading[code] = future
    try:
        generation = hotpath.pages.generation
        view, body = await run_in_threadpool(_load, request, code)
        page = None
        if view is not None and body is not None:
            page = hotpath.pages.put(
                code,
                body,
                product_id=view.product_id,
                last_modified=view.last_modified,
                generation=generation,
                now=time.monotonic(),
            )
        future.set_result(page)
        return page
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning if nobody waits
        raise
    finally:
        del _loading[code]


def refresh_ahead(request: Request, code: str) -> None:
    """Render a hot page again before it expires, so its readers never miss.

    The page being served stays within its TTL; the new one replaces it.
    """
    if code in _loading or code in _refreshing:
        return
    loop = asyncio.get_running_loop()
    turn = _refresh_turns.setdefault(loop, asyncio.Semaphore(1))

    async def refresh() -> None:
        async with turn:
            try:
                await fetch(request, code)
            except Exception:
                hotpath.log.warning("refreshing a public page failed", exc_info=True)

    task = loop.create_task(refresh())
    _refreshing[code] = task
    task.add_done_callback(lambda _: _refreshing.pop(code, None))


@router.get("/p/{code}")
async def product_page(code: str, request: Request) -> Response:
    """The product's public page: cached, validated by ETag, counted, rate-limited."""
    now = time.monotonic()
    refused = _limited(request, now)
    if refused is not None:
        return refused
    page = hotpath.pages.get(code, now)
    if page is None:
        if not CODE_SHAPE.fullmatch(code):
            return _not_found()
        page = await fetch(request, code)
        if page is None:
            return _not_found()
    background = None
    if not is_head(request.scope) and hotpath.scans.add(page.product_id, clock.today()):
        background = BackgroundTask(hotpath.write_scans, request)
    headers = {
        "ETag": page.etag,
        "Last-Modified": page.last_modified,
        "Cache-Control": CACHE_CONTROL,
    }
    if hotpath.etag_matches(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=headers, background=background)
    return Response(page.body, media_type=HTML, headers=headers, background=background)


def _code_by_gtin(request: Request, gtin: str) -> str | None:
    with hotpath.provided_session(request) as session:
        return public_views.code_by_gtin(session, gtin)


@router.get("/01/{gtin}")
async def gs1_digital_link(gtin: str, request: Request) -> Response:
    """GS1 Digital Link (``/01/<GTIN>``): to the product page carrying that GTIN."""
    refused = _limited(request, time.monotonic())
    if refused is not None:
        return refused
    if not gtin.isdigit() or not rules.gtin_is_valid(gtin):
        return _not_found()
    code = await run_in_threadpool(_code_by_gtin, request, gtin)
    if code is None:
        return _not_found()
    return RedirectResponse(f"/p/{code}", status_code=302)
