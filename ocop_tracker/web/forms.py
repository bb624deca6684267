"""What the product pages share: their words for kinds and marketplace states, typed
fields, parsing what people type, who may post, and one form per record (a producer, a product, a certificate)
that every page adding or changing it reads.
"""

import datetime as dt
import re
from collections.abc import Mapping
from enum import Enum
from typing import Annotated, Any, ClassVar

from fastapi import Form
from pydantic import BaseModel, Field

from ocop_tracker.core.errors import FieldErrors, Forbidden, InvalidInput
from ocop_tracker.core.labels import label, labels
from ocop_tracker.core.versions import UNSET, Unset
from ocop_tracker.onboarding.models import (
    ListingStatus,
)
from ocop_tracker.onboarding.worklist import MarketState
from ocop_tracker.producers.models import PaymentKind, PaymentStatus, ProducerKind
from ocop_tracker.products.models import CertLevel, ProductKind
from ocop_tracker.sellers import rules as seller_rules
from ocop_tracker.sellers.models import SellerStatus
from ocop_tracker.training.models import CoachingStep, TrainerKind
from ocop_tracker.users.models import WRITERS, User

CHOICE_LIMIT = 200


PRODUCER_KIND_LABELS: Mapping[ProducerKind, str] = labels(ProducerKind)


PRODUCT_KIND_LABELS: Mapping[ProductKind, str] = labels(ProductKind)


PAYMENT_KIND_LABELS: Mapping[PaymentKind, str] = labels(PaymentKind)


PAYMENT_STATUS_LABELS: Mapping[PaymentStatus, str] = labels(PaymentStatus)


SELLER_STATUS_LABELS: Mapping[SellerStatus, str] = labels(SellerStatus)


# The worklist ticks a live listing.
LISTING_STATUS_LABELS: Mapping[ListingStatus, str] = {
    **labels(ListingStatus),
    ListingStatus.listed: f"{label(ListingStatus.listed)} ✓",
}


def state_words(state: MarketState) -> str:
    """A product's state on one marketplace, in the team's words."""
    if state.kind == "none":
        return "Chưa bắt đầu"
    if state.kind == "blocked":
        return f"Đang vướng: {state.step}"
    if state.kind == "doing":
        return f"Bước tiếp theo: {state.step}"
    return LISTING_STATUS_LABELS[state.status] if state.status else state.kind


_PRICE_SEPARATORS = re.compile(r"[\s.,_]")


Text = Annotated[str, Form(max_length=2000)]


Short = Annotated[str, Form(max_length=300)]


def may_write(user: User) -> bool:
    """Whether the caller registers products and records steps (SECURITY.md §L3)."""
    return user.role in WRITERS


def require_writer(user: User, read_only: str) -> None:
    """Refuse (403, saying ``read_only``) a caller who may only read."""
    if not may_write(user):
        raise Forbidden(read_only)


def parse_price(raw: str) -> int | None:
    """Whole đồng as people type them: "75000", "75.000", "75 000"."""
    digits = _PRICE_SEPARATORS.sub("", raw)
    if not digits:
        return None
    if not digits.isdecimal() or not digits.isascii():
        raise InvalidInput(
            "Giá phải là số đồng, ví dụ 75000 hoặc 75.000.", field="price"
        )
    return int(digits)


def optional_id(
    raw: str, field: str, message: str = "Lựa chọn không hợp lệ."
) -> int | None:
    """A whole number typed or chosen in a form, or None when left empty."""
    value = raw.strip()
    if not value:
        return None
    if not value.isdecimal() or not value.isascii():
        raise InvalidInput(message, field=field)
    return int(value)


def parse_date(raw: str, field: str, label: str) -> dt.date:
    """A date from ``<input type=date>`` (2025-12-31) or typed as 31/12/2025."""
    value = raw.strip()
    if not value:
        raise InvalidInput(f"Hãy nhập {label}.", field=field)
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{label[:1].upper()}{label[1:]} không hợp lệ, ví dụ 31/12/2025.",
            field=field,
        ) from None


