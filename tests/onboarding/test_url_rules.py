"""Issue #13 item 4: a listing's evidence is a product page, a shop URL a shop page.

The shape of each is data (a path pattern and an example shown in the
refusal): the product page's on the marketplace's "listing" step, the shop
page's on the marketplace itself (issue 16 moved it off the retired
"storefront" step), seeded for voso.vn and postmart.vn and editable by an admin.
"""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.core.errors import InvalidInput
from ocop_tracker.onboarding import marketplaces, workflow
from tests.conftest import SignIn
from tests.onboarding.conftest import URLS, Pilot
from tests.onboarding.test_router import _ok_step, _open, _step

API = "/api/v1"
EXAMPLES = {
    ("voso", "storefront"): "https://voso.vn/co-so-banh-pia-kim-hoa-s3145375",
    ("voso", "listing"): "https://voso.vn/banh-pia-sau-rieng-trung-muoi-p737219.html",
    ("postmart", "storefront"): "https://postmart.vn/shop/co-so-banh-pia-kim-hoa",
    (
        "postmart",
        "listing",
    ): "https://postmart.vn/p/banh-pia-sau-rieng-trung-muoi-43160.html",
}


def _at(client: TestClient, pilot: Pilot, code: str) -> dict[str, Any]:
    """A listing whose next step is the product page ("listing")."""
    market = pilot.voso if code == "voso" else pilot.postmart
    listing = _ok_step(client, _open(client, pilot.product.id, market.id), "photos")
    assert listing["next_step"] == "listing"
    return listing


def _shop_refusal(session: Session, pilot: Pilot, code: str, url: str) -> str:
    """Why the marketplace's shop URL rule refuses ``url`` (a seller account's)."""
    market = pilot.voso if code == "voso" else pilot.postmart
    with pytest.raises(InvalidInput) as caught:
        marketplaces.clean_shop_url(session, market, url)
    assert caught.value.fields.keys() == {"shop_url"}
    return caught.value.message


@pytest.mark.parametrize("code", ["voso", "postmart"])
@pytest.mark.parametrize("bare", ["https://{d}", "https://{d}/", "https://www.{d}/"])
def test_a_bare_marketplace_domain_is_refused_with_an_example(
    sign_in: SignIn, session: Session, pilot: Pilot, code: str, bare: str
) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _at(member, pilot, code)
    domain = f"{code}.vn"
    refused = _step(member, listing, "listing", bare.format(d=domain))
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "không phải trang chủ" in detail
    assert f"Ví dụ: {EXAMPLES[code, 'listing']}" in detail
    assert (
        member.get(f"{API}/listings/{listing['id']}").json()["version"]
        == (listing["version"])
    )
    shop = _shop_refusal(session, pilot, code, bare.format(d=domain))
    assert "không phải trang chủ" in shop
    assert f"Ví dụ: {EXAMPLES[code, 'storefront']}" in shop


@pytest.mark.parametrize("code", ["voso", "postmart"])
def test_a_shop_page_is_no_listing_and_a_product_page_no_storefront(
    sign_in: SignIn, session: Session, pilot: Pilot, code: str
) -> None:
    member = sign_in("thanhvien.khom3")
    shop, product_page = URLS[code]
    wrong_shop = _shop_refusal(session, pilot, code, product_page)
    assert "chưa phải trang gian hàng" in wrong_shop
    assert EXAMPLES[code, "storefront"] in wrong_shop
    market = pilot.voso if code == "voso" else pilot.postmart
    assert marketplaces.clean_shop_url(session, market, shop) == shop
    listing = _at(member, pilot, code)
    wrong = _step(member, listing, "listing", shop)
    assert wrong.status_code == 422
    assert "chưa phải trang sản phẩm" in wrong.json()["detail"]
    assert EXAMPLES[code, "listing"] in wrong.json()["detail"]
    claimed = _ok_step(member, listing, "listing", product_page)
    assert claimed["listing_url"] == product_page
    assert claimed["status"] == "awaiting_verification"


def test_voso_categories_are_neither(
    sign_in: SignIn, session: Session, pilot: Pilot
) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _at(member, pilot, "voso")
    category = "https://voso.vn/dac-san-mien-tay-c140"
    assert _step(member, listing, "listing", category).status_code == 422
    assert "chưa phải trang gian hàng" in _shop_refusal(
        session, pilot, "voso", category
    )


def test_the_rules_are_data_shown_with_the_marketplaces(sign_in: SignIn) -> None:
    body = sign_in("thanhvien.khom3").get(f"{API}/marketplaces").json()
    steps = {(m["code"], s["code"]): s for m in body for s in m["steps"]}
    by_code = {m["code"]: m for m in body}
    for (code, step), example in EXAMPLES.items():
        if step == "storefront":
            # The shop's rule is the marketplace's; the step is retired.
            assert by_code[code]["shop_url_example"] == example
            assert by_code[code]["shop_url_pattern"].startswith("/")
            assert (code, step) not in steps
            continue
        assert steps[code, step]["url_example"] == example
        assert steps[code, step]["url_pattern"].startswith("/")
    assert steps["voso", "photos"]["url_pattern"] is None
    assert steps["voso", "listing"]["requires"] == "seller_open"


