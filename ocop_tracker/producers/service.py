"""Commands on producers: register, change, move, consent, payment accounts.

Services never commit; the request (or command) owns the transaction. Reads
are in ``producers/views.py``.
"""

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.areas.models import Level
from ocop_tracker.audit import views as audit_views
from ocop_tracker.auth.scope import check_writer
from ocop_tracker.core import clock
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.errors import Conflict, Forbidden, InvalidInput
from ocop_tracker.core.labels import labels
from ocop_tracker.core.phone import clean_vn
from ocop_tracker.core.text import (
    clean_text,
    fold,
    required_text,
)
from ocop_tracker.core.versions import (
    UNSET,
    Unset,
    check_version,
    flush_versioned,
    given,
    resent_by,
)
from ocop_tracker.producers import repository
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import (
    Consent,
    ConsentField,
    PaymentAccount,
    PaymentKind,
    PaymentProvider,
    PaymentStatus,
    Producer,
    ProducerKind,
)
from ocop_tracker.products.rules import product_search_key
from ocop_tracker.sellers import service as seller_service
from ocop_tracker.users.models import WRITERS, Role, User

SEARCH_KEY_LENGTH = 400
CONSENT_LABELS: Mapping[ConsentField, str] = labels(ConsentField)
_ACCOUNT_SEPARATORS = re.compile(r"[\s.\-_/]")
_ACCOUNT_CHARS = re.compile(r"[0-9A-Za-z]{4,34}")
_PROVIDER_CODE = re.compile(r"[a-z][a-z0-9_]{1,39}")
_TAX_CODE = re.compile(r"[0-9A-Z][0-9A-Z-]{2,18}[0-9A-Z]")


# --- shared checks ---------------------------------------------------------------


def _clean_phone(raw: str | None) -> str | None:
    return clean_vn(raw)


def _clean_representative(raw: str | None) -> str | None:
    return clean_text(raw, field="representative", label="Người đại diện", max_len=120)


