"""Files handed to a browser: how their name and caching are said.

A name goes out as RFC 6266's ``filename*=UTF-8''…``, so Vietnamese letters
survive; a file made for one user is never kept by a shared cache.
"""

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
