"""The import page: upload the official OCOP list, see the dry-run report, then
import; and the template to fill in."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep
from ocop_tracker.imports import service as import_service
from ocop_tracker.imports.places import UNPLACED
from ocop_tracker.imports.reader import read_rows
from ocop_tracker.imports.template import FILE_NAME, template_xlsx
from ocop_tracker.users.models import Role
from ocop_tracker.web.uploads import (
    ImportPage,
    Mode,
    Upload,
    answer_upload,
    template_download,
)

router = APIRouter(include_in_schema=False)
Importer = Annotated[
    Principal, require_roles(Role.admin, Role.department, Role.official)
]


PAGE = ImportPage("imports/form.html", {"unplaced": UNPLACED})


@router.get("/imports")
def import_form(request: Request, principal: Importer) -> Response:
    """The upload form."""
    return PAGE.render(request, principal)


@router.get("/imports/template.xlsx")
def import_template(principal: Importer) -> Response:
    """The template: the columns the importer reads, one example row."""
    return template_download(template_xlsx(), FILE_NAME)


@router.post("/imports")
def import_file(
    request: Request,
    session: SessionDep,
    principal: Importer,
    upload: Upload,
    mode: Mode = "check",
) -> Response:
    """Check the file (nothing written) or import it, all rows or none."""
    data, name = upload
    return answer_upload(
        session,
        partial(PAGE.render, request, principal),
        lambda dry_run: import_service.import_rows(
            session, principal.user, read_rows(data, name), dry_run=dry_run
        ),
        import_service.ImportRefused,
        file_name=name,
        mode=mode,
        problems=lambda exc: exc.message,
    )
