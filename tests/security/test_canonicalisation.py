"""Canonical text across the API's text fields (SECURITY.md T21–T23).

The fields are read from the OpenAPI document, so a field added later is
covered without touching this file:

- every string of every JSON request body declares a maximum length;
- for the create operations below (one valid body each, as the admin), each
  text field given NUL, a control character, a bidi override or a zero-width
  space, or one character over its maximum, or 10,000 characters, is refused
  with 422, nothing is written, and the answer does not echo the value;
- a name sent decomposed (NFD) is stored composed (NFC), once.
"""

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.main import create_app
from ocop_tracker.producers.models import Producer
from ocop_tracker.products.models import Product
from ocop_tracker.teams.models import Team
from tests.factories import unit

SPEC = create_app().openapi()
CANARY = "CANARY8d1e"
BAD = {
    "nul": "\x00",
    "control": "\x07",
    "bidi": "\u202e",
    "zero_width": "\u200b",
}
# Fields that are secrets or machine codes: passwords keep every character a
# person typed (NFC only); ``code``/``login`` have their own, stricter syntax
# and are still expected to refuse what is tested here.
SECRET_FIELDS = {"password", "current_password", "new_password"}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]])
    return schema


def _strings(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(property, string schema) for every text property of an object schema."""
    schema = _resolve(schema)
    for name, prop in schema.get("properties", {}).items():
        for option in prop.get("anyOf", [prop]):
            option = _resolve(option)
            if (
                option.get("type") == "string"
                and "enum" not in option
                and option.get("format") not in {"date", "date-time", "binary"}
            ):
                yield name, option
                break


def _json_bodies() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield f"{method.upper()} {path}", content["application/json"]["schema"]


def test_every_text_field_of_the_api_has_a_maximum_length() -> None:
    missing = [
        f"{operation}: {name}"
        for operation, schema in _json_bodies()
        for name, option in _strings(schema)
        if "maxLength" not in option
    ]
    assert missing == []


@dataclass
class Target:
    """One create operation with a valid body."""

    path: str
    body: dict[str, Any]
    table: type[Any] | None  # rows that must not appear on a refusal


def _targets(session: Session) -> dict[str, Target]:
    hamlet = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    commune = session.get_one(AdminUnit, hamlet.parent_id)
    team = session.scalars(select(Team).where(Team.hamlet_id == hamlet.id)).first()
    producer = session.scalars(
        select(Producer).where(Producer.hamlet_id == hamlet.id).order_by(Producer.id)
    ).first()
    product = session.scalars(select(Product).order_by(Product.id)).first()
    assert team is not None
    assert producer is not None
    assert product is not None
    return {
        "POST /api/v1/producers": Target(
            "/api/v1/producers",
            {
                "hamlet_id": hamlet.id,
                "kind": "household",
                "name": "Hộ Thử Chuẩn Hóa",
                "representative": "Nguyễn Văn Thử",
                "phone": "0912345678",
                "tax_code": "1234567890",
            },
            Producer,
        ),
        "POST /api/v1/products": Target(
            "/api/v1/products",
            {
                "producer_id": producer.id,
                "name": "Bánh Thử Chuẩn Hóa",
                "kind": "ocop",
                "unit": "hộp",
                "description": "Mô tả",
            },
            Product,
        ),
        "POST /api/v1/areas/{area_id}/hamlets": Target(
            f"/api/v1/areas/{commune.id}/hamlets",
            {"name": "Ấp Thử Chuẩn Hóa"},
            AdminUnit,
        ),
        "POST /api/v1/teams/{team_id}/members": Target(
            f"/api/v1/teams/{team.id}/members",
            {"full_name": "Trần Thị Thử", "phone": "0912345679"},
            None,
        ),
        "POST /api/v1/users": Target(
            "/api/v1/users",
            {
                "login": "thu.chuanhoa",
                "display_name": "Người Thử",
                "role": "team_member",
                "area_id": hamlet.id,
            },
            None,
        ),
        "POST /api/v1/tokens": Target("/api/v1/tokens", {"name": "Token thử"}, None),
        "POST /api/v1/products/{product_id}/certificates": Target(
            f"/api/v1/products/{product.id}/certificates",
            {
                "stars": 3,
                "decision_number": "99/QĐ-UBND",
                "decision_date": "2025-01-15",
                "authority": "UBND huyện Thử",
                "level": "district",
            },
            None,
        ),
    }


def _fields(operation: str) -> list[tuple[str, dict[str, Any]]]:
    schema = dict(_json_bodies())[operation]
    return [(n, o) for n, o in _strings(schema) if n not in SECRET_FIELDS]


OPERATIONS = [
    "POST /api/v1/producers",
    "POST /api/v1/products",
    "POST /api/v1/areas/{area_id}/hamlets",
    "POST /api/v1/teams/{team_id}/members",
    "POST /api/v1/users",
    "POST /api/v1/tokens",
    "POST /api/v1/products/{product_id}/certificates",
]
CASES = [
    (operation, field, kind)
    for operation in OPERATIONS
    for field, _ in _fields(operation)
    for kind in (*BAD, "over_max", "10k")
]


def _value(kind: str, limit: int) -> str:
    if kind in BAD:
        return f"Tên{BAD[kind]}{CANARY}"
    if kind == "over_max":
        return CANARY + "a" * (limit + 1 - len(CANARY))
    return CANARY + "ă" * 10_000


def _count(session: Session, table: type[Any] | None) -> int:
    if table is None:
        return 0
    return session.scalar(select(func.count()).select_from(table)) or 0


@pytest.fixture
def targets(session: Session) -> dict[str, Target]:
    return _targets(session)


def test_the_valid_bodies_are_accepted(
    admin: TestClient, targets: dict[str, Target]
) -> None:
    """Guards the test below: its refusals come from the value, not the body."""
    for operation, target in targets.items():
        response = admin.post(target.path, json=target.body)
        assert response.status_code in {200, 201}, (operation, response.text[:300])


@pytest.mark.parametrize(("operation", "field", "kind"), CASES)
def test_bad_text_is_refused_without_echo(
    admin: TestClient,
    session: Session,
    targets: dict[str, Target],
    operation: str,
    field: str,
    kind: str,
) -> None:
    target = targets[operation]
    limit = dict(_fields(operation))[field]["maxLength"]
    before = _count(session, target.table)
    response = admin.post(target.path, json={**target.body, field: _value(kind, limit)})
    assert response.status_code == 422, (operation, field, kind, response.text[:300])
    assert CANARY not in response.text
    assert _count(session, target.table) == before


def _find(body: Any, field: str) -> Any:
    """``field`` in an answer, at the top or in a nested object (``user``, ``info``)."""
    if isinstance(body, dict):
        if field in body:
            return body[field]
        for value in body.values():
            found = _find(value, field)
            if found is not None:
                return found
    return None


NAME_FIELDS = {
    "POST /api/v1/producers": "name",
    "POST /api/v1/products": "name",
    "POST /api/v1/areas/{area_id}/hamlets": "name",
    "POST /api/v1/teams/{team_id}/members": "full_name",
    "POST /api/v1/users": "display_name",
    "POST /api/v1/tokens": "name",
}


@pytest.mark.parametrize("operation", list(NAME_FIELDS))
def test_decomposed_names_are_stored_composed(
    admin: TestClient, targets: dict[str, Target], operation: str
) -> None:
    target = targets[operation]
    field = NAME_FIELDS[operation]
    composed = "Bánh Pía Sầu Riêng Khóm Ba"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    response = admin.post(target.path, json={**target.body, field: decomposed})
    assert response.status_code in {200, 201}, response.text[:300]
    stored = _find(response.json(), field)
    assert stored == composed
    assert unicodedata.is_normalized("NFC", stored)
