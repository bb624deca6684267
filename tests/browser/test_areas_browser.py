"""Signing in and the areas browser on a phone-sized screen, JavaScript off and on."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
DEMO_PASSWORD = "mua-lua-thom-2026"


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_search_an_thanh_and_reach_the_commune(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale="vi-VN",
        device_scale_factor=2,
    )
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: _collect(m, problems))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))

    page.goto(f"{live_server}/areas")
    # Signed out: the login page, which brings the user back afterwards.
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("sct.soctrang")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Địa bàn")).to_be_visible()
    # The department works on today's map: Cần Thơ city, which took Sóc Trăng in.
    page.get_by_label("Tìm địa bàn").fill("an thanh")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("kết quả cho “an thanh”")).to_be_visible()
    page.get_by_role("link", name="Xã An Thạnh", exact=True).click()

    expect(page.get_by_role("heading", name="Xã An Thạnh 2025")).to_be_visible()
    expect(page.get_by_text("CNCD_AnThanh_CanTho")).to_be_visible()
    expect(page.get_by_role("link", name="Ấp An Thường")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    width = (
        page.evaluate("document.documentElement.scrollWidth") if javascript else None
    )
    assert width is None or width <= PHONE["width"]
    page.screenshot(
        path=artifacts / f"areas-an-thanh-{'js' if javascript else 'no-js'}.png",
        full_page=True,
    )
    assert problems == []
    context.close()


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(message.text)
