"""A form sent twice is written once: the ``Idempotency-Key`` of page forms.

The phone's outbox (``static/js/outbox.js``) sends every queued form with a key
of its own. The first request that carries a key claims it inside its own
transaction (``claim``, called where the caller is known, ``auth/deps.py``), so
the key is kept exactly when the form's change is; a refused form (a refusal
the page shows, ``core.db.refusable``) gives its key back, so the member may
correct it and send it again. Once the answer is sent, its status and
``Location`` are noted on the key (``FormKeyMiddleware``, a short transaction of
its own; a 4xx or 5xx there also gives the key back). A later request with the
same key and the same fields gets that first answer again (a page form's 303 to
where it led), without running again — or, in the moment before the answer is
noted, a 303 to the home page's "already recorded" notice; the same key with
other fields is refused (422). The key is bound to the signed-in user, the path
and the fields, not to the session: a member whose session ran out while
offline signs in again and the queue is sent with its own keys.

Only pages' forms (``application/x-www-form-urlencoded``, ``multipart/form-data``)
outside ``/api/`` take part; the API's photo upload keeps its own keys.
"""

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import GIVE_BACK, execute_dml
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.offline.models import FormKey

HEADER = "idempotency-key"
KEEP = dt.timedelta(days=7)
_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,100}")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
# The request scope's state entry naming the key a request claimed (its id).
CLAIMED = "form_key_id"
# The field that changes with every session; a key outlives its session.
_UNHASHED = frozenset({"csrf_token"})


class KeyReused(InvalidInput):
    """The same key came back with other contents."""

    code = "idempotency_key_reused"


class Replayed(Exception):
    """The key was claimed by an earlier request that went through."""

    def __init__(self, row: FormKey) -> None:
        super().__init__(row.key)
        self.status_code = row.status_code
        self.location = row.location


@dataclass(frozen=True)
class SentForm:
    """A page form sent with a key: the key and its fields' fingerprint."""

    key: str
    digest: str


def takes_part(request: Request) -> bool:
    """True for a page's form POST carrying a key."""
    return (
        request.method == "POST"
        and HEADER in request.headers
        and not request.url.path.startswith("/api/")
        and request.headers.get("content-type", "").startswith(_FORMS)
    )


async def sent_form(request: Request) -> SentForm | None:
    """The key and fingerprint of a page form sent with a key (None otherwise).

    The form is parsed once (Starlette keeps it for the route). Files count by
    their bytes' SHA-256; the multipart boundary and the CSRF token do not, so
    the same queued form sent again, in a new session, has the same fingerprint.
    """
    if not takes_part(request):
        return None
    key = request.headers[HEADER]
    if not _KEY.fullmatch(key):
        raise InvalidInput(
            "Khóa gửi (Idempotency-Key) không hợp lệ: 8–100 ký tự chữ, số hoặc - _ . :"
        )
    form = await request.form()
    fields: list[list[str]] = []
    for name, value in form.multi_items():
        if name in _UNHASHED:
            continue
        if isinstance(value, UploadFile):
            content = await value.read()
            await value.seek(0)
            fields.append([name, "file", hashlib.sha256(content).hexdigest()])
        else:
            fields.append([name, "text", value])
    fields.sort(key=lambda f: f[0])  # stable: a name's values keep their order
    body = json.dumps([request.url.path, fields], ensure_ascii=False)
    return SentForm(key, hashlib.sha256(body.encode()).hexdigest())


def claim(session: Session, request: Request, user_id: int, sent: SentForm) -> None:
    """Claim ``sent.key`` for ``user_id`` in the request's transaction.

    Raises ``Replayed`` when an earlier request with the key and the same
    fields went through, ``KeyReused`` when its fields differ. Two requests
    with one key at once: the second waits for the first's commit (SQLite's
    write lock; PostgreSQL's unique index) and is then answered as a replay.
    """
    earlier = _claimed(session, user_id, sent.key)
    if earlier is None:
        row = FormKey(user_id=user_id, key=sent.key, body_sha256=sent.digest)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            earlier = _claimed(session, user_id, sent.key)
            if earlier is None:
                raise
        else:
            session.info.setdefault(GIVE_BACK, []).append(row)
            request.scope.setdefault("state", {})[CLAIMED] = row.id
            return
    if earlier.body_sha256 != sent.digest:
        raise KeyReused(
            "Việc này trùng khóa gửi với một việc khác đã gửi; "
            "hãy mở lại trang và gửi lại."
        )
    raise Replayed(earlier)


def _claimed(session: Session, user_id: int, key: str) -> FormKey | None:
    return session.scalar(
        select(FormKey).where(FormKey.user_id == user_id, FormKey.key == key)
    )


def replayed_response(status_code: int | None, location: str | None) -> Response:
    """What a replay answers: the first answer's redirect; before it was noted,
    the home page with a notice that the work was already recorded."""
    if status_code is not None and 300 <= status_code < 400 and location:
        response = RedirectResponse(location, status_code=status_code)
    else:
        response = RedirectResponse("/?done=already_sent", status_code=303)
    response.headers["idempotent-replayed"] = "true"
    return response


def settle(
    session: Session, key_id: int, status_code: int, location: str | None
) -> None:
    """Note the answer of the request that claimed ``key_id``; a refusal
    (4xx, 5xx) gives the key back."""
    if status_code >= 400:
        execute_dml(session, delete(FormKey).where(FormKey.id == key_id))
        return
    execute_dml(
        session,
        update(FormKey)
        .where(FormKey.id == key_id)
        .values(status_code=status_code, location=(location or "")[:500] or None),
    )


def forget_old(session: Session, now: dt.datetime | None = None) -> int:
    """Forget keys older than a week (an outbox sends within days); how many."""
    before = (now or utcnow()) - KEEP
    return int(
        execute_dml(session, delete(FormKey).where(FormKey.created_at < before)) or 0
    )


__all__ = [
    "CLAIMED",
    "HEADER",
    "KeyReused",
    "Replayed",
    "SentForm",
    "claim",
    "forget_old",
    "replayed_response",
    "sent_form",
    "settle",
    "takes_part",
]
