"""The object store stops answering: uploads 503 with Retry-After and a
Vietnamese message, nothing half-stored; pages and photos already read keep
being served; ``/readyz`` says so; all comes back by itself when the store
does. On a moto server of its own (bench/drills/object_store.py), stopped and
started again."""

import urllib.request
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bench.drills.object_store import S3Server
from ocop_tracker.core import media
from ocop_tracker.core.config import get_settings
from ocop_tracker.photos.models import Photo
from tests.conftest import SignIn
from tests.factories import make_producer, make_product, pilot_hamlet
from tests.photos import corpus
from tests.photos.helpers import upload

HTML = {"Accept": "text/html"}


@pytest.fixture
def own_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[S3Server, str]]:
    """A store only this test stops: its server, and the bucket photos go to."""
    server = S3Server().start()
    try:
        bucket = server.bucket()
        store = server.store(bucket)
        monkeypatch.setattr(media, "store", lambda: store)
        yield server, bucket
    finally:
        server.stop()


def _photos(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Photo)) or 0


def _leader_and_product(sign_in: SignIn, session: Session) -> tuple[TestClient, int]:
    """The Khóm 3 team leader, signed in, and a new product of the hamlet."""
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    return leader, product.id


def test_store_down_then_back(
    own_server: tuple[S3Server, str], sign_in: SignIn, session: Session
) -> None:
    server, bucket = own_server
    leader, product_id = _leader_and_product(sign_in, session)
    first = upload(leader, product_id, corpus.plain_jpeg(900, 700, seed=501))
    assert first.status_code == 201, first.text
    photo_url = first.json()["url"]
    thumb_url = first.json()["thumb_url"]
    served = leader.get(photo_url)
    assert served.status_code == 200
    ready = leader.get("/readyz").json()
    assert (ready["status"], ready["media"], ready["store"]) == ("ready", "ok", "s3")

    server.stop()
    rows = _photos(session)
    refused = upload(leader, product_id, corpus.plain_jpeg(900, 700, seed=502))
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "30"
    assert "Kho ảnh tạm thời không trả lời" in refused.json()["detail"]
    assert _photos(session) == rows  # no row without its file
    # Pages and the photos already read are served all the same.
    assert leader.get(f"/products/{product_id}", headers=HTML).status_code == 200
    again = leader.get(photo_url)
    assert again.status_code == 200
    assert again.content == served.content
    # One never read since the store stopped: a clear 503, never a 500.
    missing = leader.get(thumb_url)
    assert missing.status_code == 503
    assert missing.headers["retry-after"] == "30"
    ready = leader.get("/readyz")
    assert ready.status_code == 200  # a load balancer keeps the server
    assert ready.json()["status"] == "degraded"
    assert ready.json()["media"] == "unavailable"

    # The store is back (moto starts empty: the bucket is made again).
    server.start()
    server.client().create_bucket(Bucket=bucket)
    assert leader.get("/readyz").json()["status"] == "ready"
    back = upload(leader, product_id, corpus.plain_jpeg(900, 700, seed=502))
    assert back.status_code == 201, back.text
    assert leader.get(back.json()["url"]).status_code == 200


def test_store_down_on_the_plain_form(
    own_server: tuple[S3Server, str], sign_in: SignIn, session: Session
) -> None:
    server, _ = own_server
    leader, product_id = _leader_and_product(sign_in, session)
    server.stop()
    token = leader.headers["X-CSRF-Token"]
    bare = TestClient(leader.app, base_url="https://127.0.0.1")
    bare.cookies = leader.cookies
    try:
        page = bare.post(
            f"/products/{product_id}/photos",
            data={"csrf_token": token},
            files=[
                ("file", ("IMG_0002.JPG", corpus.plain_jpeg(800, 600), "image/jpeg"))
            ],
            headers=HTML,
            follow_redirects=False,
        )
    finally:
        bare.close()
    assert page.status_code == 503
    assert page.headers["retry-after"] == "30"
    assert "Kho ảnh tạm thời không trả lời" in page.text
    assert "IMG_0002.JPG" in page.text  # which photo was not taken


def test_public_photos_by_signed_redirect(
    own_server: tuple[S3Server, str],
    sign_in: SignIn,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "media_redirect", True)
    leader, product_id = _leader_and_product(sign_in, session)
    body = upload(leader, product_id, corpus.plain_jpeg(900, 700, seed=503)).json()
    assert body["is_public"] is True
    answer = leader.get(body["url"], follow_redirects=False)
    assert answer.status_code == 307
    signed = answer.headers["location"]
    assert "X-Amz-Signature=" in signed
    assert "max-age=900" in answer.headers["cache-control"]
    with urllib.request.urlopen(signed, timeout=10) as fetched:
        assert fetched.status == 200
        content = fetched.read()
    assert content[:3] == b"\xff\xd8\xff"
    # A photo kept off the public page is never handed out by a signed URL.
    hidden = leader.patch(f"/api/v1/photos/{body['id']}", json={"is_public": False})
    assert hidden.status_code == 200, hidden.text
    private = leader.get(body["url"], follow_redirects=False)
    assert private.status_code == 200
    assert private.content == content
