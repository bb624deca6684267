"""A team member puts a new product on voso.vn from a phone; an official verifies it.

Run with JavaScript off and on: every step is a plain form and a redirect.
"""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    FilePayload,
    Locator,
    Page,
    ViewportSize,
    expect,
)

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"
REQUIRED = 5  # the required items seeded for voso.vn


def _context(browser: Browser, javascript: bool) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale="vi-VN",
        device_scale_factor=2,
    )


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(message.text)


def _watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: _collect(m, problems))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("dialog", lambda d: problems.append(f"dialog: {d.message}"))
    return problems


def _sign_in(page: Page, live_server: str, login: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def _fits_the_screen(page: Page, javascript: bool) -> None:
    if javascript:  # measuring needs script; the no-JS run shares the same CSS
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width


class Shots:
    """Numbered full-page screenshots of one run."""

    def __init__(self, page: Page, artifacts: Path, javascript: bool) -> None:
        self.page = page
        self.prefix = f"onboarding-{'js' if javascript else 'no-js'}"
        self.artifacts = artifacts
        self.javascript = javascript
        self.n = 0

    def take(self, name: str) -> None:
        _fits_the_screen(self.page, self.javascript)
        self.n += 1
        self.page.screenshot(
            path=self.artifacts / f"{self.prefix}-{self.n}-{name}.png",
            full_page=True,
        )


def _photo(seed: int) -> bytes:
    """A 1600×1200 JPEG, distinct per seed."""
    im = Image.new("RGB", (1600, 1200), (seed * 60 % 256, 150, 90))
    im.paste((220, 40, 40), (0, 0, 400 + seed * 100, 1200))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def _add_photos(page: Page, photos: list[bytes], javascript: bool) -> None:
    """Upload through the gallery's form: all at once with script, one by one without."""
    files: list[FilePayload] = [
        {"name": f"IMG_{n}.JPG", "mimeType": "image/jpeg", "buffer": data}
        for n, data in enumerate(photos, start=1)
    ]
    batches = [files] if javascript else [[f] for f in files]
    for batch in batches:
        page.get_by_label(re.compile("Thêm ảnh")).set_input_files(batch)
        page.get_by_role("button", name="Tải ảnh lên").click()
        expect(page.get_by_role("status")).to_have_text("Đã thêm ảnh.", timeout=30_000)


def _next_step(voso: Locator, name: str) -> Locator:
    step = voso.locator("li.step-next")
    expect(step).to_contain_text(name)
    return step


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_member_puts_a_product_on_voso_and_an_official_verifies_it(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = _context(browser, javascript)
    page = context.new_page()
    problems = _watch(page)
    shots = Shots(page, artifacts, javascript)
    # Both runs share one server and database: each adds its own producer and product.
    run = "JS" if javascript else "không JS"
    producer = f"Hộ bà Thạch Thị Mai ({run})"
    product = f"Bánh pía khoai môn ({run})"
    slug = "js" if javascript else "nojs"

    _sign_in(page, live_server, "thanhvien.khom3")
    page.get_by_role("link", name="Sản phẩm", exact=True).click()
    expect(page.get_by_role("heading", name="Sản phẩm cần đưa lên sàn")).to_be_visible()
    expect(page.get_by_text("Bánh pía sầu riêng trứng muối")).to_be_visible()
    shots.take("worklist")

    # Step 1: a new producer of the member's hamlet.
    page.get_by_role("link", name="Thêm sản phẩm").click()
    new = page.locator(
        "section.card", has=page.get_by_role("heading", name="Hoặc thêm chủ thể mới")
    )
    new.get_by_label("Loại chủ thể").select_option(label="Hộ sản xuất kinh doanh")
    new.get_by_label("Tên chủ thể").fill(producer)
    new.get_by_label("Người đại diện").fill("Thạch Thị Mai")
    new.get_by_label("Số điện thoại").fill("0918 222 333")
    expect(new).to_contain_text("Khóm 3")
    shots.take("producer")
    new.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()

    # Step 2: the product.
    expect(page.get_by_role("status")).to_contain_text("Đã thêm chủ thể")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Sản phẩm của {producer}"
    )
    page.get_by_label("Tên sản phẩm").fill(product)
    page.get_by_label("Loại sản phẩm").select_option(label="Sản phẩm OCOP")
    page.get_by_label("Nhóm sản phẩm OCOP").select_option(label="Thực phẩm")
    page.get_by_label("Phân nhóm").select_option(label="Thực phẩm chế biến")
    page.get_by_label("Đơn vị tính").fill("hộp 400 g")
    page.get_by_label("Giá (đồng)").fill("65.000")
    page.get_by_label("Mô tả").fill("Bánh pía nhân khoai môn, làm thủ công.")
    shots.take("product")
    page.get_by_role("button", name="Lưu sản phẩm").click()

    # Step 3: the certificate.
    expect(page.get_by_role("status")).to_have_text("Đã thêm sản phẩm.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Giấy chứng nhận OCOP")
    page.get_by_label("Hạng sao").select_option(label="4 sao")
    page.get_by_label("Số quyết định").fill(f"45/QĐ-UBND-{slug}")
    page.get_by_label("Ngày quyết định").fill("2025-03-15")
    page.get_by_label("Cơ quan công nhận").fill("UBND tỉnh Sóc Trăng")
    page.get_by_label("Cấp công nhận").select_option(label="Cấp tỉnh")
    shots.take("certificate")
    page.get_by_role("button", name="Lưu giấy chứng nhận").click()

    # The product page: start on voso and walk the steps.
    expect(page.get_by_role("status")).to_have_text("Đã lưu giấy chứng nhận OCOP.")
    expect(page.get_by_role("heading", level=1)).to_have_text(product)
    expect(page.get_by_text("Còn hiệu lực")).to_be_visible()
    expect(page.get_by_text("0918 222 333")).to_be_visible()
    page.get_by_role("button", name="Bắt đầu lên voso.vn").click()
    expect(page.get_by_role("status")).to_have_text("Đã bắt đầu hồ sơ lên sàn.")
    voso = page.locator("#market-voso")

    # The photos step records itself once the photos meet voso.vn's rule.
    photos_step = _next_step(voso, "Ảnh sản phẩm đạt yêu cầu")
    expect(photos_step).to_contain_text("Còn thiếu: cần thêm 3 ảnh từ 800×800 px")
    expect(photos_step.get_by_role("button", name="Ghi nhận")).to_have_count(0)
    shots.take("photos-missing")
    _add_photos(page, [_photo(seed) for seed in (1, 2, 3)], javascript)
    voso = page.locator("#market-voso")

    expect(voso.locator("li.step-done")).to_contain_text(
        "Tự động: ảnh đạt yêu cầu của sàn Voso"
    )
    product_url = page.url.split("?")[0].split("#")[0]

    # The listing waits for the household's shop on voso.vn (never for a
    # payment step): the team opens it from the producer's page.
    step = _next_step(voso, "Đăng sản phẩm lên sàn")
    expect(step).to_contain_text("chưa mở")
    shots.take("waits-for-shop")
    step.get_by_role("link", name="mở gian hàng ở trang chủ thể").click()
    shop = page.locator("#seller-voso")
    shop.locator("summary", has_text="Bắt đầu mở gian hàng").click()
    shop.get_by_role("button", name="Bắt đầu mở gian hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gian hàng trên voso.vn")
    for n in range(REQUIRED):
        item = page.locator("ol.checklist > li").nth(n)
        item.locator("summary").click()
        item.get_by_role("button", name="Đã xong").click()
        expect(page.locator("ol.checklist > li").nth(n)).to_contain_text("Đã xong")
    shop_url = f"https://voso.vn/thach-thi-mai-{slug}-s3145375"
    page.locator("#claim").get_by_label("Đường dẫn trang gian hàng").fill(shop_url)
    page.locator("#claim").get_by_role("button", name="Báo gian hàng đã mở").click()
    expect(page.get_by_role("status")).to_contain_text("Chờ cán bộ xác minh")
    shots.take("shop-claimed")
    page.get_by_role("button", name="Đăng xuất").click()

    # The official opens the shop; the team then claims the product.
    _sign_in(page, live_server, "canbo.khom3")
    page.get_by_role("link", name="Xác minh", exact=True).click()
    opening = page.locator("li", has=page.get_by_role("link", name=producer))
    opening.get_by_role("button", name="Duyệt gian hàng").click()
    expect(page.get_by_role("status")).to_contain_text("gian hàng đang mở")
    page.get_by_role("button", name="Đăng xuất").click()
    _sign_in(page, live_server, "thanhvien.khom3")
    page.goto(product_url)
    voso = page.locator("#market-voso")

    step = _next_step(voso, "Đăng sản phẩm lên sàn")
    step.get_by_label("Đường dẫn trên voso.vn").fill(
        f"https://voso.vn/banh-pia-khoai-mon-{slug}-p737219.html"
    )
    shots.take("checklist")
    voso.get_by_role("button", name="Ghi nhận").click()
    expect(page.get_by_role("status")).to_have_text(
        "Đã báo sản phẩm lên sàn. Chờ xác minh."
    )
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Chờ xác minh")
    expect(voso.locator("li.step-done")).to_have_count(2)
    shots.take("claimed")

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("status")).to_have_text("Bạn đã đăng xuất.")

    # The official of Phường Sóc Trăng verifies the claim.
    _sign_in(page, live_server, "canbo.khom3")
    page.get_by_role("link", name="Xác minh", exact=True).click()
    expect(
        page.get_by_role("heading", name="Xác minh sản phẩm đã lên sàn")
    ).to_be_visible()
    claim = page.locator("ul.queue > li", has_text=product)
    expect(claim).to_contain_text("Nguyễn Thị Thu Trang")
    expect(claim).to_contain_text("Khóm 3 · voso.vn")
    expect(
        claim.get_by_role(
            "link", name=f"https://voso.vn/banh-pia-khoai-mon-{slug}-p737219.html"
        )
    ).to_have_attribute("rel", "noopener noreferrer")
    shots.take("verify")
    claim.get_by_role("button", name="Duyệt").click()
    expect(page.get_by_role("status")).to_have_text("Đã duyệt: sản phẩm đã lên sàn.")
    expect(page.locator("ul.queue > li", has_text=product)).to_have_count(0)

    page.goto(product_url)
    voso = page.locator("#market-voso")
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Đã lên sàn")
    expect(voso).to_contain_text("Lịch sử xác minh")
    shots.take("listed")
    assert problems == []
    context.close()
