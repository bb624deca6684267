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
import json
import re
import time
import weakref
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from ocop_tracker.core import clock
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.http import is_head
from ocop_tracker.photos import views as photo_views
from ocop_tracker.products import rules
from ocop_tracker.public import hotpath, i18n
from ocop_tracker.public import views as public_views
from ocop_tracker.public.views import PublicProduct

router = APIRouter(tags=["public"], include_in_schema=False)

# Public codes are 22 URL-safe characters (128 bits); anything else is not one.
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,32}")
HTML = "text/html; charset=utf-8"


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


def structured_data(view: PublicProduct, image: str | None) -> dict[str, object]:
    """schema.org ``Product`` for search engines and link previews.

    What the page shows, no more: the producer only where its name is public,
    the OCOP certificate as a ``Certification`` only while it is in force.
    """
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": view.name,
        "url": view.url,
        "countryOfOrigin": {"@type": "Country", "name": "VN"},
    }
    if view.description:
        data["description"] = view.description
    if image:
        data["image"] = image
    if view.group:
        data["category"] = view.group
    if view.producer_named:
        data["manufacturer"] = {"@type": "Organization", "name": view.producer}
    if view.stars and view.certificate_number:
        data["hasCertification"] = {
            "@type": "Certification",
            "name": f"OCOP {view.stars}★",
            "certificationIdentification": view.certificate_number,
            "certificationStatus": "CertificationActive",
            "expires": view.certificate_expires_on.isoformat()
            if view.certificate_expires_on
            else None,
            "certificationRating": {
                "@type": "Rating",
                "ratingValue": view.stars,
                "bestRating": 5,
            },
            "about": {"@type": "Thing", "name": "OCOP (One Commune One Product)"},
        }
    return data


def _script_json(data: dict[str, object]) -> str:
    """JSON safe inside ``<script>``: no ``<``, ``>`` or ``&`` left to close it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(
    view: PublicProduct, photo: PagePhoto | None, lang: str = i18n.DEFAULT
) -> bytes:
    """The page's HTML in ``lang`` (also used by the benchmark and tests)."""
    base = get_settings().public_base_url
    og_image = f"{base}{photo.full}" if photo else None
    return i18n.render(
        "public/product.html",
        lang,
        p=view,
        photo=photo,
        og_image=og_image,
        base_url=base,
        json_ld=Markup(_script_json(structured_data(view, og_image))),
    )


def _load(
    request: Request, code: str, lang: str
) -> tuple[PublicProduct | None, hotpath.Packed | None]:
    with hotpath.provided_session(request) as session:
        view = public_views.by_code(session, code)
        if view is None:
            return None, None
        photo = _photo(session, view.product_id)
    return view, hotpath.pack(render_page(view, photo, lang))


def _not_found(lang: str) -> Response:
    return Response(
        hotpath.not_found_body(lang),
        status_code=404,
        media_type=HTML,
        headers=hotpath.language_headers(lang),
    )


def _too_many(retry: int, lang: str) -> Response:
    return Response(
        hotpath.too_many_body(lang),
        status_code=429,
        media_type=HTML,
        headers={"Retry-After": str(retry), **hotpath.language_headers(lang)},
    )


def _limited(request: Request, now: float, lang: str) -> Response | None:
    if request.scope.get("state", {}).get("public_rate_checked"):
        return None  # PublicPageMiddleware counted this request already
    address = request.client.host if request.client else "-"
    allowed, retry = hotpath.limiter.allow(address, now)
    return None if allowed else _too_many(retry, lang)


# Loads in flight by page (code and language): concurrent misses share one read.
_loading: dict[str, "asyncio.Future[hotpath.CachedPage | None]"] = {}
# Refreshes started ahead of expiry (kept referenced until done); one at a time,
# so a burst of them never crowds the threadpool or the interpreter.
_refreshing: dict[str, "asyncio.Task[None]"] = {}
_refresh_turns: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()
# Pages rendered at once per worker (cache misses and refreshes): after a start
# every hot page misses together, and 32 renders at once took every thread and
# twice the pool's connections on PostgreSQL (the rest opened and closed one
# each). The others wait here, holding no thread and no connection.
RENDERS_AT_ONCE = 4
_render_slots: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = weakref.WeakKeyDictionary()


