"""The hamlet team's worklist: every product of the area with its state on each marketplace,
the ones needing the team's action first (ranked by ``onboarding/worklist.py``).
"""

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Level
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.onboarding import worklist as onboarding_worklist
from ocop_tracker.products import rules
from ocop_tracker.users.models import TEAM_ROLES
from ocop_tracker.web.forms import (
    CHOICE_LIMIT,
    PRODUCT_KIND_LABELS,
    may_write,
    state_words,
)
from ocop_tracker.web.pages.exports import export_url
from ocop_tracker.web.paging import Search
from ocop_tracker.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/worklist")
def worklist(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: Annotated[int | None, Query(ge=1)] = None,
    q: Search = "",
) -> Response:
    """The products of one's area, those needing action first."""
    user = principal.user
    found = onboarding_worklist.worklist(
        session, user, area_id=area_id, q=q.strip() or None
    )
    areas: Sequence[AdminUnit] = []
    if user.role not in TEAM_ROLES:
        areas, _ = area_views.search(
            session, level=Level.hamlet, viewer=user, limit=CHOICE_LIMIT
        )
    return render(
        request,
        "catalog/worklist.html",
        {
            "rows": found.rows,
            "total": found.total,
            "limit": onboarding_worklist.WORKLIST_LIMIT,
            "state_words": state_words,
            "q": q,
            "area_id": area_id,
            "areas": areas,
            "may_write": may_write(user),
            "kinds": PRODUCT_KIND_LABELS,
            "cert_labels": rules.STATUS_LABELS,
            "export_url": export_url({"area_id": area_id, "q": q.strip()}),
        },
        principal,
    )
