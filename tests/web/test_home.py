"""After sign-in, the home page is the role's work."""

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import SignIn

HTML = {"accept": "text/html"}
PASSWORD = "mua-lua-thom-2026"  # the demo accounts' password


@pytest.mark.parametrize(
    ("login", "work"),
    [
        ("totruong.khom3", "/worklist"),
        ("thanhvien.khom3", "/worklist"),
        ("canbo.khom3", "/verify"),
        ("sct.soctrang", "/reports"),
    ],
)
def test_home_sends_each_role_to_its_work(
    sign_in: SignIn, login: str, work: str
) -> None:
    c = sign_in(login)
    response = c.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == work
    page = c.get("/", headers=HTML)
    assert page.status_code == 200
    assert str(page.url).endswith(work)
    assert f'href="{work}" aria-current="page"' in page.text


def test_the_admin_keeps_the_home_page(admin: TestClient) -> None:
    response = admin.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 200
    assert "CNCD_Khom3_SocTrang_CanTho" in response.text


def test_a_notice_for_the_home_page_follows_the_redirect(sign_in: SignIn) -> None:
    c = sign_in("totruong.khom3")
    response = c.get("/?done=password_changed", headers=HTML, follow_redirects=False)
    assert response.headers["location"] == "/worklist?done=password_changed"
    unknown = c.get("/?done=<b>x</b>", headers=HTML, follow_redirects=False)
    assert unknown.headers["location"] == "/worklist"


def test_anonymous_home_is_unchanged(client: TestClient) -> None:
    response = client.get("/", headers=HTML, follow_redirects=False)
    assert response.status_code == 200
    assert 'href="/login"' in response.text


def test_officials_reach_the_action_list_from_verification(sign_in: SignIn) -> None:
    page = sign_in("canbo.khom3").get("/verify", headers=HTML)
    assert page.status_code == 200
    assert 'href="/reports/actions"' in page.text


def _form_login(c: TestClient, login: str, next_url: str | None) -> str:
    page = c.get("/login", headers=HTML)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
    assert nonce
    data = {"login": login, "password": PASSWORD, "nonce": nonce.group(1)}
    if next_url is not None:
        data["next"] = next_url
    response = c.post("/login", data=data, headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    return response.headers["location"]


def test_sign_in_lands_on_the_roles_work_unless_next_is_given(app: FastAPI) -> None:
    with TestClient(
        app, base_url="https://127.0.0.1", raise_server_exceptions=False
    ) as c:
        assert _form_login(c, "canbo.khom3", None) == "/verify"
        # Signed in already, the form sends on too.
        again = c.get("/login", headers=HTML, follow_redirects=False)
        assert again.headers["location"] == "/verify"
        kept = c.get("/login?next=/areas", headers=HTML, follow_redirects=False)
        assert kept.headers["location"] == "/areas"
    with TestClient(
        app, base_url="https://127.0.0.1", raise_server_exceptions=False
    ) as c:
        assert _form_login(c, "thanhvien.khom3", "/areas?q=ke") == "/areas?q=ke"
