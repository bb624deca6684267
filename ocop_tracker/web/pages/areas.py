"""The areas browser: drill down from province to hamlet, or search by name."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.areas.rules import EDITION_LABELS, LEVEL_LABELS
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.templating import templates

router = APIRouter(prefix="/areas", include_in_schema=False)
PAGE_SIZE = 50


@router.get("", response_class=HTMLResponse)
def browse(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    edition: Edition | None = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> HTMLResponse:
    """Provinces of each edition, or the units matching a search."""
    if q.strip():
        units, total = area_service.search(
            session, q=q, edition=edition, limit=PAGE_SIZE, offset=offset
        )
    else:
        units, total = area_service.search(
            session, level=Level.province, edition=edition, limit=200
        )
    chains = (
        {u.id: area_service.ancestors(session, u) for u in units} if q.strip() else {}
    )
    return templates.TemplateResponse(
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
    )


@router.get("/{area_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    session: SessionDep,
    area_id: int,
    as_of: dt.date | None = None,
) -> HTMLResponse:
    """One unit: where it sits, its chat group, its children, its 2025 mapping."""
    unit = area_service.get(session, area_id)
    children = area_service.children(session, unit, as_of=as_of)
    to_new, from_old = area_service.mapped_units(session, unit)
    return templates.TemplateResponse(
        request,
        "areas/detail.html",
        {
            "unit": unit,
            "ancestors": area_service.ancestors(session, unit, as_of=as_of),
            "children": children,
            "group_name": area_service.group_names(session, [unit], as_of=as_of).get(
                unit.id
            ),
            "to_new": to_new,
            "from_old": from_old,
            "as_of": as_of,
            "editions": EDITION_LABELS,
            "levels": LEVEL_LABELS,
        },
    )
