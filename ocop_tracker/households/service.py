"""Commands on a household's private link: issue (or re-issue) it, turn it off,
open it, count a view.

Issuing replaces the stored hash, so a link printed before is dead at once
(SECURITY.md §M). The token is returned once, to be printed on the sheet; only
its SHA-256 is kept. Area scope first, then the role (``check_writer``).
Services never commit; the request owns the transaction.
"""

import re
import secrets

from sqlalchemy.orm import Session

from ocop_tracker.audit import listener as audit
from ocop_tracker.auth.scope import check_writer
from ocop_tracker.auth.security import digest
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import side_write
from ocop_tracker.households import repository
from ocop_tracker.households.models import HouseholdLink
from ocop_tracker.producers.models import Producer
from ocop_tracker.users.models import User

# 24 random bytes: 192 bits, 32 URL-safe characters (a QR code a cheap phone reads).
TOKEN_BYTES = 24
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")
WHAT = "chủ thể"
VIEWED = "household_page_view"


def issue(session: Session, actor: User, producer: Producer) -> str:
    """A new private link for the producer; the one before (if any) stops working."""
    check_writer(session, actor, producer.hamlet_id, WHAT)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = repository.link_of(session, producer.id)
    if link is None:
        link = HouseholdLink(producer_id=producer.id, views=0)
        session.add(link)
    link.token_hash = digest(token)
    link.issued_at = utcnow()
    link.issued_by_id = actor.id
    session.flush()
    return token


def revoke(session: Session, actor: User, producer: Producer) -> bool:
    """Turn the producer's link off; False when there was none."""
    check_writer(session, actor, producer.hamlet_id, WHAT)
    link = repository.link_of(session, producer.id)
    if link is None:
        return False
    session.delete(link)
    session.flush()
    return True


def open_link(session: Session, token: str) -> HouseholdLink | None:
    """The link a token opens; None for a malformed, unknown or replaced one
    (the same lookup by hash either way, so they cost alike)."""
    shaped = TOKEN_SHAPE.fullmatch(token) is not None
    link = repository.by_hash(session, digest(token if shaped else "-"))
    return link if shaped else None


def count_view(session: Session, link: HouseholdLink) -> None:
    """One more view, and its own audit event — counts only: no address, no token."""
    link_id, producer_id = link.id, link.producer_id

    def write(side: Session) -> None:
        found = side.get(HouseholdLink, link_id)
        if found is None:
            return
        found.views += 1
        found.last_viewed_at = utcnow()

    side_write(session, write, what="household page view")
    audit.record(
        session,
        VIEWED,
        object_type=HouseholdLink.__tablename__,
        object_id=producer_id,
        actor_id=None,
        actor_login=None,
    )
