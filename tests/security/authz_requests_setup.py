"""Requests of the team decision and pilot routes for the authorization matrix."""

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.pilots import service as pilot_service
from ocop_tracker.pilots.models import Pilot
from ocop_tracker.teams import documents
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.teams import service as team_service
from ocop_tracker.users.models import User
from tests.factories import make_actor

if TYPE_CHECKING:
    from tests.security.test_authz_matrix import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _decided(session: Session, w: "World", t: str) -> None:
    """The target team's decision, recorded by the factory admin once."""
    team = w.team[t]
    if team_repository.decision_of(session, team.id) is None:
        team_service.record_decision(
            session,
            make_actor(session),
            team,
            number="1/QĐ-UBND",
            decided_on=clock.today(),
            signer="Chủ tịch",
            document=documents.accept(PDF, "1"),
        )
        session.commit()


def _pilot(session: Session, w: "World", t: str) -> Pilot:
    admin = make_actor(session)
    row = pilot_service.create_pilot(
        session,
        admin,
        name=f"Thí điểm ma trận {t}",
        start_on=clock.today(),
        end_on=clock.today(),
    )
    pilot_service.set_units(session, admin, row, [w.hamlet[t].id])
    session.commit()
    return row


def request(
    route: str, path: str, w: "World", t: str, actor: User | None, session: Session
) -> tuple[str, str, dict[str, Any]] | None:
    """The request for one of these routes, or None for other routes."""
    method = route.split(" ", 1)[0]
    if "/decision" in route:
        _decided(session, w, t)
        url = path.replace("{team_id}", str(w.team[t].id))
        fields = {
            "number": "2/QĐ-UBND",
            "decided_on": "2025-03-01",
            "signer": "Chủ tịch",
        }
        if method == "GET":
            return ("GET", url, {})
        files = {"document": ("qd.pdf", PDF, "application/pdf")}
        return (method, url, {"data": fields, "files": files})
    if "/pilots" not in route:
        return None
    url = path
    version = None
    if "{pilot_id}" in url:
        row = _pilot(session, w, t)
        url, version = url.replace("{pilot_id}", str(row.id)), row.version
    url = url.replace("{unit_id}", str(w.hamlet[t].id))
    if method == "GET":
        params = {"format": "xlsx"} if url.endswith(("/report", "/download")) else {}
        return ("GET", url, {"params": params})
    window = {
        "start_on": clock.today().isoformat(),
        "end_on": clock.today().isoformat(),
    }
    if url.startswith("/api/"):
        if url.endswith("/units"):
            body: dict[str, Any] = {"unit_ids": [w.hamlet[t].id], "version": version}
        elif version is not None:
            body = {"name": "Đợt đổi tên", "version": version}
        else:
            body = {"name": "Đợt mới", **window}
        return (method, url, {"json": body})
    if url.endswith("/units"):
        data = {"area_id": str(w.hamlet[t].id), "version": str(version)}
    elif url.endswith("/delete"):
        data = {"version": str(version)}
    else:
        data = {"name": "Đợt mới", **window}
        if version is not None:
            data["version"] = str(version)
    return (method, url, {"data": data})
