"""Error pages know who is signed in, and fall back to the anonymous header."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

from ocop_tracker.auth import service as auth_service
from ocop_tracker.core.config import get_settings
from tests.conftest import SignIn

HTML = {"accept": "text/html"}


def test_the_404_page_shows_who_is_signed_in(sign_in: SignIn) -> None:
    c = sign_in("canbo.khom3")
    for path in ("/khong-co-trang-nay", "/areas/999999999"):
        response = c.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "Không tìm thấy" in response.text
        assert "Đăng xuất" in response.text, path
        assert 'href="/verify"' in response.text, path
        assert 'href="/login"' not in response.text, path


def test_the_403_page_shows_who_is_signed_in(sign_in: SignIn) -> None:
    c = sign_in("thanhvien.khom3")
    response = c.get("/verify", headers=HTML)
    assert response.status_code == 403
    assert "Đăng xuất" in response.text
    assert 'href="/team"' in response.text
    assert 'href="/login"' not in response.text


def test_the_404_page_without_a_session_is_anonymous(client: TestClient) -> None:
    response = client.get("/khong-co-trang-nay", headers=HTML)
    assert response.status_code == 404
    assert 'href="/login"' in response.text
    assert "Đăng xuất" not in response.text


def test_the_404_page_with_a_broken_session_is_anonymous(client: TestClient) -> None:
    client.cookies.set(get_settings().session_cookie, "khong-phai-phien-nao")
    response = client.get("/khong-co-trang-nay", headers=HTML)
    assert response.status_code == 404
    assert 'href="/login"' in response.text
    assert "Đăng xuất" not in response.text


def test_the_404_page_stands_when_the_database_is_down(
    sign_in: SignIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = sign_in("canbo.khom3")

    def down(*_args: object, **_kwargs: object) -> None:
        raise sa_exc.OperationalError("SELECT 1", {}, Exception("server closed"))

    monkeypatch.setattr(auth_service, "resolve_session", down)
    response = c.get("/khong-co-trang-nay", headers=HTML)
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text
    assert 'href="/login"' in response.text
