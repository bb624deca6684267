"""The audit page: admins see everything, the department and officials their
area, team roles nothing (403); filters by who, kind, action and Vietnam days,
kept across pages of 50; each row in Vietnamese with a link to its record."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from sqlalchemy.orm import Session

from ocop_tracker.core import clock
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import Product
from tests.conftest import SignIn
from tests.factories import make_producer, make_product, pilot_hamlet
from tests.refusals import field_error, invalid_fields
from tests.web import test_history_pages as history_pages
from tests.web.test_history_pages import act_as, events_of

HTML = {"accept": "text/html"}
VN = clock.VIETNAM


def check_page(html: str) -> None:
    history_pages.check_page(html, (*history_pages.CODES, "producers<", "create<"))


@dataclass
class Made:
    ours: Producer
    product: Product
    theirs: Producer


@pytest.fixture
def made(session: Session) -> Made:
    """In Khóm 3: a producer made on 2/3/2026 by the team member, its product
    renamed on 9/3/2026 by the official; in Ấp An Thường a producer made today."""
    act_as(session, "thanhvien.khom3")
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN), tick=False):
        ours = make_producer(session, pilot_hamlet(session), name="Hộ Ông Chín")
        product = make_product(session, ours, name="Khô cá sặc Ông Chín")
    official = act_as(session, "canbo.khom3")
    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0, tzinfo=VN), tick=False):
        product = product_service.update_product(
            session,
            official,
            product.id,
            version=product.version,
            name="Khô cá sặc bổi Ông Chín",
        )
    act_as(session, "thanhvien.khom3")
    theirs = make_producer(
        session, pilot_hamlet(session, "Ấp An Thường"), name="Hộ Ấp Xa"
    )
    session.commit()
    return Made(ours, product, theirs)


def test_the_department_sees_its_province_in_vietnamese_with_links(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    client = sign_in("sct.soctrang")
    page = client.get("/audit", headers=HTML)
    assert page.status_code == 200
    check_page(page.text)
    assert 'href="/audit" aria-current="page">Nhật ký</a>' in page.text
    rows = events_of(page.text)
    renamed = next(r for r in rows if "Khô cá sặc bổi" in r and "Sửa" in r)
    assert "Sửa · Sản phẩm" in renamed
    assert (
        f'<a href="/products/{made.product.id}">Khô cá sặc bổi Ông Chín</a>' in renamed
    )
    assert "09:00 09/03/2026" in renamed
    assert act_as(session, "canbo.khom3").display_name in renamed
    assert "Tên sản phẩm: <del>Khô cá sặc Ông Chín</del>" in renamed
    assert f'href="/producers/{made.theirs.id}"' in page.text
    # Newest first.
    assert page.text.index("Hộ Ấp Xa") < page.text.index("09/03/2026")


def test_an_official_sees_only_the_events_of_their_area(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    client = sign_in("canbo.khom3")
    page = client.get("/audit", headers=HTML)
    assert page.status_code == 200
    assert f'href="/producers/{made.ours.id}"' in page.text
    assert f'href="/producers/{made.theirs.id}"' not in page.text
    assert "Hộ Ấp Xa" not in page.text


def test_team_roles_are_refused_and_see_no_link(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    for login in ("thanhvien.khom3", "totruong.khom3"):
        client = sign_in(login)
        assert client.get("/audit", headers=HTML).status_code == 403
        assert 'href="/audit"' not in client.get("/worklist", headers=HTML).text


def test_filters_by_who_kind_action_and_days_are_kept_across_pages(
    sign_in: SignIn, session: Session, made: Made
) -> None:
    client = sign_in("admin")
    by_name = client.get("/audit", params={"q": "can bo khom"}, headers=HTML)
    assert by_name.status_code == 200
    rows = events_of(by_name.text)
    assert rows
    assert all("Khô cá sặc bổi" in r for r in rows)

    products = client.get(
        "/audit", params={"kind": "producers", "action": "create"}, headers=HTML
    )
    rows = events_of(products.text)
    assert rows
    assert all("Thêm mới · Chủ thể" in r for r in rows)
    assert 'value="producers" selected' in products.text

    march = client.get(
        "/audit",
        params={"since": "2026-03-02", "until": "02/03/2026", "kind": "products"},
        headers=HTML,
    )
    rows = events_of(march.text)
    assert len(rows) == 1
    assert "Thêm mới · Sản phẩm" in rows[0]
    assert "02/03/2026" in rows[0]

    team_member = act_as(session, "thanhvien.khom3")
    producer = made.ours
    for n in range(55):
        producer = producer_service.update_producer(
            session,
            team_member,
            producer.id,
            version=producer.version,
            representative=f"Người đại diện {n}",
        )
    session.commit()
    first = client.get(
        "/audit", params={"kind": "producers", "action": "update"}, headers=HTML
    )
    assert len(events_of(first.text)) == 50
    assert 'href="/audit?kind=producers&amp;action=update&amp;offset=50"' in first.text
    second = client.get(
        "/audit",
        params={"kind": "producers", "action": "update", "offset": 50},
        headers=HTML,
    )
    assert len(events_of(second.text)) == 5
    assert "Người đại diện: <del>(trống)</del> → <ins>Người đại diện 0</ins>" in (
        second.text
    )


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"since": "32/01/2026"}, "since", "không hợp lệ"),
        ({"since": "2026-03-09", "until": "2026-03-02"}, "until", "không được trước"),
    ],
)
def test_a_bad_day_is_refused_beside_its_field(
    sign_in: SignIn,
    session: Session,
    made: Made,
    params: dict[str, str],
    field: str,
    message: str,
) -> None:
    client = sign_in("sct.soctrang")
    page = client.get("/audit", params=params, headers=HTML)
    assert page.status_code == 422
    assert message in field_error(page.text, field)
    assert invalid_fields(page.text) == {field}
    for value in params.values():
        assert f'value="{value}"' in page.text
