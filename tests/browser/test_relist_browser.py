"""A live product goes down and comes back, on a phone with JavaScript off.

A team member reports that "Bánh pía sầu riêng trứng muối" went down from
voso.vn, brings it back, claims it again; the official verifies it, so the demo
ends as it began: live.
"""

import datetime as dt
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.test_onboarding_flow import _context, _photo, _sign_in, _watch

PRODUCT = "Bánh pía sầu riêng trứng muối"
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def _shot(page: Page, artifacts: Path, n: int, name: str) -> None:
    page.screenshot(path=artifacts / f"relist-no-js-{n}-{name}.png", full_page=False)


def test_a_member_delists_then_relists_without_javascript(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context = _context(browser, javascript=False)
    page = context.new_page()
    problems = _watch(page)
    _sign_in(page, live_server, "thanhvien.khom3")
    page.get_by_role("link", name="Sản phẩm", exact=True).click()
    page.get_by_role("link", name=PRODUCT).first.click()
    voso = page.locator("#market-voso")
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Đã lên sàn")
    listing_url = voso.locator("p.url a").last.get_attribute("href")
    assert listing_url is not None

    voso.locator("summary", has_text="Báo gỡ khỏi sàn").click()
    today = dt.datetime.now(VIETNAM).date().isoformat()
    expect(voso.get_by_label("Ngày sản phẩm bị gỡ")).to_have_value(today)
    voso.get_by_label("Lý do").fill("Sàn tạm khóa gian hàng để kiểm tra")
    voso.locator("summary", has_text="Báo gỡ khỏi sàn").scroll_into_view_if_needed()
    _shot(page, artifacts, 1, "delist-form")
    voso.get_by_role("button", name="Báo gỡ khỏi sàn").click()

    expect(page.get_by_role("status")).to_have_text(
        "Đã ghi nhận sản phẩm bị gỡ khỏi sàn."
    )
    assert re.search(r"#listing-[0-9]+$", page.url), page.url
    voso = page.locator("#market-voso")
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Đã gỡ khỏi sàn")
    expect(voso).to_contain_text("Sàn tạm khóa gian hàng để kiểm tra")
    expect(voso.get_by_role("button", name="Ghi nhận")).to_have_count(0)
    _shot(page, artifacts, 2, "delisted")
    voso.get_by_role("button", name="Đưa lên sàn lại").click()

    expect(page.get_by_role("status")).to_contain_text("Đã đưa lên sàn lại")
    voso = page.locator("#market-voso")
    step = voso.locator("li.step-next")
    expect(step).to_contain_text("Đăng sản phẩm lên sàn")

    # A photo proving the step: a file that is no image comes back beside the form.
    step.locator("summary", has_text="Thêm ảnh minh chứng").click()
    step.get_by_label(re.compile("Ảnh cho bước")).set_input_files(
        {"name": "ghi-chu.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo"}
    )
    step.get_by_role("button", name="Tải ảnh minh chứng").click()
    step = page.locator("#market-voso li.step-next")
    expect(step.locator(".field-error")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(PRODUCT)
    step.locator(".field-error").scroll_into_view_if_needed()
    _shot(page, artifacts, 3, "evidence-refused")
    step.get_by_label(re.compile("Ảnh cho bước")).set_input_files(
        {"name": "IMG_1.JPG", "mimeType": "image/jpeg", "buffer": _photo(4)}
    )
    step.get_by_role("button", name="Tải ảnh minh chứng").click()
    expect(page.get_by_role("status")).to_have_text(
        "Đã thêm ảnh minh chứng cho bước này."
    )
    step = page.locator("#market-voso li.step-next")
    expect(step.get_by_role("img", name="Ảnh minh chứng 1")).to_be_visible()
    step.get_by_label("Đường dẫn trên voso.vn").fill(listing_url)
    step.get_by_label("Đường dẫn trên voso.vn").scroll_into_view_if_needed()
    _shot(page, artifacts, 4, "relisted-with-evidence")
    step.get_by_role("button", name="Ghi nhận").click()
    expect(page.get_by_role("status")).to_have_text(
        "Đã báo sản phẩm lên sàn. Chờ xác minh."
    )
    product_url = page.url.split("?")[0]
    page.get_by_role("button", name="Đăng xuất").click()

    _sign_in(page, live_server, "canbo.khom3")
    page.get_by_role("link", name="Xác minh", exact=True).click()
    claim = page.locator("ul.queue > li", has_text=PRODUCT)
    claim.get_by_role("button", name="Duyệt").click()
    expect(page.get_by_role("status")).to_have_text("Đã duyệt: sản phẩm đã lên sàn.")
    page.goto(product_url)
    voso = page.locator("#market-voso")
    expect(voso.get_by_role("heading", level=3)).to_contain_text("Đã lên sàn")
    voso.scroll_into_view_if_needed()
    _shot(page, artifacts, 5, "listed-again")
    # The refused photo's page answers 415, which the browser reports; nothing else.
    assert [p for p in problems if "(Unsupported Media Type)" not in p] == []
    assert len(problems) == 1, problems
    context.close()
