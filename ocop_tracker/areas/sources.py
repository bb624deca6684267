"""The official lists, read from maintained PyPI packages (never typed by hand).

- 2022 edition (63 provinces, districts, communes): ``vietnamadminunits``.
- 2025 edition (34 provinces, communes and wards, official 2025 codes):
  ``vietnam-provinces``.
- Old → new commune mapping: ``vietnamadminunits`` (keyed by folded names, which
  we resolve to each edition's codes).
"""

import importlib.util
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vietnam_provinces import Province, Ward

from ocop_tracker.areas.models import Edition, Level, MappingKind
from ocop_tracker.areas.rules import split_type
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.text import fold


@dataclass(frozen=True)
class SourceUnit:
    """One unit of an official list; ``parent_code`` is None for provinces."""

    level: Level
    code: str
    name: str
    short_name: str
    unit_type: str | None
    parent_code: str | None
    parent_level: Level | None


@dataclass(frozen=True)
class SourceMapping:
    """An old commune code mapped to a new one."""

    old_code: str
    new_code: str
    kind: MappingKind
    is_default: bool


@dataclass(frozen=True)
class ProvinceRef:
    """A province of an edition, as the CLI lets a person name it."""

    code: str
    name: str
    short_name: str


def _data_file(name: str) -> Path:
    """A data file of ``vietnamadminunits``, found without importing the package.

    Importing it loads numpy and shapely (0.4–0.7 s) for files we only read.
    """
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the vietnamadminunits package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def _legacy_db() -> sqlite3.Connection:
    path = _data_file("dataset.db")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _short(name: str) -> str:
    return split_type(name)[1]


def provinces(edition: Edition) -> list[ProvinceRef]:
    """Every province of an edition, sorted by code."""
    if edition is Edition.e2025:
        refs = [
            ProvinceRef(_code(p.code.value, 2), p.name, _short(p.name))
            for p in Province.iter_all()
        ]
    else:
        with _legacy_db() as conn:
            rows = conn.execute(
                "SELECT DISTINCT provinceCode, province, provinceShort "
                "FROM admin_units_legacy"
            ).fetchall()
        refs = [ProvinceRef(r[0], r[1], r[2]) for r in rows]
    return sorted(refs, key=lambda ref: ref.code)


def resolve_provinces(edition: Edition, names: Iterable[str]) -> list[ProvinceRef]:
    """Provinces named by code, full or short name, with or without diacritics."""
    known = provinces(edition)
    chosen: list[ProvinceRef] = []
    for raw in names:
        key = fold(raw).replace(" ", "")
        match = [
            ref
            for ref in known
            if key
            in {
                ref.code,
                fold(ref.name).replace(" ", ""),
                fold(ref.short_name).replace(" ", ""),
            }
        ]
        if not match:
            raise InvalidInput(
                f"Không có tỉnh/thành '{raw}' trong danh mục {edition.value} "
                f"(no province '{raw}' in the {edition.value} edition)"
            )
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def _code(value: int | str, width: int) -> str:
    return str(value).zfill(width)


def units(edition: Edition, province_codes: set[str] | None) -> Iterator[SourceUnit]:
    """Units of an edition, parents before children; None = the whole country."""
    if edition is Edition.e2025:
        yield from _units_2025(province_codes)
    else:
        yield from _units_2022(province_codes)


def _units_2025(province_codes: set[str] | None) -> Iterator[SourceUnit]:
    chosen = [
        p
        for p in Province.iter_all()
        if province_codes is None or _code(p.code.value, 2) in province_codes
    ]
    for p in chosen:
        unit_type, short = split_type(p.name)
        yield SourceUnit(
            Level.province, _code(p.code.value, 2), p.name, short, unit_type, None, None
        )
    for p in chosen:
        for w in Ward.iter_by_province(p.code):
            unit_type, short = split_type(w.name)
            yield SourceUnit(
                Level.commune,
                _code(w.code.value, 5),
                w.name,
                short,
                unit_type,
                _code(p.code.value, 2),
                Level.province,
            )


def _units_2022(province_codes: set[str] | None) -> Iterator[SourceUnit]:
    with _legacy_db() as conn:
        rows = conn.execute(
            "SELECT province, provinceShort, provinceCode, district, districtShort, "
            "districtType, districtCode, ward, wardShort, wardType, wardCode "
            "FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    rows = [
        r for r in rows if province_codes is None or r["provinceCode"] in province_codes
    ]
    seen: set[tuple[Level, str]] = set()
    for r in rows:
        if (Level.province, r["provinceCode"]) not in seen:
            seen.add((Level.province, r["provinceCode"]))
            unit_type, _ = split_type(r["province"])
            yield SourceUnit(
                Level.province,
                r["provinceCode"],
                r["province"],
                r["provinceShort"],
                unit_type,
                None,
                None,
            )
    # Districts, then communes, each under its parent's code (the legacy table
    # names a level's columns after it: ``ward``, ``wardCode``, ``wardType``).
    for level, unit, parent, parent_level in (
        (Level.district, "district", "province", Level.province),
        (Level.commune, "ward", "district", Level.district),
    ):
        for r in rows:
            code = r[f"{unit}Code"]
            # Island districts (Hoàng Sa, Bạch Long Vĩ, ...) have no communes.
            if code and (level, code) not in seen:
                seen.add((level, code))
                yield SourceUnit(
                    level,
                    code,
                    r[unit],
                    _short(r[unit]),
                    r[f"{unit}Type"] or split_type(r[unit])[0],
                    r[f"{parent}Code"],
                    parent_level,
                )


@lru_cache(maxsize=1)
def mappings() -> tuple[SourceMapping, ...]:
    """The official old → new commune mapping, as pairs of codes.

    The source keys communes by folded names; old keys resolve through the 2022
    list, new keys through the 2025 list of ``vietnam-provinces`` (whose codes
    are the official 2025 ones), matched on province and folded name.
    """
    path = _data_file("converter_2025.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    with _legacy_db() as conn:
        old_codes = {
            f"{r[0]}_{r[1]}_{r[2]}": r[3]
            for r in conn.execute(
                "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
            )
        }
        new_province_codes = {
            r[0]: r[1]
            for r in conn.execute(
                "SELECT DISTINCT provinceKey, provinceCode FROM admin_units"
            )
        }
    new_codes: dict[tuple[str, str], str] = {}
    for w in Ward.iter_all():
        key = fold(w.name).replace(" ", "")
        new_codes[(_code(w.province_code.value, 2), key)] = _code(w.code.value, 5)

    def new_code(province_key: str, ward_key: str) -> str | None:
        province_code = new_province_codes.get(province_key)
        if province_code is None:
            return None
        return new_codes.get((province_code, fold(ward_key).replace(" ", "")))

    pairs: dict[tuple[str, str], SourceMapping] = {}
    for province_key, wards in data["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            new = new_code(province_key, ward_key)
            for old_key in old_keys:
                old = old_codes.get(old_key)
                if old and new:
                    pairs[(old, new)] = SourceMapping(
                        old, new, MappingKind.merged, True
                    )
    # A divided commune is listed here with each of its new communes; this
    # overrides any "merged" entry for the same pair.
    for province_key, splits in data["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in splits.items():
            old = old_codes.get(old_key)
            for target in targets:
                new = new_code(province_key, target["newWardKey"])
                if old and new:
                    pairs[(old, new)] = SourceMapping(
                        old, new, MappingKind.divided, bool(target["isDefaultNewWard"])
                    )
    return tuple(sorted(pairs.values(), key=lambda m: (m.old_code, m.new_code)))