def checked_date(
    errors: FieldErrors, raw: str, name: str, label: str, *, optional: bool = False
) -> dt.date | None:
    """The date typed in the field ``name`` (``parse_date``); one that does not
    read is kept in ``errors`` beside its field, and is None; left blank where
    ``optional``, None."""
    if optional and not raw.strip():
        return None
    with errors.check(name):
        return parse_date(raw, name, label)
    return None


def parse_stars(raw: str) -> int:
    value = raw.strip()
    if not value.isdecimal() or not value.isascii():
        raise InvalidInput("Hãy chọn hạng sao (3, 4 hoặc 5).", field="stars")
    return int(value)


# --- one form per record ---------------------------------------------------------------
# Each form is taken whole from the posted fields (``Annotated[XForm, Form()]``): the
# text fields stay as typed, to be shown again on a refusal; numbers and dates typed
# by people are read by ``service_args`` inside the refusable block, so a bad one is
# a message beside its field, not a 422 from FastAPI.


class TypedForm(BaseModel):
    """A form whose fields go back into the page as typed after a refusal."""

    # Fields never put back: the record's version, a choice the page fixes, a secret.
    not_typed: ClassVar[frozenset[str]] = frozenset()
    # Fields the service takes as None when left blank (not said).
    blank_is_none: ClassVar[frozenset[str]] = frozenset()

    def service_args(self) -> dict[str, Any]:
        """The service's keyword arguments: every field as posted, a blank one
        of ``blank_is_none`` as None. A form whose fields need reading (numbers,
        dates typed by people) says its own."""
        return {
            name: getattr(self, name) or None
            if name in self.blank_is_none
            else getattr(self, name)
            for name in type(self).model_fields
        }

    def typed(self) -> dict[str, str]:
        """The values to put back in the form after a refusal: text as typed, a
        choice as its value, a ticked box as "on"."""
        return {
            name: _as_typed(getattr(self, name))
            for name in type(self).model_fields
            if name not in self.not_typed
        }

    def typed_date(
        self, errors: FieldErrors, name: str, label: str, *, optional: bool = False
    ) -> dt.date | None:
        """The date typed in the field ``name`` (``checked_date``)."""
        return checked_date(errors, getattr(self, name), name, label, optional=optional)

    def with_dates(self, args: dict[str, Any], **labels: str) -> dict[str, Any]:
        """``args`` and the date typed in each field named in ``labels`` (its
        words in a message); every date that does not read refused at once,
        each beside its field."""
        errors = FieldErrors()
        dates = {
            name: self.typed_date(errors, name, what) for name, what in labels.items()
        }
        errors.raise_any()
        return {**args, **dates}


def _as_typed(value: object) -> str:
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "on" if value else ""
    return "" if value is None else str(value)


class ProducerForm(TypedForm):
    """A producer as typed on the add form (the catalog's first step too): the
    keyword arguments of ``producer_service.create_producer``."""

    hamlet_id: int
    kind: ProducerKind
    name: str = Field("", max_length=300)
    representative: str = Field("", max_length=300)
    phone: str = Field("", max_length=40)
    tax_code: str = Field("", max_length=40)


class ProducerEdit(ProducerForm):
    """The edit form: the producer's fields and the version they were read at
    (``producer_service.update_producer``)."""

    version: int


class ProductForm(TypedForm):
    """A product as typed: its name, kind, group, unit, price, description, GTIN."""

    # What a group that is not a number is told (the edit page names the list).
    group_message: ClassVar[str] = "Lựa chọn không hợp lệ."
    subgroup_message: ClassVar[str] = "Lựa chọn không hợp lệ."

    kind: ProductKind
    name: str = Field("", max_length=300)
    group_id: str = Field("", max_length=12)
    subgroup_id: str = Field("", max_length=12)
    unit: str = Field("", max_length=100)
    price: str = Field("", max_length=40)
    description: str = Field("", max_length=2000)
    gtin: str = Field("", max_length=40)

    def service_args(self) -> dict[str, Any]:
        """The product's keyword arguments for ``product_service``; a bad number
        is refused (``InvalidInput``) beside its field."""
        return {
            "name": self.name,
            "kind": self.kind,
            "group_id": optional_id(self.group_id, "group_id", self.group_message),
            "subgroup_id": optional_id(
                self.subgroup_id, "subgroup_id", self.subgroup_message
            ),
            "unit": self.unit,
            "price": parse_price(self.price),
            "description": self.description,
            "gtin": self.gtin,
        }


