"""The keys a browser's outbox sends with each queued form (``Idempotency-Key``)."""

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.core.base import Base, IdMixin, utcnow


class FormKey(IdMixin, Base):
    """One form a user sent with a key: what it held, and what it answered.

    Written in the same transaction as the form's change, so a key is kept
    exactly when the change is; a refused form gives its key back. Not in the
    audit trail: it is bookkeeping, like a photo upload's key.
    """

    __tablename__ = "form_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    # SHA-256 of the path and the form's fields (the CSRF token aside, files by
    # their own SHA-256): the same key with other contents is refused.
    body_sha256: Mapped[str] = mapped_column(String(64))
    # The first answer (a page form's 303 and where it led), noted once sent.
    status_code: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)
