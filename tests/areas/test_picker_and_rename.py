"""The area picker's reads, renaming a hamlet, and re-homing one 2022 unit."""

import pytest
from sqlalchemy.orm import Session

from ocop_tracker.areas import service as area_service
from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.core.errors import Conflict, InvalidInput
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.factories import make_actor, make_hamlet, unit


def _user(session: Session, login: str) -> User:
    user = user_repository.by_login(session, login)
    assert user is not None
    return user


def test_pick_ignores_diacritics_ranks_the_phrase_first_and_names_the_parents(
    session: Session,
) -> None:
    picked, total = area_views.pick(session, make_actor(session), "an thanh")
    labels = [p.label for p in picked]
    assert total >= 2
    # The names holding the phrase come first, today's map before 2022's.
    assert labels[0] == "Xã An Thạnh — Cần Thơ"
    assert "Xã An Thạnh 1 — Huyện Cù Lao Dung — Sóc Trăng (trước 7/2025)" not in labels
    assert "Xã An Thạnh 1 — Cù Lao Dung — Sóc Trăng (trước 7/2025)" in labels
    # Every word must start a word of the name: "Thành phố Cần Thơ" holds
    # "an" and "thanh" inside words only.
    assert "Thành phố Cần Thơ" not in labels
    assert [
        p.label for p in area_views.pick(session, make_actor(session), "  ")[0]
    ] == []


def test_pick_keeps_to_the_viewers_own_subtree(session: Session) -> None:
    official = _user(session, "canbo.khom3")
    assert [p.name for p in area_views.pick(session, official, "an thuong")[0]] == []
    inside, _ = area_views.pick(session, official, "khom 3", levels=[Level.hamlet])
    assert [p.label for p in inside] == ["Khóm 3 — Phường Sóc Trăng — Cần Thơ"]
    outside = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    assert area_views.picked(session, official, outside.id) is None
    assert area_views.picked(session, official, inside[0].id) == inside[0]


def test_rename_cleans_the_name_and_refuses_a_siblings_name(session: Session) -> None:
    commune = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    hamlet = make_hamlet(session, commune, name="Khóm Tạm")
    renamed = area_service.rename_hamlet(
        session, hamlet_id=hamlet.id, name="  Ấp   Phú Hòa "
    )
    assert (renamed.name, renamed.short_name, renamed.unit_type) == (
        "Ấp Phú Hòa",
        "Phú Hòa",
        "Ấp",
    )
    assert renamed.search_key.startswith("ap phu hoa")
    # Its own name again (other case) is no clash.
    area_service.rename_hamlet(session, hamlet_id=hamlet.id, name="ấp phú hòa")
    with pytest.raises(Conflict) as clash:
        area_service.rename_hamlet(session, hamlet_id=hamlet.id, name="khóm 3")
    assert clash.value.fields == {"name": "'Phường Sóc Trăng' đã có 'Khóm 3'."}
    with pytest.raises(InvalidInput):
        area_service.rename_hamlet(session, hamlet_id=commune.id, name="Phường Mới")
    with pytest.raises(InvalidInput):
        area_service.rename_hamlet(session, hamlet_id=hamlet.id, name="  ")


def test_rehome_one_commune_moves_only_its_hamlets(session: Session) -> None:
    phuong5 = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    mine = make_hamlet(session, phuong5, name="Khóm 15")
    other_commune = unit(
        session,
        "Xã An Thạnh 1",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Huyện Cù Lao Dung",
    )
    other = make_hamlet(session, other_commune, name="Ấp Khác")
    plan = area_views.rehome_plan(session, phuong5)
    assert [(c.hamlet.name, [n.name for n in c.candidates]) for c in plan] == [
        ("Khóm 15", ["Phường Sóc Trăng"])
    ]
    result = area_service.rehome_unit(session, unit_id=phuong5.id)
    assert [h.name for h, _, _ in result.moved] == ["Khóm 15"]
    assert mine.edition is Edition.e2025
    assert other.edition is Edition.e2022
    new = unit(session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune)
    with pytest.raises(InvalidInput):
        area_service.rehome_unit(session, unit_id=new.id)
