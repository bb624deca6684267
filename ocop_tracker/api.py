"""The JSON API under /api/v1, gathered from every domain's router."""

from fastapi import APIRouter

from ocop_tracker.areas.router import router as areas_router
from ocop_tracker.audit.router import router as audit_router
from ocop_tracker.auth.router import router as auth_router
from ocop_tracker.cards.router import router as cards_router
from ocop_tracker.core.schemas import ERROR_RESPONSES
from ocop_tracker.exports.router import router as exports_router
from ocop_tracker.imports.router import router as imports_router
from ocop_tracker.onboarding.router import router as onboarding_router
from ocop_tracker.photos.router import router as photos_router
from ocop_tracker.pilots.router import router as pilots_router
from ocop_tracker.producers.router import router as producers_router
from ocop_tracker.products.router import router as products_router
from ocop_tracker.reports.router import router as reports_router
from ocop_tracker.sellers.router import router as sellers_router
from ocop_tracker.teams.router import router as teams_router
from ocop_tracker.training.router import router as training_router
from ocop_tracker.users.router import router as users_router

# Every operation documents the error answers the handlers give (one body).
api_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
for router in (
    auth_router,
    areas_router,
    users_router,
    teams_router,
    audit_router,
    producers_router,
    products_router,
    onboarding_router,
    sellers_router,
    training_router,
    pilots_router,
    exports_router,
    imports_router,
    photos_router,
    cards_router,
    reports_router,
):
    api_router.include_router(router)
