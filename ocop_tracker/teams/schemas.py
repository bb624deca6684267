"""The API's view of teams and their members."""

import datetime as dt

from pydantic import Field

from ocop_tracker.core.schemas import Schema
from ocop_tracker.teams.models import Background, Position


class TeamRead(Schema):
    """A hamlet's digital team."""

    id: int
    hamlet_id: int
    hamlet_name: str
    member_count: int
    group_name: str
    version: int


class TeamCreate(Schema):
    """Start the team of a hamlet."""

    hamlet_id: int


class MemberRead(Schema):
    """A team member."""

    id: int
    team_id: int
    full_name: str
    position: Position
    background: Background
    phone: str | None
    user_id: int | None
    version: int


class MemberCreate(Schema):
    """A new team member."""

    full_name: str = Field(min_length=1, max_length=120)
    position: Position = Position.member
    background: Background = Background.resident
    phone: str | None = Field(default=None, max_length=30)
    user_id: int | None = None


class MemberUpdate(Schema):
    """Fields to change on a member; ``version`` guards against lost edits."""

    full_name: str | None = Field(default=None, min_length=1, max_length=120)
    position: Position | None = None
    background: Background | None = None
    phone: str | None = Field(default=None, max_length=30)
    user_id: int | None = None
    version: int | None = None


class DecisionRead(Schema):
    """The commune's decision establishing the team; its file is fetched apart."""

    team_id: int
    number: str
    decided_on: dt.date
    signer: str
    media_type: str | None
    document_name: str | None
    document_size: int
    document_sha256: str | None
    version: int
