""" "Phiếu của hộ" from the producer's page: print the household's sheet (a new
private link each time, the one before dead at once) or turn the link off.

The token exists only in this answer (the database keeps its hash), so the
sheet is the POST's answer, a PDF to print; the producer's page says whether a
link is live, since when and how often it was opened.
"""

from fastapi import APIRouter, Request
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core import clock
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import SessionDep
from ocop_tracker.households import service as household_service
from ocop_tracker.households import sheet
from ocop_tracker.households import views as household_views
from ocop_tracker.photos.packs import slug
from ocop_tracker.producers import views as producer_views
from ocop_tracker.web.render import redirect

router = APIRouter(include_in_schema=False)


@router.post("/producers/{producer_id}/household-sheet")
def print_sheet(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    producer_id: int,
) -> Response:
    """Issue a new private link and answer its A6 sheet (PDF)."""
    user = principal.user
    producer = producer_views.get_producer(session, user, producer_id)
    token = household_service.issue(session, user, producer)
    page = household_views.sheet_data(session, producer)
    pdf = sheet.render(
        sheet.SheetData(
            producer=producer.name,
            hamlet=page.hamlet,
            url=f"{get_settings().public_base_url}/h/{token}",
            contact=page.contact,
            issued_on=clock.today(),
        )
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="phieu-cua-ho-{slug(producer.name)}.pdf"',
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
        },
    )


@router.post("/producers/{producer_id}/household-link/off")
def turn_off(
    session: SessionDep, principal: CurrentPrincipal, producer_id: int
) -> Response:
    """Turn the household's link off: the printed sheet stops working."""
    user = principal.user
    producer = producer_views.get_producer(session, user, producer_id)
    household_service.revoke(session, user, producer)
    return redirect(f"/producers/{producer_id}?done=household_link_off#household")
