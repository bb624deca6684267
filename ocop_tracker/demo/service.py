"""Demo data: the plan's pilot — one hamlet in each of three Sóc Trăng districts.

The demo lives in today's map: the hamlets were added under their 2022
communes and re-homed to their 2025 communes of Cần Thơ city on 1/7/2025, so
the same hamlets read under Sóc Trăng before the reform and under Cần Thơ after.
"""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.demo import activity as demo_activity
from ocop_tracker.demo import history as demo_history
from ocop_tracker.demo import payouts as demo_payouts
from ocop_tracker.demo import photos as demo_photos
from ocop_tracker.demo import pilots as demo_pilots
from ocop_tracker.demo import products as demo_products
from ocop_tracker.demo import sellers as demo_sellers
from ocop_tracker.demo import training as demo_training
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.teams import service as team_service
from ocop_tracker.teams.models import Background, Position, Team
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role, User

PROVINCE_2022 = "Sóc Trăng"
PROVINCE_2025 = "Cần Thơ"


@dataclass(frozen=True)
class Pilot:
    """A pilot hamlet: where the plan put it (2022) and where it lives today (2025)."""

    district: str  # 2022 district
    commune: str  # 2022 commune
    hamlet: str
    commune_2025: str  # the 2025 commune that took it in on 1/7/2025
    key: str  # the tail of its accounts' logins


# The plan (§IV.3) pilots one khóm/ấp in each of these districts; it leaves the
# choice of hamlet to the district, so these hamlets are the demo's choice. On
# 1/7/2025 each went to the 2025 commune the official mapping names; where an
# old commune was divided, the commune named here is the demo's choice.
PILOTS = (
    Pilot("Thành phố Sóc Trăng", "Phường 5", "Khóm 3", "Phường Sóc Trăng", "khom3"),
    Pilot(
        "Huyện Cù Lao Dung", "Xã An Thạnh 1", "Ấp An Thường", "Xã An Thạnh", "anthuong"
    ),
    Pilot(
        "Huyện Trần Đề",
        "Xã Lịch Hội Thượng",
        "Ấp Châu Thành",
        "Xã Lịch Hội Thượng",
        "chauthanh",
    ),
)


# One shared password for the demo accounts, printed only in development.
DEMO_PASSWORD = "mua-lua-thom-2026"
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


@dataclass(frozen=True)
class Account:
    """A demo account: who it is and the area it works in."""

    login: str
    name: str
    role: Role
    area: AdminUnit | None

    @property
    def label(self) -> str:
        """What the account is, for the sign-in list."""
        role = user_service.ROLE_LABELS[self.role]
        return f"{role}, {self.area.name}" if self.area else role


@dataclass
class DemoResult:
    """What loading the demo did, line by line, and the accounts it holds."""

    lines: list[str] = field(default_factory=list)
    changed: bool = False
    accounts: list[Account] = field(default_factory=list)


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
    hamlets = _pilot_hamlets(session, result)
    admin = _account(
        session, result, Account("admin", "Quản trị hệ thống", Role.admin, None)
    )
    # The department of the 2025 city that took Sóc Trăng in; the login is the
    # one the demo always had, so existing bookmarks and scripts keep working.
    city = _province_2025(session)
    _account(
        session,
        result,
        Account(
            "sct.soctrang", f"Sở Công Thương {PROVINCE_2025}", Role.department, city
        ),
        admin,
    )
    for pilot, hamlet in hamlets:
        _team(session, result, pilot, hamlet, admin)
    for extra in (
        demo_history.load(session, [(h, p.key) for p, h in hamlets]),
        demo_photos.load(session),
        demo_sellers.load(session, [(h, p.key) for p, h in hamlets]),
        demo_activity.load(session, [(h, p.key) for p, h in hamlets]),
        demo_payouts.load(session, [(h, p.key) for p, h in hamlets]),
        demo_training.load(session, [(h, p.key) for p, h in hamlets]),
        demo_pilots.load(session, [(h, p.key) for p, h in hamlets]),
    ):
        if extra:
            result.changed = True
            result.lines.extend(extra)
    if not result.changed:
        result.lines.append("Dữ liệu mẫu đã có đủ, không thay đổi gì.")
    return result


def _province_2025(session: Session) -> AdminUnit:
    provinces = area_repository.units_by_code(session, Edition.e2025, Level.province)
    return next(u for u in provinces.values() if u.short_name == PROVINCE_2025)


