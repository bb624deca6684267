"""Pilots (issue 17 item 4): the plan runs a three-month pilot in a few units
before the whole province. A pilot is data — a name, a start and an end day,
and its units (hamlets or communes) —, so the dashboard can show its window
and the closing report compare each unit's start and end figures."""

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import Base, IdMixin, TimestampMixin, VersionedMixin


class Pilot(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """A pilot: its name and window (both days included)."""

    __tablename__ = "pilots"

    name: Mapped[str] = mapped_column(String(200))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    # The area of whoever set it up: who else may see and change it.
    area_id: Mapped[int | None] = unit_ref()
    note: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (CheckConstraint("end_on >= start_on", name="window"),)


class PilotUnit(IdMixin, Audited, Base):
    """A unit taking part in a pilot."""

    __tablename__ = "pilot_units"

    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = unit_ref(index=True)

    __table_args__ = (UniqueConstraint("pilot_id", "unit_id"),)
