"""Notes the first answer of a request that claimed a form key (``keys.settle``)."""

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocop_tracker.core.db import get_sessionmaker
from ocop_tracker.offline import keys

log = logging.getLogger(__name__)

# Where the note's session comes from (``app.state``); tests bind it to theirs.
SESSIONS = "form_key_sessions"


class FormKeyMiddleware:
    """After a keyed form's answer has started, note its status and
    ``Location`` on the key for replays, or give the key back when refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        answer: dict[str, object] = {}

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", []):
                    if name == b"location":
                        answer["location"] = value.decode("latin-1")
            await send(message)

        await self.app(scope, receive, noting)
        key_id = (scope.get("state") or {}).get(keys.CLAIMED)
        status = answer.get("status")
        if key_id is None or not isinstance(status, int):
            return
        location = answer.get("location")
        app = scope.get("app")
        sessions = getattr(getattr(app, "state", None), SESSIONS, None)
        await run_in_threadpool(
            _settle,
            sessions or get_sessionmaker(),
            key_id,
            status,
            location if isinstance(location, str) else None,
        )


def _settle(
    sessions: Callable[[], AbstractContextManager[Session]],
    key_id: int,
    status: int,
    location: str | None,
) -> None:
    try:
        with sessions() as session:
            keys.settle(session, key_id, status, location)
            session.commit()
    except Exception:  # the answer is sent; a replay then leads to the notice
        log.warning("form key %s: its answer was not noted", key_id, exc_info=True)
