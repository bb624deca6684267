"""Uploading the official OCOP list: a dry run first, then the real import."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import Field

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.db import SessionDep
from ocop_tracker.core.schemas import Schema
from ocop_tracker.imports import activity as activity_import
from ocop_tracker.imports import service as import_service
from ocop_tracker.imports.reader import read_rows
from ocop_tracker.imports.upload import read_upload

router = APIRouter(prefix="/imports", tags=["imports"])


class ImportResult(Schema):
    """What the import found (dry run) or wrote."""

    rows: int
    producers_new: int
    products_new: int
    certificates_new: int
    unchanged: int
    unplaced: int = Field(
        description="Rows naming no hamlet, put in their commune's 'Chưa xếp ấp'"
    )
    hamlets_new: int = Field(description="'Chưa xếp ấp' hamlets created")
    written: bool


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
        unplaced=report.unplaced,
        hamlets_new=report.hamlets_new,
        written=report.written,
    )
    return JSONResponse(body.model_dump(), status_code=201 if report.written else 200)


class ActivityImportResult(Schema):
    """What the activity import found (dry run) or wrote."""

    rows: int
    new: int = Field(description="Months not reported before")
    corrected: int = Field(description="Months whose figures change")
    unchanged: int
    written: bool


@router.post("/seller-activity", response_model=ActivityImportResult)
def import_seller_activity(
    session: SessionDep,
    principal: CurrentPrincipal,
    upload: Annotated[tuple[bytes, str], Depends(read_upload)],
    dry_run: Annotated[bool, Query(description="Check only; write nothing")] = True,
) -> JSONResponse:
    """Check (``dry_run=true``, the default) or import shops' monthly activity (XLSX/CSV).

    A wrong row refuses the whole file: 422 with every problem in ``detail``.
    """
    data, name = upload
    report = activity_import.import_activity(
        session, principal.user, activity_import.read(data, name), dry_run=dry_run
    )
    body = ActivityImportResult(
        rows=report.rows,
        new=report.count("new"),
        corrected=report.count("corrected"),
        unchanged=report.count("same"),
        written=report.written,
    )
    return JSONResponse(body.model_dump(), status_code=201 if report.written else 200)