async def fetch(
    request: Request, code: str, lang: str = i18n.DEFAULT
) -> hotpath.CachedPage | None:
    """Read and render the page of ``code`` in ``lang`` and keep it; None for no
    such product.

    Concurrent callers for the same page wait for the first one's result.
    """
    key = hotpath.page_key(code, lang)
    pending = _loading.get(key)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[hotpath.CachedPage | None] = (
        asyncio.get_running_loop().create_future()
    )
    _loading[key] = future
    try:
        generation = hotpath.pages.generation
        loop = asyncio.get_running_loop()
        slots = _render_slots.setdefault(loop, asyncio.Semaphore(RENDERS_AT_ONCE))
        async with slots:
            view, packed = await run_in_threadpool(_load, request, code, lang)
        page = None
        if view is not None and packed is not None:
            page = hotpath.pages.put(
                key,
                packed,
                product_id=view.product_id,
                producer_id=view.producer_id,
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
        del _loading[key]


def refresh_ahead(request: Request, code: str, lang: str) -> None:
    """Render a hot page again before it expires, so its readers never miss.

    The page being served stays within its TTL; the new one replaces it.
    """
    key = hotpath.page_key(code, lang)
    if key in _loading or key in _refreshing:
        return
    loop = asyncio.get_running_loop()
    turn = _refresh_turns.setdefault(loop, asyncio.Semaphore(1))

    async def refresh() -> None:
        async with turn:
            try:
                await fetch(request, code, lang)
            except Exception:
                hotpath.log.warning("refreshing a public page failed", exc_info=True)

    task = loop.create_task(refresh())
    _refreshing[key] = task
    task.add_done_callback(lambda _: _refreshing.pop(key, None))


def _language(request: Request) -> str:
    return i18n.choose(request.url.query, request.headers.get("accept-language")).lang


@router.get("/p/{code}")
async def product_page(code: str, request: Request) -> Response:
    """The product's public page in the visitor's language: cached, validated by
    ETag, counted, rate-limited."""
    now = time.monotonic()
    lang = _language(request)
    refused = _limited(request, now, lang)
    if refused is not None:
        return refused
    page = hotpath.pages.get(hotpath.page_key(code, lang), now)
    if page is None:
        if not CODE_SHAPE.fullmatch(code):
            return _not_found(lang)
        page = await fetch(request, code, lang)
        if page is None:
            return _not_found(lang)
    background = None
    if not is_head(request.scope) and hotpath.scans.add(page.product_id, clock.today()):
        background = BackgroundTask(hotpath.write_scans, request)
    status, body, headers = hotpath.answer(
        page,
        lang,
        request.headers.get("accept-encoding", ""),
        request.headers.get("if-none-match"),
    )
    return Response(body, status_code=status, headers=headers, background=background)


def _code_by_gtin(request: Request, gtin: str) -> str | None:
    with hotpath.provided_session(request) as session:
        return public_views.code_by_gtin(session, gtin)


@router.get("/01/{gtin}")
async def gs1_digital_link(gtin: str, request: Request) -> Response:
    """GS1 Digital Link (``/01/<GTIN>``): to the product page carrying that GTIN."""
    lang = _language(request)
    refused = _limited(request, time.monotonic(), lang)
    if refused is not None:
        return refused
    if not gtin.isdigit() or not rules.gtin_is_valid(gtin):
        return _not_found(lang)
    code = await run_in_threadpool(_code_by_gtin, request, gtin)
    if code is None:
        return _not_found(lang)
    choice = i18n.choose(request.url.query, None)
    target = f"/p/{code}?lang={lang}" if choice.explicit else f"/p/{code}"
    return RedirectResponse(target, status_code=302)
