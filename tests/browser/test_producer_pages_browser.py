"""A team leader opens the producer pages on a phone with JavaScript off: the list,
a producer's page and its edit form refused beside the phone field."""

from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"


def _sign_in(page: Page, live_server: str, login: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_leader_opens_the_list_a_producer_and_a_refused_edit(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    _sign_in(page, live_server, "totruong.khom3")

    # The team's nav keeps to two rows; the worklist leads to the producers.
    page.goto(f"{live_server}/worklist")
    page.get_by_role("main").get_by_role("link", name="Chủ thể", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chủ thể OCOP")
    page.screenshot(path=str(artifacts / "producers-list-360.png"), full_page=True)
    # Two rows at most: the team's five links at 360 px.
    nav = page.get_by_role("navigation", name="Chính").bounding_box()
    assert nav is not None
    assert nav["height"] <= 2 * 48 + 4, nav

    page.locator("ul.list > li > a").first.click()
    expect(page.get_by_role("heading", name="Sản phẩm", exact=True)).to_be_visible()
    page.screenshot(path=str(artifacts / "producer-page-360.png"), full_page=True)

    page.get_by_role("link", name="Sửa thông tin").click()
    page.get_by_label("Số điện thoại").fill("12ab")
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.locator("#f-phone-error")).to_be_visible()
    expect(page.get_by_label("Số điện thoại")).to_have_value("12ab")
    page.screenshot(path=str(artifacts / "producer-edit-error-360.png"), full_page=True)
    context.close()
