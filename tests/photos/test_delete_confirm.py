"""Issue #13 item 10: deleting a photo asks first, without JavaScript, and the
gallery's delete control is readable (WCAG AA contrast)."""

import re
from pathlib import Path

from sqlalchemy.orm import Session

from ocop_tracker.photos.models import Photo
from tests.conftest import SignIn
from tests.photos import corpus
from tests.photos.helpers import api_product, upload

HTML = {"accept": "text/html"}
STATIC = Path(__file__).resolve().parents[2] / "static" / "css"


def test_delete_goes_through_a_confirmation_page(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    product = api_product(leader, session, name="Bánh bò thốt nốt")
    photo_id = upload(
        leader, product["id"], corpus.plain_jpeg(900, 900, seed=3)
    ).json()["id"]
    gallery = leader.get(f"/products/{product['id']}", headers=HTML).text
    # The gallery links to the confirmation; no one-tap delete form is left.
    assert f'href="/photos/{photo_id}/delete"' in gallery
    assert f'action="/photos/{photo_id}/delete"' not in gallery
    confirm = leader.get(f"/photos/{photo_id}/delete", headers=HTML)
    assert confirm.status_code == 200
    assert "Xóa ảnh này?" in confirm.text
    assert 'name="confirm" value="1"' in confirm.text
    assert f'href="/products/{product["id"]}#anh"' in confirm.text  # the way back
    assert "<script" not in confirm.text.split("</header>")[-1]
    session.expire_all()
    assert session.get(Photo, photo_id) is not None
    token = leader.headers["X-CSRF-Token"]
    # An unconfirmed post (an old page's one-tap form) deletes nothing.
    one_tap = leader.post(
        f"/photos/{photo_id}/delete",
        data={"csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert one_tap.status_code == 303
    assert one_tap.headers["location"] == f"/photos/{photo_id}/delete"
    session.expire_all()
    assert session.get(Photo, photo_id) is not None
    confirmed = leader.post(
        f"/photos/{photo_id}/delete",
        data={"csrf_token": token, "confirm": "1"},
        headers=HTML,
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].endswith("done=photo_removed#anh")
    session.expire_all()
    assert session.get(Photo, photo_id) is None


def test_the_confirmation_says_what_would_change(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    product = api_product(leader, session, name="Bánh da lợn")
    ids = [
        upload(leader, product["id"], corpus.plain_jpeg(900, 900, seed=s)).json()["id"]
        for s in (11, 12, 13)
    ]
    text = leader.get(f"/photos/{ids[0]}/delete", headers=HTML).text
    assert "Đây là ảnh chính; ảnh kế tiếp sẽ thành ảnh chính." in text
    assert "không còn đạt yêu cầu của sàn Voso (cần thêm 1 ảnh từ 800×800 px)" in text


def test_the_department_cannot_open_the_confirmation(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    product = api_product(leader, session, name="Bánh ít lá gai")
    photo_id = upload(
        leader, product["id"], corpus.plain_jpeg(900, 900, seed=4)
    ).json()["id"]
    assert sign_in("sct.soctrang").get(f"/photos/{photo_id}/delete").status_code == 403


# --- contrast, computed from the stylesheets -------------------------------------------


def _variables(css: str) -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", css)
    assert root is not None
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", root.group(1)))


def _rule(css: str, selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*{([^}]*)}", css)
    assert found is not None, selector
    return found.group(1)


def _colour(declarations: str, prop: str, names: dict[str, str]) -> str:
    found = re.search(rf"(?<![-\w]){prop}:\s*([^;]+);", declarations)
    assert found is not None, prop
    value = found.group(1).strip()
    var = re.fullmatch(r"var\(--([\w-]+)\)", value)
    return names[var.group(1)] if var else value


def _luminance(hex_colour: str) -> float:
    digits = hex_colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_delete_controls_meet_wcag_aa_contrast() -> None:
    app_css = (STATIC / "app.css").read_text()
    photos_css = (STATIC / "photos.css").read_text()
    names = _variables(app_css)
    card = _colour(_rule(app_css, ".card"), "background", names)
    link = _colour(_rule(photos_css, ".photos a.ph-delete"), "color", names)
    assert "background" not in _rule(photos_css, ".photos a.ph-delete")
    assert _contrast(link, card) >= 4.5
    # The confirmation's button: white text on the danger colour.
    danger = _colour(_rule(app_css, "button.danger"), "background", names)
    button = _rule(app_css, "button, .button")
    assert _contrast(_colour(button, "color", names), danger) >= 4.5
    # The old control (red text on a red button) is gone.
    assert ".photos button.danger" not in photos_css
