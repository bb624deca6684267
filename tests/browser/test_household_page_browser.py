"""A household's private link on a phone with JavaScript off (issue 17's walk).

The hamlet's team prints "Phiếu của hộ" from the producer's page; the QR code
on the sheet, decoded, opens the household's own page without an account,
with its next step; after a re-print the old link gives the friendly 404.
"""

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.cards.reading import decode_qr

PHONE = ViewportSize(width=360, height=740)
HOUSEHOLD = "Cơ sở bánh pía Kim Hoa (demo)"


def _phone(browser: Browser) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN", accept_downloads=True
    )


def _print_sheet(page: Page, artifacts: Path, name: str) -> str:
    """Print the sheet from the producer's page; the link its QR code holds."""
    with page.expect_download() as download:
        page.get_by_role("button", name="phiếu").first.click()
    path = artifacts / name
    download.value.save_as(path)
    codes = decode_qr(path.read_bytes())
    assert len(codes) == 1
    return codes[0]


def test_a_household_opens_its_private_link_and_a_reprint_kills_the_old_one(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
) -> None:
    team = _phone(browser)
    page = team.new_page()
    sign_in(page, "thanhvien.khom3")
    page.goto(f"{live_server}/producers?q=kim+hoa")
    page.get_by_role("link", name=HOUSEHOLD).click()
    expect(page.locator("#household")).to_have_text("Phiếu của hộ")
    first = _print_sheet(page, artifacts, "household-sheet.pdf")
    path = "/h/" + first.split("/h/", 1)[1]

    household = _phone(browser).new_page()  # no account, no cookie
    household.goto(f"{live_server}{path}")
    expect(household.get_by_role("heading", level=1)).to_have_text(HOUSEHOLD)
    expect(household.locator("main")).to_contain_text("Việc tiếp theo:")
    expect(household.locator("main")).to_contain_text("Cần giúp, gọi tổ công nghệ số")
    household.screenshot(path=str(artifacts / "household-page-360.png"), full_page=True)
    # The next step's how-to sheet, one tap away, without an account.
    household.get_by_role("link", name=re.compile("^Hướng dẫn: ")).first.click()
    expect(household.get_by_role("heading", name="Các bước")).to_be_visible()
    expect(household.get_by_role("link", name="In khổ A5 PDF")).to_be_visible()
    assert household.evaluate("document.documentElement.scrollWidth") <= 360
    household.screenshot(path=str(artifacts / "guide-sheet-360.png"), full_page=True)

    page.reload()
    expect(page.locator("main")).to_contain_text("đã mở 1 lần")
    second = _print_sheet(page, artifacts, "household-sheet-2.pdf")
    assert second != first
    household.goto(f"{live_server}{path}")
    expect(household.get_by_role("heading", level=1)).to_have_text(
        "Đường dẫn không còn dùng được"
    )
    household.screenshot(
        path=str(artifacts / "household-link-gone-360.png"), full_page=True
    )
    household.goto(f"{live_server}/h/{second.split('/h/', 1)[1]}")
    expect(household.get_by_role("heading", level=1)).to_have_text(HOUSEHOLD)
