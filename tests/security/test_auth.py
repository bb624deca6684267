"""Passwords, sign-in, sessions, throttling and CSRF (SECURITY.md T6, T10–T16)."""

import datetime as dt
import hashlib
import re
import statistics
import time
import unicodedata

import pytest
import time_machine
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth import security
from ocop_tracker.auth.models import AuthSession, LoginAttempt
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.users import passwords
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role, User
from tests.conftest import SignIn
from tests.factories import unit

COOKIE = "__Host-ocop_session"
PASSWORD = "mua-lua-thom-2026"


def _client(app: FastAPI, ip: str = "127.0.0.1") -> TestClient:
    return TestClient(
        app,
        base_url="https://127.0.0.1",
        client=(ip, 50000),
        raise_server_exceptions=False,
    )


def _login(c: TestClient, login: str, password: str = PASSWORD) -> dict[str, object]:
    response = c.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    c.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return dict(response.json())


# --- T10, T11: password storage and rules -------------------------------------------


def test_passwords_are_argon2id_with_strong_parameters_and_salt() -> None:
    first, second = (
        security.hash_password("một câu mật khẩu"),
        security.hash_password("một câu mật khẩu"),
    )
    assert first != second
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$", first)
    assert match
    memory, time_cost, lanes = (int(g) for g in match.groups()[:3])
    assert memory >= 19456 and time_cost >= 2 and lanes >= 1  # noqa: PT018
    assert len(match.group(4)) >= 22  # 16-byte salt, base64
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        assert security.verify_password(first, "một câu mật khẩu")
        samples.append(time.perf_counter() - start)
    assert 0.01 < statistics.median(samples) < 2.0


def test_nfd_and_nfc_forms_of_a_password_both_verify() -> None:
    nfc = "mậtkhẩu của tổ ấp"
    stored = security.hash_password(nfc)
    assert security.verify_password(stored, unicodedata.normalize("NFD", nfc))
    assert not security.verify_password(stored, nfc.upper())
    assert not security.verify_password(stored, nfc + " ")  # no trimming


@pytest.mark.parametrize(
    "bad",
    [
        "ngắn quá",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "ocop123456",
        "OCOP-2026!",
        "x" * 129,
    ],
)
def test_weak_passwords_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        passwords.check(bad)


@pytest.mark.parametrize("good", ["đi chợ nổi Ngã Năm", "a" * 64 + "Z", "b7" * 64])
def test_long_or_unusual_passwords_are_accepted(good: str) -> None:
    passwords.check(good)


def test_context_words_are_refused() -> None:
    with pytest.raises(InvalidInput):
        passwords.check("thanhvien.khom3!", context=("thanhvien.khom3",))


def test_old_hash_parameters_are_upgraded_at_the_next_sign_in(
    app: FastAPI, session: Session
) -> None:
    user = user_repository.by_login(session, "thanhvien.anthuong")
    assert user is not None
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    user.password_hash = weak.hash(PASSWORD)
    session.commit()
    with _client(app) as c:
        _login(c, "thanhvien.anthuong")
    upgraded = user_repository.by_login(session, "thanhvien.anthuong")
    assert upgraded is not None
    assert "m=65536,t=3,p=4" in upgraded.password_hash


# --- T13: the cookie --------------------------------------------------------------------


