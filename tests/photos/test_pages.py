"""The product page's gallery and its plain forms (no JavaScript needed)."""

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.photos.models import Photo
from tests.conftest import SignIn
from tests.factories import make_producer, make_product, pilot_hamlet
from tests.photos import corpus

HTML = {"accept": "text/html"}


def _form_upload(
    client: TestClient,
    product_id: int,
    data: bytes,
    *more: tuple[str, bytes, str],
) -> object:
    token = client.headers["X-CSRF-Token"]
    bare = TestClient(client.app, base_url="https://127.0.0.1")
    bare.cookies = client.cookies
    try:
        # As a browser without JavaScript sends it: the token in the form, no header.
        return bare.post(
            f"/products/{product_id}/photos",
            data={"csrf_token": token},
            files=[
                ("file", ("IMG_0001.HEIC", data, "image/heic")),
                *(("file", part) for part in more),
            ],
            headers=HTML,
            follow_redirects=False,
        )
    finally:
        bare.close()


def test_plain_form_upload_then_gallery(sign_in: SignIn, session: Session) -> None:
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    page = leader.get(f"/products/{product.id}", headers=HTML)
    assert page.status_code == 200
    assert 'id="anh"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert "Chưa có ảnh" in page.text
    response = _form_upload(leader, product.id, corpus.heic())
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert location.endswith("done=photo_added#anh")
    page = leader.get(location.split("#")[0], headers=HTML)
    assert "Đã thêm ảnh." in page.text
    thumbs = re.findall(r'<img src="(/photos/\d+/thumb\?v=[0-9a-f]{16})"', page.text)
    assert len(thumbs) == 1
    assert leader.get(thumbs[0]).status_code == 200
    assert "cần thêm 2 ảnh từ 800×800 px" in page.text  # the 1200×900 photo counts
    assert "ảnh chính chưa chọn" not in page.text  # the first photo is the main one


