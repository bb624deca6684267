"""A team member works without a signal (issue #19), on a phone-sized Chromium.

Offline, the saved pages open with a banner saying from when; two steps, a
photo and a new producer go to the phone's queue; back online, the queue is
sent in order and each lands on the server exactly once, and sending the same
queue twice more changes nothing. A listing changed on the server while the
member was offline comes back as a conflict with both values and a choice.
"""

import io
import re
import time
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Page,
    ViewportSize,
    expect,
)

PHONE = ViewportSize(width=360, height=740)
PASSWORD = "mua-lua-thom-2026"
# What a queued item is, as the test reads it back from the page.
_ITEMS = """() => window.ocopOutbox.all().then(items => items.map(i => ({
  what: i.what, state: i.state, url: i.url,
  size: i.fields.reduce((n, f) => n + (f[1].size || String(f[1]).length), 0)})))"""
# Sends saved items again exactly as the outbox does (same keys, same fields).
_REPLAY = """async (items) => {
  const state = await (await fetch('/offline/state', {headers: {Accept: 'application/json'}})).json();
  const answers = [];
  for (const item of items) {
    const body = new FormData();
    for (const f of item.fields) { f.length === 3 ? body.append(f[0], f[1], f[2]) : body.append(f[0], f[1]); }
    const r = await fetch(item.url, {method: 'POST', body,
      headers: {'Idempotency-Key': item.key, 'X-CSRF-Token': state.csrf_token, Accept: 'text/html'}});
    answers.push([r.status, new URL(r.url).search]);
  }
  return answers;
}"""


def _photo() -> bytes:
    im = Image.new("RGB", (2400, 1800), (200, 120, 40))
    im.paste((30, 110, 70), (0, 0, 1200, 1800))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=88)
    return out.getvalue()


