"""The append-only audit trail: who did what to which object, when, from where."""

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.core.base import Base, utcnow


class Audited:
    """Mixin: every insert, update and delete of the model lands in audit_events.

    ``__audit_exclude__`` names columns never copied into the trail (secrets).
    """

    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()


class AuditEvent(Base):
    """One audited action. Rows are never updated or deleted (a trigger refuses)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_login: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    # The area the object belongs to, so trails can be scoped like everything else.
    area_id: Mapped[int | None] = mapped_column(index=True)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    request_id: Mapped[str | None] = mapped_column(String(32))
    changed: Mapped[list[str] | None] = mapped_column(JSON)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)
