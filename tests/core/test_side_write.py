"""``core.db.side_write``: a read request's small write on the side."""

from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from ocop_tracker.audit import context as audit_context
from ocop_tracker.core.db import READ_ONLY, SIDE_SESSIONS, side_write


def test_a_side_session_carries_the_audit_context_and_nothing_else() -> None:
    engine = create_engine("sqlite://")
    seen: dict[str, Any] = {}
    info = {SIDE_SESSIONS: sessionmaker(engine), READ_ONLY: True, "noted": {1}}
    with Session(engine, info=info) as session:
        audit_context.set_actor(session, actor_id=7, actor_login="canbo")
        written = side_write(session, lambda side: seen.update(side.info), what="t")
        ctx = audit_context.get(session)
    assert written
    assert seen == {audit_context.KEY: ctx}
    assert (ctx.actor_id, ctx.actor_login) == (7, "canbo")
    engine.dispose()


def test_a_side_session_without_an_audit_context_starts_empty() -> None:
    engine = create_engine("sqlite://")
    seen: dict[str, Any] = {"before": True}
    info = {SIDE_SESSIONS: sessionmaker(engine), READ_ONLY: True, "noted": {1}}
    with Session(engine, info=info) as session:
        side_write(session, lambda side: seen.update(side.info, before=False), what="t")
    assert seen == {"before": False}
    engine.dispose()
