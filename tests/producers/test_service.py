"""Producer rules: scope, phones, names, versions, consent, masked payment, history."""

import datetime as dt
import json

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import AdminUnit, Edition, Level
from ocop_tracker.audit.models import AuditEvent
from ocop_tracker.auth.scope import OutOfScope
from ocop_tracker.core import clock
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ocop_tracker.core.versions import StaleVersion
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import (
    Consent,
    ConsentField,
    PaymentAccount,
    PaymentKind,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import CertLevel, ProductKind
from ocop_tracker.users import repository as user_repository
from ocop_tracker.users.models import User
from tests.factories import make_hamlet, unit
from tests.refusals import refused

VN = dt.timezone(dt.timedelta(hours=7))


def _user(session: Session, login: str) -> User:
    user = user_repository.by_login(session, login)
    assert user is not None, login
    return user


def _hamlet(session: Session, name: str) -> AdminUnit:
    return unit(session, name, edition=Edition.e2025, level=Level.hamlet)


def _make(
    session: Session,
    *,
    login: str = "thanhvien.khom3",
    hamlet: str = "Khóm 3",
    name: str = "Hộ Trần Văn Ba",
    **extra: object,
) -> Producer:
    return producer_service.create_producer(
        session,
        _user(session, login),
        hamlet_id=_hamlet(session, hamlet).id,
        kind=ProducerKind.household,
        name=name,
        **extra,  # type: ignore[arg-type]
    )


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- create and validate ---------------------------------------------------------


def test_a_team_member_registers_a_producer_in_their_hamlet(session: Session) -> None:
    producer = _make(
        session,
        name="  Cơ sở   Bánh Pía  Tân Huê Viên ",
        representative="Trần  Thị Mỹ",
        phone="0912 345 678",
        tax_code="2200 123 456",
    )
    assert producer.name == "Cơ sở Bánh Pía Tân Huê Viên"
    assert producer.representative == "Trần Thị Mỹ"
    assert producer.phone == "+84912345678"
    assert producer.tax_code == "2200123456"
    assert "banh pia tan hue vien" in producer.search_key
    assert producer.version == 1


@pytest.mark.parametrize("bad", ["12345", "+1 202 555 0100", "không có số", "0212"])
def test_a_phone_that_is_not_vietnamese_is_refused_naming_the_field(
    session: Session, bad: str
) -> None:
    before = (_count(session, Producer), _count(session, AuditEvent))
    with refused(InvalidInput, "phone", r"^.*Số điện thoại"):
        _make(session, phone=bad)
    assert (_count(session, Producer), _count(session, AuditEvent)) == before


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("name", "   ", r"^Tên chủ thể không được để trống"),
        ("name", "x" * 201, r"^Tên chủ thể dài quá 200"),
        ("name", "Hộ\u202eBa", r"^.*ký tự"),
        ("representative", "y" * 121, r"^"),
        ("tax_code", "MST?", r"^"),
    ],
)
def test_bad_fields_are_named(
    session: Session, field: str, value: str, pattern: str
) -> None:
    kwargs: dict[str, object] = {"name": "Hộ Hợp Lệ", field: value}
    with refused(InvalidInput, field, pattern):
        _make(session, **kwargs)  # type: ignore[arg-type]


def test_names_are_unique_in_a_hamlet_ignoring_case(session: Session) -> None:
    _make(session, name="Hộ Lâm Văn Tư")
    with refused(Conflict, "name", r"^"):
        _make(session, name="hộ lâm văn tư")
    # The same name in another hamlet is another producer.
    _make(
        session, login="thanhvien.anthuong", hamlet="Ấp An Thường", name="Hộ Lâm Văn Tư"
    )


def test_a_producer_belongs_to_a_hamlet_not_a_commune(session: Session) -> None:
    commune = unit(
        session, "Phường Sóc Trăng", edition=Edition.e2025, level=Level.commune
    )
    with refused(InvalidInput, "hamlet_id", r"^"):
        producer_service.create_producer(
            session,
            _user(session, "canbo.khom3"),
            hamlet_id=commune.id,
            kind=ProducerKind.cooperative,
            name="HTX Phường 5",
        )


