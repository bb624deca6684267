"""The how-to sheets, for anyone: ``/guides`` lists them, ``/guides/{key}``
shows one on a phone, ``/guides/{key}.pdf?size=a4|a5`` prints it.

No sign-in: a sheet holds no personal data, and households open them from
their private page. Under the public pages' per-address limit
(``public.middleware``). A sheet's PDF is made once per size and kept
(the sheets are read once at start).
"""

from functools import lru_cache
from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from ocop_tracker.core.templating import templates
from ocop_tracker.guides import pdf, sheets

router = APIRouter(include_in_schema=False)

KIND_TITLES = {
    "step": "Các bước đưa sản phẩm lên sàn",
    "shop": "Gian hàng của hộ",
    "payment": "Tài khoản thanh toán điện tử",
}
CACHE = "public, max-age=3600"


@lru_cache(maxsize=64)
def _pdf(key: str, size: pdf.Size) -> bytes:
    sheet = sheets.get(key)
    assert sheet is not None
    return pdf.render(sheet, size)


def _not_found(request: Request) -> Response:
    return templates.TemplateResponse(
        request, "guides/not_found.html", {}, status_code=404
    )


@router.get("/guides")
def guide_list(request: Request) -> Response:
    """Every sheet, by what it is for."""
    groups = {
        title: sorted(
            (s for s in sheets.catalog().values() if s.kind == kind),
            key=lambda s: s.title,
        )
        for kind, title in KIND_TITLES.items()
    }
    return templates.TemplateResponse(
        request,
        "guides/list.html",
        {"groups": groups},
        headers={"cache-control": CACHE},
    )


@router.get("/guides/{key}.pdf")
def guide_pdf(key: str, request: Request, size: Literal["a4", "a5"] = "a4") -> Response:
    """The sheet as a PDF to print, A4 or A5."""
    if sheets.get(key) is None:
        return _not_found(request)
    return Response(
        _pdf(key, size),
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="huong-dan-{key}-{size}.pdf"',
            "cache-control": CACHE,
        },
    )


@router.get("/guides/{key}")
def guide_page(key: str, request: Request) -> Response:
    """One sheet on a phone, with its A4 and A5 PDFs."""
    sheet = sheets.get(key)
    if sheet is None:
        return _not_found(request)
    return templates.TemplateResponse(
        request,
        "guides/sheet.html",
        {"sheet": sheet},
        headers={"cache-control": CACHE},
    )