class NewProduct(ProductForm):
    """The catalog's second step: the product and the producer it is added to."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"producer_id"})

    producer_id: int


class ProductEdit(ProductForm):
    """The edit form: the product's fields and the version they were read at."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    group_message: ClassVar[str] = "Hãy chọn nhóm trong danh sách."
    subgroup_message: ClassVar[str] = "Hãy chọn phân nhóm trong danh sách."

    version: int

    def service_args(self) -> dict[str, Any]:
        return {**super().service_args(), "version": self.version}


class CertificateForm(TypedForm):
    """An OCOP certificate as typed: stars, the decision, who decided, its level."""

    level: CertLevel
    stars: str = Field("", max_length=4)
    decision_number: str = Field("", max_length=100)
    decision_date: str = Field("", max_length=20)
    authority: str = Field("", max_length=300)

    def _scores(self) -> dict[str, Any]:
        """Numbers read between the stars and the decision date (none here)."""
        return {}

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``certificate_service.add_certificate``; each
        typed number or date is read in the order of the form."""
        return {
            "stars": parse_stars(self.stars),
            **self._scores(),
            "decision_number": self.decision_number,
            "decision_date": parse_date(
                self.decision_date, "decision_date", "ngày quyết định"
            ),
            "authority": self.authority,
            "level": self.level,
        }


class CertificateEdit(CertificateForm):
    """The correction form: every field, the score and expiry, and the version."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    stars: str = Field("", max_length=20)
    score: str = Field("", max_length=20)
    expires_on: str = Field("", max_length=20)
    version: int

    def _scores(self) -> dict[str, Any]:
        return {
            "score": optional_id(self.score, "score", "Điểm phải là số nguyên, vd 72.")
        }

    def update_args(self, stored_expiry: dt.date) -> dict[str, Any]:
        """The keyword arguments of ``certificate_service.update_certificate``."""
        return {
            **self.service_args(),
            "version": self.version,
            "expires_on": self._expiry(stored_expiry),
        }

    def _expiry(self, stored: dt.date) -> dt.date | Unset | None:
        """The expiry the form asks for: left as stored (the service moves a default
        expiry with a new decision date), empty (the default), or a date."""
        raw = self.expires_on
        if raw.strip() == stored.isoformat():
            return UNSET
        return parse_date(raw, "expires_on", "ngày hết hạn") if raw.strip() else None


# A yes/no select or filter as the pages send it ("" means not said).
YES_NO: Mapping[str, bool] = {"yes": True, "no": False}


class PaymentAccountForm(TypedForm):
    """An e-payment account as typed; the number is never sent back."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"account_number", "version"})

    provider: str = Field("", max_length=40)
    status: PaymentStatus
    account_number: str = Field("", max_length=60)
    sim_in_holder_name: str = Field("", max_length=3)
    version: int | None = None

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of the service's add and update."""
        return {
            "provider": self.provider,
            "status": self.status,
            "account_number": self.account_number.strip() or None,
            "sim_in_holder_name": YES_NO.get(self.sim_in_holder_name),
        }


# --- seller accounts (a producer's shop on one marketplace) ----------------------------


def _kept_or_unset(raw: str) -> str | Unset:
    """A secret typed again replaces it; a field left empty keeps what is stored."""
    return raw.strip() or UNSET


