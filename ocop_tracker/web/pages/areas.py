"""The areas browser: drill down from province to hamlet, or search by name;
add and rename hamlets; move a 2022 unit's hamlets onto the 2025 map."""

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.areas import rules as area_rules
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.areas.rules import EDITION_LABELS, LEVEL_LABELS
from ocop_tracker.auth.deps import CurrentPrincipal, Principal
from ocop_tracker.auth.scope import (
    check_writer,
    covers,
    ensure_area_readable,
    readable_area_ids,
)
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import AppError, InvalidInput
from ocop_tracker.users.models import Role
from ocop_tracker.web.access import Admin
from ocop_tracker.web.refused import submit
from ocop_tracker.web.render import render, render_form

router = APIRouter(prefix="/areas", include_in_schema=False)
PAGE_SIZE = 50
# Who adds and renames hamlets: officials inside their area, admins anywhere.
HAMLET_EDITORS = frozenset({Role.admin, Role.official})
HamletName = Annotated[str, Form(max_length=200)]
MAX_CHOICES = 2000


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


def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    area_id: int,
    *,
    as_of: dt.date | None = None,
    refused: AppError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    ensure_area_readable(session, principal.user, area_id)
    unit = area_views.get(session, area_id)
    user = principal.user
    children = area_views.children(session, unit, as_of=as_of)
    readable = readable_area_ids(session, user, [c.id for c in children])
    children = [c for c in children if c.id in readable]
    to_new, from_old = area_views.mapped_units(session, unit)
    mapped = readable_area_ids(session, user, [u.id for u in [*to_new, *from_old]])
    to_new = [u for u in to_new if u.id in mapped]
    from_old = [u for u in from_old if u.id in mapped]
    editor = user.role in HAMLET_EDITORS and covers(session, user, unit.id)
    takes_hamlets = area_rules.child_level(unit.edition, unit.level) is Level.hamlet
    return render_form(
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
            "may_add": editor and takes_hamlets and unit.valid_to is None,
            "may_rename": editor and unit.level is Level.hamlet,
            "may_rehome": user.role is Role.admin
            and unit.edition is Edition.e2022
            and unit.level is not Level.hamlet,
            "form": typed or {},
        },
        principal,
        refused,
    )


@router.get("/{area_id}")
def detail(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: int,
    as_of: dt.date | None = None,
) -> Response:
    """One unit: where it sits, its chat group, its children, its 2025 mapping,
    and for officials and admins the hamlet forms."""
    return _detail_page(request, session, principal, area_id, as_of=as_of)


def _hamlet_form(
    request: Request,
    session: Session,
    principal: Principal,
    area_id: int,
    name: str,
    command: Callable[[], AdminUnit],
) -> Response:
    """Run a hamlet form's command; open the hamlet, or show the area page
    again with the name as typed and the message beside it."""
    return submit(
        session,
        command,
        again=lambda error: _detail_page(
            request, session, principal, area_id, refused=error, typed={"name": name}
        ),
        done=lambda hamlet: f"/areas/{hamlet.id}?done=saved",
    )


@router.post("/{area_id}/hamlets")
def add_hamlet(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: int,
    name: HamletName,
) -> Response:
    """Add a hamlet (khóm/ấp) under a commune of one's area, then open it."""
    check_writer(session, principal.user, area_id, "xã/phường", HAMLET_EDITORS)
    return _hamlet_form(
        request,
        session,
        principal,
        area_id,
        name,
        lambda: area_service.add_hamlet(session, commune_id=area_id, name=name),
    )


@router.post("/{area_id}/name")
def rename_hamlet(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    area_id: int,
    name: HamletName,
) -> Response:
    """Rename a hamlet of one's area; a name its commune already has is refused."""
    check_writer(session, principal.user, area_id, "khóm/ấp", HAMLET_EDITORS)
    return _hamlet_form(
        request,
        session,
        principal,
        area_id,
        name,
        lambda: area_service.rename_hamlet(session, hamlet_id=area_id, name=name),
    )


def _rehome_page(
    request: Request,
    session: Session,
    principal: Principal,
    unit: AdminUnit,
    *,
    refused: AppError | None = None,
    chosen: dict[int, int] | None = None,
) -> Response:
    cases = area_views.rehome_plan(session, unit)
    communes = sorted(
        {c.old_commune.id: c.old_commune for c in cases}.values(),
        key=lambda u: u.search_key,
    )
    if unit.level is Level.commune:
        communes = [unit]
    mappings = {
        c.id: [
            (area_views.get(session, m.new_unit_id), m)
            for m in area_views.mappings_of(session, c)
        ]
        for c in communes
    }
    return render_form(
        request,
        "areas/rehome.html",
        {
            "unit": unit,
            "ancestors": area_views.ancestors(session, unit),
            "cases": cases,
            "choices": [c for c in cases if c.needs_choice],
            "moving": [c for c in cases if len(c.candidates) == 1 and not c.clash],
            "clashes": [c for c in cases if c.clash],
            "unmapped": [c for c in cases if not c.candidates],
            "communes": communes,
            "mappings": mappings,
            "chosen": chosen or {},
            "reform_date": area_rules.REFORM_DATE,
        },
        principal,
        refused,
    )


def _old_unit(session: Session, area_id: int) -> AdminUnit:
    unit = area_views.get(session, area_id)
    if unit.edition is not Edition.e2022 or unit.level is Level.hamlet:
        raise InvalidInput(
            "Chỉ chuyển được khóm/ấp của một tỉnh, huyện hay xã theo danh mục 2022."
        )
    return unit


@router.get("/{area_id}/rehome")
def rehome_form(
    request: Request, session: SessionDep, principal: Admin, area_id: int
) -> Response:
    """The hamlets still under a 2022 unit and where each goes on 1/7/2025:
    those that move by themselves, and those a person must place."""
    return _rehome_page(request, session, principal, _old_unit(session, area_id))


def _assignments(pairs: list[str]) -> dict[int, int]:
    """The choices made: one ``<hamlet id>:<commune id>`` per list; a list left
    on "not yet" sends nothing."""
    chosen: dict[int, int] = {}
    for pair in pairs[:MAX_CHOICES]:
        hamlet, _, commune = pair.partition(":")
        if hamlet.isdigit() and commune.isdigit():
            chosen[int(hamlet)] = int(commune)
    return chosen


@router.post("/{area_id}/rehome")
def rehome(
    request: Request,
    session: SessionDep,
    principal: Admin,
    area_id: int,
    to: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Move the hamlets onto the 2025 map (``areas rehome`` as a page): those
    with one new commune, and those given a choice; the rest stay listed."""
    unit = _old_unit(session, area_id)
    chosen = _assignments(to or [])
    return submit(
        session,
        lambda: area_service.rehome_unit(session, unit_id=unit.id, assignments=chosen),
        again=lambda error: _rehome_page(
            request, session, principal, unit, refused=error, chosen=chosen
        ),
        done=lambda _: f"/areas/{area_id}/rehome?done=saved",
    )
