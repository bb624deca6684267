"""Where a row of the official list lies: its commune, by official code or by name,
and its hamlet, by name or — when the list names none — the commune's
"Chưa xếp ấp".

Names are compared folded: diacritics, case and the type word ("Xã", "Phường",
"Huyện", "Tỉnh", "Ấp", …) ignored. A commune named without a code is looked for
in today's map (2025) and, when none matches there or a district is named, in
the 2022 map, keeping only those under the district and province named. No
match, or more than one, is never guessed: the row is ``Unplaceable`` and is
listed for a person to place.
"""

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.areas.rules import UNIT_TYPES
from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.core.text import fold, normalize

# The hamlet a producer is put in when the list names only its commune: one per
# commune, created by the first import that needs it; a person then moves the
# producer to its real hamlet (the producer's edit form).
UNPLACED = "Chưa xếp ấp"
CANDIDATES = 200
# Communes whose hamlets are read per query (a country holds 80,000 hamlets).
HAMLETS_READ = 500


class Unplaceable(InvalidInput):
    """A row whose commune or hamlet matches nothing, or several: a person places it."""


@dataclass(frozen=True, slots=True)
class Hamlet:
    """A hamlet a row names: what the import needs of it."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Place:
    """A row's commune and hamlet; ``hamlet`` None: the commune's ``UNPLACED``."""

    commune: AdminUnit
    hamlet: Hamlet | None


# Type words, folded, longest first; and the abbreviations lists use
# ("TP Cần Thơ", "TX. Vĩnh Châu", "H. Kế Sách", "X. Phú Tân", "P. 1").
ABBREVIATIONS = {"tp": "thanh pho", "tx": "thi xa", "tt": "thi tran", "h": "huyen"}
ABBREVIATIONS |= {"x": "xa", "p": "phuong", "q": "quan"}
TYPE_WORDS = {fold(t): fold(t) for t in UNIT_TYPES} | ABBREVIATIONS
TYPE_PREFIX = re.compile(
    r"^("
    + "|".join(re.escape(t) for t in sorted(TYPE_WORDS, key=len, reverse=True))
    + r")(?:\.\s*|\s+)(.+)$"
)


@functools.lru_cache(maxsize=32768)
def folded(name: str) -> str:
    """ "Xã Phú Tân", "xa phu tan", "X. Phú Tân" and "Phú Tân" → "phu tan";
    a number keeps its type word: "P. 1" and "Phường 1" → "phuong 1"."""
    text = " ".join(fold(normalize(name)).split())
    match = TYPE_PREFIX.match(text)
    if match is None:
        return text
    rest = match.group(2).strip()
    if rest.replace(" ", "").isdigit():
        return f"{TYPE_WORDS[match.group(1)]} {rest}"
    return rest


def _named(unit: AdminUnit, want: str) -> bool:
    return want in (fold(unit.short_name), folded(unit.name))


class Finder:
    """Places rows, reading each commune, hamlet list and parent once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.units: dict[int, AdminUnit] = {}
        self.communes: dict[tuple[str, ...], list[AdminUnit]] = {}
        # Each commune's hamlets by folded name (short and full), in list order;
        # only the names asked for, when they are known (``prefetch``).
        self.hamlets: dict[int, dict[str, list[Hamlet]]] = {}
        self.names: set[str] | None = None

    def prefetch(self, codes: Iterable[str], hamlets: Iterable[str]) -> None:
        """Read the communes of these official codes, and their hamlets, in a
        few queries rather than a few per row; keep only the hamlets named
        ``hamlets`` (the file's), however many the communes hold."""
        self.names = {folded(h) for h in hamlets}
        wanted = sorted({c for c in codes if ("#", c) not in self.communes})
        found = area_repository.communes_with_codes(self.session, wanted)
        for code in wanted:
            self.communes[("#", code)] = found.get(code, [])
        self._read_hamlets([c.id for units in found.values() for c in units])

    def place(
        self,
        *,
        code: str | None,
        commune: str | None,
        district: str | None,
        province: str | None,
        hamlet: str | None,
    ) -> Place:
        """The row's commune and hamlet, or ``Unplaceable`` saying what is missing."""
        if code:
            found = self._communes_coded(code)
            where = f"xã mã {code}"
        elif commune:
            found = self._communes_named(commune, district, province)
            where = f"xã '{commune}'"
        else:
            raise InvalidInput("thiếu mã xã hoặc tên xã.")
        if not found:
            raise Unplaceable(
                f"không tìm thấy {where}{self._within(district, province)}."
            )
        if hamlet:
            pairs = [(c, h) for c in found for h in self._hamlets_named(c, hamlet)]
            if len(pairs) == 1:
                return Place(*pairs[0])
            if not pairs:
                raise Unplaceable(
                    f"không có khóm/ấp '{hamlet}' ở {where} (thêm khóm/ấp trước)."
                )
            raise Unplaceable(
                f"'{hamlet}' ở {where} khớp {len(pairs)} nơi: "
                + "; ".join(f"{h.name}, {self._path(c)}" for c, h in pairs[:5])
                + ". Hãy ghi mã xã hoặc tên khóm/ấp đầy đủ."
            )
        if len(found) > 1:
            raise Unplaceable(
                f"{where} khớp {len(found)} xã: "
                + "; ".join(self._path(c) for c in found[:5])
                + ". Hãy ghi thêm huyện, tỉnh hoặc mã xã."
            )
        return Place(found[0], None)

    @staticmethod
    def _within(district: str | None, province: str | None) -> str:
        parts = [p for p in (district, province) if p]
        return f" thuộc {', '.join(parts)}" if parts else ""

    def _unit(self, unit_id: int) -> AdminUnit:
        if unit_id not in self.units:
            self.units[unit_id] = area_views.get(self.session, unit_id)
        return self.units[unit_id]

    def _above(self, unit: AdminUnit) -> list[AdminUnit]:
        chain = []
        while unit.parent_id is not None:
            unit = self._unit(unit.parent_id)
            chain.append(unit)
        return chain

    def _path(self, commune: AdminUnit) -> str:
        return ", ".join(u.name for u in [commune, *self._above(commune)])

    def _under(
        self, commune: AdminUnit, district: str | None, province: str | None
    ) -> bool:
        above = self._above(commune)
        for level, name in ((Level.district, district), (Level.province, province)):
            if name and not any(
                u.level is level and _named(u, folded(name)) for u in above
            ):
                return False
        return True

    def _communes_coded(self, code: str) -> list[AdminUnit]:
        key = ("#", code)
        if key not in self.communes:
            self.communes[key] = list(
                area_repository.communes_with_code(self.session, code)
            )
        return self.communes[key]

    def _communes_named(
        self, name: str, district: str | None, province: str | None
    ) -> list[AdminUnit]:
        key = tuple(folded(n) if n else "" for n in (name, district, province))
        if key in self.communes:
            return self.communes[key]
        want = key[0]
        # A district exists only in the 2022 map.
        editions = (Edition.e2022,) if district else (Edition.e2025, Edition.e2022)
        found: list[AdminUnit] = []
        for edition in editions:
            units, _ = area_views.search(
                self.session,
                q=want,
                level=Level.commune,
                edition=edition,
                limit=CANDIDATES,
            )
            found = [
                u
                for u in units
                if _named(u, want) and self._under(u, district, province)
            ]
            if found:
                break
        self.communes[key] = found
        return found

    def _read_hamlets(self, commune_ids: Sequence[int]) -> None:
        wanted = [c for c in commune_ids if c not in self.hamlets]
        for start in range(0, len(wanted), HAMLETS_READ):
            part = wanted[start : start + HAMLETS_READ]
            for commune_id, hamlets in area_repository.hamlets_of_communes(
                self.session, part
            ).items():
                named: dict[str, list[Hamlet]] = {}
                for hamlet_id, name, short_name in hamlets:
                    keys = {fold(short_name), folded(name)}
                    if name == UNPLACED or (
                        self.names is not None and not keys & self.names
                    ):
                        continue
                    hamlet = Hamlet(hamlet_id, name)
                    for key in keys:
                        named.setdefault(key, []).append(hamlet)
                self.hamlets[commune_id] = named

    def _hamlets_named(self, commune: AdminUnit, name: str) -> list[Hamlet]:
        self._read_hamlets([commune.id])
        return self.hamlets[commune.id].get(folded(name), [])
