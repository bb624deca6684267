"""Commands on products and the OCOP groups: create, update, price, GTIN, subgroups.

Services never commit; the request (or command) owns the transaction. Reads
are in ``products/views.py``, certificate commands in ``products/certificates.py``.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ocop_tracker.audit import views as audit_views
from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.text import clean_text, required_text
from ocop_tracker.core.versions import (
    UNSET,
    Unset,
    check_version,
    flush_versioned,
    given,
    resent_by,
)
from ocop_tracker.producers import views as producer_views
from ocop_tracker.products import repository, rules
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import OcopSubgroup, Product, ProductKind
from ocop_tracker.users.models import WRITERS, Role, User

MAX_PRICE = 10**14 - 1  # Numeric(14, 0): whole đồng
PUBLIC_CODE_ATTEMPTS = 5


# --- products ------------------------------------------------------------------------


def _clean_price(price: int | None) -> int | None:
    if price is None:
        return None
    if price < 0:
        raise InvalidInput("Giá không được âm.", field="price")
    if price > MAX_PRICE:
        raise InvalidInput("Giá quá lớn.", field="price")
    return price


def _set_price(product: Product, price: int | None) -> None:
    """Prices are whole đồng, held as int in Python.

    The audit trail is JSON, which cannot hold the Decimal the column loads;
    the stored value is made an int too, so the "before" of a change is one.
    """
    if inspect(product).persistent and product.price is not None:
        set_committed_value(product, "price", int(product.price))
    product.price = price  # type: ignore[assignment]


def _clean_gtin(
    session: Session, raw: str | None, exclude_id: int | None = None
) -> str | None:
    if raw is None or not raw.strip():
        return None
    code = rules.clean_gtin(raw)
    _check_gtin_free(session, code, exclude_id)
    return code


def _check_gtin_free(
    session: Session, code: str, exclude_id: int | None = None
) -> None:
    if repository.gtin_holder(
        session, rules.gtin_variants(code), exclude_id=exclude_id
    ):
        raise gtin_taken()


def _groups(
    session: Session,
    group_id: int | None,
    subgroup_id: int | None,
    *,
    subgroup_given: bool = True,
) -> tuple[int | None, int | None]:
    """A consistent (group, subgroup) pair; a subgroup alone implies its group."""
    if group_id is not None and repository.get_group(session, group_id) is None:
        raise InvalidInput("Không có nhóm sản phẩm OCOP này.", field="group_id")
    if subgroup_id is None:
        return group_id, None
    subgroup = repository.get_subgroup(session, subgroup_id)
    if subgroup is None:
        raise InvalidInput("Không có phân nhóm sản phẩm này.", field="subgroup_id")
    if group_id is None:
        return subgroup.group_id, subgroup.id
    if subgroup.group_id != group_id:
        if not subgroup_given:
            return group_id, None  # the group changed: the old subgroup goes
        raise InvalidInput("Phân nhóm không thuộc nhóm đã chọn.", field="subgroup_id")
    return group_id, subgroup.id


def _new_public_code(session: Session) -> str:
    for _ in range(PUBLIC_CODE_ATTEMPTS):
        code = rules.new_public_code()
        if not repository.public_code_taken(session, code):
            return code
    raise Conflict("Không tạo được mã công khai, hãy thử lại.")  # pragma: no cover


def _clean_name(name: str | None) -> str:
    return required_text(name, field="name", label="Tên sản phẩm", max_len=200)


def _clean_unit(raw: str | None) -> str | None:
    return clean_text(raw, field="unit", label="Đơn vị tính", max_len=40)


def _clean_description(raw: str | None) -> str | None:
    return clean_text(
        raw, field="description", label="Mô tả", max_len=2000, multiline=True
    )


def _check_unique_name(
    session: Session, producer_id: int, name: str, exclude_id: int | None = None
) -> None:
    clash = repository.same_name(session, producer_id, name, exclude_id=exclude_id)
    if clash is not None:
        raise namesake(clash.name)


def namesake(name: str) -> Conflict:
    """The refusal of a second product of one name (case ignored) of a producer."""
    return Conflict(f"Chủ thể này đã có sản phẩm tên '{name}'.", field="name")


def create_product(
    session: Session,
    actor: User,
    *,
    producer_id: int,
    name: str,
    kind: ProductKind,
    group_id: int | None = None,
    subgroup_id: int | None = None,
    unit: str | None = None,
    price: int | None = None,
    description: str | None = None,
    gtin: str | None = None,
    roles: frozenset[Role] = WRITERS,
) -> Product:
    """Register a product of a producer in the actor's area; its public code is new."""
    producer = producer_views.get_producer(session, actor, producer_id)
    check_writer(session, actor, producer.hamlet_id, "chủ thể", roles)
    _clean_name(name)  # a missing name is said first, before the group
    group, subgroup = _groups(session, group_id, subgroup_id)
    product = Product(
        **product_columns(
            producer_id=producer.id,
            hamlet_id=producer.hamlet_id,
            producer_name=producer.name,
            name=name,
            kind=kind,
            group_id=group,
            subgroup_id=subgroup,
            unit=unit,
            price=price,
            description=description,
            gtin=gtin,
            public_code=_new_public_code(session),
        )
    )
    if product.gtin is not None:
        _check_gtin_free(session, product.gtin)
    _check_unique_name(session, producer.id, product.name)
    session.add(product)
    session.flush()
    return product


