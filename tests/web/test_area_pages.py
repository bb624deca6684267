"""Area pages: the area picker in account forms, adding and renaming hamlets,
re-homing a 2022 unit's hamlets, and accounts made from and onto rosters."""

import html as html_lib
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, AreaMapping, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.teams.models import Team, TeamMember
from ocop_tracker.users.models import Role, User
from tests.factories import make_hamlet, unit

HTML = {"accept": "text/html"}
PAGE_BUDGET = 60 * 1024


def _text(html: str) -> str:
    """The page's words: tags dropped, spaces collapsed."""
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)))


def field_error(html: str, fid: str) -> str:
    found = re.search(rf'<p class="field-error" id="{fid}-error">(.*?)</p>', html)
    assert found, f"no message beside {fid}"
    return html_lib.unescape(found.group(1))


def user_by_login(session: Session, login: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.login == login))


def new_account(**extra: str) -> dict[str, str]:
    return {
        "login": "canbo.anthanh",
        "display_name": "Lâm Thị Hồng",
        "role": "official",
        **extra,
    }


# --- the picker ----------------------------------------------------------------


def test_admin_finds_a_commune_without_diacritics_and_keeps_what_was_typed(
    admin: TestClient, session: Session
) -> None:
    found = admin.post(
        "/users", data=new_account(area_q="an thanh", find="1"), headers=HTML
    )
    assert found.status_code == 200
    page = _text(found.text)
    assert "Xã An Thạnh 1 — Cù Lao Dung — Sóc Trăng (trước 7/2025)" in page
    assert "Xã An Thạnh — Cần Thơ" in page
    assert 'value="canbo.anthanh"' in found.text  # typed values kept
    assert 'value="Lâm Thị Hồng"' in found.text
    assert '<option value="official" selected>' in found.text
    assert 'value="an thanh"' in found.text
    assert '<code class="secret">' not in found.text
    assert user_by_login(session, "canbo.anthanh") is None  # nothing written
    assert len(found.content) < PAGE_BUDGET

    commune = unit(session, "Xã An Thạnh", edition=Edition.e2025, level=Level.commune)
    assert f'name="area_id" value="{commune.id}"' in found.text
    created = admin.post(
        "/users", data=new_account(area_q="an thanh", area_id=str(commune.id))
    )
    assert created.status_code == 201
    official = user_by_login(session, "canbo.anthanh")
    assert official is not None
    assert official.area_id == commune.id


def test_words_in_any_order_and_a_single_match_is_chosen(
    admin: TestClient, session: Session
) -> None:
    found = admin.post(
        "/users", data=new_account(area_q="thuong an", find="1"), headers=HTML
    )
    hamlet = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    assert f'name="area_id" value="{hamlet.id}" checked' in found.text
    assert "Ấp An Thường — Xã An Thạnh — Cần Thơ" in _text(found.text)


def test_a_typed_search_with_nothing_chosen_searches_instead_of_creating(
    admin: TestClient, session: Session
) -> None:
    found = admin.post("/users", data=new_account(area_q="phuong soc trang"))
    assert found.status_code == 200
    assert "Phường Sóc Trăng — Cần Thơ" in _text(found.text)
    assert user_by_login(session, "canbo.anthanh") is None


def test_the_picker_offers_only_the_officials_own_area(
    sign_in: object, session: Session
) -> None:
    official = sign_in("canbo.khom3")  # type: ignore[operator]
    outside = official.post(
        "/users",
        data={**new_account(role="team_member"), "area_q": "an thuong", "find": "1"},
    )
    assert outside.status_code == 200
    assert "Ấp An Thường" not in outside.text
    assert "Không tìm thấy địa bàn nào khớp “an thuong”" in _text(outside.text)
    inside = official.post(
        "/users",
        data={**new_account(role="team_member"), "area_q": "khom 3", "find": "1"},
    )
    assert "Khóm 3 — Phường Sóc Trăng — Cần Thơ" in _text(inside.text)
    # Not the units above one's area either, though the browser shows them.
    above = official.post(
        "/users",
        data={**new_account(role="team_member"), "area_q": "can tho", "find": "1"},
    )
    assert "<span>Thành phố Cần Thơ</span>" not in above.text
    # An id from outside, sent by hand, is refused as not found.
    hamlet = unit(session, "Ấp An Thường", edition=Edition.e2025, level=Level.hamlet)
    forged = official.post(
        "/users", data={**new_account(role="team_member"), "area_id": str(hamlet.id)}
    )
    assert forged.status_code == 404


