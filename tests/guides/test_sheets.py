"""How-to sheets: the shipped data, what a broken edit gets, the admins' folder,
the PDFs read back, the pages, and where households and teams meet them."""

import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, A5
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ocop_tracker.cli import app as cli_app
from ocop_tracker.core.config import get_settings
from ocop_tracker.guides import pdf, sheets
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding.models import ListingStatus
from ocop_tracker.producers.models import PaymentKind
from tests.conftest import SignIn
from tests.factories import make_listing, make_producer, make_product, pilot_hamlet

HTML = {"accept": "text/html"}


@pytest.fixture
def fresh_catalog() -> Iterator[None]:
    """Sheets read again for this test (and after it)."""
    sheets.catalog.cache_clear()
    yield
    get_settings.cache_clear()
    sheets.catalog.cache_clear()


def test_every_step_shop_and_payment_kind_has_a_sheet(session: Session) -> None:
    for market, steps in marketplaces.list_marketplaces(session):
        for step in steps:
            if step.retired_on is None:
                assert sheets.find("step", step.code, market.code) is not None, (
                    step.code
                )
        assert sheets.find("shop", "open", market.code) is not None
    for kind in PaymentKind:
        assert sheets.find("payment", kind.value) is not None, kind


def test_shipped_sheets_name_their_sources_and_who_to_ask() -> None:
    catalog = sheets.catalog()
    assert len(catalog) >= 8
    for sheet in catalog.values():
        assert "hỏi cán bộ xã" in sheet.help.lower(), sheet.key
        for source in sheet.sources:
            assert source.date <= dt.date.today(), sheet.key
        for text in (sheet.title, sheet.summary, *sheet.prepare, *sheet.steps):
            assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("key: [", "không đúng cú pháp YAML (dòng 1)"),
        ("- a\n- b\n", "các mục 'tên: giá trị'"),
        ("key: step-x\n", "Loại phiếu (kind: step, shop hoặc payment): còn thiếu"),
        ("key: step-x\nkind: lesson\n", "chọn một trong step, shop, payment"),
        ("key: Step X\n", "Mã phiếu (key): 2–60 ký tự"),
        ("key: step-x\ncolour: red\n", "Mục không dùng đến (colour)"),
        ("x: " + "a" * 70_000, "Tệp quá lớn"),
    ],
)
def test_a_broken_sheet_says_what_to_fix(text: str, words: str) -> None:
    with pytest.raises(sheets.SheetError) as refused:
        sheets.parse(text)
    assert words in str(refused.value)


def _edited(key: str, title: str) -> str:
    text = (sheets.DATA_DIR / f"{key}.yaml").read_text(encoding="utf-8")
    original = sheets.get(key)
    assert original is not None
    return text.replace(f"title: {original.title}", f"title: {title}")


def test_a_control_character_is_refused() -> None:
    text = _edited("step-listing", '"Đăng\\u0007 sản phẩm"')  # a YAML escape
    with pytest.raises(sheets.SheetError, match="ký tự điều khiển"):
        sheets.parse(text)


def test_the_admins_folder_replaces_and_adds_and_skips_a_broken_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_catalog: None
) -> None:
    (tmp_path / "step-listing.yaml").write_text(
        _edited("step-listing", "Đăng sản phẩm lên sàn (bản của tỉnh)"),
        encoding="utf-8",
    )
    voso = _edited("step-listing", "Đăng sản phẩm lên voso.vn").replace(
        "key: step-listing", "key: step-listing-voso\nmarketplace: voso"
    )
    (tmp_path / "voso.yaml").write_text(voso, encoding="utf-8")
    (tmp_path / "pay-bank.yaml").write_text("key: pay-bank\n", encoding="utf-8")
    monkeypatch.setenv("OCOP_GUIDES_DIR", str(tmp_path))
    get_settings.cache_clear()
    sheets.catalog.cache_clear()

    def title(*where: str) -> str:
        found = sheets.find("step", "listing", *where)
        assert found is not None
        return found.title

    assert title() == "Đăng sản phẩm lên sàn (bản của tỉnh)"
    assert title("voso") == "Đăng sản phẩm lên voso.vn"  # its own marketplace first
    assert title("postmart") == "Đăng sản phẩm lên sàn (bản của tỉnh)"
    bank = sheets.get("pay-bank")  # the broken copy is left out: the shipped one stays
    assert bank is not None
    assert bank.title == "Mở tài khoản ngân hàng nhận tiền bán hàng"


