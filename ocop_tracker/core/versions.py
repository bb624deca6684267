"""Optimistic versions: a write names the version it read; another one is a 409.

Versioned models count ``version`` up on every UPDATE (SQLAlchemy's
``version_id_col``). A service checks the version the client sent before it
changes anything (``check_version``) and flushes through ``flush_versioned``,
so a writer that got there first between the check and the flush is a 409 as
well. The API answers a stale write with the record as it is now
(``stale_response``), so the client can merge and retry.
"""

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Final

from fastapi import status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ocop_tracker.core.errors import AppError, Conflict


class Unset(Enum):
    """The type of ``UNSET``."""

    token = 0


UNSET: Final = Unset.token
"""Marks a field an update leaves alone (None would clear it)."""


class StaleVersion(Conflict):
    """A write based on an old version; ``current`` is the record as it is now.

    ``code`` overrides the error code of the body for a domain whose clients
    already read another one (the listings answer ``stale_version``).
    """

    def __init__(
        self, message: str, *, current: object | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.current = current
        if code is not None:
            self.code = code


def _stale_message(what: str, field: str | None, rest: str) -> str:
    return f"{field}: {what}{rest}" if field else f"{what}{rest}"


def is_resend(
    actor_id: int,
    writer_id: int | None,
    record: object | None,
    sent: Mapping[str, object],
) -> bool:
    """True when ``actor_id`` wrote ``record`` last and it holds what was sent.

    The rule of a resend (``check_version``'s ``resent``): the same user, and
    every value sent, cleaned as the write would clean it, equal to the
    stored one. Anything else — another writer, one value different — is a
    409.
    """
    return (
        record is not None
        and writer_id == actor_id
        and all(getattr(record, key) == value for key, value in sent.items())
    )


def given(**values: object) -> dict[str, object]:
    """The values an update names (``UNSET`` ones left out), for ``is_resend``."""
    return {key: value for key, value in values.items() if value is not UNSET}


def resent_by(
    actor_id: int,
    record: object,
    sent: Mapping[str, object],
    *,
    clean: Mapping[str, Callable[[Any], object]],
    writer: Callable[[], int | None],
) -> Callable[[], bool]:
    """``check_version``'s ``resent`` for an update: ``sent`` cleaned field by
    field by ``clean`` (the write's own cleaning; other fields as sent) is
    what ``record`` holds, and ``writer()`` (who changed it last) is the actor."""

    def resent() -> bool:
        values = {k: clean[k](v) if k in clean else v for k, v in sent.items()}
        return is_resend(actor_id, writer(), record, values)

    return resent


def check_version(
    record: Any,
    version: int | None,
    what: str,
    *,
    field: str | None = "version",
    current: Callable[[Any], object] | None = None,
    code: str | None = None,
    resent: Callable[[], bool] | None = None,
) -> bool:
    """Refuse a change based on another version than the stored one.

    ``None`` means the client sent no version (nothing to check). ``current``
    turns the record into what the 409 carries (default: the record itself).
    ``field`` is the message's field prefix (None: no prefix).

    A form sent again after its answer was lost carries the version read
    before the first send. ``resent`` (asked only for a stale version) says
    whether the stored record already is that write, by the same user
    (``is_resend``; a value it cannot clean means no): then this returns True,
    the caller changes nothing and answers success, so the resend is
    idempotent. Returns False when the version is current.
    """
    if version is None or version == record.version:
        return False
    if resent is not None and _resent(resent):
        return True
    raise StaleVersion(
        _stale_message(
            what,
            field,
            f" vừa được người khác sửa (phiên bản hiện tại {record.version}, "
            f"bạn gửi {version}); hãy tải lại và thử lại.",
        ),
        current=current(record) if current is not None else record,
        code=code,
    )


def _resent(resent: Callable[[], bool]) -> bool:
    try:
        return resent()
    except AppError:
        # A value the write would refuse cannot be what is stored.
        return False


def flush_versioned(
    session: Session,
    what: str,
    *,
    field: str | None = "version",
    also: tuple[type[Exception], ...] = (),
    code: str | None = None,
) -> None:
    """Flush; a row changed by someone else meanwhile becomes a 409.

    ``also`` names more errors that mean the same race (an INSERT that lost a
    unique slot to a concurrent writer).
    """
    races: tuple[type[Exception], ...] = (StaleDataError, *also)
    try:
        session.flush()
    except races:
        raise StaleVersion(
            _stale_message(
                what, field, " vừa được người khác sửa; hãy tải lại và thử lại."
            ),
            code=code,
        ) from None


def stale_response(
    session: Session, exc: StaleVersion, read: Callable[[Any], BaseModel]
) -> JSONResponse:
    """409 with the record as it is now, so the client can merge and retry."""
    session.rollback()  # nothing of the refused write may be committed
    body: dict[str, Any] = {
        "error": exc.code,
        "detail": exc.message,
        "fields": dict(exc.fields),
    }
    if exc.current is not None:
        session.refresh(exc.current)
        body["current"] = read(exc.current).model_dump(mode="json")
    return JSONResponse(body, status_code=status.HTTP_409_CONFLICT)
