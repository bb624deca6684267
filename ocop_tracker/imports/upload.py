"""Reading an uploaded list's bytes from a request (the API route and the page)."""

from fastapi import UploadFile

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.imports.reader import MAX_BYTES


async def read_upload(file: UploadFile) -> tuple[bytes, str]:
    """The uploaded bytes, refusing more than the limit without reading it all."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput("Tệp lớn quá 10 MB.", status_code=413)
    return data, file.filename or "upload"
