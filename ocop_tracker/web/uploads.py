"""What the two import pages share — the official OCOP list (``pages/imports.py``)
and shops' monthly activity (``pages/activity.py``): the template to fill in, the
form's fields (``Upload``, ``Mode``), and the answer to an uploaded file, checked
(nothing written) or imported, all rows or none. Their upload form is
``upload_form`` in ``templates/_macros/imports.html``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocop_tracker.auth.deps import Principal
from ocop_tracker.core.db import refusable
from ocop_tracker.core.downloads import XLSX
from ocop_tracker.core.errors import AppError
from ocop_tracker.imports.upload import read_upload
from ocop_tracker.web.render import render

# The file an import form sends, read within the size limit.
Upload = Annotated[tuple[bytes, str], Depends(read_upload)]
# What the form asks: "check" the file (nothing written) or "write" it.
Mode = Annotated[str, Form(pattern="^(check|write)$")]


class Report(Protocol):
    """An import's report: whether it wrote."""

    @property
    def written(self) -> bool: ...


class FileRefused(Protocol):
    """An import's refusal of a file with problems: its report lists them all."""

    @property
    def report(self) -> Any: ...


R = TypeVar("R", bound=Report)
E = TypeVar("E", bound=FileRefused)


@dataclass(frozen=True)
class ImportPage:
    """An import page: its template and what it always shows (``shown``)."""

    template: str
    shown: Mapping[str, Any]

    def render(
        self,
        request: Request,
        principal: Principal,
        status_code: int = 200,
        **context: Any,
    ) -> Response:
        """The page: the upload form, and above it the report on a file sent or
        why it was refused (``report``, ``error``, ``file_name``, ``dry_run``)."""
        return render(
            request,
            self.template,
            {"report": None, "error": None, **self.shown, **context},
            principal,
            status_code=status_code,
        )


def template_download(data: bytes, file_name: str) -> Response:
    """An import's XLSX template, as an attachment never kept by a cache."""
    return Response(
        data,
        media_type=XLSX,
        headers={
            "content-disposition": f'attachment; filename="{file_name}"',
            "cache-control": "no-store",
        },
    )


def answer_upload(
    session: Session,
    page: Callable[..., Response],
    run: Callable[[bool], R],
    refused: type[E],
    *,
    file_name: str,
    mode: str,
    problems: Callable[[E], str],
) -> Response:
    """Check the file (``mode`` "check": ``run(dry_run=True)``, nothing written)
    or import it: the page with the report (201 once written); a file with
    problems (``refused``), its report and ``problems(refusal)`` above it (422);
    any other refusal, its message."""
    dry_run = mode != "write"
    with refusable(session) as refusal:
        report = run(dry_run)
    exc: AppError | None = refusal.error
    if isinstance(exc, refused):
        return page(
            422,
            report=exc.report,
            error=problems(exc),
            file_name=file_name,
            dry_run=dry_run,
        )
    if exc is not None:
        return page(exc.status_code, error=exc.message)
    return page(
        201 if report.written else 200,
        report=report,
        file_name=file_name,
        dry_run=dry_run,
    )
