"""Producers (chủ thể OCOP): households, cooperatives, groups and enterprises."""

import datetime as dt
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ocop_tracker.areas.models import unit_ref
from ocop_tracker.audit.models import Audited
from ocop_tracker.core.base import (
    Base,
    IdMixin,
    NameKeyMixin,
    TimestampMixin,
    VersionedMixin,
    str_enum,
    utcnow,
)


class ProducerKind(StrEnum):
    """The legal form of an OCOP subject."""

    household = "household"  # hộ sản xuất kinh doanh
    cooperative = "cooperative"  # hợp tác xã (HTX)
    cooperative_group = "cooperative_group"  # tổ hợp tác
    enterprise = "enterprise"  # doanh nghiệp


class ConsentField(StrEnum):
    """A personal field a producer may agree to show on public pages."""

    display_name = "display_name"
    phone = "phone"
    photo = "photo"


class PaymentKind(StrEnum):
    """The three kinds of e-payment account households use."""

    e_wallet = "e_wallet"  # ví điện tử (MoMo, ZaloPay…)
    mobile_money = "mobile_money"  # Mobile Money, on the carrier's SIM
    bank = "bank"  # tài khoản ngân hàng


class PaymentStatus(StrEnum):
    """Where opening an e-payment account stands; "open" is what counts.

    The trail of accounts recorded before seller accounts (issue 16) holds
    the older words ``none``, ``in_progress`` and ``opened``
    (the reports read both: ``reports/rules.OPEN_PAYMENT``).
    """

    guided = "guided"  # đã hướng dẫn
    applied = "applied"  # đã đăng ký, chờ mở
    open = "open"
    closed = "closed"


class Producer(VersionedMixin, IdMixin, TimestampMixin, NameKeyMixin, Audited, Base):
    """A producer in a hamlet: the maker of one or more products."""

    __tablename__ = "producers"

    # Indexed with the name (below): ``ix_producers_hamlet_key`` serves lists.
    hamlet_id: Mapped[int] = unit_ref()
    kind: Mapped[ProducerKind] = mapped_column(str_enum(ProducerKind, 20))
    name: Mapped[str] = mapped_column(String(200))
    representative: Mapped[str | None] = mapped_column(String(120))
    # E.164 (+84…); personal data: shown in scope, public only with consent.
    phone: Mapped[str | None] = mapped_column(String(16))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    search_key: Mapped[str] = mapped_column(String(400))

    __table_args__ = (
        Index("uq_producers_hamlet_name", "hamlet_id", "name", unique=True),
        Index("ix_producers_hamlet_name_key", "hamlet_id", "name_key"),
        # An area's list is ordered, counted and searched from this index
        # alone, then reads its page's rows (``core.query.page_by_ids``).
        Index("ix_producers_hamlet_key", "hamlet_id", "search_key", "id"),
    )


class Consent(IdMixin, Audited, Base):
    """A consent given or withdrawn for one public field; the newest row counts."""

    __tablename__ = "producer_consents"

    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    hamlet_id: Mapped[int] = unit_ref()
    field: Mapped[ConsentField] = mapped_column(str_enum(ConsentField, 20))
    granted: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # How consent was obtained (signed form, in person, …).
    note: Mapped[str | None] = mapped_column(String(300))


class PaymentProvider(IdMixin, TimestampMixin, Audited, Base):
    """An e-wallet, Mobile Money service or bank: data, seeded, admins add more.

    ``carrier`` is the mobile network a Mobile Money service runs on.
    """

    __tablename__ = "payment_providers"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind, 20))
    carrier: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=100)


class PaymentAccount(VersionedMixin, IdMixin, TimestampMixin, Audited, Base):
    """One of a producer's e-payment accounts: provider and last 4 characters only.

    A producer may have several; it "has e-payment" while one is open. For
    Mobile Money, ``sim_in_holder_name`` says whether the SIM is registered in
    the account holder's own name (the service needs it to open).
    """

    __tablename__ = "payment_accounts"

    producer_id: Mapped[int] = mapped_column(
        ForeignKey("producers.id", ondelete="CASCADE"), index=True
    )
    hamlet_id: Mapped[int] = unit_ref()
    provider: Mapped[str] = mapped_column(
        String(40), ForeignKey("payment_providers.code", ondelete="RESTRICT")
    )
    kind: Mapped[PaymentKind] = mapped_column(str_enum(PaymentKind, 20))
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus, 20))
    # The Vietnam day the status last changed (how long Mobile Money has waited).
    status_on: Mapped[dt.date | None] = mapped_column(Date)
    last4: Mapped[str | None] = mapped_column(String(4))
    sim_in_holder_name: Mapped[bool | None]

    provider_info: Mapped[PaymentProvider] = relationship(
        lazy="joined", innerjoin=True, viewonly=True
    )
