"""The audit trail: one mechanism records every write; nobody rewrites it (T36)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn
from tests.factories import unit


def _events(session: Session, object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(object_id),
            )
            .order_by(AuditEvent.id)
        )
    )


def test_api_writes_are_recorded_with_who_when_where_and_values(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    phuong5 = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    response = official.post(
        f"/api/v1/areas/{phuong5.id}/hamlets", json={"name": "Khóm 7"}
    )
    assert response.status_code == 201
    (event,) = _events(session, "admin_units", response.json()["id"])
    actor = user_repository.by_login(session, "canbo.khom3")
    assert actor is not None
    assert (event.action, event.actor_id, event.actor_login) == (
        "create",
        actor.id,
        "canbo.khom3",
    )
    assert event.client_ip == "testclient" or event.client_ip
    assert event.request_id
    assert response.headers["x-request-id"] == event.request_id
    assert event.after is not None and event.after["name"] == "Khóm 7"  # noqa: PT018
    assert event.at.tzinfo is not None


def test_updates_keep_before_and_after_of_changed_fields_only(
    admin: TestClient, session: Session
) -> None:
    user = user_repository.by_login(session, "thanhvien.anthuong")
    assert user is not None
    assert (
        admin.patch(
            f"/api/v1/users/{user.id}", json={"display_name": "Võ Thị Kim Cúc (sửa)"}
        ).status_code
        == 200
    )
    event = _events(session, "users", user.id)[-1]
    assert event.action == "update"
    assert event.changed == ["display_name", "search_key"]
    assert event.before == {
        "display_name": "Võ Thị Kim Cúc",
        "search_key": "vo thi kim cuc thanhvien.anthuong",
    }
    assert event.after is not None
    assert event.after["display_name"] == "Võ Thị Kim Cúc (sửa)"


def test_password_hashes_and_token_hashes_never_reach_the_trail(
    admin: TestClient, session: Session
) -> None:
    user = user_repository.by_login(session, "thanhvien.anthuong")
    assert user is not None
    assert admin.post(f"/api/v1/users/{user.id}/password-reset").status_code == 200
    assert admin.post("/api/v1/tokens", json={"name": "script"}).status_code == 201
    for event in session.scalars(select(AuditEvent)):
        blob = repr((event.before, event.after, event.detail))
        assert "$argon2" not in blob
        assert "token_hash" not in blob and "password_hash" not in blob  # noqa: PT018


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_the_trail_is_append_only(session: Session, statement: str) -> None:
    assert session.scalar(select(AuditEvent.id).limit(1)) is not None
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))


def test_department_reads_the_trail_of_its_province_only(
    sign_in: SignIn, session: Session
) -> None:
    department = sign_in("sct.soctrang")
    body = department.get("/api/v1/audit", params={"limit": 200}).json()
    assert body["total"] > 0
    province = unit(
        session, "Tỉnh Sóc Trăng", edition=Edition.e2022, level=Level.province
    )
    from ocop_tracker.auth.scope import covers

    dept_user = user_repository.by_login(session, "sct.soctrang")
    assert dept_user is not None
    assert all(covers(session, dept_user, item["area_id"]) for item in body["items"])
    assert province.id is not None