def _pilot_hamlets(
    session: Session, result: DemoResult
) -> list[tuple[Pilot, AdminUnit]]:
    """The pilot hamlets on today's map: added under their 2022 commune, re-homed.

    The re-homing is the one an operator runs (``areas rehome``): links to the
    2022 tree close on 30/6/2025, links to the 2025 commune start on 1/7/2025,
    so a report dated before the reform still finds the hamlet where the plan
    put it.
    """
    old = area_repository.units_by_code(session, Edition.e2022, Level.commune)
    new = area_repository.units_by_code(session, Edition.e2025, Level.commune)
    city = _province_2025(session)
    found: list[tuple[Pilot, AdminUnit, AdminUnit]] = []
    for pilot in PILOTS:
        commune = next(
            u
            for u in old.values()
            if u.name == pilot.commune and _parent_name(session, u) == pilot.district
        )
        target = next(
            u
            for u in new.values()
            if u.name == pilot.commune_2025 and u.parent_id == city.id
        )
        hamlet = area_repository.sibling_named(
            session, target.id, pilot.hamlet
        ) or area_repository.sibling_named(session, commune.id, pilot.hamlet)
        if hamlet is None:
            hamlet = area_service.add_hamlet(
                session, commune_id=commune.id, name=pilot.hamlet
            )
            result.changed = True
            result.lines.append(
                f"Thêm {pilot.hamlet}, {pilot.commune}, {pilot.district}."
            )
        found.append((pilot, hamlet, target))
    waiting = {h.id: t.id for _, h, t in found if h.parent_id != t.id}
    if waiting:
        moved = area_service.rehome(
            session, province_name=PROVINCE_2022, assignments=waiting
        )
        for hamlet, old_commune, new_commune in moved.moved:
            result.changed = True
            result.lines.append(
                f"Chuyển {hamlet.name} từ {old_commune.name} sang "
                f"{new_commune.name} (địa giới từ 1/7/2025)."
            )
        for hamlet, old_commune, _ in moved.needs_choice:
            result.lines.append(
                f"{hamlet.name} ({old_commune.name}) chưa chuyển sang danh mục 2025: "
                "xã cũ đã chia cho nhiều xã mới, cần chọn xã nhận."
            )
        for hamlet, new_commune in moved.name_clashes:
            result.lines.append(
                f"{hamlet.name} chưa chuyển sang danh mục 2025: "
                f"{new_commune.name} đã có khóm/ấp trùng tên."
            )
    return [(p, h) for p, h, _ in found]


def _account(
    session: Session, result: DemoResult, want: Account, admin: User | None = None
) -> User:
    """The demo account, created or — from an older demo — moved to its area."""
    user = user_repository.by_login(session, want.login)
    area_id = want.area.id if want.area else None
    if user is None:
        user, _ = user_service.create_user(
            session,
            None,
            login=want.login,
            display_name=want.name,
            role=want.role,
            area_id=area_id,
            password=DEMO_PASSWORD,
        )
        result.changed = True
        result.lines.append(f"Tài khoản {want.login} ({want.label}).")
    elif admin is not None and (user.area_id, user.display_name) != (
        area_id,
        want.name,
    ):
        user_service.update_user(
            session,
            admin,
            user.id,
            display_name=want.name,
            area_id=area_id,
        )
        result.changed = True
        result.lines.append(f"Tài khoản {want.login} chuyển sang {want.label}.")
    result.accounts.append(want)
    return user


def _team(
    session: Session, result: DemoResult, pilot: Pilot, hamlet: AdminUnit, admin: User
) -> None:
    """A pilot hamlet's official, team, roster and catalog."""
    assert hamlet.parent_id is not None
    commune = area_views.get(session, hamlet.parent_id)
    official = _account(
        session,
        result,
        Account(f"canbo.{pilot.key}", f"Cán bộ {commune.name}", Role.official, commune),
        admin,
    )
    roster = ROSTERS[hamlet.name]
    leader = _account(
        session,
        result,
        Account(f"totruong.{pilot.key}", roster[0][0], Role.team_leader, hamlet),
        admin,
    )
    member = _account(
        session,
        result,
        Account(f"thanhvien.{pilot.key}", roster[2][0], Role.team_member, hamlet),
        admin,
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
    if demo_products.load(
        session, hamlet=hamlet, worker=leader, official=official, lines=result.lines
    ):
        result.changed = True


def _parent_name(session: Session, unit: AdminUnit) -> str | None:
    parent = area_repository.get(session, unit.parent_id) if unit.parent_id else None
    return parent.name if parent else None