def test_plain_form_bad_file_shows_a_vietnamese_error(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    response = _form_upload(leader, product.id, corpus.SVG)
    assert response.status_code == 415  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    # The product's own page again, the message beside the upload form.
    assert f"<h1>{product.name}</h1>" in text or product.name in text
    assert 'id="photo-file-error"' in text
    assert 'aria-describedby="photo-file-error"' in text
    assert "<b>IMG_0001.HEIC</b>: " in text
    assert "chỉ nhận ảnh JPEG, PNG, WebP hoặc HEIC/HEIF" in text
    assert "Về trang chủ" not in text


def test_plain_form_takes_several_photos_each_on_its_own(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    page = leader.get(f"/products/{product.id}", headers=HTML)
    assert re.search(
        r'<input id="photo-file" type="file" name="file" multiple', page.text
    )
    response = _form_upload(
        leader,
        product.id,
        corpus.plain_jpeg(900, 900, seed=31),
        ("ve.svg", corpus.SVG, "image/svg+xml"),
        ("vuon.jpg", corpus.plain_jpeg(1000, 800, seed=32), "image/jpeg"),
        ("rong.jpg", b"", "image/jpeg"),
    )
    assert response.status_code == 415  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "Đã nhận 2 ảnh: IMG_0001.HEIC, vuon.jpg." in text
    assert "Không nhận 2 ảnh:" in text
    assert "<b>ve.svg</b>: " in text
    assert "<b>rong.jpg</b>: Chưa có ảnh: tệp gửi lên rỗng." in text
    # The taken photos are stored, and shown in the gallery of the page itself.
    session.expire_all()
    photos = session.query(Photo).filter_by(product_id=product.id).all()
    assert len(photos) == 2
    assert text.count("/thumb?v=") == 2

    again = _form_upload(leader, product.id, corpus.plain_jpeg(900, 900, seed=31))
    assert again.status_code == 303  # type: ignore[attr-defined]
    assert again.headers["location"].endswith("done=photo_again#anh")  # type: ignore[attr-defined]


def test_plain_form_refuses_photos_past_the_limit_one_by_one(
    sign_in: SignIn, session: Session
) -> None:
    from ocop_tracker.photos.readiness import MAX_PHOTOS

    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    for seed in range(MAX_PHOTOS - 1):
        leader.post(
            f"/api/v1/products/{product.id}/photos",
            content=corpus.plain_jpeg(300, 300, seed=100 + seed),
            headers={"Content-Type": "image/jpeg"},
        )
    response = _form_upload(
        leader,
        product.id,
        corpus.plain_jpeg(300, 300, seed=41),
        ("hai.jpg", corpus.plain_jpeg(300, 300, seed=42), "image/jpeg"),
    )
    assert response.status_code == 409  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert "Đã nhận 1 ảnh: IMG_0001.HEIC." in text
    assert f"<b>hai.jpg</b>: Sản phẩm đã có đủ {MAX_PHOTOS} ảnh" in text
    session.expire_all()
    assert session.query(Photo).filter_by(product_id=product.id).count() == MAX_PHOTOS


def test_main_public_and_delete_forms(sign_in: SignIn, session: Session) -> None:
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    photo_id = leader.post(
        f"/api/v1/products/{product.id}/photos",
        content=corpus.plain_jpeg(900, 900),
        headers={"Content-Type": "image/jpeg"},
    ).json()["id"]
    token = leader.headers["X-CSRF-Token"]
    main = leader.post(
        f"/photos/{photo_id}/main",
        data={"csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert main.status_code == 303
    hidden = leader.post(
        f"/photos/{photo_id}/public",
        data={"csrf_token": token, "public": "0"},
        headers=HTML,
        follow_redirects=False,
    )
    assert hidden.status_code == 303
    session.expire_all()
    photo = session.get(Photo, photo_id)
    assert photo is not None
    assert photo.is_main is True
    assert photo.is_public is False
    page = leader.get(f"/products/{product.id}", headers=HTML)
    assert "Ảnh chính" in page.text
    assert "không công khai" in page.text
    gone = leader.post(
        f"/photos/{photo_id}/delete",
        data={"csrf_token": token, "confirm": "1"},
        headers=HTML,
        follow_redirects=False,
    )
    assert gone.status_code == 303
    assert session.get(Photo, photo_id) is None


def test_department_sees_the_gallery_without_forms(
    sign_in: SignIn, session: Session
) -> None:
    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    leader.post(
        f"/api/v1/products/{product.id}/photos",
        content=corpus.plain_jpeg(900, 900, seed=5),
        headers={"Content-Type": "image/jpeg"},
    )
    page = sign_in("sct.soctrang").get(f"/products/{product.id}", headers=HTML)
    assert page.status_code == 200
    assert "/thumb?v=" in page.text
    assert "Tải ảnh lên" not in page.text
    assert "Chọn làm ảnh chính" not in page.text


def test_contract_for_the_public_page(sign_in: SignIn, session: Session) -> None:
    from ocop_tracker.photos import views as photo_views

    leader = sign_in("totruong.khom3")
    product = make_product(session, make_producer(session, pilot_hamlet(session)))
    session.commit()
    assert photo_views.main_public_photo(session, product.id) is None
    ids = [
        leader.post(
            f"/api/v1/products/{product.id}/photos",
            content=corpus.plain_jpeg(900, 700, seed=s),
            headers={"Content-Type": "image/jpeg"},
        ).json()["id"]
        for s in (21, 22)
    ]
    first = photo_views.main_public_photo(session, product.id)
    assert first is not None
    assert first.id == ids[0]
    leader.patch(f"/api/v1/photos/{ids[1]}", json={"is_main": True})
    session.expire_all()
    main = photo_views.main_public_photo(session, product.id)
    assert main is not None
    assert main.id == ids[1]
    assert (main.width, main.height) == (900, 700)
    url = photo_views.photo_url(main)
    assert url == f"/photos/{main.id}/full?v={main.sha256[:16]}"
    assert photo_views.photo_url(main, "thumb").startswith(
        f"/photos/{main.id}/thumb?v="
    )
    # A hidden main photo gives way to the first public one.
    leader.patch(f"/api/v1/photos/{ids[1]}", json={"is_public": False})
    session.expire_all()
    shown = photo_views.main_public_photo(session, product.id)
    assert shown is not None
    assert shown.id == ids[0]