def product_columns(
    *,
    producer_id: int | None,
    hamlet_id: int,
    producer_name: str,
    name: str,
    kind: ProductKind,
    public_code: str,
    group_id: int | None = None,
    subgroup_id: int | None = None,
    unit: str | None = None,
    price: int | None = None,
    description: str | None = None,
    gtin: str | None = None,
) -> dict[str, Any]:
    """A new product's columns, cleaned: every rule that reads nothing.
    ``create_product`` adds the checks that read (area, groups, a GTIN held
    elsewhere, a namesake, a fresh public code); the list import makes them
    for a whole file at once (``new_public_codes``, ``held_gtins``), gives
    ``producer_id`` when it has one, and inserts the columns without the ORM
    (``core.base.new_row``). The price is whole đồng, an int (``_set_price``)."""
    clean_name = _clean_name(name)
    clean_unit = _clean_unit(unit)
    clean_desc = _clean_description(description)
    clean_price = _clean_price(price)
    return {
        "producer_id": producer_id,
        "hamlet_id": hamlet_id,
        "name": clean_name,
        "kind": kind,
        "group_id": group_id,
        "subgroup_id": subgroup_id,
        "unit": clean_unit,
        "description": clean_desc,
        "gtin": rules.clean_gtin(gtin) if gtin is not None and gtin.strip() else None,
        "public_code": public_code,
        "search_key": rules.product_search_key(clean_name, producer_name),
        "price": clean_price,
    }


def new_public_codes(session: Session, count: int) -> list[str]:
    """``count`` public codes that no product holds, nor each other, checked
    a few thousand at a time rather than one query each."""
    codes: list[str] = []
    while len(codes) < count:
        fresh = {rules.new_public_code() for _ in range(count - len(codes))}
        fresh -= set(codes)
        fresh -= repository.public_codes_taken(session, sorted(fresh))
        codes.extend(sorted(fresh))
    return codes


