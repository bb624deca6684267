"""The cards PDF itself, with no database: every layout rendered to images and every
QR code decoded with zxing-cpp; text extracted; the font embedded; markup literal."""

import io
import os
import re
import threading
import time
import unicodedata
from typing import Any

import pypdf
import pytest
from pypdf.generic import ContentStream

from ocop_tracker.cards import qr
from ocop_tracker.cards.layout import SPECS, CardData, Layout, render, wrap
from tests.cards.reading import decode_qr

BASE = "https://ocop.soctrang.gov.vn"
NAMES = [
    "Bánh pía sầu riêng trứng muối",
    "Lạp xưởng tươi Vĩnh Châu",
    "Hành tím Vĩnh Châu — loại đặc biệt",
    "Gạo ST25 Trần Đề",
    "<font color=\"[[[getattr(pow, Word('__globals__'))]]]\">x</font>",
    '<img src="/etc/hostname"/> & <b>đậm',
    "Mứt &amp; &lt; <b>me",
    "Nước mắm Ưu Đãi Đặc Sản Đồng Bằng",
    "Mứt gừng Bạc Liêu",
    "Khô cá lóc Ngã Năm",
]


def _cards(count: int) -> list[CardData]:
    cards = []
    for i in range(count):
        url = f"{BASE}/p/{f'Qr{i:04d}'.ljust(22, 'x')}"
        cards.append(
            CardData(
                url=url,
                product_name=NAMES[i % len(NAMES)],
                producer="Hợp tác xã Nông nghiệp Mỹ Phước"
                if i % 2
                else "Hộ sản xuất kinh doanh tại Phường 5",
                place="Phường 5, Tỉnh Sóc Trăng",
                stars=(3, 4, 5, None)[i % 4],
                certificate_note="Giấy chứng nhận OCOP đã hết hạn"
                if i % 4 == 3
                else None,
                marketplaces=("voso.vn", "postmart.vn") if i % 3 else (),
                matrix=qr.make_matrix(url),
            )
        )
    return cards


@pytest.mark.parametrize("layout", list(Layout))
def test_every_code_decodes_to_its_product_url(layout: Layout) -> None:
    count = SPECS[layout].per_page + 3 if layout is not Layout.a6 else 4
    cards = _cards(count)
    pdf = render(cards, layout)
    decoded = decode_qr(pdf)
    assert sorted(decoded) == sorted(c.url for c in cards)
    for text in decoded:
        assert re.fullmatch(rf"{re.escape(BASE)}/p/[A-Za-z0-9_-]{{22,}}", text)


@pytest.mark.parametrize("layout", list(Layout))
def test_names_print_literally_and_intact(layout: Layout) -> None:
    cards = _cards(len(NAMES))
    pdf = render(cards, layout)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in reader.pages
    )
    text = unicodedata.normalize("NFC", text)
    for word in (
        "Bánh",
        "sầu",
        "riêng",
        "trứng",
        "Lạp",
        "xưởng",
        "Vĩnh",
        "Trần",
        "Đề",
        "Ưu",
        "Đặc",
    ):
        assert word in text, word
    assert '<font color="[[[' in text  # sticker lines cut long names with …
    assert 'src="/etc/hostname"' in text
    assert "Mứt &amp; &lt; <b>me" in text  # not unescaped, no bold
    assert "Trang 1/" in text
    assert "Hợp tác xã Nông nghiệp Mỹ Phước" in text
    # No image XObject: nothing was fetched from the file system.
    for page in reader.pages:
        resources: Any = page["/Resources"]
        xobjects = resources.get("/XObject", {}) if resources else {}
        assert not xobjects


def test_font_is_embedded_and_subset() -> None:
    pdf = render(_cards(8), Layout.a4_2x4)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    resources: Any = reader.pages[0]["/Resources"]
    fonts = resources["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        names.append(str(font["/BaseFont"]))
        descendant = font.get("/DescendantFonts")
        descriptor = (
            descendant[0].get_object()["/FontDescriptor"]
            if descendant
            else font["/FontDescriptor"]
        ).get_object()
        assert "/FontFile2" in descriptor  # the TrueType program is in the file
    assert any("BeVietnamPro" in n for n in names)
    # reportlab subsets: a tag like AAAAAA+BeVietnamPro
    assert all(re.match(r"/?[A-Z]{6}\+", n) for n in names)
    assert len(pdf) < 200_000


STAR_PATH = "m" + " l" * 9 + " h f"  # a filled ten-point polygon: one star


def test_stars_are_shapes_and_no_star_glyph_is_needed() -> None:
    cards = _cards(4)  # 3, 4 and 5 stars, then a lapsed certificate: none
    reader = pypdf.PdfReader(io.BytesIO(render(cards, Layout.a6)))  # a card a page
    assert len(reader.pages) == len(cards)
    for card, page in zip(cards, reader.pages, strict=True):
        operators = [
            op.decode()
            for _, op in ContentStream(page.get_contents(), reader).operations
        ]
        drawn = " ".join(operators).count(STAR_PATH)
        assert drawn == (card.stars or 0), card.stars
        assert "★" not in (page.extract_text() or "")


def test_huge_name_is_cut_not_slow() -> None:
    card = _cards(1)[0]
    long_card = CardData(**{**card.__dict__, "product_name": "Bánh " * 20_000})
    pdf = render([long_card], Layout.a4_3x8)
    assert decode_qr(pdf) == [card.url]


def test_wrap_ends_a_cut_text_with_an_ellipsis() -> None:
    lines = wrap("Bánh pía sầu riêng trứng muối " * 10, "BeVietnamPro", 10, 100, 2)
    assert len(lines) == 2
    assert lines[-1].endswith("…")


def test_matrix_keeps_its_quiet_zone_and_minimum_size() -> None:
    for layout, spec in SPECS.items():
        assert spec.qr_mm >= 25, layout
    assert qr.QUIET_ZONE >= 4
    matrix = qr.make_matrix(f"{BASE}/p/{'A' * 22}")
    assert qr.make_matrix(f"{BASE}/p/{'A' * 22}") == matrix  # fixed mask: stable
    rebuilt = qr.pack(matrix.rows())
    assert rebuilt == matrix.bits


def _rss() -> int:
    """The process's resident memory now, in bytes (not its high-water mark)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_thousand_cards_in_bounded_time_and_memory() -> None:
    """SECURITY.md T30: 1,000 cards in < 60 s and < 300 MiB (matrices made here too).

    The memory is the highest resident size sampled while this render runs,
    less the size before it: what the render itself takes, whatever earlier
    tests in the process took.
    """
    before = _rss()
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.005):
            peak = max(peak, _rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    try:
        pdf = render(_cards(1000), Layout.a4_2x4)
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    grown = max(peak, _rss()) - before
    assert seconds < 60
    assert grown < 300 * 1024 * 1024, f"{grown / 2**20:.0f} MiB"
    assert len(pdf) < 3_000_000
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 125
