"""A product's "Lịch sử" after an edit, and the audit page as the department, on a
phone without JavaScript.

Chromium at 360 × 740 with script off, against the live demo; screenshots go to
``test-results/history/``.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ocop_tracker.core import clock

PHONE = ViewportSize(width=360, height=740)
PRODUCT = "Bánh in nhân đậu xanh"

pytestmark = pytest.mark.browser


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _set_price(page: Page, price: str) -> None:
    page.get_by_role("link", name="Sửa sản phẩm, giấy chứng nhận").click()
    page.get_by_label("Giá (đồng)").fill(price)
    page.get_by_role("button", name="Lưu", exact=True).click()


def test_a_product_history_after_an_edit_and_the_audit_page_without_script(
    browser: Browser,
    live_server: str,
    artifacts: Path,
    sign_in: Callable[[Page, str], None],
) -> None:
    folder = artifacts / "history"
    folder.mkdir(exist_ok=True)
    team = browser.new_context(
        viewport=PHONE, locale="vi-VN", java_script_enabled=False
    )
    page = team.new_page()
    sign_in(page, "thanhvien.khom3")
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name=PRODUCT, exact=True).first.click()
    product_url = page.url
    _set_price(page, "48.000")
    page.goto(product_url)
    page.get_by_role("link", name="Lịch sử thay đổi").click()
    expect(page.get_by_role("heading", name=f"Lịch sử · {PRODUCT}")).to_be_visible()
    newest = page.locator("ol.events > li").first
    expect(newest).to_contain_text("Sửa · Sản phẩm")
    expect(newest).to_contain_text("Giá bán: 45.000 đ → 48.000 đ")
    expect(newest).not_to_contain_text("UTC")
    _fits(page)
    page.screenshot(path=folder / "product-history.png", full_page=True)

    # A day in the future is refused beside the field; today shows the new price.
    page.get_by_label("Ngày muốn xem").fill("2099-01-01")
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page.locator("#f-as_of-error")).to_contain_text(
        "không được sau ngày hôm nay"
    )
    expect(page.locator("#f-as_of")).to_have_attribute("aria-invalid", "true")
    _fits(page)
    page.screenshot(path=folder / "as-of-refused.png", full_page=True)

    page.get_by_label("Ngày muốn xem").fill(clock.today().isoformat())
    page.get_by_role("button", name="Xem", exact=True).click()
    then = page.locator("section.card", has_text="Cuối ngày")
    expect(then).to_contain_text("48.000 đ")
    expect(then).to_contain_text("Đặc sản địa phương")
    _fits(page)
    page.screenshot(path=folder / "as-of-today.png", full_page=True)

    # Leave the shared demo as it was for the other browser tests.
    page.goto(product_url)
    _set_price(page, "45.000")
    team.close()

    department = browser.new_context(
        viewport=PHONE, locale="vi-VN", java_script_enabled=False
    )
    page = department.new_page()
    sign_in(page, "sct.soctrang")
    page.get_by_role("link", name="Nhật ký").click()
    expect(page.get_by_role("heading", name="Nhật ký hoạt động")).to_be_visible()
    expect(page.locator("ol.events > li").first).to_contain_text("Đăng nhập")
    _fits(page)
    page.screenshot(path=folder / "audit.png", full_page=False)
    page.get_by_text("Lọc thêm").click()
    page.get_by_label("Loại hồ sơ").select_option(label="Sản phẩm")
    page.get_by_role("button", name="Xem", exact=True).click()
    first = page.locator("ol.events > li").first
    expect(first).to_contain_text("Sửa · Sản phẩm")
    expect(first.get_by_role("link", name=PRODUCT)).to_be_visible()
    _fits(page)
    page.screenshot(path=folder / "audit-products.png", full_page=True)
    department.close()
