"""Demo data: the plan's pilot — one hamlet in each of three Sóc Trăng districts."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit, Edition, Level

PROVINCE_2022 = "Sóc Trăng"
PROVINCE_2025 = "Cần Thơ"
# The plan (§IV.3) pilots one khóm/ấp in each of these; it leaves the choice of
# hamlet to the district, so these hamlets are the demo's choice.
PILOT_HAMLETS = (
    ("Thành phố Sóc Trăng", "Phường 5", "Khóm 3"),
    ("Huyện Cù Lao Dung", "Xã An Thạnh 1", "Ấp An Thường"),
    ("Huyện Trần Đề", "Xã Lịch Hội Thượng", "Ấp Châu Thành"),
)


@dataclass
class DemoResult:
    """What loading the demo did, line by line."""

    lines: list[str] = field(default_factory=list)
    changed: bool = False


def load(session: Session) -> DemoResult:
    """Load the demo data; a second run changes nothing and says so."""
    result = DemoResult()
    for edition, province in (
        (Edition.e2022, PROVINCE_2022),
        (Edition.e2025, PROVINCE_2025),
    ):
        imported = area_service.import_edition(
            session, edition=edition, province_names=[province]
        )
        if imported.changed:
            result.changed = True
            result.lines.append(
                f"Danh mục {edition.value} – {', '.join(imported.provinces)}: "
                f"thêm {imported.created}, sửa {imported.updated}, "
                f"{imported.mappings_created} liên kết xã cũ → mới."
            )
    communes = area_repository.units_by_code(session, Edition.e2022, Level.commune)
    for district_name, commune_name, hamlet_name in PILOT_HAMLETS:
        commune = next(
            u
            for u in communes.values()
            if u.name == commune_name and _parent_name(session, u) == district_name
        )
        if area_repository.sibling_named(session, commune.id, hamlet_name) is None:
            area_service.add_hamlet(session, commune_id=commune.id, name=hamlet_name)
            result.changed = True
            result.lines.append(f"Thêm {hamlet_name}, {commune_name}, {district_name}.")
    if not result.changed:
        result.lines.append("Dữ liệu mẫu đã có đủ, không thay đổi gì.")
    return result


def _parent_name(session: Session, unit: AdminUnit) -> str | None:
    parent = area_repository.get(session, unit.parent_id) if unit.parent_id else None
    return parent.name if parent else None
