"""The progress dashboard: the department on a desktop, a commune official on a phone."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=360, height=740)
DEMO_PASSWORD = "mua-lua-thom-2026"

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/reports")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(message.text)


def test_department_dashboard_at_1280(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: _collect(m, problems))
    _sign_in(page, live_server, "sct.soctrang")
    expect(
        page.get_by_role(
            "heading", name="Tiến độ đưa sản phẩm OCOP lên sàn · Thành phố Cần Thơ"
        )
    ).to_be_visible()
    expect(page.get_by_text("sản phẩm OCOP đã lên sàn")).to_be_visible()
    expect(
        page.get_by_role("img", name="Tỷ lệ lên sàn cuối mỗi tháng, mục tiêu 100%")
    ).to_be_visible()
    expect(
        page.get_by_role("group", name="Tỷ lệ lên sàn theo đơn vị trực thuộc")
    ).to_be_visible()
    page.screenshot(
        path=artifacts / "reports-dashboard-department-1280.png", full_page=True
    )
    # Drill down: a ward, by clicking its row.
    coverage = page.get_by_role("table").filter(
        has=page.get_by_role("columnheader", name="OCOP", exact=True)
    )
    coverage.get_by_role("link", name="Phường Sóc Trăng").click()
    expect(
        page.get_by_role(
            "heading", name="Tiến độ đưa sản phẩm OCOP lên sàn · Phường Sóc Trăng"
        )
    ).to_be_visible()
    page.get_by_role("link", name="Báo cáo tháng đã nộp").click()
    expect(page.get_by_role("heading", name="Báo cáo tháng")).to_be_visible()
    page.screenshot(
        path=artifacts / "reports-submissions-department-1280.png", full_page=True
    )
    assert problems == []
    context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_commune_official_dashboard_on_a_phone(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale="vi-VN",
        device_scale_factor=2,
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: _collect(m, problems))
    _sign_in(page, live_server, "canbo.khom3")
    expect(
        page.get_by_role(
            "heading", name="Tiến độ đưa sản phẩm OCOP lên sàn · Phường Sóc Trăng"
        )
    ).to_be_visible()
    if javascript:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], "no sideways scrolling on a phone"
    suffix = "js" if javascript else "no-js"
    page.screenshot(
        path=artifacts / f"reports-dashboard-official-360-{suffix}.png", full_page=True
    )
    page.get_by_role("link", name="Việc cần làm").click()
    expect(
        page.get_by_role("heading", name="Việc cần làm · Phường Sóc Trăng")
    ).to_be_visible()
    expect(page.get_by_text("Bước tiếp theo:").first).to_be_visible()
    page.get_by_label("Chỉ sản phẩm đang vướng").check()
    page.get_by_role("button", name="Lọc").click()
    expect(page.get_by_text("Vướng:").first).to_be_visible()
    page.screenshot(
        path=artifacts / f"reports-actions-official-360-{suffix}.png", full_page=True
    )
    assert problems == []
    context.close()
