"""The home page: what the service is for; for a signed-in user, their area."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Level
from ocop_tracker.areas.rules import EDITION_LABELS
from ocop_tracker.auth.deps import OptionalPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(
    request: Request, session: SessionDep, principal: OptionalPrincipal
) -> Response:
    """Landing page; signed in, the hamlets of one's area and their chat groups."""
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
