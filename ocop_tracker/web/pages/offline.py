"""The team's phone without a signal: the installable app and its outbox.

For the hamlet teams (the roles that work in the field), pages load
``static/js/outbox.js``, which registers the service worker ``/sw.js``
(``static/js/sw.js``, served from the root so it covers every page). The worker
keeps the app's files, the pages a member opened and the hamlet's own records
(``/offline/pages``: its worklist, products and producers, at most
``MAX_PAGES``), refreshed while online, and shows a saved copy when the network
fails, saying from when. Forms marked ``data-outbox`` are queued on the phone
while offline and sent in order when the signal returns, each with its own
``Idempotency-Key`` (``offline/keys.py``); ``/offline/outbox`` lists the queue,
its conflicts and their choices. Without JavaScript none of this runs and every
form posts as before.
"""

import json
from functools import lru_cache

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from ocop_tracker.auth.deps import CurrentPrincipal, require_roles
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.templating import STATIC_DIR, static_digests, static_url
from ocop_tracker.producers import views as producer_views
from ocop_tracker.products import views as product_views
from ocop_tracker.users.models import Role
from ocop_tracker.web.render import render

router = APIRouter(include_in_schema=False)

FIELD_ROLES = (Role.team_leader, Role.team_member)
# The hamlet's records kept on the phone: a pilot hamlet has a few dozen.
MAX_PAGES = 300
THEME = "#0b6e4f"  # --brand of app.css
NO_STORE = {"Cache-Control": "no-store"}
# What the worker keeps before any page is opened: the files every page
# needs and the icon (it keeps the outbox page too, also shown offline for a
# page never saved).
SHELL = (
    "css/app.css",
    "css/photos.css",
    "js/outbox.js",
    "js/outbox-send.js",
    "js/outbox-page.js",
    "js/photos.js",
    "img/icon-192.png",
    "img/favicon.svg",
)


@router.get("/app.webmanifest")
def manifest() -> Response:
    """The web app manifest: installable on the home screen, in Vietnamese."""
    return Response(
        _manifest(),
        media_type="application/manifest+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@lru_cache(maxsize=1)
def _manifest() -> str:
    # Made once per process: the static files' names do not change while it runs.
    body = {
        "name": "OCOP lên sàn — Tổ công nghệ số",
        "short_name": "OCOP lên sàn",
        "description": "Ghi nhận tiến độ đưa sản phẩm OCOP lên sàn, cả khi mất sóng.",
        "lang": "vi",
        "dir": "ltr",
        "start_url": "/worklist",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": static_url(f"img/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in (192, 512)
        ]
        + [
            {
                "src": static_url("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return json.dumps(body, ensure_ascii=False)


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker, with the hashed URLs of the files it keeps; named by
    their digests so a new release is a new worker. Browsers ask for it again
    on their navigations (``no-cache``), so it is made once per process."""
    return Response(
        _worker(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


@lru_cache(maxsize=1)
def _worker() -> str:
    shell = [static_url(path) for path in SHELL]
    release = "-".join(static_digests()[path][:6] for path in (*SHELL, "js/sw.js"))
    head = (
        f"var RELEASE = {json.dumps(release)};\n"
        f"var SHELL = {json.dumps(shell)};\n"
        f"var OUTBOX = {json.dumps(static_url('js/outbox.js'))};\n"
        f"var OUTBOX_SEND = {json.dumps(static_url('js/outbox-send.js'))};\n"
    )
    return head + (STATIC_DIR / "js" / "sw.js").read_text(encoding="utf-8")


@router.get("/offline/outbox")
def outbox_page(request: Request, principal: CurrentPrincipal) -> Response:
    """The queue kept on this phone (drawn by ``outbox.js``)."""
    return render(request, "offline/outbox.html", {}, principal)


@router.get("/offline/state")
def state(principal: CurrentPrincipal) -> Response:
    """Who is signed in, and a CSRF token of this session, for the outbox to
    send its queue with (401 once the session has ended)."""
    return JSONResponse(
        {"user": principal.user.id, "csrf_token": principal.csrf_token},
        headers=NO_STORE,
    )


@router.get("/offline/pages", dependencies=[require_roles(*FIELD_ROLES)])
def pages(session: SessionDep, principal: CurrentPrincipal) -> Response:
    """The pages the phone keeps for offline work: the member's worklist, the
    queue's page, the forms that add a producer or a product, and each product
    and producer of the hamlet (the area's own)."""
    products, _ = product_views.list_products(
        session, principal.user, limit=MAX_PAGES // 2
    )
    producers, _ = producer_views.list_producers(
        session, principal.user, limit=MAX_PAGES // 2
    )
    urls = ["/worklist", "/offline/outbox", "/products/new", "/producers/new"]
    urls += [f"/products/{p.id}" for p in products]
    urls += [f"/producers/{p.id}" for p in producers]
    return JSONResponse({"user": principal.user.id, "urls": urls}, headers=NO_STORE)
