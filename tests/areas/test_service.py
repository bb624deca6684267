"""The areas service against a real database (SQLite or PostgreSQL)."""

import datetime as dt
import sqlite3
from importlib import resources

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from vietnam_provinces import Province, Ward

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import (
    AdminUnit,
    AdminUnitLink,
    AreaMapping,
    Edition,
    Level,
    MappingKind,
)
from ocop_tracker.core.errors import Conflict, InvalidInput, NotFound
from tests.factories import make_hamlet, unit

BEFORE = dt.date(2024, 12, 31)
AFTER = dt.date(2025, 7, 1)


def _row_count(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(AdminUnit)) or 0,
        session.scalar(select(func.count()).select_from(AdminUnitLink)) or 0,
        session.scalar(select(func.count()).select_from(AreaMapping)) or 0,
    )


def _official_2022(province_short: str) -> list[tuple[str, str, str]]:
    """(district, commune, code) straight from the package's own database."""
    path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [
            (r[0], r[1], r[2])
            for r in conn.execute(
                "SELECT district, ward, wardCode FROM admin_units_legacy "
                "WHERE provinceShort = ? AND ward <> ''",
                (province_short,),
            )
        ]


def test_soc_trang_2022_has_its_11_districts_and_every_official_commune(
    session: Session,
) -> None:
    province = unit(
        session, "Tỉnh Sóc Trăng", edition=Edition.e2022, level=Level.province
    )
    districts = area_views.children(session, province, as_of=BEFORE)
    assert len(districts) == 11
    assert {d.name for d in districts} >= {
        "Thành phố Sóc Trăng",
        "Huyện Cù Lao Dung",
        "Huyện Trần Đề",
        "Thị xã Vĩnh Châu",
    }
    loaded = {
        (d.name, c.name, c.code)
        for d in districts
        for c in area_views.children(session, d, as_of=BEFORE)
    }
    ke_sach = next(d for d in districts if d.name == "Huyện Kế Sách")
    names = [c.name for c in area_views.children(session, ke_sach)]
    # Vietnamese order: Đ stands with the D's, not after Z.
    assert names.index("Xã Đại Hải") < names.index("Xã Kế An")
    official = set(_official_2022("Sóc Trăng"))
    assert loaded == official
    assert len(official) == 108


def test_can_tho_2025_has_103_communes_with_official_codes(session: Session) -> None:
    city = unit(
        session, "Thành phố Cần Thơ", edition=Edition.e2025, level=Level.province
    )
    communes = area_views.children(session, city)
    assert len(communes) == 103
    official = next(p for p in Province.iter_all() if p.name == "Thành phố Cần Thơ")
    expected = {
        (w.name, str(w.code.value).zfill(5))
        for w in Ward.iter_by_province(official.code)
    }
    assert {(c.name, c.code) for c in communes} == expected
    assert all(
        c.valid_from == dt.date(2025, 7, 1) and c.level is Level.commune
        for c in communes
    )


def test_old_to_new_mapping_is_stored_with_its_date(session: Session) -> None:
    nhon_my_old = unit(
        session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune
    )
    to_new, _ = area_views.mapped_units(session, nhon_my_old)
    assert [u.name for u in to_new] == ["Xã Nhơn Mỹ"]
    nhon_my_new = to_new[0]
    assert nhon_my_new.edition is Edition.e2025
    _, from_old = area_views.mapped_units(session, nhon_my_new)
    assert {u.name for u in from_old} == {"Xã Nhơn Mỹ", "Xã An Mỹ", "Xã Song Phụng"}
    rows = session.scalars(
        select(AreaMapping).where(AreaMapping.new_unit_id == nhon_my_new.id)
    ).all()
    assert {r.effective_date for r in rows} == {dt.date(2025, 7, 1)}
    assert {r.kind for r in rows} == {MappingKind.merged}


