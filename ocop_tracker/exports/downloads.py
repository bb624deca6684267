"""An export as an HTTP download, shared by the API and the pages."""

from starlette.responses import StreamingResponse

from ocop_tracker.core.downloads import disposition
from ocop_tracker.exports.service import ExportFile


def file_response(file: ExportFile) -> StreamingResponse:
    """The written export as an attachment, streamed from its spooled file, never cached."""
    return StreamingResponse(
        file.chunks(),
        media_type=file.media_type,
        headers={
            "content-disposition": disposition(file.name),
            "content-length": str(file.size),
            "cache-control": "no-store",
        },
    )
