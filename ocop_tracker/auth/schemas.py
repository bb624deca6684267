"""The API's view of signing in and tokens."""

import datetime as dt

from pydantic import Field, StrictInt

from ocop_tracker.core.schemas import Schema
from ocop_tracker.users.schemas import UserRead


class LoginBody(Schema):
    """Credentials."""

    login: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Me(Schema):
    """The signed-in user, and the CSRF token to send as ``X-CSRF-Token``."""

    user: UserRead
    csrf_token: str | None


class PasswordChange(Schema):
    """Change one's own password."""

    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class TokenCreate(Schema):
    """A new personal API token."""

    name: str = Field(min_length=1, max_length=80)
    days: StrictInt | None = Field(default=None, ge=1, le=366)


class TokenRead(Schema):
    """A token as listed (never its value)."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreated(Schema):
    """The token's value, shown this once."""

    token: str
    info: TokenRead
