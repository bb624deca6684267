"""The walk of issue #15, on a phone (360 × 740) with JavaScript off, against the
live demo: what each role does in a day, every step on a page.

A team member renames a product and sees the new name on its public page and on
a reprinted card (the QR decoded back to that page); withdraws a household's
consent to show its name and sees it go from the public page, records it again
and sees it back; records an e-payment account; delists a live product and lists it
again (an official verifies it back); reads the product's history. The
department opens the audit page and downloads an export; an admin creates an
official's account by picking the commune. Every change is undone at the end,
for the other browser tests that share the demo. Screenshots in
``test-results/walk/``.
"""

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.cards.reading import decode_qr, pdf_text

PHONE = ViewportSize(width=360, height=740)
PRODUCT = "Bánh in nhân đậu xanh"
RENAMED = "Bánh in nhân đậu xanh Phường 5"
HOUSEHOLD = "Cơ sở bánh pía Kim Hoa (demo)"  # agreed to show its name
LIVE = "Bánh pía sầu riêng trứng muối"  # the household's, live on voso.vn

pytestmark = pytest.mark.browser

SignInTo = Callable[[Page, str], None]


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _shot(page: Page, folder: Path, name: str) -> None:
    _fits(page)
    page.screenshot(path=folder / f"{name}.png", full_page=True)


def _rename(page: Page, base: str, old: str, new: str) -> str:
    """Rename a product from the worklist; the page after it (reprint) is open."""
    page.goto(f"{base}/worklist")
    page.get_by_role("link", name=old, exact=True).first.click()
    product_url = page.url
    page.get_by_role("link", name="Sửa sản phẩm, giấy chứng nhận").click()
    page.get_by_label("Tên sản phẩm").fill(new)
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_role("heading", name="In lại thẻ QR")).to_be_visible()
    return product_url


def _consent(page: Page, grant: bool) -> None:
    section = page.locator("#consent-display_name")
    if grant:
        section.get_by_label("Ai đồng ý, bằng cách nào").fill(
            "Bà Trần Kim Hoa ký lại phiếu đồng ý tại nhà"
        )
        section.get_by_role("button", name="Ghi nhận đồng ý").click()
    else:
        section.get_by_role("button", name="Rút lại đồng ý").click()
    expect(page.get_by_role("status")).to_be_visible()


def _public_main(browser: Browser, url: str) -> str:
    """The public page's main text as a customer's phone first sees it (its own
    cache: a browser may keep the page up to 60 s, as the page allows); a phone
    set to Vietnamese, as the page follows the phone's language."""
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    page.goto(url)
    text = page.locator("main").inner_text()
    context.close()
    return text


