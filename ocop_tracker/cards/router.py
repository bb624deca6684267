"""JSON API of cards (included under /api/v1 by api.py): the QR cards PDF."""

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.cards import service
from ocop_tracker.cards.downloads import pdf_response
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.downloads import PDF
from ocop_tracker.core.schemas import file_answer

router = APIRouter(tags=["cards"])

PDF_RESPONSES: dict[int | str, dict[str, object]] = {
    **file_answer("The cards, as one PDF.", PDF),
    404: {"description": "The area or a product is outside your area, or missing."},
    413: {"description": f"More than {service.MAX_CARDS} cards in one request."},
    422: {"description": "Unknown layout, bad product ids, or nothing to print."},
    429: {"description": f"More than {service.BATCHES_PER_HOUR} PDFs in an hour."},
}


@router.get("/cards.pdf", response_class=Response, responses=PDF_RESPONSES)
def cards_pdf(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[
        int | None,
        Query(ge=1, le=2**31 - 1, description="Every product under this area"),
    ] = None,
    layout: Annotated[
        str | None, Query(max_length=40, description="a4-2x4 (default), a4-3x8 or a6")
    ] = None,
    product_ids: Annotated[
        list[str] | None,
        Query(
            max_length=100_000, description="Product ids, repeated or comma-separated"
        ),
    ] = None,
) -> Response:
    """QR cards of the chosen products, or of every product under an area, as a PDF.

    The PDF is made completely before the response starts; at most
    ``MAX_CARDS`` cards per request.
    """
    chosen = service.parse_layout(layout)
    ids = service.parse_ids(product_ids or [])
    batch = service.print_cards(
        session, principal.user, area_id=area_id, product_ids=ids, layout=chosen
    )
    return pdf_response(batch)
