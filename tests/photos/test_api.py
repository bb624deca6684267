"""The photos API over HTTP: upload, retries, limits, roles, serving, packs, readiness."""

import errno
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.core import media
from ocop_tracker.core.config import get_settings
from ocop_tracker.onboarding.models import Marketplace, StepRecord
from ocop_tracker.photos import service as photo_service
from ocop_tracker.photos import storage
from ocop_tracker.photos.models import Photo
from tests.conftest import SignIn
from tests.factories import make_actor, make_producer, make_product, pilot_hamlet
from tests.photos import corpus
from tests.photos.helpers import upload
from tests.photos.test_processing import assert_clean


def _rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Photo)) or 0


def _files() -> set[str]:
    """Every object of the photo store, temporary files on disk included."""
    found = {item.key for item in media.store().objects("photos/")}
    base = Path(get_settings().media_dir) / "photos"
    if media.store().local_path("photos/x") is not None and base.exists():
        found |= {p.as_posix() for p in base.rglob(".tmp-*")}
    return found


@pytest.fixture
def leader(sign_in: SignIn) -> TestClient:
    return sign_in("totruong.khom3")


def test_upload_stores_a_clean_upright_photo(
    leader: TestClient, session: Session
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    response = upload(leader, product.id, corpus.phone_jpeg(4000, 3000, orientation=6))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["height"] > body["width"]
    assert max(body["width"], body["height"]) <= 2048
    assert body["is_public"] is True
    assert body["kind"] == "product"
    photo = session.get(Photo, body["id"])
    assert photo is not None
    # Read back the stored file itself.
    stored = storage.read(photo.sha256)
    assert hashlib.sha256(stored).hexdigest() == photo.sha256
    assert_clean(stored)
    with Image.open(io.BytesIO(stored)) as im:
        assert im.height > im.width
        assert max(im.size) <= 2048


@pytest.mark.parametrize(
    "make",
    [corpus.png_with_text, corpus.webp, corpus.heic],
    ids=["png", "webp", "heic"],
)
def test_other_formats_upload_as_multipart(
    leader: TestClient, session: Session, make: object
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    response = upload(leader, product.id, make(), multipart=True)  # type: ignore[operator]
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "image/jpeg"


def test_same_bytes_twice_give_one_photo(leader: TestClient, session: Session) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    data = corpus.plain_jpeg(900, 900)
    first = upload(leader, product.id, data)
    again = upload(leader, product.id, data, multipart=True)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(leader.get(f"/api/v1/products/{product.id}/photos").json()) == 1


def test_idempotency_key_replays_the_first_answer(
    leader: TestClient, session: Session
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    data = corpus.plain_jpeg(900, 900, seed=3)
    first = upload(leader, product.id, data, key="k-0001-abcdef")
    retry = upload(leader, product.id, data, key="k-0001-abcdef")
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    other = upload(
        leader, product.id, corpus.plain_jpeg(900, 900, seed=4), key="k-0001-abcdef"
    )
    assert other.status_code == 409
    bad = upload(leader, product.id, data, key="x y")
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (corpus.TEXT, 415),
        (corpus.SVG, 415),
        (corpus.EPS, 415),
        (corpus.HTML, 415),
        (corpus.truncated_jpeg(), 422),
        (corpus.png_bomb(20_000), 413),
    ],
    ids=["text-as-jpg", "svg", "eps", "html", "truncated", "bomb"],
)
def test_bad_input_is_refused_and_nothing_stored(
    leader: TestClient, session: Session, data: bytes, status: int
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    rows, files = _rows(session), _files()
    response = upload(leader, product.id, data, multipart=True)
    assert response.status_code == status, response.text
    assert response.json()["detail"]  # a Vietnamese message
    assert _rows(session) == rows
    assert _files() == files
    # The worker is still fine.
    assert upload(leader, product.id, corpus.plain_jpeg(300, 300)).status_code == 201


def test_sixty_megabytes_is_413(leader: TestClient, session: Session) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    rows = _rows(session)
    body = b"\xff\xd8\xff" + b"\x00" * (60 * 1024 * 1024)
    assert upload(leader, product.id, body).status_code == 413
    assert upload(leader, product.id, body, multipart=True).status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(60):
            yield b"\x00" * (1024 * 1024)

    streamed = leader.post(
        f"/api/v1/products/{product.id}/photos",
        content=chunks(),  # no Content-Length: counted as it streams
        headers={"Content-Type": "image/jpeg"},
    )
    assert streamed.status_code == 413
    assert _rows(session) == rows


def test_thirteenth_photo_is_409(leader: TestClient, session: Session) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    for n in range(12):
        assert (
            upload(leader, product.id, corpus.plain_jpeg(200, 200, seed=n)).status_code
            == 201
        )
    rows, files = _rows(session), _files()
    response = upload(leader, product.id, corpus.plain_jpeg(200, 200, seed=99))
    assert response.status_code == 409
    assert "12" in response.json()["detail"]
    assert _rows(session) == rows
    assert _files() == files
    # A retry of the 12th still answers with that photo, not a refusal.
    assert (
        upload(leader, product.id, corpus.plain_jpeg(200, 200, seed=11)).status_code
        == 200
    )


def test_other_hamlets_product_is_404(sign_in: SignIn, session: Session) -> None:
    other = make_product(
        session, make_producer(session, pilot_hamlet(session, "Ấp An Thường"))
    )
    session.commit()
    leader = sign_in("totruong.khom3")
    rows = _rows(session)
    assert upload(leader, other.id, corpus.plain_jpeg(300, 300)).status_code == 404
    assert _rows(session) == rows


def test_department_reads_but_may_not_write(sign_in: SignIn, session: Session) -> None:
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    photo = upload(leader, product.id, corpus.plain_jpeg(300, 300)).json()
    dept = sign_in("sct.soctrang")
    assert dept.get(f"/api/v1/products/{product.id}/photos").status_code == 200
    assert upload(dept, product.id, corpus.plain_jpeg(301, 300)).status_code == 403
    assert dept.delete(f"/api/v1/photos/{photo['id']}").status_code == 403
    assert (
        dept.patch(f"/api/v1/photos/{photo['id']}", json={"is_main": True}).status_code
        == 403
    )


STORAGE_STEPS = ["mkdir", "open", "write", "fsync", "rename", "fsync_dir"]


@pytest.mark.file_store
@pytest.mark.parametrize("step", STORAGE_STEPS)
def test_disk_full_at_any_step_is_507_and_leaves_nothing(
    leader: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    # A picture of its own per step: files stay on disk across tests, and a
    # picture already stored is not written again (no step would fail).
    data = corpus.plain_jpeg(700, 500, seed=1000 + STORAGE_STEPS.index(step))
    rows, files = _rows(session), _files()

    def full(name: str) -> None:
        if name == step:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(media, "fault_hook", full)
    response = upload(leader, product.id, data)
    assert response.status_code == 507
    assert "hết chỗ" in response.json()["detail"]
    assert _rows(session) == rows
    assert _files() == files  # no partial file, no temp file
    monkeypatch.setattr(media, "fault_hook", None)
    assert upload(leader, product.id, data).status_code == 201


def _photo(
    client: TestClient, product_id: int, seed: int, side: int = 900
) -> dict[str, object]:
    response = upload(client, product_id, corpus.plain_jpeg(side, side, seed=seed))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_serving_headers_and_access(
    leader: TestClient, client: TestClient, session: Session, sign_in: SignIn
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    photo = _photo(leader, product.id, 1)
    url = str(photo["url"])
    assert url.startswith(f"/photos/{photo['id']}/full?v=")
    public = client.get(url)
    assert public.status_code == 200
    assert public.headers["content-type"] == "image/jpeg"
    assert public.headers["x-content-type-options"] == "nosniff"
    assert public.headers["content-disposition"].startswith("inline")
    assert public.headers["content-security-policy"].startswith(
        "default-src 'none'; sandbox"
    )
    assert "immutable" in public.headers["cache-control"]
    etag = public.headers["etag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"Range": "bytes=99999999-"}).status_code == 416
    assert client.get(url, headers={"Range": "bytes=0-9"}).status_code == 206
    assert client.get(f"/photos/{photo['id']}/original").status_code == 404
    # Hidden from the public page: only people of the area see it, privately cached.
    hidden = leader.patch(f"/api/v1/photos/{photo['id']}", json={"is_public": False})
    assert hidden.status_code == 200
    assert client.get(url).status_code == 401
    own = leader.get(url)
    assert own.status_code == 200
    assert own.headers["cache-control"].startswith("private")
    assert sign_in("totruong.anthuong").get(url).status_code == 404
    # The storage path is not reachable over HTTP.
    assert client.get(f"/static/../var/media/photos/{photo['id']}").status_code == 404


def test_main_photo_and_readiness_complete_the_step(
    leader: TestClient, session: Session
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    voso = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
    assert voso is not None
    listing = leader.post(
        "/api/v1/listings",
        json={"product_id": product.id, "marketplace_id": voso.id},
    )
    assert listing.status_code == 201, listing.text
    small = _photo(leader, product.id, 1, side=600)
    states = leader.get(f"/api/v1/products/{product.id}/photo-readiness").json()
    state = next(s for s in states if s["marketplace_code"] == "voso")
    assert state["ready"] is False
    assert "cần thêm 3 ảnh từ 800×800 px" in state["missing"]
    assert "1 ảnh nhỏ hơn 800×800 (không được tính)" in state["missing"]
    # The first photo is the main one until another is chosen.
    assert "ảnh chính nhỏ hơn 800×800" in state["missing"]
    first = _photo(leader, product.id, 2)
    _photo(leader, product.id, 3)
    _photo(leader, product.id, 4)
    state = next(
        s
        for s in leader.get(f"/api/v1/products/{product.id}/photo-readiness").json()
        if s["marketplace_code"] == "voso"
    )
    assert state["missing"] == ["1 ảnh nhỏ hơn 800×800", "ảnh chính nhỏ hơn 800×800"]
    assert state["step_done"] is False
    assert (
        leader.patch(
            f"/api/v1/photos/{small['id']}", json={"is_main": True}
        ).status_code
        == 200
    )
    state = next(
        s
        for s in leader.get(f"/api/v1/products/{product.id}/photo-readiness").json()
        if s["marketplace_code"] == "voso"
    )
    assert "ảnh chính nhỏ hơn 800×800" in state["missing"]
    assert (
        leader.patch(
            f"/api/v1/photos/{first['id']}", json={"is_main": True}
        ).status_code
        == 200
    )
    state = next(
        s
        for s in leader.get(f"/api/v1/products/{product.id}/photo-readiness").json()
        if s["marketplace_code"] == "voso"
    )
    assert state["ready"] is True
    assert state["missing"] == []
    assert state["step_done"] is True
    record = session.scalar(
        select(StepRecord).where(
            StepRecord.listing_id == listing.json()["id"],
            StepRecord.step_code == "photos",
        )
    )
    assert record is not None
    assert record.status.value == "done"
    steps = leader.get(f"/api/v1/listings/{listing.json()['id']}/steps").json()
    assert steps["listing"]["next_step"] == "listing"
    photos = leader.get(f"/api/v1/products/{product.id}/photos").json()
    assert photos[0]["id"] == first["id"]
    assert sum(p["is_main"] for p in photos) == 1


def test_photo_pack(leader: TestClient, session: Session) -> None:
    product = make_product(
        session,
        make_producer(session, pilot_hamlet(session)),
        name="Bánh pía sầu riêng",
    )
    session.commit()
    a = _photo(leader, product.id, 1)
    b = _photo(leader, product.id, 2)
    leader.patch(f"/api/v1/photos/{b['id']}", json={"is_main": True})
    response = leader.get(
        f"/api/v1/products/{product.id}/photo-pack", params={"marketplace": "voso"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names == ["01-banh-pia-sau-rieng.jpg", "02-banh-pia-sau-rieng.jpg"]
    for name in names:
        with Image.open(io.BytesIO(archive.read(name))) as im:
            assert im.size == (1000, 1000)
            assert im.format == "JPEG"
    # The main photo comes first.
    main_square = Image.open(io.BytesIO(archive.read(names[0])))
    assert main_square.size == (1000, 1000)
    assert a["id"] != b["id"]
    unknown = leader.get(
        f"/api/v1/products/{product.id}/photo-pack", params={"marketplace": "shopee"}
    )
    assert unknown.status_code == 422


def test_delete_removes_row_then_files(leader: TestClient, session: Session) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    photo = _photo(leader, product.id, 7)
    row = session.get(Photo, photo["id"])
    assert row is not None
    full, thumb = row.sha256, row.thumb_sha256
    assert storage.exists(full)
    assert storage.exists(thumb)
    assert leader.delete(f"/api/v1/photos/{photo['id']}").status_code == 204
    assert session.get(Photo, photo["id"]) is None
    assert not storage.exists(full)
    assert not storage.exists(thumb)
    assert leader.get(str(photo["url"])).status_code == 404


def test_a_deletion_a_savepoint_took_back_keeps_its_files(
    leader: TestClient, session: Session
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    kept = session.get(Photo, _photo(leader, product.id, 8)["id"])
    gone = session.get(Photo, _photo(leader, product.id, 9)["id"])
    assert kept is not None
    assert gone is not None
    actor = make_actor(session)

    photo_service.delete_photo(session, actor, gone.id, sync=False)
    with session.begin_nested() as refused:  # a form refused in a savepoint
        photo_service.delete_photo(session, actor, kept.id, sync=False)
        refused.rollback()
    session.commit()

    # The row the savepoint took back still has its files; the other's went.
    assert session.get(Photo, kept.id) is not None
    assert storage.exists(kept.sha256)
    assert storage.exists(kept.thumb_sha256)
    assert not storage.exists(gone.sha256)


def test_evidence_photo_on_a_listing_step(
    leader: TestClient, session: Session, client: TestClient
) -> None:
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    voso = session.scalar(select(Marketplace).where(Marketplace.code == "voso"))
    assert voso is not None
    listing = leader.post(
        "/api/v1/listings",
        json={"product_id": product.id, "marketplace_id": voso.id},
    ).json()
    response = upload(
        leader,
        product.id,
        corpus.plain_jpeg(500, 400),
        listing_id=listing["id"],
        step="quality",
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "evidence"
    assert body["is_public"] is False
    assert body["step_code"] == "quality"
    listed = leader.get(
        f"/api/v1/listings/{listing['id']}/photos", params={"step": "quality"}
    )
    assert [p["id"] for p in listed.json()] == [body["id"]]
    assert client.get(body["url"]).status_code == 401  # evidence is never public
    assert (
        upload(
            leader,
            product.id,
            corpus.plain_jpeg(500, 401),
            listing_id=listing["id"],
            step="nope",
        ).status_code
        == 422
    )
    assert (
        leader.patch(
            f"/api/v1/photos/{body['id']}", json={"is_public": True}
        ).status_code
        == 422
    )


def test_photo_rules_are_data_an_admin_edits(
    admin: TestClient, sign_in: SignIn, session: Session
) -> None:
    rules = admin.get("/api/v1/photo-rules").json()
    assert {r["marketplace_code"] for r in rules} >= {"voso", "postmart"}
    voso = next(r for r in rules if r["marketplace_code"] == "voso")
    changed = admin.put(
        f"/api/v1/photo-rules/{voso['marketplace_id']}",
        json={
            "min_count": 4,
            "min_width": 1000,
            "min_height": 1000,
            "require_main": True,
            "pack_size": 800,
        },
    )
    assert changed.status_code == 200
    assert changed.json()["min_count"] == 4
    leader = sign_in("totruong.khom3")
    assert (
        leader.put(
            f"/api/v1/photo-rules/{voso['marketplace_id']}",
            json={"min_count": 1, "min_width": 10, "min_height": 10},
        ).status_code
        == 403
    )
