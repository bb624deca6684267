"""A list shown a page at a time (producers, the audit trail, a record's history):
what its template reads to say where it is and to link the other pages."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode


def paging(
    path: str,
    kept: Mapping[str, str],
    *,
    total: int,
    offset: int,
    page_size: int,
) -> dict[str, Any]:
    """``total``, ``offset``, ``page_size``, and ``page_url(at)``: the page
    starting at ``at``, with the filters in ``kept``."""
    return {
        "total": total,
        "offset": offset,
        "page_size": page_size,
        "page_url": lambda at: f"{path}?" + urlencode({**kept, "offset": at}),
    }