def test_out_of_area_looks_missing_and_the_department_only_reads(
    session: Session,
) -> None:
    with pytest.raises(OutOfScope):
        _make(session, login="thanhvien.khom3", hamlet="Ấp An Thường")
    with pytest.raises(Forbidden):
        _make(session, login="sct.soctrang")
    producer = _make(session, login="thanhvien.anthuong", hamlet="Ấp An Thường")
    with pytest.raises(NotFound):
        producer_views.get_producer(
            session, _user(session, "totruong.khom3"), producer.id
        )
    # Visible to the department, but not writable.
    department = _user(session, "sct.soctrang")
    assert producer_views.get_producer(session, department, producer.id) is producer
    with pytest.raises(Forbidden):
        producer_service.update_producer(
            session, department, producer.id, version=1, name="Đổi Tên"
        )


# --- update ------------------------------------------------------------------------


def test_a_stale_version_is_refused_with_the_current_record(session: Session) -> None:
    leader = _user(session, "totruong.khom3")
    producer = _make(session)
    producer_service.update_producer(
        session, leader, producer.id, version=1, phone="0912 000 111"
    )
    assert producer.version == 2
    with refused(StaleVersion, "version", r"^") as caught:
        producer_service.update_producer(
            session, leader, producer.id, version=1, phone="0912 000 222"
        )
    assert caught.value.status_code == 409
    assert caught.value.current is producer
    assert producer.phone == "+84912000111"


def test_clearing_and_keeping_fields(session: Session) -> None:
    leader = _user(session, "totruong.khom3")
    producer = _make(session, representative="Bà Năm", phone="0912345678")
    producer_service.update_producer(
        session, leader, producer.id, version=1, representative=None
    )
    assert producer.representative is None
    assert producer.phone == "+84912345678"  # not sent, so kept
    with refused(InvalidInput, "name", r"^"):
        producer_service.update_producer(
            session, leader, producer.id, version=2, name=None
        )


def test_moving_a_producer_takes_everything_along(session: Session) -> None:
    official = _user(session, "canbo.khom3")
    khom3 = _hamlet(session, "Khóm 3")
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    other = make_hamlet(session, commune, name="Khóm 9")
    producer = _make(session, login="canbo.khom3")
    product = product_service.create_product(
        session,
        official,
        producer_id=producer.id,
        name="Bánh pía",
        kind=ProductKind.ocop,
    )
    cert = certificate_service.add_certificate(
        session,
        official,
        product,
        stars=3,
        decision_number="12/QĐ-UBND",
        decision_date=dt.date(2024, 3, 1),
        authority="UBND thành phố Sóc Trăng",
        level=CertLevel.district,
    )
    producer_service.record_consent(
        session,
        official,
        producer,
        field=ConsentField.phone,
        granted=True,
        note="Phiếu",
    )
    producer_service.add_payment_account(
        session, official, producer, provider="momo", status=PaymentStatus.open
    )
    producer_service.add_payment_account(
        session, official, producer, provider="agribank", status=PaymentStatus.applied
    )
    producer_service.update_producer(
        session,
        official,
        producer.id,
        version=1,
        hamlet_id=other.id,
        name="Cơ sở Mới",
    )
    session.expire_all()
    assert {
        session.get(Producer, producer.id).hamlet_id,  # type: ignore[union-attr]
        product.hamlet_id,
        cert.hamlet_id,
    } == {other.id}
    consents = select(Consent).where(Consent.producer_id == producer.id)
    assert {c.hamlet_id for c in session.scalars(consents)} == {other.id}
    accounts = select(PaymentAccount).where(PaymentAccount.producer_id == producer.id)
    assert {a.hamlet_id for a in session.scalars(accounts)} == {other.id}
    assert product.search_key == "banh pia co so moi"
    # A member of Khóm 3 no longer sees it; moving into An Thường is out of area.
    with pytest.raises(NotFound):
        producer_views.get_producer(
            session, _user(session, "thanhvien.khom3"), producer.id
        )
    with pytest.raises(OutOfScope):
        producer_service.update_producer(
            session,
            official,
            producer.id,
            version=2,
            hamlet_id=_hamlet(session, "Ấp An Thường").id,
        )


