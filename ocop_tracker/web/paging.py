"""A list shown a page at a time (producers, the audit trail, a record's history):
the query parameters its route takes (``Offset``, ``Search``), and what its
template reads to say where it is and to link the other pages."""

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query

# Where a list's page starts (``?offset=``), as a page route takes it.
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
# What a list's search box holds (``?q=``, ``?area_q=``).
Search = Annotated[str, Query(max_length=100)]


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
