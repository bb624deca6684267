"""The JSON API under /api/v1, gathered from every domain's router."""

from fastapi import APIRouter

from ocop_tracker.areas.router import router as areas_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(areas_router)
