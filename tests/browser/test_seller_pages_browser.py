"""A household on voso.vn, on a phone with JavaScript off (issue 16's walk).

The team starts the household's shop from the producer's page, ticks the
required checklist and reports it open; records a Mobile Money account; puts
two of its products on voso.vn — the listing step waits for the shop, never
for a payment step —; the official approves the shop, then both products on
/verify; the team records a month's orders; the dashboard's "hộ có gian hàng
và tài khoản thanh toán điện tử" moves by one and both products count.
"""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
HOUSEHOLD = "Hộ ông Trần Văn Sáu (demo)"
PRODUCTS = {
    "Bánh cam Sóc Trăng": "https://voso.vn/banh-cam-soc-trang-p5512001.html",
    "Tương hột nếp": "https://voso.vn/tuong-hot-nep-p5512002.html",
}
REQUIRED = 5  # the required items seeded for voso.vn
HEADLINE = "Hộ có gian hàng và tài khoản thanh toán điện tử"


def _phone(browser: Browser) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )


def _headline(page: Page) -> tuple[int, int]:
    """The dashboard's households with a shop and e-payment: (count, households)."""
    m = re.search(
        r"<b>([\d.]+)/([\d.]+)[^<]*</b>\s*<span>" + HEADLINE + "</span>",
        page.content(),
    )
    assert m, "the households' headline is on the dashboard"
    return int(m.group(1).replace(".", "")), int(m.group(2).replace(".", ""))


def _coverage(context: BrowserContext, live_server: str) -> Any:
    r = context.request.get(f"{live_server}/api/v1/reports/coverage")
    assert r.ok, r.text()
    return r.json()


def _household(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/producers?q=tran+van+sau")
    page.get_by_role("link", name=HOUSEHOLD).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HOUSEHOLD)


def test_a_household_opens_its_voso_shop_lists_two_products_and_sells(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
) -> None:
    official = _phone(browser)
    desk = official.new_page()
    sign_in(desk, "canbo.khom3")
    desk.goto(f"{live_server}/reports")
    shops_before, households_before = _headline(desk)
    listed_before = _coverage(official, live_server)["ocop"]["listed"]

    team = _phone(browser)
    page = team.new_page()
    sign_in(page, "thanhvien.khom3")
    _household(page, live_server)
    voso = page.locator("#seller-voso")
    expect(voso).to_contain_text("Chưa mở gian hàng trên voso.vn")
    page.screenshot(path=str(artifacts / "seller-producer-360.png"), full_page=True)

    # 1. The shop: started, the early claim refused with what is missing,
    # the required checklist ticked, then claimed.
    voso.locator("summary", has_text="Bắt đầu mở gian hàng").click()
    voso.get_by_label("Tên gian hàng (không bắt buộc)").fill("Bánh cam cô Sáu")
    voso.get_by_role("button", name="Bắt đầu mở gian hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gian hàng trên voso.vn")
    account_url = page.url.split("?")[0].split("#")[0]
    claim = page.locator("#claim")
    shop = "https://voso.vn/banh-cam-co-sau-s5512"
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

    # 2. A Mobile Money account, its SIM in the holder's name.
    _household(page, live_server)
    new = page.locator("#account-new")
    new.locator("summary").click()
    new.get_by_label("Ví điện tử / Mobile Money / ngân hàng").select_option(
        "viettel_money"
    )
    new.get_by_label("Tình trạng").select_option("open")
    new.get_by_label("Số tài khoản / số ví").fill("0987 654 321")
    new.get_by_label("Mobile Money: SIM đăng ký chính chủ?").select_option("yes")
    new.get_by_role("button", name="Thêm tài khoản").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("body")).to_contain_text("4321")

    # 3. Both products on voso.vn: the photos step records itself, the listing
    # step waits for the shop (never for a payment step).
    for product in PRODUCTS:
        _household(page, live_server)
        page.get_by_role("link", name=product).click()
        page.get_by_role("button", name="Bắt đầu lên voso.vn").click()
        expect(page.get_by_role("status")).to_have_text("Đã bắt đầu hồ sơ lên sàn.")
        market = page.locator("#market-voso")
        step = market.locator("li.step-next")
        expect(step).to_contain_text("Đăng sản phẩm lên sàn")
        expect(step).to_contain_text("chưa mở")
        expect(market).not_to_contain_text("thanh toán điện tử")
    page.screenshot(
        path=str(artifacts / "seller-product-waits-360.png"), full_page=True
    )

    # 4. The official opens the shop.
    desk.goto(f"{live_server}/verify")
    waiting = desk.locator("li", has=desk.get_by_role("link", name=HOUSEHOLD))
    expect(waiting).to_contain_text("voso.vn")
    expect(waiting.get_by_role("link", name=shop)).to_be_visible()
    desk.screenshot(path=str(artifacts / "seller-verify-360.png"), full_page=True)
    waiting.get_by_role("button", name="Duyệt gian hàng").click()
    expect(desk.get_by_role("status")).to_contain_text("gian hàng đang mở")

    # 5. The team claims both products, the official approves them.
    for product, url in PRODUCTS.items():
        _household(page, live_server)
        page.get_by_role("link", name=product).click()
        step = page.locator("#market-voso li.step-next")
        expect(step).to_contain_text("Đăng sản phẩm lên sàn")
        step.get_by_label("Đường dẫn trên voso.vn").fill(url)
        step.get_by_role("button", name="Ghi nhận").click()
        expect(page.get_by_role("status")).to_have_text(
            "Đã báo sản phẩm lên sàn. Chờ xác minh."
        )
    desk.goto(f"{live_server}/verify")
    for product in PRODUCTS:
        claim_line = desk.locator("ul.queue > li", has_text=product)
        claim_line.get_by_role("button", name="Duyệt", exact=True).click()
        expect(desk.get_by_role("status")).to_have_text(
            "Đã duyệt: sản phẩm đã lên sàn."
        )

    # 6. A month's orders on the shop.
    page.goto(f"{account_url}/activity")
    page.get_by_label("Tháng", exact=True).fill(_this_month(desk, live_server))
    page.get_by_label("Số đơn hàng trong tháng").fill("3")
    page.get_by_label("Doanh thu (đồng)").fill("120.000")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("table")).to_contain_text("120.000")
    page.screenshot(path=str(artifacts / "seller-activity-360.png"), full_page=True)

    # The producer's page says the shop is open; the dashboard moved.
    _household(page, live_server)
    expect(page.locator("#seller-voso")).to_contain_text("Đang mở")
    page.screenshot(
        path=str(artifacts / "seller-producer-open-360.png"), full_page=True
    )
    desk.goto(f"{live_server}/reports")
    assert _headline(desk) == (shops_before + 1, households_before)
    desk.screenshot(path=str(artifacts / "seller-dashboard-360.png"), full_page=True)
    assert _coverage(official, live_server)["ocop"]["listed"] == listed_before + 2
    team.close()
    official.close()


def _this_month(page: Page, live_server: str) -> str:
    """This month in Vietnam, as the month field takes it (YYYY-MM)."""
    coverage = page.context.request.get(f"{live_server}/api/v1/reports/coverage")
    return str(coverage.json()["activity"][-1]["month"])[:7]


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
