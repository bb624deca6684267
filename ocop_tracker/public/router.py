"""Public routes (no sign-in): the product page a QR card opens."""

from fastapi import APIRouter

router = APIRouter(tags=["public"])
