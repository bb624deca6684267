"""Pages of cards: choosing and printing QR cards."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
