"""The team pages: one's own team, the list and the roster, as plain HTML forms."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.teams.models import Team, TeamMember
from ocop_tracker.users import service as user_service
from ocop_tracker.users.models import Role
from tests.factories import make_hamlet, unit
from tests.refusals import top_message
from tests.web.scripts import outbox_bytes, without_outbox

PASSWORD = "mua-lua-thom-2026"
HTML = {"accept": "text/html"}
PAGE_BUDGET = 60 * 1024


def sign_in(client: TestClient, login: str) -> str:
    """Sign ``client`` in through the JSON API; returns the CSRF token for forms."""
    response = client.post(
        "/api/v1/auth/login", json={"login": login, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    assert isinstance(token, str)
    assert token
    return token


def khom3_team(session: Session) -> Team:
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    team = session.scalar(select(Team).where(Team.hamlet_id == hamlet.id))
    assert team is not None
    return team


def member_named(session: Session, team: Team, name: str) -> TeamMember | None:
    session.expire_all()
    return session.scalar(
        select(TeamMember).where(
            TeamMember.team_id == team.id, TeamMember.full_name == name
        )
    )


def member_count(session: Session, team: Team) -> int:
    session.expire_all()
    return len(
        session.scalars(select(TeamMember).where(TeamMember.team_id == team.id)).all()
    )


def test_my_team_leads_a_leader_to_the_roster_of_their_hamlet(
    client: TestClient, session: Session
) -> None:
    sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    response = client.get("/team", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/teams/{team.id}"

    page = client.get(f"/teams/{team.id}", headers=HTML)
    assert page.status_code == 200
    html = page.text
    assert "<h1>Tổ công nghệ số Khóm 3</h1>" in html
    assert "Phường Sóc Trăng" in html
    assert "Thành phố Cần Thơ" in html
    assert "CNCD_Khom3_SocTrang_CanTho" in html
    assert "4/10" in html
    # Leader, then deputy, then members by name; labels and phones the Vietnamese way.
    order = [
        html.index(name)
        for name in (
            "Trần Văn Hùng",
            "Lý Thị Mỹ Linh",
            "Nguyễn Thị Thu Trang",
            "Thạch Sô Phol",
        )
    ]
    assert order == sorted(order)
    assert "Tổ trưởng · Trưởng ban nhân dân khóm/ấp" in html
    assert "Tổ phó · Bí thư Đoàn thanh niên" in html
    assert "0912 345 601" in html
    assert 'href="tel:+84912345601"' in html
    assert "Thêm thành viên" in html
    assert html.count("<summary>Sửa</summary>") == 4


def test_leader_adds_edits_and_removes_a_member(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    name = "Đoàn Thị Ngọc Hân"

    added = client.post(
        f"/teams/{team.id}/members",
        data={
            "csrf_token": csrf,
            "full_name": name,
            "position": "member",
            "background": "it_staff",
            "phone": "0909 123 456",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/teams/{team.id}?done=member_added"
    member = member_named(session, team, name)
    assert member is not None
    assert member.phone == "+84909123456"
    page = client.get(added.headers["location"], headers=HTML).text
    assert "Đã thêm thành viên." in page
    assert "5/10" in page
    assert "Thành viên · Nhân viên công nghệ thông tin" in page
    assert "0909 123 456" in page

    saved = client.post(
        f"/teams/{team.id}/members/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(member.version),
            "full_name": name,
            "position": "member",
            "background": "it_staff",
            "phone": "0388 765 432",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/teams/{team.id}?done=member_saved"
    member = member_named(session, team, name)
    assert member is not None
    assert member.phone == "+84388765432"
    page = client.get(saved.headers["location"], headers=HTML).text
    assert "Đã lưu thông tin thành viên." in page
    assert "0388 765 432" in page
    assert "0909 123 456" not in page

    removed = client.post(
        f"/teams/{team.id}/members/{member.id}/delete",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/teams/{team.id}?done=member_removed"
    assert member_named(session, team, name) is None
    page = client.get(removed.headers["location"], headers=HTML).text
    assert "Đã xóa thành viên khỏi tổ." in page
    assert "4/10" in page
    assert name not in page


def test_a_stale_edit_is_refused_and_the_typed_values_stay(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    member = member_named(session, team, "Thạch Sô Phol")
    assert member is not None
    old_version = member.version
    first = client.post(
        f"/teams/{team.id}/members/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(old_version),
            "full_name": "Thạch Sô Phol",
            "position": "member",
            "background": "postal_staff",
            "phone": "0912 345 699",
        },
        follow_redirects=False,
    )
    assert first.status_code == 303
    stale = client.post(
        f"/teams/{team.id}/members/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(old_version),
            "full_name": "Thạch Sô Phol",
            "position": "member",
            "background": "resident",
            "phone": "0912 000 111",
        },
    )
    assert stale.status_code == 409
    assert "vừa được người khác sửa" in top_message(stale.text)
    assert "<details open>" in stale.text  # the form being edited stays open
    assert 'value="0912 000 111"' in stale.text
    member = member_named(session, team, "Thạch Sô Phol")
    assert member is not None
    assert member.phone == "+84912345699"
    assert member.background.value == "postal_staff"


def test_a_bad_phone_is_explained_and_the_form_keeps_what_was_typed(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    response = client.post(
        f"/teams/{team.id}/members",
        data={
            "csrf_token": csrf,
            "full_name": "Kim Thị Sóc Kha",
            "position": "member",
            "background": "teacher",
            "phone": "12345",
        },
    )
    assert response.status_code == 422
    assert "Số điện thoại" in top_message(response.text)
    assert 'value="Kim Thị Sóc Kha"' in response.text
    assert 'value="12345"' in response.text
    assert '<option value="teacher" selected>' in response.text
    assert member_named(session, team, "Kim Thị Sóc Kha") is None


def test_a_second_deputy_is_refused_with_the_holder_named(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    response = client.post(
        f"/teams/{team.id}/members",
        data={
            "csrf_token": csrf,
            "full_name": "Lâm Văn Tú",
            "position": "deputy",
            "background": "resident",
        },
    )
    assert response.status_code == 409
    assert top_message(response.text) == "Tổ đã có tổ phó: Lý Thị Mỹ Linh."
    assert member_count(session, team) == 4


def test_the_eleventh_member_is_refused(client: TestClient, session: Session) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    for i in range(6):
        response = client.post(
            f"/teams/{team.id}/members",
            data={"csrf_token": csrf, "full_name": f"Thành viên thứ {5 + i}"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    assert member_count(session, team) == 10

    full = client.get(f"/teams/{team.id}", headers=HTML).text
    assert "10/10" in full
    assert "Tổ đã đủ 10 thành viên" in full
    assert f'action="/teams/{team.id}/members" ' not in full  # no add form

    refused = client.post(
        f"/teams/{team.id}/members",
        data={"csrf_token": csrf, "full_name": "Người thứ mười một"},
    )
    assert refused.status_code == 409
    assert top_message(refused.text) == "Tổ đã đủ 10 thành viên (tối đa theo kế hoạch)."
    assert member_count(session, team) == 10
    assert member_named(session, team, "Người thứ mười một") is None


def test_a_form_post_without_the_csrf_token_changes_nothing(
    client: TestClient, session: Session
) -> None:
    sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    member = member_named(session, team, "Thạch Sô Phol")
    assert member is not None
    added = client.post(f"/teams/{team.id}/members", data={"full_name": "Không Có Mã"})
    assert added.status_code == 403
    removed = client.post(f"/teams/{team.id}/members/{member.id}/delete")
    assert removed.status_code == 403
    forged = client.post(
        f"/teams/{team.id}/members/{member.id}/delete",
        data={"csrf_token": "not-the-token"},
    )
    assert forged.status_code == 403
    assert member_named(session, team, "Không Có Mã") is None
    assert member_named(session, team, "Thạch Sô Phol") is not None
    assert member_count(session, team) == 4


def test_a_member_sees_the_roster_but_cannot_change_it(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "thanhvien.khom3")
    team = khom3_team(session)
    page = client.get(f"/teams/{team.id}", headers=HTML)
    assert page.status_code == 200
    assert "Trần Văn Hùng" in page.text
    assert "0912 345 601" in page.text
    assert "/members" not in page.text  # no add, edit or remove form
    assert "<details" not in page.text
    assert "Thêm thành viên" not in page.text
    member = member_named(session, team, "Thạch Sô Phol")
    assert member is not None

    added = client.post(
        f"/teams/{team.id}/members",
        data={"csrf_token": csrf, "full_name": "Người Ngoài Tổ"},
    )
    assert added.status_code == 403
    removed = client.post(
        f"/teams/{team.id}/members/{member.id}/delete", data={"csrf_token": csrf}
    )
    assert removed.status_code == 403
    assert member_count(session, team) == 4


def test_an_official_of_another_commune_does_not_find_the_team(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.anthuong")
    team = khom3_team(session)
    page = client.get(f"/teams/{team.id}", headers=HTML)
    assert page.status_code == 404
    assert "Trần Văn Hùng" not in page.text
    added = client.post(
        f"/teams/{team.id}/members",
        data={"csrf_token": csrf, "full_name": "Người Xã Khác"},
    )
    assert added.status_code == 404
    assert member_count(session, team) == 4
    listing = client.get("/teams", headers=HTML).text
    assert "Tổ công nghệ số Ấp An Thường" in listing
    assert "Khóm 3" not in listing


def test_the_official_of_the_commune_lists_and_edits_the_team(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    team = khom3_team(session)
    assert client.get("/team", follow_redirects=False).headers["location"] == "/teams"
    listing = client.get("/teams", headers=HTML)
    assert listing.status_code == 200
    assert f'href="/teams/{team.id}"' in listing.text
    assert "Tổ công nghệ số Khóm 3" in listing.text
    assert "Thành viên: 4/10" in listing.text
    assert "CNCD_Khom3_SocTrang_CanTho" in listing.text
    assert "Ấp An Thường" not in listing.text
    added = client.post(
        f"/teams/{team.id}/members",
        data={"csrf_token": csrf, "full_name": "Châu Văn Nhựt"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert member_named(session, team, "Châu Văn Nhựt") is not None


def test_a_leader_of_a_new_hamlet_starts_the_team(
    client: TestClient, session: Session
) -> None:
    commune = unit(
        session,
        "Phường 5",
        edition=Edition.e2022,
        level=Level.commune,
        parent="Thành phố Sóc Trăng",
    )
    hamlet = make_hamlet(session, commune, name="Khóm 9")
    user_service.create_user(
        session,
        None,
        login="totruong.khom9",
        display_name="Tô Văn Chín",
        role=Role.team_leader,
        area_id=hamlet.id,
        password=PASSWORD,
    )
    session.commit()
    csrf = sign_in(client, "totruong.khom9")

    page = client.get("/team", headers=HTML)
    assert page.status_code == 200
    assert "Khóm 9 chưa lập tổ công nghệ số." in page.text
    assert "Lập tổ công nghệ số Khóm 9" in page.text

    started = client.post(
        "/teams",
        data={"csrf_token": csrf, "hamlet_id": str(hamlet.id)},
        follow_redirects=False,
    )
    assert started.status_code == 303
    team = session.scalar(select(Team).where(Team.hamlet_id == hamlet.id))
    assert team is not None
    assert started.headers["location"] == f"/teams/{team.id}?done=team_started"
    roster = client.get(started.headers["location"], headers=HTML).text
    assert "Đã lập tổ công nghệ số." in roster
    assert "Tổ chưa có thành viên nào." in roster
    again = client.post(
        "/teams", data={"csrf_token": csrf, "hamlet_id": str(hamlet.id)}
    )
    assert again.status_code == 409
    assert top_message(again.text) == "Khóm 9 đã có tổ công nghệ số."


def test_a_member_of_a_hamlet_without_a_team_gets_no_start_button(
    client: TestClient, session: Session
) -> None:
    commune = session.scalar(select(AdminUnit).where(AdminUnit.name == "Xã An Thạnh 1"))
    assert commune is not None
    hamlet = make_hamlet(session, commune, name="Ấp Thử Không Tổ")
    user_service.create_user(
        session,
        None,
        login="thanhvien.khongto",
        display_name="Lưu Thị Mai",
        role=Role.team_member,
        area_id=hamlet.id,
        password=PASSWORD,
    )
    session.commit()
    sign_in(client, "thanhvien.khongto")
    page = client.get("/team", headers=HTML)
    assert page.status_code == 200
    assert "Ấp Thử Không Tổ chưa lập tổ công nghệ số." in page.text
    assert 'action="/teams"' not in page.text


def test_team_pages_have_no_script_and_fit_the_budget(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    for i in range(6):  # the largest roster: ten members, ten edit forms
        client.post(
            f"/teams/{team.id}/members",
            data={
                "csrf_token": csrf,
                "full_name": f"Nguyễn Hoàng Phương Thảo {i}",
                "phone": f"0912 345 61{i}",
            },
        )
    assert member_count(session, team) == 10
    css = client.get("/static/css/app.css").content
    for path in (f"/teams/{team.id}", "/teams"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 200
        html = response.text
        assert "<script" not in without_outbox(html)
        assert " style=" not in html
        assert html.count('name="csrf_token"') == html.count("<form")
        weight = len(response.content) + len(css) + outbox_bytes(client, html)
        assert weight < PAGE_BUDGET, path