@pytest.mark.parametrize(("size", "page"), [("a4", A4), ("a5", A5)])
def test_the_pdf_reads_back_with_its_words_in_order(
    size: pdf.Size, page: tuple[float, float]
) -> None:
    sheet = sheets.get("pay-mobile_money")
    assert sheet is not None
    reader = PdfReader(io.BytesIO(pdf.render(sheet, size)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (
        round(page[0]),
        round(page[1]),
    )
    text = " ".join(
        unicodedata.normalize("NFC", p.extract_text()) for p in reader.pages
    )
    text = " ".join(text.split())
    for words in (
        "Mở tài khoản Mobile Money",
        "Cần chuẩn bị",
        "Các bước",
        "Lỗi thường gặp",
        "hỏi cán bộ xã",
        "27/02/2023",
    ):
        assert words in text, words
    assert text.index("VNPT (VinaPhone)") < text.index("MobiFone: hỏi")
    resources: Any = reader.pages[0]["/Resources"]
    fonts = {str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()}
    assert any("BeVietnamPro" in f for f in fonts), fonts
    assert reader.metadata is not None
    assert reader.metadata.title == "Hướng dẫn · Mở tài khoản Mobile Money"


def test_sheets_open_without_an_account(client: TestClient) -> None:
    listing = client.get("/guides", headers=HTML)
    assert listing.status_code == 200
    for sheet in sheets.catalog().values():
        assert f'href="/guides/{sheet.key}"' in listing.text
    page = client.get("/guides/shop-open", headers=HTML)
    assert page.status_code == 200
    assert "Mở gian hàng của hộ trên sàn" in page.text
    assert 'href="/guides/shop-open.pdf?size=a5"' in page.text
    assert "<script" not in page.text
    assert len(page.content) < 60 * 1024
    printed = client.get("/guides/shop-open.pdf?size=a5")
    assert printed.status_code == 200
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.content.startswith(b"%PDF")
    for missing in ("/guides/no-such-sheet", "/guides/no-such-sheet.pdf"):
        gone = client.get(missing, headers=HTML)
        assert gone.status_code == 404
        assert "Không tìm thấy hướng dẫn" in gone.text
    wrong = client.get("/guides/shop-open.pdf?size=a3", headers=HTML)
    assert wrong.status_code == 422
    assert "<html" in wrong.text


def test_the_check_command_says_whether_an_edit_can_go_live(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(_edited("step-photos", "Chụp ảnh sản phẩm"), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: step-photos\nkind: step\n", encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["guides", "check", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "Phiếu dùng được: step-photos · Chụp ảnh sản phẩm" in ok.output
    refused = runner.invoke(cli_app, ["guides", "check", str(bad)])
    assert refused.exit_code == 1
    assert "Các bước (steps): còn thiếu" in " ".join(refused.output.split())


def test_the_product_page_prints_the_sheet_of_each_step_to_come(
    sign_in: SignIn, session: Session
) -> None:
    producer = make_producer(
        session, pilot_hamlet(session, "Khóm 3"), name="Hộ Bà Chín"
    )
    product = make_product(session, producer, name="Mắm cá linh", stars=3)
    listing = make_listing(
        session, product, "postmart", status=ListingStatus.in_progress
    )
    session.commit()
    sheet = sheets.find("step", listing.next_step or "", "postmart")
    assert sheet is not None
    html = sign_in("thanhvien.khom3").get(f"/products/{product.id}", headers=HTML).text
    assert f'href="/guides/{sheet.key}.pdf?size=a4"' in html
    assert f'href="/guides/{sheet.key}.pdf?size=a5"' in html
