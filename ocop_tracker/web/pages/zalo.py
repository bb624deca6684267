"""The month's results for the team's Zalo group (issue #17 item 5): a short
text to paste, selectable without JavaScript (a copy button where it runs),
and a square PNG of the key figures to post. Both come from the monthly
report of the area, as of the month's last day (``reports/zalo.py``).
"""

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import views as area_views
from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports import zalo
from ocop_tracker.users.models import User
from ocop_tracker.web.pages.reports import AreaId, Month, last_months
from ocop_tracker.web.render import render

router = APIRouter(include_in_schema=False)


def _summary(
    session: Session, user: User, area_id: int | None, month: str | None
) -> zalo.ZaloSummary:
    area = report_service.resolve_area(session, user, area_id)
    report = report_service.monthly_of(session, area, report_service.parse_month(month))
    group = (
        area_views.group_names(session, [area.unit], as_of=report.as_of).get(
            area.unit.id
        )
        if area.unit is not None
        else None
    )
    return zalo.summary_of(report, group)


@router.get("/reports/zalo")
def zalo_page(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
) -> Response:
    """The month's message for the group, and its image."""
    summary = _summary(session, principal.user, area_id, month)
    params = {"month": f"{summary.month:%Y-%m}"}
    if area_id is not None:
        params["area_id"] = str(area_id)
    query = urlencode(params)

    return render(
        request,
        "reports/zalo.html",
        {
            "s": summary,
            "message": zalo.text(summary),
            "image_url": f"/reports/zalo.png?{query}",
            "area_id": area_id,
            "months": last_months(6),
        },
        principal,
    )


@router.get("/reports/zalo.png")
def zalo_image(
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: AreaId = None,
    month: Month = None,
) -> Response:
    """The square image of the month's figures (PNG, 1080×1080)."""
    summary = _summary(session, principal.user, area_id, month)
    name = f"ket-qua-thang-{summary.month:%Y-%m}.png"
    return Response(
        zalo.image(summary),
        media_type="image/png",
        headers={
            "content-disposition": f'inline; filename="{name}"',
            "cache-control": "private, no-store",
        },
    )
