"""What a JSON API route answers a versioned write with.

The record as it stands after the write, read into its API model; or, when the
write was based on an old version, the 409 of ``core.versions.stale_response``
carrying the record as it is now, read the same way.
"""

from collections.abc import Callable
from typing import TypeVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ocop_tracker.core.versions import StaleVersion, stale_response

Record = TypeVar("Record")
Read = TypeVar("Read", bound=BaseModel)


def written(
    session: Session, write: Callable[[], Record], read: Callable[[Record], Read]
) -> Read | JSONResponse:
    """``read`` of what ``write`` returns, or the 409 of a stale write."""
    try:
        record = write()
    except StaleVersion as exc:
        return stale_response(session, exc, read)
    return read(record)
