"""The import page: upload the official OCOP list, see the dry-run report, then import."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from ocop_tracker.auth.deps import Principal, require_roles
from ocop_tracker.core.db import SessionDep, refusable
from ocop_tracker.imports import service as import_service
from ocop_tracker.imports.reader import read_rows
from ocop_tracker.imports.upload import read_upload
from ocop_tracker.users.models import Role
from ocop_tracker.web.render import render

router = APIRouter(include_in_schema=False)
Importer = Annotated[
    Principal, require_roles(Role.admin, Role.department, Role.official)
]


@router.get("/imports")
def import_form(request: Request, principal: Importer) -> Response:
    """The upload form."""
    return render(
        request, "imports/form.html", {"report": None, "error": None}, principal
    )


@router.post("/imports")
def import_file(
    request: Request,
    session: SessionDep,
    principal: Importer,
    upload: Annotated[tuple[bytes, str], Depends(read_upload)],
    mode: Annotated[str, Form(pattern="^(check|write)$")] = "check",
) -> Response:
    """Check the file (nothing written) or import it, all rows or none."""
    data, name = upload
    dry_run = mode != "write"
    with refusable(session) as refusal:
        report = import_service.import_rows(
            session, principal.user, read_rows(data, name), dry_run=dry_run
        )
    exc = refusal.error
    if isinstance(exc, import_service.ImportRefused):
        return render(
            request,
            "imports/form.html",
            {
                "report": exc.report,
                "error": exc.message,
                "file_name": name,
                "dry_run": dry_run,
            },
            principal,
            status_code=422,
        )
    if exc is not None:
        return render(
            request,
            "imports/form.html",
            {"report": None, "error": exc.message},
            principal,
            status_code=exc.status_code,
        )
    return render(
        request,
        "imports/form.html",
        {"report": report, "error": None, "file_name": name, "dry_run": dry_run},
        principal,
        status_code=201 if report.written else 200,
    )
