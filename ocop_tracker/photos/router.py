"""JSON API of photos (included under /api/v1 by api.py)."""

from fastapi import APIRouter

router = APIRouter(tags=["photos"])
