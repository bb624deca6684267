""" "Lịch sử" pages of a product, a producer, a listing and a certificate: who
changed what, when (Vietnam time), before → after in Vietnamese words, scoped,
paged, batched; and the record as it stood on a past date."""

import datetime as dt
import re
from dataclasses import dataclass

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.audit import context as audit_context
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.core import clock
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import Certificate, Product
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from ocop_tracker.web.render import local_time
from tests.conftest import SignIn
from tests.factories import (
    make_certificate,
    make_listing,
    make_producer,
    make_product,
    pilot_hamlet,
)
from tests.onboarding.test_worklist import statements
from tests.refusals import field_error, invalid_fields
from tests.web.scripts import without_outbox

HTML = {"accept": "text/html"}
PAGE_BUDGET = 60 * 1024
VN = clock.VIETNAM
THEN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)


def act_as(session: Session, login: str) -> User:
    """The account ``login``, acting in the session from now on."""
    user = user_repository.by_login(session, login)
    assert user is not None
    audit_context.set_actor(session, actor_id=user.id, actor_login=user.login)
    return user


def member(session: Session) -> User:
    """The team member of Khóm 3, acting in the session from now on."""
    return act_as(session, "thanhvien.khom3")


def events_of(html: str) -> list[str]:
    """The events a history page lists, newest first, each as its HTML."""
    return html.split("<li>\n    <b>")[1:]


CODES = ("_id", "ocop</", "household", "in_progress", "listed<", "update<", "None")


CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]*"')


def check_page(html: str, codes: tuple[str, ...] = CODES) -> None:
    """Phone-sized, no script of its own (a team page carries the outbox's), no
    code or UTC shown to people.

    The forms' CSRF token is random text, read past: it may spell anything.
    """
    assert len(html.encode()) < PAGE_BUDGET
    assert "<script" not in without_outbox(html)
    html = CSRF_VALUE.sub(r'\1"', html)
    assert "UTC" not in html
    body = html.split("<main", 1)[1]
    for code in codes:
        assert code not in body, code


@dataclass
class Made:
    producer: Producer
    product: Product
    certificate: Certificate
    outside: Product


@pytest.fixture
def made(session: Session) -> Made:
    """A product made on 2/3/2026 in Khóm 3, its price and name changed today by
    the team member; one product in another hamlet."""
    with time_machine.travel(THEN, tick=False):
        producer = make_producer(session, pilot_hamlet(session), name="Hộ Bà Bảy")
        product = make_product(session, producer, name="Mắm cá linh Bà Bảy")
        product = product_service.update_product(
            session, member(session), product.id, version=product.version, price=70000
        )
        certificate = make_certificate(session, product, stars=4)
    product = product_service.update_product(
        session,
        member(session),
        product.id,
        version=product.version,
        name="Mắm cá linh Bà Bảy Châu Thành",
        price=75000,
    )
    far = make_producer(session, pilot_hamlet(session, "Ấp An Thường"))
    outside = make_product(session, far, name="Mắm ở ấp khác")
    session.commit()
    return Made(producer, product, certificate, outside)


def test_a_product_history_says_who_changed_what_when_in_vietnamese(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    client = sign_in("thanhvien.khom3")
    product_page = client.get(f"/products/{made.product.id}", headers=HTML)
    assert f'href="/products/{made.product.id}/history"' in product_page.text

    page = client.get(f"/products/{made.product.id}/history", headers=HTML)
    assert page.status_code == 200
    html = page.text
    check_page(html)
    edit = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "products")
        .where(AuditEvent.object_id == str(made.product.id))
        .order_by(AuditEvent.id.desc())
    ).first()
    assert edit is not None
    newest = events_of(html)[0]
    assert "Sửa · Sản phẩm" in newest
    assert local_time(edit.at) in newest  # Vietnam clock time
    assert member(session).display_name in newest
    assert "Tên sản phẩm: <del>Mắm cá linh Bà Bảy</del>" in newest
    assert "<ins>Mắm cá linh Bà Bảy Châu Thành</ins>" in newest
    assert "Giá bán: <del>70.000 đ</del> → <ins>75.000 đ</ins>" in newest
    # Its certificate's events are part of it, in words.
    assert "Thêm mới · Giấy chứng nhận OCOP" in html
    assert "Cấp công nhận:" in html
    assert "Loại sản phẩm: Sản phẩm OCOP" in html
    assert "Khóm/ấp: Khóm 3" in html


