"""Reads of sign-in: a user's own API tokens.

Nothing here writes; sessions, passwords and tokens are issued and revoked in
``auth/service.py``. A user reads only their own tokens.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.auth.models import ApiToken
from ocop_tracker.users.models import User


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.id.desc())
        )
    )
