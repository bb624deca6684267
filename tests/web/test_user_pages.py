"""Account pages: admins and officials create and manage accounts with forms."""

import html as html_lib
import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from ocop_tracker.auth.models import AuthSession
from ocop_tracker.users.models import Role, User
from tests.factories import unit
from tests.refusals import top_message

PASSWORD = "mua-lua-thom-2026"
HTML = {"accept": "text/html"}
PAGE_BUDGET = 60 * 1024


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the JSON API; returns the CSRF token for forms."""
    response = client.post(
        "/api/v1/auth/login", json={"login": login, "password": password}
    )
    assert response.status_code == 200, response.text
    token = response.json()["csrf_token"]
    assert isinstance(token, str)
    assert token
    return token


def another_client(client: TestClient) -> TestClient:
    """A second browser on the same app and address."""
    return TestClient(
        client.app, base_url=str(client.base_url), raise_server_exceptions=False
    )


def user_by_login(session: Session, login: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.login == login))


def secret(html: str) -> str:
    """The one-time password shown on the page."""
    found = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert found, "no one-time password on the page"
    return html_lib.unescape(found.group(1))


def test_admin_creates_a_team_member_and_sees_the_one_time_password_once(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "admin")
    form = client.get("/users", headers=HTML)
    assert form.status_code == 200
    for role in Role:  # an admin may create every role
        assert f'<option value="{role.value}"' in form.text
    assert 'name="area_id"' in form.text  # and may type any area's id

    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    created = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "login": "Thanhvien.Moi",
            "display_name": "Trịnh Thị Ánh Tuyết",
            "role": "team_member",
            "area_id": str(hamlet.id),
        },
    )
    assert created.status_code == 201
    page = created.text
    assert "Đã tạo tài khoản" in page
    assert "thanhvien.moi" in page
    assert "Thành viên tổ" in page
    assert "phải đổi mật khẩu ngay lần đăng nhập đầu tiên" in page
    assert "24 giờ" in page
    one_time = secret(page)
    assert len(one_time) >= 10

    user = user_by_login(session, "thanhvien.moi")
    assert user is not None
    assert user.role is Role.team_member
    assert user.area_id == hamlet.id
    assert user.must_change_password
    assert one_time not in client.get(f"/users/{user.id}", headers=HTML).text
    # The password shown is the one that works.
    newcomer = another_client(client)
    sign_in(newcomer, "thanhvien.moi", one_time)
    me = newcomer.get("/api/v1/me").json()
    assert me["user"]["must_change_password"] is True


def test_an_official_offers_only_team_roles_and_hamlets_of_the_commune(
    client: TestClient,
) -> None:
    sign_in(client, "canbo.khom3")
    page = client.get("/users", headers=HTML)
    assert page.status_code == 200
    assert '<option value="team_leader"' in page.text
    assert '<option value="team_member"' in page.text
    assert '<option value="official"' not in page.text
    assert '<option value="admin"' not in page.text
    assert "Không gắn địa bàn" not in page.text  # an account of a team has one
    assert 'name="area_q"' in page.text  # the area picker's search
    # The list shows the accounts of the commune only.
    assert "totruong.khom3" in page.text
    assert "totruong.anthuong" not in page.text


def test_an_official_cannot_create_an_official(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    commune = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    response = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "login": "canbo.phu",
            "display_name": "Cán bộ phụ",
            "role": "official",
            "area_id": str(commune.id),
        },
    )
    assert response.status_code == 403
    assert user_by_login(session, "canbo.phu") is None


def test_an_official_creates_a_leader_for_a_hamlet_of_the_commune(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    response = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "login": "topho.khom3",
            "display_name": "Lý Thị Mỹ Linh",
            "role": "team_leader",
            "area_id": str(hamlet.id),
        },
    )
    assert response.status_code == 201
    assert secret(response.text)
    user = user_by_login(session, "topho.khom3")
    assert user is not None
    assert user.role is Role.team_leader


def test_a_taken_login_is_explained_and_the_form_keeps_the_values(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    response = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "login": "totruong.khom3",
            "display_name": "Người Trùng Tên",
            "role": "team_member",
            "area_id": str(hamlet.id),
        },
    )
    assert response.status_code == 409
    assert (
        top_message(response.text) == "Tên đăng nhập 'totruong.khom3' đã có người dùng."
    )
    assert 'value="Người Trùng Tên"' in response.text
    assert f'name="area_id" value="{hamlet.id}" checked' in response.text
    assert '<code class="secret">' not in response.text


def test_team_roles_and_the_department_get_403(client: TestClient) -> None:
    for login in ("totruong.khom3", "thanhvien.khom3", "sct.soctrang"):
        c = another_client(client)
        csrf = sign_in(c, login)
        assert c.get("/users", headers=HTML).status_code == 403, login
        created = c.post(
            "/users",
            data={
                "csrf_token": csrf,
                "login": f"x.{login}",
                "display_name": "X",
                "role": "team_member",
            },
        )
        assert created.status_code == 403, login


def test_a_form_post_without_the_csrf_token_is_refused(
    client: TestClient, session: Session
) -> None:
    sign_in(client, "admin")
    response = client.post(
        "/users",
        data={"login": "khong.csrf", "display_name": "Không CSRF", "role": "admin"},
    )
    assert response.status_code == 403
    assert user_by_login(session, "khong.csrf") is None


def test_official_renames_and_disables_a_team_account(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    member = user_by_login(session, "thanhvien.khom3")
    assert member is not None
    page = client.get(f"/users/{member.id}", headers=HTML)
    assert page.status_code == 200
    assert f'name="version" value="{member.version}"' in page.text
    assert 'name="is_active" value="on" checked' in page.text

    saved = client.post(
        f"/users/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(member.version),
            "display_name": "Nguyễn Thị Thu Trang (Khóm 3)",
            "role": "team_member",
            "area_id": str(member.area_id),
        },  # the active box left unticked
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/users/{member.id}?done=saved"
    shown = client.get(saved.headers["location"], headers=HTML).text
    assert "Đã lưu." in shown
    assert "Đã khóa" in shown
    user = user_by_login(session, "thanhvien.khom3")
    assert user is not None
    assert user.display_name == "Nguyễn Thị Thu Trang (Khóm 3)"
    assert not user.is_active

    stale = client.post(
        f"/users/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(member.version),
            "display_name": "Tên Cũ",
            "role": "team_member",
            "area_id": str(member.area_id),
            "is_active": "on",
        },
    )
    assert stale.status_code == 409
    assert "vừa được người khác sửa" in top_message(stale.text)
    assert 'value="Tên Cũ"' in stale.text


def test_an_official_only_reads_another_official(
    client: TestClient, session: Session
) -> None:
    sign_in(client, "canbo.khom3")
    me = user_by_login(session, "canbo.khom3")
    assert me is not None
    page = client.get(f"/users/{me.id}", headers=HTML)
    assert page.status_code == 200
    assert "Bạn chỉ được xem tài khoản này." in page.text
    assert '<form class="form"' not in page.text
    other = user_by_login(session, "totruong.anthuong")
    assert other is not None
    assert client.get(f"/users/{other.id}", headers=HTML).status_code == 404


def test_password_reset_shows_a_new_one_time_password_and_ends_sessions(
    client: TestClient, session: Session
) -> None:
    leader = another_client(client)
    sign_in(leader, "totruong.khom3")
    assert leader.get("/api/v1/me").status_code == 200
    csrf = sign_in(client, "canbo.khom3")
    user = user_by_login(session, "totruong.khom3")
    assert user is not None

    response = client.post(
        f"/users/{user.id}/password-reset", data={"csrf_token": csrf}
    )
    assert response.status_code == 200
    assert "Đã đặt lại mật khẩu" in response.text
    one_time = secret(response.text)
    assert leader.get("/api/v1/me").status_code == 401  # the old session ended
    sign_in(another_client(client), "totruong.khom3", one_time)


def test_ending_sessions_signs_the_account_out(
    client: TestClient, session: Session
) -> None:
    leader = another_client(client)
    sign_in(leader, "totruong.khom3")
    csrf = sign_in(client, "admin")
    user = user_by_login(session, "totruong.khom3")
    assert user is not None
    response = client.post(
        f"/users/{user.id}/sessions/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/users/{user.id}?done=sessions_ended"
    assert (
        "Đã kết thúc mọi phiên đăng nhập"
        in client.get(response.headers["location"], headers=HTML).text
    )
    assert leader.get("/api/v1/me").status_code == 401
    session.expire_all()
    live = session.scalars(
        select(AuthSession).where(
            AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None)
        )
    ).all()
    assert live == []


def test_search_finds_accounts_without_diacritics(client: TestClient) -> None:
    sign_in(client, "admin")
    page = client.get("/users", params={"q": "tran van hung"}, headers=HTML).text
    assert "Trần Văn Hùng" in page
    assert "totruong.khom3" in page
    assert "Sơn Thị Sa Ra" not in page
    assert "1 tài khoản khớp “tran van hung”" in page


def test_account_pages_have_no_script_and_fit_the_budget(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "admin")
    css = client.get("/static/css/app.css").content
    user = user_by_login(session, "totruong.khom3")
    assert user is not None
    pages = [
        client.get("/users", headers=HTML),
        client.get(f"/users/{user.id}", headers=HTML),
        client.post(f"/users/{user.id}/password-reset", data={"csrf_token": csrf}),
    ]
    for response in pages:
        assert response.status_code == 200
        assert "<script" not in response.text
        assert " style=" not in response.text
        assert response.text.count('name="csrf_token"') == response.text.count(
            'method="post"'
        )
        assert len(response.content) + len(css) < PAGE_BUDGET


def test_admin_moves_accounts_by_hamlet_list_or_typed_area_id(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "admin")
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet).id
    member = user_by_login(session, "thanhvien.anthuong")
    assert member is not None
    form = client.get(f"/users/{member.id}", headers=HTML).text
    assert f'name="area_id" value="{member.area_id}" checked' in form
    assert "Ấp An Thường — Xã An Thạnh — Cần Thơ" in form  # kept unless changed

    moved = client.post(
        f"/users/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(member.version),
            "display_name": member.display_name,
            "role": "team_member",
            "area_id": str(khom3),
            "is_active": "on",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303
    member = user_by_login(session, "thanhvien.anthuong")
    assert member is not None
    assert member.area_id == khom3

    official = user_by_login(session, "canbo.anthuong")
    assert official is not None
    commune = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    ).id
    retyped = client.post(
        f"/users/{official.id}",
        data={
            "csrf_token": csrf,
            "version": str(official.version),
            "display_name": official.display_name,
            "role": "official",
            "area_id": str(commune),
            "is_active": "on",
        },
        follow_redirects=False,
    )
    assert retyped.status_code == 303
    official = user_by_login(session, "canbo.anthuong")
    assert official is not None
    assert official.area_id == commune

    wrong_level = client.post(
        f"/users/{official.id}",
        data={
            "csrf_token": csrf,
            "version": str(official.version),
            "display_name": official.display_name,
            "role": "official",
            "area_id": str(khom3),
            "is_active": "on",
        },
    )
    assert wrong_level.status_code == 422
    assert "không gắn với cấp" in top_message(wrong_level.text)
