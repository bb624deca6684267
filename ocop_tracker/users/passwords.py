"""Password rules (SECURITY.md T11, §L5): length, common and context words."""

import unicodedata
from functools import lru_cache

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.text import fold

MIN_LENGTH = 10
MAX_LENGTH = 128
# The most common passwords of zxcvbn's list (30,000 entries; ASVS asks for ≥ 3,000).
COMMON_COUNT = 30_000
CONTEXT_WORDS = (
    "ocop",
    "voso",
    "postmart",
    "soctrang",
    "cantho",
    "matkhau",
    "password",
)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"][:COMMON_COUNT])


def check(
    password: str, *, context: tuple[str, ...] = (), field: str = "password"
) -> None:
    """Refuse a password that is too short, too long, common or made of context words.

    No composition rules, no trimming, no case folding of what is stored: only
    the checks below look at a folded form. A refusal names ``field``.
    """
    nfc = unicodedata.normalize("NFC", password)
    if len(nfc) < MIN_LENGTH:
        raise InvalidInput(f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự.", field=field)
    if len(nfc) > MAX_LENGTH:
        raise InvalidInput(f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự.", field=field)
    squeezed = fold(nfc).replace(" ", "")
    if nfc.lower() in _common() or squeezed in _common():
        raise InvalidInput(
            "Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác.", field=field
        )
    words = [*CONTEXT_WORDS, *(fold(c).replace(" ", "") for c in context if c)]
    for word in words:
        if len(word) >= 3 and word in squeezed and len(squeezed) - len(word) <= 6:
            raise InvalidInput(
                "Mật khẩu không được dựa trên tên đăng nhập, tên dịch vụ hay tên địa phương.",
                field=field,
            )
