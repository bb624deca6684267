"""An official on a phone with JavaScript off: the worklist's download links,
a file downloaded with the filters on screen, the import page with its template,
and a list whose rows a person must place."""

from pathlib import Path

from openpyxl import Workbook, load_workbook
from playwright.sync_api import Browser, expect

from ocop_tracker.core.text import fold
from tests.browser.test_producer_pages_browser import PHONE, _sign_in


def test_official_downloads_the_worklist_and_imports_a_list(
    browser: Browser, live_server: str, artifacts: Path, tmp_path: Path
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    _sign_in(page, live_server, "canbo.khom3")

    page.goto(f"{live_server}/worklist?q=banh")
    page.get_by_text("Tải xuống (theo bộ lọc đang chọn)").click()
    links = page.locator("details.downloads a")
    expect(links).to_have_count(6)
    page.screenshot(path=str(artifacts / "worklist-exports-360.png"), full_page=True)
    with page.expect_download() as caught:
        links.first.click()
    download = caught.value
    assert download.suggested_filename.startswith("ocop-products-")
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows
    # The search matched the product's name or its producer's, as on the page.
    assert all("banh" in fold(f"{row[1]} {row[3]}") for row in rows)

    page.goto(f"{live_server}/imports")
    expect(page.get_by_role("link", name="Tải mẫu XLSX")).to_be_visible()
    page.screenshot(path=str(artifacts / "import-page-360.png"), full_page=True)
    with page.expect_download() as caught:
        page.get_by_role("link", name="Tải mẫu XLSX").click()
    assert caught.value.suggested_filename == "mau-danh-sach-ocop.xlsx"

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["Tên sản phẩm", "Chủ thể", "Xã", "Số sao", "Số quyết định"])
    sheet["F1"] = "Ngày quyết định"
    sheet.append(["Bánh pía", "Hộ Năm", "Phường Sóc Trăng", 3, "9/QĐ", "10/03/2024"])
    sheet.append(["Mắm", "Hộ Sáu", "Xã Không Có Thật", 3, "10/QĐ", "10/03/2024"])
    upload = tmp_path / "ds.xlsx"
    book.save(upload)
    page.get_by_label("Tệp danh sách").set_input_files(str(upload))
    page.get_by_role("button", name="Kiểm tra (chưa ghi)").click()
    expect(
        page.get_by_role("heading", name="Dòng cần người xếp địa bàn")
    ).to_be_visible()
    page.screenshot(path=str(artifacts / "import-to-place-360.png"), full_page=True)
    context.close()
