"""Who may create and change whom (SECURITY.md T8), at the service level."""

import pytest
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role, User
from tests.factories import unit


def _user(session: Session, login: str) -> User:
    user = user_repository.by_login(session, login)
    assert user is not None
    return user


@pytest.mark.parametrize("role", [Role.admin, Role.department, Role.official])
def test_an_official_cannot_create_officials_departments_or_admins(
    session: Session, role: Role
) -> None:
    official = _user(session, "canbo.khom3")
    phuong5 = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    with pytest.raises(Forbidden):
        user_service.create_user(
            session,
            official,
            login="leo.thang",
            display_name="X",
            role=role,
            area_id=phuong5.id,
        )
    assert user_repository.by_login(session, "leo.thang") is None


def test_an_official_cannot_place_a_user_outside_their_area(session: Session) -> None:
    official = _user(session, "canbo.khom3")
    an_thuong = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    with pytest.raises(OutOfScope):
        user_service.create_user(
            session,
            official,
            login="ngoai.vung",
            display_name="X",
            role=Role.team_member,
            area_id=an_thuong.id,
        )
    member = _user(session, "thanhvien.khom3")
    with pytest.raises(Forbidden):
        user_service.update_user(session, official, member.id, area_id=an_thuong.id)


def test_an_official_cannot_promote_a_team_account(session: Session) -> None:
    official = _user(session, "canbo.khom3")
    member = _user(session, "thanhvien.khom3")
    with pytest.raises(Forbidden):
        user_service.update_user(session, official, member.id, role=Role.official)
    session.refresh(member)
    assert member.role is Role.team_member


def test_an_official_manages_team_accounts_in_their_area(session: Session) -> None:
    official = _user(session, "canbo.khom3")
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    user, one_time = user_service.create_user(
        session,
        official,
        login="0912 777 888".replace(" ", ""),
        display_name="Lâm Văn Tư",
        role=Role.team_member,
        area_id=khom3.id,
    )
    assert one_time is not None
    assert user.must_change_password
    updated = user_service.update_user(
        session, official, user.id, role=Role.team_leader
    )
    assert updated.role is Role.team_leader


def test_roles_sit_at_their_level(session: Session) -> None:
    admin = _user(session, "admin")
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    province = unit(
        session, "Tỉnh Sóc Trăng", edition=Edition.e2022, level=Level.province
    )
    with pytest.raises(InvalidInput):
        user_service.create_user(
            session,
            admin,
            login="sai.cap",
            display_name="X",
            role=Role.department,
            area_id=khom3.id,
        )
    with pytest.raises(InvalidInput):
        user_service.create_user(
            session,
            admin,
            login="sai.cap2",
            display_name="X",
            role=Role.team_member,
            area_id=province.id,
        )
    with pytest.raises(InvalidInput):
        user_service.create_user(
            session,
            admin,
            login="khong.vung",
            display_name="X",
            role=Role.official,
            area_id=None,
        )


def test_logins_are_unique_ignoring_case(session: Session) -> None:
    admin = _user(session, "admin")
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    with pytest.raises(Conflict):
        user_service.create_user(
            session,
            admin,
            login="ThanhVien.Khom3",
            display_name="X",
            role=Role.team_member,
            area_id=khom3.id,
        )


def test_nobody_demotes_or_disables_themselves(session: Session) -> None:
    admin = _user(session, "admin")
    with pytest.raises(Forbidden):
        user_service.update_user(session, admin, admin.id, is_active=False)
    with pytest.raises(Forbidden):
        user_service.update_user(session, admin, admin.id, role=Role.team_member)


def test_a_stale_version_is_refused(session: Session) -> None:
    admin = _user(session, "admin")
    member = _user(session, "thanhvien.khom3")
    old = member.version
    user_service.update_user(
        session, admin, member.id, display_name="Tên Mới", version=old
    )
    with pytest.raises(Conflict):
        user_service.update_user(
            session, admin, member.id, display_name="Tên Khác", version=old
        )
