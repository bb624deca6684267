"""A team leader adds a product photo from a phone-sized screen; it shows in the gallery.

Run with JavaScript off (the plain multipart form, resized by the server) and on
(the script shrinks the photo in a canvas and sends it with an Idempotency-Key).
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    FilePayload,
    Page,
    ViewportSize,
    expect,
)

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"


def _photo(seed: int) -> bytes:
    """A 3000×2000 phone-like JPEG with an EXIF orientation tag."""
    im = Image.new("RGB", (3000, 2000), (seed * 40 % 256, 140, 90))
    im.paste((220, 40, 40), (0, 0, 1500, 2000))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def _sign_in(page: Page, live_server: str) -> None:
    """Signed in as the demo hamlet leader."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill("totruong.khom3")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(message.text)


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_upload_a_photo_and_see_it_in_the_gallery(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=javascript, locale="vi-VN"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: _collect(m, problems))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))

    _sign_in(page, live_server)

    page.goto(f"{live_server}/worklist")
    hrefs = [
        h
        for h in page.locator("a[href^='/products/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        if re.fullmatch(r"/products/\d+", h)
    ]
    assert hrefs, "the worklist shows no product"
    page.goto(f"{live_server}{hrefs[0 if javascript else -1]}")
    gallery = page.locator("#anh .gallery img")
    before = gallery.count()

    page.get_by_label(re.compile("Thêm ảnh")).set_input_files(
        {
            "name": "IMG_2041.JPG",
            "mimeType": "image/jpeg",
            "buffer": _photo(7 if javascript else 8),
        }
    )
    page.get_by_role("button", name="Tải ảnh lên").click()
    expect(page.get_by_text("Đã thêm ảnh.")).to_be_visible(timeout=20_000)
    expect(gallery).to_have_count(before + 1)
    newest = gallery.nth(before)
    expect(newest).to_be_visible()
    # The thumbnail really loaded (served by the access-checking route), upright.
    size = newest.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] > 0
    assert size[1] > size[0]
    if javascript:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
    page.screenshot(
        path=artifacts / f"photos-gallery-{'js' if javascript else 'no-js'}.png",
        full_page=True,
    )
    assert problems == []
    context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_deleting_a_photo_asks_first(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=javascript, locale="vi-VN"
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: _collect(m, problems))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
    run = "js" if javascript else "no-js"

    _sign_in(page, live_server)
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name="Bánh pía sầu riêng trứng muối").first.click()
    gallery = page.locator("#anh .gallery > li")
    expect(gallery.first).to_be_visible()  # the product's page has loaded
    before = gallery.count()
    assert before >= 2
    delete = gallery.last.get_by_role("link", name="Xóa ảnh…")
    expect(delete).to_be_visible()
    gallery.last.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / f"photos-delete-gallery-{run}.png")
    delete.click()

    expect(page.get_by_role("heading", name="Xóa ảnh này?")).to_be_visible()
    expect(page.locator(".confirm-thumb")).to_be_visible()
    page.screenshot(path=artifacts / f"photos-delete-confirm-{run}.png", full_page=True)
    page.get_by_role("link", name="Không xóa, quay lại").click()
    expect(page.locator("#anh .gallery > li")).to_have_count(before)

    page.locator("#anh .gallery > li").last.get_by_role("link", name="Xóa ảnh…").click()
    page.get_by_role("button", name="Xóa ảnh").click()
    expect(page.get_by_role("status")).to_have_text("Đã xóa ảnh.")
    expect(page.locator("#anh .gallery > li")).to_have_count(before - 1)
    assert problems == []
    context.close()


def test_several_photos_without_javascript_one_refused(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    """Without JavaScript, two photos and a drawing go in one form: the photos
    are taken, the drawing is refused, and the product page says so beside
    the form (not an error page)."""
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    _sign_in(page, live_server)
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name="Bánh pía sầu riêng trứng muối").first.click()
    title = page.get_by_role("heading", level=1).inner_text()
    gallery = page.locator("#anh .gallery img")
    before = gallery.count()
    files: list[FilePayload] = [
        {"name": "IMG_3001.JPG", "mimeType": "image/jpeg", "buffer": _photo(21)},
        {
            "name": "logo.svg",
            "mimeType": "image/svg+xml",
            "buffer": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
        },
        {"name": "IMG_3002.JPG", "mimeType": "image/jpeg", "buffer": _photo(22)},
    ]
    page.get_by_label(re.compile("Thêm ảnh")).set_input_files(files)
    response_status: list[int] = []
    page.on("response", lambda r: response_status.append(r.status))
    page.get_by_role("button", name="Tải ảnh lên").click()
    outcome = page.locator("#photo-file-error")
    expect(outcome).to_be_visible(timeout=30_000)
    assert 415 in response_status
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(outcome).to_contain_text("Đã nhận 2 ảnh: IMG_3001.JPG, IMG_3002.JPG.")
    expect(outcome).to_contain_text("logo.svg")
    expect(gallery).to_have_count(before + 2)
    outcome.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "photos-refused-no-js.png")
    context.close()
