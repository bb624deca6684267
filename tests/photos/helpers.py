"""Small helpers shared by the photo tests."""

from typing import Any

from fastapi.testclient import TestClient


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