def _log_in(page: Page, login: str) -> None:
    """Fills the sign-in form the page shows and sends it."""
    page.get_by_label("Tên đăng nhập hoặc số điện thoại").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _member(browser: Browser, live_server: str) -> tuple[BrowserContext, Page]:
    """The hamlet's team member, signed in with script on; the phone has kept
    the hamlet's pages."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    _log_in(page, "thanhvien.khom3")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "() => document.documentElement.getAttribute('data-kept')", timeout=60_000
    )
    return context, page


def _product_url(page: Page, live_server: str, name: str) -> str:
    page.goto(f"{live_server}/worklist")
    href = page.get_by_role("link", name=name, exact=True).first.get_attribute("href")
    assert href is not None
    return f"{live_server}{href}"


def _queued(page: Page, count: int) -> None:
    expect(page.locator("#outbox-count")).to_have_text(
        re.compile(rf"^{count} việc chờ gửi")
    )


def _api(page: Page, path: str) -> Any:
    response = page.request.get(path, headers={"Accept": "application/json"})
    assert response.ok, path
    return response.json()


def _product_page_url(listing_form_domain: str, n: int) -> str:
    if listing_form_domain == "voso.vn":
        return f"https://voso.vn/kho-ca-loc-ngoai-tuyen-p73{n:04d}.html"
    return f"https://postmart.vn/p/kho-ca-loc-ngoai-tuyen-43{n:03d}.html"


def test_work_offline_then_sync_each_item_once(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context, page = _member(browser, live_server)
    product = _product_url(page, live_server, "Khô cá lóc")
    pid = int(product.rsplit("/", 1)[1])
    page.goto(product)
    forms = page.locator("form[data-outbox-record]")
    assert forms.count() == 2  # the listing step on voso.vn and on postmart.vn
    listings = [
        int(forms.nth(i).get_attribute("action").split("/")[2])  # type: ignore[union-attr]
        for i in range(2)
    ]
    versions = {
        lid: _api(page, f"/api/v1/listings/{lid}")["version"] for lid in listings
    }
    public = page.get_by_role("link", name="Xem trang công khai").first.get_attribute(
        "href"
    )
    assert public is not None
    # The worker answers the app's pages, never the public ones.
    shown = page.goto(f"{live_server}{public}")
    assert shown is not None
    assert not shown.from_service_worker
    shown = page.goto(product)
    assert shown is not None
    assert shown.from_service_worker
    photos_before = len(_api(page, f"/api/v1/products/{pid}/photos"))

    context.set_offline(True)
    page.goto(product)
    expect(page.locator(".offline-banner")).to_contain_text(
        "Đang ngoại tuyến — dữ liệu lúc"
    )
    typed: dict[int, str] = {}
    for i, lid in enumerate(listings):
        form = page.locator(f'form[action="/listings/{lid}/steps"]')
        label = form.locator("label").first.text_content() or ""
        url = _product_page_url("voso.vn" if "voso.vn" in label else "postmart.vn", i)
        typed[lid] = url
        form.locator("input[name=evidence_url]").fill(url)
        form.locator("input[name=note]").fill("Ghi lúc mất sóng ở vườn")
        form.get_by_role("button", name="Ghi nhận").click()
        _queued(page, i + 1)
    page.screenshot(path=str(artifacts / "offline-product-360.png"))
    upload = page.locator("form[data-photo-upload]")
    upload.locator("input[type=file]").set_input_files(
        files=[FilePayload(name="kho-ca.jpg", mimeType="image/jpeg", buffer=_photo())]
    )
    upload.get_by_role("button").last.click()
    _queued(page, 3)
    page.goto(f"{live_server}/products/new")
    expect(page.locator(".offline-banner")).to_be_visible()
    producer = "Hộ Bà Tư Ngoại Tuyến"
    page.get_by_label("Tên chủ thể").fill(producer)
    page.get_by_label("Số điện thoại").fill("0912 345 999")
    page.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()
    _queued(page, 4)
    page.goto(f"{live_server}/offline/outbox")
    items = page.evaluate(_ITEMS)
    assert [i["state"] for i in items] == ["waiting"] * 4
    assert [i["url"] for i in items] == [
        *(f"/listings/{lid}/steps" for lid in listings),
        f"/products/{pid}/photos",
        "/products/new",
    ]
    # The photo is queued shrunk (≤ 2048 px JPEG), not as the camera made it.
    assert items[2]["size"] < len(_photo())
    expect(page.locator(".outbox-item")).to_have_count(4)
    page.screenshot(path=str(artifacts / "offline-queue-360.png"), full_page=True)
    page.evaluate(
        "() => window.ocopOutbox.all().then(items => { window.saved = items; })"
    )

    context.set_offline(False)
    expect(page.locator(".outbox-bar")).to_be_hidden(timeout=60_000)
    for lid in listings:
        listing = _api(page, f"/api/v1/listings/{lid}")
        assert listing["version"] == versions[lid] + 1
        assert listing["listing_url"] == typed[lid]
        assert listing["status"] == "awaiting_verification"
    assert len(_api(page, f"/api/v1/products/{pid}/photos")) == photos_before + 1
    found = _api(page, "/api/v1/producers?q=ba tu ngoai tuyen")
    assert found["total"] == 1

    # The same queue sent twice more: each is answered, nothing is written again.
    for _ in range(2):
        answers = page.evaluate(f"() => ({_REPLAY})(window.saved)")
        assert [a[0] for a in answers] == [200] * 4, answers
    for lid in listings:
        assert _api(page, f"/api/v1/listings/{lid}")["version"] == versions[lid] + 1
    assert len(_api(page, f"/api/v1/products/{pid}/photos")) == photos_before + 1
    assert _api(page, "/api/v1/producers?q=ba tu ngoai tuyen")["total"] == 1
    context.close()


def test_a_listing_changed_while_offline_comes_back_as_a_choice(
    browser: Browser, live_server: str, artifacts: Path
) -> None:
    context, page = _member(browser, live_server)
    product = _product_url(page, live_server, "Lạp xưởng mai quế lộ")
    page.goto(product)
    form = page.locator("form[data-outbox-record]").first
    action = form.get_attribute("action")
    assert action is not None
    lid = int(action.split("/")[2])

    context.set_offline(True)
    page.goto(product)
    expect(page.locator(".offline-banner")).to_be_visible()
    mine = "https://voso.vn/lap-xuong-mai-que-lo-cua-toi-p700001.html"
    form = page.locator(f'form[action="{action}"]')
    form.locator("input[name=evidence_url]").fill(mine)
    form.get_by_role("button", name="Ghi nhận").click()
    _queued(page, 1)

    # Meanwhile the team leader records the same step on the server.
    leader = browser.new_context(viewport=PHONE, java_script_enabled=False)
    other = leader.new_page()
    other.goto(f"{live_server}/login")
    _log_in(other, "totruong.khom3")
    other.goto(product)
    theirs = "https://voso.vn/lap-xuong-mai-que-lo-p700002.html"
    other.locator(f'form[action="{action}"] input[name=evidence_url]').fill(theirs)
    other.locator(f'form[action="{action}"]').get_by_role(
        "button", name="Ghi nhận"
    ).click()
    expect(other.locator(".notice")).to_contain_text("Chờ xác minh")
    leader.close()

    context.set_offline(False)
    expect(page.locator("#outbox-count")).to_have_text(
        "1 việc chờ gửi (1 cần xem)", timeout=60_000
    )
    page.goto(f"{live_server}/offline/outbox")
    item = page.locator(".outbox-item")
    expect(item).to_contain_text("Xung đột — cần bạn chọn")
    expect(item.locator("dl")).to_contain_text(mine)  # the member's value
    item.get_by_text("Trên máy chủ bây giờ").click()
    expect(item.locator("details")).to_contain_text(theirs)  # the server's value
    expect(item.get_by_role("button", name="Gửi bản của tôi")).to_be_visible()
    page.screenshot(path=str(artifacts / "offline-conflict-360.png"), full_page=True)
    item.get_by_role("button", name="Giữ bản trên máy chủ, bỏ bản của tôi").click()
    expect(page.locator(".outbox-item")).to_have_count(0)
    expect(page.locator("[data-outbox-list]")).to_contain_text(
        "Không có việc nào chờ gửi."
    )
    assert _api(page, f"/api/v1/listings/{lid}")["listing_url"] == theirs
    time.sleep(0.2)
    context.close()


def test_a_session_ended_while_offline_asks_to_sign_in_then_sends(
    browser: Browser, live_server: str
) -> None:
    context, page = _member(browser, live_server)
    context.set_offline(True)
    page.goto(f"{live_server}/products/new")
    producer = "Hộ Chờ Đăng Nhập Lại"
    page.get_by_label("Tên chủ thể").fill(producer)
    page.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()
    _queued(page, 1)
    # Signing out would drop the queue: the phone says so first.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("#outbox-say")).to_contain_text("Còn 1 việc chưa gửi")
    context.clear_cookies()  # the session ran out while the phone was offline
    context.set_offline(False)
    expect(page.locator("#outbox-count")).to_have_text(
        "1 việc chờ gửi — đăng nhập lại để gửi", timeout=60_000
    )
    page.locator("#outbox-count").click()
    _log_in(page, "thanhvien.khom3")
    expect(page).to_have_url(re.compile(r"/offline/outbox$"))
    expect(page.locator("[data-outbox-list]")).to_contain_text(
        "Không có việc nào chờ gửi.", timeout=60_000
    )
    assert _api(page, "/api/v1/producers?q=ho cho dang nhap lai")["total"] == 1
    context.close()


def test_a_second_account_on_the_same_phone_sees_nothing_of_the_first(
    browser: Browser, live_server: str
) -> None:
    context, page = _member(browser, live_server)
    product = _product_url(page, live_server, "Khô cá lóc")
    context.set_offline(True)
    page.goto(f"{live_server}/products/new")
    page.get_by_label("Tên chủ thể").fill("Hộ Của Người Trước")
    page.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()
    _queued(page, 1)
    context.clear_cookies()  # the first member's session ends, the queue unsent
    context.set_offline(False)
    expect(page.locator("#outbox-count")).to_contain_text("đăng nhập lại")

    # Another hamlet's member signs in on the same browser.
    page.goto(f"{live_server}/login")
    _log_in(page, "thanhvien.chauthanh")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    expect(page.locator(".outbox-bar")).to_be_hidden()
    page.goto(f"{live_server}/offline/outbox")
    expect(page.locator("[data-outbox-list]")).to_contain_text(
        "Không có việc nào chờ gửi."
    )
    kept = page.evaluate(
        "() => caches.open('ocop-pages').then(c => c.keys())"
        ".then(ks => ks.map(k => new URL(k.url).pathname))"
    )
    assert product.removeprefix(live_server) not in kept
    context.set_offline(True)
    page.goto(product)  # the first member's product: never kept for this one
    expect(page.locator(".offline-banner")).to_have_text(
        "Đang ngoại tuyến — trang này chưa được lưu trên điện thoại."
    )
    expect(page.get_by_text("Khô cá lóc")).to_have_count(0)
    context.set_offline(False)
    time.sleep(1)
    # The first member's item was never sent with the second's session ...
    official = browser.new_context(java_script_enabled=False, base_url=live_server)
    desk = official.new_page()
    desk.goto("/login")
    _log_in(desk, "canbo.khom3")
    expect(desk.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert _api(desk, "/api/v1/producers?q=ho cua nguoi truoc")["total"] == 0
    # ... and goes when the first member signs in again on this phone.
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    page.goto(f"{live_server}/login?next=/offline/outbox")
    _log_in(page, "thanhvien.khom3")
    expect(page.locator("[data-outbox-list]")).to_contain_text(
        "Không có việc nào chờ gửi.", timeout=60_000
    )
    assert _api(desk, "/api/v1/producers?q=ho cua nguoi truoc")["total"] == 1
    official.close()
    context.close()


def test_two_edits_of_one_record_queued_offline_land_in_order(
    browser: Browser, live_server: str
) -> None:
    """The second edit was based on the version the first one replaced: its 409
    comes from this phone's own item, so it is sent again on the new version."""
    context, page = _member(browser, live_server)
    page.goto(f"{live_server}/producers/new")
    page.get_by_label("Tên chủ thể").fill("Hộ Sửa Hai Lần Ngoại Tuyến")
    page.get_by_role("button", name="Thêm chủ thể").click()
    expect(page).to_have_url(re.compile(r"/producers/\d+"))
    pid = int(re.search(r"/producers/(\d+)", page.url)[1])  # type: ignore[index]
    version = _api(page, f"/api/v1/producers/{pid}")["version"]
    page.goto(f"{live_server}/producers/{pid}/edit")  # kept once opened

    context.set_offline(True)
    page.goto(f"{live_server}/producers/{pid}/edit")
    expect(page.locator(".offline-banner")).to_be_visible()
    for n, who in enumerate(("Lê Văn Một", "Lê Văn Hai"), 1):
        page.get_by_label("Người đại diện").fill(who)
        page.get_by_role("button", name="Lưu thay đổi").click()
        _queued(page, n)
    context.set_offline(False)
    expect(page.locator(".outbox-bar")).to_be_hidden(timeout=60_000)
    producer = _api(page, f"/api/v1/producers/{pid}")
    assert producer["representative"] == "Lê Văn Hai"
    assert producer["version"] == version + 2
    context.close()


def test_background_sync_sends_the_queue_with_every_page_closed(
    browser: Browser, live_server: str
) -> None:
    """Queued offline, then the app's page left: when the signal returns,
    Chromium wakes the service worker (Background Sync), which sends it."""
    context, page = _member(browser, live_server)
    context.set_offline(True)
    page.goto(f"{live_server}/products/new")
    page.get_by_label("Tên chủ thể").fill("Hộ Gửi Khi Đã Đóng Trang")
    page.get_by_role("button", name="Thêm chủ thể và tiếp tục").click()
    _queued(page, 1)
    page.close()  # no page of the app is open any more
    context.set_offline(False)
    found = 0
    for _ in range(120):  # Chromium fires the sync once it sees the link back
        answer = context.request.get(
            "/api/v1/producers?q=ho gui khi da dong trang",
            headers={"Accept": "application/json"},
        )
        found = answer.json()["total"]
        if found:
            break
        time.sleep(0.5)
    assert found == 1
    context.close()
