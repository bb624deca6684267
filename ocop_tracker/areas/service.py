"""Rules about areas: importing the official lists, hamlets, re-homing.

The reads (one unit, search, the tree on a date) are in ``areas/views.py``.

Services never commit; the caller (request, CLI command) owns the transaction.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository, rules, sources
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import (
    AdminUnit,
    AdminUnitLink,
    AreaMapping,
    Edition,
    Level,
)
from ocop_tracker.core.errors import Conflict, InvalidInput, NotFound
from ocop_tracker.core.text import has_forbidden_chars, normalize

MAX_NAME = 120
Progress = Callable[[int], None]


# --- importing the official lists -----------------------------------------


@dataclass
class ImportResult:
    """What an import did."""

    edition: Edition
    provinces: list[str]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    mappings_created: int = 0

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return bool(self.created or self.updated or self.mappings_created)


def import_edition(
    session: Session,
    *,
    edition: Edition,
    province_names: Sequence[str] = (),
    progress: Progress | None = None,
) -> ImportResult:
    """Load an edition's official list (all provinces when none is named).

    Idempotent: units are matched on (edition, level, code); a second run
    changes nothing. The old → new mapping is stored for every pair whose two
    communes are loaded.
    """
    chosen = (
        sources.resolve_provinces(edition, province_names) if province_names else None
    )
    codes = {p.code for p in chosen} if chosen is not None else None
    result = ImportResult(
        edition=edition,
        provinces=[p.name for p in chosen] if chosen else ["(cả nước / whole country)"],
    )
    valid_from, valid_to = (
        (None, rules.LAST_DAY_2022)
        if edition is Edition.e2022
        else (rules.REFORM_DATE, None)
    )
    existing = repository.units_by_code(session, edition)
    # Ancestor chains of every unit we touch, to write closure rows in bulk.
    up: dict[int, list[tuple[int, int]]] = {}
    pending: list[tuple[sources.SourceUnit, AdminUnit]] = []

    def flush_pending() -> None:
        if not pending:
            return
        session.add_all([unit for _, unit in pending])
        session.flush()
        rows: list[dict[str, int]] = []
        for src, unit in pending:
            parent_chain = up[_parent(existing, src).id] if src.parent_code else []
            chain = [(unit.id, 0)] + [(a, d + 1) for a, d in parent_chain]
            up[unit.id] = chain
            rows.extend(
                {"ancestor_id": a, "descendant_id": unit.id, "depth": d}
                for a, d in chain
            )
        session.execute(insert(AdminUnitLink), rows)
        if progress:
            progress(len(pending))
        pending.clear()

    current_level: Level | None = None
    for src in sources.units(edition, codes):
        if src.level is not current_level:
            flush_pending()  # parents get their ids before children refer to them
            current_level = src.level
        unit = existing.get((src.level, src.code))
        if unit is None:
            parent = _parent(existing, src) if src.parent_code else None
            if parent is not None and parent.id not in up:
                up[parent.id] = [
                    (link.ancestor_id, link.depth)
                    for link in repository.open_links_up(session, parent.id)
                ]
            unit = AdminUnit(
                edition=edition,
                level=src.level,
                code=src.code,
                name=src.name,
                short_name=src.short_name,
                unit_type=src.unit_type,
                parent_id=parent.id if parent else None,
                search_key=rules.search_key(src.name, src.short_name),
                valid_from=valid_from,
                valid_to=valid_to,
            )
            existing[(src.level, src.code)] = unit
            pending.append((src, unit))
            result.created += 1
        elif (unit.name, unit.short_name, unit.unit_type) != (
            src.name,
            src.short_name,
            src.unit_type,
        ):
            unit.name, unit.short_name, unit.unit_type = (
                src.name,
                src.short_name,
                src.unit_type,
            )
            unit.search_key = rules.search_key(src.name, src.short_name)
            result.updated += 1
            if progress:
                progress(1)
        else:
            result.unchanged += 1
            if progress:
                progress(1)
    flush_pending()
    result.mappings_created = _import_mappings(session)
    session.flush()
    return result


def _parent(
    existing: dict[tuple[Level, str], AdminUnit], src: sources.SourceUnit
) -> AdminUnit:
    if src.parent_code is None or src.parent_level is None:
        raise ValueError(f"{src.name} has no parent in the source list")
    return existing[(src.parent_level, src.parent_code)]


def count_units(edition: Edition, province_names: Sequence[str] = ()) -> int:
    """How many units an import will read (for a progress bar)."""
    chosen = (
        sources.resolve_provinces(edition, province_names) if province_names else None
    )
    codes = {p.code for p in chosen} if chosen is not None else None
    return sum(1 for _ in sources.units(edition, codes))


def _import_mappings(session: Session) -> int:
    old = repository.units_by_code(session, Edition.e2022, Level.commune)
    new = repository.units_by_code(session, Edition.e2025, Level.commune)
    if not old or not new:
        return 0
    stored = repository.mapping_pairs(session)
    rows = []
    for m in sources.mappings():
        old_unit = old.get((Level.commune, m.old_code))
        new_unit = new.get((Level.commune, m.new_code))
        if old_unit is None or new_unit is None or (old_unit.id, new_unit.id) in stored:
            continue
        rows.append(
            {
                "old_unit_id": old_unit.id,
                "new_unit_id": new_unit.id,
                "effective_date": rules.REFORM_DATE,
                "kind": m.kind,
                "is_default": m.is_default,
            }
        )
    if rows:
        session.execute(insert(AreaMapping), rows)
    return len(rows)


# --- hamlets ---------------------------------------------------------------


def clean_name(raw: str, *, what: str = "Tên", field: str = "name") -> str:
    """A unit name in canonical form, or InvalidInput (naming ``field``) saying
    what is wrong."""
    if has_forbidden_chars(raw):
        raise InvalidInput(
            f"{what} chứa ký tự điều khiển hoặc ký tự ẩn không hợp lệ.", field=field
        )
    name = normalize(raw)
    if not name:
        raise InvalidInput(f"{what} không được để trống.", field=field)
    if len(name) > MAX_NAME:
        raise InvalidInput(f"{what} dài quá {MAX_NAME} ký tự.", field=field)
    return name


def _check_hamlet(session: Session, commune: AdminUnit, name: str) -> None:
    if rules.child_level(commune.edition, commune.level) is not Level.hamlet:
        raise InvalidInput(
            f"'{commune.name}' là cấp {rules.LEVEL_LABELS[commune.level]}, "
            "khóm/ấp chỉ được đặt dưới một xã/phường/thị trấn."
        )
    clash = repository.sibling_named(session, commune.id, name)
    if clash is not None:
        raise Conflict(f"'{commune.name}' đã có '{clash.name}'.", field="name")


def _hamlet_unit(
    commune: AdminUnit, name: str, valid_from: dt.date | None
) -> AdminUnit:
    unit_type, short = rules.split_type(name)
    return AdminUnit(
        edition=commune.edition,
        level=Level.hamlet,
        code=None,
        name=name,
        short_name=short,
        unit_type=unit_type if unit_type in rules.HAMLET_TYPES else None,
        parent_id=commune.id,
        search_key=rules.search_key(name, short),
        valid_from=valid_from,
    )


def _link_under(
    session: Session, unit: AdminUnit, parent: AdminUnit, since: dt.date | None
) -> None:
    """Write the closure rows putting ``unit`` (a leaf) under ``parent``."""
    rows = [
        {
            "ancestor_id": link.ancestor_id,
            "descendant_id": unit.id,
            "depth": link.depth + 1,
            "valid_from": since,
        }
        for link in repository.open_links_up(session, parent.id)
    ]
    session.execute(insert(AdminUnitLink), rows)


def add_hamlet(
    session: Session, *, commune_id: int, name: str, valid_from: dt.date | None = None
) -> AdminUnit:
    """Create a hamlet (khóm/ấp) under a commune."""
    commune = area_views.get(session, commune_id)
    clean = clean_name(name, what="Tên khóm/ấp")
    _check_hamlet(session, commune, clean)
    unit = _hamlet_unit(commune, clean, valid_from)
    session.add(unit)
    session.flush()
    session.add(AdminUnitLink(ancestor_id=unit.id, descendant_id=unit.id, depth=0))
    _link_under(session, unit, commune, valid_from)
    session.flush()
    return unit


def rename_hamlet(session: Session, *, hamlet_id: int, name: str) -> AdminUnit:
    """Give a hamlet (khóm/ấp) a new name, unique among its commune's hamlets.

    The change is audited like every change of a unit (``Audited``).
    """
    hamlet = area_views.get(session, hamlet_id)
    if hamlet.level is not Level.hamlet:
        raise InvalidInput(
            "Chỉ đổi tên được khóm/ấp; xã, huyện, tỉnh theo danh mục nhà nước.",
            field="name",
        )
    clean = clean_name(name, what="Tên khóm/ấp")
    if hamlet.parent_id is not None:
        clash = repository.sibling_named(
            session, hamlet.parent_id, clean, exclude_id=hamlet.id
        )
        if clash is not None:
            parent = area_views.get(session, hamlet.parent_id)
            raise Conflict(f"'{parent.name}' đã có '{clash.name}'.", field="name")
    unit_type, short = rules.split_type(clean)
    hamlet.name, hamlet.short_name = clean, short
    hamlet.unit_type = unit_type if unit_type in rules.HAMLET_TYPES else None
    hamlet.search_key = rules.search_key(clean, short)
    session.flush()
    return hamlet


@dataclass
class RowError:
    """A problem on one row of an uploaded file (row 1 is the header)."""

    row: int
    message: str


class CsvImportError(InvalidInput):
    """A file refused as a whole, with every bad row listed."""

    def __init__(self, errors: list[RowError]) -> None:
        lines = "; ".join(f"dòng {e.row}: {e.message}" for e in errors[:20])
        more = f" (và {len(errors) - 20} lỗi khác)" if len(errors) > 20 else ""
        super().__init__(f"Tệp CSV có {len(errors)} lỗi, chưa ghi gì: {lines}{more}")
        self.errors = errors


HAMLET_CSV_COLUMNS = {
    "commune_code": ("commune_code", "ma_xa", "mã xã"),
    "name": ("name", "hamlet", "ten", "tên", "tên khóm/ấp", "ten_ap"),
    "edition": ("edition", "phien_ban", "phiên bản"),
}


def import_hamlets_csv(
    session: Session,
    *,
    text: str,
    edition: Edition | None = None,
    allowed: Callable[[AdminUnit], bool] | None = None,
) -> list[AdminUnit]:
    """Create hamlets from CSV (commune_code, name[, edition]): all rows or none.

    ``allowed`` says which communes the importer may write under; one row
    outside refuses the whole file (the row is named as not found).
    """
    # newline="": a bare CR ends a line too, as the csv module expects.
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        rows = list(reader)
    except csv.Error:  # e.g. a field over the csv module's size limit
        raise InvalidInput(
            f"Tệp CSV hỏng ở dòng {reader.line_num}; hãy lưu lại từ Excel "
            "(CSV UTF-8) và thử lại."
        ) from None
    if not rows:
        raise InvalidInput("Tệp CSV trống.")
    header = [normalize(h).casefold() for h in rows[0]]
    columns: dict[str, int] = {}
    for key, aliases in HAMLET_CSV_COLUMNS.items():
        for i, h in enumerate(header):
            if h in aliases:
                columns[key] = i
    missing = [k for k in ("commune_code", "name") if k not in columns]
    if missing:
        raise InvalidInput(
            "Tệp CSV thiếu cột: " + ", ".join(missing) + " (cần: commune_code, name)."
        )
    errors: list[RowError] = []
    planned: list[tuple[AdminUnit, str]] = []
    seen: set[tuple[int, str]] = set()
    for row_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            code = row[columns["commune_code"]].strip()
            name = clean_name(row[columns["name"]], what="Tên khóm/ấp")
            row_edition = edition
            if "edition" in columns and row[columns["edition"]].strip():
                try:
                    row_edition = Edition(row[columns["edition"]].strip())
                except ValueError:
                    raise InvalidInput("phiên bản phải là 2022 hoặc 2025.") from None
            commune = area_views.commune_by_code(session, code, row_edition)
            if allowed is not None and not allowed(commune):
                raise NotFound(f"không có xã/phường mã '{code}' trong địa bàn của bạn.")
            if (commune.id, name.casefold()) in seen:
                raise Conflict(f"'{name}' lặp lại trong tệp.")
            _check_hamlet(session, commune, name)
            seen.add((commune.id, name.casefold()))
            planned.append((commune, name))
        except IndexError:
            errors.append(RowError(row_no, "thiếu cột."))
        except (InvalidInput, NotFound, Conflict) as exc:
            errors.append(RowError(row_no, exc.message))
    if errors:
        raise CsvImportError(errors)
    return [add_hamlet(session, commune_id=c.id, name=n) for c, n in planned]


# --- re-homing hamlets onto the 2025 map -----------------------------------


@dataclass
class RehomeResult:
    """Hamlets moved, and those left for a person to decide."""

    moved: list[tuple[AdminUnit, AdminUnit, AdminUnit]] = field(default_factory=list)
    # hamlet, its old commune, the new communes it could go to
    needs_choice: list[tuple[AdminUnit, AdminUnit, list[AdminUnit]]] = field(
        default_factory=list
    )
    # hamlet, the new commune that already has a hamlet of that name
    name_clashes: list[tuple[AdminUnit, AdminUnit]] = field(default_factory=list)


def rehome(
    session: Session,
    *,
    province_name: str,
    assignments: dict[int, int] | None = None,
) -> RehomeResult:
    """Move a 2022 province's hamlets to the 2025 communes the mapping names.

    The old links are closed on 30/6/2025 and the new ones start on 1/7/2025,
    so reports as of earlier dates still see the old tree. Hamlets whose old
    commune was split are listed unless ``assignments`` (hamlet id → new
    commune id) says where each goes.
    """
    (ref,) = sources.resolve_provinces(Edition.e2022, [province_name])[:1]
    province = repository.units_by_code(session, Edition.e2022, Level.province).get(
        (Level.province, ref.code)
    )
    if province is None:
        raise NotFound(f"Chưa nhập danh mục 2022 của {ref.name}.")
    return rehome_unit(session, unit_id=province.id, assignments=assignments)


def rehome_unit(
    session: Session, *, unit_id: int, assignments: dict[int, int] | None = None
) -> RehomeResult:
    """Move the hamlets under a 2022 unit (province, district or commune) to
    their 2025 communes, as ``rehome`` does for a whole province."""
    assignments = assignments or {}
    unit = area_views.get(session, unit_id)
    if unit.edition is not Edition.e2022 or unit.level is Level.hamlet:
        raise InvalidInput(
            "Chỉ chuyển được khóm/ấp của một tỉnh, huyện hay xã theo danh mục 2022."
        )
    cases = area_views.rehome_plan(session, unit)
    if cases and not any(c.candidates for c in cases):
        raise NotFound(
            "Chưa nhập danh mục 2025 cho tỉnh/thành mới: chạy 'areas import --edition 2025' trước."
        )
    unknown = set(assignments) - {c.hamlet.id for c in cases}
    if unknown:
        raise InvalidInput(
            f"Khóm/ấp #{min(unknown)} không thuộc {unit.name} (danh mục 2022)."
        )
    result = RehomeResult()
    for case in cases:
        hamlet, old_commune, candidates = case.hamlet, case.old_commune, case.candidates
        chosen = assignments.get(hamlet.id)
        if chosen is not None:
            new_commune = next((c for c in candidates if c.id == chosen), None)
            if new_commune is None:
                raise InvalidInput(
                    f"Xã #{chosen} không phải nơi nhận của '{old_commune.name}' theo danh mục sáp nhập."
                )
        elif len(candidates) == 1:
            new_commune = candidates[0]
        else:
            result.needs_choice.append((hamlet, old_commune, list(candidates)))
            continue
        clash = repository.sibling_named(
            session, new_commune.id, hamlet.name, exclude_id=hamlet.id
        )
        if clash is not None:
            result.name_clashes.append((hamlet, new_commune))
            continue
        repository.close_links_up(session, hamlet.id, last_day=rules.LAST_DAY_2022)
        _link_under(session, hamlet, new_commune, rules.REFORM_DATE)
        hamlet.parent_id = new_commune.id
        hamlet.edition = new_commune.edition
        result.moved.append((hamlet, old_commune, new_commune))
    session.flush()
    return result
