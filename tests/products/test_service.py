"""Product and certificate rules against the database, and their history."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.versions import StaleVersion
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products import views as product_views
from ocop_tracker.products.models import (
    Certificate,
    CertLevel,
    OcopGroup,
    OcopSubgroup,
    Product,
    ProductKind,
)
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.factories import make_hamlet, unit
from tests.refusals import refused

VN = dt.timezone(dt.timedelta(hours=7))


def _user(session: Session, login: str) -> User:
    user = user_repository.by_login(session, login)
    assert user is not None, login
    return user


def _producer(
    session: Session,
    login: str = "thanhvien.khom3",
    hamlet: str = "Khóm 3",
    name: str = "Cơ sở Tân Huê Viên",
) -> Producer:
    return producer_service.create_producer(
        session,
        _user(session, login),
        hamlet_id=unit(session, hamlet, edition=Edition.e2025, level=Level.hamlet).id,
        kind=ProducerKind.enterprise,
        name=name,
    )


def _product(
    session: Session,
    producer: Producer,
    name: str = "Bánh pía sầu riêng trứng muối",
    login: str = "thanhvien.khom3",
    **extra: Any,
) -> Product:
    return product_service.create_product(
        session,
        _user(session, login),
        producer_id=producer.id,
        name=name,
        kind=extra.pop("kind", ProductKind.ocop),
        **extra,
    )


def _cert(
    session: Session,
    product: Product,
    *,
    stars: int = 3,
    decision_date: dt.date = dt.date(2024, 3, 1),
    level: CertLevel | None = None,
    number: str = "150/QĐ-UBND",
    login: str = "canbo.khom3",
    **extra: Any,
) -> Certificate:
    return certificate_service.add_certificate(
        session,
        _user(session, login),
        product,
        stars=stars,
        decision_number=number,
        decision_date=decision_date,
        authority="UBND thành phố Sóc Trăng",
        level=level
        or min(rules.allowed_levels(stars, decision_date), default=CertLevel.district),
        **extra,
    )


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(Product)) or 0,
        session.scalar(select(func.count()).select_from(Certificate)) or 0,
        session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
    )


def _group(session: Session, code: str) -> OcopGroup:
    group = session.scalar(select(OcopGroup).where(OcopGroup.code == code))
    assert group is not None
    return group


# --- products --------------------------------------------------------------------------


def test_a_product_gets_a_random_public_code_that_never_changes(
    session: Session,
) -> None:
    producer = _producer(session)
    first = _product(session, producer, price=45000, unit="hộp 500 g")
    second = _product(session, producer, name="Lạp xưởng tươi")
    assert len(first.public_code) == 22
    assert first.public_code != second.public_code
    assert first.hamlet_id == producer.hamlet_id
    assert first.search_key == "banh pia sau rieng trung muoi co so tan hue vien"
    view = product_views.view(session, first)
    assert (view.price, view.unit, view.stars, view.certificate_status) == (
        45000,
        "hộp 500 g",
        None,
        None,
    )
    code = first.public_code
    product_service.update_product(
        session,
        _user(session, "totruong.khom3"),
        first.id,
        version=1,
        name="Bánh pía đậu xanh",
        price=50000,
    )
    assert first.public_code == code
    assert product_views.by_public_code(session, code) is first
    session.expire_all()
    assert product_views.view(session, first).price == 50000


def test_a_bad_gtin_check_digit_is_refused_and_nothing_written(
    session: Session,
) -> None:
    producer = _producer(session)
    before = _counts(session)
    with refused(InvalidInput, "gtin", r"^.*kiểm tra"):
        _product(session, producer, gtin="8936036020053")
    with refused(InvalidInput, "gtin", r"^"):
        _product(session, producer, gtin="89360360200")
    assert _counts(session) == before


def test_a_gtin_belongs_to_one_product_whatever_its_length(session: Session) -> None:
    producer = _producer(session)
    _product(session, producer, gtin="4006381333931")
    with refused(Conflict, "gtin", r"^"):
        _product(session, producer, name="Khác", gtin="04006381333931")
    # Even when the holder is outside the caller's area, without naming it.
    away = _producer(session, "thanhvien.anthuong", "Ấp An Thường", "Hộ Xa")
    with pytest.raises(Conflict) as caught:
        _product(
            session, away, name="Khác", login="thanhvien.anthuong", gtin="4006381333931"
        )
    assert "Bánh" not in caught.value.message


TOMORROW = object()  # stands for the day after the test's today


def _tomorrow() -> dt.date:
    return clock.today() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        ({"price": -1}, r"^price: Giá không được âm"),
        ({"name": ""}, r"^name: Tên sản phẩm không được để trống"),
        ({"unit": "u" * 41}, r"^unit: "),
        ({"group_id": 999_999}, r"^group_id: "),
        ({"subgroup_id": 999_999}, r"^subgroup_id: "),
    ],
)
def test_bad_product_fields_are_named(
    session: Session, extra: dict[str, Any], pattern: str
) -> None:
    producer = _producer(session)
    # The pattern reads "^<field>: <message>": the field is named beside it.
    field, _, message = pattern.removeprefix("^").partition(": ")
    with refused(InvalidInput, field, "^" + message):
        _product(session, producer, **extra)


def test_groups_and_subgroups_stay_consistent(session: Session) -> None:
    producer = _producer(session)
    food = _group(session, "food")
    drinks = _group(session, "beverage")
    processed = session.scalar(
        select(OcopSubgroup).where(OcopSubgroup.name == "Thực phẩm chế biến")
    )
    assert processed is not None
    product = _product(session, producer, subgroup_id=processed.id)
    assert (product.group_id, product.subgroup_id) == (food.id, processed.id)
    with refused(InvalidInput, "subgroup_id", r"^"):
        _product(
            session, producer, name="Sai", group_id=drinks.id, subgroup_id=processed.id
        )
    leader = _user(session, "totruong.khom3")
    product_service.update_product(
        session, leader, product.id, version=1, group_id=drinks.id
    )
    assert (product.group_id, product.subgroup_id) == (drinks.id, None)


def test_product_names_are_unique_per_producer(session: Session) -> None:
    producer = _producer(session)
    _product(session, producer, name="Bánh pía")
    with refused(Conflict, "name", r"^"):
        _product(session, producer, name="BÁNH PÍA")
    _product(session, _producer(session, name="Cơ sở Khác"), name="Bánh pía")


def test_a_renamed_product_is_found_by_its_new_name_only(session: Session) -> None:
    producer = _producer(session)
    product = _product(session, producer, name="Bánh pía")
    leader = _user(session, "thanhvien.khom3")
    product_service.update_product(
        session, leader, product.id, version=1, name="Mè láng"
    )
    # The old name is free again; the new one, in any case, is taken.
    _product(session, producer, name="BÁNH PÍA")
    with refused(Conflict, "name", r"^"):
        _product(session, producer, name="MÈ LÁNG")
    # A product may change the case of its own name.
    product_service.update_product(
        session, leader, product.id, version=2, name="MÈ LÁNG"
    )
    assert product.name == "MÈ LÁNG"


def test_products_follow_scope_and_roles(session: Session) -> None:
    away = _producer(session, "thanhvien.anthuong", "Ấp An Thường", "Hộ Xa")
    with pytest.raises(OutOfScope):
        _product(session, away)
    away_product = _product(session, away, login="thanhvien.anthuong")
    with pytest.raises(NotFound):
        product_views.get_product(
            session, _user(session, "thanhvien.khom3"), away_product.id
        )
    with pytest.raises(Forbidden):
        _product(session, away, name="Khác", login="sct.soctrang")
    with pytest.raises(Forbidden):
        _cert(session, away_product, login="sct.soctrang")
    # Moving a product to a producer the actor cannot see looks missing.
    mine = _product(session, _producer(session))
    with pytest.raises(NotFound):
        product_service.update_product(
            session,
            _user(session, "thanhvien.khom3"),
            mine.id,
            version=1,
            producer_id=away.id,
        )


def test_a_stale_product_version_is_refused(session: Session) -> None:
    product = _product(session, _producer(session))
    leader = _user(session, "totruong.khom3")
    product_service.update_product(session, leader, product.id, version=1, unit="kg")
    with pytest.raises(StaleVersion) as caught:
        product_service.update_product(
            session, leader, product.id, version=1, unit="hộp"
        )
    assert caught.value.current is product
    assert product.unit == "kg"


def test_kind_and_certificates_agree(session: Session) -> None:
    producer = _producer(session)
    rice = _product(session, producer, name="Gạo", kind=ProductKind.agricultural)
    with refused(InvalidInput, "kind", r"^"):
        _cert(session, rice)
    pia = _product(session, producer)
    _cert(session, pia)
    with refused(InvalidInput, "kind", r"^"):
        product_service.update_product(
            session,
            _user(session, "thanhvien.khom3"),
            pia.id,
            version=1,
            kind=ProductKind.specialty,
        )


# --- certificates ----------------------------------------------------------------------


def test_a_certificate_expires_36_months_after_its_decision(session: Session) -> None:
    product = _product(session, _producer(session))
    cert = _cert(
        session, product, stars=4, decision_date=dt.date(2024, 2, 29), score=75
    )
    assert cert.expires_on == dt.date(2027, 2, 28)
    assert cert.level is CertLevel.province
    assert cert.hamlet_id == product.hamlet_id
    custom = _cert(
        session,
        product,
        number="151/QĐ-UBND",
        decision_date=dt.date(2024, 3, 1),
        expires_on=dt.date(2026, 3, 1),
    )
    assert custom.expires_on == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        ({"stars": 2}, r"^stars: Hạng sao phải là 3, 4 hoặc 5"),
        ({"stars": 6}, r"^stars: "),
        (
            {"decision_date": TOMORROW},
            r"^decision_date: Ngày quyết định không được sau ngày hôm nay",
        ),
        (
            {"decision_date": dt.date(2025, 8, 1), "level": CertLevel.district},
            r"^level: .*cấp tỉnh",
        ),
        (
            {"decision_date": dt.date(2024, 8, 1), "level": CertLevel.province},
            r"^level: .*cấp huyện",
        ),
        ({"stars": 5, "level": CertLevel.province}, r"^level: .*cấp trung ương"),
        ({"score": 90}, r"^score: "),
        ({"number": "   "}, r"^decision_number: "),
        ({"expires_on": dt.date(2024, 2, 1)}, r"^expires_on: "),
    ],
)
def test_bad_certificates_are_refused_naming_the_field(
    session: Session, extra: dict[str, Any], pattern: str
) -> None:
    product = _product(session, _producer(session))
    before = _counts(session)
    # Tomorrow is read when the test runs, not when it is collected (a run may
    # cross midnight in Vietnam).
    extra = {k: _tomorrow() if v is TOMORROW else v for k, v in extra.items()}
    # The pattern reads "^<field>: <message>": the field is named beside it.
    field, _, message = pattern.removeprefix("^").partition(": ")
    with refused(InvalidInput, field, "^" + message):
        _cert(session, product, **extra)
    assert _counts(session) == before


def test_a_duplicate_decision_number_is_a_conflict(session: Session) -> None:
    product = _product(session, _producer(session))
    _cert(session, product, number="150/QĐ-UBND")
    before = _counts(session)
    with refused(Conflict, "decision_number", r"^"):
        _cert(session, product, number=" 150 / qđ-ubnd")
    assert _counts(session) == before
    # One decision recognises many products: the same number elsewhere is fine.
    other = _product(session, _producer(session, name="Cơ sở Hai"), name="Khác")
    _cert(session, other, number="150/QĐ-UBND")


def test_correcting_a_certificate(session: Session) -> None:
    product = _product(session, _producer(session))
    member = _user(session, "thanhvien.khom3")
    cert = _cert(session, product, decision_date=dt.date(2024, 3, 1))
    certificate_service.update_certificate(
        session, member, product, cert.id, version=1, decision_date=dt.date(2024, 4, 15)
    )
    # A default expiry moves with the decision date.
    assert cert.expires_on == dt.date(2027, 4, 15)
    certificate_service.update_certificate(
        session, member, product, cert.id, version=2, expires_on=dt.date(2027, 1, 1)
    )
    certificate_service.update_certificate(
        session, member, product, cert.id, version=3, decision_date=dt.date(2024, 5, 1)
    )
    # A hand-set expiry stays.
    assert cert.expires_on == dt.date(2027, 1, 1)
    with refused(InvalidInput, "level", r"^"):
        certificate_service.update_certificate(
            session, member, product, cert.id, version=4, stars=4
        )
    with refused(InvalidInput, "stars", r"^"):
        certificate_service.update_certificate(
            session, member, product, cert.id, version=4, stars=None
        )
    with pytest.raises(StaleVersion):
        certificate_service.update_certificate(
            session, member, product, cert.id, version=1, score=60
        )
    assert (cert.stars, cert.score, cert.version) == (3, None, 4)


def test_revoking_a_certificate(session: Session) -> None:
    product = _product(session, _producer(session))
    member = _user(session, "thanhvien.khom3")
    cert = _cert(session, product, decision_date=dt.date(2024, 3, 1))
    with refused(InvalidInput, "revoked_on", r"^"):
        certificate_service.revoke_certificate(
            session,
            member,
            product,
            cert.id,
            revoked_on=clock.today() + dt.timedelta(days=1),
            reason="Vi phạm",
            version=1,
        )
    with refused(InvalidInput, "revoked_on", r"^"):
        certificate_service.revoke_certificate(
            session,
            member,
            product,
            cert.id,
            revoked_on=dt.date(2024, 2, 1),
            reason="Vi phạm",
            version=1,
        )
    with refused(InvalidInput, "reason", r"^"):
        certificate_service.revoke_certificate(
            session,
            member,
            product,
            cert.id,
            revoked_on=dt.date(2025, 2, 1),
            reason=" ",
            version=1,
        )
    certificate_service.revoke_certificate(
        session,
        member,
        product,
        cert.id,
        revoked_on=dt.date(2025, 2, 1),
        reason="Không duy trì chất lượng",
        version=1,
    )
    assert (cert.revoked_on, cert.revoke_reason) == (
        dt.date(2025, 2, 1),
        "Không duy trì chất lượng",
    )
    assert rules.status_of(cert, clock.today()) is CertificateStatus.revoked
    with refused(Conflict, "revoked_on", r"^"):
        certificate_service.revoke_certificate(
            session,
            member,
            product,
            cert.id,
            revoked_on=dt.date(2025, 3, 1),
            reason="Lần hai",
            version=2,
        )
    other = _product(session, _producer(session, name="Cơ sở Hai"))
    with pytest.raises(NotFound):
        certificate_service.revoke_certificate(
            session,
            member,
            other,
            cert.id,
            revoked_on=clock.today(),
            reason="x",
            version=2,
        )


# --- lists ------------------------------------------------------------------------------


OFFICIAL = "canbo.khom3"  # official of Phường Sóc Trăng


def _catalogue(session: Session) -> tuple[dict[str, Product], AdminUnit]:
    """Products whose certificates stand differently today, in a hamlet of their own."""
    khom3 = unit(session, "Khóm 3", edition=Edition.e2025, level=Level.hamlet)
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    hamlet = make_hamlet(session, commune)
    producer = _producer(session, OFFICIAL, hamlet.name)
    p: dict[str, Product] = {}
    for name in ("valid4", "valid3", "expiring", "expired", "revoked", "bare"):
        p[name] = _product(session, producer, name=f"Sản phẩm {name}", login=OFFICIAL)
    p["rice"] = _product(
        session,
        producer,
        name="Gạo Đồng Tiến",
        kind=ProductKind.agricultural,
        login=OFFICIAL,
    )
    recent = clock.today() - dt.timedelta(days=30)
    # An older 3★ and a newer 4★ are both in force: the newer one speaks.
    _cert(session, p["valid4"], decision_date=dt.date(2024, 3, 1), number="0")
    _cert(session, p["valid4"], stars=4, decision_date=recent)
    _cert(session, p["valid3"], stars=3, decision_date=recent, number="1")
    _cert(
        session,
        p["expiring"],
        decision_date=dt.date(2024, 1, 5),
        expires_on=clock.today() + dt.timedelta(days=30),
    )
    _cert(session, p["expired"], stars=4, decision_date=dt.date(2021, 1, 5))
    revoked = _cert(session, p["revoked"], stars=5, decision_date=dt.date(2024, 6, 1))
    certificate_service.revoke_certificate(
        session,
        _user(session, OFFICIAL),
        p["revoked"],
        revoked.id,
        revoked_on=dt.date(2025, 1, 1),
        reason="Thu hồi",
        version=1,
    )
    return p, hamlet


def _names(views: list[Any]) -> list[str]:
    return sorted(v.name.removeprefix("Sản phẩm ") for v in views)


def _list(
    session: Session, hamlet: AdminUnit, **filters: Any
) -> tuple[list[product_views.ProductView], int]:
    return product_views.list_products(
        session, _user(session, OFFICIAL), area_id=hamlet.id, **filters
    )


def test_stars_and_certificate_filters_agree_with_the_rules(session: Session) -> None:
    _, hamlet = _catalogue(session)
    everything, total = _list(session, hamlet, limit=200)
    assert total == 7
    standing = {
        v.name.removeprefix("Sản phẩm "): v.certificate_status for v in everything
    }
    assert standing == {
        "valid4": CertificateStatus.valid,
        "valid3": CertificateStatus.valid,
        "expiring": CertificateStatus.expiring,
        "expired": CertificateStatus.expired,
        "revoked": CertificateStatus.revoked,
        "bare": None,
        "Gạo Đồng Tiến": None,
    }
    # The SQL filter behind each choice equals the per-product rule (T7 style).
    for choice in ("valid", "expiring", "expired", "revoked", "none"):
        views, count = _list(session, hamlet, certificate=choice, limit=200)
        expected = sorted(n for n, s in standing.items() if (s or "none") == choice)
        assert _names(views) == expected, choice
        assert count == len(expected)
    by_stars = {
        stars: _names(_list(session, hamlet, stars=stars)[0]) for stars in (3, 4, 5)
    }
    assert by_stars == {3: ["expiring", "valid3"], 4: ["valid4"], 5: []}
    assert {v.name: v.stars for v in everything}["Sản phẩm valid4"] == 4
    with refused(InvalidInput, "stars", r"^"):
        _list(session, hamlet, stars=2)
    with refused(InvalidInput, "certificate_status", r"^"):
        _list(session, hamlet, certificate="pending")
    views, _ = _list(session, hamlet, stars=3, certificate="expiring")
    assert _names(views) == ["expiring"]
    views, _ = _list(session, hamlet, kind=ProductKind.agricultural)
    assert _names(views) == ["Gạo Đồng Tiến"]


def test_a_filtered_page_carries_the_whole_count_past_the_end_too(
    session: Session,
) -> None:
    """A filter that reads each product counts in the page's own pass; the
    total is the same on every page, past the last one and with no match."""
    _, hamlet = _catalogue(session)
    for filters, expected in (
        ({"certificate": "valid"}, ["valid3", "valid4"]),
        ({"stars": 3}, ["expiring", "valid3"]),
        (
            {"q": "san pham"},
            ["bare", "expired", "expiring", "revoked", "valid3", "valid4"],
        ),
        ({"certificate": "revoked", "stars": 5}, []),
    ):
        seen: list[str] = []
        for offset in range(0, len(expected) + 4, 2):
            views, total = _list(session, hamlet, limit=2, offset=offset, **filters)
            assert total == len(expected), (filters, offset)
            seen += _names(views)
        assert sorted(seen) == expected, filters


def test_search_sort_page_and_area(session: Session) -> None:
    products, hamlet = _catalogue(session)
    official = _user(session, OFFICIAL)
    views, _ = _list(session, hamlet, q="gao dong TIEN")
    assert _names(views) == ["Gạo Đồng Tiến"]
    views, _ = _list(session, hamlet, q="tân huê viên bare")
    assert _names(views) == ["bare"]
    assert _list(session, hamlet, q="50%_")[1] == 0
    asc, _ = _list(session, hamlet, sort="name", limit=3)
    desc, _ = _list(session, hamlet, sort="name", order="desc", limit=3)
    assert [v.name for v in asc] == [
        "Gạo Đồng Tiến",
        "Sản phẩm bare",
        "Sản phẩm expired",
    ]
    assert desc[0].name == "Sản phẩm valid4"
    second, total = _list(session, hamlet, sort="created_at", limit=3, offset=3)
    assert total == 7
    assert [v.id for v in second] == [
        products[n].id for n in ("expired", "revoked", "bare")
    ]
    product_service.update_product(
        session, official, products["bare"].id, version=1, unit="gói"
    )
    newest, _ = _list(session, hamlet, sort="updated_at", order="desc", limit=1)
    assert newest[0].id == products["bare"].id
    food = _group(session, "food")
    product_service.update_product(
        session, official, products["rice"].id, version=1, group_id=food.id
    )
    views, _ = _list(session, hamlet, group_id=food.id)
    assert _names(views) == ["Gạo Đồng Tiến"]
    # Area filters: a subtree, and never wider than the caller's own area.
    away = _producer(session, "thanhvien.anthuong", "Ấp An Thường", "Hộ Xa")
    shrimp = _product(session, away, name="Tôm khô", login="thanhvien.anthuong")
    # Ấp An Thường's commune on today's map (Cù Lao Dung district before 1/7/2025).
    an_thanh = unit(session, "Xã An Thạnh", edition=Edition.e2025, level=Level.commune)
    views, total = product_views.list_products(
        session, _user(session, "admin"), area_id=an_thanh.id, limit=200
    )
    assert shrimp.id in {v.id for v in views}
    assert not {p.id for p in products.values()} & {v.id for v in views}
    assert product_views.list_products(session, official, area_id=an_thanh.id)[1] == 0
    assert product_views.list_products(session, official, q="tom kho")[1] == 0
    # A team member of Khóm 3 does not see the new hamlet's products.
    member = _user(session, "thanhvien.khom3")
    assert product_views.list_products(session, member, area_id=hamlet.id)[1] == 0


# --- history --------------------------------------------------------------------------


def _at(day: int, hour: int = 10) -> Any:
    return time_machine.travel(dt.datetime(2026, 6, day, hour, tzinfo=VN), tick=False)


def test_products_and_certificates_as_of_past_days(session: Session) -> None:
    member = _user(session, "thanhvien.khom3")
    with _at(1):
        producer = _producer(session)
        product = _product(session, producer, price=40000, gtin="8936036020052")
    with _at(2):
        cert = _cert(session, product, stars=3, decision_date=dt.date(2026, 5, 20))
    with _at(3):
        product_service.update_product(
            session, member, product.id, version=1, name="Bánh pía kim sa", price=42000
        )
        producer_service.update_producer(
            session, member, producer.id, version=1, name="Cơ sở Huê Viên"
        )
    with _at(4, 23):
        certificate_service.revoke_certificate(
            session,
            member,
            product,
            cert.id,
            revoked_on=dt.date(2026, 6, 4),
            reason="Thu hồi thử",
            version=1,
        )
    day = dt.date(2026, 6, 1)
    first = product_views.product_as_of(session, member, product.id, day)
    # The certificate, recorded on 2/6, counts from its decision date 20/5.
    assert (first.name, first.price, first.stars, first.certificate_status) == (
        "Bánh pía sầu riêng trứng muối",
        40000,
        3,
        CertificateStatus.valid,
    )
    assert (first.producer_name, first.as_of, first.version, first.recorded_on) == (
        "Cơ sở Tân Huê Viên",
        day,
        None,
        None,
    )
    second = product_views.product_as_of(
        session, member, product.id, dt.date(2026, 6, 2)
    )
    assert (second.stars, second.certificate_status) == (3, CertificateStatus.valid)
    third = product_views.product_as_of(
        session, member, product.id, dt.date(2026, 6, 3)
    )
    assert (third.name, third.price, third.producer_name) == (
        "Bánh pía kim sa",
        42000,
        "Cơ sở Huê Viên",
    )
    fourth = product_views.product_as_of(
        session, member, product.id, dt.date(2026, 6, 4)
    )
    assert (fourth.stars, fourth.certificate_status) == (
        None,
        CertificateStatus.revoked,
    )
    assert product.public_code == fourth.public_code == first.public_code
    # Entered on 1/6, certified from 20/5: answered on 31/5 with its first values.
    earlier = product_views.product_as_of(
        session, member, product.id, dt.date(2026, 5, 31)
    )
    assert (earlier.name, earlier.stars, earlier.recorded_on) == (
        "Bánh pía sầu riêng trứng muối",
        3,
        dt.date(2026, 6, 1),
    )
    with pytest.raises(NotFound):
        product_views.product_as_of(session, member, product.id, dt.date(2026, 5, 19))
    certs = product_views.list_certificates(
        session, member, product, as_of=dt.date(2026, 6, 3)
    )
    assert [(c.id, c.status, c.revoked_on) for c in certs] == [
        (cert.id, CertificateStatus.valid, None)  # the revocation is dated 4/6
    ]
    [then] = product_views.list_certificates(
        session, member, product, as_of=dt.date(2026, 6, 1)
    )
    assert (then.id, then.status, then.recorded_on) == (
        cert.id,
        CertificateStatus.valid,
        dt.date(2026, 6, 2),
    )
    with pytest.raises(NotFound):
        product_views.list_certificates(
            session, member, product, as_of=dt.date(2026, 5, 1)
        )
    now = product_views.list_certificates(session, member, product)
    assert now[0].status is CertificateStatus.revoked
    # Lists as of a day use the state of that day for filters and search.
    # (The demo products certified by then are answered too.)
    views, _ = product_views.list_products(
        session, member, as_of=dt.date(2026, 6, 2), stars=3, limit=500
    )
    assert product.id in [v.id for v in views]
    views, _ = product_views.list_products(
        session, member, as_of=dt.date(2026, 6, 4), stars=3, limit=500
    )
    assert product.id not in [v.id for v in views]
    views, _ = product_views.list_products(
        session, member, as_of=dt.date(2026, 6, 2), q="trung muoi"
    )
    assert product.id in [v.id for v in views]
    views, _ = product_views.list_products(
        session, member, as_of=dt.date(2026, 6, 2), q="kim sa"
    )
    assert product.id not in [v.id for v in views]
    views, _ = product_views.list_products(
        session, member, as_of=dt.date(2026, 5, 19), limit=500
    )
    assert product.id not in [v.id for v in views]
    with refused(InvalidInput, "sort", r"^"):
        product_views.list_products(
            session, member, as_of=dt.date(2026, 6, 2), sort="updated_at"
        )


def test_as_of_lists_agree_with_live_lists_today(session: Session) -> None:
    _catalogue(session)
    official = _user(session, OFFICIAL)
    for choice in (None, "valid", "expiring", "expired", "revoked", "none"):
        live, live_total = product_views.list_products(
            session, official, certificate=choice, limit=200
        )
        replayed, total = product_views.list_products(
            session, official, certificate=choice, limit=200, as_of=clock.today()
        )
        assert total == live_total
        assert [(v.id, v.stars, v.certificate_status) for v in replayed] == [
            (v.id, v.stars, v.certificate_status) for v in live
        ]


# --- groups ---------------------------------------------------------------------------


def test_the_six_groups_are_seeded_and_admins_add_subgroups(session: Session) -> None:
    groups = product_views.list_groups(session)
    assert [g.code for g, _ in groups] == [
        "food",
        "beverage",
        "herbal",
        "handicraft",
        "ornamental",
        "tourism",
    ]
    assert all(subs for _, subs in groups)
    food = _group(session, "food")
    sub = product_service.add_subgroup(
        session, _user(session, "admin"), food.id, name="Thủy sản chế biến"
    )
    assert sub.group_id == food.id
    with refused(Conflict, "name", r"^"):
        product_service.add_subgroup(
            session, _user(session, "admin"), food.id, name="thủy sản chế biến"
        )
    with pytest.raises(Forbidden):
        product_service.add_subgroup(
            session, _user(session, "canbo.khom3"), food.id, name="Khác"
        )
    with pytest.raises(NotFound):
        product_service.add_subgroup(
            session, _user(session, "admin"), 999_999, name="Khác"
        )
