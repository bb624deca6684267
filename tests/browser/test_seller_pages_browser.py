"""A household's shop on voso.vn, on a phone with JavaScript off: the team starts
it from the producer's page, ticks the required checklist, reports it open; the
official approves it on /verify; the producer's page then says "Đang mở"."""

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
HOUSEHOLD = "Cơ sở bánh pía Kim Hoa (demo)"
REQUIRED = 5  # the required items seeded for voso.vn


def test_a_team_opens_a_households_voso_shop_and_an_official_verifies_it(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
) -> None:
    team = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = team.new_page()
    sign_in(page, "thanhvien.khom3")
    page.goto(f"{live_server}/producers?q=kim+hoa")
    page.get_by_role("link", name=HOUSEHOLD).click()
    voso = page.locator("#seller-voso")
    expect(voso).to_contain_text("Chưa mở gian hàng trên voso.vn")
    page.screenshot(path=str(artifacts / "seller-producer-360.png"), full_page=True)

    voso.locator("summary", has_text="Bắt đầu mở gian hàng").click()
    voso.get_by_label("Tên gian hàng (không bắt buộc)").fill("Bánh pía Kim Hoa")
    voso.get_by_role("button", name="Bắt đầu mở gian hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gian hàng trên voso.vn")

    # Reporting it open too early says what is still missing.
    claim = page.locator("#claim")
    shop = "https://voso.vn/banh-pia-kim-hoa-s1"
    claim.get_by_label("Đường dẫn trang gian hàng").fill(shop)
    claim.get_by_role("button", name="Báo gian hàng đã mở").click()
    expect(page.locator("#claim-checklist-error")).to_contain_text("Chưa báo mở được")
    expect(claim.get_by_label("Đường dẫn trang gian hàng")).to_have_value(shop)
    page.screenshot(
        path=str(artifacts / "seller-claim-refused-360.png"), full_page=True
    )

    for n in range(REQUIRED):
        item = page.locator("ol.checklist > li").nth(n)
        item.locator("summary").click()
        item.get_by_role("button", name="Đã xong").click()
        expect(page.locator("ol.checklist > li").nth(n)).to_contain_text("Đã xong")
    page.screenshot(path=str(artifacts / "seller-account-360.png"), full_page=True)

    claim = page.locator("#claim")
    claim.get_by_label("Đường dẫn trang gian hàng").fill(shop)
    claim.get_by_role("button", name="Báo gian hàng đã mở").click()
    expect(page.get_by_role("status")).to_contain_text("Chờ cán bộ xác minh")

    official = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    desk = official.new_page()
    sign_in(desk, "canbo.khom3")
    desk.goto(f"{live_server}/verify")
    waiting = desk.locator("li", has=desk.get_by_role("link", name=HOUSEHOLD))
    expect(waiting).to_contain_text("voso.vn")
    expect(waiting.get_by_role("link", name=shop)).to_be_visible()
    desk.screenshot(path=str(artifacts / "seller-verify-360.png"), full_page=True)
    waiting.get_by_role("button", name="Duyệt gian hàng").click()
    expect(desk.get_by_role("status")).to_contain_text("gian hàng đang mở")

    page.goto(f"{live_server}/producers?q=kim+hoa")
    page.get_by_role("link", name=HOUSEHOLD).click()
    expect(page.locator("#seller-voso")).to_contain_text("Đang mở")
    page.screenshot(
        path=str(artifacts / "seller-producer-open-360.png"), full_page=True
    )
    team.close()
    official.close()


def test_the_admin_keeps_providers_and_prerequisites(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    sign_in(page, "admin")
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Nhà cung cấp thanh toán điện tử").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nhà cung cấp thanh toán điện tử"
    )
    page.screenshot(path=str(artifacts / "admin-providers-360.png"), full_page=True)
    page.get_by_role("link", name="Việc cần chuẩn bị trên voso.vn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Việc cần chuẩn bị trên voso.vn"
    )
    page.screenshot(path=str(artifacts / "admin-prerequisites-360.png"), full_page=True)
    context.close()
