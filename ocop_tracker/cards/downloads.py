"""The cards' PDF as an HTTP download, shared by the API and the pages."""

from starlette.responses import Response

from ocop_tracker.cards.service import Batch


def pdf_response(batch: Batch) -> Response:
    """The finished PDF as a download."""
    return Response(
        batch.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{batch.filename}"',
            "X-Card-Count": str(batch.count),
        },
    )
