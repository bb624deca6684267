"""People who sign in, with one role and one area."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import (
    Base,
    IdMixin,
    TimestampMixin,
    VersionedMixin,
    str_enum,
)


class Role(StrEnum):
    """What a user may do; the area says where (SECURITY.md §L3)."""

    admin = "admin"
    department = "department"
    official = "official"
    team_leader = "team_leader"
    team_member = "team_member"


TEAM_ROLES = frozenset({Role.team_leader, Role.team_member})
# SECURITY.md §L3: teams write in their hamlet; officials and admins help them.
WRITERS = frozenset({Role.admin, Role.official, *TEAM_ROLES})
# Who approves or rejects a claim (a listing live, a shop open), in their area.
VERIFIERS = frozenset({Role.admin, Role.department, Role.official})


class User(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """An account: login, display name, role, area, active flag, password hash."""

    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash"})

    # Case-folded NFC login; a phone number is allowed.
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # Folded display name and login, for search on both databases.
    search_key: Mapped[str] = mapped_column(String(250))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    # Every role but admin has an area; without one a user sees nothing.
    area_id: Mapped[int | None] = unit_ref(index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # A one-time password must be changed at first sign-in, before it expires.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_expires_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime | None]
