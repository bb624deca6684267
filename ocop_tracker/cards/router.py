"""JSON API of cards (included under /api/v1 by api.py)."""

from fastapi import APIRouter

router = APIRouter(tags=["cards"])
