"""Uploading the official OCOP list: a dry run first, then the real import."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile
from fastapi.responses import JSONResponse

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.schemas import Schema
from ocop_tracker.imports import service as import_service
from ocop_tracker.imports.reader import MAX_BYTES, read_rows

router = APIRouter(prefix="/imports", tags=["imports"])


class ImportResult(Schema):
    """What the import found (dry run) or wrote."""

    rows: int
    producers_new: int
    products_new: int
    certificates_new: int
    unchanged: int
    written: bool


async def read_upload(file: UploadFile) -> tuple[bytes, str]:
    """The uploaded bytes, refusing more than the limit without reading it all."""
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InvalidInput("Tệp lớn quá 10 MB.", status_code=413)
    return data, file.filename or "upload"


@router.post("/ocop-list", response_model=ImportResult)
def import_ocop_list(
    session: SessionDep,
    principal: CurrentPrincipal,
    upload: Annotated[tuple[bytes, str], Depends(read_upload)],
    dry_run: Annotated[bool, Query(description="Check only; write nothing")] = True,
) -> JSONResponse:
    """Check (``dry_run=true``, the default) or import an XLSX/CSV of OCOP products."""
    data, name = upload
    report = import_service.import_rows(
        session, principal.user, read_rows(data, name), dry_run=dry_run
    )
    body = ImportResult(
        rows=report.rows,
        producers_new=report.producers_new,
        products_new=report.products_new,
        certificates_new=report.certificates_new,
        unchanged=report.unchanged,
        written=report.written,
    )
    return JSONResponse(body.model_dump(), status_code=201 if report.written else 200)