# --- lists -----------------------------------------------------------------------


def _fresh_hamlet(session: Session) -> AdminUnit:
    """A new hamlet of Phường Sóc Trăng (canbo.khom3's commune): only this test's data."""
    khom3 = _hamlet(session, "Khóm 3")
    commune = session.get(AdminUnit, khom3.parent_id)
    assert commune is not None
    return make_hamlet(session, commune)


def test_lists_are_scoped_filtered_searched_sorted_and_paged(session: Session) -> None:
    official = _user(session, "canbo.khom3")
    hamlet = _fresh_hamlet(session)
    for name, kind in (
        ("Hợp tác xã Đồng Tiến", ProducerKind.cooperative),
        ("Hộ Lê Thị Út", ProducerKind.household),
        ("Công ty Bánh Pía Sóc Trăng", ProducerKind.enterprise),
    ):
        producer_service.create_producer(
            session, official, hamlet_id=hamlet.id, kind=kind, name=name
        )
    mine = _make(session, name="Hộ Trong Khóm 3")
    away = _make(
        session, login="thanhvien.anthuong", hamlet="Ấp An Thường", name="Hộ Xa"
    )

    def names(**filters: object) -> tuple[list[str], int]:
        views, total = producer_views.list_producers(
            session,
            official,
            area_id=hamlet.id,
            **filters,  # type: ignore[arg-type]
        )
        return [v.name for v in views], total

    # Sorted on the folded name: "Cong", "Ho Le", "Hop" — not by code points.
    assert names() == (
        ["Công ty Bánh Pía Sóc Trăng", "Hộ Lê Thị Út", "Hợp tác xã Đồng Tiến"],
        3,
    )
    assert names(sort="name", order="desc")[0][0] == "Hợp tác xã Đồng Tiến"
    assert names(q="dong tien") == (["Hợp tác xã Đồng Tiến"], 1)
    assert names(q="BÁNH PÍA") == (["Công ty Bánh Pía Sóc Trăng"], 1)
    assert names(q="hop xa") == (["Hợp tác xã Đồng Tiến"], 1)
    assert names(q="100%") == ([], 0)
    assert names(kind=ProducerKind.household) == (["Hộ Lê Thị Út"], 1)
    assert names(limit=2, offset=2) == (["Hợp tác xã Đồng Tiến"], 3)
    assert names(sort="created_at", order="desc")[0][0] == "Công ty Bánh Pía Sóc Trăng"
    # A member of Khóm 3 sees Khóm 3 only; a filter naming a foreign area
    # never widens the caller's own.
    member = _user(session, "thanhvien.khom3")
    views, total = producer_views.list_producers(session, member, limit=200)
    assert mine.id in {v.id for v in views}
    assert {v.hamlet_id for v in views} == {mine.hamlet_id}
    assert total == len(views)
    assert producer_views.list_producers(session, member, area_id=hamlet.id)[1] == 0
    # Ấp An Thường's commune on today's map (Cù Lao Dung district before 1/7/2025).
    an_thanh = unit(session, "Xã An Thạnh", edition=Edition.e2025, level=Level.commune)
    assert producer_views.list_producers(session, member, area_id=an_thanh.id)[1] == 0
    views, _ = producer_views.list_producers(
        session, _user(session, "admin"), area_id=an_thanh.id, limit=200
    )
    assert away.id in {v.id for v in views}
    assert hamlet.id not in {v.hamlet_id for v in views}


# --- consent -----------------------------------------------------------------------