def test_history_is_scoped_out_of_area_looks_missing(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    team = sign_in("thanhvien.khom3")
    for url in (
        f"/products/{made.outside.id}/history",
        f"/producers/{made.outside.producer_id}/history",
        f"/products/{made.product.id}/certificates/999999/history",
        "/products/999999/history",
    ):
        assert team.get(url, headers=HTML).status_code == 404, url
    department = sign_in("sct.soctrang")
    assert (
        department.get(f"/products/{made.outside.id}/history", headers=HTML).status_code
        == 200
    )


def test_a_product_as_it_was_on_a_past_day(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    client = sign_in("thanhvien.khom3")
    url = f"/products/{made.product.id}/history"
    page = client.get(url, params={"as_of": "2026-03-02"}, headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    then = page.text.split("Cuối ngày 02/03/2026", 1)[1].split("</section>", 1)[0]
    assert "<dd>Mắm cá linh Bà Bảy</dd>" in then
    assert "<dd>70.000 đ</dd>" in then
    assert "<dd>4 sao</dd>" in then
    assert "Châu Thành" not in then
    assert 'value="2026-03-02"' in page.text

    # The day typed as people write it too.
    typed = client.get(url, params={"as_of": "02/03/2026"}, headers=HTML)
    assert "<dd>Mắm cá linh Bà Bảy</dd>" in typed.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("tomorrow", "không được sau ngày hôm nay"),
        ("31/02/2026", "không hợp lệ"),
        ("2025-01-01", "chưa có vào ngày 01/01/2025"),
    ],
)
def test_a_future_invalid_or_too_early_day_is_refused_beside_the_field(
    sign_in: SignIn, session: Session, made: Made, typed: str, message: str
) -> None:
    if typed == "tomorrow":
        typed = (clock.today() + dt.timedelta(days=1)).isoformat()
    client = sign_in("thanhvien.khom3")
    page = client.get(
        f"/products/{made.product.id}/history", params={"as_of": typed}, headers=HTML
    )
    assert page.status_code == 422
    assert message in field_error(page.text, "as_of")
    assert invalid_fields(page.text) == {"as_of"}
    assert f'value="{typed}"' in page.text
    assert "Cuối ngày" not in page.text
    assert "Sửa · Sản phẩm" in page.text  # the history still shows


def test_a_producer_history_and_the_producer_on_a_past_day(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    producer_service.update_producer(
        session,
        member(session),
        made.producer.id,
        version=made.producer.version,
        kind=ProducerKind.cooperative,
        representative="Trần Thị Bảy",
    )
    session.commit()
    client = sign_in("thanhvien.khom3")
    detail = client.get(f"/producers/{made.producer.id}", headers=HTML)
    assert f'href="/producers/{made.producer.id}/history"' in detail.text

    page = client.get(
        f"/producers/{made.producer.id}/history",
        params={"as_of": "2026-03-02"},
        headers=HTML,
    )
    assert page.status_code == 200
    check_page(page.text)
    assert (
        "Loại chủ thể: <del>Hộ sản xuất kinh doanh</del> → <ins>Hợp tác xã</ins>"
        in page.text
    )
    assert "Người đại diện: <del>(trống)</del> → <ins>Trần Thị Bảy</ins>" in page.text
    then = page.text.split("Cuối ngày 02/03/2026", 1)[1].split("</section>", 1)[0]
    assert "<dd>Hộ sản xuất kinh doanh</dd>" in then
    assert "Trần Thị Bảy" not in then


def test_a_listing_history_names_steps_and_states_never_codes(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    listing = make_listing(session, made.product, "voso", actor=member(session))
    session.commit()
    client = sign_in("canbo.khom3")
    page = client.get(f"/listings/{listing.id}/history", headers=HTML)
    assert page.status_code == 200
    html = page.text
    check_page(html)
    assert "Mắm cá linh Bà Bảy Châu Thành — " in html
    assert "Trạng thái: <del>Chờ xác minh</del> → <ins>Đã lên sàn</ins>" in html
    assert "Thêm mới · Bước lên sàn" in html
    assert "Xác minh lên sàn" in html
    assert re.search(r"Bước: [A-ZĐÁÀẢÃẠ]", html)  # a step's name, not its code
    assert "Bước: (trống)" not in html
    today = client.get(
        f"/listings/{listing.id}/history",
        params={"as_of": clock.today().isoformat()},
        headers=HTML,
    )
    assert "<dd>Đã lên sàn</dd>" in today.text


def test_a_certificate_history(sign_in: SignIn, session: Session, made: Made) -> None:
    client = sign_in("thanhvien.khom3")
    page = client.get(
        f"/products/{made.product.id}/certificates/{made.certificate.id}/history",
        headers=HTML,
    )
    assert page.status_code == 200
    check_page(page.text)
    assert "Hạng sao: 4" in page.text
    assert "Số quyết định:" in page.text
    assert "Xem lại như vào một ngày" not in page.text


def _edit(session: Session, product: Product, times: int) -> Product:
    for n in range(times):
        product = product_service.update_product(
            session,
            member(session),
            product.id,
            version=product.version,
            price=80000 + n,
            description=f"Lần sửa {n}",
        )
    session.commit()
    return product


def test_a_history_page_is_paged_and_costs_the_same_statements_when_full(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    client = sign_in("thanhvien.khom3")
    url = f"/products/{made.product.id}/history"
    product = _edit(session, made.product, 25)
    client.get(url, headers=HTML)
    with statements(session) as one_page:
        client.get(url, headers=HTML)
    _edit(session, product, 40)
    with statements(session) as three_pages:
        page = client.get(url, headers=HTML)
    assert len(three_pages) == len(one_page)
    assert len(events_of(page.text)) == 20
    assert f'href="{url}?offset=20"' in page.text
    second = client.get(url, params={"offset": 20, "as_of": "2026-03-02"}, headers=HTML)
    assert "Mới hơn" in second.text
    assert f"{url}?as_of=2026-03-02&amp;offset=0" in second.text
