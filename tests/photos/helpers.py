"""Small helpers shared by the photo tests."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Edition, Level
from tests.factories import unit


def api_product(
    client: TestClient,
    session: Session,
    hamlet: str = "Khóm 3",
    name: str = "Mắm cá linh",
) -> dict[str, Any]:
    """A new producer and product in ``hamlet``, made over the API by ``client``
    (who must be allowed to write there), as a team member does from a phone."""
    hamlet_id = unit(session, hamlet, edition=Edition.e2025, level=Level.hamlet).id
    producer = client.post(
        "/api/v1/producers",
        json={"hamlet_id": hamlet_id, "kind": "household", "name": f"Hộ ảnh {name}"},
    )
    assert producer.status_code == 201, producer.text
    product = client.post(
        "/api/v1/products",
        json={
            "producer_id": producer.json()["id"],
            "name": name,
            "kind": "agricultural",
        },
    )
    assert product.status_code == 201, product.text
    return dict(product.json())


def upload(
    client: TestClient,
    product_id: int,
    data: bytes,
    *,
    key: str | None = None,
    content_type: str = "image/jpeg",
    multipart: bool = False,
    **params: Any,
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    url = f"/api/v1/products/{product_id}/photos"
    if multipart:
        return client.post(
            url,
            files={"file": ("anh.jpg", data, content_type)},
            headers=headers,
            params=params,
        )
    return client.post(
        url,
        content=data,
        headers={**headers, "Content-Type": content_type},
        params=params,
    )
