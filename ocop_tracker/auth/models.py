"""Server-side sign-in sessions, API tokens and the login-attempt ledger."""

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import Base, IdMixin, utcnow


class AuthSession(IdMixin, Base):
    """A signed-in browser: found by the SHA-256 of its cookie's random token."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Synchroniser token for forms and JSON requests made with this cookie.
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    client_ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class ApiToken(IdMixin, Audited, Base):
    """A personal token for scripts, shown once, stored as its SHA-256."""

    __tablename__ = "api_tokens"
    __audit_exclude__ = frozenset({"token_hash"})

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class LoginAttempt(IdMixin, Base):
    """A failed sign-in, counted per account and per address to throttle guessing."""

    __tablename__ = "login_attempts"

    login_key: Mapped[str] = mapped_column(String(64))
    client_ip: Mapped[str | None] = mapped_column(String(45))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_login_attempts_login_key_at", "login_key", "at"),
        Index("ix_login_attempts_client_ip_at", "client_ip", "at"),
    )
