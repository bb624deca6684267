"""A form sent again after its answer was lost (issue #15 item 3): the same
user posting the same values with the version read before is a success, not
"someone else edited it"; other values, or another user, are still a 409 that
keeps what was typed."""

from sqlalchemy.orm import Session

from ocop_tracker.products.models import Product
from tests.conftest import SignIn
from tests.factories import make_product
from tests.web.test_producer_pages import form, fresh, khom3_producer
from tests.web.test_product_edit_pages import product_fields


def test_a_product_edit_sent_again_by_its_writer_is_saved_once(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Gửi Lại")
    product = make_product(session, producer, name="Mắm gửi lại")
    session.commit()
    pid = product.id
    sent = product_fields(
        product, unit="hũ", price="75.000", description="Mắm  cá linh"
    )
    member = sign_in("thanhvien.khom3")
    url = f"/products/{pid}/edit"
    first = member.post(url, data=form(member, **sent), follow_redirects=False)
    assert first.status_code == 303, first.text
    session.expire_all()
    saved = session.get_one(Product, pid)
    version = saved.version
    assert saved.unit == "hũ"
    assert int(saved.price or 0) == 75000
    again = member.post(url, data=form(member, **sent), follow_redirects=False)
    assert again.status_code == 303, again.text
    assert again.headers["location"] == first.headers["location"]
    session.expire_all()
    assert session.get_one(Product, pid).version == version
    changed = member.post(url, data=form(member, **{**sent, "unit": "chai"}))
    assert changed.status_code == 409
    assert 'value="chai"' in changed.text
    leader = sign_in("totruong.khom3")
    other = leader.post(url, data=form(leader, **sent))
    assert other.status_code == 409
    assert 'value="hũ"' in other.text


def test_a_producer_edit_sent_again_by_its_writer_is_saved_once(
    sign_in: SignIn, session: Session
) -> None:
    producer = khom3_producer(session, name="Hộ Sửa Hai Lần")
    sent = {
        "version": str(producer.version),
        "hamlet_id": str(producer.hamlet_id),
        "kind": "household",
        "name": "Hộ Sửa Hai Lần",
        "representative": "Lê Thị Năm",
        "phone": "0912 000 222",
        "tax_code": "",
    }
    official = sign_in("canbo.khom3")
    url = f"/producers/{producer.id}/edit"
    first = official.post(url, data=form(official, **sent), follow_redirects=False)
    assert first.status_code == 303, first.text
    version = fresh(session, producer).version
    again = official.post(url, data=form(official, **sent), follow_redirects=False)
    assert again.status_code == 303, again.text
    assert fresh(session, producer).version == version
    changed = official.post(
        url, data=form(official, **{**sent, "representative": "Lê Thị Sáu"})
    )
    assert changed.status_code == 409
    assert 'value="Lê Thị Sáu"' in changed.text
    member = sign_in("thanhvien.khom3")
    other = member.post(url, data=form(member, **sent))
    assert other.status_code == 409
    assert 'value="Lê Thị Năm"' in other.text
    assert fresh(session, producer).representative == "Lê Thị Năm"
