"""JSON API of products."""

from fastapi import APIRouter

router = APIRouter(tags=["products"])
