"""The household's private page, ``/h/{token}`` (no sign-in: the link is the key).

SECURITY.md §M: the page is the producer's own data only, answered with
``Referrer-Policy: no-referrer``, ``X-Robots-Tag: noindex, nofollow`` and
``Cache-Control: private, no-store``; it loads nothing from another origin. An
unknown, malformed or replaced token gets the same friendly 404, after the
same lookup. The per-address limit of the public pages
applies (``public.middleware``). Each view is counted, with an audit event that
holds no address and no token.
"""

from functools import cache

from fastapi import APIRouter, Request
from starlette.responses import Response

from ocop_tracker.audit import context as audit_context
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.templating import templates
from ocop_tracker.households import service, views

router = APIRouter(include_in_schema=False)

PRIVATE_HEADERS = {
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex, nofollow",
    "cache-control": "private, no-store",
}


@cache
def _not_found_body() -> bytes:
    return templates.env.get_template("households/not_found.html").render().encode()


@router.get("/h/{token}")
def household_page(token: str, request: Request, session: SessionDep) -> Response:
    """The producer's own progress, read-only."""
    link = service.open_link(session, token)
    if link is None:
        return Response(
            _not_found_body(),
            status_code=404,
            media_type="text/html",
            headers=PRIVATE_HEADERS,
        )
    page = views.household_page(session, link)
    # Counts only: the view's event keeps neither the address nor the token.
    audit_context.set_request(session, client_ip=None, request_id=None)
    service.count_view(session, link)
    return templates.TemplateResponse(
        request, "households/page.html", {"page": page}, headers=PRIVATE_HEADERS
    )
