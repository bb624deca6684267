"""Pure rules of the tree: which levels an edition has, names, chat-group names."""

import datetime as dt
from collections.abc import Mapping

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.core.labels import labels
from ocop_tracker.core.text import compact, fold

# The district level was abolished and provinces merged from this day.
REFORM_DATE = dt.date(2025, 7, 1)
LAST_DAY_2022 = REFORM_DATE - dt.timedelta(days=1)

EDITION_LEVELS: Mapping[Edition, tuple[Level, ...]] = {
    Edition.e2022: (Level.province, Level.district, Level.commune, Level.hamlet),
    Edition.e2025: (Level.province, Level.commune, Level.hamlet),
}

EDITION_LABELS: Mapping[Edition, str] = labels(Edition)

LEVEL_LABELS: Mapping[Level, str] = labels(Level)

# Longest first, so "Thành phố" wins over a shorter prefix.
UNIT_TYPES = (
    "Thành phố",
    "Thị trấn",
    "Thị xã",
    "Đặc khu",
    "Tổ dân phố",
    "Phường",
    "Huyện",
    "Quận",
    "Tỉnh",
    "Khóm",
    "Thôn",
    "Buôn",
    "Bản",
    "Xóm",
    "Phum",
    "Sóc",
    "Xã",
    "Ấp",
)
HAMLET_TYPES = ("Khóm", "Ấp", "Thôn", "Bản", "Buôn", "Xóm", "Phum", "Sóc", "Tổ dân phố")


def child_level(edition: Edition, level: Level) -> Level | None:
    """The level directly below ``level`` in ``edition``, or None for hamlets."""
    levels = EDITION_LEVELS[edition]
    index = levels.index(level)
    return levels[index + 1] if index + 1 < len(levels) else None


def split_type(name: str) -> tuple[str | None, str]:
    """("Huyện", "Kế Sách") from "Huyện Kế Sách"; a bare number keeps its type.

    The plan writes "Phường 5" whole in group names, so a short name that is
    only a number keeps its type word.
    """
    for unit_type in UNIT_TYPES:
        prefix = unit_type + " "
        if name.casefold().startswith(prefix.casefold()) and len(name) > len(prefix):
            rest = name[len(prefix) :].strip()
            return unit_type, (name if rest.replace(" ", "").isdigit() else rest)
    return None, name


def search_key(name: str, short_name: str) -> str:
    """What a search matches: the folded full name and the short name run together.

    "Huyện Kế Sách" -> "huyen ke sach kesach", so "ke sach" and "kesach" both hit.
    """
    return f"{fold(name)} {fold(short_name).replace(' ', '')}"


def group_name(chain: Mapping[Level, str]) -> str:
    """The Zalo/Viber group name of the plan (§2.7) for a unit.

    ``chain`` maps each level from the unit up to the province to its short
    name. Where no district exists (2025 edition), the province takes its place.
    """
    level = _lowest(chain)
    province = compact(chain[Level.province])
    district = compact(chain[Level.district]) if Level.district in chain else None
    upper = district or province
    if level is Level.province:
        parts = [province]
    elif level is Level.district:
        parts = [compact(chain[Level.district]), province]
    elif level is Level.commune:
        parts = [compact(chain[Level.commune]), upper]
    else:
        parts = [compact(chain[Level.hamlet]), compact(chain[Level.commune]), upper]
    return "CNCD_" + "_".join(parts)


def _lowest(chain: Mapping[Level, str]) -> Level:
    for level in (Level.hamlet, Level.commune, Level.district, Level.province):
        if level in chain:
            return level
    raise ValueError("empty chain")