def test_an_account_page_moves_the_account_with_the_picker(
    admin: TestClient, session: Session
) -> None:
    member = user_by_login(session, "thanhvien.anthuong")
    assert member is not None
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    form = {
        "display_name": member.display_name,
        "role": "team_member",
        "version": str(member.version),
        "is_active": "on",
    }
    found = admin.post(f"/users/{member.id}", data={**form, "area_q": "khom 3"})
    assert found.status_code == 200
    assert f'name="area_id" value="{khom3.id}" checked' in found.text
    moved = admin.post(
        f"/users/{member.id}",
        data={**form, "area_id": str(khom3.id)},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    member = user_by_login(session, "thanhvien.anthuong")
    assert member is not None
    assert member.area_id == khom3.id


# --- hamlets: add and rename -----------------------------------------------------


def _commune(session: Session, name: str = "Phường Sóc Trăng") -> AdminUnit:
    return unit(session, name, edition=Edition.e2025, level=Level.commune)


def test_an_official_adds_a_hamlet_and_a_repeated_name_is_refused_beside_it(
    sign_in: object, session: Session
) -> None:
    official = sign_in("canbo.khom3")  # type: ignore[operator]
    commune = _commune(session)
    page = official.get(f"/areas/{commune.id}", headers=HTML)
    assert "Thêm khóm/ấp" in page.text
    added = official.post(
        f"/areas/{commune.id}/hamlets",
        data={"name": "Khóm 12"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    hamlet = unit(session, "Khóm 12", edition=Edition.e2025, level=Level.hamlet)
    assert added.headers["location"].startswith(f"/areas/{hamlet.id}")

    again = official.post(f"/areas/{commune.id}/hamlets", data={"name": "khóm 12"})
    assert again.status_code == 409
    assert "đã có 'Khóm 12'" in field_error(again.text, "h-name")
    assert 'value="khóm 12"' in again.text


def test_renaming_a_hamlet_is_audited_and_a_sibling_name_is_refused(
    sign_in: object, session: Session
) -> None:
    commune = _commune(session)
    hamlet = make_hamlet(session, commune, name="Khóm Cũ")
    session.commit()
    official = sign_in("canbo.khom3")  # type: ignore[operator]
    page = official.get(f"/areas/{hamlet.id}", headers=HTML)
    assert "Đổi tên khóm/ấp" in page.text
    renamed = official.post(
        f"/areas/{hamlet.id}/name", data={"name": "Khóm  Mới"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    session.expire_all()
    assert session.get(AdminUnit, hamlet.id).name == "Khóm Mới"  # type: ignore[union-attr]
    event = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "admin_units",
            AuditEvent.object_id == str(hamlet.id),
            AuditEvent.action == "update",
        )
        .order_by(AuditEvent.id.desc())
    )
    assert event is not None
    assert event.actor_login == "canbo.khom3"
    assert "name" in (event.changed or [])

    clash = official.post(f"/areas/{hamlet.id}/name", data={"name": "KHÓM 3"})
    assert clash.status_code == 409
    assert field_error(clash.text, "f-name") == "'Phường Sóc Trăng' đã có 'Khóm 3'."
    assert 'value="KHÓM 3"' in clash.text


def test_a_team_leader_sees_no_hamlet_forms_and_is_refused(
    sign_in: object, session: Session
) -> None:
    leader = sign_in("totruong.khom3")  # type: ignore[operator]
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    page = leader.get(f"/areas/{khom3.id}", headers=HTML)
    assert "Đổi tên khóm/ấp" not in page.text
    refused = leader.post(f"/areas/{khom3.id}/name", data={"name": "Khóm Ba"})
    assert refused.status_code == 403


def test_the_api_renames_a_hamlet(admin: TestClient, session: Session) -> None:
    hamlet = make_hamlet(session, _commune(session), name="Ấp Đổi Tên")
    session.commit()
    renamed = admin.patch(f"/api/v1/areas/{hamlet.id}", json={"name": "Ấp Tên Mới"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Ấp Tên Mới"
    assert renamed.json()["short_name"] == "Tên Mới"
    clash = admin.patch(f"/api/v1/areas/{hamlet.id}", json={"name": "Khóm 3"})
    assert clash.status_code == 409
    assert set(clash.json()["fields"]) == {"name"}
    commune = admin.patch(f"/api/v1/areas/{_commune(session).id}", json={"name": "X"})
    assert commune.status_code == 422


# --- the 2025 map: re-homing -------------------------------------------------------


def _split_commune(session: Session) -> AdminUnit:
    split = session.scalar(
        select(AreaMapping.old_unit_id)
        .group_by(AreaMapping.old_unit_id)
        .having(func.count() > 1)
        .order_by(AreaMapping.old_unit_id)
        .limit(1)
    )
    assert split is not None
    old = session.get(AdminUnit, split)
    assert old is not None
    return old


def test_the_rehome_page_lists_the_choices_and_moves_what_is_chosen(
    admin: TestClient, session: Session
) -> None:
    old = _split_commune(session)
    waiting = make_hamlet(session, old, name="Ấp Chờ Chọn")
    phuong5 = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    plain = make_hamlet(session, phuong5, name="Khóm 11")
    session.commit()
    province = unit(
        session, "Tỉnh Sóc Trăng", edition=Edition.e2022, level=Level.province
    )
    detail = admin.get(f"/areas/{province.id}", headers=HTML)
    assert f'href="/areas/{province.id}/rehome"' in detail.text

    page = admin.get(f"/areas/{province.id}/rehome", headers=HTML)
    assert page.status_code == 200
    text = _text(page.text)
    assert "Cần chọn (1)" in text
    assert "Ấp Chờ Chọn" in text
    assert "Khóm 11 Phường 5 → Phường Sóc Trăng" in text
    assert len(page.content) < PAGE_BUDGET
    options = re.findall(rf'<option value="{waiting.id}:(\d+)"', page.text)
    assert len(options) >= 2

    moved = admin.post(
        f"/areas/{province.id}/rehome",
        data={"to": f"{waiting.id}:{options[-1]}"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    session.expire_all()
    assert session.get(AdminUnit, waiting.id).parent_id == int(options[-1])  # type: ignore[union-attr]
    assert session.get(AdminUnit, plain.id).edition is Edition.e2025  # type: ignore[union-attr]
    after = admin.get(f"/areas/{province.id}/rehome", headers=HTML)
    assert "Không còn khóm/ấp nào" in after.text


def test_a_choice_outside_the_mapping_is_refused_and_shown_again(
    admin: TestClient, session: Session
) -> None:
    old = _split_commune(session)
    waiting = make_hamlet(session, old, name="Ấp Chọn Sai")
    session.commit()
    wrong = _commune(session, "Xã An Thạnh")
    refused = admin.post(
        f"/areas/{old.id}/rehome", data={"to": f"{waiting.id}:{wrong.id}"}
    )
    assert refused.status_code == 422
    assert "không phải nơi nhận" in refused.text
    session.expire_all()
    assert session.get(AdminUnit, waiting.id).parent_id == old.id  # type: ignore[union-attr]


def test_only_an_admin_rehomes_and_only_a_2022_unit(
    sign_in: object, admin: TestClient, session: Session
) -> None:
    province = unit(
        session, "Tỉnh Sóc Trăng", edition=Edition.e2022, level=Level.province
    )
    official = sign_in("canbo.khom3")  # type: ignore[operator]
    assert official.get(f"/areas/{province.id}/rehome").status_code == 403
    assert admin.get(f"/areas/{_commune(session).id}/rehome").status_code == 422


# --- accounts and rosters -----------------------------------------------------------


def test_a_team_account_joins_the_roster_starting_the_team(
    admin: TestClient, session: Session
) -> None:
    hamlet = make_hamlet(session, _commune(session), name="Khóm 14")
    session.commit()
    created = admin.post(
        "/users",
        data={
            "login": "totruong.khom14",
            "display_name": "Đỗ Văn Mười Bốn",
            "role": "team_leader",
            "area_id": str(hamlet.id),
            "roster": "on",
        },
    )
    assert created.status_code == 201
    assert "Đã thêm Đỗ Văn Mười Bốn vào" in created.text
    user = user_by_login(session, "totruong.khom14")
    assert user is not None
    team = session.scalar(select(Team).where(Team.hamlet_id == hamlet.id))
    assert team is not None
    member = session.scalar(select(TeamMember).where(TeamMember.user_id == user.id))
    assert member is not None
    assert member.full_name == "Đỗ Văn Mười Bốn"
    assert member.position.value == "leader"
    page = admin.get(f"/users/{user.id}", headers=HTML)
    assert f'<a href="/teams/{team.id}">Tổ Khóm 14</a>' in page.text


def test_an_account_without_the_box_stays_off_the_roster(
    admin: TestClient, session: Session
) -> None:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    created = admin.post(
        "/users",
        data={
            "login": "thanhvien.ngoai",
            "display_name": "Người Ngoài Tổ",
            "role": "team_member",
            "area_id": str(khom3.id),
        },
    )
    assert created.status_code == 201
    user = user_by_login(session, "thanhvien.ngoai")
    assert user is not None
    assert (
        session.scalar(select(TeamMember).where(TeamMember.user_id == user.id)) is None
    )


def test_a_full_roster_keeps_the_account_and_says_why(
    admin: TestClient, session: Session
) -> None:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    team = session.scalar(select(Team).where(Team.hamlet_id == khom3.id))
    assert team is not None
    for n in range(team.member_count, 10):
        admin.post(
            f"/teams/{team.id}/members",
            data={
                "full_name": f"Người Thứ {n}",
                "position": "member",
                "background": "resident",
            },
        )
    created = admin.post(
        "/users",
        data={
            "login": "thanhvien.thu11",
            "display_name": "Người Thứ Mười Một",
            "role": "team_member",
            "area_id": str(khom3.id),
            "roster": "on",
        },
    )
    assert created.status_code == 201
    assert "chưa thêm được vào danh sách tổ" in created.text
    assert user_by_login(session, "thanhvien.thu11") is not None


def test_a_roster_member_is_given_an_account(sign_in: object, session: Session) -> None:
    official = sign_in("canbo.khom3")  # type: ignore[operator]
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    team = session.scalar(select(Team).where(Team.hamlet_id == khom3.id))
    assert team is not None
    official.post(
        f"/teams/{team.id}/members",
        data={
            "full_name": "Cao Thị Ngọc",
            "position": "member",
            "background": "teacher",
        },
    )
    member = session.scalar(
        select(TeamMember).where(TeamMember.full_name == "Cao Thị Ngọc")
    )
    assert member is not None
    roster = official.get(f"/teams/{team.id}", headers=HTML)
    assert f'action="/teams/{team.id}/members/{member.id}/account"' in roster.text

    taken = official.post(
        f"/teams/{team.id}/members/{member.id}/account",
        data={"login": "totruong.khom3"},
    )
    assert taken.status_code == 409
    assert field_error(taken.text, f"a{member.id}-login")
    assert 'value="totruong.khom3"' in taken.text

    given = official.post(
        f"/teams/{team.id}/members/{member.id}/account", data={"login": "ngoc.khom3"}
    )
    assert given.status_code == 201
    assert '<code class="secret">' in given.text
    account = user_by_login(session, "ngoc.khom3")
    assert account is not None
    assert account.role is Role.team_member
    assert account.area_id == khom3.id
    assert account.display_name == "Cao Thị Ngọc"
    session.expire_all()
    assert session.get(TeamMember, member.id).user_id == account.id  # type: ignore[union-attr]
    again = official.post(
        f"/teams/{team.id}/members/{member.id}/account", data={"login": "ngoc2.khom3"}
    )
    assert again.status_code == 409


def test_a_team_leader_may_not_give_accounts(sign_in: object, session: Session) -> None:
    leader = sign_in("totruong.khom3")  # type: ignore[operator]
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    team = session.scalar(select(Team).where(Team.hamlet_id == khom3.id))
    assert team is not None
    member = session.scalars(
        select(TeamMember).where(
            TeamMember.team_id == team.id, TeamMember.user_id.is_(None)
        )
    ).first()
    assert member is not None
    roster = leader.get(f"/teams/{team.id}", headers=HTML)
    assert '/account"' not in roster.text
    refused = leader.post(
        f"/teams/{team.id}/members/{member.id}/account", data={"login": "moi.khom3"}
    )
    assert refused.status_code == 403


# --- the picker on pages that are GET forms ---------------------------------------


def test_cards_and_reports_find_an_area_by_name(
    sign_in: object, session: Session
) -> None:
    official = sign_in("canbo.khom3")  # type: ignore[operator]
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    cards = official.get("/cards", params={"area_q": "khom 3"}, headers=HTML)
    assert cards.status_code == 200
    assert (
        f'<a href="/cards?area_id={khom3.id}">Khóm 3 — Phường Sóc Trăng — Cần Thơ</a>'
        in cards.text
    )
    reports = official.get(
        "/reports", params={"area_q": "khom", "as_of": "2026-01-31"}, headers=HTML
    )
    assert reports.status_code == 200
    assert f'href="/reports?area_id={khom3.id}&amp;as_of=2026-01-31"' in reports.text
    assert len(reports.content) < PAGE_BUDGET
    outside = official.get("/cards", params={"area_q": "an thuong"}, headers=HTML)
    assert "Ấp An Thường" not in outside.text
