"""Pages of cards: choosing an area, products and a layout, and printing the PDF.

Plain GET forms (printing changes nothing but the audit trail), so the page works
without JavaScript; a refusal the user can fix (nothing chosen, too many cards,
unknown layout, too many PDFs) re-renders the form with the message.

Also a template global for the product page's QR block (``cards/_product_block.html``):
the product's daily scan counts, read in the page's own session.
"""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session, object_session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.auth.scope import ensure_visible
from ocop_tracker.cards import service
from ocop_tracker.cards import views as card_views
from ocop_tracker.cards.downloads import pdf_response
from ocop_tracker.cards.layout import LAYOUT_LABELS, Layout
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.core.templating import templates
from ocop_tracker.public import views as public_views
from ocop_tracker.web import picker as picker_kit
from ocop_tracker.web.paging import Search
from ocop_tracker.web.render import render

router = APIRouter(include_in_schema=False)

# Products listed with a checkbox; a bigger area prints whole (or by hamlet).
PICK_LIMIT = 200


def product_scans(anchor: object, product_id: int) -> public_views.ScanSummary | None:
    """Scans of a product, read in the session that loaded ``anchor`` (the page's)."""
    try:
        session = object_session(anchor)
    except Exception:  # not an ORM object: nothing to read with
        return None
    if session is None:
        return None
    return public_views.scan_summary(session, product_id)


templates.env.globals["product_scans"] = product_scans


def _start_area(
    session: Session, principal: Principal, area_id: int | None
) -> AdminUnit | None:
    user = principal.user
    if area_id is not None:
        ensure_visible(session, user, area_id, "địa bàn")
        return area_views.get(session, area_id)
    if user.area_id is not None:
        return area_views.get(session, user.area_id)
    return None


def _form(
    request: Request,
    session: Session,
    principal: Principal,
    area: AdminUnit | None,
    *,
    layout: str | None = None,
    chosen: list[int] | None = None,
    error: str | None = None,
    status_code: int = 200,
    area_q: str = "",
) -> Response:
    finder = picker_kit.picker(session, principal.user, q=area_q)
    children: Sequence[AdminUnit] = []
    ancestors: list[AdminUnit] = []
    if area is None:  # admin without an area: start from the provinces
        picked = card_views.Picking(0, [])
        children, _ = area_views.search(session, level=Level.province, limit=100)
    else:
        picked = card_views.picking(session, principal.user, area.id, limit=PICK_LIMIT)
        if area.level is not Level.hamlet:
            children = area_views.children(session, area)
        ancestors = card_views.ancestors(session, principal.user, area)
    return render(
        request,
        "cards/print.html",
        {
            "area": area,
            "children": children,
            "ancestors": ancestors,
            "layouts": LAYOUT_LABELS,
            "layout": layout or Layout.a4_2x4.value,
            "products": picked.products,
            "count": picked.count,
            "chosen": set(chosen or []),
            "error": error,
            "limit": PICK_LIMIT,
            "max_cards": service.MAX_CARDS,
            "finder": finder,
        },
        principal,
        status_code=status_code,
    )


@router.get("/cards")
def cards_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    area_q: Search = "",
) -> Response:
    """Choose the area (drilling down or searching by name), the products and
    the layout to print."""
    area = _start_area(session, principal, area_id)
    return _form(request, session, principal, area, area_q=area_q)


@router.get("/cards/pdf")
def cards_pdf_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    layout: Annotated[str | None, Query(max_length=40)] = None,
    product_ids: Annotated[list[str] | None, Query(max_length=100_000)] = None,
) -> Response:
    """The PDF of the chosen cards, or the form again with what to fix."""
    with refusable(session) as refusal:
        chosen_layout = service.parse_layout(layout)
        ids = service.parse_ids(product_ids or [])
        batch = service.print_cards(
            session,
            principal.user,
            area_id=area_id,
            product_ids=ids,
            layout=chosen_layout,
        )
    exc = refusal.error
    if exc is not None:
        if exc.status_code == 404:  # an area or product out of reach stays a 404
            raise exc
        area = _start_area(session, principal, area_id)
        response = _form(
            request,
            session,
            principal,
            area,
            layout=layout if layout in {v.value for v in Layout} else None,
            error=exc.message,
            status_code=exc.status_code,
        )
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            response.headers["retry-after"] = str(retry_after)
        return response
    return pdf_response(batch)
