"""Requests of the reports routes for the authorization matrix."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.reports.models import ReportSubmission
from ocop_tracker.users.models import User

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

MONTH = "2025-01"
READS = {
    "GET /api/v1/reports/coverage",
    "GET /api/v1/reports/actions",
    "GET /api/v1/reports/trend",
    "GET /api/v1/reports/teams",
    "GET /api/v1/reports/setup",
    "GET /api/v1/reports/monthly",
    "GET /api/v1/reports/submissions",
    "GET /reports",
    "GET /reports/actions",
    "GET /reports/submissions",
    "GET /reports/monthly",
    "GET /reports/zalo",
    "GET /reports/zalo.png",
}


def _submitted_area(w: "World", t: str, actor: User | None) -> int:
    """Inside: the actor's own unit (a hamlet for an admin); outside: Ấp An Thường."""
    if t == "in" and actor is not None and actor.area_id is not None:
        return actor.area_id
    return w.hamlet[t].id


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of the reports routes, or None for the others."""
    if route in READS:
        params: dict[str, Any] = {"area_id": w.hamlet[t].id}
        if route.endswith(("monthly", "submissions", "zalo", "zalo.png")):
            params["month"] = MONTH
        return ("GET", path, {"params": params})
    if route == "GET /api/v1/reports/submissions/{submission_id}":
        submission = ReportSubmission(
            area_id=w.hamlet[t].id,
            month=dt.date(2025, 1, 1),
            version=1,
            submitted_by_name="Ma trận",
            on_time=True,
            recipient="Sở",
            snapshot={},
        )
        session.add(submission)
        session.commit()
        return ("GET", path.replace("{submission_id}", str(submission.id)), {})
    if route == "POST /api/v1/reports/submissions":
        body = {"month": MONTH, "area_id": _submitted_area(w, t, actor)}
        return ("POST", path, {"json": body})
    if route == "POST /reports/submissions":
        form = {"month": MONTH, "area_id": str(_submitted_area(w, t, actor))}
        return ("POST", path, {"data": form})
    return None
