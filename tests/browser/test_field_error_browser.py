"""A refused form on a phone: each message beside its field, the typed values kept.

Taken from the live demo in Chromium at 360 × 740 and shrunk like the README's
pictures into ``test-results/readme/field-error.png`` (``make screenshots``
copies it to ``docs/img/``).
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"
MAX_BYTES = 60 * 1024

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_a_bad_phone_is_explained_beside_the_phone_field(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=1)
    page = context.new_page()
    _sign_in(page, live_server, "thanhvien.khom3")
    page.goto(f"{live_server}/products/new")
    page.get_by_label("Loại chủ thể").select_option("cooperative")
    page.get_by_label("Tên chủ thể").fill("HTX Rau sạch Khóm 3")
    page.get_by_label("Người đại diện").fill("Thạch Thị Sa Ra")
    page.get_by_label("Số điện thoại").fill("12345")
    page.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()

    phone = page.locator("#f-phone")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_value("12345")
    expect(page.get_by_label("Tên chủ thể")).to_have_value("HTX Rau sạch Khóm 3")
    message = page.locator("#f-phone-error")
    expect(message).to_contain_text("Số điện thoại")
    assert not re.search(r"[a-z_]+:", message.inner_text())  # no field code
    expect(page.get_by_role("alert")).not_to_contain_text("phone")
    # The message sits right under the phone box, inside its label.
    box, said = phone.bounding_box(), message.bounding_box()
    assert box is not None
    assert said is not None
    assert 0 <= said["y"] - (box["y"] + box["height"]) <= 24
    expect(page.locator("label").filter(has=phone)).to_contain_text("Số điện thoại")
    # The summary at the top links to the field.
    link = page.locator(".summary-fields a[href='#f-phone']")
    expect(link).to_be_visible()
    expect(page.locator(".summary-fields")).to_contain_text(
        "Chưa lưu được: 1 ô cần sửa"
    )

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The refused field in view, as after following the summary's link.
    link.click()
    page.evaluate(
        "document.querySelector('#f-phone').closest('label')"
        ".scrollIntoView({block: 'center'})"
    )
    folder = artifacts / "readme"
    folder.mkdir(exist_ok=True)
    path = folder / "field-error.png"
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    shot.quantize(colors=64, dither=Image.Dither.NONE).save(path, optimize=True)
    assert path.stat().st_size <= MAX_BYTES
    with Image.open(path) as saved:
        assert saved.size == (PHONE["width"], PHONE["height"])
    context.close()
