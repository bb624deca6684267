"""Editing a product on a phone without JavaScript: a refusal beside its field
with the typed values kept, the new name on the public page; and the tokens page.

Chromium at 360 × 740 with script off, against the live demo; screenshots go to
``test-results/product-edit/``.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"
PRODUCT = "Lạp xưởng tươi"
RENAMED = "Lạp xưởng tươi Khóm 3"

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_team_member_renames_a_product_and_makes_a_token_without_script(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    folder = artifacts / "product-edit"
    folder.mkdir(exist_ok=True)
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", java_script_enabled=False
    )
    page = context.new_page()
    _sign_in(page, live_server, "thanhvien.khom3")
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name=PRODUCT, exact=True).first.click()
    page.get_by_role("link", name="Sửa sản phẩm, giấy chứng nhận").click()
    expect(page.get_by_role("heading", name="Sửa sản phẩm")).to_be_visible()

    page.get_by_label("Tên sản phẩm").fill(RENAMED)
    page.get_by_label("Giá (đồng)").fill("bảy mươi nghìn")
    page.get_by_role("button", name="Lưu", exact=True).click()
    price = page.locator("#f-price")
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_have_value("bảy mươi nghìn")
    expect(page.get_by_label("Tên sản phẩm")).to_have_value(RENAMED)
    expect(page.locator("#f-price-error")).to_contain_text("Giá phải là số đồng")
    _fits(page)
    page.screenshot(path=folder / "edit-error.png", full_page=True)

    price.fill("120.000")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("heading", name="In lại thẻ QR")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("hãy in lại")
    expect(page.get_by_role("link", name="In thẻ A6 của sản phẩm này")).to_be_visible()
    _fits(page)
    page.get_by_role("link", name="Xem trang công khai").click()
    expect(page.get_by_role("heading", name=RENAMED)).to_be_visible()

    page.goto(f"{live_server}/account/password")
    page.get_by_role("link", name="Token API cá nhân").click()
    page.get_by_label("Tên gợi nhớ").fill("Bảng tính báo cáo tháng")
    page.get_by_role("button", name="Tạo token").click()
    expect(page.get_by_role("alert")).to_contain_text("chỉ hiện một lần")
    _fits(page)
    page.screenshot(path=folder / "token-created.png")
    page.get_by_role("link", name="Về danh sách token").click()
    expect(page.get_by_text("Bảng tính báo cáo tháng", exact=True)).to_be_visible()
    _fits(page)
    page.screenshot(path=folder / "tokens.png", full_page=True)

    # Leave the shared demo as it was for the other browser tests.
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name=RENAMED, exact=True).first.click()
    page.get_by_role("link", name="Sửa sản phẩm, giấy chứng nhận").click()
    page.get_by_label("Tên sản phẩm").fill(PRODUCT)
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("heading", name="In lại thẻ QR")).to_be_visible()
    context.close()
