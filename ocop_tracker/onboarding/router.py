"""JSON API of onboarding."""

from fastapi import APIRouter

router = APIRouter(tags=["onboarding"])
