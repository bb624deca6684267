"""Errors tied to fields: the error, the API body, the OpenAPI schema, the savepoint."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.core.db import make_engine, refusable, writing
from ocop_tracker.core.errors import (
    Conflict,
    FieldErrors,
    Forbidden,
    InvalidInput,
    NotFound,
    split_field_code,
)
from ocop_tracker.core.http import validation_fields
from ocop_tracker.products.models import Product
from ocop_tracker.teams.models import Team
from tests.conftest import SignIn
from tests.factories import make_hamlet, unit
from tests.refusals import no_code

API = "/api/v1"


def _refusal(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"error", "detail", "fields"}
    if body["error"] != "validation_error":  # its detail keeps the old wording
        no_code(body["detail"])
    for message in body["fields"].values():
        no_code(message)
    return body


# --- the error ------------------------------------------------------------------------


def test_an_error_carries_its_field_and_nfc_text() -> None:
    decomposed = "Te\u0302n sa\u0309n pha\u0302\u0309m cần 1–200 ký tự."
    error = InvalidInput(decomposed, field="name")
    assert error.message == "Tên sản phẩm cần 1–200 ký tự."
    assert error.fields == {"name": "Tên sản phẩm cần 1–200 ký tự."}
    assert InvalidInput("Không có gì.").fields == {}
    several = InvalidInput("Chưa lưu được.", fields={"a": "Sai a.", "b": "Sai b."})
    assert several.fields == {"a": "Sai a.", "b": "Sai b."}


def test_several_fields_are_refused_at_once() -> None:
    errors = FieldErrors()
    with errors.check("phone"):
        raise InvalidInput("Số điện thoại không hợp lệ.")
    with errors.check("name"):
        pass
    with errors.check("tax_code"):
        raise InvalidInput("Mã số thuế sai.", field="tax_code")
    with pytest.raises(InvalidInput) as caught:
        errors.raise_any()
    assert caught.value.fields == {
        "phone": "Số điện thoại không hợp lệ.",
        "tax_code": "Mã số thuế sai.",
    }
    assert caught.value.message == "Chưa lưu được: 2 ô cần sửa."
    FieldErrors().raise_any()  # nothing gathered, nothing raised
    # Anything else is not a field's refusal.
    with pytest.raises(Conflict), FieldErrors().check("x"):
        raise Conflict("Trùng.")


def test_an_older_code_in_a_message_becomes_the_field() -> None:
    assert split_field_code("phone: Số sai.") == ("phone", "Số sai.")
    step = "Hãy làm “Mở gian hàng” (storefront) trước."
    assert split_field_code(step) == (None, step)  # a step's code, not a field
    assert split_field_code("Tệp: hỏng.") == (None, "Tệp: hỏng.")


def test_request_validation_names_each_field_in_vietnamese() -> None:
    fields = validation_fields(
        [
            {
                "loc": ("body", "login"),
                "type": "string_too_short",
                "ctx": {"min_length": 3},
            },
            {"loc": ("body", "role"), "type": "enum", "ctx": {"expected": "'a'"}},
            {"loc": ("query", "limit"), "type": "less_than_equal", "ctx": {"le": 200}},
            {
                "loc": ("body", "as_of"),
                "type": "value_error",
                "msg": "Value error, ngày phải viết theo dạng YYYY-MM-DD",
            },
            {"loc": ("body", "x"), "type": "something_new"},
        ]
    )
    assert fields == {
        "login": "Cần ít nhất 3 ký tự.",
        "role": "Hãy chọn một giá trị trong danh sách.",
        "limit": "Cần một số không quá 200.",
        "as_of": "Ngày phải viết theo dạng YYYY-MM-DD.",
        "x": "Giá trị không hợp lệ.",
    }


# --- the form's savepoint ---------------------------------------------------------------


def _hamlet(session: Session, name: str) -> AdminUnit:
    return unit(session, name, edition=Edition.e2025, level=Level.hamlet)


def _teams(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Team)) or 0


def test_a_refusal_rolls_back_only_its_savepoint(session: Session) -> None:
    parent_id = _hamlet(session, "Khóm 3").parent_id
    assert parent_id is not None
    commune = session.get(AdminUnit, parent_id)
    assert commune is not None
    before = _teams(session)
    kept = Team(hamlet_id=make_hamlet(session, commune).id)
    session.add(kept)
    session.flush()
    with refusable(session) as refusal:
        session.add(Team(hamlet_id=make_hamlet(session, commune).id))
        session.flush()
        raise InvalidInput("Sai.", field="hamlet_id")
    assert refusal.fields == {"hamlet_id": "Sai."}
    assert _teams(session) == before + 1  # the earlier write stays
    with refusable(session) as done:
        session.add(Team(hamlet_id=make_hamlet(session, commune).id))
    assert done.error is None
    assert _teams(session) == before + 2


def test_a_denial_or_a_missing_record_is_not_a_form_refusal(session: Session) -> None:
    with pytest.raises(Forbidden), refusable(session):
        raise Forbidden("Không được.")
    with refusable(session) as refusal:
        raise NotFound("Không thấy.")
    assert isinstance(refusal.error, NotFound)
    assert refusal.fields == {}


# --- the API body ----------------------------------------------------------------------


def test_every_error_has_fields_even_when_empty(admin: TestClient) -> None:
    missing = _refusal(admin.get(f"{API}/users/987654321"), 404)
    assert missing["fields"] == {}
    unknown = _refusal(admin.get(f"{API}/nowhere"), 404)
    assert unknown["fields"] == {}


def test_users_and_request_validation_name_their_fields(admin: TestClient) -> None:
    taken = _refusal(
        admin.post(
            f"{API}/users",
            json={"login": "totruong.khom3", "display_name": "A", "role": "admin"},
        ),
        409,
    )
    assert taken["fields"] == {"login": taken["detail"]}
    short = _refusal(
        admin.post(
            f"{API}/users",
            json={"login": "ab", "display_name": "A", "role": "chief"},
        ),
        422,
    )
    assert short["error"] == "validation_error"
    assert short["fields"] == {
        "login": "Cần ít nhất 3 ký tự.",
        "role": "Hãy chọn một giá trị trong danh sách.",
    }
    assert short["detail"].startswith("login: ")  # the old wording, kept for clients


def test_producers_teams_products_and_listings_name_their_fields(
    sign_in: SignIn, session: Session
) -> None:
    member = sign_in("thanhvien.khom3")
    hamlet = _hamlet(session, "Khóm 3")
    producer = _refusal(
        member.post(
            f"{API}/producers",
            json={
                "hamlet_id": hamlet.id,
                "kind": "household",
                "name": "Hộ Thử",
                "phone": "12345",
            },
        ),
        422,
    )
    assert producer["fields"] == {"phone": producer["detail"]}
    assert "Số điện thoại" in producer["detail"]

    leader = sign_in("totruong.khom3")
    team = leader.get(f"{API}/teams").json()["items"][0]
    bad_phone = _refusal(
        leader.post(
            f"{API}/teams/{team['id']}/members",
            json={"full_name": "Người Mới", "phone": "12345"},
        ),
        422,
    )
    assert bad_phone["fields"] == {"phone": bad_phone["detail"]}

    product = session.scalars(
        select(Product).where(Product.hamlet_id == hamlet.id).limit(1)
    ).one()
    gtin = _refusal(
        member.post(
            f"{API}/products",
            json={
                "producer_id": product.producer_id,
                "name": "Sản phẩm thử",
                "kind": "ocop",
                "gtin": "8936036020053",
            },
        ),
        422,
    )
    assert gtin["fields"] == {"gtin": gtin["detail"]}
    assert "kiểm tra" in gtin["detail"]

    # Onboarding's own messages still name their field in brackets (left to
    # that domain's split); its request validation names the field already.
    listing = _refusal(
        member.post(
            f"{API}/listings",
            json={"product_id": product.id, "marketplace_id": "sàn A"},
        ),
        422,
    )
    assert listing["fields"] == {"marketplace_id": "Cần một số nguyên."}


def test_openapi_documents_fields_on_every_error(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["components"]["schemas"]["ErrorBody"]
    assert "fields" in body["required"]
    assert body["properties"]["fields"]["additionalProperties"] == {"type": "string"}
    checked = 0
    for path, item in spec["paths"].items():
        if not path.startswith(API):
            continue
        for operation in item.values():
            answer = operation["responses"].get("422")
            if answer is None or "content" not in answer:
                continue
            schema = answer["content"]["application/json"]["schema"]
            if "$ref" in schema and schema["$ref"].endswith("/HTTPValidationError"):
                continue
            checked += 1
            names = schema["$ref"].rsplit("/", 1)[-1]
            assert "fields" in spec["components"]["schemas"][names]["properties"]
    assert checked > 50


def test_the_savepoint_works_inside_sqlites_begin_immediate(tmp_path: Path) -> None:
    """A write request's own transaction (not the tests' joined one): on SQLite it
    begins with BEGIN IMMEDIATE, and the savepoint nests inside it."""
    engine = make_engine(f"sqlite:///{tmp_path / 'savepoint.db'}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    statements.clear()
    with Session(bind=writing(engine)) as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        with refusable(session) as refusal:
            session.execute(text("INSERT INTO t VALUES (2)"))
            raise InvalidInput("Sai.", field="x")
        session.execute(text("INSERT INTO t VALUES (3)"))
        session.commit()
    assert refusal.fields == {"x": "Sai."}
    with engine.connect() as conn:
        kept = conn.exec_driver_sql("SELECT x FROM t ORDER BY x").scalars().all()
    assert kept == [1, 3]
    assert statements[0] == "BEGIN IMMEDIATE"
    assert any(s.startswith("SAVEPOINT") for s in statements)
    assert any(s.startswith("ROLLBACK TO SAVEPOINT") for s in statements)
    engine.dispose()
