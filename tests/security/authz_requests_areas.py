"""Requests of the area, re-homing and roster-account routes for the
authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.users.models import User
from tests.factories import unit

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

# The 2022 communes the IN and OUT hamlets came from.
OLD_COMMUNES = {
    "in": ("Phường 5", "Thành phố Sóc Trăng"),
    "out": ("Xã An Thạnh 1", "Huyện Cù Lao Dung"),
}


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of these routes, or None for the others."""
    if route == "PATCH /api/v1/areas/{area_id}":
        url = path.replace("{area_id}", str(w.bare_hamlet[t].id))
        return ("PATCH", url, {"json": {"name": f"Ấp Đổi Tên {t}"}})
    if route == "POST /areas/{area_id}/hamlets":
        url = path.replace("{area_id}", str(w.commune[t].id))
        return ("POST", url, {"data": {"name": f"Ấp Thêm Thử {t}"}})
    if route == "POST /areas/{area_id}/name":
        url = path.replace("{area_id}", str(w.bare_hamlet[t].id))
        return ("POST", url, {"data": {"name": f"Ấp Đổi Tên {t}"}})
    if route in ("GET /areas/{area_id}/rehome", "POST /areas/{area_id}/rehome"):
        name, parent = OLD_COMMUNES[t]
        old = unit(
            session, name, edition=Edition.e2022, level=Level.commune, parent=parent
        )
        method = route.split(" ", 1)[0]
        return (method, path.replace("{area_id}", str(old.id)), {})
    if route == "POST /teams/{team_id}/members/{member_id}/account":
        team = w.team[t]
        member = next(
            m for m in team_repository.members(session, team.id) if m.user_id is None
        )
        url = path.replace("{team_id}", str(team.id)).replace(
            "{member_id}", str(member.id)
        )
        login = f"tk.{t}.{actor.id if actor else 0}"
        return ("POST", url, {"data": {"login": login}})
    return None