def test_consent_is_off_by_default_recorded_with_who_and_when_and_withdrawable(
    session: Session,
) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    assert producer_views.current_consents(session, producer) == dict.fromkeys(
        ConsentField
    )
    assert producer_views.public_fields(session, producer) == frozenset()
    with refused(InvalidInput, "note", r"^"):
        producer_service.record_consent(
            session, member, producer, field=ConsentField.phone, granted=True
        )
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN), tick=False):
        given = producer_service.record_consent(
            session,
            member,
            producer,
            field=ConsentField.phone,
            granted=True,
            note="Phiếu đồng ý ký ngày 02/03/2026",
        )
    assert (given.recorded_by_id, given.recorded_at) == (
        member.id,
        dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
    )
    assert producer_views.public_fields(session, producer) == {ConsentField.phone}
    with refused(Conflict, "field", r"^"):
        producer_service.record_consent(
            session, member, producer, field=ConsentField.phone, granted=True, note="x"
        )
    with refused(Conflict, "field", r"^"):
        producer_service.record_consent(
            session, member, producer, field=ConsentField.photo, granted=False
        )
    with time_machine.travel(dt.datetime(2026, 3, 9, 9, 0, tzinfo=VN), tick=False):
        producer_service.record_consent(
            session, member, producer, field=ConsentField.phone, granted=False
        )
    assert producer_views.public_fields(session, producer) == frozenset()
    history = producer_views.consent_history(session, member, producer)
    assert [(c.granted, name) for c, name in history] == [
        (False, member.display_name),
        (True, member.display_name),
    ]
    # What the page showed on a past day.
    on_5th = producer_views.current_consents(session, producer, on=dt.date(2026, 3, 5))
    assert on_5th[ConsentField.phone] is given
    ids = [str(c.id) for c, _ in history]
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "producer_consents",
            AuditEvent.object_id.in_(ids),
        )
    ).all()
    assert [e.action for e in events] == ["create", "create"]


def test_the_department_cannot_record_consent(session: Session) -> None:
    producer = _make(session)
    with pytest.raises(Forbidden):
        producer_service.record_consent(
            session,
            _user(session, "sct.soctrang"),
            producer,
            field=ConsentField.display_name,
            granted=True,
            note="Không được",
        )


# --- payment account -----------------------------------------------------------------

CANARY = "ACC-H1a-98765432"


def _dump(session: Session, *tables: str) -> str:
    rows = []
    for table in tables:
        for row in session.execute(text(f"SELECT * FROM {table}")):
            rows.append(json.dumps([str(v) for v in row], ensure_ascii=False))
    return "\n".join(rows)


def test_only_provider_and_last_four_are_ever_stored(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    tables = ("producers", "payment_accounts", "audit_events")
    assert "98765432" not in _dump(session, *tables)
    account = producer_service.add_payment_account(
        session,
        member,
        producer,
        provider="bank",
        status=PaymentStatus.open,
        account_number=CANARY,
    )
    assert (account.last4, account.status) == ("5432", PaymentStatus.open)
    assert account.kind is PaymentKind.bank
    assert producer_views.mask(account) == "Ngân hàng khác ••••5432"
    session.flush()
    dump = _dump(session, *tables)
    for fragment in ("98765432", "ACC-H1a", "ACCH1A"):
        assert fragment not in dump
    assert "5432" in dump
    assert "98765432" not in caplog.text
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "payment_accounts",
            AuditEvent.object_id == str(account.id),
        )
    ).all()
    assert [e.action for e in events] == ["create"]


def test_a_bad_account_number_or_provider_is_refused_without_echoing_it(
    session: Session,
) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    with refused(InvalidInput, "account_number", r"^") as caught:
        producer_service.add_payment_account(
            session,
            member,
            producer,
            provider="bank",
            status=PaymentStatus.open,
            account_number="12#",
        )
    assert "12#" not in caught.value.message
    with refused(InvalidInput, "provider", "danh sách"):
        producer_service.add_payment_account(
            session, member, producer, provider="paypal", status=PaymentStatus.open
        )
    assert producer_views.accounts_of(session, member, producer) == []


