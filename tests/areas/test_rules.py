"""Pure rules: chat-group names by the plan's convention, unit types, levels."""

import pytest

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.areas.rules import child_level, group_name, search_key, split_type


@pytest.mark.parametrize(
    ("chain", "expected"),
    [
        ({Level.province: "Sóc Trăng"}, "CNCD_SocTrang"),
        (
            {Level.province: "Sóc Trăng", Level.district: "Kế Sách"},
            "CNCD_KeSach_SocTrang",
        ),
        (
            {
                Level.province: "Sóc Trăng",
                Level.district: "Kế Sách",
                Level.commune: "Nhơn Mỹ",
            },
            "CNCD_NhonMy_KeSach",
        ),
        (
            {
                Level.province: "Sóc Trăng",
                Level.district: "Kế Sách",
                Level.commune: "Nhơn Mỹ",
                Level.hamlet: "Mỹ Phước",
            },
            "CNCD_MyPhuoc_NhonMy_KeSach",
        ),
        # 2025: no district, the province takes its place.
        ({Level.province: "Cần Thơ", Level.commune: "Nhơn Mỹ"}, "CNCD_NhonMy_CanTho"),
        (
            {
                Level.province: "Cần Thơ",
                Level.commune: "Nhơn Mỹ",
                Level.hamlet: "Mỹ Phước",
            },
            "CNCD_MyPhuoc_NhonMy_CanTho",
        ),
    ],
)
def test_group_names_follow_the_plan(chain: dict[Level, str], expected: str) -> None:
    assert group_name(chain) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Huyện Kế Sách", ("Huyện", "Kế Sách")),
        ("Thành phố Sóc Trăng", ("Thành phố", "Sóc Trăng")),
        ("Thị xã Vĩnh Châu", ("Thị xã", "Vĩnh Châu")),
        ("Phường 5", ("Phường", "Phường 5")),
        ("Ấp Mỹ Phước", ("Ấp", "Mỹ Phước")),
        ("ấp Mỹ Phước", ("Ấp", "Mỹ Phước")),
        ("Khóm 3", ("Khóm", "Khóm 3")),
        ("Bàn Đạt", (None, "Bàn Đạt")),
    ],
)
def test_split_type(name: str, expected: tuple[str | None, str]) -> None:
    assert split_type(name) == expected


def test_levels_are_per_edition() -> None:
    assert child_level(Edition.e2022, Level.province) is Level.district
    assert child_level(Edition.e2025, Level.province) is Level.commune
    assert child_level(Edition.e2022, Level.commune) is Level.hamlet
    assert child_level(Edition.e2025, Level.hamlet) is None


def test_search_key_matches_spaced_and_joined_forms() -> None:
    key = search_key("Huyện Kế Sách", "Kế Sách")
    assert "ke sach" in key
    assert "kesach" in key
