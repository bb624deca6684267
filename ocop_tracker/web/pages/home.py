"""The home page."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import Level
from ocop_tracker.areas.rules import EDITION_LABELS
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """What the service is for, the loaded map, and the hamlet teams."""
    hamlets, total_hamlets = area_service.search(session, level=Level.hamlet, limit=20)
    names = area_service.group_names(session, hamlets)
    chains = {h.id: area_service.ancestors(session, h) for h in hamlets}
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "counts": area_service.counts(session),
            "editions": EDITION_LABELS,
            "hamlets": hamlets,
            "total_hamlets": total_hamlets,
            "group_names": names,
            "chains": chains,
        },
    )
