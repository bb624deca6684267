"""Demo pilot and team decisions: the plan's three-month pilot in the pilot
hamlets (started two months ago), and each pilot team's establishment
decision with a one-page scanned copy drawn as a PDF.

Idempotent: a pilot of the same name, or a team with a decision, is left alone.
"""

import datetime as dt
import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.cards import fonts
from ocop_tracker.core import clock
from ocop_tracker.pilots import service as pilot_service
from ocop_tracker.pilots.models import Pilot
from ocop_tracker.teams import documents
from ocop_tracker.teams import repository as team_repository
from ocop_tracker.teams import service as team_service
from ocop_tracker.users import repository as user_repository

NAME = "Thí điểm 3 tháng tại các khóm/ấp điểm (demo)"


def _scan(hamlet: AdminUnit, number: str, day: dt.date) -> bytes:
    """A one-page decision, as a commune's office would scan it."""
    font, bold = fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    canvas.setFont(bold, 13)
    canvas.drawCentredString(A4[0] / 2, 780, "QUYẾT ĐỊNH")
    canvas.setFont(font, 11)
    canvas.drawCentredString(A4[0] / 2, 760, f"Số {number}, ngày {day:%d/%m/%Y}")
    canvas.drawCentredString(
        A4[0] / 2, 730, f"Về việc thành lập Tổ công nghệ số cộng đồng {hamlet.name}"
    )
    canvas.drawString(72, 690, "(Bản mẫu của dữ liệu demo)")
    canvas.save()
    return out.getvalue()


def load(session: Session, pilots: Sequence[tuple[AdminUnit, str]]) -> list[str]:
    """Record the demo pilot and decisions; returns lines saying what changed."""
    lines: list[str] = []
    today = clock.today()
    admin = user_repository.by_login(session, "admin")
    if admin is None:
        return lines
    for n, (hamlet, key) in enumerate(pilots, start=1):
        team = team_repository.by_hamlet(session, hamlet.id)
        leader = user_repository.by_login(session, f"canbo.{key}")
        if team is None or leader is None:
            continue
        if team_repository.decision_of(session, team.id) is not None:
            continue
        day = today - dt.timedelta(days=75)
        number = f"{100 + n}/QĐ-UBND"
        team_service.record_decision(
            session,
            leader,
            team,
            number=number,
            decided_on=day,
            signer="Chủ tịch Ủy ban nhân dân",
            document=documents.accept(_scan(hamlet, number, day), number),
        )
        lines.append(f"Quyết định thành lập tổ {hamlet.name}: {number}.")
    if session.scalar(select(Pilot.id).where(Pilot.name == NAME)) is None and pilots:
        pilot = pilot_service.create_pilot(
            session,
            admin,
            name=NAME,
            start_on=today - dt.timedelta(days=60),
            end_on=today - dt.timedelta(days=60) + dt.timedelta(days=91),
            note="Ba khóm/ấp điểm của kế hoạch.",
        )
        pilot_service.set_units(
            session, admin, pilot, [h.id for h, _ in pilots], version=pilot.version
        )
        lines.append(f"Đợt thí điểm mẫu: {len(pilots)} khóm/ấp.")
    return lines
