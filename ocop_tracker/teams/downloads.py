"""The scanned decision as an HTTP answer, shared by the API and the pages.

SECURITY.md §M: a PDF goes out as an attachment only, a photo (re-encoded on
upload) may show in the browser; both under ``Content-Security-Policy:
sandbox``, never sniffed, never cached by a shared cache.
"""

from starlette.responses import Response

from ocop_tracker.core.downloads import disposition
from ocop_tracker.teams.documents import PDF
from ocop_tracker.teams.models import TeamDecision


def document_response(row: TeamDecision) -> Response:
    """The decision's file as kept."""
    name = row.document_name or "quyet-dinh"
    return Response(
        row.document or b"",
        media_type=row.media_type or "application/octet-stream",
        headers={
            "content-disposition": disposition(name, inline=row.media_type != PDF),
            "content-security-policy": "sandbox",
            "x-content-type-options": "nosniff",
            "cache-control": "private, no-store",
        },
    )
