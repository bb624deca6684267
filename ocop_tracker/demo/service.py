"""Demo data: the plan's pilot — one hamlet in each of three Sóc Trăng districts."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.demo import catalog as demo_catalog
from ocop_tracker.demo import history as demo_history
from ocop_tracker.demo import photos as demo_photos
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams.models import Background, Position, Team
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role, User

PROVINCE_2022 = "Sóc Trăng"
PROVINCE_2025 = "Cần Thơ"
# The plan (§IV.3) pilots one khóm/ấp in each of these; it leaves the choice of
# hamlet to the district, so these hamlets are the demo's choice.
PILOT_HAMLETS = (
    ("Thành phố Sóc Trăng", "Phường 5", "Khóm 3"),
    ("Huyện Cù Lao Dung", "Xã An Thạnh 1", "Ấp An Thường"),
    ("Huyện Trần Đề", "Xã Lịch Hội Thượng", "Ấp Châu Thành"),
)


# One shared password for the demo accounts, printed only in development.
DEMO_PASSWORD = "mua-lua-thom-2026"
HAMLET_LOGINS = {
    "Khóm 3": "khom3",
    "Ấp An Thường": "anthuong",
    "Ấp Châu Thành": "chauthanh",
}
# Plausible rosters; the names are invented for the demo.
ROSTERS = {
    "Khóm 3": [
        ("Trần Văn Hùng", Position.leader, Background.hamlet_head, "0912 345 601"),
        ("Lý Thị Mỹ Linh", Position.deputy, Background.youth_union, "0912 345 602"),
        ("Nguyễn Thị Thu Trang", Position.member, Background.teacher, "0912 345 603"),
        ("Thạch Sô Phol", Position.member, Background.postal_staff, "0912 345 604"),
    ],
    "Ấp An Thường": [
        ("Lê Văn Tâm", Position.leader, Background.hamlet_head, "0913 222 101"),
        ("Phạm Ngọc Hân", Position.deputy, Background.youth_union, "0913 222 102"),
        ("Võ Thị Kim Cúc", Position.member, Background.health_worker, "0913 222 103"),
    ],
    "Ấp Châu Thành": [
        ("Sơn Thị Sa Ra", Position.leader, Background.youth_union, "0914 333 201"),
        ("Danh Hoàng Phúc", Position.deputy, Background.hamlet_head, "0914 333 202"),
        ("Huỳnh Văn Lộc", Position.member, Background.telecom_staff, "0914 333 203"),
        ("Đặng Thị Bích", Position.member, Background.resident, "0914 333 204"),
    ],
}


@dataclass
class DemoResult:
    """What loading the demo did, line by line."""

    lines: list[str] = field(default_factory=list)
    changed: bool = False


def load(session: Session) -> DemoResult:
    """Load the demo data; a second run changes nothing and says so."""
    result = DemoResult()
    for edition, province in (
        (Edition.e2022, PROVINCE_2022),
        (Edition.e2025, PROVINCE_2025),
    ):
        imported = area_service.import_edition(
            session, edition=edition, province_names=[province]
        )
        if imported.changed:
            result.changed = True
            result.lines.append(
                f"Danh mục {edition.value} – {', '.join(imported.provinces)}: "
                f"thêm {imported.created}, sửa {imported.updated}, "
                f"{imported.mappings_created} liên kết xã cũ → mới."
            )
    communes = area_repository.units_by_code(session, Edition.e2022, Level.commune)
    for district_name, commune_name, hamlet_name in PILOT_HAMLETS:
        commune = next(
            u
            for u in communes.values()
            if u.name == commune_name and _parent_name(session, u) == district_name
        )
        if area_repository.sibling_named(session, commune.id, hamlet_name) is None:
            area_service.add_hamlet(session, commune_id=commune.id, name=hamlet_name)
            result.changed = True
            result.lines.append(f"Thêm {hamlet_name}, {commune_name}, {district_name}.")
    _accounts_and_teams(session, result)
    for extra in (demo_history.load(session), demo_photos.load(session)):
        if extra:
            result.changed = True
            result.lines.extend(extra)
    if not result.changed:
        result.lines.append("Dữ liệu mẫu đã có đủ, không thay đổi gì.")
    return result


def _account(
    session: Session,
    result: DemoResult,
    login: str,
    name: str,
    role: Role,
    area: AdminUnit | None,
) -> User:
    user = user_repository.by_login(session, login)
    if user is None:
        user, _ = user_service.create_user(
            session,
            None,
            login=login,
            display_name=name,
            role=role,
            area_id=area.id if area else None,
            password=DEMO_PASSWORD,
        )
        result.changed = True
        result.lines.append(f"Tài khoản {login} ({role.value}).")
    return user


def _accounts_and_teams(session: Session, result: DemoResult) -> None:
    province = area_repository.units_by_code(session, Edition.e2022, Level.province)
    soc_trang = next(u for u in province.values() if u.short_name == PROVINCE_2022)
    _account(session, result, "admin", "Quản trị hệ thống", Role.admin, None)
    _account(
        session,
        result,
        "sct.soctrang",
        "Sở Công Thương Sóc Trăng",
        Role.department,
        soc_trang,
    )
    for hamlet in area_repository.hamlets_under(
        session, soc_trang.id, day=area_service.today()
    ):
        key = HAMLET_LOGINS.get(hamlet.name)
        if key is None or hamlet.parent_id is None:
            continue
        commune = area_service.get(session, hamlet.parent_id)
        official = _account(
            session,
            result,
            f"canbo.{key}",
            f"Cán bộ {commune.name}",
            Role.official,
            commune,
        )
        roster = ROSTERS[hamlet.name]
        leader = _account(
            session, result, f"totruong.{key}", roster[0][0], Role.team_leader, hamlet
        )
        member = _account(
            session, result, f"thanhvien.{key}", roster[2][0], Role.team_member, hamlet
        )
        team = team_repository.by_hamlet(session, hamlet.id)
        if team is None:
            team = Team(hamlet_id=hamlet.id)
            session.add(team)
            session.flush()
            result.changed = True
            result.lines.append(f"Tổ công nghệ số {hamlet.name}.")
        accounts = {roster[0][0]: leader.id, roster[2][0]: member.id}
        for full_name, position, background, phone in roster:
            if team_repository.member_by_name(session, team.id, full_name) is None:
                team_service.add_member(
                    session,
                    leader,
                    team,
                    full_name=full_name,
                    position=position,
                    background=background,
                    phone=phone,
                    user_id=accounts.get(full_name),
                )
                result.changed = True
        if demo_catalog.load(
            session, hamlet=hamlet, worker=leader, official=official, lines=result.lines
        ):
            result.changed = True


def _parent_name(session: Session, unit: AdminUnit) -> str | None:
    parent = area_repository.get(session, unit.parent_id) if unit.parent_id else None
    return parent.name if parent else None