def _clean_tax_code(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    code = re.sub(r"\s", "", raw).upper()
    if not _TAX_CODE.fullmatch(code):
        raise InvalidInput(
            "Mã số thuế/mã đăng ký kinh doanh chỉ gồm chữ số, chữ cái "
            "và dấu gạch, dài 4–20 ký tự.",
            field="tax_code",
        )
    return code


def _search_key(name: str, representative: str | None, tax_code: str | None) -> str:
    return fold(f"{name} {representative or ''} {tax_code or ''}")[:SEARCH_KEY_LENGTH]


def _check_hamlet(session: Session, hamlet_id: int) -> None:
    if area_views.get(session, hamlet_id).level is not Level.hamlet:
        raise InvalidInput("Chủ thể phải thuộc một khóm/ấp.", field="hamlet_id")


def _clean_name(name: str | None) -> str:
    return required_text(name, field="name", label="Tên chủ thể", max_len=200)


def _check_unique_name(
    session: Session, hamlet_id: int, name: str, exclude_id: int | None = None
) -> None:
    clash = repository.same_name(session, hamlet_id, name, exclude_id=exclude_id)
    if clash is not None:
        raise namesake(clash.name)


def namesake(name: str) -> Conflict:
    """The refusal of a second producer of one name (case ignored) in a hamlet."""
    return Conflict(f"Khóm/ấp này đã có chủ thể tên '{name}'.", field="name")


# --- producers ---------------------------------------------------------------------


def create_producer(
    session: Session,
    actor: User,
    *,
    hamlet_id: int,
    kind: ProducerKind,
    name: str,
    representative: str | None = None,
    phone: str | None = None,
    tax_code: str | None = None,
    roles: frozenset[Role] = WRITERS,
) -> Producer:
    """Register a producer in a hamlet of the actor's area.

    ``roles`` widens who may write, for the official-list import (department).
    """
    check_writer(session, actor, hamlet_id, "khóm/ấp", roles)
    _check_hamlet(session, hamlet_id)
    producer = Producer(
        **producer_columns(
            hamlet_id=hamlet_id,
            kind=kind,
            name=name,
            representative=representative,
            phone=phone,
            tax_code=tax_code,
        )
    )
    _check_unique_name(session, hamlet_id, producer.name)
    session.add(producer)
    session.flush()
    return producer


def producer_columns(
    *,
    hamlet_id: int,
    kind: ProducerKind,
    name: str,
    representative: str | None = None,
    phone: str | None = None,
    tax_code: str | None = None,
) -> dict[str, Any]:
    """A new producer's columns, cleaned: every rule that reads nothing.
    ``create_producer`` adds the checks that read (area, hamlet, a namesake);
    the list import makes them for a whole file at once, and inserts the
    columns without the ORM (``core.base.new_row``)."""
    clean_name = _clean_name(name)
    clean_rep = _clean_representative(representative)
    clean_phone = _clean_phone(phone)
    clean_tax = _clean_tax_code(tax_code)
    return {
        "hamlet_id": hamlet_id,
        "kind": kind,
        "name": clean_name,
        "representative": clean_rep,
        "phone": clean_phone,
        "tax_code": clean_tax,
        "search_key": _search_key(clean_name, clean_rep, clean_tax),
    }


def update_producer(
    session: Session,
    actor: User,
    producer_id: int,
    *,
    version: int,
    hamlet_id: int | Unset | None = UNSET,
    kind: ProducerKind | Unset | None = UNSET,
    name: str | Unset | None = UNSET,
    representative: str | Unset | None = UNSET,
    phone: str | Unset | None = UNSET,
    tax_code: str | Unset | None = UNSET,
) -> Producer:
    """Change a producer; a stale ``version`` is refused with 409 and the current record.

    Moving to another hamlet (both in the actor's area) moves its products,
    certificates, consents and payment account with it.
    """
    producer = producer_views.get_producer(session, actor, producer_id)
    check_writer(session, actor, producer.hamlet_id, "chủ thể")
    sent = given(
        hamlet_id=hamlet_id,
        kind=kind,
        name=name,
        representative=representative,
        phone=phone,
        tax_code=tax_code,
    )

    # The form sent again after its answer was lost: this user's change, stored.
    resent = resent_by(
        actor.id,
        producer,
        sent,
        clean={
            "name": _clean_name,
            "representative": _clean_representative,
            "phone": _clean_phone,
            "tax_code": _clean_tax_code,
        },
        writer=lambda: audit_views.last_writer(
            session, Producer.__tablename__, producer.id
        ),
    )
    if check_version(producer, version, "Chủ thể", resent=resent):
        return producer
    new_hamlet = producer.hamlet_id
    if not isinstance(hamlet_id, Unset):
        if hamlet_id is None:
            raise InvalidInput("Chủ thể phải thuộc một khóm/ấp.", field="hamlet_id")
        if hamlet_id != producer.hamlet_id:
            check_writer(session, actor, hamlet_id, "khóm/ấp")
            _check_hamlet(session, hamlet_id)
            new_hamlet = hamlet_id
    new_name = producer.name
    if not isinstance(name, Unset):
        new_name = _clean_name(name)
    if new_name != producer.name or new_hamlet != producer.hamlet_id:
        _check_unique_name(session, new_hamlet, new_name, exclude_id=producer.id)
    if not isinstance(kind, Unset):
        if kind is None:
            raise InvalidInput("Hãy chọn loại chủ thể.", field="kind")
        producer.kind = kind
    if not isinstance(representative, Unset):
        producer.representative = _clean_representative(representative)
    if not isinstance(phone, Unset):
        producer.phone = clean_vn(phone)
    if not isinstance(tax_code, Unset):
        producer.tax_code = _clean_tax_code(tax_code)
    renamed = new_name != producer.name
    producer.name = new_name
    producer.search_key = _search_key(
        new_name, producer.representative, producer.tax_code
    )
    if new_hamlet != producer.hamlet_id:
        _move(session, producer, new_hamlet)
    if renamed:
        for product in repository.products_of(session, producer.id):
            product.search_key = product_search_key(product.name, new_name)
    flush_versioned(session, "Chủ thể")
    return producer


def _move(session: Session, producer: Producer, hamlet_id: int) -> None:
    """Everything of the producer follows it to its new hamlet (scope, audit)."""
    producer.hamlet_id = hamlet_id
    products = repository.products_of(session, producer.id)
    for product in products:
        product.hamlet_id = hamlet_id
    for cert in repository.certificates_of_products(session, [p.id for p in products]):
        cert.hamlet_id = hamlet_id
    for consent in repository.consents_of(session, producer.id):
        consent.hamlet_id = hamlet_id
    for account in repository.payment_accounts(session, [producer.id]).get(
        producer.id, []
    ):
        account.hamlet_id = hamlet_id
    seller_service.follow_producer(session, producer.id, hamlet_id)


# --- consent ------------------------------------------------------------------------


def record_consent(
    session: Session,
    actor: User,
    producer: Producer,
    *,
    field: ConsentField,
    granted: bool,
    note: str | None = None,
) -> Consent:
    """Give or withdraw consent for a field; who and when are recorded.

    A grant needs a note saying how consent was obtained (Decree 356: consent
    must be verifiable); asking for the state a field is already in is a 409.
    """
    check_writer(session, actor, producer.hamlet_id, "chủ thể")
    clean_note = clean_text(
        note, field="note", label="Ghi chú", max_len=300, multiline=True
    )
    if granted and clean_note is None:
        raise InvalidInput(
            "Hãy ghi cách chủ thể đồng ý (ví dụ: phiếu đồng ý ký ngày …).",
            field="note",
        )
    latest = producer_views.current_consents(session, producer)[field]
    now_granted = bool(latest and latest.granted)
    label = CONSENT_LABELS[field]
    if granted and now_granted:
        raise Conflict(f"Chủ thể đã đồng ý công khai {label}.", field="field")
    if not granted and not now_granted:
        raise Conflict(
            f"Chủ thể chưa đồng ý công khai {label}, không có gì để rút.",
            field="field",
        )
    consent = Consent(
        producer_id=producer.id,
        hamlet_id=producer.hamlet_id,
        field=field,
        granted=granted,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
        note=clean_note,
    )
    session.add(consent)
    session.flush()
    return consent


# --- payment accounts --------------------------------------------------------------


def last4_of(account_number: str) -> str:
    """The last 4 characters of an account number; the number itself is dropped."""
    cleaned = _ACCOUNT_SEPARATORS.sub("", account_number)
    if not _ACCOUNT_CHARS.fullmatch(cleaned):
        # Never echo the number: it must not reach logs or screens.
        raise InvalidInput(
            "Số tài khoản/số ví cần 4–34 chữ số hoặc chữ cái.",
            field="account_number",
        )
    return cleaned[-4:].upper()


def _provider(session: Session, code: str) -> PaymentProvider:
    provider = repository.payment_provider(session, code)
    if provider is None:
        raise InvalidInput(
            "Hãy chọn ví điện tử, Mobile Money hoặc ngân hàng trong danh sách.",
            field="provider",
        )
    return provider


def _check_sim(
    provider: PaymentProvider, status: PaymentStatus, sim: bool | None
) -> bool | None:
    """Mobile Money runs on a SIM in the holder's own name; others have no SIM."""
    if provider.kind is not PaymentKind.mobile_money:
        return None
    if status is PaymentStatus.open and sim is not True:
        sim_of = f"SIM {provider.carrier}" if provider.carrier else "SIM"
        raise InvalidInput(
            f"{provider.name} chỉ mở được trên {sim_of} đăng ký chính chủ (đúng "
            "tên người giữ tài khoản). Hãy đăng ký lại SIM tại cửa hàng nhà mạng, "
            "mang theo căn cước công dân.",
            field="sim_in_holder_name",
        )
    return sim


def add_payment_account(
    session: Session,
    actor: User,
    producer: Producer,
    *,
    provider: str,
    status: PaymentStatus,
    account_number: str | None = None,
    sim_in_holder_name: bool | None = None,
) -> PaymentAccount:
    """Record one more e-payment account; only its provider and last 4 are kept."""
    check_writer(session, actor, producer.hamlet_id, "chủ thể")
    found = _provider(session, provider)
    last4 = last4_of(account_number) if account_number else None
    account = PaymentAccount(
        producer_id=producer.id,
        hamlet_id=producer.hamlet_id,
        provider=found.code,
        kind=found.kind,
        status=status,
        status_on=clock.today(),
        last4=last4,
        sim_in_holder_name=_check_sim(found, status, sim_in_holder_name),
    )
    session.add(account)
    session.flush()
    return account


def update_payment_account(
    session: Session,
    actor: User,
    account: PaymentAccount,
    *,
    version: int,
    provider: str,
    status: PaymentStatus,
    account_number: str | None = None,
    sim_in_holder_name: bool | None = None,
) -> PaymentAccount:
    """Change an account read at ``version``.

    Without ``account_number`` the stored last 4 stay, unless the provider
    changes (then they belonged to the old account and are dropped).
    """
    check_writer(session, actor, account.hamlet_id, "chủ thể")
    check_version(account, version, "Tài khoản thanh toán", field=None)
    found = _provider(session, provider)
    sim = _check_sim(found, status, sim_in_holder_name)
    last4 = last4_of(account_number) if account_number else None
    if last4 is None and found.code != account.provider:
        account.last4 = None
    elif last4 is not None:
        account.last4 = last4
    account.provider = found.code
    account.kind = found.kind
    if status is not account.status or account.status_on is None:
        account.status_on = clock.today()
    account.status = status
    account.sim_in_holder_name = sim
    flush_versioned(session, "Tài khoản thanh toán")
    session.expire(account, ["provider_info"])
    return account


def add_payment_provider(
    session: Session,
    actor: User,
    *,
    code: str,
    name: str,
    kind: PaymentKind,
    carrier: str | None = None,
) -> PaymentProvider:
    """An admin adds a wallet, Mobile Money service or bank to choose from."""
    if actor.role is not Role.admin:
        raise Forbidden("Chỉ quản trị viên thêm được nhà cung cấp thanh toán.")
    clean_code = required_text(code, field="code", label="Mã", max_len=40).lower()
    if not _PROVIDER_CODE.fullmatch(clean_code):
        raise InvalidInput(
            "Mã chỉ gồm chữ thường không dấu, số và dấu gạch dưới (vd: vnpay).",
            field="code",
        )
    if repository.payment_provider(session, clean_code) is not None:
        raise Conflict(f"Đã có nhà cung cấp mã '{clean_code}'.", field="code")
    provider = PaymentProvider(
        code=clean_code,
        name=required_text(name, field="name", label="Tên", max_len=120),
        kind=kind,
        carrier=clean_text(carrier, field="carrier", label="Nhà mạng", max_len=40)
        if kind is PaymentKind.mobile_money
        else None,
        position=repository.next_provider_position(session),
    )
    session.add(provider)
    session.flush()
    return provider
