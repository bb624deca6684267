"""The pilot's closing report (issue 17 item 4): each unit's figures on the
pilot's first day and on its last (today while it runs), from the reports
ledger — coverage, shops, e-payment, training — and the orders and sessions of
the window's months. The same ledger reads as the dashboard, as of those days.
"""

import datetime as dt

from sqlalchemy.orm import Session

from ocop_tracker.core.clock import today
from ocop_tracker.pilots import repository
from ocop_tracker.pilots import views as pilot_views
from ocop_tracker.pilots.models import Pilot
from ocop_tracker.pilots.schemas import PilotFigures, PilotLine, PilotReport
from ocop_tracker.reports import rules as report_rules
from ocop_tracker.reports import service as report_service
from ocop_tracker.reports import views as report_views

HH = "producers.kind.household"
METRICS = [
    "ocop",
    "ocop.listed",
    "producers",
    "producers.shop",
    "producers.paying",
    f"{HH}.ocop",
    f"{HH}.ocop.trained",
    "members",
    "members.trained",
]


def _figures(day: dt.date, f: dict[str, int]) -> PilotFigures:
    return PilotFigures(
        day=day,
        ocop=f.get("ocop", 0),
        ocop_listed=f.get("ocop.listed", 0),
        ocop_listed_percent=report_rules.share(
            f.get("ocop.listed", 0), f.get("ocop", 0)
        ),
        producers=f.get("producers", 0),
        shops=f.get("producers.shop", 0),
        paying=f.get("producers.paying", 0),
        households_ocop=f.get(f"{HH}.ocop", 0),
        households_ocop_trained=f.get(f"{HH}.ocop.trained", 0),
        members=f.get("members", 0),
        members_trained=f.get("members.trained", 0),
    )


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out = [start.replace(day=1)]
    while True:
        nxt = (out[-1] + dt.timedelta(days=32)).replace(day=1)
        if nxt > end:
            return out
        out.append(nxt)


def closing_report(session: Session, pilot: Pilot) -> PilotReport:
    """Each unit at the pilot's start and end, and the whole pilot summed."""
    now = today()
    start = min(pilot.start_on, now)
    end = min(pilot.end_on, now)
    units = repository.units_of(session, [pilot.id])[pilot.id]
    ids = [u.id for u in units]
    report_service.sync_ledger(session)
    conn = session.connection()
    at_start, _ = report_views.read(conn, ids, start, METRICS) if ids else ({}, "")
    at_end, _ = report_views.read(conn, ids, end, METRICS) if ids else ({}, "")
    months = _months(start, end)
    orders: dict[int, tuple[int, int]] = dict.fromkeys(ids, (0, 0))
    sessions: dict[int, int] = dict.fromkeys(ids, 0)
    for month in months:
        for unit_id, sums in report_views.month_activity(conn, ids, month).items():
            o, r = orders[unit_id]
            orders[unit_id] = (o + sums.orders, r + sums.revenue_vnd)
        for unit_id, t in report_views.month_training(conn, ids, month).items():
            sessions[unit_id] += t.sessions
    lines = [
        PilotLine(
            unit_id=u.id,
            name=u.name,
            start=_figures(start, at_start.get(u.id, {})),
            end=_figures(end, at_end.get(u.id, {})),
            orders=orders[u.id][0],
            revenue_vnd=orders[u.id][1],
            sessions=sessions[u.id],
        )
        for u in units
    ]

    def summed(pick: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for unit_id in ids:
            for key, value in (
                (at_start if pick == "start" else at_end).get(unit_id, {}).items()
            ):
                out[key] = out.get(key, 0) + value
        return out

    total = PilotLine(
        unit_id=0,
        name="Cả đợt thí điểm",
        start=_figures(start, summed("start")),
        end=_figures(end, summed("end")),
        orders=sum(o for o, _ in orders.values()),
        revenue_vnd=sum(r for _, r in orders.values()),
        sessions=sum(sessions.values()),
    )
    return PilotReport(
        pilot=pilot_views.read(session, pilot),
        start=start,
        end=end,
        complete=now > pilot.end_on,
        lines=lines,
        total=total,
    )
