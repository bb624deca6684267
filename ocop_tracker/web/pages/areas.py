"""The areas browser: drill down from province to hamlet, or search by name."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.areas.rules import EDITION_LABELS, LEVEL_LABELS
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.auth.scope import ensure_area_readable, readable_area_ids
from ocop_tracker.core.db import SessionDep
from ocop_tracker.web.render import render

router = APIRouter(prefix="/areas", include_in_schema=False)
PAGE_SIZE = 50


@router.get("")
def browse(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(max_length=100)] = "",
    edition: Edition | None = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """Provinces of each edition, or the units matching a search (in one's area)."""
    if q.strip():
        units, total = area_views.search(
            session,
            q=q,
            edition=edition,
            limit=PAGE_SIZE,
            offset=offset,
            viewer=principal.user,
        )
    else:
        units, total = area_views.search(
            session,
            level=Level.province,
            edition=edition,
            limit=200,
            viewer=principal.user,
        )
    chains = area_views.ancestors_of(session, units) if q.strip() else {}
    return render(
        request,
        "areas/list.html",
        {
            "q": q,
            "edition": edition,
            "units": units,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "chains": chains,
            "editions": EDITION_LABELS,
            "levels": LEVEL_LABELS,
        },
        principal,
    )


@router.get("/{area_id}")
def detail(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: int,
    as_of: dt.date | None = None,
) -> Response:
    """One unit: where it sits, its chat group, its children, its 2025 mapping."""
    ensure_area_readable(session, principal.user, area_id)
    unit = area_views.get(session, area_id)
    children = area_views.children(session, unit, as_of=as_of)
    readable = readable_area_ids(session, principal.user, [c.id for c in children])
    children = [c for c in children if c.id in readable]
    to_new, from_old = area_views.mapped_units(session, unit)
    mapped = readable_area_ids(
        session, principal.user, [u.id for u in [*to_new, *from_old]]
    )
    to_new = [u for u in to_new if u.id in mapped]
    from_old = [u for u in from_old if u.id in mapped]
    return render(
        request,
        "areas/detail.html",
        {
            "unit": unit,
            "ancestors": area_views.ancestors(session, unit, as_of=as_of),
            "children": children,
            "group_name": area_views.group_names(session, [unit], as_of=as_of).get(
                unit.id
            ),
            "to_new": to_new,
            "from_old": from_old,
            "as_of": as_of,
            "editions": EDITION_LABELS,
            "levels": LEVEL_LABELS,
        },
        principal,
    )