def test_session_cookie_flags_and_token(app: FastAPI, session: Session) -> None:
    with _client(app) as c:
        response = c.post(
            "/api/v1/auth/login", json={"login": "totruong.khom3", "password": PASSWORD}
        )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert "domain" not in cookie.lower()
    token = cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 43  # 256 random bits, URL-safe base64
    stored = session.scalars(select(AuthSession.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert token not in stored


# --- T12: throttling and enumeration ----------------------------------------------------------


def test_failed_sign_ins_are_throttled_per_account_whatever_the_address(
    app: FastAPI, session: Session
) -> None:
    key = "totruong.anthuong"
    now = dt.datetime.now(dt.UTC)
    session.add_all(
        LoginAttempt(login_key=key, client_ip=f"10.0.0.{i % 50}", at=now)
        for i in range(99)
    )
    session.commit()
    with _client(app, "127.0.0.2") as c:
        assert (
            c.post(
                "/api/v1/auth/login", json={"login": key, "password": "sai mật khẩu"}
            ).status_code
            == 401
        )
        throttled = c.post(
            "/api/v1/auth/login", json={"login": key, "password": PASSWORD}
        )
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    with _client(
        app, "127.0.0.9"
    ) as other:  # another address does not raise the ceiling
        assert (
            other.post(
                "/api/v1/auth/login", json={"login": key, "password": PASSWORD}
            ).status_code
            == 429
        )
        # other accounts are unaffected
        assert (
            other.post(
                "/api/v1/auth/login",
                json={"login": "totruong.khom3", "password": PASSWORD},
            ).status_code
            == 200
        )


def test_unknown_user_and_wrong_password_look_the_same(app: FastAPI) -> None:
    with _client(app) as c:
        unknown = c.post(
            "/api/v1/auth/login",
            json={"login": "khong.ton.tai", "password": "sai mật khẩu 1"},
        )
        wrong = c.post(
            "/api/v1/auth/login",
            json={"login": "totruong.khom3", "password": "sai mật khẩu 1"},
        )
        times: dict[str, list[float]] = {"unknown": [], "wrong": []}
        for _ in range(7):
            for name, login in (
                ("unknown", "khong.ton.tai"),
                ("wrong", "totruong.khom3"),
            ):
                start = time.perf_counter()
                c.post(
                    "/api/v1/auth/login",
                    json={"login": login, "password": "sai mật khẩu 2"},
                )
                times[name].append(time.perf_counter() - start)
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    ratio = statistics.median(times["unknown"]) / statistics.median(times["wrong"])
    assert 0.5 < ratio < 2.0  # both pay for one argon2 verification


def test_sign_in_failures_and_successes_are_audited(
    app: FastAPI, session: Session
) -> None:
    def count(action: str) -> int:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == action)
            )
            or 0
        )

    failures, successes = count("login_failure"), count("login_success")
    with _client(app) as c:
        c.post(
            "/api/v1/auth/login",
            json={"login": "totruong.khom3", "password": "CANARY-PASSWORD-1"},
        )
        _login(c, "totruong.khom3")
    assert (count("login_failure"), count("login_success")) == (
        failures + 1,
        successes + 1,
    )
    details = " ".join(str(e.detail) for e in session.scalars(select(AuditEvent)))
    assert "CANARY-PASSWORD-1" not in details


# --- T14: session lifecycle ---------------------------------------------------------------------


def test_a_cookie_planted_before_sign_in_is_not_kept(app: FastAPI) -> None:
    with _client(app) as c:
        c.cookies.set(COOKIE, "attacker-chosen-value")
        response = c.post(
            "/api/v1/auth/login", json={"login": "totruong.khom3", "password": PASSWORD}
        )
        assert "attacker-chosen-value" not in response.headers["set-cookie"]


def test_logout_then_replay_is_refused(app: FastAPI) -> None:
    with _client(app) as c:
        _login(c, "totruong.khom3")
        token = c.cookies.get(COOKIE)
        assert c.post("/api/v1/auth/logout").status_code == 204
    with _client(app) as replay:
        replay.cookies.set(COOKIE, str(token))
        assert replay.get("/api/v1/me").status_code == 401


def test_idle_and_absolute_timeouts(sign_in: SignIn) -> None:
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        idle = sign_in("thanhvien.khom3")
        busy = sign_in("totruong.khom3")
        traveller.shift(dt.timedelta(hours=7, minutes=59))
        assert idle.get("/api/v1/me").status_code == 200
        traveller.shift(dt.timedelta(hours=8, minutes=1))
        assert idle.get("/api/v1/me").status_code == 401
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(7 * 24):
            assert busy.get("/api/v1/me").status_code == 200
            traveller.shift(dt.timedelta(hours=1))
        traveller.shift(dt.timedelta(minutes=1))
        assert busy.get("/api/v1/me").status_code == 401


def test_password_change_ends_other_sessions_and_renews_this_one(
    app: FastAPI, sign_in: SignIn
) -> None:
    other = sign_in("totruong.chauthanh")
    with _client(app) as c:
        _login(c, "totruong.chauthanh")
        old = c.cookies.get(COOKIE)
        response = c.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": "rau răm bạc hà 2026"},
        )
        assert response.status_code == 200, response.text
        assert c.cookies.get(COOKIE) != old
        c.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        assert c.get("/api/v1/me").status_code == 200
    assert other.get("/api/v1/me").status_code == 401


def test_admin_ends_a_users_sessions(
    admin: TestClient, sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.anthuong")
    user = user_repository.by_login(session, "thanhvien.anthuong")
    assert user is not None
    assert admin.post(f"/api/v1/users/{user.id}/sessions/revoke").status_code == 204
    assert member.get("/api/v1/me").status_code == 401


def test_one_time_password_must_be_changed_first_and_expires(
    app: FastAPI, session: Session
) -> None:
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    _, one_time = user_service.create_user(
        session,
        None,
        login="moi.tam",
        display_name="Người Mới",
        role=Role.team_member,
        area_id=hamlet.id,
    )
    session.commit()
    assert one_time
    with _client(app) as c:
        _login(c, "moi.tam", one_time)
        assert c.get("/api/v1/areas").status_code == 403
        assert c.get("/api/v1/me").json()["user"]["must_change_password"] is True
    with (
        time_machine.travel(
            dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)
        ),
        _client(app) as late,
    ):
        assert (
            late.post(
                "/api/v1/auth/login", json={"login": "moi.tam", "password": one_time}
            ).status_code
            == 401
        )


