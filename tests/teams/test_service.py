"""Team rules: one per hamlet, at most 10 members, one leader and one deputy."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.core.errors import Conflict, InvalidInput
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.models import Background, Position
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn
from tests.factories import unit


def _leader_and_team(session: Session, login: str = "totruong.khom3") -> tuple:  # type: ignore[type-arg]
    leader = user_repository.by_login(session, login)
    assert leader is not None
    assert leader.area_id is not None
    team = team_repository.by_hamlet(session, leader.area_id)
    assert team is not None
    return leader, team


def test_an_eleventh_member_is_refused(session: Session) -> None:
    leader, team = _leader_and_team(session)
    for i in range(10 - team.member_count):
        team_service.add_member(session, leader, team, full_name=f"Thành viên {i}")
    session.refresh(team)
    assert team.member_count == 10
    with pytest.raises(Conflict, match="10 thành viên"):
        team_service.add_member(session, leader, team, full_name="Người thứ mười một")
    session.refresh(team)
    assert len(team_views.members(session, leader, team)) == 10


def test_removing_frees_a_seat(session: Session) -> None:
    leader, team = _leader_and_team(session)
    before = team.member_count
    member = team_service.add_member(session, leader, team, full_name="Tạm Thời")
    team_service.remove_member(session, leader, team, member.id)
    session.refresh(team)
    assert team.member_count == before


def test_one_leader_and_one_deputy(session: Session) -> None:
    leader, team = _leader_and_team(session)
    with pytest.raises(Conflict, match="tổ trưởng"):
        team_service.add_member(
            session, leader, team, full_name="Tổ Trưởng Hai", position=Position.leader
        )
    with pytest.raises(Conflict, match="tổ phó"):
        team_service.add_member(
            session, leader, team, full_name="Tổ Phó Hai", position=Position.deputy
        )


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0912 345 678", "+84912345678"),
        ("+84 912-345-678", "+84912345678"),
        ("84912345678", "+84912345678"),
    ],
)
def test_phones_are_stored_in_one_form(session: Session, raw: str, stored: str) -> None:
    leader, team = _leader_and_team(session)
    member = team_service.add_member(
        session,
        leader,
        team,
        full_name="Có Điện Thoại",
        phone=raw,
        background=Background.teacher,
    )
    assert member.phone == stored


@pytest.mark.parametrize("bad", ["12345", "+1 202 555 0100", "không có số"])
def test_non_vietnamese_phones_are_refused(session: Session, bad: str) -> None:
    leader, team = _leader_and_team(session)
    with pytest.raises(InvalidInput):
        team_service.add_member(session, leader, team, full_name="Sai Số", phone=bad)


def test_a_member_account_must_belong_to_the_teams_hamlet(session: Session) -> None:
    _, team = _leader_and_team(session)
    elsewhere = user_repository.by_login(session, "thanhvien.anthuong")
    assert elsewhere is not None
    admin = user_repository.by_login(session, "admin")
    assert admin is not None
    with pytest.raises(InvalidInput):
        team_service.add_member(
            session, admin, team, full_name="Sai Ấp", user_id=elsewhere.id
        )


def test_group_name_follows_the_plan(session: Session) -> None:
    _, team = _leader_and_team(session)
    assert team_views.group_name(session, team) == "CNCD_Khom3_SocTrang_CanTho"


def test_stale_version_is_refused_over_http(sign_in: SignIn, session: Session) -> None:
    leader = sign_in("totruong.khom3")
    team_id = leader.get("/api/v1/teams").json()["items"][0]["id"]
    member = leader.get(f"/api/v1/teams/{team_id}/members").json()[-1]
    url = f"/api/v1/teams/{team_id}/members/{member['id']}"
    first = leader.patch(
        url, json={"phone": "0912 000 111", "version": member["version"]}
    )
    assert first.status_code == 200
    stale = leader.patch(
        url, json={"phone": "0912 000 222", "version": member["version"]}
    )
    assert stale.status_code == 409
    assert (
        leader.get(f"/api/v1/teams/{team_id}/members").json()[-1]["phone"]
        == "+84912000111"
    )


def test_team_list_is_scoped(sign_in: SignIn, admin: TestClient) -> None:
    assert admin.get("/api/v1/teams").json()["total"] == 3
    assert sign_in("sct.soctrang").get("/api/v1/teams").json()["total"] == 3
    assert [
        t["hamlet_name"]
        for t in sign_in("canbo.khom3").get("/api/v1/teams").json()["items"]
    ] == ["Khóm 3"]
    assert [
        t["hamlet_name"]
        for t in sign_in("thanhvien.anthuong").get("/api/v1/teams").json()["items"]
    ] == ["Ấp An Thường"]


def test_one_team_per_hamlet(admin: TestClient, session: Session) -> None:
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    response = admin.post("/api/v1/teams", json={"hamlet_id": hamlet.id})
    assert response.status_code == 409
    commune = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    assert (
        admin.post("/api/v1/teams", json={"hamlet_id": commune.id}).status_code == 422
    )
