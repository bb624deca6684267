"""A form the phone's outbox sends more than once is written once (issue #19
item 3): the key is claimed with the change, bound to the user and to the
form's fields (not to the session, the CSRF token or the multipart boundary),
given back when the form is refused, and forgotten after a week."""

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.core.base import utcnow
from ocop_tracker.offline import keys
from ocop_tracker.offline.models import FormKey
from ocop_tracker.photos.models import Photo
from ocop_tracker.producers.models import Producer
from ocop_tracker.users import repository as user_repository
from tests.conftest import SignIn
from tests.factories import pilot_hamlet as hamlet_named
from tests.photos import corpus
from tests.refusals import field_error
from tests.web.test_catalog_pages import form, product_named

HTML = {"Accept": "text/html"}


def _producers(session: Session, name: str) -> int:
    session.expire_all()
    return (
        session.scalar(
            select(func.count()).select_from(Producer).where(Producer.name == name)
        )
        or 0
    )


def _add_producer(
    client: TestClient, session: Session, key: str | None, **fields: Any
) -> Any:
    sent = {
        "hamlet_id": str(hamlet_named(session, "Khóm 3").id),
        "kind": "household",
        "phone": "0909 111 222",
        "tax_code": "",
        **fields,
    }
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        "/producers/new",
        data=form(client, **sent),
        headers=headers,
        follow_redirects=False,
    )


def test_a_queued_producer_sent_three_times_is_added_once(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    first = _add_producer(member, session, "hang-cho-0001", name="Hộ Bà Chín Gửi Lại")
    assert first.status_code == 303, first.text
    assert first.headers["location"].startswith("/producers/")
    for _ in range(2):
        again = _add_producer(
            member, session, "hang-cho-0001", name="Hộ Bà Chín Gửi Lại"
        )
        assert again.status_code == 303
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["idempotent-replayed"] == "true"
    assert _producers(session, "Hộ Bà Chín Gửi Lại") == 1
    # Before its answer is noted, a replay leads to the "already recorded" notice.
    row = session.scalar(select(FormKey).where(FormKey.key == "hang-cho-0001"))
    assert row is not None
    assert row.status_code == 303
    row.status_code = row.location = None
    session.commit()
    early = _add_producer(member, session, "hang-cho-0001", name="Hộ Bà Chín Gửi Lại")
    assert early.headers["location"] == "/?done=already_sent"
    home = member.get(early.headers["location"], headers=HTML)
    assert "Việc này đã được gửi và ghi nhận trước đó." in home.text


def test_the_key_outlives_the_session_and_is_the_users_own(
    sign_in: SignIn, session: Session
) -> None:
    before = sign_in("thanhvien.khom3")
    assert (
        _add_producer(before, session, "k-phien-0001", name="Hộ Qua Phiên").status_code
        == 303
    )
    # Signed in again (a new session, a new CSRF token): the queue is sent again.
    after = sign_in("thanhvien.khom3")
    assert after.headers["X-CSRF-Token"] != before.headers["X-CSRF-Token"]
    again = _add_producer(after, session, "k-phien-0001", name="Hộ Qua Phiên")
    assert again.headers["idempotent-replayed"] == "true"
    assert _producers(session, "Hộ Qua Phiên") == 1
    # Another member's phone may draw the same key: it is theirs alone.
    leader = sign_in("totruong.khom3")
    other = _add_producer(leader, session, "k-phien-0001", name="Hộ Của Tổ Trưởng")
    assert other.status_code == 303
    assert "idempotent-replayed" not in other.headers
    assert _producers(session, "Hộ Của Tổ Trưởng") == 1


def test_the_same_key_with_other_fields_is_refused_and_writes_nothing(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    assert (
        _add_producer(member, session, "k-khac-0001", name="Hộ Đầu Tiên").status_code
        == 303
    )
    other = _add_producer(member, session, "k-khac-0001", name="Hộ Thứ Hai")
    assert other.status_code == 422
    assert "trùng khóa gửi" in other.text
    assert _producers(session, "Hộ Thứ Hai") == 0
    api = member.post(
        "/producers/new",
        data=form(member, name="x"),
        headers={"Idempotency-Key": "short"},
        follow_redirects=False,
    )
    assert api.status_code == 422
    assert "Khóa gửi" in api.text


def test_a_refused_form_gives_its_key_back(sign_in: SignIn, session: Session) -> None:
    member = sign_in("thanhvien.khom3")
    refused = _add_producer(
        member, session, "k-sai-00001", name="Hộ Sửa Số", phone="12"
    )
    assert refused.status_code == 422
    assert field_error(refused.text, "phone")
    assert session.scalar(select(FormKey).where(FormKey.key == "k-sai-00001")) is None
    # The member corrects the phone; the queue sends the item with its key.
    fixed = _add_producer(member, session, "k-sai-00001", name="Hộ Sửa Số")
    assert fixed.status_code == 303, fixed.text
    assert "idempotent-replayed" not in fixed.headers
    assert _producers(session, "Hộ Sửa Số") == 1


def test_a_queued_photo_sent_twice_is_stored_once(
    sign_in: SignIn, session: Session
) -> None:
    """Each send has its own multipart boundary: the file counts by its bytes."""
    member = sign_in("thanhvien.khom3")
    product = product_named(session, "Bánh in nhân đậu xanh")
    photo = corpus.plain_jpeg(900, 900, seed=19)

    def send() -> Any:
        return member.post(
            f"/products/{product.id}/photos",
            data={"csrf_token": member.headers["X-CSRF-Token"]},
            files={"file": ("vuon.jpg", photo, "image/jpeg")},
            headers={"Idempotency-Key": "anh-cho-0001"},
            follow_redirects=False,
        )

    def count() -> int:
        session.expire_all()
        return (
            session.scalar(
                select(func.count())
                .select_from(Photo)
                .where(Photo.product_id == product.id)
            )
            or 0
        )

    before = count()
    first = send()
    assert first.status_code == 303
    again = send()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    assert count() == before + 1


def test_keys_older_than_a_week_are_forgotten(session: Session) -> None:
    user = user_repository.by_login(session, "thanhvien.khom3")
    assert user is not None
    now = utcnow()
    session.add_all(
        [
            FormKey(
                user_id=user.id,
                key="cu-000001",
                body_sha256="0" * 64,
                created_at=now - dt.timedelta(days=8),
            ),
            FormKey(
                user_id=user.id,
                key="moi-00001",
                body_sha256="0" * 64,
                created_at=now - dt.timedelta(days=6),
            ),
        ]
    )
    session.flush()
    assert keys.forget_old(session, now) == 1
    left = session.scalars(select(FormKey.key).where(FormKey.user_id == user.id)).all()
    assert "moi-00001" in left
    assert "cu-000001" not in left
