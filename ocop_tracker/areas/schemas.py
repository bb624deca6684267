"""The API's view of areas."""

import datetime as dt

from pydantic import Field

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.core.schemas import Schema


class AreaRead(Schema):
    """An administrative unit, with its chat-group name."""

    id: int
    edition: Edition
    level: Level
    code: str | None
    name: str
    short_name: str
    unit_type: str | None
    parent_id: int | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    group_name: str = Field(
        description="Zalo/Viber group name by the plan's convention"
    )


class HamletCreate(Schema):
    """A new hamlet (khóm/ấp) under a commune."""

    name: str = Field(min_length=1, max_length=200)
    valid_from: dt.date | None = None


class HamletImportResult(Schema):
    """Hamlets created from a CSV file."""

    created: list[AreaRead]


class HamletRename(Schema):
    """A hamlet's new name."""

    name: str = Field(min_length=1, max_length=200)
