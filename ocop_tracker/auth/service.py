"""Signing in and out, sessions, API tokens and login throttling."""

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ocop_tracker.audit import context as audit_context
from ocop_tracker.audit.listener import record
from ocop_tracker.auth import security
from ocop_tracker.auth.models import ApiToken, AuthSession, LoginAttempt
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.db import begin_read, begin_write, execute_dml, side_write
from ocop_tracker.core.errors import InvalidInput, NotFound, TooManyRequests
from ocop_tracker.core.text import has_forbidden_chars, normalize
from ocop_tracker.users import passwords
from ocop_tracker.users.models import User

TOKEN_PREFIX = "ocop_"
BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
# Write last_seen_at at most this often: a read should not always cost a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


def login_key(login: str) -> str:
    """The form a login is stored and compared in: NFC, trimmed, case-folded."""
    return normalize(login).casefold()


@dataclass
class LoginResult:
    """A successful sign-in: the user, the new session and its cookie value."""

    user: User
    auth_session: AuthSession
    token: str


def _failures_since(
    session: Session, whose: ColumnElement[bool], since: dt.datetime
) -> int:
    """Failed sign-ins matching ``whose`` (an account, an address) since ``since``."""
    count = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(whose, LoginAttempt.at >= since)
    )
    return count or 0


def _throttle(session: Session, key: str, client_ip: str | None) -> None:
    settings = get_settings()
    since = utcnow() - dt.timedelta(hours=1)
    per_account = _failures_since(session, LoginAttempt.login_key == key, since)
    per_address = 0
    if client_ip:
        per_address = _failures_since(
            session, LoginAttempt.client_ip == client_ip, since
        )
    if (
        per_account >= settings.login_failures_per_account
        or per_address >= settings.login_failures_per_address
    ):
        raise TooManyRequests(
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau ít phút.",
            retry_after=900,
        )


def authenticate(
    session: Session,
    *,
    login: str,
    password: str,
    client_ip: str | None,
    user_agent: str | None,
) -> LoginResult | None:
    """Check a login and password; on success open a session, else record the failure.

    Unknown login and wrong password cost the same time and give the same
    answer. The caller commits in both cases (a failure must be counted).
    """
    key = login_key(login)[:64]
    # The password check takes a tenth of a second or more: on SQLite it runs
    # before the transaction takes the one write lock, so a team signing in
    # together does not queue behind it; then what it relied on is read again.
    begin_read(session)
    _throttle(session, key, client_ip)
    found = session.scalar(select(User.password_hash).where(User.login == key))
    ok = security.verify_password(found, password)
    begin_write(session)
    _throttle(session, key, client_ip)
    user = session.scalar(select(User).where(User.login == key))
    if user is None or user.password_hash != found:  # changed meanwhile
        ok = False
    now = utcnow()
    if ok and user is not None and user.must_change_password:
        ok = user.password_expires_at is None or user.password_expires_at > now
    if not ok or user is None or not user.is_active:
        session.add(LoginAttempt(login_key=key, client_ip=client_ip, at=now))
        record(
            session,
            "login_failure",
            object_type="users",
            object_id=user.id if user else None,
            detail=f"login={key}",
            actor_id=None,
            actor_login=key,
        )
        return None
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    audit_context.set_actor(session, actor_id=user.id, actor_login=user.login)
    token, auth_session = open_session(
        session, user, client_ip=client_ip, user_agent=user_agent
    )
    record(
        session,
        "login_success",
        object_type="users",
        object_id=user.id,
        area_id=user.area_id,
    )
    return LoginResult(user=user, auth_session=auth_session, token=token)


