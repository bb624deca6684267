"""JSON API of the administrative tree."""

import datetime as dt
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, UploadFile, status
from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.areas.schemas import (
    AreaRead,
    HamletCreate,
    HamletImportResult,
    HamletRename,
)
from ocop_tracker.auth.deps import CurrentPrincipal, Principal, require_roles
from ocop_tracker.auth.scope import (
    covers,
    ensure_area_readable,
    ensure_visible,
    readable_area_ids,
)
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.schemas import IsoDate, Limit, Offset, Page, WholeNumber
from ocop_tracker.users.models import Role

router = APIRouter(prefix="/areas", tags=["areas"])
AreaEditor = Annotated[Principal, require_roles(Role.admin, Role.official)]

MAX_CSV_BYTES = 1_000_000
AsOf = Annotated[
    IsoDate | None, Query(description="Tree as it stood on this date (default today)")
]


def to_read(
    session: Session, units: Sequence[AdminUnit], as_of: dt.date | None = None
) -> list[AreaRead]:
    """API models of ``units``, with their chat-group names."""
    names = area_views.group_names(session, units, as_of=as_of)
    return [AreaRead.from_object(u, group_name=names.get(u.id, "")) for u in units]


def _readable(session: Session, principal: Principal, area_id: int) -> AdminUnit:
    """The unit, once the caller is known to be allowed to read it."""
    ensure_area_readable(session, principal.user, area_id)
    return area_views.get(session, area_id)


@router.get("")
def list_areas(
    session: SessionDep,
    principal: CurrentPrincipal,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Name, with or without diacritics"),
    ] = None,
    level: Level | None = None,
    parent_id: WholeNumber | None = None,
    edition: Edition | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AreaRead]:
    """Search the tree ignoring diacritics and case ("ke sach" finds "Kế Sách")."""
    units, total = area_views.search(
        session,
        q=q,
        level=level,
        parent_id=parent_id,
        edition=edition,
        limit=limit,
        offset=offset,
        viewer=principal.user,
    )
    return Page[AreaRead](
        items=to_read(session, units), total=total, limit=limit, offset=offset
    )


@router.get("/{area_id}")
def get_area(
    session: SessionDep, principal: CurrentPrincipal, area_id: int, as_of: AsOf = None
) -> AreaRead:
    """One unit."""
    return to_read(session, [_readable(session, principal, area_id)], as_of)[0]


@router.get("/{area_id}/children")
def get_children(
    session: SessionDep, principal: CurrentPrincipal, area_id: int, as_of: AsOf = None
) -> list[AreaRead]:
    """The units directly under this one on a date (those the caller may read)."""
    unit = _readable(session, principal, area_id)
    children = area_views.children(session, unit, as_of=as_of)
    readable = readable_area_ids(session, principal.user, [c.id for c in children])
    return to_read(session, [c for c in children if c.id in readable], as_of)


@router.get("/{area_id}/ancestors")
def get_ancestors(
    session: SessionDep, principal: CurrentPrincipal, area_id: int, as_of: AsOf = None
) -> list[AreaRead]:
    """The units above this one on a date, province first."""
    unit = _readable(session, principal, area_id)
    return to_read(session, area_views.ancestors(session, unit, as_of=as_of), as_of)


@router.post("/{area_id}/hamlets", status_code=status.HTTP_201_CREATED)
def create_hamlet(
    session: SessionDep, principal: AreaEditor, area_id: int, body: HamletCreate
) -> AreaRead:
    """Add a hamlet (khóm/ấp) under a commune of the caller's area."""
    ensure_visible(session, principal.user, area_id, "xã/phường")
    unit = area_service.add_hamlet(
        session, commune_id=area_id, name=body.name, valid_from=body.valid_from
    )
    return to_read(session, [unit])[0]


@router.patch("/{area_id}")
def rename_hamlet(
    session: SessionDep, principal: AreaEditor, area_id: int, body: HamletRename
) -> AreaRead:
    """Rename a hamlet (khóm/ấp) of the caller's area; refused when a sibling
    already has the name."""
    ensure_visible(session, principal.user, area_id, "khóm/ấp")
    unit = area_service.rename_hamlet(session, hamlet_id=area_id, name=body.name)
    return to_read(session, [unit])[0]


@router.post("/hamlets/import", status_code=status.HTTP_201_CREATED)
def import_hamlets(
    session: SessionDep,
    principal: AreaEditor,
    file: UploadFile,
    edition: Edition | None = None,
) -> HamletImportResult:
    """Create hamlets from a CSV file (commune_code, name[, edition]): all or none."""
    data = file.file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInput("Tệp CSV lớn quá 1 MB.", status_code=413)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("Tệp CSV phải mã hóa UTF-8.") from None
    units = area_service.import_hamlets_csv(
        session,
        text=text,
        edition=edition,
        allowed=lambda commune: covers(session, principal.user, commune.id),
    )
    return HamletImportResult(created=to_read(session, units))