def test_import_again_changes_nothing(session: Session) -> None:
    before = _row_count(session)
    result = area_service.import_edition(
        session, edition=Edition.e2022, province_names=["soc trang"]
    )
    assert not result.changed
    assert result.unchanged == 120
    assert _row_count(session) == before


def test_import_unknown_province_is_refused_before_writing(session: Session) -> None:
    before = _row_count(session)
    with pytest.raises(InvalidInput, match="Atlantis"):
        area_service.import_edition(
            session, edition=Edition.e2025, province_names=["Atlantis"]
        )
    assert _row_count(session) == before


def test_import_another_province_adds_it_with_links(session: Session) -> None:
    result = area_service.import_edition(
        session, edition=Edition.e2022, province_names=["Hậu Giang"]
    )
    assert result.created > 70
    province = unit(
        session, "Tỉnh Hậu Giang", edition=Edition.e2022, level=Level.province
    )
    under = session.scalar(
        select(func.count()).select_from(
            area_repository.subtree_ids(province.id, day=BEFORE).subquery()
        )
    )
    assert under == result.created
    # Hậu Giang's communes went into Cần Thơ, which is loaded: mappings appear.
    assert result.mappings_created > 50


def test_search_ignores_diacritics_and_case(session: Session) -> None:
    units, total = area_views.search(session, q="ke sach")
    names = {(u.name, u.edition) for u in units}
    assert ("Huyện Kế Sách", Edition.e2022) in names
    assert ("Xã Kế Sách", Edition.e2025) in names
    assert total == len(units)
    assert area_views.search(session, q="KẾ SÁCH")[1] == total
    assert area_views.search(session, q="kesach")[1] == total


def test_search_treats_like_wildcards_literally(session: Session) -> None:
    assert area_views.search(session, q="%")[1] == 0
    assert area_views.search(session, q="_")[1] == 0


def test_ancestors_and_subtree_of_a_pilot_hamlet(session: Session) -> None:
    # The demo's pilot hamlets live on the 2025 map, and on the 2022 map before it.
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    chain = [u.name for u in area_views.ancestors(session, hamlet)]
    assert chain == ["Thành phố Cần Thơ", "Phường Sóc Trăng"]
    assert (
        area_views.group_names(session, [hamlet])[hamlet.id]
        == "CNCD_Khom3_SocTrang_CanTho"
    )
    chain = [u.name for u in area_views.ancestors(session, hamlet, as_of=BEFORE)]
    assert chain == ["Tỉnh Sóc Trăng", "Thành phố Sóc Trăng", "Phường 5"]
    assert (
        area_views.group_names(session, [hamlet], as_of=BEFORE)[hamlet.id]
        == "CNCD_Khom3_Phuong5_SocTrang"
    )
    pilots = {"Khóm 3", "Ấp An Thường", "Ấp Châu Thành"}
    province = unit(
        session, "Tỉnh Sóc Trăng", edition=Edition.e2022, level=Level.province
    )
    city = unit(
        session, "Thành phố Cần Thơ", edition=Edition.e2025, level=Level.province
    )
    for area, day, names in (
        (province, BEFORE, pilots),
        (province, dt.date.today(), set()),
        (city, BEFORE, set()),
        (city, dt.date.today(), pilots),
    ):
        hamlets = area_repository.hamlets_under(session, area.id, day=day)
        assert {h.name for h in hamlets} == names, (area.name, day)


def test_add_hamlet_refuses_a_duplicate_ignoring_case(session: Session) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    make_hamlet(session, commune, name="Ấp Mỹ Phước")
    before = _row_count(session)
    with pytest.raises(Conflict, match="Ấp Mỹ Phước"):
        area_service.add_hamlet(session, commune_id=commune.id, name="ấp mỹ phước")
    with pytest.raises(Conflict):
        area_service.add_hamlet(session, commune_id=commune.id, name="  Ấp  Mỹ Phước ")
    assert _row_count(session) == before


