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
    assert (
        og_url == f"{url}?lang=vi"
    )  # the bare URL negotiates; each language has its own
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


def _fonts_of(page: Page, selector: str) -> dict[str, int]:
    """The fonts Chromium drew the element's text with, and the glyphs of each
    (DevTools' CSS.getPlatformFontsForNode): a script with no font of its own
    would be drawn as empty boxes by a last-resort font."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    cdp.detach()
    return {f["familyName"]: f["glyphCount"] for f in fonts["fonts"]}


def test_public_page_in_khmer_and_english_on_a_phone(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    """A visitor whose phone reads Khmer gets the page in Khmer, drawn with a Khmer
    font; the switch (links, no script) gives English, then Vietnamese, and the
    URL keeps the choice."""
    url = _public_url(browser, live_server)
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="km-KH"
    )
    page = context.new_page()
    opened = page.goto(url)
    assert opened is not None
    assert opened.status == 200
    assert page.locator("html").get_attribute("lang") == "km"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bánh pía sầu riêng trứng muối"  # names stay as entered
    )
    expect(page.get_by_role("heading", name="ទិញតាមអនឡាញ")).to_be_visible()
    fonts = _fonts_of(page, "main h2")
    khmer = {name: n for name, n in fonts.items() if "khmer" in name.lower()}
    assert khmer, fonts
    assert sum(khmer.values()) >= len("ទិញតាមអនឡាញ") - 2, fonts
    page.screenshot(path=artifacts / "public-page-km.png", full_page=True)

    page.get_by_role("link", name="English").click()
    assert page.url.endswith("?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="Buy online")).to_be_visible()
    expect(page.get_by_text("4-star OCOP product")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    page.screenshot(path=artifacts / "public-page-en.png", full_page=True)

    page.get_by_role("link", name="Tiếng Việt").click()
    assert page.url.endswith("?lang=vi")
    expect(page.get_by_role("heading", name="Mua trực tuyến")).to_be_visible()
    context.close()