def held_gtins(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` (clean GTINs) a product already holds, in any of
    its lengths: ``create_product``'s check, for many codes at once."""
    wanted = {code: set(rules.gtin_variants(code)) for code in codes}
    variants = sorted(set().union(*wanted.values()))
    taken = repository.gtins_held(session, variants)
    return {code for code, forms in wanted.items() if forms & taken}


def gtin_taken() -> Conflict:
    """The refusal of a GTIN another product holds; the holder may lie outside
    the caller's area, so it is not named."""
    return Conflict("Mã GTIN này đã được dùng cho một sản phẩm khác.", field="gtin")


def update_product(
    session: Session,
    actor: User,
    product_id: int,
    *,
    version: int,
    producer_id: int | Unset | None = UNSET,
    name: str | Unset | None = UNSET,
    kind: ProductKind | Unset | None = UNSET,
    group_id: int | Unset | None = UNSET,
    subgroup_id: int | Unset | None = UNSET,
    unit: str | Unset | None = UNSET,
    price: int | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    gtin: str | Unset | None = UNSET,
) -> Product:
    """Change a product; a stale ``version`` is refused with 409 and the current record.

    The public code never changes. Moving to another producer (also in the
    actor's area) moves the product and its certificates to that hamlet.
    """
    product = product_views.get_product(session, actor, product_id)
    check_writer(session, actor, product.hamlet_id, "sản phẩm")
    sent = given(
        producer_id=producer_id,
        name=name,
        kind=kind,
        group_id=group_id,
        subgroup_id=subgroup_id,
        unit=unit,
        price=price,
        description=description,
        gtin=gtin,
    )

    # The form sent again after its answer was lost: this user's change, stored.
    resent = resent_by(
        actor.id,
        product,
        sent,
        clean={
            "name": _clean_name,
            "unit": _clean_unit,
            "description": _clean_description,
            "price": _clean_price,
            "gtin": lambda v: _clean_gtin(session, v, exclude_id=product.id),
        },
        writer=lambda: audit_views.last_writer(
            session, Product.__tablename__, product.id
        ),
    )
    if check_version(product, version, "Sản phẩm", resent=resent):
        return product
    producer = producer_views.get_producer(session, actor, product.producer_id)
    if not isinstance(producer_id, Unset) and producer_id != product.producer_id:
        if producer_id is None:
            raise InvalidInput("Sản phẩm phải thuộc một chủ thể.", field="producer_id")
        producer = producer_views.get_producer(session, actor, producer_id)
        check_writer(session, actor, producer.hamlet_id, "chủ thể")
    new_name = product.name
    if not isinstance(name, Unset):
        new_name = _clean_name(name)
    if new_name != product.name or producer.id != product.producer_id:
        _check_unique_name(session, producer.id, new_name, exclude_id=product.id)
    if not isinstance(kind, Unset):
        if kind is None:
            raise InvalidInput("Hãy chọn loại sản phẩm.", field="kind")
        if kind is not ProductKind.ocop and repository.certificates_of(
            session, product.id
        ):
            raise InvalidInput(
                "Sản phẩm đã có giấy chứng nhận OCOP nên phải là loại OCOP.",
                field="kind",
            )
        product.kind = kind
    if not isinstance(group_id, Unset) or not isinstance(subgroup_id, Unset):
        group, subgroup = _groups(
            session,
            product.group_id if isinstance(group_id, Unset) else group_id,
            product.subgroup_id if isinstance(subgroup_id, Unset) else subgroup_id,
            subgroup_given=not isinstance(subgroup_id, Unset),
        )
        product.group_id, product.subgroup_id = group, subgroup
    if not isinstance(unit, Unset):
        product.unit = _clean_unit(unit)
    if not isinstance(description, Unset):
        product.description = _clean_description(description)
    if not isinstance(price, Unset):
        _set_price(product, _clean_price(price))
    if not isinstance(gtin, Unset):
        product.gtin = _clean_gtin(session, gtin, exclude_id=product.id)
    product.name = new_name
    product.search_key = rules.product_search_key(new_name, producer.name)
    if producer.id != product.producer_id:
        product.producer_id = producer.id
        if producer.hamlet_id != product.hamlet_id:
            product.hamlet_id = producer.hamlet_id
            for cert in repository.certificates_of(session, product.id):
                cert.hamlet_id = producer.hamlet_id
    flush_versioned(session, "Sản phẩm")
    return product


# --- OCOP groups ---------------------------------------------------------------------


def add_subgroup(
    session: Session, actor: User, group_id: int, *, name: str
) -> OcopSubgroup:
    """Add a subgroup to a group (admin only: reference data for everyone)."""
    if actor.role is not Role.admin:
        raise Forbidden("Chỉ quản trị hệ thống được sửa danh mục nhóm sản phẩm OCOP.")
    if repository.get_group(session, group_id) is None:
        raise NotFound("Không tìm thấy nhóm sản phẩm OCOP này.")
    clean = required_text(name, field="name", label="Tên phân nhóm", max_len=200)
    clash = repository.subgroup_named(session, group_id, clean)
    if clash is not None:
        raise Conflict(f"Nhóm này đã có phân nhóm '{clash.name}'.", field="name")
    sub = OcopSubgroup(group_id=group_id, name=clean)
    session.add(sub)
    session.flush()
    return sub