def test_add_hamlet_stores_nfc_from_nfd_input(session: Session) -> None:
    import unicodedata

    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    hamlet = area_service.add_hamlet(
        session,
        commune_id=commune.id,
        name=unicodedata.normalize("NFD", "Ấp Phước Hòa"),
    )
    assert hamlet.name == "Ấp Phước Hòa"
    assert hamlet.unit_type == "Ấp"
    assert (
        area_views.group_names(session, [hamlet])[hamlet.id]
        == "CNCD_PhuocHoa_NhonMy_KeSach"
    )


@pytest.mark.parametrize("bad", ["", "   ", "Ấp\x00Một", "Ấp \u202eMột", "Ấ" * 121])
def test_add_hamlet_refuses_bad_names(session: Session, bad: str) -> None:
    commune = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    before = _row_count(session)
    with pytest.raises(InvalidInput):
        area_service.add_hamlet(session, commune_id=commune.id, name=bad)
    assert _row_count(session) == before


def test_add_hamlet_only_under_a_commune(session: Session) -> None:
    district = unit(
        session, "Huyện Kế Sách", edition=Edition.e2022, level=Level.district
    )
    before = _row_count(session)
    with pytest.raises(InvalidInput, match="xã/phường/thị trấn"):
        area_service.add_hamlet(session, commune_id=district.id, name="Ấp Sai Chỗ")
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    with pytest.raises(InvalidInput):
        area_service.add_hamlet(session, commune_id=hamlet.id, name="Ấp Con")
    with pytest.raises(NotFound):
        area_service.add_hamlet(session, commune_id=999_999_999, name="Ấp Ma")
    assert _row_count(session) == before


def test_csv_import_adds_every_row(session: Session) -> None:
    nhon_my = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    text = f"commune_code,name,edition\n{nhon_my.code},Ấp Mỹ Phước,2022\n{nhon_my.code},Ấp Mỹ Hội,2022\n"
    created = area_service.import_hamlets_csv(session, text=text)
    assert [h.name for h in created] == ["Ấp Mỹ Phước", "Ấp Mỹ Hội"]
    assert all(h.parent_id == nhon_my.id for h in created)


def test_csv_import_with_a_bad_row_writes_nothing_and_names_the_rows(
    session: Session,
) -> None:
    nhon_my = unit(session, "Xã Nhơn Mỹ", edition=Edition.e2022, level=Level.commune)
    text = (
        "commune_code,name,edition\n"
        f"{nhon_my.code},Ấp Mỹ Phước,2022\n"  # row 2: fine
        "99999,Ấp Không Xã,2022\n"  # row 3: unknown commune
        f"{nhon_my.code},,2022\n"  # row 4: no name
        f"{nhon_my.code},ấp mỹ phước,2022\n"  # row 5: repeats row 2
        f"{nhon_my.code}\n"  # row 6: missing column
        f"{nhon_my.code},Ấp X,2030\n"  # row 7: bad edition
    )
    before = _row_count(session)
    with pytest.raises(area_service.CsvImportError) as caught:
        area_service.import_hamlets_csv(session, text=text)
    assert [e.row for e in caught.value.errors] == [3, 4, 5, 6, 7]
    assert _row_count(session) == before


def test_csv_without_required_columns_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="commune_code"):
        area_service.import_hamlets_csv(session, text="ten\nẤp A\n")
    with pytest.raises(InvalidInput, match="trống"):
        area_service.import_hamlets_csv(session, text="")


def test_csv_code_shared_by_both_editions_needs_the_edition(session: Session) -> None:
    # 31528 is Thị trấn Kế Sách (2022) and Xã Kế Sách (2025).
    with pytest.raises(area_service.CsvImportError, match="edition"):
        area_service.import_hamlets_csv(session, text="commune_code,name\n31528,Ấp 1\n")
    created = area_service.import_hamlets_csv(
        session, text="commune_code,name\n31528,Ấp 1\n", edition=Edition.e2025
    )
    assert created[0].edition is Edition.e2025


