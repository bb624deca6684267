"""Who is acting in a session, set once per request or command."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.core.db import session_state

KEY = "audit_context"


@dataclass
class AuditContext:
    """The actor and where the request came from."""

    actor_id: int | None = None
    actor_login: str | None = None
    client_ip: str | None = None
    request_id: str | None = None


def get(session: Session) -> AuditContext:
    """The session's context (created empty on first use)."""
    return session_state(session, KEY, AuditContext)


def set_actor(
    session: Session, *, actor_id: int | None, actor_login: str | None
) -> None:
    """Record who acts in this session."""
    ctx = get(session)
    ctx.actor_id, ctx.actor_login = actor_id, actor_login


def set_request(
    session: Session, *, client_ip: str | None, request_id: str | None
) -> None:
    """Record where the request came from."""
    ctx = get(session)
    ctx.client_ip, ctx.request_id = client_ip, request_id
