"""An admin makes an official's account by picking the commune in the area
picker, on a phone-sized screen with JavaScript off."""

from pathlib import Path

from playwright.sync_api import Browser, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
DEMO_PASSWORD = "mua-lua-thom-2026"


def test_admin_picks_the_commune_of_a_new_official(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN", device_scale_factor=2
    )
    page = context.new_page()
    page.goto(f"{live_server}/users")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("admin")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Tài khoản", exact=True)).to_be_visible()

    page.get_by_label("Tên đăng nhập", exact=True).fill("canbo.anthanh1")
    page.get_by_label("Tên hiển thị").fill("Trần Thị Bích Vân")
    page.get_by_label("Vai trò").select_option("official")
    page.get_by_label("Tìm địa bàn theo tên").fill("an thanh")
    page.locator("fieldset.picker").get_by_role("button", name="Tìm").click()

    # The same form again: what was typed is kept, the matches are choices.
    expect(page.get_by_label("Tên đăng nhập", exact=True)).to_have_value(
        "canbo.anthanh1"
    )
    expect(page.get_by_label("Tên hiển thị")).to_have_value("Trần Thị Bích Vân")
    choice = page.get_by_label("Xã An Thạnh — Cần Thơ", exact=True)
    expect(choice).to_be_visible()
    choice.check()
    page.locator("fieldset.picker").screenshot(path=artifacts / "area-picker-no-js.png")
    page.screenshot(path=artifacts / "area-picker-page-no-js.png", full_page=True)
    page.get_by_role("button", name="Tạo tài khoản").click()

    expect(page.get_by_role("heading", name="Đã tạo tài khoản")).to_be_visible()
    page.get_by_role("link", name="Xem tài khoản").click()
    expect(page.get_by_role("link", name="Xã An Thạnh")).to_be_visible()
    context.close()


def test_the_hamlet_forms_the_rehome_page_and_the_roster_on_a_phone(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN", device_scale_factor=2
    )
    page = context.new_page()
    page.goto(f"{live_server}/areas?q=phuong+soc+trang")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("admin")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Phường Sóc Trăng", exact=True).click()
    # Adding a hamlet whose name the commune has: the message beside the field.
    page.get_by_label("Tên khóm/ấp").fill("khóm 3")
    page.get_by_role("button", name="Thêm vào Phường Sóc Trăng").click()
    expect(page.locator("#h-name-error")).to_contain_text("đã có 'Khóm 3'")
    page.screenshot(path=artifacts / "area-add-hamlet-refused.png", full_page=True)
    page.get_by_role("link", name="Khóm 3", exact=True).first.click()
    expect(page.get_by_role("heading", name="Đổi tên khóm/ấp")).to_be_visible()
    page.screenshot(path=artifacts / "area-rename-hamlet.png", full_page=True)

    page.goto(f"{live_server}/areas?q=tinh+soc+trang")
    page.get_by_role("link", name="Tỉnh Sóc Trăng", exact=True).click()
    page.get_by_role("link", name="Chuyển khóm/ấp sang địa giới 2025").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("địa giới 2025")
    page.screenshot(path=artifacts / "area-rehome.png", full_page=True)

    page.goto(f"{live_server}/teams")
    page.get_by_role("link", name="Khóm 3").first.click()
    page.get_by_text("Tạo tài khoản").first.click()
    page.screenshot(path=artifacts / "roster-give-account.png", full_page=True)
    context.close()