def test_rehome_moves_hamlets_and_keeps_the_old_tree_for_past_dates(
    session: Session,
) -> None:
    # The demo's hamlets are already re-homed; this one is added on the 2022 map.
    old_commune = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    hamlet = make_hamlet(session, old_commune, name="Khóm 10")
    result = area_service.rehome(session, province_name="Sóc Trăng")
    moved = {h.name: new.name for h, _, new in result.moved}
    assert moved == {"Khóm 10": "Phường Sóc Trăng"}
    new_commune = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    assert hamlet.parent_id == new_commune.id
    assert hamlet.edition is Edition.e2025
    # Today, and from 1/7/2025: the new tree.
    assert [u.name for u in area_views.ancestors(session, hamlet)] == [
        "Thành phố Cần Thơ",
        "Phường Sóc Trăng",
    ]
    assert [u.name for u in area_views.ancestors(session, hamlet, as_of=AFTER)] == [
        "Thành phố Cần Thơ",
        "Phường Sóc Trăng",
    ]
    assert hamlet in area_views.children(session, new_commune)
    assert hamlet not in area_views.children(session, old_commune)
    # Before the reform: the old tree, as the plan's reports saw it.
    assert [u.name for u in area_views.ancestors(session, hamlet, as_of=BEFORE)] == [
        "Tỉnh Sóc Trăng",
        "Thành phố Sóc Trăng",
        "Phường 5",
    ]
    assert hamlet in area_views.children(session, old_commune, as_of=BEFORE)
    assert (
        area_views.group_names(session, [hamlet])[hamlet.id]
        == "CNCD_Khom10_SocTrang_CanTho"
    )
    # A second run has nothing left to move.
    again = area_service.rehome(session, province_name="Sóc Trăng")
    assert again.moved == []


def test_rehome_asks_a_person_when_the_old_commune_was_split(session: Session) -> None:
    split = session.scalars(
        select(AreaMapping).where(AreaMapping.kind == MappingKind.divided)
    ).first()
    assert split is not None
    old = session.get(AdminUnit, split.old_unit_id)
    assert old is not None
    hamlet = make_hamlet(session, old, name="Ấp Chia Đôi")
    result = area_service.rehome(session, province_name="Sóc Trăng")
    waiting = {h.id: candidates for h, _, candidates in result.needs_choice}
    assert hamlet.id in waiting
    assert len(waiting[hamlet.id]) >= 2
    assert hamlet.parent_id == old.id
    target = waiting[hamlet.id][-1]
    assigned = area_service.rehome(
        session, province_name="Sóc Trăng", assignments={hamlet.id: target.id}
    )
    assert [h.id for h, _, _ in assigned.moved] == [hamlet.id]
    assert hamlet.parent_id == target.id


def test_rehome_refuses_an_assignment_outside_the_mapping(session: Session) -> None:
    split = session.scalars(
        select(AreaMapping).where(AreaMapping.kind == MappingKind.divided)
    ).first()
    assert split is not None
    old = session.get(AdminUnit, split.old_unit_id)
    assert old is not None
    hamlet = make_hamlet(session, old, name="Ấp Chọn Sai")
    elsewhere = unit(
        session, "Phường Ninh Kiều", edition=Edition.e2025, level=Level.commune
    )
    with pytest.raises(InvalidInput):
        area_service.rehome(
            session, province_name="Sóc Trăng", assignments={hamlet.id: elsewhere.id}
        )


def test_rehome_leaves_name_clashes_for_a_person(session: Session) -> None:
    new_commune = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    old_commune = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    hamlet = make_hamlet(session, old_commune, name="Khóm 11")
    make_hamlet(session, new_commune, name="Khóm 11")
    result = area_service.rehome(session, province_name="Sóc Trăng")
    assert [h.name for h, _ in result.name_clashes] == ["Khóm 11"]
    assert "Khóm 11" not in {h.name for h, _, _ in result.moved}
    assert hamlet.parent_id == old_commune.id
