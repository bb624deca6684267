"""Rules of the teams: one per hamlet, at most 10 members, one leader, one deputy.

The reads (a team, the list, the roster) are in ``teams/views.py``.
"""

import datetime as dt

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Level
from ocop_tracker.auth.scope import covers, ensure_visible
from ocop_tracker.core import clock
from ocop_tracker.core.errors import (
    Conflict,
    FieldErrors,
    Forbidden,
    InvalidInput,
    NotFound,
)
from ocop_tracker.core.fields import cleaned
from ocop_tracker.core.phone import normalize_vn
from ocop_tracker.core.text import has_forbidden_chars, normalize, required_text
from ocop_tracker.core.versions import check_version, flush_versioned
from ocop_tracker.teams import repository
from ocop_tracker.teams import views as team_views
from ocop_tracker.teams.documents import Document
from ocop_tracker.teams.models import (
    MAX_MEMBERS,
    POSITION_LABELS,
    Background,
    Position,
    Team,
    TeamDecision,
    TeamMember,
)
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import TEAM_ROLES, Role, User

# Who may change a roster, inside their own area.
ROSTER_EDITORS = frozenset({Role.admin, Role.official, Role.team_leader})
SINGLE_SEATS = frozenset({Position.leader, Position.deputy})
# The plan's teams were set up from 2021 on; an earlier day is a typing slip.
EARLIEST_DECISION = dt.date(2020, 1, 1)


def _check_roster_editor(session: Session, actor: User, hamlet_id: int) -> None:
    ensure_visible(session, actor, hamlet_id, "tổ")
    if actor.role not in ROSTER_EDITORS:
        raise Forbidden("Chỉ tổ trưởng hoặc cán bộ phụ trách được sửa danh sách tổ.")


def create_team(session: Session, actor: User, *, hamlet_id: int) -> Team:
    """Start the team of a hamlet (one per hamlet)."""
    _check_roster_editor(session, actor, hamlet_id)
    hamlet = area_views.get(session, hamlet_id)
    if hamlet.level is not Level.hamlet:
        raise InvalidInput("Tổ công nghệ số được lập ở khóm/ấp.", field="hamlet_id")
    if repository.by_hamlet(session, hamlet_id) is not None:
        raise Conflict(f"{hamlet.name} đã có tổ công nghệ số.", field="hamlet_id")
    team = Team(hamlet_id=hamlet_id)
    session.add(team)
    session.flush()
    return team


def _clean_name(value: str) -> str:
    if has_forbidden_chars(value):
        raise InvalidInput("Họ tên chứa ký tự không hợp lệ.", field="full_name")
    name = normalize(value)
    if not name or len(name) > 120:
        raise InvalidInput("Họ tên cần 1–120 ký tự.", field="full_name")
    return name


def _check_seat(
    session: Session, team: Team, position: Position, member_id: int | None
) -> None:
    if position in SINGLE_SEATS:
        holder = repository.holder_of(session, team.id, position)
        if holder is not None and holder.id != member_id:
            raise Conflict(
                f"Tổ đã có {POSITION_LABELS[position].lower()}: {holder.full_name}.",
                field="position",
            )


def _check_account(
    session: Session,
    actor: User,
    team: Team,
    user_id: int | None,
    member_id: int | None,
) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or not covers(session, actor, user.area_id):
        raise NotFound("Không tìm thấy tài khoản này.")
    if user.area_id != team.hamlet_id:
        raise InvalidInput(
            "Tài khoản gắn với thành viên phải thuộc đúng khóm/ấp của tổ.",
            field="user_id",
        )
    taken = repository.member_of_user(session, user_id)
    if taken is not None and taken.id != member_id:
        raise Conflict("Tài khoản này đã gắn với một thành viên khác.", field="user_id")


def add_member(
    session: Session,
    actor: User,
    team: Team,
    *,
    full_name: str,
    position: Position = Position.member,
    background: Background = Background.resident,
    phone: str | None = None,
    user_id: int | None = None,
) -> TeamMember:
    """Add a member; the 11th is refused."""
    _check_roster_editor(session, actor, team.hamlet_id)
    name = _clean_name(full_name)
    if repository.member_by_name(session, team.id, name) is not None:
        raise Conflict(f"Tổ đã có thành viên tên {name}.", field="full_name")
    _check_seat(session, team, position, None)
    _check_account(session, actor, team, user_id, None)
    clean_phone = normalize_vn(phone) if phone and phone.strip() else None
    if not repository.take_seat(session, team.id):
        raise Conflict(f"Tổ đã đủ {MAX_MEMBERS} thành viên (tối đa theo kế hoạch).")
    session.expire(team)
    member = TeamMember(
        team_id=team.id,
        hamlet_id=team.hamlet_id,
        full_name=name,
        position=position,
        background=background,
        phone=clean_phone,
        user_id=user_id,
    )
    session.add(member)
    session.flush()
    return member