def test_an_admin_edits_a_rule(
    admin: TestClient, sign_in: SignIn, pilot: Pilot
) -> None:
    url = f"{API}/marketplaces/{pilot.voso.id}/steps/listing/url-rule"
    bad_regex = admin.put(url, json={"url_pattern": "/(["})
    assert bad_regex.status_code == 422
    assert "biểu thức chính quy" in bad_regex.json()["detail"]
    no_slash = admin.put(url, json={"url_pattern": "san-pham/.+"})
    assert no_slash.status_code == 422
    mismatch = admin.put(
        url,
        json={
            "url_pattern": r"/san-pham/[0-9]+",
            "url_example": "https://voso.vn/banh-pia-p1.html",
        },
    )
    assert mismatch.status_code == 422
    assert "Đường dẫn ví dụ" in mismatch.json()["detail"]
    foreign = admin.put(
        url,
        json={
            "url_pattern": r"/san-pham/[0-9]+",
            "url_example": "https://postmart.vn/san-pham/1",
        },
    )
    assert foreign.status_code == 422
    changed = admin.put(
        url,
        json={
            "url_pattern": r"/san-pham/[0-9]+",
            "url_example": "https://voso.vn/san-pham/12345",
        },
    )
    assert changed.status_code == 200, changed.text
    step = next(s for s in changed.json()["steps"] if s["code"] == "listing")
    assert step["url_example"] == "https://voso.vn/san-pham/12345"
    not_url = admin.put(
        f"{API}/marketplaces/{pilot.voso.id}/steps/first_order/url-rule",
        json={"url_pattern": "/x"},
    )
    assert not_url.status_code == 422
    member = sign_in("thanhvien.khom3")
    assert member.put(url, json={"url_pattern": "/x"}).status_code == 403
    listing = _at(member, pilot, "voso")
    old_shape = _step(member, listing, "listing", URLS["voso"][1])
    assert old_shape.status_code == 422
    assert "https://voso.vn/san-pham/12345" in old_shape.json()["detail"]
    assert _ok_step(member, listing, "listing", "https://voso.vn/san-pham/987")


def test_a_new_marketplace_without_a_pattern_still_refuses_its_home_page(
    admin: TestClient, session: Session
) -> None:
    created = admin.post(
        f"{API}/marketplaces",
        json={
            "code": "cho_que",
            "name": "Chợ quê",
            "domain": "choque.vn",
            "steps": [
                {"code": "listing", "name": "Đăng sản phẩm", "evidence": "url"},
                {
                    "code": "storefront",
                    "name": "Mở gian hàng",
                    "evidence": "url",
                    "url_pattern": "/cua-hang/[^/]+",
                    "url_example": "https://choque.vn/cua-hang/ho-ba-sau",
                },
            ],
        },
    )
    assert created.status_code == 201, created.text
    refused = admin.post(
        f"{API}/marketplaces",
        json={
            "code": "cho_phien",
            "name": "Chợ phiên",
            "domain": "chophien.vn",
            "steps": [
                {
                    "code": "quality",
                    "name": "Cam kết",
                    "url_pattern": "/x",
                }
            ],
        },
    )
    assert refused.status_code == 422
    with pytest.raises(InvalidInput, match="không phải trang chủ"):
        workflow.check_page(
            "https://choque.vn/",
            domain="choque.vn",
            label="Đường dẫn sản phẩm",
            page="trang sản phẩm",
            pattern=None,
            example=None,
        )
    workflow.check_page(
        "https://choque.vn/banh-pia",
        domain="choque.vn",
        label="Đường dẫn sản phẩm",
        page="trang sản phẩm",
        pattern=None,
        example=None,
    )


def test_the_page_shows_the_refusal_with_the_example(
    sign_in: SignIn, pilot: Pilot
) -> None:
    member = sign_in("thanhvien.khom3")
    listing = _at(member, pilot, "voso")
    page = member.get(f"/products/{pilot.product.id}", headers={"accept": "text/html"})
    assert f"ví dụ {EXAMPLES['voso', 'listing']}" in page.text
    refused = member.post(
        f"/listings/{listing['id']}/steps",
        data={
            "csrf_token": member.headers["X-CSRF-Token"],
            "step": "listing",
            "version": listing["version"],
            "evidence_url": "https://voso.vn",
        },
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 422
    assert "không phải trang chủ của sàn" in refused.text
    assert EXAMPLES["voso", "listing"] in refused.text
