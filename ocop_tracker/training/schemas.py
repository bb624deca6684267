"""The API's view of training sessions, their attendees, topics and coaching visits.

Lengths, days and who may attend are checked by the service so that a refusal
names the field in Vietnamese; the caps here are generous limits against
oversized input.
"""

import datetime as dt

from pydantic import Field

from ocop_tracker.core.schemas import IsoDate, Schema
from ocop_tracker.training.models import MAX_ATTENDEES, CoachingStep, TrainerKind

ID = Field(ge=1, le=10**11)


class TopicRead(Schema):
    """A topic sessions are held on; a retired one is no longer offered."""

    id: int
    code: str
    name: str
    position: int
    retired_on: dt.date | None


class SessionCreate(Schema):
    """A session held in an area (a hamlet, a commune…) on a day."""

    area_id: int = ID
    held_on: IsoDate
    topic_id: int = ID
    place: str = Field(max_length=1000)
    trainer_kind: TrainerKind
    trainer_name: str = Field(max_length=1000)
    note: str | None = Field(default=None, max_length=5000)


class SessionUpdate(Schema):
    """Change a session's facts (its attendees have their own route)."""

    held_on: IsoDate | None = None
    topic_id: int | None = Field(default=None, ge=1, le=10**11)
    place: str | None = Field(default=None, max_length=1000)
    trainer_kind: TrainerKind | None = None
    trainer_name: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=5000)
    version: int | None = None


class AttendeeRead(Schema):
    """A producer or a team member at the session."""

    producer_id: int | None
    member_id: int | None
    name: str


class SessionRead(Schema):
    """A session with its attendees."""

    id: int
    area_id: int
    area_name: str
    held_on: dt.date
    topic_id: int
    topic: str
    place: str
    trainer_kind: TrainerKind
    trainer_name: str
    note: str | None
    attendee_count: int
    attendees: list[AttendeeRead]
    version: int


class SessionLine(Schema):
    """A session in a list (its attendees counted, not named)."""

    id: int
    area_id: int
    area_name: str
    held_on: dt.date
    topic: str
    place: str
    trainer_kind: TrainerKind
    trainer_name: str
    attendee_count: int


class AttendeesWrite(Schema):
    """The whole list of who attended: producers and team members of the area."""

    producer_ids: list[int] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    member_ids: list[int] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    version: int | None = None


class VisitCreate(Schema):
    """A coaching visit at the producer's, about one step."""

    visited_on: IsoDate
    step: CoachingStep
    coach_name: str | None = Field(
        default=None,
        max_length=1000,
        description="who coached; the signed-in user's name when left out",
    )
    note: str | None = Field(default=None, max_length=5000)


class VisitRead(Schema):
    """A coaching visit."""

    id: int
    producer_id: int
    hamlet_id: int
    visited_on: dt.date
    step: CoachingStep
    coach_name: str
    note: str | None
    version: int