def test_a_producer_keeps_several_accounts_and_has_e_payment_while_one_is_open(
    session: Session,
) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    wallet = producer_service.add_payment_account(
        session, member, producer, provider="momo", status=PaymentStatus.applied
    )
    bank = producer_service.add_payment_account(
        session,
        member,
        producer,
        provider="agribank",
        status=PaymentStatus.guided,
        account_number="1234 5678 9012",
    )
    accounts = producer_views.accounts_of(session, member, producer)
    assert [a.id for a in accounts] == [wallet.id, bank.id]
    assert [a.kind for a in accounts] == [PaymentKind.e_wallet, PaymentKind.bank]
    assert not producer_views.has_open_payment(accounts)
    assert producer_views.payment_summary(accounts) is None
    producer_service.update_payment_account(
        session,
        member,
        bank,
        version=bank.version,
        provider="agribank",
        status=PaymentStatus.open,
    )
    assert producer_views.has_open_payment(accounts)
    assert producer_views.payment_summary(accounts) == "Agribank ••••9012"
    assert producer_views.get_payment_account(session, member, bank.id) is bank
    outsider = _user(session, "thanhvien.anthuong")
    with pytest.raises(NotFound):
        producer_views.get_payment_account(session, outsider, bank.id)


def test_mobile_money_opens_only_on_a_sim_in_the_holders_name(
    session: Session,
) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    for sim in (None, False):
        with refused(InvalidInput, "sim_in_holder_name", "chính chủ") as caught:
            producer_service.add_payment_account(
                session,
                member,
                producer,
                provider="viettel_money",
                status=PaymentStatus.open,
                sim_in_holder_name=sim,
            )
        assert "SIM Viettel" in caught.value.message
    # Applied while the SIM is re-registered; open once it is.
    account = producer_service.add_payment_account(
        session,
        member,
        producer,
        provider="viettel_money",
        status=PaymentStatus.applied,
        sim_in_holder_name=False,
    )
    assert (account.kind, account.sim_in_holder_name) == (
        PaymentKind.mobile_money,
        False,
    )
    producer_service.update_payment_account(
        session,
        member,
        account,
        version=account.version,
        provider="viettel_money",
        status=PaymentStatus.open,
        sim_in_holder_name=True,
    )
    assert account.status is PaymentStatus.open
    # A wallet or a bank has no SIM to speak of: the answer is not kept.
    wallet = producer_service.add_payment_account(
        session,
        member,
        producer,
        provider="zalopay",
        status=PaymentStatus.open,
        sim_in_holder_name=True,
    )
    assert wallet.sim_in_holder_name is None


def test_changing_an_account_needs_its_version(session: Session) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    account = producer_service.add_payment_account(
        session,
        member,
        producer,
        provider="viettel_money",
        status=PaymentStatus.applied,
        account_number="0912 345 678",
        sim_in_holder_name=True,
    )
    assert account.last4 == "5678"
    with pytest.raises(StaleVersion):
        producer_service.update_payment_account(
            session,
            member,
            account,
            version=7,
            provider="viettel_money",
            status=PaymentStatus.open,
            sim_in_holder_name=True,
        )
    producer_service.update_payment_account(
        session,
        member,
        account,
        version=1,
        provider="viettel_money",
        status=PaymentStatus.open,
        sim_in_holder_name=True,
    )
    assert (account.status, account.last4, account.version) == (
        PaymentStatus.open,
        "5678",
        2,
    )
    # Another provider: the old last 4 belonged to the old account.
    producer_service.update_payment_account(
        session,
        member,
        account,
        version=2,
        provider="vnpt_money",
        status=PaymentStatus.applied,
    )
    assert account.last4 is None
    assert producer_views.mask(account) is None
    with pytest.raises(StaleVersion):
        producer_service.update_payment_account(
            session,
            member,
            account,
            version=2,
            provider="vnpt_money",
            status=PaymentStatus.closed,
        )
    with pytest.raises(Forbidden):
        producer_service.update_payment_account(
            session,
            _user(session, "sct.soctrang"),
            account,
            version=3,
            provider="bank",
            status=PaymentStatus.closed,
        )