def open_session(
    session: Session, user: User, *, client_ip: str | None, user_agent: str | None
) -> tuple[str, AuthSession]:
    """A new server-side session for ``user``; returns the cookie value."""
    settings = get_settings()
    token = security.new_token()
    now = utcnow()
    auth_session = AuthSession(
        token_hash=security.digest(token),
        user_id=user.id,
        csrf_token=security.new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(days=settings.session_max_days),
        client_ip=client_ip,
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(auth_session)
    session.flush()
    return token, auth_session


_Credential = TypeVar("_Credential", AuthSession, ApiToken)


def _holder(
    session: Session, model: type[_Credential], secret: str
) -> tuple[_Credential, User] | None:
    """The credential whose hash ``secret`` has, with its user, or None when
    there is none, it is revoked or its user is inactive.

    The credential and its user in one statement: every request pays this read.
    """
    found = session.execute(
        select(model, User)
        .join(User, User.id == model.user_id)
        .where(model.token_hash == security.digest(secret))
    ).one_or_none()
    if found is None:
        return None
    credential, user = found
    if credential.revoked_at is not None or not user.is_active:
        return None
    return credential, user


def _touch(
    session: Session,
    credential: _Credential,
    column: str,
    now: dt.datetime,
    *,
    what: str,
) -> None:
    """Write ``now`` into the credential's last-seen/last-used ``column`` on the
    side (``what`` names it in the log), and keep it as committed."""
    model, row_id = type(credential), credential.id
    side_write(
        session,
        lambda s: s.execute(
            update(model).where(model.id == row_id).values({column: now})
        ),
        what=what,
    )
    set_committed_value(credential, column, now)


def resolve_session(session: Session, token: str) -> tuple[User, AuthSession] | None:
    """The live session behind a cookie value, or None (expired, idle, revoked)."""
    settings = get_settings()
    found = _holder(session, AuthSession, token)
    if found is None:
        return None
    auth_session, user = found
    now = utcnow()
    idle_limit = auth_session.last_seen_at + dt.timedelta(
        hours=settings.session_idle_hours
    )
    if auth_session.expires_at <= now or idle_limit <= now:
        return None
    if now - auth_session.last_seen_at >= TOUCH_EVERY:
        _touch(
            session, auth_session, "last_seen_at", now, what="session last-seen time"
        )
    return user, auth_session


def logout(session: Session, auth_session: AuthSession) -> None:
    """End one session."""
    auth_session.revoked_at = utcnow()
    record(session, "logout", object_type="auth_sessions", object_id=auth_session.id)


def revoke_sessions(
    session: Session, user_id: int, *, keep_id: int | None = None, reason: str
) -> int:
    """End every live session of a user (but ``keep_id``); returns how many."""
    stmt = (
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep_id is not None:
        stmt = stmt.where(AuthSession.id != keep_id)
    count = execute_dml(session, stmt)
    if count:
        record(
            session,
            "sessions_revoked",
            object_type="users",
            object_id=user_id,
            detail=f"{count} session(s): {reason}",
        )
    return int(count or 0)


def change_password(
    session: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    current_session: AuthSession | None,
) -> str | None:
    """Change one's own password; other sessions end, this one gets a new token."""
    if not security.verify_password(user.password_hash, current_password):
        raise InvalidInput("Mật khẩu hiện tại không đúng.", field="current_password")
    set_password(session, user, new_password, one_time=False)
    revoke_sessions(session, user.id, reason="password changed")
    if current_session is None:
        return None
    token, _ = open_session(
        session,
        user,
        client_ip=current_session.client_ip,
        user_agent=current_session.user_agent,
    )
    return token


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    one_time: bool,
    field: str = "new_password",
) -> None:
    """Store a new password hash after checking the rules (refusals name ``field``)."""
    if security.verify_password(user.password_hash, password) and not one_time:
        raise InvalidInput("Mật khẩu mới phải khác mật khẩu hiện tại.", field=field)
    passwords.check(password, context=(user.login, user.display_name), field=field)
    user.password_hash = security.hash_password(password)
    now = utcnow()
    user.password_changed_at = now
    user.must_change_password = one_time
    user.password_expires_at = now + dt.timedelta(hours=24) if one_time else None
    session.flush()


# --- API tokens --------------------------------------------------------------


def create_token(
    session: Session, user: User, *, name: str, days: int | None = None
) -> tuple[str, ApiToken]:
    """A new personal token; the plain value is returned once and never stored."""
    if has_forbidden_chars(name):
        raise InvalidInput(
            "Tên token có ký tự điều khiển hoặc ký tự ẩn; hãy gõ lại.", field="name"
        )
    clean = normalize(name)
    if not clean or len(clean) > 80:
        raise InvalidInput("Tên token cần 1–80 ký tự.", field="name")
    plain = TOKEN_PREFIX + security.new_token()
    token = ApiToken(
        user_id=user.id,
        name=clean,
        token_hash=security.digest(plain),
        prefix=plain[:12],
        expires_at=utcnow() + dt.timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    return plain, token


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("Không tìm thấy token này.")
    if token.user_id != user.id:
        raise OutOfScope("Không tìm thấy token này.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def resolve_token(session: Session, plain: str) -> User | None:
    """The active user behind a bearer token, or None."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    found = _holder(session, ApiToken, plain)
    if found is None:
        return None
    token, user = found
    now = utcnow()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        _touch(session, token, "last_used_at", now, what="token last-used time")
    return user


def forget_old_attempts(session: Session) -> int:
    """Drop failed-login rows older than a day (they no longer count)."""
    cutoff = utcnow() - dt.timedelta(days=1)
    return int(
        execute_dml(session, delete(LoginAttempt).where(LoginAttempt.at < cutoff)) or 0
    )
