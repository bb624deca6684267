"""Jinja2 templates with Vietnamese formatting and cache-busted static URLs."""

import datetime as dt
import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi.templating import Jinja2Templates

from ocop_tracker.core.config import PROJECT_DIR

STATIC_DIR = PROJECT_DIR / "static"
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "web" / "templates"


@lru_cache(maxsize=64)
def static_url(path: str) -> str:
    """``/static/<path>?v=<hash>``: browsers may cache it for a year."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


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