def update_member(
    session: Session,
    actor: User,
    team: Team,
    member_id: int,
    *,
    version: int | None = None,
    **changes: object,
) -> TeamMember:
    """Change a member; a stale ``version`` is refused with 409."""
    _check_roster_editor(session, actor, team.hamlet_id)
    member = team_views.get_member(session, actor, team, member_id)
    if version is not None and version != member.version:
        raise Conflict("Thành viên vừa được người khác sửa; hãy tải lại và thử lại.")
    if "full_name" in changes and changes["full_name"] is not None:
        name = _clean_name(str(changes["full_name"]))
        other = repository.member_by_name(session, team.id, name)
        if other is not None and other.id != member.id:
            raise Conflict(f"Tổ đã có thành viên tên {name}.", field="full_name")
        member.full_name = name
    if changes.get("position") is not None:
        position = Position(str(changes["position"]))
        _check_seat(session, team, position, member.id)
        member.position = position
    if changes.get("background") is not None:
        member.background = Background(str(changes["background"]))
    if "phone" in changes:
        raw = changes["phone"]
        member.phone = normalize_vn(str(raw)) if raw else None
    if "user_id" in changes:
        user_id = changes["user_id"]
        if user_id is not None and not isinstance(user_id, int):
            raise InvalidInput("Mã tài khoản phải là số.", field="user_id")
        _check_account(session, actor, team, user_id, member.id)
        member.user_id = user_id
    session.flush()
    return member


def remove_member(session: Session, actor: User, team: Team, member_id: int) -> None:
    """Take a member off the roster."""
    _check_roster_editor(session, actor, team.hamlet_id)
    member = team_views.get_member(session, actor, team, member_id)
    session.delete(member)
    session.flush()
    repository.free_seat(session, team.id)
    session.expire(team)


def enrol_account(session: Session, actor: User, user: User) -> TeamMember:
    """Put a team account on the roster of its hamlet's team, under its display
    name, starting the team when the hamlet has none.

    A team leader's account takes the leader's seat when it is free, else it
    joins as a member; the roster's rules (at most 10, one name once) hold.
    """
    if user.role not in TEAM_ROLES or user.area_id is None:
        raise InvalidInput(
            "Chỉ tài khoản của tổ (tổ trưởng, thành viên) mới vào danh sách tổ."
        )
    team = repository.by_hamlet(session, user.area_id)
    if team is None:
        team = create_team(session, actor, hamlet_id=user.area_id)
    position = Position.member
    if (
        user.role is Role.team_leader
        and repository.holder_of(session, team.id, Position.leader) is None
    ):
        position = Position.leader
    return add_member(
        session,
        actor,
        team,
        full_name=user.display_name,
        position=position,
        user_id=user.id,
    )


def give_account(
    session: Session, actor: User, team: Team, member_id: int, *, login: str
) -> tuple[User, str]:
    """Make an account for a roster member (its hamlet, the member's name; a
    leader or deputy leads, the others are members) and link it to them.

    Returns the account and its one-time password, shown once.
    """
    _check_roster_editor(session, actor, team.hamlet_id)
    member = team_views.get_member(session, actor, team, member_id)
    if member.user_id is not None:
        raise Conflict("Thành viên này đã có tài khoản.", field="login")
    role = Role.team_leader if member.position is Position.leader else Role.team_member
    user, password = user_service.create_user(
        session,
        actor,
        login=login,
        display_name=member.full_name,
        role=role,
        area_id=team.hamlet_id,
    )
    member.user_id = user.id
    session.flush()
    return user, password or ""


def _clean_decision_number(raw: str) -> str:
    return required_text(raw, field="number", label="Số quyết định", max_len=60)


def _clean_signer(raw: str) -> str:
    return required_text(raw, field="signer", label="Người ký", max_len=200)


def record_decision(
    session: Session,
    actor: User,
    team: Team,
    *,
    number: str,
    decided_on: dt.date,
    signer: str,
    document: Document | None = None,
    version: int | None = None,
) -> TeamDecision:
    """Record or correct the commune's decision establishing the team; a file
    sent replaces the one kept (none sent: the kept one stays)."""
    _check_roster_editor(session, actor, team.hamlet_id)
    errors = FieldErrors()
    clean = cleaned(
        errors,
        number=(_clean_decision_number, number),
        signer=(_clean_signer, signer),
    )
    with errors.check("decided_on"):
        if decided_on > clock.today():
            raise InvalidInput("Ngày ký không được sau hôm nay.", field="decided_on")
        if decided_on < EARLIEST_DECISION:
            raise InvalidInput(
                f"Ngày ký phải từ {EARLIEST_DECISION:%d/%m/%Y} trở đi.",
                field="decided_on",
            )
    row = repository.decision_of(session, team.id)
    if row is None and document is None:
        errors.add("document", "Hãy gửi kèm bản chụp hoặc tệp PDF của quyết định.")
    errors.raise_any()
    if row is None:
        row = TeamDecision(team_id=team.id, hamlet_id=team.hamlet_id)
        session.add(row)
    else:
        check_version(row, version, "Quyết định thành lập tổ")
    row.number = clean["number"].upper()
    row.signer = clean["signer"]
    row.decided_on = decided_on
    if document is not None:
        row.document = document.data
        row.media_type = document.media_type
        row.document_name = document.name
        row.document_size = len(document.data)
        row.document_sha256 = document.sha256
    flush_versioned(session, "Quyết định thành lập tổ")
    return row
