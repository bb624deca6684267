"""Producer pages: the list with search and filters, a producer's page, the add
and edit forms, consent per public field and the e-payment account."""

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import (
    Consent,
    ConsentField,
    PaymentAccount,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from tests.conftest import SignIn
from tests.factories import make_actor, make_listing, make_producer, make_product
from tests.factories import pilot_hamlet as hamlet_named
from tests.refusals import field_error, top_message

HTML = {"accept": "text/html"}
PAGE_BUDGET = 60 * 1024


def form(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Form fields as a browser sends them, with the page's CSRF token."""
    return {"csrf_token": client.headers["X-CSRF-Token"], **fields}


def check_page(html: str) -> None:
    assert re.search(r'<script(?![^>]*\bsrc="/static/)', html) is None
    assert 'style="' not in html
    assert "http://" not in html.split("<body", 1)[0]
    assert len(html.encode()) < PAGE_BUDGET


def fresh(session: Session, producer: Producer) -> Producer:
    session.expire_all()
    found = session.get(Producer, producer.id)
    assert found is not None
    return found


def khom3_producer(session: Session, **kw: Any) -> Producer:
    session.commit()  # the factories' admin and its rows are seen by the app
    producer = make_producer(session, hamlet_named(session, "Khóm 3"), **kw)
    session.commit()
    return producer


# --- the list ------------------------------------------------------------------------


def test_list_searches_without_diacritics_and_stays_in_the_area(
    sign_in: SignIn, session: Session
) -> None:
    ours = khom3_producer(
        session, name="Cơ sở mắm Kế Sách", representative="Lâm Văn Tư"
    )
    theirs = make_producer(
        session, hamlet_named(session, "Ấp An Thường"), name="Cơ sở mắm Kế Sách"
    )
    session.commit()
    client = sign_in("thanhvien.khom3")

    page = client.get("/producers", params={"q": "ke sach"}, headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert f'href="/producers/{ours.id}"' in page.text
    assert f'href="/producers/{theirs.id}"' not in page.text
    assert "Lâm Văn Tư" in page.text
    assert 'value="ke sach"' in page.text

    assert client.get(f"/producers/{theirs.id}", headers=HTML).status_code == 404
    assert client.get(f"/producers/{theirs.id}/edit", headers=HTML).status_code == 404


def test_list_filters_by_kind_payment_and_consent(
    sign_in: SignIn, session: Session
) -> None:
    paid = khom3_producer(session, name="Hộ Lọc Có Ví")
    coop = khom3_producer(session, name="HTX Lọc Thử", kind=ProducerKind.cooperative)
    actor = make_actor(session)
    producer_service.add_payment_account(
        session,
        actor,
        paid,
        provider="viettel_money",
        status=PaymentStatus.open,
        account_number="0971234567",
        sim_in_holder_name=True,
    )
    # An account not yet open does not make "has e-payment".
    producer_service.add_payment_account(
        session, actor, coop, provider="momo", status=PaymentStatus.applied
    )
    producer_service.record_consent(
        session,
        actor,
        coop,
        field=ConsentField.phone,
        granted=True,
        note="Ký phiếu",
    )
    session.commit()
    client = sign_in("canbo.khom3")

    def names(**params: str) -> set[str]:
        html = client.get(
            "/producers", params={"q": "loc", **params}, headers=HTML
        ).text
        return {n for n in ("Hộ Lọc Có Ví", "HTX Lọc Thử") if f">{n}</a>" in html}

    assert names() == {"Hộ Lọc Có Ví", "HTX Lọc Thử"}
    assert names(kind="cooperative") == {"HTX Lọc Thử"}
    assert names(payment="yes") == {"Hộ Lọc Có Ví"}
    assert names(payment="no") == {"HTX Lọc Thử"}
    assert names(consent="yes") == {"HTX Lọc Thử"}
    assert names(consent="no") == {"Hộ Lọc Có Ví"}
    # Withdrawn consent no longer counts.
    producer_service.record_consent(
        session, actor, coop, field=ConsentField.phone, granted=False
    )
    session.commit()
    assert names(consent="yes") == set()
    # Unknown filter values are ignored, not a 422.
    assert names(kind="nope", payment="x") == {"Hộ Lọc Có Ví", "HTX Lọc Thử"}
    html = client.get("/producers", params={"q": "loc", "payment": "yes"}).text
    assert "Viettel Money ••••4567" in html


def test_list_pages_keep_the_filters(sign_in: SignIn, session: Session) -> None:
    for i in range(31):
        khom3_producer(session, name=f"Hộ Trang Thử {i:02d}")
    client = sign_in("totruong.khom3")
    html = client.get("/producers", params={"q": "trang thu"}, headers=HTML).text
    assert "31 chủ thể" in html
    assert 'href="/producers?q=trang+thu&amp;offset=30"' in html
    second = client.get("/producers", params={"q": "trang thu", "offset": 30}).text
    assert second.count('<a href="/producers/') == 1


# --- a producer's page -----------------------------------------------------------------


def test_producer_page_shows_details_products_states_consents_and_account(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(
        session,
        name="Hộ Bà Chín Bánh Pía",
        representative="Trần Thị Chín",
        phone="0912 345 678",
    )
    product = make_product(session, producer, name="Bánh pía môn Bà Chín")
    make_listing(session, product, "voso")
    session.commit()
    client = sign_in("thanhvien.khom3")

    page = client.get(f"/producers/{producer.id}", headers=HTML)
    assert page.status_code == 200
    html = page.text
    check_page(html)
    assert "<h1>Hộ Bà Chín Bánh Pía</h1>" in html
    assert "Hộ sản xuất kinh doanh" in html
    assert "Trần Thị Chín" in html
    assert 'href="tel:+84912345678"' in html
    assert f'href="/products/{product.id}"' in html
    assert "<b>voso.vn</b> Đã lên sàn ✓" in html
    assert "<b>postmart.vn</b> Chưa bắt đầu" in html
    assert "Tên sẽ hiện trên thẻ QR và trang công khai" in html
    assert html.count("Chưa đồng ý</span>") == 3
    assert f'href="/producers/{producer.id}/edit"' in html
    assert "Thêm tài khoản thanh toán" in html
    assert "Chưa ghi tài khoản thanh toán nào." in html


def test_a_read_only_role_sees_no_form_and_its_posts_are_refused(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Chỉ Xem")
    client = sign_in("sct.soctrang")
    listing = client.get("/producers", headers=HTML).text
    assert "/producers/new" not in listing
    html = client.get(f"/producers/{producer.id}", headers=HTML).text
    assert '<form class="form"' not in html
    assert "/edit" not in html
    assert client.get(f"/producers/{producer.id}/edit").status_code == 403
    assert client.get("/producers/new").status_code == 403

    edit = client.post(
        f"/producers/{producer.id}/edit",
        data=form(
            client,
            version=str(producer.version),
            hamlet_id=str(producer.hamlet_id),
            kind="household",
            name="Tên Mới",
        ),
    )
    assert edit.status_code == 403
    consent = client.post(
        f"/producers/{producer.id}/consents",
        data=form(client, field="display_name", granted="true", note="Ký phiếu"),
    )
    assert consent.status_code == 403
    assert fresh(session, producer).name == "Hộ Chỉ Xem"
    assert (
        session.scalars(select(Consent).where(Consent.producer_id == producer.id)).all()
        == []
    )


# --- add and edit -----------------------------------------------------------------------


def test_a_member_adds_a_producer_in_their_hamlet(
    sign_in: SignIn, session: Session
) -> None:
    client = sign_in("thanhvien.khom3")
    hamlet = hamlet_named(session, "Khóm 3")
    blank = client.get("/producers/new", headers=HTML)
    assert blank.status_code == 200
    assert f'name="hamlet_id" value="{hamlet.id}"' in blank.text

    added = client.post(
        "/producers/new",
        data=form(
            client,
            hamlet_id=str(hamlet.id),
            kind="household",
            name="Hộ Ông Mười Khô Cá",
            phone="0909 111 222",
            tax_code="",
        ),
        follow_redirects=False,
    )
    assert added.status_code == 303
    session.expire_all()
    made = session.scalar(select(Producer).where(Producer.name == "Hộ Ông Mười Khô Cá"))
    assert made is not None
    assert made.phone == "+84909111222"
    assert added.headers["location"] == f"/producers/{made.id}?done=producer_created"
    assert "Đã thêm chủ thể." in client.get(added.headers["location"]).text


def test_a_refused_edit_keeps_the_typed_values_beside_their_messages(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Sửa Thử")
    client = sign_in("totruong.khom3")
    edit = client.get(f"/producers/{producer.id}/edit", headers=HTML)
    assert edit.status_code == 200
    assert f'name="version" value="{producer.version}"' in edit.text

    refused = client.post(
        f"/producers/{producer.id}/edit",
        data=form(
            client,
            version=str(producer.version),
            hamlet_id=str(producer.hamlet_id),
            kind="cooperative",
            name="Hộ Sửa Thử Mới",
            representative="Ngô Văn Bảy",
            phone="12ab",
            tax_code="",
        ),
    )
    assert refused.status_code == 422
    html = refused.text
    check_page(html)
    assert "điện thoại" in field_error(html, "phone").lower()
    assert 'value="Hộ Sửa Thử Mới"' in html
    assert 'value="Ngô Văn Bảy"' in html
    assert 'value="12ab"' in html
    assert '<option value="cooperative" selected>' in html
    assert fresh(session, producer).name == "Hộ Sửa Thử"

    saved = client.post(
        f"/producers/{producer.id}/edit",
        data=form(
            client,
            version=str(producer.version),
            hamlet_id=str(producer.hamlet_id),
            kind="cooperative",
            name="Hộ Sửa Thử Mới",
            representative="Ngô Văn Bảy",
            phone="0912 000 111",
            tax_code="",
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/producers/{producer.id}?done=producer_saved"
    now = fresh(session, producer)
    assert (now.name, now.kind) == ("Hộ Sửa Thử Mới", ProducerKind.cooperative)


def test_a_duplicate_name_is_shown_beside_the_name(
    sign_in: SignIn, session: Session
) -> None:
    khom3_producer(session, name="Hộ Trùng Tên")
    producer = khom3_producer(session, name="Hộ Khác Tên")
    client = sign_in("canbo.khom3")
    refused = client.post(
        f"/producers/{producer.id}/edit",
        data=form(
            client,
            version=str(producer.version),
            hamlet_id=str(producer.hamlet_id),
            kind="household",
            name="hộ trùng tên",
        ),
    )
    assert refused.status_code == 409
    assert "Hộ Trùng Tên" in field_error(refused.text, "name")
    assert "Người khác vừa sửa" not in refused.text


def test_a_stale_edit_keeps_the_typed_values_and_shows_the_current_ones(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Hai Người Sửa")
    read_version = producer.version
    producer_service.update_producer(
        session,
        make_actor(session),
        producer.id,
        version=read_version,
        representative="Người Sửa Trước",
    )
    session.commit()
    client = sign_in("totruong.khom3")

    stale = client.post(
        f"/producers/{producer.id}/edit",
        data=form(
            client,
            version=str(read_version),
            hamlet_id=str(producer.hamlet_id),
            kind="household",
            name="Hộ Hai Người Sửa",
            representative="Người Sửa Sau",
            phone="",
        ),
    )
    assert stale.status_code == 409
    html = stale.text
    check_page(html)
    assert "Người khác vừa sửa chủ thể này" in html
    assert 'value="Người Sửa Sau"' in html
    assert "Hiện tại: <b>Người Sửa Trước</b>" in html
    # Only what differs is shown beside: the name is as typed.
    assert 'id="f-name-now"' not in html
    now = fresh(session, producer)
    assert now.representative == "Người Sửa Trước"
    assert f'name="version" value="{now.version}"' in html

    again = client.post(
        f"/producers/{producer.id}/edit",
        data=form(
            client,
            version=str(now.version),
            hamlet_id=str(producer.hamlet_id),
            kind="household",
            name="Hộ Hai Người Sửa",
            representative="Người Sửa Sau",
        ),
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert fresh(session, producer).representative == "Người Sửa Sau"


# --- consent and the account --------------------------------------------------------------


def test_consent_needs_a_note_then_can_be_withdrawn(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Đồng Ý Thử")
    client = sign_in("thanhvien.khom3")
    url = f"/producers/{producer.id}/consents"

    refused = client.post(
        url, data=form(client, field="display_name", granted="true", note="  ")
    )
    assert refused.status_code == 422
    message = field_error(refused.text, "note", prefix="consent-display_name-")
    assert "đồng ý" in message
    assert (
        session.scalars(select(Consent).where(Consent.producer_id == producer.id)).all()
        == []
    )

    granted = client.post(
        url,
        data=form(
            client,
            field="display_name",
            granted="true",
            note="Bà Chín ký phiếu đồng ý ngày 02/03/2026",
        ),
        follow_redirects=False,
    )
    assert granted.status_code == 303
    assert granted.headers["location"] == (
        f"/producers/{producer.id}?done=consent_granted#consent-display_name"
    )
    html = client.get(granted.headers["location"], headers=HTML).text
    assert "Đã ghi nhận sự đồng ý." in html
    assert "Bà Chín ký phiếu đồng ý ngày 02/03/2026" in html
    assert "Rút lại đồng ý" in html
    assert "Tên sẽ không còn hiện trên trang công khai" in html

    withdrawn = client.post(
        url,
        data=form(client, field="display_name", granted="false", note=""),
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    session.expire_all()
    rows = session.scalars(
        select(Consent).where(Consent.producer_id == producer.id).order_by(Consent.id)
    ).all()
    assert [c.granted for c in rows] == [True, False]


def test_accounts_keep_only_the_last_four_and_refusals_stay_beside_the_field(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Ví Thử")
    client = sign_in("totruong.khom3")
    url = f"/producers/{producer.id}/payment-accounts"
    refused = client.post(
        url,
        data=form(
            client,
            provider="vnpt_money",
            status="open",
            account_number="12",
            sim_in_holder_name="yes",
        ),
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "account_number", prefix="a-")
    assert 'value="12"' not in refused.text
    assert '<details id="account-new" open>' in refused.text

    no_sim = client.post(
        url,
        data=form(
            client, provider="vnpt_money", status="open", sim_in_holder_name="no"
        ),
    )
    assert no_sim.status_code == 422
    assert "SIM VinaPhone" in field_error(
        no_sim.text, "sim_in_holder_name", prefix="a-"
    )
    # What was typed stays chosen.
    assert '<option value="no" selected>' in no_sim.text

    saved = client.post(
        url,
        data=form(
            client,
            provider="vnpt_money",
            status="open",
            account_number="0981 234 567",
            sim_in_holder_name="yes",
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    second = client.post(
        url,
        data=form(client, provider="agribank", status="applied"),
        follow_redirects=False,
    )
    assert second.status_code == 303
    session.expire_all()
    accounts = session.scalars(
        select(PaymentAccount)
        .where(PaymentAccount.producer_id == producer.id)
        .order_by(PaymentAccount.id)
    ).all()
    assert [(a.provider, a.last4) for a in accounts] == [
        ("vnpt_money", "4567"),
        ("agribank", None),
    ]
    html = client.get(f"/producers/{producer.id}", headers=HTML).text
    assert "VNPT Money ••••4567" in html
    assert "0981 234 567" not in html
    assert "Đã đăng ký, chờ mở" in html

    bank = accounts[1]
    edit = f"/payment-accounts/{bank.id}"
    stale = client.post(
        edit,
        data=form(client, provider="agribank", status="open", version="9"),
    )
    assert stale.status_code == 409
    assert "<details open>" in stale.text
    assert "vừa được người khác sửa" in top_message(stale.text)
    opened = client.post(
        edit,
        data=form(
            client,
            provider="agribank",
            status="open",
            version=str(bank.version),
            account_number="1900 1234 5678",
        ),
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"].endswith(f"#account-{bank.id}")
    listed = client.get("/producers", params={"q": "vi thu"}, headers=HTML).text
    assert "VNPT Money ••••4567, Agribank ••••5678" in listed
