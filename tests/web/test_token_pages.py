"""Personal API tokens on a page: created and shown once, listed, revoked."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.auth import service as auth_service
from ocop_tracker.auth.models import ApiToken
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn
from tests.refusals import field_error

HTML = {"accept": "text/html"}


def csrf(client: TestClient) -> str:
    return client.headers["X-CSRF-Token"]


def shown_token(html: str) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', html)
    assert found, "no token on the page"
    return found.group(1)


def test_a_token_is_shown_once_works_and_is_listed_by_its_first_characters(
    sign_in: SignIn, client: TestClient, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    page = member.get("/account/tokens", headers=HTML)
    assert page.status_code == 200
    assert "Bạn chưa có token nào." in page.text
    linked = member.get("/account/password", headers=HTML).text
    assert 'href="/account/tokens"' in linked
    created = member.post(
        "/account/tokens",
        data={"csrf_token": csrf(member), "name": "Bảng tính tháng", "days": "30"},
    )
    assert created.status_code == 201
    assert "chỉ hiện một lần" in created.text
    assert "no-store" in created.headers["cache-control"]
    plain = shown_token(created.text)
    # The token acts as its owner over the API.
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {plain}"})
    assert me.status_code == 200, me.text
    assert me.json()["user"]["login"] == "thanhvien.khom3"
    listed = member.get("/account/tokens", headers=HTML).text
    assert "Bảng tính tháng" in listed
    assert plain[:12] in listed
    assert plain not in listed  # never again in full
    assert "Đang dùng được" in listed


def test_a_refused_name_stays_in_the_form_with_its_message(
    sign_in: SignIn,
) -> None:
    member = sign_in("thanhvien.khom3")
    refused = member.post(
        "/account/tokens",
        data={"csrf_token": csrf(member), "name": "x" * 81, "days": "365"},
    )
    assert refused.status_code == 422
    assert "1–80 ký tự" in field_error(refused.text, "name")
    assert 'value="' + "x" * 81 + '"' in refused.text
    assert '<option value="365" selected>' in refused.text
    odd = member.post(
        "/account/tokens",
        data={"csrf_token": csrf(member), "name": "Bảng tính", "days": "7"},
    )
    assert odd.status_code == 422
    assert field_error(odd.text, "days")


def test_a_revoked_token_stops_working_and_anothers_token_is_not_found(
    sign_in: SignIn, client: TestClient, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    owner = user_repository.by_login(session, "thanhvien.khom3")
    other = user_repository.by_login(session, "totruong.khom3")
    assert owner is not None
    assert other is not None
    plain, mine = auth_service.create_token(session, owner, name="Máy của tổ")
    _, theirs = auth_service.create_token(session, other, name="Của tổ trưởng")
    session.commit()
    listed = member.get("/account/tokens", headers=HTML).text
    assert f'action="/account/tokens/{mine.id}/revoke"' in listed
    assert "Của tổ trưởng" not in listed
    assert (
        member.post(
            f"/account/tokens/{theirs.id}/revoke", data={"csrf_token": csrf(member)}
        ).status_code
        == 404
    )
    done = member.post(
        f"/account/tokens/{mine.id}/revoke",
        data={"csrf_token": csrf(member)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/account/tokens?done=token_revoked"
    after = member.get(done.headers["location"], headers=HTML).text
    assert "Đã thu hồi token." in after
    assert f'action="/account/tokens/{mine.id}/revoke"' not in after
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {plain}"})
    assert me.status_code == 401
    session.expire_all()
    kept = session.scalar(select(ApiToken).where(ApiToken.id == theirs.id))
    assert kept is not None
    assert kept.revoked_at is None


def test_a_form_post_without_the_csrf_token_is_refused(sign_in: SignIn) -> None:
    member = sign_in("thanhvien.khom3")
    del member.headers["X-CSRF-Token"]
    refused = member.post("/account/tokens", data={"name": "Không có CSRF"})
    assert refused.status_code == 403
