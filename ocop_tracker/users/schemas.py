"""The API's view of users."""

import datetime as dt

from pydantic import Field, StrictBool

from ocop_tracker.core.schemas import Schema
from ocop_tracker.users.models import Role


class UserRead(Schema):
    """An account as others see it (never the password hash)."""

    id: int
    login: str
    display_name: str
    role: Role
    area_id: int | None
    is_active: bool
    must_change_password: bool
    version: int
    created_at: dt.datetime


class UserCreate(Schema):
    """A new account; without a password, a one-time password is generated."""

    login: str = Field(min_length=3, max_length=64)
    display_name: str = Field(min_length=1, max_length=120)
    role: Role
    area_id: int | None = None
    password: str | None = Field(default=None, max_length=256)


class UserCreated(Schema):
    """The new account, and its one-time password when one was generated."""

    user: UserRead
    one_time_password: str | None


class UserUpdate(Schema):
    """Fields to change; ``version`` guards against overwriting someone else's edit."""

    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    role: Role | None = None
    area_id: int | None = None
    is_active: StrictBool | None = None
    version: int | None = None


class PasswordReset(Schema):
    """A fresh one-time password, shown once."""

    one_time_password: str
