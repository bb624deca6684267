"""Printing cards through the API, the print page and the command line, on the real
database: scope, limits, consent, kept QR matrices, decoding every code."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.cards import qr, service
from ocop_tracker.core.clock import today
from ocop_tracker.core.config import get_settings
from ocop_tracker.producers.models import ConsentField
from ocop_tracker.products.models import Product
from ocop_tracker.public.models import ProductScanDay, QrMatrix
from tests.cards.reading import decode_qr, pdf_text
from tests.conftest import SignIn
from tests.factories import make_listing, make_product
from tests.public.conftest import an_thuong, canary_producer, consent, khom3


def _codes_under(session: Session, hamlet_id: int) -> set[str]:
    return set(
        session.scalars(
            select(Product.public_code).where(Product.hamlet_id == hamlet_id)
        )
    )


@pytest.mark.parametrize("layout", ["a4-2x4", "a4-3x8", "a6"])
def test_official_prints_the_hamlet_and_every_code_decodes(
    sign_in: SignIn, session: Session, layout: str
) -> None:
    hamlet = khom3(session)
    product = make_product(
        session, canary_producer(session, hamlet), name="Bánh pía Tân Huê Viên", stars=4
    )
    make_listing(session, product, "voso")
    session.commit()
    client = sign_in("canbo.khom3")

    response = client.get(
        "/api/v1/cards.pdf",
        params={"area_id": hamlet.id, "layout": layout},
        headers={"Host": "localhost"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    base = get_settings().public_base_url
    expected = {f"{base}/p/{code}" for code in _codes_under(session, hamlet.id)}
    decoded = decode_qr(response.content)
    assert len(decoded) == len(expected) == int(response.headers["x-card-count"])
    assert set(decoded) == expected  # the configured base URL, never the Host
    text = pdf_text(response.content)
    assert "Bánh pía Tân Huê Viên" in text
    assert "voso.vn" in text


def test_selection_by_product_ids_and_consent_on_the_card(
    sign_in: SignIn, session: Session
) -> None:
    producer = canary_producer(session, khom3(session), name="Hộ Ông Bảy Riêng Tư")
    product = make_product(session, producer, stars=4)
    session.commit()
    client = sign_in("thanhvien.khom3")

    pdf = client.get(
        "/api/v1/cards.pdf", params={"product_ids": str(product.id)}
    ).content
    assert "Hộ Ông Bảy Riêng Tư" not in pdf_text(pdf)
    assert "Hộ sản xuất kinh doanh tại Phường Sóc Trăng" in pdf_text(pdf)

    consent(session, producer, ConsentField.display_name, True)
    session.commit()
    pdf = client.get(
        "/api/v1/cards.pdf", params={"product_ids": [str(product.id)], "layout": "a6"}
    ).content
    assert "Hộ Ông Bảy Riêng Tư" in pdf_text(pdf)
    assert decode_qr(pdf) == [
        f"{get_settings().public_base_url}/p/{product.public_code}"
    ]


def test_qr_matrix_is_made_once_and_remade_for_a_new_base_url(
    sign_in: SignIn, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    client = sign_in("totruong.khom3")
    assert (
        client.get("/api/v1/cards.pdf", params={"product_ids": product.id}).status_code
        == 200
    )
    kept = session.get(QrMatrix, product.id)
    assert kept is not None
    first_at = kept.created_at

    calls: list[str] = []
    real = qr.make_matrix

    def counted(url: str) -> qr.Matrix:
        calls.append(url)
        return real(url)

    monkeypatch.setattr(qr, "make_matrix", counted)
    assert (
        client.get("/api/v1/cards.pdf", params={"product_ids": product.id}).status_code
        == 200
    )
    assert calls == []  # read back, not made again

    monkeypatch.setattr(get_settings(), "public_base_url", "https://ocop.example.vn")
    pdf = client.get("/api/v1/cards.pdf", params={"product_ids": product.id}).content
    assert calls == [f"https://ocop.example.vn/p/{product.public_code}"]
    assert decode_qr(pdf) == calls
    session.expire_all()
    kept = session.get(QrMatrix, product.id)
    assert kept is not None
    assert kept.payload == calls[0]
    assert kept.created_at >= first_at


def test_outside_the_area_is_404_and_audited(sign_in: SignIn, session: Session) -> None:
    outside = make_product(
        session, canary_producer(session, an_thuong(session)), stars=4
    )
    session.commit()
    client = sign_in("canbo.khom3")
    denials = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "denied")
    )

    assert (
        client.get("/api/v1/cards.pdf", params={"product_ids": outside.id}).status_code
        == 404
    )
    assert (
        client.get(
            "/api/v1/cards.pdf", params={"area_id": an_thuong(session).id}
        ).status_code
        == 404
    )
    assert (
        client.get("/api/v1/cards.pdf", params={"product_ids": 987654321}).status_code
        == 404
    )
    after = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "denied")
    )
    assert after == (denials or 0) + 2
    inside_area = khom3(session).id
    mixed = client.get(
        "/api/v1/cards.pdf", params={"area_id": inside_area, "product_ids": outside.id}
    )
    assert mixed.status_code == 404


def test_bad_requests_are_clear_4xx(
    sign_in: SignIn, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in("canbo.khom3")
    hamlet = khom3(session)
    assert client.get("/api/v1/cards.pdf").status_code == 422  # nothing chosen
    unknown = client.get(
        "/api/v1/cards.pdf", params={"area_id": hamlet.id, "layout": "a3-1x1"}
    )
    assert unknown.status_code == 422
    assert "a4-2x4" in unknown.json()["detail"]
    assert (
        client.get("/api/v1/cards.pdf", params={"product_ids": "1,x"}).status_code
        == 422
    )
    assert client.get("/api/v1/cards.pdf", params={"area_id": 0}).status_code == 422

    monkeypatch.setattr(service, "MAX_CARDS", 2)
    too_many = client.get("/api/v1/cards.pdf", params={"area_id": hamlet.id})
    assert too_many.status_code == 413
    assert "tối đa 2 thẻ" in too_many.json()["detail"]
    ids = ",".join(str(i) for i in range(1, 10))
    assert (
        client.get("/api/v1/cards.pdf", params={"product_ids": ids}).status_code == 413
    )


def test_more_ids_than_the_limit_are_refused_before_any_work(sign_in: SignIn) -> None:
    client = sign_in("canbo.khom3")
    ids = ",".join(str(i) for i in range(1, service.MAX_CARDS + 2))
    response = client.get("/api/v1/cards.pdf", params={"product_ids": ids})
    assert response.status_code == 413


def test_batches_per_user_are_limited(
    sign_in: SignIn, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCHES_PER_HOUR", 2)
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.commit()
    client = sign_in("thanhvien.khom3")
    params = {"product_ids": product.id}
    assert client.get("/api/v1/cards.pdf", params=params).status_code == 200
    assert client.get("/api/v1/cards.pdf", params=params).status_code == 200
    refused = client.get("/api/v1/cards.pdf", params=params)
    assert refused.status_code == 429
    assert refused.headers["retry-after"]


def test_print_page_works_without_script(sign_in: SignIn, session: Session) -> None:
    client = sign_in("canbo.khom3")
    hamlet = khom3(session)
    page = client.get("/cards")
    assert page.status_code == 200
    assert "In thẻ QR sản phẩm" in page.text
    assert f'href="/cards?area_id={hamlet.id}"' in page.text  # drill down to the hamlet

    form = client.get(f"/cards?area_id={hamlet.id}")
    assert 'action="/cards/pdf"' in form.text
    assert 'name="product_ids"' in form.text

    pdf = client.get("/cards/pdf", params={"area_id": hamlet.id, "layout": "a4-3x8"})
    assert pdf.headers["content-type"] == "application/pdf"
    bad = client.get(
        "/cards/pdf",
        params={"area_id": hamlet.id, "layout": "x"},
        headers={"Accept": "text/html"},
    )
    assert bad.status_code == 422
    assert "Không có khổ in" in bad.text
    assert (
        client.get(
            f"/cards?area_id={an_thuong(session).id}", headers={"Accept": "text/html"}
        ).status_code
        == 404
    )


def test_product_page_shows_the_qr_block_and_daily_scans(
    sign_in: SignIn, session: Session
) -> None:
    product = make_product(session, canary_producer(session, khom3(session)), stars=4)
    session.add(ProductScanDay(product_id=product.id, day=today(), count=7))
    session.commit()
    page = sign_in("totruong.khom3").get(f"/products/{product.id}")
    assert page.status_code == 200
    assert f'href="/p/{product.public_code}"' in page.text
    assert "Lượt quét mã: <b>7</b>" in page.text


def test_cli_prints_the_pilot_hamlet(tmp_path: Path) -> None:
    """The command line against the run's database (demo data, committed)."""
    from ocop_tracker.cli import app

    out = tmp_path / "khom3.pdf"
    result = CliRunner().invoke(
        app, ["cards", "--area", "Khóm 3", "--layout", "a4-2x4", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    decoded = decode_qr(out.read_bytes())
    assert decoded
    assert all(d.startswith(f"{get_settings().public_base_url}/p/") for d in decoded)
    ambiguous = CliRunner().invoke(app, ["cards", "--area", "Ấp", "-o", str(out)])
    assert ambiguous.exit_code == 2
