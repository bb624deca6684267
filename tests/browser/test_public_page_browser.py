"""A customer scans a card: the public product page on a 360×740 phone in Chromium,
reached the way a team member finds it (product page → "Xem trang công khai")."""

from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    expect,
)

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(message.text)


def _public_url(browser: Browser, live_server: str) -> str:
    """The public link of a starred, listed demo product, from its product page."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("totruong.khom3")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name="Bánh pía sầu riêng trứng muối").first.click()
    link = page.get_by_role("link", name="Xem trang công khai")
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href is not None
    assert href.startswith("/p/")
    context.close()
    return f"{live_server}{href}"


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_public_page_on_a_phone(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    url = _public_url(browser, live_server)
    context = browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale="vi-VN",
        device_scale_factor=2,
    )
    page: Page = context.new_page()
    problems: list[str] = []
    outside: list[str] = []
    sizes: dict[str, int] = {}
    page.on("console", lambda m: _collect(m, problems))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None,
    )

    def _size(response: Response) -> None:
        if "/photos/" not in response.url:
            sizes[response.url] = len(response.body())

    page.on("response", _size)

    first = page.goto(url)
    assert first is not None
    assert first.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bánh pía sầu riêng trứng muối"
    )
    expect(page.get_by_text("Sản phẩm OCOP 4 sao")).to_be_visible()
    expect(page.get_by_role("heading", name="Mua trực tuyến")).to_be_visible()
    shops = page.locator(".shops a")
    assert shops.count() >= 1
    assert all(
        (shops.nth(i).get_attribute("href") or "").startswith("https://")
        for i in range(shops.count())
    )
    og_url = page.locator('meta[property="og:url"]').get_attribute("content")
    assert og_url == url
    if javascript:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
    page.screenshot(
        path=artifacts / f"public-page-{'js' if javascript else 'no-js'}.png",
        full_page=True,
    )
    assert sum(sizes.values()) <= 30_000, sizes  # HTML + CSS, photo aside
    assert outside == []  # no third-party request
    assert problems == []

    missing = page.goto(f"{live_server}/p/{'Z' * 22}")
    assert missing is not None
    assert missing.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy sản phẩm")
    context.close()
