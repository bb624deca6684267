"""The home page: what the service is for; for a signed-in user, their work.

Signed in, ``/`` sends each role to the page it works on (``landing``): the
teams to their worklist, officials to the verification queue (the action
list is one link away there), the department to the dashboard. The admin
keeps the home page: its work spans accounts, areas and chat groups, and the
hamlets with their groups are its directory. A redirect (303) rather than the
role's page rendered here, so the address bar, the nav's current item and a
reload all name the real page, without any script.
"""

from fastapi import APIRouter, Request
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Level
from ocop_tracker.areas.rules import EDITION_LABELS
from ocop_tracker.auth.deps import OptionalPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.users.models import Role, User
from ocop_tracker.web.render import NOTICES, redirect, render

router = APIRouter(include_in_schema=False)

# Where each role's work is; a role not named here stays on the home page.
LANDINGS: dict[Role, str] = {
    Role.team_leader: "/worklist",
    Role.team_member: "/worklist",
    Role.official: "/verify",
    Role.department: "/reports",
}


def landing(user: User) -> str:
    """The page a user lands on after signing in: their role's work, or ``/``."""
    if user.must_change_password:
        return "/"
    return LANDINGS.get(user.role, "/")


@router.get("/")
def home(
    request: Request, session: SessionDep, principal: OptionalPrincipal
) -> Response:
    """Landing page; signed in, the role's work (or, for the admin, the hamlets
    of one's area and their chat groups)."""
    if principal is not None:
        target = landing(principal.user)
        if target != "/":
            # A notice meant for the home page (password changed) goes along.
            done = request.query_params.get("done", "")
            return redirect(target, done if done in NOTICES else None)
    context: dict[str, object] = {"editions": EDITION_LABELS}
    if principal is not None and not principal.user.must_change_password:
        hamlets, total = area_views.search(
            session, level=Level.hamlet, limit=20, viewer=principal.user
        )
        context.update(
            hamlets=hamlets,
            total_hamlets=total,
            group_names=area_views.group_names(session, hamlets),
            chains=area_views.ancestors_of(session, hamlets),
            area=area_views.get(session, principal.user.area_id)
            if principal.user.area_id
            else None,
        )
    return render(request, "home.html", context, principal)
