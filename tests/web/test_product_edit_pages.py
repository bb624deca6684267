"""Editing a product and its certificates on the pages: every field, refusals
beside their fields, a stale version keeps what was typed, revocation."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.products.models import Certificate, Product, ProductKind
from tests.conftest import SignIn
from tests.factories import (
    make_certificate,
    make_producer,
    make_product,
    pilot_hamlet,
)
from tests.refusals import field_error, invalid_fields

HTML = {"accept": "text/html"}


@dataclass
class Made:
    product: Product
    certificate: Certificate
    outside: Product


@pytest.fixture
def made(session: Session) -> Made:
    """A 4-star product in Khóm 3 (the team's hamlet), and one in Ấp An Thường."""
    producer = make_producer(session, pilot_hamlet(session), name="Hộ Bà Tư Sửa")
    product = make_product(session, producer, name="Bánh pía Bà Tư")
    certificate = make_certificate(session, product, stars=4)
    far = make_producer(session, pilot_hamlet(session, "Ấp An Thường"))
    outside = make_product(session, far, name="Bánh ở ấp khác")
    session.commit()
    return Made(product, certificate, outside)


def form(client: TestClient, **fields: Any) -> dict[str, Any]:
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


def product_fields(product: Product, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with ``changes`` typed over it."""
    values = {
        "version": str(product.version),
        "name": product.name,
        "kind": product.kind.value,
        "group_id": "",
        "subgroup_id": "",
        "unit": product.unit or "",
        "price": "",
        "description": product.description or "",
        "gtin": product.gtin or "",
    }
    return {**values, **changes}


def reload(session: Session, model: Any, ident: int) -> Any:
    session.expire_all()
    return session.get(model, ident)


def test_a_team_member_edits_every_field_and_the_public_page_shows_the_new_name(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    page = member.get(f"/products/{made.product.id}", headers=HTML)
    assert f'href="/products/{made.product.id}/edit"' in page.text
    edit = member.get(f"/products/{made.product.id}/edit", headers=HTML)
    assert edit.status_code == 200
    assert 'name="version"' in edit.text
    assert "Bánh pía Bà Tư" in edit.text
    assert f"/certificates/{made.certificate.id}/edit" in edit.text
    saved = member.post(
        f"/products/{made.product.id}/edit",
        data=form(
            member,
            **product_fields(
                made.product,
                name="Bánh pía sầu riêng Bà Tư",
                unit="hộp 500 g",
                price="75.000",
                description="Nhân sầu riêng, trứng muối.",
                gtin="",
            ),
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    # A new name: the cards printed before carry the old one.
    assert saved.headers["location"] == (
        f"/products/{made.product.id}/reprint?done=product_renamed"
    )
    product = reload(session, Product, made.product.id)
    assert product.name == "Bánh pía sầu riêng Bà Tư"
    assert product.unit == "hộp 500 g"
    assert int(product.price) == 75000
    assert product.description == "Nhân sầu riêng, trứng muối."
    reprint = member.get(saved.headers["location"], headers=HTML)
    assert reprint.status_code == 200
    assert "Thẻ QR đã in vẫn ghi tên cũ" in reprint.text
    assert f"/cards/pdf?product_ids={product.id}&amp;layout=a6" in reprint.text
    assert f'/cards?area_id={product.hamlet_id}"' in reprint.text
    public = member.get(f"/p/{product.public_code}", headers=HTML)
    assert public.status_code == 200
    assert "Bánh pía sầu riêng Bà Tư" in public.text


def test_saving_without_a_new_name_goes_back_to_the_product(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    saved = member.post(
        f"/products/{made.product.id}/edit",
        data=form(member, **product_fields(made.product, unit="kg")),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == (
        f"/products/{made.product.id}?done=product_saved"
    )
    page = member.get(saved.headers["location"], headers=HTML)
    assert "Đã lưu sản phẩm." in page.text


def test_a_refused_edit_keeps_every_typed_value_with_the_message_beside_the_field(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    refused = member.post(
        f"/products/{made.product.id}/edit",
        data=form(
            member,
            **product_fields(
                made.product,
                name="Tên mới chưa lưu",
                price="bảy mươi nghìn",
                description="Mô tả đang gõ",
            ),
        ),
    )
    assert refused.status_code == 422
    html = refused.text
    assert "Giá phải là số đồng" in field_error(html, "price")
    assert invalid_fields(html) == {"price"}
    assert 'value="Tên mới chưa lưu"' in html
    assert 'value="bảy mươi nghìn"' in html
    assert "Mô tả đang gõ</textarea>" in html
    assert reload(session, Product, made.product.id).name == "Bánh pía Bà Tư"


def test_a_product_with_a_certificate_stays_ocop(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    refused = member.post(
        f"/products/{made.product.id}/edit",
        data=form(
            member, **product_fields(made.product, kind=ProductKind.agricultural.value)
        ),
    )
    assert refused.status_code == 422
    assert "giấy chứng nhận OCOP" in field_error(refused.text, "kind")


def test_someone_else_saved_first_keeps_the_typed_values_and_shows_the_current_ones(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    stale = product_fields(made.product, name="Tên tôi đang gõ", unit="gói")
    first = member.post(
        f"/products/{made.product.id}/edit",
        data=form(member, **product_fields(made.product, unit="hộp thiếc")),
        follow_redirects=False,
    )
    assert first.status_code == 303
    second = member.post(
        f"/products/{made.product.id}/edit", data=form(member, **stale)
    )
    assert second.status_code == 409
    html = second.text
    assert "người khác đã lưu sản phẩm này" in html
    assert "phiên bản" not in html  # no version numbers for people
    assert 'value="Tên tôi đang gõ"' in html
    assert 'value="gói"' in html
    assert "Đang lưu" in html
    assert "hộp thiếc" in html  # the other person's value, shown
    current = reload(session, Product, made.product.id)
    assert f'name="version" value="{current.version}"' in html
    assert current.unit == "hộp thiếc"
    # Saving again, knowingly, overwrites.
    again = member.post(
        f"/products/{made.product.id}/edit",
        data=form(member, **{**stale, "version": str(current.version)}),
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert reload(session, Product, made.product.id).name == "Tên tôi đang gõ"


def test_read_only_roles_see_no_edit_button_and_get_403(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    department = sign_in("sct.soctrang")
    page = department.get(f"/products/{made.product.id}", headers=HTML)
    assert page.status_code == 200
    assert f"/products/{made.product.id}/edit" not in page.text
    assert department.get(f"/products/{made.product.id}/edit").status_code == 403
    refused = department.post(
        f"/products/{made.product.id}/edit",
        data=form(department, **product_fields(made.product, name="Không được")),
    )
    assert refused.status_code == 403
    cert_url = f"/products/{made.product.id}/certificates/{made.certificate.id}"
    assert department.get(f"{cert_url}/edit").status_code == 403
    assert (
        department.post(
            f"{cert_url}/revoke",
            data=form(
                department,
                version=str(made.certificate.version),
                revoked_on=clock.today().isoformat(),
                reason="Không được",
            ),
        ).status_code
        == 403
    )
    assert reload(session, Product, made.product.id).name == "Bánh pía Bà Tư"
    assert reload(session, Certificate, made.certificate.id).revoked_on is None


def test_products_outside_ones_area_are_not_found(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    assert member.get(f"/products/{made.outside.id}/edit").status_code == 404
    assert (
        member.post(
            f"/products/{made.outside.id}/edit",
            data=form(member, **product_fields(made.outside, name="Không thấy")),
        ).status_code
        == 404
    )
    # A certificate under another product is not found either.
    assert (
        member.get(
            f"/products/{made.outside.id}/certificates/{made.certificate.id}/edit"
        ).status_code
        == 404
    )


# --- certificates ---------------------------------------------------------------


def cert_fields(cert: Certificate, **changes: str) -> dict[str, str]:
    values = {
        "version": str(cert.version),
        "stars": str(cert.stars),
        "score": "",
        "decision_number": cert.decision_number,
        "decision_date": cert.decision_date.isoformat(),
        "authority": cert.authority,
        "level": cert.level.value,
        "expires_on": cert.expires_on.isoformat(),
    }
    return {**values, **changes}


def test_a_certificate_is_corrected_and_a_default_expiry_moves_with_its_date(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    url = f"/products/{made.product.id}/certificates/{made.certificate.id}/edit"
    page = member.get(url, headers=HTML)
    assert page.status_code == 200
    assert made.certificate.decision_number in page.text
    new_date = made.certificate.decision_date - dt.timedelta(days=10)
    saved = member.post(
        url,
        data=form(
            member,
            **cert_fields(
                made.certificate,
                decision_number="77/QĐ-UBND",
                decision_date=f"{new_date:%d/%m/%Y}",
                score="72",
            ),
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith("done=certificate_saved")
    cert = reload(session, Certificate, made.certificate.id)
    assert cert.decision_number == "77/QĐ-UBND"
    assert cert.decision_date == new_date
    assert cert.score == 72
    assert cert.expires_on != made.certificate.expires_on  # moved with the date


def test_a_refused_certificate_keeps_the_typed_values(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    url = f"/products/{made.product.id}/certificates/{made.certificate.id}/edit"
    tomorrow = clock.today() + dt.timedelta(days=1)
    refused = member.post(
        url,
        data=form(
            member,
            **cert_fields(
                made.certificate,
                decision_number="88/QĐ-UBND",
                decision_date=tomorrow.isoformat(),
            ),
        ),
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "decision_date")
    assert invalid_fields(refused.text) == {"decision_date"}
    assert 'value="88/QĐ-UBND"' in refused.text
    assert f'value="{tomorrow.isoformat()}"' in refused.text
    stale = member.post(
        url,
        data=form(member, **cert_fields(made.certificate, version="999", score="61")),
    )
    assert stale.status_code == 409
    assert "người khác đã lưu giấy chứng nhận này" in stale.text
    assert 'value="61"' in stale.text


def test_a_certificate_is_revoked_after_a_confirmation(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    member = sign_in("thanhvien.khom3")
    url = f"/products/{made.product.id}/certificates/{made.certificate.id}/revoke"
    page = member.get(url, headers=HTML)
    assert page.status_code == 200
    assert "Thu hồi giấy chứng nhận" in page.text
    refused = member.post(
        url,
        data=form(
            member,
            version=str(made.certificate.version),
            revoked_on=clock.today().isoformat(),
            reason="",
        ),
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "reason")
    done = member.post(
        url,
        data=form(
            member,
            version=str(made.certificate.version),
            revoked_on=clock.today().isoformat(),
            reason="Theo Quyết định 98/QĐ-UBND",
        ),
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].endswith("done=certificate_revoked")
    cert = reload(session, Certificate, made.certificate.id)
    assert cert.revoked_on == clock.today()
    assert cert.revoke_reason == "Theo Quyết định 98/QĐ-UBND"
    again = member.get(url, headers=HTML)
    assert "đã thu hồi từ ngày" in again.text
    assert 'action="' + url not in again.text
