"""Shared pydantic bases for the API's edge."""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Generic, Self, TypeVar

from fastapi import Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")


class Schema(BaseModel):
    """Read and write models: built from ORM objects, unknown fields refused."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    @classmethod
    def from_object(cls, source: object, **given: object) -> Self:
        """This model from ``source``'s attributes of the same names, as
        ``model_validate`` reads them, but for the fields ``given`` here."""
        values = {
            name: getattr(source, name)
            for name in cls.model_fields
            if name not in given and hasattr(source, name)
        }
        return cls.model_validate({**values, **given})


class Page(Schema, Generic[T]):
    """One page of a list, with the total count of matches."""

    items: list[T]
    total: int
    limit: int
    offset: int


class SortOrder(StrEnum):
    """Ascending or descending."""

    asc = "asc"
    desc = "desc"


class ErrorRow(BaseModel):
    """A refused row of an uploaded file (row 1 is the header)."""

    row: int
    message: str


class ErrorBody(BaseModel):
    """Every API error: a machine code, a message for people and the fields.

    ``fields`` maps each refused field's name to a Vietnamese message for it
    (``{}`` when the error is about no field). A refused file lists its bad
    ``rows``; a stale write (409) carries the record as it is now in ``current``.
    """

    model_config = ConfigDict(extra="allow")

    error: str
    detail: str
    fields: dict[str, str] = Field(
        description="Each refused field's name and its message; {} when none.",
        examples=[{"name": "Tên sản phẩm cần 1–200 ký tự."}],
    )
    rows: list[ErrorRow] | None = None
    current: dict[str, Any] | None = None


class ConflictBody(Schema):
    """A refused stale write: the message, and the record as it is now."""

    error: str
    detail: str
    fields: dict[str, str]
    current: dict[str, object] | None = None


ERROR_STATUSES = (400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 503)
# Documented on every API operation: what the error handlers may answer.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in ERROR_STATUSES
}
# A route that answers a stale write with the record as it is now documents
# that 409 (``core.versions.stale_response``); a router lists only what
# differs from ``ERROR_RESPONSES``, which ``api.py`` applies to every route.
STALE_RESPONSES: dict[int | str, dict[str, Any]] = {409: {"model": ConflictBody}}


def file_answer(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The documented 200 of a route that answers a file in one of ``media_types``.

    ``responses=file_answer("The report", PDF, XLSX)``, beside
    ``response_class=Response``; other statuses are added by unpacking it into a
    larger dict.
    """
    return {
        200: {
            "content": {media_type: {} for media_type in media_types},
            "description": description,
        }
    }


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_only(value: object) -> object:
    """Pydantic's lax mode reads "0" or 1700000000 as a Unix time: only YYYY-MM-DD."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("ngày phải viết theo dạng YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("ngày phải viết theo dạng YYYY-MM-DD")
    return value


# A date in a query string or a JSON body, written YYYY-MM-DD and nothing else.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_only)]

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")


def _whole_number_only(value: object) -> object:
    """Pydantic's lax mode reads "1.0", "+1", "1_0" or " 1" as 1: digits only."""
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
        raise ValueError("phải là một số nguyên, chỉ gồm chữ số")
    return value


# An integer in a query string, written as plain digits and nothing else.
WholeNumber = Annotated[int, BeforeValidator(_whole_number_only)]

# Query parameters the list and record routes share.
AsOf = Annotated[
    IsoDate | None,
    Query(description="The record as it stood at the end of this day (YYYY-MM-DD)"),
]
Limit = Annotated[WholeNumber, Query(ge=1, le=200)]
Offset = Annotated[WholeNumber, Query(ge=0, le=1_000_000)]
SearchText = Annotated[
    str | None, Query(max_length=100, description="Words, with or without diacritics")
]
UnderArea = Annotated[WholeNumber | None, Query(description="Only this area's subtree")]
