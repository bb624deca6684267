"""The month's results for the team's Zalo group (issue #17 item 5): the text
(at most 1,000 characters, the group's name, the headline figures) and the
1080×1080 image, both drawn from ``figures()`` of the same summary."""

import dataclasses
import datetime as dt
import io
import re

from PIL import Image, ImageChops

from ocop_tracker.core.clock import today
from ocop_tracker.reports import zalo
from tests.conftest import SignIn

HTML = {"accept": "text/html"}

SUMMARY = zalo.ZaloSummary(
    group="CNCD_KeSach_SocTrang",
    area="Xã Kế Sách",
    month=dt.date(2026, 11, 1),
    as_of=dt.date(2026, 11, 30),
    complete=True,
    ocop_listed=45,
    ocop_total=60,
    ocop_percent=75.0,
    both=30,
    by_marketplace=[("voso.vn", 40), ("postmart.vn", 35)],
    households_shop_paying=12,
    households=20,
    households_percent=60.0,
    active_shops=8,
    orders=56,
    revenue_vnd=12_300_000,
    expiring=3,
)


def test_the_text_names_the_group_and_says_each_figure() -> None:
    message = zalo.text(SUMMARY)
    assert len(message) <= zalo.MAX_TEXT
    assert message.startswith(
        "[CNCD_KeSach_SocTrang] Kết quả tháng 11/2026 · Xã Kế Sách"
    )
    assert "• Sản phẩm OCOP đã lên sàn: 45/60 (75,0%)" in message
    assert "• Trên voso.vn: 40" in message
    assert "• Hộ có gian hàng và tài khoản thanh toán điện tử: 12/20 (60,0%)" in message
    assert (
        "• Đơn hàng tháng 11/2026: 56 đơn, 12.300.000 đ (8 gian hàng có đơn)" in message
    )
    assert "Số liệu đến hết ngày 30/11/2026." in message
    running = zalo.text(
        dataclasses.replace(SUMMARY, complete=False, as_of=dt.date(2026, 11, 12))
    )
    assert "Tháng chưa hết: số liệu đến ngày 12/11/2026." in running


def test_a_long_text_drops_its_last_figures_never_its_head() -> None:
    many = [(f"san-thu-{n}.vn", n) for n in range(80)]
    message = zalo.text(dataclasses.replace(SUMMARY, by_marketplace=many))
    assert len(message) <= zalo.MAX_TEXT
    assert message.startswith("[CNCD_KeSach_SocTrang]")
    assert "Sản phẩm OCOP đã lên sàn: 45/60" in message


def _image(summary: zalo.ZaloSummary) -> Image.Image:
    data = zalo.image(summary)
    assert data.startswith(b"\x89PNG")
    picture = Image.open(io.BytesIO(data))
    assert picture.size == (1080, 1080)
    return picture.convert("RGB")


def test_the_image_is_square_and_draws_the_figures() -> None:
    picture = _image(SUMMARY)
    assert picture.getpixel((5, 5)) == zalo.GREEN  # the header band
    # Each figure is drawn: changing one value changes the picture where the
    # figures stand, and only there (not in the header).
    for changed in (
        dataclasses.replace(SUMMARY, ocop_listed=46, ocop_percent=76.7),
        dataclasses.replace(SUMMARY, both=31),
        dataclasses.replace(SUMMARY, orders=57),
        dataclasses.replace(SUMMARY, expiring=4),
    ):
        box = ImageChops.difference(picture, _image(changed)).getbbox()
        assert box is not None, changed
        assert box[1] >= 250
    # The same figures as the text: the image draws figures()[1:] under the headline.
    assert [f.label for f in zalo.figures(SUMMARY)][:2] == [
        "Sản phẩm OCOP đã lên sàn",
        "Có mặt trên cả hai sàn",
    ]


def test_the_page_offers_the_text_and_the_image_of_a_month(sign_in: SignIn) -> None:
    official = sign_in("canbo.khom3")
    month = today().replace(day=1)
    page = official.get("/reports/zalo", headers=HTML)
    assert page.status_code == 200
    message = re.search(
        r'<textarea id="zalo-message"[^>]*>(.*?)</textarea>', page.text, re.S
    )
    assert message is not None
    text = message.group(1)
    assert re.match(r"\[CNCD_[A-Za-z0-9_]+\] Kết quả tháng", text)
    coverage = official.get("/api/v1/reports/coverage").json()
    ocop = coverage["ocop"]
    assert f"Sản phẩm OCOP đã lên sàn: {ocop['listed']}/{ocop['total']}" in text
    assert len(text) <= zalo.MAX_TEXT
    assert "data-copy" in page.text  # the button JavaScript shows
    # The image the page shows (its own address, as a browser asks for it).
    src = re.search(r'<img class="zalo-image" src="([^"]+)"', page.text)
    assert src is not None
    image = official.get(src.group(1).replace("&amp;", "&"))
    assert image.status_code == 200, image.text[:200]
    image = official.get("/reports/zalo.png", params={"month": f"{month:%Y-%m}"})
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (1080, 1080)
    dashboard = official.get("/reports", headers=HTML)
    assert "/reports/zalo?" in dashboard.text


def test_another_areas_month_is_not_shown(sign_in: SignIn) -> None:
    elsewhere = sign_in("canbo.anthuong")
    own = elsewhere.get("/api/v1/me").json()["user"]
    city = sign_in("canbo.khom3").get("/api/v1/me").json()["user"]
    assert own["area_id"] != city["area_id"]
    refused = elsewhere.get(
        "/reports/zalo", params={"area_id": city["area_id"]}, headers=HTML
    )
    assert refused.status_code in (403, 404)
    assert "CNCD_" not in refused.text
