"""Vietnamese phone numbers: one stored form (E.164), shown as people write them."""

import re

import phonenumbers

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.text import has_forbidden_chars

# Numbers already normalized, typed and stored forms alike (a stored form
# normalizes to itself): the parse is slow next to the rest of a row, and a
# list import checks each number twice (its row, then its producer). Emptied
# when full; a refusal is never kept.
_NORMALIZED: dict[str, str] = {}
_NORMALIZED_MAX = 8192


def _mobile_pattern() -> re.Pattern[str]:
    """``0`` or ``+84``, then a number the library's metadata calls a mobile."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("VN")
    mobiles = metadata.mobile if metadata else None
    pattern = mobiles.national_number_pattern if mobiles else None
    if not pattern:  # pragma: no cover - the library always has Vietnam's mobiles
        raise RuntimeError("phonenumbers has no pattern for Vietnam's mobiles")
    return re.compile(r"(?:0|\+84)(" + pattern + ")", re.ASCII)


# A mobile number written 0xxxxxxxxx or +84xxxxxxxxx, most of what is typed,
# is checked against the library's own pattern for Vietnam's mobiles instead
# of parsed (a parse takes 35 µs; a list of 20,000 rows has 10,000 numbers).
_MOBILE = _mobile_pattern()


def normalize_vn(raw: str, *, field: str = "phone") -> str:
    """``0912 345 678``, ``+84912345678`` or ``84 912…`` → ``+84912345678``.

    A refusal names ``field``, the form field the number was typed in.
    """
    known = _NORMALIZED.get(raw)
    if known is not None:
        return known
    stored = _normalize(raw, field)
    if len(_NORMALIZED) >= _NORMALIZED_MAX:
        _NORMALIZED.clear()
    _NORMALIZED[raw] = _NORMALIZED[stored] = stored
    return stored


def _normalize(raw: str, field: str) -> str:
    digits = "".join(c for c in raw if c.isdigit() or c == "+")
    if digits.startswith("84") and not digits.startswith("+"):
        digits = "+" + digits
    mobile = _MOBILE.fullmatch(digits)
    if mobile is not None:
        return "+84" + mobile.group(1)
    try:
        number = phonenumbers.parse(digits, "VN")
    except phonenumbers.NumberParseException:
        raise InvalidInput("Số điện thoại không hợp lệ.", field=field) from None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise InvalidInput("Số điện thoại không phải số Việt Nam hợp lệ.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_vn(raw: str | None, *, field: str = "phone") -> str | None:
    """A typed number in its stored form (``normalize_vn``); blank is None."""
    if raw is None or not raw.strip():
        return None
    if has_forbidden_chars(raw):
        raise InvalidInput("Số điện thoại chứa ký tự không hợp lệ.", field=field)
    return normalize_vn(raw, field=field)


def display_vn(e164: str | None) -> str:
    """``+84912345678`` → ``0912 345 678``."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "VN")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


MASK = "•"


def mask_vn(e164: str | None) -> str | None:
    """``+84912345678`` → ``09•• ••• 678``: the only form a private number is shown in."""
    if not e164:
        return None
    shown = display_vn(e164)
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    hidden = set(digits[2:-3])
    return "".join(MASK if i in hidden else c for i, c in enumerate(shown))
