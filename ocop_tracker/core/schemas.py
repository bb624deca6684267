"""Shared pydantic bases for the API's edge."""

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Schema(BaseModel):
    """Read and write models: built from ORM objects, unknown fields refused."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Page(Schema, Generic[T]):
    """One page of a list, with the total count of matches."""

    items: list[T]
    total: int
    limit: int
    offset: int


class ErrorBody(Schema):
    """Every API error: a machine code and a message for people."""

    error: str
    detail: str
