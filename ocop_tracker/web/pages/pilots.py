"""Pilots (issue 17 item 4): the list at ``/pilots`` with the form setting one
up (the department, the admin), a pilot's page with its window, its units
(added with the area picker, removed one by one) and its closing report as
PDF or XLSX."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.pilots import service as pilot_service
from ocop_tracker.pilots import views as pilot_views
from ocop_tracker.pilots.downloads import ReportFormat, report_download
from ocop_tracker.pilots.models import Pilot
from ocop_tracker.web import picker as picker_kit
from ocop_tracker.web.forms import PilotForm
from ocop_tracker.web.refused import Refused, render_forms, submit

router = APIRouter(include_in_schema=False)


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    refused: Refused | None = None,
) -> Response:
    user = principal.user
    return render_forms(
        request,
        "pilots/list.html",
        {
            "pilots": pilot_views.pilots(session, user),
            "status_words": pilot_views.STATUS_WORDS,
            "may_edit": user.role in pilot_service.EDITORS,
        },
        principal,
        refused,
    )


@router.get("/pilots")
def pilots_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """The pilots one may see, and the form to set one up."""
    return _list_page(request, session, principal)


@router.post("/pilots")
def create_pilot(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    form: Annotated[PilotForm, Form()],
) -> Response:
    """Set a pilot up, then choose its units on its page."""
    user = principal.user
    return submit(
        session,
        lambda: pilot_service.create_pilot(session, user, **form.service_args()),
        again=lambda error: _list_page(
            request, session, principal, Refused(error, form.typed(), "new")
        ),
        done=lambda row: f"/pilots/{row.id}?done=pilot_saved#units",
    )


def _pilot_page(
    request: Request,
    session: Session,
    principal: Principal,
    row: Pilot,
    refused: Refused | None = None,
    search: dict[str, str] | None = None,
) -> Response:
    user = principal.user
    view = pilot_views.read(session, row)
    typed = search or (refused.values if refused and refused.form == "units" else {})
    values = {
        "name": row.name,
        "start_on": row.start_on.isoformat(),
        "end_on": row.end_on.isoformat(),
        "note": row.note or "",
    }
    return render_forms(
        request,
        "pilots/detail.html",
        {
            "p": view,
            "status_words": pilot_views.STATUS_WORDS,
            "may_edit": user.role in pilot_service.EDITORS,
            "picker": picker_kit.picker(
                session,
                user,
                q=typed.get("area_q", ""),
                chosen_id=picker_kit.parse_id(typed.get("area_id", "")),
            ),
            "units_open": search is not None
            or (refused is not None and refused.form == "units"),
        },
        principal,
        refused,
        values=values,
    )


@router.get("/pilots/{pilot_id}")
def pilot_page(
    request: Request, session: SessionDep, principal: CurrentPrincipal, pilot_id: int
) -> Response:
    """A pilot: its window, its units and its closing report."""
    row = pilot_views.get_pilot(session, principal.user, pilot_id)
    return _pilot_page(request, session, principal, row)


@router.post("/pilots/{pilot_id}")
def update_pilot(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    pilot_id: int,
    form: Annotated[PilotForm, Form()],
) -> Response:
    """Change the pilot's name, window or note."""
    user = principal.user
    row = pilot_views.get_pilot(session, user, pilot_id)
    return submit(
        session,
        lambda: pilot_service.update_pilot(
            session, user, row, version=form.version, **form.service_args()
        ),
        again=lambda error: _pilot_page(
            request,
            session,
            principal,
            pilot_views.get_pilot(session, user, pilot_id),
            Refused(error, form.typed(), "edit"),
        ),
        done=lambda r: f"/pilots/{r.id}?done=pilot_saved",
    )


@router.post("/pilots/{pilot_id}/units")
def add_unit(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    pilot_id: int,
    area_id: Annotated[str, Form(max_length=20)] = "",
    area_q: Annotated[str, Form(max_length=100)] = "",
    find: Annotated[str, Form(max_length=3)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    """Add the unit chosen with the picker ("Tìm" only searches)."""
    user = principal.user
    row = pilot_views.get_pilot(session, user, pilot_id)
    typed = {"area_id": area_id, "area_q": area_q}
    if find:
        return _pilot_page(request, session, principal, row, search=typed)

    def command() -> Pilot:
        chosen = picker_kit.parse_id(area_id)
        if chosen is None:
            raise InvalidInput("Hãy tìm và chọn một đơn vị.", field="unit_ids")
        now = [u.unit_id for u in pilot_views.read(session, row).units]
        return pilot_service.set_units(
            session, user, row, [*now, chosen], version=version
        )

    return submit(
        session,
        command,
        again=lambda error: _pilot_page(
            request,
            session,
            principal,
            pilot_views.get_pilot(session, user, pilot_id),
            Refused(error, typed, "units"),
        ),
        done=lambda r: f"/pilots/{r.id}?done=pilot_unit_added#units",
    )


@router.post("/pilots/{pilot_id}/units/{unit_id}/delete")
def remove_unit(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    pilot_id: int,
    unit_id: int,
    version: Annotated[int | None, Form()] = None,
) -> Response:
    """Take a unit out of the pilot."""
    user = principal.user
    row = pilot_views.get_pilot(session, user, pilot_id)
    kept = [
        u.unit_id for u in pilot_views.read(session, row).units if u.unit_id != unit_id
    ]
    return submit(
        session,
        lambda: pilot_service.set_units(session, user, row, kept, version=version),
        again=lambda error: _pilot_page(
            request, session, principal, row, Refused(error, {}, "units")
        ),
        done=lambda r: f"/pilots/{r.id}?done=pilot_unit_removed#units",
    )


@router.get("/pilots/{pilot_id}/report")
def pilot_report_file(
    session: SessionDep,
    principal: CurrentPrincipal,
    pilot_id: int,
    format: ReportFormat = ReportFormat.pdf,
) -> Response:
    """The closing report as PDF or XLSX."""
    return report_download(session, principal.user, pilot_id, format)
