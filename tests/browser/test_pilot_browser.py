"""The department opens the demo pilot on a phone with JavaScript off (issue
17 item 4) and downloads its closing report; a team leader records the
establishment decision of the team with its scanned copy."""

import io
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect
from pypdf import PdfReader

PHONE = ViewportSize(width=360, height=740)


def test_the_department_downloads_the_pilot_closing_report(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()
    sign_in(page, "sct.soctrang")
    page.goto(f"{live_server}/reports")
    expect(page.get_by_text("Khóm/ấp đã có tổ công nghệ số")).to_be_visible()
    page.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Thí điểm"
    ).click()
    page.get_by_role(
        "link", name="Thí điểm 3 tháng tại các khóm/ấp điểm (demo)"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thí điểm 3 tháng")
    expect(page.locator("#units + ul")).to_contain_text("Khóm 3")
    page.screenshot(path=str(artifacts / "pilot-360.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="Báo cáo kết thúc đợt (PDF)").click()
    target = artifacts / "pilot-closing-report.pdf"
    info.value.save_as(target)
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Báo cáo kết thúc thí điểm" in text
    for name in ("Khóm 3", "Ấp An Thường", "Ấp Châu Thành", "Cả đợt thí điểm"):
        assert name in text, name
    context.close()


def test_a_team_leader_records_the_decision_with_its_scan(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
    tmp_path: Path,
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    sign_in(page, "totruong.anthuong")
    page.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Tổ của tôi"
    ).click()
    decision = page.locator("#decision-form")
    decision.locator("summary").click()
    decision.get_by_label("Số quyết định").fill("215/QĐ-UBND")
    decision.get_by_label("Người ký").fill("Chủ tịch UBND xã Nguyễn Văn Bảy")
    # A text file named like a PDF is refused beside the file field, the rest kept.
    fake = tmp_path / "quyet-dinh.pdf"
    fake.write_text("không phải PDF")
    decision.get_by_label("Bản chụp quyết định").set_input_files(str(fake))
    decision.get_by_role("button", name="Lưu quyết định").click()
    expect(page.locator("#d-document-error")).to_contain_text("Chỉ nhận tệp PDF")
    expect(page.get_by_label("Số quyết định")).to_have_value("215/QĐ-UBND")
    page.get_by_label("Ngày ký").fill("2025-08-15")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.get_by_label("Bản chụp quyết định").set_input_files(str(scan))
    page.get_by_role("button", name="Lưu quyết định").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu quyết định thành lập tổ.")
    expect(page.locator("#decision + dl")).to_contain_text("215/QĐ-UBND")
    page.screenshot(path=str(artifacts / "team-decision-360.png"), full_page=True)
    context.close()
