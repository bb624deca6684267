"""Imports every domain's models so that one metadata describes the schema."""

from ocop_tracker.areas.models import AdminUnit, AdminUnitLink, AreaMapping
from ocop_tracker.core.base import Base

__all__ = ["AdminUnit", "AdminUnitLink", "AreaMapping", "Base"]