def test_admins_add_a_provider_others_cannot(session: Session) -> None:
    admin = _user(session, "admin")
    provider = producer_service.add_payment_provider(
        session, admin, code="VNPay", name="VNPAY", kind=PaymentKind.e_wallet
    )
    assert provider.code == "vnpay"
    assert provider.code in {p.code for p in producer_views.payment_providers(session)}
    with refused(Conflict, "code", "vnpay"):
        producer_service.add_payment_provider(
            session, admin, code="vnpay", name="Khác", kind=PaymentKind.e_wallet
        )
    with refused(InvalidInput, "code", "chữ thường"):
        producer_service.add_payment_provider(
            session, admin, code="ví mới", name="Ví", kind=PaymentKind.e_wallet
        )
    with pytest.raises(Forbidden):
        producer_service.add_payment_provider(
            session,
            _user(session, "sct.soctrang"),
            code="other_wallet",
            name="Ví",
            kind=PaymentKind.e_wallet,
        )


# --- history -----------------------------------------------------------------------


def test_a_producer_as_of_a_past_day(session: Session) -> None:
    leader = _user(session, "totruong.khom3")
    with time_machine.travel(dt.datetime(2026, 4, 1, 23, 30, tzinfo=VN), tick=False):
        producer = _make(session, name="Hộ Ông Sáu", phone="0912345678")
    with time_machine.travel(dt.datetime(2026, 4, 3, 8, 0, tzinfo=VN), tick=False):
        producer_service.record_consent(
            session,
            leader,
            producer,
            field=ConsentField.display_name,
            granted=True,
            note="Đồng ý tại nhà",
        )
        producer_service.update_producer(
            session,
            leader,
            producer.id,
            version=1,
            name="Cơ sở Ông Sáu",
            kind=ProducerKind.enterprise,
        )
    first = producer_views.producer_as_of(
        session, leader, producer.id, dt.date(2026, 4, 1)
    )
    assert (first.name, first.kind, first.phone, first.as_of) == (
        "Hộ Ông Sáu",
        ProducerKind.household,
        "+84912345678",
        dt.date(2026, 4, 1),
    )
    assert first.consents[ConsentField.display_name] is False
    assert first.version is None
    same = producer_views.producer_as_of(
        session, leader, producer.id, dt.date(2026, 4, 2)
    )
    assert same.name == "Hộ Ông Sáu"
    later = producer_views.producer_as_of(
        session, leader, producer.id, dt.date(2026, 4, 3)
    )
    assert (later.name, later.kind) == ("Cơ sở Ông Sáu", ProducerKind.enterprise)
    assert later.consents[ConsentField.display_name] is True
    with pytest.raises(NotFound, match="31/03/2026"):
        producer_views.producer_as_of(
            session, leader, producer.id, dt.date(2026, 3, 31)
        )
    tomorrow = clock.today() + dt.timedelta(days=1)
    with refused(InvalidInput, "as_of", r"^"):
        producer_views.producer_as_of(session, leader, producer.id, tomorrow)


def test_an_accounts_status_carries_the_day_it_changed(session: Session) -> None:
    member = _user(session, "thanhvien.khom3")
    producer = _make(session)
    with time_machine.travel(dt.datetime(2026, 10, 5, 9, 0, tzinfo=VN), tick=False):
        account = producer_service.add_payment_account(
            session,
            member,
            producer,
            provider="viettel_money",
            status=PaymentStatus.guided,
        )
    assert account.status_on == dt.date(2026, 10, 5)

    def edit(
        day: dt.datetime, status: PaymentStatus, number: str | None = None
    ) -> None:
        with time_machine.travel(day, tick=False):
            producer_service.update_payment_account(
                session,
                member,
                account,
                version=account.version,
                provider="viettel_money",
                status=status,
                account_number=number,
            )

    # Another edit that leaves the status as it is keeps the day…
    edit(
        dt.datetime(2026, 10, 20, 9, 0, tzinfo=VN),
        PaymentStatus.guided,
        "0912345678",
    )
    assert account.status_on == dt.date(2026, 10, 5)
    # …a new status takes the day it was recorded.
    edit(dt.datetime(2026, 11, 2, 9, 0, tzinfo=VN), PaymentStatus.applied)
    assert account.status_on == dt.date(2026, 11, 2)
