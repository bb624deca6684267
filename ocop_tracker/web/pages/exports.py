"""Downloads from the pages: the worklist's products, certificates and listings,
and the producers' list, as XLSX or CSV, filtered as on screen.

The links on ``/worklist`` and ``/producers`` carry the page's own query
parameters; the file is built by ``exports/service.py`` (scope, rate limit,
audit) and answered by ``exports/downloads.py``, like the API's downloads.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.responses import Response

from ocop_tracker.auth.deps import CurrentPrincipal
from ocop_tracker.core.clock import today
from ocop_tracker.core.db import SessionDep
from ocop_tracker.exports import service as export_service
from ocop_tracker.exports.downloads import file_response
from ocop_tracker.exports.service import Dataset, FileFormat, Filters
from ocop_tracker.producers.models import ProducerKind
from ocop_tracker.web.paging import Search

router = APIRouter(include_in_schema=False)
YES_NO = {"yes": True, "no": False}
YesNo = Annotated[Literal["yes", "no"] | None, Query()]


def export_url(filters: Mapping[str, object]) -> Callable[[str, str], str]:
    """For a page's template: the link downloading ``dataset`` as ``format`` with
    the page's filters (those set)."""
    kept = {k: v for k, v in filters.items() if v not in (None, "")}

    def url(dataset: str, file_format: str) -> str:
        return f"/exports/{dataset}?" + urlencode({**kept, "format": file_format})

    return url


@router.get("/exports/{dataset}")
def download(
    session: SessionDep,
    principal: CurrentPrincipal,
    dataset: Dataset,
    format: FileFormat = FileFormat.xlsx,
    q: Search = "",
    area_id: Annotated[int | None, Query(ge=1, le=10**11)] = None,
    hamlet_id: Annotated[int | None, Query(ge=1, le=10**11)] = None,
    kind: ProducerKind | None = None,
    payment: YesNo = None,
    consent: YesNo = None,
) -> Response:
    """The rows on screen, every page of them: the worklist's filters (``area_id``,
    ``q``) or the producers' list's (``q``, ``kind``, ``hamlet_id``, ``payment``,
    ``consent``)."""
    producers = dataset is Dataset.producers
    filters = Filters(
        area_id=hamlet_id if producers else area_id,
        q=q.strip() or None,
        producer_kind=kind if producers else None,
        has_payment=YES_NO.get(payment or "") if producers else None,
        has_consent=YES_NO.get(consent or "") if producers else None,
    )
    file = export_service.export(
        session, principal.user, dataset, format, filters=filters, today=today()
    )
    return file_response(file)
