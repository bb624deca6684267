"""The submissions board: units with nothing to report are neither late nor waited for."""

import datetime as dt
import html
import re

from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core.clock import today
from ocop_tracker.teams import service as team_service
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn

SINCE = dt.date(2024, 1, 1)


def _last_month() -> str:
    first = today().replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"


def _two_empty_hamlets(session: Session) -> tuple[AdminUnit, AdminUnit]:
    """Under Phường 5, since 2024: one hamlet with nothing, one with only a team."""
    official = user_repository.by_login(session, "canbo.khom3")
    assert official is not None
    assert official.area_id is not None
    quiet = area_service.add_hamlet(
        session, commune_id=official.area_id, name="Khóm Không Có Gì", valid_from=SINCE
    )
    teamed = area_service.add_hamlet(
        session, commune_id=official.area_id, name="Khóm Có Tổ", valid_from=SINCE
    )
    team_service.create_team(session, official, hamlet_id=teamed.id)
    session.commit()
    return quiet, teamed


def test_board_api_a_unit_with_nothing_is_not_late_one_with_a_team_is(
    sign_in: SignIn, session: Session
) -> None:
    quiet, teamed = _two_empty_hamlets(session)
    c = sign_in("canbo.khom3")
    r = c.get("/api/v1/reports/submissions", params={"month": _last_month()})
    assert r.status_code == 200, r.text
    board = r.json()
    status = {x["area_id"]: x["status"] for x in board["lower"]}
    assert status[quiet.id] == "nothing_to_report"
    assert status[teamed.id] == "late", "a team must report, even with no product"
    assert board["late"] == sum(1 for s in status.values() if s == "late")
    assert board["nothing_to_report"] == 1
    # Khóm 3 (products and a team) is still late for last month (demo history).
    assert "late" in [s for a, s in status.items() if a not in (quiet.id, teamed.id)]
    # This month, before the due day: nothing to report, not "not yet due".
    now = c.get("/api/v1/reports/submissions").json()
    status = {x["area_id"]: x["status"] for x in now["lower"]}
    assert status[quiet.id] == "nothing_to_report"
    assert status[teamed.id] == "open"


def test_board_a_hamlet_with_nothing_sees_so_on_its_own_line(
    sign_in: SignIn, session: Session
) -> None:
    quiet, _ = _two_empty_hamlets(session)
    admin = sign_in("admin")
    own = admin.get(
        "/api/v1/reports/submissions",
        params={"month": _last_month(), "area_id": quiet.id},
    ).json()["own"]
    assert own["status"] == "nothing_to_report"


def test_board_page_shows_nothing_to_report_and_counts_only_the_late(
    sign_in: SignIn, session: Session
) -> None:
    _two_empty_hamlets(session)
    c = sign_in("canbo.khom3")
    r = c.get("/reports/submissions", params={"month": _last_month()})
    assert r.status_code == 200
    page = html.unescape(r.text)
    rows = dict(
        re.findall(r"<th scope=\"row\"><a [^>]*>([^<]+)</a></th><td>([^<]+)</td>", page)
    )
    assert rows["Khóm Không Có Gì"] == "Không có gì để báo cáo"
    assert rows["Khóm Có Tổ"] == "Chưa nộp (quá hạn)"
    late = sum(1 for v in rows.values() if v == "Chưa nộp (quá hạn)")
    due = len(rows) - 1
    assert f"/{due} đơn vị trực thuộc phải báo cáo, {late} đơn vị quá hạn." in page
    assert "1 đơn vị không có gì để báo cáo" in page
