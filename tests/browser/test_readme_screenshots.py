"""The README's four pictures, taken from the live demo in Chromium.

A team member's worklist on a phone, the province dashboard, the public page a
card opens and a sheet of cards: each checked for what a reader should see,
then shrunk to a small palette PNG in ``test-results/readme/``. ``make
screenshots`` runs this file and copies them into ``docs/img/``.
"""

import io
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"
MAX_BYTES = 60 * 1024
SHEET_WIDTH = 600

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Path:
    """Where the README's pictures are written before ``make screenshots`` copies them."""
    folder = artifacts / "readme"
    folder.mkdir(exist_ok=True)
    return folder


def _phone(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=1)


def _sign_in(page: Page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def _save_small(image: Image.Image, path: Path) -> None:
    """A palette PNG: screenshots of flat pages lose nothing a reader sees."""
    small = image.convert("RGB").quantize(colors=64, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    assert path.stat().st_size <= MAX_BYTES, (path.name, path.stat().st_size)


def _phone_shot(page: Page, path: Path) -> None:
    """What the first screen of a phone shows (no scrolling), 360 px wide."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _save_small(Image.open(io.BytesIO(page.screenshot())), path)
    with Image.open(path) as saved:
        assert saved.size == (PHONE["width"], PHONE["height"])


def test_worklist_of_a_team_member(
    browser: Browser, live_server: str, shots: Path
) -> None:
    context = _phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "thanhvien.khom3")
    page.goto(f"{live_server}/worklist")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sản phẩm cần đưa lên sàn"
    )
    expect(page.get_by_text("Bánh pía sầu riêng trứng muối").first).to_be_visible()
    _phone_shot(page, shots / "worklist-phone.png")
    context.close()


def test_dashboard_of_the_province(
    browser: Browser, live_server: str, shots: Path
) -> None:
    context = _phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "sct.soctrang")
    page.goto(f"{live_server}/reports")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Tiến độ đưa sản phẩm OCOP lên sàn"
    )
    expect(page.get_by_text("sản phẩm OCOP đã lên sàn")).to_be_visible()
    _phone_shot(page, shots / "dashboard-phone.png")
    context.close()


def test_public_page_a_card_opens(
    browser: Browser, live_server: str, shots: Path
) -> None:
    context = _phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "totruong.khom3")
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name="Bánh pía sầu riêng trứng muối").first.click()
    href = page.get_by_role("link", name="Xem trang công khai").get_attribute("href")
    assert href is not None
    context.close()
    # A customer: no account, no cookie.
    context = _phone(browser)
    page = context.new_page()
    page.goto(f"{live_server}{href}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Bánh pía sầu riêng trứng muối"
    )
    _phone_shot(page, shots / "public-page-phone.png")
    context.close()


def test_sheet_of_cards(browser: Browser, live_server: str, shots: Path) -> None:
    context = _phone(browser)
    page = context.new_page()
    _sign_in(page, live_server, "totruong.khom3")
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name="Bánh pía sầu riêng trứng muối").first.click()
    page.get_by_role("link", name="In thẻ cả khóm, ấp").click()
    expect(page.get_by_role("heading", name="In thẻ QR sản phẩm")).to_be_visible()
    page.get_by_label("A4, 8 thẻ").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải tệp PDF để in").click()
    pdf = Path(download.value.path()).read_bytes()
    context.close()
    assert pdf.startswith(b"%PDF")
    first = pdfium.PdfDocument(pdf)[0]
    image = first.render(scale=SHEET_WIDTH / first.get_width()).to_pil()
    assert image.width == SHEET_WIDTH
    _save_small(image, shots / "cards-sheet.png")
