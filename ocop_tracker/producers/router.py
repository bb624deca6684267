"""JSON API of producers."""

from fastapi import APIRouter

router = APIRouter(tags=["producers"])
