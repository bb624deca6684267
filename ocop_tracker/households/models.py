"""A household's private link (DOMAIN.md: households are users too).

One link per producer: a capability URL (``/h/{token}``) that opens, without an
account, a read-only page of that producer's own progress. Only the token's
SHA-256 is stored (SECURITY.md §M, like session tokens); issuing a new one
replaces it, so the old link is dead at once, and the row goes with the
producer. Views are counted here, never who viewed.
"""

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import Base, IdMixin, utcnow


class HouseholdLink(IdMixin, Audited, Base):
    """The producer's current private link: its hash, who issued it, its views."""

    __tablename__ = "household_links"
    # The hash is a secret's fingerprint and the counters change on every view:
    # neither belongs in the trail (a view has its own event, counts only).
    __audit_exclude__ = frozenset({"token_hash", "views", "last_viewed_at"})

    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    views: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[dt.datetime | None]
