"""A team leader keeps the roster on a phone, with JavaScript off and on."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
)

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"


def _context(browser: Browser, javascript: bool) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE,
        java_script_enabled=javascript,
        locale="vi-VN",
        device_scale_factor=2,
    )


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


def _member_count(page: Page) -> int:
    text = page.locator(".facts dd").first.inner_text()
    found = re.fullmatch(r"(\d+)/10", text.strip())
    assert found, text
    return int(found.group(1))


def _fits_the_screen(page: Page, javascript: bool) -> None:
    if javascript:  # measuring needs script; the no-JS run shares the same CSS
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_leader_adds_edits_and_removes_a_member(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = _context(browser, javascript)
    page = context.new_page()
    problems = _watch(page)
    # Both runs share one server and database: each adds its own person.
    name = f"Võ Thị Hồng Nhung {'JS' if javascript else 'không JS'}"

    _sign_in(page, live_server, "totruong.khom3")
    page.get_by_role("link", name="Tổ của tôi").click()
    expect(
        page.get_by_role("heading", name="Tổ công nghệ số Khóm 3", exact=True)
    ).to_be_visible()
    expect(page.get_by_text("CNCD_Khom3_SocTrang_CanTho")).to_be_visible()
    roster = page.locator("ul.roster > li")
    expect(roster.first).to_contain_text("Trần Văn Hùng")
    expect(roster.first).to_contain_text("Tổ trưởng")
    expect(roster.nth(1)).to_contain_text("Tổ phó")
    before = _member_count(page)

    add = page.locator(
        "section.card", has=page.get_by_role("heading", name="Thêm thành viên")
    )
    add.get_by_label("Họ và tên").fill(name)
    add.get_by_label("Thành phần").select_option(label="Giáo viên")
    add.get_by_label("Số điện thoại").fill("0987 654 321")
    add.get_by_role("button", name="Thêm vào tổ").click()

    expect(page.get_by_role("status")).to_have_text("Đã thêm thành viên.")
    person = roster.filter(has_text=name)
    expect(person).to_have_count(1)
    expect(person).to_contain_text("Thành viên · Giáo viên")
    expect(person.get_by_role("link", name="0987 654 321")).to_be_visible()
    assert _member_count(page) == before + 1

    person.get_by_text("Sửa", exact=True).click()
    person.get_by_label("Số điện thoại").fill("0977 111 222")
    person.get_by_role("button", name="Lưu thay đổi").click()

    expect(page.get_by_role("status")).to_have_text("Đã lưu thông tin thành viên.")
    expect(person.get_by_role("link", name="0977 111 222")).to_be_visible()
    expect(person).not_to_contain_text("0987 654 321")
    _fits_the_screen(page, javascript)
    page.screenshot(
        path=artifacts / f"team-roster-{'js' if javascript else 'no-js'}.png",
        full_page=True,
    )

    person.get_by_text("Sửa", exact=True).click()
    person.get_by_role("button", name=f"Xóa {name} khỏi tổ").click()

    expect(page.get_by_role("status")).to_have_text("Đã xóa thành viên khỏi tổ.")
    expect(roster.filter(has_text=name)).to_have_count(0)
    expect(roster.first).to_contain_text("Trần Văn Hùng")
    assert _member_count(page) == before
    assert problems == []
    context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js"])
def test_member_sees_the_roster_without_forms(
    browser: Browser, live_server: str, artifacts: Path, javascript: bool
) -> None:
    context = _context(browser, javascript)
    page = context.new_page()
    problems = _watch(page)

    _sign_in(page, live_server, "thanhvien.khom3")
    page.get_by_role("link", name="Tổ của tôi").click()
    expect(
        page.get_by_role("heading", name="Tổ công nghệ số Khóm 3", exact=True)
    ).to_be_visible()
    roster = page.locator("ul.roster > li")
    expect(roster.filter(has_text="Nguyễn Thị Thu Trang")).to_contain_text("bạn")
    expect(roster.first.get_by_role("link", name="0912 345 601")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)
    expect(page.locator("main details")).to_have_count(0)
    expect(page.get_by_role("heading", name="Thêm thành viên")).to_have_count(0)
    _fits_the_screen(page, javascript)
    page.screenshot(
        path=artifacts / f"team-roster-member-{'js' if javascript else 'no-js'}.png",
        full_page=True,
    )
    assert problems == []
    context.close()


def _collect(message: ConsoleMessage, problems: list[str]) -> None:
    if message.type in {"error", "warning"}:
        problems.append(message.text)