# --- T6: changes apply on the next request -----------------------------------------------------------


def test_role_area_and_disabling_apply_on_the_next_request(
    sign_in: SignIn, session: Session, admin: TestClient
) -> None:
    member = sign_in("thanhvien.khom3")
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    an_thuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    assert member.get(f"/api/v1/areas/{khom3.id}").status_code == 200
    user = user_repository.by_login(session, "thanhvien.khom3")
    assert user is not None
    assert (
        admin.patch(
            f"/api/v1/users/{user.id}", json={"area_id": an_thuong.id}
        ).status_code
        == 200
    )
    assert member.get(f"/api/v1/areas/{khom3.id}").status_code == 404
    assert member.get(f"/api/v1/areas/{an_thuong.id}").status_code == 200
    assert member.get("/api/v1/users").status_code == 403
    assert (
        admin.patch(f"/api/v1/users/{user.id}", json={"is_active": False}).status_code
        == 200
    )
    assert member.get("/api/v1/me").status_code == 401


# --- T15: no default accounts ------------------------------------------------------------------------


def test_a_fresh_schema_has_no_accounts(tmp_path: "object") -> None:
    from pathlib import Path

    from alembic import command
    from sqlalchemy import create_engine

    from ocop_tracker.core.migrate import alembic_config
    from tests.dbutil import fresh_database

    with fresh_database(Path(str(tmp_path)), "fresh") as url:
        command.upgrade(alembic_config(url), "head")
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(User)) == 0
        engine.dispose()


# --- T16: CSRF ------------------------------------------------------------------------------------------


def test_state_changes_need_the_sessions_csrf_token(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    other = sign_in("totruong.anthuong")
    team = session.scalar(select(User).where(User.login == "totruong.khom3"))
    assert team is not None
    teams = leader.get("/api/v1/teams").json()["items"]
    url = f"/api/v1/teams/{teams[0]['id']}/members"
    body = {"full_name": "Người Ngoài"}
    good = leader.headers["X-CSRF-Token"]
    cases = [
        {"X-CSRF-Token": ""},
        {"X-CSRF-Token": other.headers["X-CSRF-Token"]},
        {"X-CSRF-Token": good, "Sec-Fetch-Site": "cross-site"},
        {"X-CSRF-Token": good, "Origin": "https://evil.example"},
    ]
    for headers in cases:
        leader.headers.update(headers)
        response = leader.post(url, json=body)
        assert response.status_code == 403, headers
        assert response.json()["error"] == "csrf"
        leader.headers.pop("Sec-Fetch-Site", None)
        leader.headers.pop("Origin", None)
    leader.headers["X-CSRF-Token"] = good
    leader.headers["Sec-Fetch-Site"] = "same-origin"
    assert leader.post(url, json=body).status_code == 201


def test_json_sent_as_text_plain_is_not_accepted(sign_in: SignIn) -> None:
    leader = sign_in("totruong.khom3")
    team_id = leader.get("/api/v1/teams").json()["items"][0]["id"]
    response = leader.post(
        f"/api/v1/teams/{team_id}/members",
        content='{"full_name": "Người Ngoài"}'.encode(),
        headers={"content-type": "text/plain"},
    )
    assert response.status_code in (415, 422)


def test_login_form_needs_its_nonce(app: FastAPI) -> None:
    with _client(app) as c:
        refused = c.post(
            "/login",
            data={"login": "totruong.khom3", "password": PASSWORD},
            headers={"accept": "text/html"},
        )
        assert refused.status_code == 403
        page = c.get("/login", headers={"accept": "text/html"})
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
        assert nonce
        ok = c.post(
            "/login",
            data={
                "login": "totruong.khom3",
                "password": PASSWORD,
                "nonce": nonce.group(1),
                "next": "https://evil.example/x",
            },
            headers={"accept": "text/html"},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        assert ok.headers["location"] == "/"  # never to another site


def test_get_requests_change_nothing(admin: TestClient, session: Session) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    for path in (
        "/",
        "/areas",
        "/api/v1/areas",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/teams",
        "/teams",
        "/users",
    ):
        assert admin.get(path).status_code == 200, path
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
