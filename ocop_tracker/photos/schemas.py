"""The API's view of photos, readiness and marketplace photo rules."""

import datetime as dt

from pydantic import Field, StrictBool

from ocop_tracker.core.schemas import Schema
from ocop_tracker.photos.models import PhotoKind


class PhotoRead(Schema):
    """A stored photo: its renditions' URLs and sizes, and its flags."""

    id: int
    product_id: int
    kind: PhotoKind
    listing_id: int | None
    step_code: str | None
    position: int
    is_main: bool
    is_public: bool
    content_type: str
    width: int
    height: int
    size_bytes: int
    thumb_width: int
    thumb_height: int
    url: str
    thumb_url: str
    created_at: dt.datetime


class PhotoUpdate(Schema):
    """Choose the main photo, show or hide it publicly, or move it."""

    is_main: StrictBool | None = None
    is_public: StrictBool | None = None
    position: int | None = Field(default=None, ge=1, le=1000)


class ReadinessRead(Schema):
    """A product's photos against one marketplace's rule; ``missing`` says what to do."""

    marketplace_id: int
    marketplace_code: str
    marketplace_name: str
    min_count: int
    min_width: int
    min_height: int
    require_main: bool
    good: int
    ready: bool
    missing: list[str]
    step_done: bool | None


class PhotoRuleRead(Schema):
    """What a marketplace asks of a product's photos."""

    marketplace_id: int
    marketplace_code: str
    min_count: int
    min_width: int
    min_height: int
    require_main: bool
    pack_size: int


class PhotoRuleWrite(Schema):
    """A marketplace's photo rule, as an admin sets it."""

    min_count: int = Field(ge=1, le=12)
    min_width: int = Field(ge=1, le=2048)
    min_height: int = Field(ge=1, le=2048)
    require_main: StrictBool = True
    pack_size: int = Field(default=1000, ge=200, le=2048)
