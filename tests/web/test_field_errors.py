"""Pages show each refusal beside its field, list them at the top, and keep what was typed."""

import html as html_lib
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from tests.factories import unit
from tests.refusals import field_error, invalid_fields, no_code, top_message
from tests.web.test_team_pages import khom3_team
from tests.web.test_user_pages import HTML, sign_in, user_by_login


def _value(html: str, name: str) -> str:
    """The value a text input named ``name`` shows."""
    found = re.search(rf'<input name="{name}" value="([^"]*)"', html)
    assert found, f"no input {name}"
    return html_lib.unescape(found.group(1))


def _summary_links(html: str) -> list[str]:
    found = re.search(r'<nav class="summary-fields"[^>]*>(.*?)</nav>', html, re.S)
    assert found, "no summary of the fields to fix"
    assert "Chưa lưu được: " in found.group(1)
    return re.findall(r'<a href="#([^"]+)">', found.group(1))


def test_a_refused_account_form_shows_the_message_beside_the_login(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    response = client.post(
        "/users",
        data={
            "csrf_token": csrf,
            "login": "to truong moi",
            "display_name": "Lý Thị Mỹ Tiên",
            "role": "team_member",
            "area_id": str(hamlet.id),
        },
    )
    assert response.status_code == 422
    html = response.text
    message = field_error(html, "login")
    assert message == "Tên đăng nhập không được có dấu cách."
    assert invalid_fields(html) == {"login"}
    assert _summary_links(html) == ["f-login"]
    assert 'id="f-login"' in html
    assert _value(html, "login") == "to truong moi"
    assert _value(html, "display_name") == "Lý Thị Mỹ Tiên"
    assert f'name="area_id" value="{hamlet.id}" checked' in html
    assert "login:" not in html


def test_a_refused_member_is_marked_on_the_add_form_only(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "totruong.khom3")
    team = khom3_team(session)
    response = client.post(
        f"/teams/{team.id}/members",
        data={
            "csrf_token": csrf,
            "full_name": "Danh Thị Sa Rết",
            "position": "member",
            "background": "youth_union",
            "phone": "12345",
        },
    )
    assert response.status_code == 422
    html = response.text
    message = field_error(html, "phone", prefix="f-")
    assert "Số điện thoại" in message
    assert top_message(html) == message
    assert _summary_links(html) == ["f-phone"]
    # Only the add form is marked: the members' edit forms are left alone.
    assert html.count('aria-invalid="true"') == 1
    assert 'value="Danh Thị Sa Rết"' in html
    assert 'value="12345"' in html
    assert '<option value="youth_union" selected>' in html


def test_a_stale_account_edit_keeps_every_typed_value(
    client: TestClient, session: Session
) -> None:
    csrf = sign_in(client, "canbo.khom3")
    member = user_by_login(session, "thanhvien.khom3")
    assert member is not None
    old = member.version
    saved = client.post(
        f"/users/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(old),
            "display_name": "Nguyễn Thị Thu Trang (đã sửa)",
            "role": "team_member",
            "area_id": str(member.area_id),
            "is_active": "on",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    typed = "Nguyễn Thị Thu Trang – tổ Khóm 3, gõ lúc người khác vừa lưu"
    stale = client.post(
        f"/users/{member.id}",
        data={
            "csrf_token": csrf,
            "version": str(old),
            "display_name": typed,
            "role": "team_leader",
            "area_id": str(member.area_id),
        },
        headers=HTML,
    )
    assert stale.status_code == 409
    html = stale.text
    no_code(top_message(html))
    assert "vừa được người khác sửa" in top_message(html)
    assert _value(html, "display_name") == typed
    assert '<option value="team_leader" selected>' in html
    assert 'name="is_active" value="on" checked' not in html  # unticked stays unticked
    # The form carries the version as it is now, so saving again overwrites.
    now = user_by_login(session, "thanhvien.khom3")
    assert now is not None
    assert f'name="version" value="{now.version}"' in html
    assert invalid_fields(html) == set()  # no field is to blame, only the timing


def test_the_error_page_of_a_json_caller_still_has_fields(client: TestClient) -> None:
    csrf = sign_in(client, "canbo.khom3")
    response = client.post(
        "/users",
        data={"csrf_token": csrf, "login": "x" * 65, "display_name": "A", "role": "x"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["fields"]["login"] == "Dài quá 64 ký tự."
    assert body["fields"]["role"] == "Hãy chọn một giá trị trong danh sách."
