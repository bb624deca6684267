"""An official signs in on a phone with JavaScript off: lands on "Xác minh", the
nav keeps to two rows, the action list is one tap away, and a 404 keeps the header."""

from pathlib import Path

from playwright.sync_api import Browser, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"


def test_official_lands_on_verification_with_a_two_row_nav(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("canbo.khom3")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(f"{live_server}/verify")
    nav = page.get_by_role("navigation", name="Chính")
    expect(nav.get_by_role("link", name="Xác minh")).to_have_attribute(
        "aria-current", "page"
    )
    page.screenshot(path=str(artifacts / "official-home-360.png"))
    # Nine links, two rows at most at 360 px (three when beside the brand).
    box = nav.bounding_box()
    assert box is not None
    assert box["height"] <= 2 * 48 + 4, box

    page.goto(f"{live_server}/khong-co-trang-nay")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    expect(nav.get_by_role("link", name="Xác minh")).to_be_visible()

    page.goto(f"{live_server}/verify")
    page.get_by_role("link", name="Việc cần làm của địa bàn").click()
    expect(page).to_have_url(f"{live_server}/reports/actions")
    context.close()
