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
Upload = Annotated[tuple[bytes, str], Depends(read_upload)]
DryRun = Annotated[bool, Query(description="Check only; write nothing")]


def _answer(result: Schema, written: bool) -> JSONResponse:
    """What an import found (200, dry run) or wrote (201)."""
    return JSONResponse(result.model_dump(), status_code=201 if written else 200)


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
    upload: Upload,
    dry_run: DryRun = True,
) -> JSONResponse:
    """Check (``dry_run=true``, the default) or import an XLSX/CSV of OCOP products."""
    data, name = upload
    report = import_service.import_rows(
        session, principal.user, read_rows(data, name), dry_run=dry_run
    )
    return _answer(ImportResult.from_object(report), report.written)


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
    upload: Upload,
    dry_run: DryRun = True,
) -> JSONResponse:
    """Check (``dry_run=true``, the default) or import shops' monthly activity (XLSX/CSV).

    A wrong row refuses the whole file: 422 with every problem in ``detail``.
    """
    data, name = upload
    report = activity_import.import_activity(
        session, principal.user, activity_import.read(data, name), dry_run=dry_run
    )
    result = ActivityImportResult.from_object(
        report,
        new=report.count("new"),
        corrected=report.count("corrected"),
        unchanged=report.count("same"),
    )
    return _answer(result, report.written)
