"""The installable app's pieces (issue #19 item 1) and their weight: the
manifest and its icons, the service worker with the files it keeps, the
hamlet's pages a phone keeps (the member's own area only), the sending state."""

import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from tests.conftest import SignIn
from tests.web.test_catalog_pages import product_named

HTML = {"Accept": "text/html"}
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')


def test_the_manifest_names_the_app_in_vietnamese_with_its_icons(
    client: TestClient,
) -> None:
    response = client.get("/app.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["lang"] == "vi"
    assert manifest["short_name"] == "OCOP lên sàn"
    assert manifest["start_url"] == "/worklist"
    assert manifest["display"] == "standalone"
    purposes = set()
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(client.get(icon["src"]).content))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        purposes.add(icon["purpose"])
    assert purposes == {"any", "maskable"}


def test_the_worker_keeps_files_that_exist_under_their_hashed_names(
    client: TestClient,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    shell = re.search(r"var SHELL = (\[.*?\]);", response.text)
    assert shell is not None
    urls = re.findall(r'"([^"]+)"', shell[1])
    assert any(re.fullmatch(r"/static/js/outbox\.[0-9a-f]+\.js", u) for u in urls)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_member_keeps_the_pages_of_their_own_hamlet_only(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    kept = member.get("/offline/pages")
    assert kept.status_code == 200
    assert kept.headers["cache-control"] == "no-store"
    urls = kept.json()["urls"]
    assert "/worklist" in urls
    assert "/products/new" in urls
    products = [int(u.split("/")[2]) for u in urls if re.fullmatch(r"/products/\d+", u)]
    producers = [
        int(u.split("/")[2]) for u in urls if re.fullmatch(r"/producers/\d+", u)
    ]
    assert product_named(session, "Khô cá lóc").id in products
    hamlets = set(
        session.scalars(
            select(Producer.hamlet_id).where(Producer.id.in_(producers))
        ).all()
    ) | set(
        session.scalars(
            select(Producer.hamlet_id)
            .join(Product, Product.producer_id == Producer.id)
            .where(Product.id.in_(products))
        ).all()
    )
    names = set(
        session.scalars(select(AdminUnit.name).where(AdminUnit.id.in_(hamlets)))
    )
    assert names == {"Khóm 3"}
    for url in urls:
        assert member.get(url, headers=HTML).status_code == 200, url
    # Not a field role: nothing to keep.
    assert sign_in("canbo.khom3").get("/offline/pages").status_code == 403


def test_the_sending_state_gives_a_token_the_session_accepts(
    sign_in: SignIn, client: TestClient
) -> None:
    member = sign_in("thanhvien.khom3")
    state = member.get("/offline/state", headers={"Accept": "application/json"})
    assert state.status_code == 200
    token = state.json()["csrf_token"]
    del member.headers["X-CSRF-Token"]
    fresh = member.post(
        "/producers/new", data={"name": ""}, headers={"X-CSRF-Token": token}
    )
    assert fresh.status_code == 422  # past the CSRF check: the form itself is refused
    forged = member.post(
        "/producers/new", data={"name": ""}, headers={"X-CSRF-Token": "x" * 40}
    )
    assert forged.status_code == 403
    gone = client.get("/offline/state", headers={"Accept": "application/json"})
    assert gone.status_code == 401


def test_a_team_page_with_its_scripts_and_styles_stays_under_60_kb(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    for path in (f"/products/{product_named(session, 'Khô cá lóc').id}", "/worklist"):
        html = member.get(path, headers=HTML).text
        assert "/static/js/outbox." in html
        weight = len(html.encode()) + sum(
            len(member.get(url).content) for url in set(STATIC.findall(html))
        )
        assert weight < 60_000, (path, weight)
