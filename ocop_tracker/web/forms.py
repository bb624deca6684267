"""What the product pages share: their words for kinds and marketplace states, typed
fields, parsing what people type, who may post.
"""

import datetime as dt
import re
from collections.abc import Mapping
from typing import Annotated

from fastapi import Form

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.labels import label, labels
from ocop_tracker.onboarding.models import (
    ListingStatus,
)
from ocop_tracker.onboarding.worklist import MarketState
from ocop_tracker.producers.models import ProducerKind
from ocop_tracker.products.models import ProductKind
from ocop_tracker.users.models import WRITERS, User

CHOICE_LIMIT = 200


PRODUCER_KIND_LABELS: Mapping[ProducerKind, str] = labels(ProducerKind)


PRODUCT_KIND_LABELS: Mapping[ProductKind, str] = labels(ProductKind)


# The worklist ticks a live listing.
LISTING_STATUS_LABELS: Mapping[ListingStatus, str] = {
    **labels(ListingStatus),
    ListingStatus.listed: f"{label(ListingStatus.listed)} ✓",
}


def state_words(state: MarketState) -> str:
    """A product's state on one marketplace, in the team's words."""
    if state.kind == "none":
        return "Chưa bắt đầu"
    if state.kind == "blocked":
        return f"Đang vướng: {state.step}"
    if state.kind == "doing":
        return f"Bước tiếp theo: {state.step}"
    return LISTING_STATUS_LABELS[state.status] if state.status else state.kind


_PRICE_SEPARATORS = re.compile(r"[\s.,_]")


Text = Annotated[str, Form(max_length=2000)]


Short = Annotated[str, Form(max_length=300)]


def may_write(user: User) -> bool:
    """Whether the caller registers products and records steps (SECURITY.md §L3)."""
    return user.role in WRITERS


def parse_price(raw: str) -> int | None:
    """Whole đồng as people type them: "75000", "75.000", "75 000"."""
    digits = _PRICE_SEPARATORS.sub("", raw)
    if not digits:
        return None
    if not digits.isdecimal() or not digits.isascii():
        raise InvalidInput(
            "Giá phải là số đồng, ví dụ 75000 hoặc 75.000.", field="price"
        )
    return int(digits)


def optional_id(raw: str, field: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    if not value.isdecimal() or not value.isascii():
        raise InvalidInput("Lựa chọn không hợp lệ.", field=field)
    return int(value)


def parse_date(raw: str, field: str, label: str) -> dt.date:
    """A date from ``<input type=date>`` (2025-12-31) or typed as 31/12/2025."""
    value = raw.strip()
    if not value:
        raise InvalidInput(f"Hãy nhập {label}.", field=field)
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{label[:1].upper()}{label[1:]} không hợp lệ, ví dụ 31/12/2025.",
            field=field,
        ) from None


def parse_stars(raw: str) -> int:
    value = raw.strip()
    if not value.isdecimal() or not value.isascii():
        raise InvalidInput("Hãy chọn hạng sao (3, 4 hoặc 5).", field="stars")
    return int(value)
