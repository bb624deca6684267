"""Jinja2 templates with Vietnamese formatting and cache-busted static URLs."""

import datetime as dt
import hashlib
import re
from functools import cache
from pathlib import Path

from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.responses import Response
from starlette.types import Scope

from ocop_tracker.core.config import PROJECT_DIR

STATIC_DIR = PROJECT_DIR / "static"
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"


# A static file's URL names its content: ``css/app.3f2a9c1b0d.css``.
HASHED = re.compile(
    r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$"
)
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


@cache
def static_digests() -> dict[str, str]:
    """Every static file's path (``css/app.css``) with the start of its SHA-256.

    Computed once, from the files' contents, the first time a page or a static
    file is served (``create_app`` asks at start-up): a new release's files get
    new URLs, an unchanged file keeps its URL and its browser cache.
    """
    return {
        path.relative_to(STATIC_DIR).as_posix(): hashlib.sha256(
            path.read_bytes()
        ).hexdigest()[:10]
        for path in sorted(STATIC_DIR.rglob("*"))
        if path.is_file()
    }


def static_url(path: str) -> str:
    """``/static/css/app.<hash>.css``: the content's URL, cached a year, immutable."""
    digest = static_digests()[path]
    stem, dot, suffix = path.rpartition(".")
    if not dot or "/" in suffix:
        return f"/static/{path}?v={digest}"
    return f"/static/{stem}.{digest}.{suffix}"


class HashedStaticFiles(StaticFiles):
    """``/static``: a hashed URL (``static_url``) is the file, immutable for a
    year; the plain URL still works, cached for minutes only. A hash that is not
    the file's now (a page of the previous release) gets today's file, briefly."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file under its hashed or plain name, with its cache lifetime."""
        match = HASHED.match(path)
        cache_control = SHORT
        if match is not None:
            name = match["stem"] + match["suffix"]
            if name in static_digests():
                if static_digests()[name] == match["digest"]:
                    cache_control = IMMUTABLE
                path = name
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = cache_control
        return response


def vi_date(value: dt.date | None) -> str:
    """31/12/2025, as Vietnamese forms write dates."""
    return value.strftime("%d/%m/%Y") if value else ""


def vi_number(value: int | float) -> str:
    """1.234.567: Vietnamese groups thousands with dots."""
    return f"{value:,}".replace(",", ".")


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.globals["static_url"] = static_url
templates.env.filters["vi_date"] = vi_date
templates.env.filters["vi_number"] = vi_number
