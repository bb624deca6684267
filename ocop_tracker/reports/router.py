"""JSON API of reports (included under /api/v1 by api.py)."""

from fastapi import APIRouter

router = APIRouter(tags=["reports"])