class SellerStartForm(TypedForm):
    """ "Bắt đầu mở gian hàng" on a producer's page: the marketplace, where it
    stands, and the shop's name if it has one (``seller_service.create_account``)."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"marketplace_id"})
    blank_is_none: ClassVar[frozenset[str]] = frozenset({"shop_name"})

    marketplace_id: int
    status: SellerStatus = SellerStatus.preparing
    shop_name: str = Field("", max_length=300)


class SellerAccountEdit(TypedForm):
    """A seller account's edit form: a status move with its day, the shop, and
    the login, shown masked (typing a new one replaces it, empty keeps it)."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    status: SellerStatus
    status_on: str = Field("", max_length=20)
    shop_name: str = Field("", max_length=300)
    shop_url: str = Field("", max_length=600)
    login_phone: str = Field("", max_length=40)
    login_email: str = Field("", max_length=300)
    # absent (a form without the field) keeps the payout account; empty clears it
    payout_account_id: str | None = Field(None, max_length=20)
    version: int

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``seller_service.update_account``; a day left
        empty is today when the status moves, and stays as it is otherwise."""
        return {
            "version": self.version,
            "status": self.status,
            "status_on": parse_date(self.status_on, "status_on", "ngày đổi trạng thái")
            if self.status_on.strip()
            else UNSET,
            "shop_name": self.shop_name,
            "shop_url": self.shop_url,
            "login_phone": _kept_or_unset(self.login_phone),
            "login_email": _kept_or_unset(self.login_email),
            "payout_account_id": UNSET
            if self.payout_account_id is None
            else optional_id(self.payout_account_id, "payout_account_id"),
        }


class ChecklistForm(TypedForm):
    """One checklist item: done (with a note or evidence) or undone
    (``seller_service.set_item``, but the item)."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"done", "version"})
    blank_is_none: ClassVar[frozenset[str]] = frozenset({"note", "evidence_url"})

    done: bool = True
    note: str = Field("", max_length=2000)
    evidence_url: str = Field("", max_length=600)
    version: int | None = None


class OpenClaimForm(TypedForm):
    """ "Báo gian hàng đã mở": the shop's page on the marketplace, its name
    (``seller_service.claim_open``)."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})
    blank_is_none: ClassVar[frozenset[str]] = frozenset({"shop_name"})

    shop_url: str = Field("", max_length=600)
    shop_name: str = Field("", max_length=300)
    version: int


# --- reference data admins keep --------------------------------------------------------


class PaymentProviderForm(TypedForm):
    """A wallet, Mobile Money service or bank an admin adds to the list
    (``producer_service.add_payment_provider``)."""

    blank_is_none: ClassVar[frozenset[str]] = frozenset({"carrier"})

    code: str = Field("", max_length=60)
    name: str = Field("", max_length=300)
    kind: PaymentKind
    carrier: str = Field("", max_length=100)


def parse_position(raw: str) -> int | None:
    """An item's place in a list, 1–1000, or None when left empty."""
    value = optional_id(raw, "position", "Thứ tự phải là số nguyên từ 1 đến 1000.")
    if value is not None and not 1 <= value <= 1000:
        raise InvalidInput("Thứ tự phải là số nguyên từ 1 đến 1000.", field="position")
    return value


class _PrerequisiteFields(TypedForm):
    """What both forms of a marketplace's prerequisite hold: the item's words,
    whether it is required, and its place in the list."""

    label: str = Field("", max_length=1000)
    required: bool = False
    position: str = Field("", max_length=12)

    def service_args(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "required": self.required,
            "position": parse_position(self.position),
        }


