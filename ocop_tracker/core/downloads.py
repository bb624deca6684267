"""Files handed to a browser: how their name and caching are said.

A name goes out as RFC 6266's ``filename*=UTF-8''…``, so Vietnamese letters
survive; a file made for one user is never kept by a shared cache.
"""

import re
from urllib.parse import quote

from starlette.responses import Response

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def disposition(name: str, *, inline: bool = False) -> str:
    """The ``Content-Disposition`` of a file called ``name``."""
    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(name)}"


def attachment(body: bytes, media_type: str, name: str) -> Response:
    """``body`` as a download called ``name``, never cached."""
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": disposition(name), "cache-control": "no-store"},
    )


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def ranged(
    data: bytes, media_type: str, headers: dict[str, str], range_header: str | None
) -> Response:
    """``data`` whole (200), or the one byte range asked for (206, or 416 when
    it lies past the end), as a file served from disk would answer. Several
    ranges at once are answered whole, as HTTP allows."""
    size = len(data)
    headers = {**headers, "Accept-Ranges": "bytes"}
    wanted = _RANGE.fullmatch((range_header or "").strip())
    if wanted is None or wanted[0] == "bytes=-":
        return Response(data, media_type=media_type, headers=headers)
    first, last = wanted[1], wanted[2]
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(0, size - int(last)), size - 1
    if start >= size or start > end:
        return Response(
            status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}
        )
    return Response(
        data[start : end + 1],
        status_code=206,
        media_type=media_type,
        headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}"},
    )
