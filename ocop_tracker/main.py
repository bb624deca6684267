"""The web application: API, pages, static files, headers and error handlers."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ocop_tracker import __version__, hooks
from ocop_tracker.api import api_router
from ocop_tracker.cards import warm as cards_warm
from ocop_tracker.core import media, memory, migrate
from ocop_tracker.core.config import Env, get_settings
from ocop_tracker.core.db import (
    get_engine,
    get_read_sessionmaker,
    get_sessionmaker,
    writing,
)
from ocop_tracker.core.http import (
    CompressionMiddleware,
    HeadAsGetMiddleware,
    RedactCapabilityLinks,
    SecurityHeadersMiddleware,
    install_error_handlers,
)
from ocop_tracker.core.templating import (
    STATIC_DIR,
    HashedStaticFiles,
    static_digests,
    templates,
)
from ocop_tracker.guides.router import router as guide_router
from ocop_tracker.households.router import router as household_router
from ocop_tracker.links import daily as link_daily
from ocop_tracker.offline import keys as form_keys
from ocop_tracker.offline.middleware import FormKeyMiddleware
from ocop_tracker.public import changes as page_changes
from ocop_tracker.public import hotpath
from ocop_tracker.public.middleware import PublicPageMiddleware
from ocop_tracker.public.router import router as public_router
from ocop_tracker.reports import daily
from ocop_tracker.web.pages import activity as activity_pages
from ocop_tracker.web.pages import areas as area_pages
from ocop_tracker.web.pages import audit as audit_pages
from ocop_tracker.web.pages import auth as auth_pages
from ocop_tracker.web.pages import cards as card_pages
from ocop_tracker.web.pages import exports as export_pages
from ocop_tracker.web.pages import history as history_pages
from ocop_tracker.web.pages import home as home_pages
from ocop_tracker.web.pages import households as household_pages
from ocop_tracker.web.pages import imports as import_pages
from ocop_tracker.web.pages import offline as offline_pages
from ocop_tracker.web.pages import photos as photo_pages
from ocop_tracker.web.pages import pilots as pilot_pages
from ocop_tracker.web.pages import producers as producer_pages
from ocop_tracker.web.pages import product_edit as product_edit_pages
from ocop_tracker.web.pages import products as product_pages
from ocop_tracker.web.pages import reference as reference_pages
from ocop_tracker.web.pages import reports as report_pages
from ocop_tracker.web.pages import sellers as seller_pages
from ocop_tracker.web.pages import teams as team_pages
from ocop_tracker.web.pages import tokens as token_pages
from ocop_tracker.web.pages import training as training_pages
from ocop_tracker.web.pages import users as user_pages
from ocop_tracker.web.pages import verify as verify_pages
from ocop_tracker.web.pages import wizard as wizard_pages
from ocop_tracker.web.pages import worklist as worklist_pages
from ocop_tracker.web.pages import zalo as zalo_pages
from ocop_tracker.web.render import error_viewer


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Refuse to serve a database whose schema is behind the code, or media
    settings the store cannot be made from; build every
    route's request handling; roll the counts daily; check the listing links
    daily when ``OCOP_LINK_CHECK`` is on; watch for changes to public pages
    (``public/changes.py``); make new products' QR matrices in a thread
    (``cards/warm.py``); keep what start-up made out of the garbage
    collector's later passes (``core/memory.py``)."""
    with get_engine().connect() as conn:
        current = migrate.current_revision(conn)
    head = migrate.head_revision()
    if current != head:
        raise RuntimeError(
            f"database schema at {current or 'empty'}, code expects {head}: "
            "run 'ocop-tracker db upgrade'"
        )
    # The media store's settings are checked now, not at the first photo (an
    # s3:// store without obstore installed, say, refuses to start).
    media.store()
    # FastAPI builds a route's request handling when an application first
    # matches it (about a second for all of ours): done here, before the first
    # user, not on the first request after every start.
    for _ in iter_route_contexts(app.routes):
        pass
    settings = get_settings()
    roll = (
        settings.daily_roll
        if settings.daily_roll is not None
        else settings.env != Env.test
    )
    tasks = (
        [asyncio.create_task(daily.run_daily(writing(get_engine())))] if roll else []
    )
    if settings.link_check:  # the listing link check: off unless asked for
        tasks.append(asyncio.create_task(link_daily.run_daily(writing(get_engine()))))
    watch = (
        settings.page_watch
        if settings.page_watch is not None
        else settings.env != Env.test
    )
    if watch:  # public pages forgotten when any worker or server changes them
        watcher = page_changes.Watcher(get_engine(), writing(get_engine()))
        await asyncio.to_thread(watcher.read)  # what came before: no page kept yet
        tasks.append(asyncio.create_task(watcher.run()))
        # ... and one public rate limit between them
        tasks.append(asyncio.create_task(hotpath.share_hits(writing(get_engine()))))
    warm = (
        settings.qr_warm if settings.qr_warm is not None else settings.env != Env.test
    )
    warmer = (
        cards_warm.Warmer(get_read_sessionmaker(), get_sessionmaker()) if warm else None
    )
    if warmer is not None:
        warmer.start()
        cards_warm.install(warmer)
    freeze = (
        settings.gc_freeze
        if settings.gc_freeze is not None
        else settings.env != Env.test
    )
    if freeze:  # last: everything start-up made is held for the worker's life
        memory.freeze_start_up()
    try:
        yield
    finally:
        if warmer is not None:
            cards_warm.install(None)
            await asyncio.to_thread(warmer.stop)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app() -> FastAPI:
    """Build the application from the current settings."""
    hooks.install()
    settings = get_settings()
    # Templates are read again when their file changes only while developing:
    # elsewhere that check was a stat() per rendered template, on the event
    # loop's turn (the public page's cache misses spent 4 % of a worker there).
    templates.env.auto_reload = settings.env is Env.development
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactCapabilityLinks) for f in access.filters):
        access.addFilter(RedactCapabilityLinks())
    app = FastAPI(
        lifespan=lifespan,
        title="ocop-tracker",
        version=__version__,
        summary="Đưa 100% sản phẩm OCOP lên sàn thương mại điện tử",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.include_router(api_router)
    app.include_router(home_pages.router)
    app.include_router(offline_pages.router)
    app.include_router(area_pages.router)
    app.include_router(auth_pages.router)
    app.include_router(token_pages.router)
    app.include_router(team_pages.router)
    app.include_router(user_pages.router)
    app.include_router(product_edit_pages.router)
    app.include_router(worklist_pages.router)
    app.include_router(wizard_pages.router)  # before /products/{id}
    app.include_router(product_pages.router)
    app.include_router(producer_pages.router)
    app.include_router(verify_pages.router)
    app.include_router(seller_pages.router)
    app.include_router(household_pages.router)
    app.include_router(zalo_pages.router)
    app.include_router(training_pages.router)
    app.include_router(pilot_pages.router)
    app.include_router(reference_pages.router)
    app.include_router(import_pages.router)
    app.include_router(activity_pages.router)
    app.include_router(export_pages.router)
    app.include_router(photo_pages.router)
    app.include_router(card_pages.router)
    app.include_router(report_pages.router)
    app.include_router(history_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(public_router)
    app.include_router(household_router)
    app.include_router(guide_router)
    static_digests()  # the static files' hashed URLs, from their contents
    app.mount("/static", HashedStaticFiles(directory=STATIC_DIR), name="static")
    if settings.docs_enabled:
        _mount_docs(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Ready when the database answers."""
        try:
            with get_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse(
                {"status": "unavailable"}, status_code=503, headers={"Retry-After": "5"}
            )
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """Ready to serve: the database answers (503 otherwise); "degraded" when
        the media directory is unwritable or nearly full (uploads would fail)."""
        return readiness()

    install_error_handlers(app, viewer=error_viewer)

    @app.exception_handler(form_keys.Replayed)
    async def replayed(_request: Request, exc: form_keys.Replayed) -> Response:
        return form_keys.replayed_response(exc.status_code, exc.location)

    app.add_middleware(FormKeyMiddleware)  # a keyed form's first answer noted
    app.add_middleware(PublicPageMiddleware)  # cached /p/ pages, before routing
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(CompressionMiddleware)  # sees the final headers
    app.add_middleware(HeadAsGetMiddleware)  # outermost: HEAD answered as GET
    return app


def readiness() -> JSONResponse:
    """The state of what requests need: the database (503 without it), and the
    media store ("degraded" when uploads would fail: unwritable, nearly full,
    or an object store that does not answer; pages are served all the same)."""
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unavailable"
    store = media.store()
    state = store.check()
    found = {
        "database": database,
        "media": state,
        "store": store.location.split(":")[0],
    }
    if database != "ok":
        return JSONResponse(
            {"status": "unavailable", **found},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    status = "ready" if state == "ok" else "degraded"
    return JSONResponse({"status": status, **found})


def _mount_docs(app: FastAPI) -> None:
    """Swagger UI served from its PyPI package, never from a CDN."""
    import swagger_ui_bundle

    app.mount(
        "/docs-assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="docs-assets",
    )

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "api_docs.html", {})