def test_a_day_of_every_role_on_the_pages_without_javascript(
    browser: Browser,
    live_server: str,
    artifacts: Path,
    sign_in: SignInTo,
    tmp_path: Path,
) -> None:
    folder = artifacts / "walk"
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport=PHONE, locale="vi-VN", java_script_enabled=False, accept_downloads=True
    )
    page = context.new_page()

    # --- a team member renames a product: public page and a reprinted card ----------
    sign_in(page, "thanhvien.khom3")
    product_url = _rename(page, live_server, PRODUCT, RENAMED)
    expect(page.get_by_role("status")).to_contain_text("hãy in lại")
    _shot(page, folder, "1-reprint")
    card_href = page.get_by_role(
        "link", name="In thẻ A6 của sản phẩm này"
    ).get_attribute("href")
    assert card_href is not None
    card = page.request.get(f"{live_server}{card_href}")
    assert card.ok
    assert card.headers["content-type"].startswith("application/pdf")
    pdf = card.body()
    assert RENAMED in pdf_text(pdf)
    codes = decode_qr(pdf)
    assert len(codes) == 1
    public_url = codes[0]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/p/[\w-]+", public_url), public_url
    page.goto(public_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(RENAMED)
    _shot(page, folder, "2-public-renamed")

    # --- a household withdraws its consent to show its name, then gives it again ----
    page.goto(f"{live_server}/worklist")
    page.get_by_role("link", name=LIVE, exact=True).first.click()
    live_url = page.url
    live_public = page.get_by_role("link", name="Xem trang công khai").get_attribute(
        "href"
    )
    assert live_public is not None
    assert HOUSEHOLD in _public_main(browser, f"{live_server}{live_public}")
    page.goto(live_url)
    page.get_by_role("link", name=HOUSEHOLD).click()
    producer_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(HOUSEHOLD)
    _consent(page, grant=False)
    expect(page.locator("#consent-display_name")).to_contain_text("Chưa đồng ý")
    without = _public_main(browser, f"{live_server}{live_public}")
    assert HOUSEHOLD not in without
    assert "Hộ sản xuất" in without
    page.goto(producer_url)
    _consent(page, grant=True)
    expect(page.locator("#consent-display_name")).to_contain_text("Đã đồng ý")
    assert HOUSEHOLD in _public_main(browser, f"{live_server}{live_public}")

    # --- an e-payment account: Mobile Money, on a SIM in the holder's name ---------
    page.goto(producer_url)
    page.locator("#account-new summary").click()  # no script: opens by itself
    new = page.locator("#account-new")
    new.get_by_label("Ví điện tử / Mobile Money / ngân hàng").select_option(
        "viettel_money"
    )
    new.get_by_label("Tình trạng").select_option("open")
    new.get_by_label("Số tài khoản / số ví").fill("0971 222 333")
    new.get_by_label("Mobile Money: SIM đăng ký chính chủ?").select_option("no")
    new.get_by_role("button", name="Thêm tài khoản").click()
    # Refused beside the field, what was chosen kept (never the number).
    error = page.locator("#a-sim_in_holder_name-error")
    expect(error).to_contain_text("chính chủ")
    expect(page.locator("#a-sim_in_holder_name")).to_have_value("no")
    expect(page.locator("#a-account_number")).to_have_value("")
    _shot(page, folder, "4-account-refused")
    page.locator("#a-sim_in_holder_name").select_option("yes")
    page.locator("#a-account_number").fill("0971 222 333")
    page.locator("#account-new").get_by_role("button", name="Thêm tài khoản").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu tài khoản thanh toán.")
    expect(page.get_by_text("Viettel Money ••••2333")).to_be_visible()
    page.content()  # the page as it is now (a screenshot follows)
    assert "0971 222 333" not in page.content()
    _shot(page, folder, "5-account-saved")

    # --- the product's history says what changed, who, when ------------------------
    page.goto(product_url)
    page.get_by_role("link", name="Lịch sử thay đổi").click()
    newest = page.locator("ol.events > li").first
    expect(newest).to_contain_text(f"Tên sản phẩm: {PRODUCT} → {RENAMED}")
    expect(newest).not_to_contain_text("UTC")
    _shot(page, folder, "6-history")

    # --- delist a live product, then list it again ---------------------------------
    page.goto(live_url)
    voso = page.locator("#market-voso")
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Đã lên sàn")
    listing_href = voso.locator("p.url a").last.get_attribute("href")
    assert listing_href is not None
    voso.locator("summary", has_text="Báo gỡ khỏi sàn").click()
    voso.get_by_label("Lý do").fill("Sàn gỡ để kiểm tra giấy tờ")
    voso.get_by_role("button", name="Báo gỡ khỏi sàn").click()
    voso = page.locator("#market-voso")
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Đã gỡ khỏi sàn")
    voso.get_by_role("button", name="Đưa lên sàn lại").click()
    expect(page.get_by_role("status")).to_contain_text("Đã đưa lên sàn lại")
    step = page.locator("#market-voso li.step-next")
    step.get_by_label("Đường dẫn trên voso.vn").fill(listing_href)
    step.get_by_role("button", name="Ghi nhận").click()
    expect(page.get_by_role("status")).to_be_visible()
    _shot(page, folder, "7-relisted-claimed")
    page.get_by_role("button", name="Đăng xuất", exact=True).click()

    sign_in(page, "canbo.khom3")
    page.get_by_role("link", name="Xác minh", exact=True).click()
    page.locator("ul.queue > li", has_text=LIVE).get_by_role(
        "button", name="Duyệt"
    ).click()
    page.goto(live_url)
    expect(
        page.locator("#market-voso").get_by_role("heading", level=3)
    ).to_contain_text("Đã lên sàn")
    page.get_by_role("button", name="Đăng xuất", exact=True).click()

    # --- the department: the audit page and a download -----------------------------
    sign_in(page, "sct.soctrang")
    page.get_by_role("link", name="Nhật ký").click()
    expect(page.get_by_role("heading", name="Nhật ký hoạt động")).to_be_visible()
    page.get_by_text("Lọc thêm").click()
    page.get_by_label("Loại hồ sơ").select_option(label="Sản phẩm")
    page.get_by_role("button", name="Xem", exact=True).click()
    expect(page.locator("ol.events > li").first).to_contain_text("Sản phẩm")
    _shot(page, folder, "8-audit")
    page.goto(f"{live_server}/producers?q=kim+hoa")
    page.get_by_text("Tải xuống (theo bộ lọc đang chọn)").click()
    with page.expect_download() as caught:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / caught.value.suggested_filename
    caught.value.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert any(HOUSEHOLD in row for row in rows[1:]), rows
    assert any("Viettel Money ••••2333 (Đã mở)" in ";".join(row) for row in rows[1:])
    assert not any("0971222333" in "".join(row) for row in rows)
    page.get_by_role("button", name="Đăng xuất", exact=True).click()

    # --- an admin creates an official's account by picking the commune ------------
    sign_in(page, "admin")
    page.goto(f"{live_server}/users")
    page.get_by_label("Tên đăng nhập", exact=True).fill("canbo.anthanh.sct")
    page.get_by_label("Tên hiển thị").fill("Lâm Thị Kim Ngân")
    page.get_by_label("Vai trò").select_option("official")
    page.get_by_label("Tìm địa bàn theo tên").fill("an thanh")
    page.locator("fieldset.picker").get_by_role("button", name="Tìm").click()
    expect(page.get_by_label("Tên hiển thị")).to_have_value("Lâm Thị Kim Ngân")
    # Today's map first; each match named with its parents.
    choice = page.locator("fieldset.picker").get_by_label(
        "Xã An Thạnh — Cần Thơ", exact=True
    )
    choice.check()
    _shot(page, folder, "9-picker")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", name="Đã tạo tài khoản")).to_be_visible()
    page.get_by_role("link", name="Xem tài khoản").click()
    expect(page.get_by_role("link", name="Xã An Thạnh")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất", exact=True).click()

    # --- undo for the tests that share the demo -----------------------------------
    sign_in(page, "thanhvien.khom3")
    _rename(page, live_server, RENAMED, PRODUCT)
    context.close()
