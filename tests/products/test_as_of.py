"""What "as of D" means for a record entered after D, the same in the record
reads and in coverage (``history.records_as_of``): a certificate counts on the
dates it names, whatever day it was recorded, and the product it belongs to is
answered as of D with its first recorded values and the day it was entered."""

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core import clock
from tests.conftest import SignIn
from tests.factories import make_hamlet, unit

DECIDED = dt.date(2025, 6, 1)
D = dt.date(2025, 6, 10)  # the day of the report in issue #13


def _setup(client: TestClient, session: Session) -> tuple[int, dict[str, Any]]:
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    producer = client.post(
        "/api/v1/producers",
        json={"hamlet_id": hamlet.id, "kind": "household", "name": "Hộ Bà Năm"},
    )
    assert producer.status_code == 201, producer.text
    product = client.post(
        "/api/v1/products",
        json={
            "producer_id": producer.json()["id"],
            "name": "Bánh pía sầu riêng",
            "kind": "ocop",
        },
    )
    assert product.status_code == 201, product.text
    return hamlet.id, dict(product.json())


def _coverage(client: TestClient, area_id: int, day: dt.date) -> dict[str, Any]:
    response = client.get(
        "/api/v1/reports/coverage",
        params={"area_id": area_id, "as_of": day.isoformat()},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _in_force_on(client: TestClient, area_id: int, day: dt.date) -> list[int]:
    """Products the record reads show with a certificate in force on ``day``."""
    page = client.get(
        "/api/v1/products",
        params={"area_id": area_id, "as_of": day.isoformat(), "limit": 200},
    )
    assert page.status_code == 200, page.text
    return [
        i["id"]
        for i in page.json()["items"]
        if i["certificate_status"] in ("valid", "expiring")
    ]


def test_a_product_entered_later_is_answered_as_of_its_certificate(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    area_id, product = _setup(official, session)
    url = f"/api/v1/products/{product['id']}"
    cert = official.post(
        f"{url}/certificates",
        json={
            "stars": 4,
            "score": 80,
            "decision_number": "1358/QĐ-UBND",
            "decision_date": DECIDED.isoformat(),
            "authority": "UBND tỉnh Sóc Trăng",
            "level": "province",
        },
    )
    assert cert.status_code == 201, cert.text
    renamed = official.patch(url, json={"name": "Bánh pía đổi tên", "version": 1})
    assert renamed.status_code == 200, renamed.text

    # The reported case: 404 "did not exist yet" while coverage counted it.
    certs = official.get(f"{url}/certificates", params={"as_of": D.isoformat()})
    assert certs.status_code == 200, certs.text
    [then] = certs.json()
    assert (then["id"], then["status"], then["stars"]) == (
        cert.json()["id"],
        "valid",
        4,
    )
    assert (then["as_of"], then["recorded_on"]) == (
        D.isoformat(),
        clock.today().isoformat(),
    )

    one = official.get(url, params={"as_of": D.isoformat()})
    assert one.status_code == 200, one.text
    body = one.json()
    assert body["name"] == "Bánh pía sầu riêng"  # the first recorded value
    assert body["producer_name"] == "Hộ Bà Năm"
    assert (body["stars"], body["certificate_status"]) == (4, "valid")
    assert (body["as_of"], body["recorded_on"]) == (
        D.isoformat(),
        clock.today().isoformat(),
    )
    assert official.get(url).json()["recorded_on"] is None  # today: no flag

    coverage = _coverage(official, area_id, D)
    assert coverage["ocop"]["total"] == 1
    assert _in_force_on(official, area_id, D) == [product["id"]]
    assert {x["key"]: x["total"] for x in coverage["by_stars"]} == {
        "5": 0,
        "4": 1,
        "3": 0,
    }

    # Before the decision it did not exist on either side.
    before = DECIDED - dt.timedelta(days=1)
    assert official.get(url, params={"as_of": before.isoformat()}).status_code == 404
    missing = official.get(f"{url}/certificates", params={"as_of": before.isoformat()})
    assert missing.status_code == 404
    assert "chưa có vào ngày 31/05/2025" in missing.json()["detail"]
    assert _coverage(official, area_id, before)["ocop"]["total"] == 0
    assert _in_force_on(official, area_id, before) == []


def test_a_backdated_revocation_applies_on_its_date_in_both(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    area_id, product = _setup(official, session)
    url = f"/api/v1/products/{product['id']}"
    cert = official.post(
        f"{url}/certificates",
        json={
            "stars": 3,
            "score": 62,
            "decision_number": "77/QĐ-UBND",
            "decision_date": DECIDED.isoformat(),
            "authority": "UBND thành phố Sóc Trăng",
            "level": "district",
        },
    ).json()
    revoked_on = dt.date(2025, 7, 1)
    revoked = official.post(
        f"{url}/certificates/{cert['id']}/revoke",
        json={
            "revoked_on": revoked_on.isoformat(),
            "reason": "Sai hồ sơ",
            "version": 1,
        },
    )
    assert revoked.status_code == 200, revoked.text

    for day, in_force in ((D, True), (dt.date(2025, 7, 15), False)):
        coverage = _coverage(official, area_id, day)
        assert coverage["ocop"]["total"] == (1 if in_force else 0), day
        assert _in_force_on(official, area_id, day) == (
            [product["id"]] if in_force else []
        )
        [then] = official.get(
            f"{url}/certificates", params={"as_of": day.isoformat()}
        ).json()
        assert then["status"] == ("valid" if in_force else "revoked"), day
        stars = official.get(url, params={"as_of": day.isoformat()}).json()["stars"]
        assert stars == (3 if in_force else None), day


def test_a_product_without_certificate_entered_later_did_not_exist(
    sign_in: SignIn, session: Session
) -> None:
    official = sign_in("canbo.khom3")
    area_id, product = _setup(official, session)
    url = f"/api/v1/products/{product['id']}"
    assert official.get(url, params={"as_of": D.isoformat()}).status_code == 404
    page = official.get(
        "/api/v1/products", params={"area_id": area_id, "as_of": D.isoformat()}
    ).json()
    assert page["total"] == 0
