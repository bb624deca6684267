"""A team records a training session on a phone with JavaScript off (issue 17
item 3): from the menu to the form, the place already its hamlet, then the
households and team members who came ticked on the session's page; the
dashboard's "hộ có sản phẩm OCOP đã được tập huấn" moves."""

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect

PHONE = ViewportSize(width=360, height=740)
HEADLINE = "Hộ có sản phẩm OCOP đã được tập huấn"


def _trained(page: Page, live_server: str) -> tuple[int, int]:
    page.goto(f"{live_server}/reports")
    m = re.search(
        r"<b>([\d.]+)/([\d.]+)[^<]*</b>\s*<span>" + HEADLINE + "</span>",
        page.content(),
    )
    assert m, "the training headline is on the dashboard"
    return int(m.group(1).replace(".", "")), int(m.group(2).replace(".", ""))


def test_a_team_records_a_session_and_the_trained_households_move(
    browser: Browser,
    live_server: str,
    sign_in: Callable[[Page, str], None],
    artifacts: Path,
) -> None:
    context = browser.new_context(
        viewport=PHONE, java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    sign_in(page, "thanhvien.khom3")
    trained, households = _trained(page, live_server)
    assert trained < households, "the demo leaves a household to train"
    page.screenshot(path=str(artifacts / "training-dashboard-360.png"), full_page=True)

    page.get_by_role("navigation", name="Chính").get_by_role(
        "link", name="Tập huấn"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tập huấn")
    page.get_by_role("link", name="Ghi buổi tập huấn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ghi buổi tập huấn")
    # The team's own hamlet is chosen; today is filled in.
    expect(page.get_by_role("radio", name=re.compile("^Khóm 3"))).to_be_checked()
    page.get_by_label("Chủ đề").select_option(label="Đăng sản phẩm lên sàn")
    page.get_by_label("Địa điểm").fill("Nhà ông Tư, Khóm 3")
    page.get_by_label("Ai hướng dẫn").select_option(value="team_member")
    page.get_by_label("Tên người hoặc đơn vị hướng dẫn").fill("Tổ công nghệ số Khóm 3")
    page.screenshot(path=str(artifacts / "training-new-360.png"), full_page=True)
    page.get_by_role("button", name="Lưu buổi tập huấn").click()

    expect(page.get_by_role("status")).to_contain_text("Đã ghi buổi tập huấn")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng sản phẩm lên sàn")
    households_box = page.get_by_role("group", name="Hộ và chủ thể")
    boxes = households_box.get_by_role("checkbox")
    assert boxes.count() >= households
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.get_by_role("group", name="Thành viên tổ công nghệ số").get_by_role(
        "checkbox"
    ).first.check()
    page.get_by_role("button", name="Lưu danh sách người dự").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu danh sách người dự.")
    page.screenshot(path=str(artifacts / "training-session-360.png"), full_page=True)

    after, total = _trained(page, live_server)
    assert after > trained
    assert after == total  # every household of the hamlet came
    context.close()