class PrerequisiteForm(_PrerequisiteFields):
    """An item a marketplace asks before a shop opens, as an admin adds it."""

    code: str = Field("", max_length=100)

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``seller_service.add_prerequisite``."""
        return {"code": self.code, **super().service_args()}


class PrerequisiteEdit(_PrerequisiteFields):
    """An item's words, whether it is required or in use, and its place."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    is_active: bool = False
    version: int

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``seller_service.update_prerequisite``."""
        return {
            **super().service_args(),
            "is_active": self.is_active,
            "version": self.version,
        }


class ActivityForm(TypedForm):
    """A shop's month as typed: the month ("2026-11" from the month picker, or
    "11/2026" typed), counts and revenue as people write them ("1.250.000")."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    month: str = Field("", max_length=20)
    orders: str = Field("", max_length=30)
    revenue_vnd: str = Field("", max_length=40)
    last_order_on: str = Field("", max_length=20)
    cancelled_unconfirmed: str = Field("", max_length=30)
    note: str = Field("", max_length=2000)
    version: int | None = None

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``sellers.activity.record_month``; every
        unreadable field refused at once, each beside its field."""
        errors = FieldErrors()
        args: dict[str, Any] = {"note": self.note, "version": self.version}
        with errors.check("month"):
            args["month"] = seller_rules.parse_month(self.month)
        for name, what in (
            ("orders", "Số đơn"),
            ("revenue_vnd", "Doanh thu"),
            ("cancelled_unconfirmed", "Số đơn bị hủy"),
        ):
            with errors.check(name):
                args[name] = seller_rules.parse_whole(
                    getattr(self, name), field=name, label=what
                )
        args["last_order_on"] = self.typed_date(
            errors, "last_order_on", "ngày đơn gần nhất", optional=True
        )
        errors.raise_any()
        return args


# --- training (issue 17 item 3) ----------------------------------------------------------


class TrainingSessionForm(TypedForm):
    """A training session as typed: where (the area picker), when, the topic,
    the place, who led it. ``find`` is the picker's search, not a save."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version", "find"})

    area_id: str = Field("", max_length=20)
    area_q: str = Field("", max_length=100)
    find: str = Field("", max_length=3)
    held_on: str = Field("", max_length=20)
    topic_id: str = Field("", max_length=20)
    place: str = Field("", max_length=400)
    trainer_kind: TrainerKind = TrainerKind.team_member
    trainer_name: str = Field("", max_length=400)
    note: str = Field("", max_length=2000)
    version: int | None = None

    def service_args(self, *, with_area: bool = True) -> dict[str, Any]:
        """The keyword arguments of the service's create (``with_area``) or
        update; every unreadable field refused at once, each beside its field."""
        errors = FieldErrors()
        args: dict[str, Any] = {
            "place": self.place,
            "trainer_kind": self.trainer_kind,
            "trainer_name": self.trainer_name,
            "note": self.note,
        }
        if with_area:
            raw = self.area_id.strip()
            if not (raw.isdigit() and len(raw) <= 10):
                errors.add("area_id", "Hãy tìm và chọn nơi tổ chức (khóm/ấp, xã…).")
            else:
                args["area_id"] = int(raw)
        args["held_on"] = self.typed_date(errors, "held_on", "ngày tập huấn")
        raw_topic = self.topic_id.strip()
        # None chosen: 0, which the service refuses beside the field with the rest.
        ok = raw_topic.isdigit() and len(raw_topic) <= 10
        args["topic_id"] = int(raw_topic) if ok else 0
        errors.raise_any()
        return args


class AttendeesForm(BaseModel):
    """The ticked boxes of a session's list: producers and team members."""

    producer_ids: list[int] = Field(default_factory=list, max_length=1000)
    member_ids: list[int] = Field(default_factory=list, max_length=1000)
    version: int | None = None


class CoachingVisitForm(TypedForm):
    """A coaching visit as typed on the producer's page."""

    visited_on: str = Field("", max_length=20)
    step: CoachingStep = CoachingStep.shop
    coach_name: str = Field("", max_length=400)
    note: str = Field("", max_length=2000)

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of ``training_service.record_visit``."""
        return self.with_dates(
            {"step": self.step, "coach_name": self.coach_name, "note": self.note},
            visited_on="ngày hướng dẫn",
        )


# --- pilots (issue 17 item 4) -------------------------------------------------------------


class PilotForm(TypedForm):
    """A pilot as typed: its name, window and note."""

    not_typed: ClassVar[frozenset[str]] = frozenset({"version"})

    name: str = Field("", max_length=400)
    start_on: str = Field("", max_length=20)
    end_on: str = Field("", max_length=20)
    note: str = Field("", max_length=2000)
    version: int | None = None

    def service_args(self) -> dict[str, Any]:
        """The keyword arguments of the pilot's create or update."""
        return self.with_dates(
            {"name": self.name, "note": self.note},
            start_on="ngày bắt đầu",
            end_on="ngày kết thúc",
        )
