"""Vietnamese text: one canonical form (NFC) and a folded key for search."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_KEY = re.compile(r"[^a-z0-9 ]+")
# đ/Đ is a letter of its own, not d with a combining mark, so NFD does not split it.
_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})
_FORBIDDEN = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def normalize(value: str) -> str:
    """NFC, with runs of white space collapsed and the ends trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value)).strip()


def has_forbidden_chars(value: str) -> bool:
    """True for control, zero-width, bidi-override or NUL characters."""
    return bool(_FORBIDDEN.search(value))


def fold(value: str) -> str:
    """Lower-case ASCII key without diacritics: "Kế Sách" -> "ke sach"."""
    decomposed = unicodedata.normalize("NFD", value.translate(_D_MAP))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return normalize(_NON_KEY.sub(" ", stripped.lower()))


def compact(value: str) -> str:
    """Folded, then written together in CamelCase: "Kế Sách" -> "KeSach"."""
    return "".join(word[:1].upper() + word[1:] for word in fold(value).split())
