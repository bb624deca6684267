"""The API's view of pilots and their closing report."""

import datetime as dt

from pydantic import Field

from ocop_tracker.core.schemas import IsoDate, Schema


class PilotUnitRead(Schema):
    """A unit taking part."""

    unit_id: int
    name: str
    level: str


class PilotRead(Schema):
    """A pilot: its window (both days included), its units, where it stands."""

    id: int
    name: str
    start_on: dt.date
    end_on: dt.date
    note: str | None
    status: str = Field(description="upcoming, running or ended (today)")
    units: list[PilotUnitRead]
    version: int


class PilotCreate(Schema):
    """A new pilot; its units are set next."""

    name: str = Field(max_length=1000)
    start_on: IsoDate
    end_on: IsoDate
    note: str | None = Field(default=None, max_length=5000)


class PilotUpdate(Schema):
    """Change a pilot's name, window or note."""

    name: str | None = Field(default=None, max_length=1000)
    start_on: IsoDate | None = None
    end_on: IsoDate | None = None
    note: str | None = Field(default=None, max_length=5000)
    version: int | None = None


class PilotUnitsWrite(Schema):
    """The whole list of the pilot's units (hamlets or communes)."""

    unit_ids: list[int] = Field(max_length=50)
    version: int | None = None


class PilotFigures(Schema):
    """One unit's figures on one day (the closing report's columns)."""

    day: dt.date
    ocop: int
    ocop_listed: int
    ocop_listed_percent: float | None
    producers: int
    shops: int
    paying: int
    households_ocop: int
    households_ocop_trained: int
    members: int
    members_trained: int


class PilotLine(Schema):
    """A unit's start and end figures, and the orders of the window's months."""

    unit_id: int
    name: str
    start: PilotFigures
    end: PilotFigures
    orders: int
    revenue_vnd: int
    sessions: int


class PilotReport(Schema):
    """The pilot's closing report: each unit at the start and at the end (or today)."""

    pilot: PilotRead
    start: dt.date
    end: dt.date
    complete: bool = Field(
        description="False while the pilot runs: figures as of today"
    )
    lines: list[PilotLine]
    total: PilotLine
