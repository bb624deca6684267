"""The API's view of producers, their consents and payment accounts.

Domain rules (lengths, phone, codes) are checked by the service so that the
refusal names the field in Vietnamese; these models only fix types and refuse
unknown fields. Caps here are generous limits against oversized input.
"""

import datetime as dt
from enum import StrEnum

from pydantic import Field, SecretStr, StrictBool

from ocop_tracker.core.schemas import Schema
from ocop_tracker.producers.models import (
    ConsentField,
    PaymentKind,
    PaymentStatus,
    ProducerKind,
)


class SortField(StrEnum):
    """What a list may be sorted by."""

    name = "name"
    created_at = "created_at"
    updated_at = "updated_at"


class ConsentState(Schema):
    """Whether a field may be public now, and the record that says so."""

    granted: bool
    recorded_at: dt.datetime | None
    recorded_by_id: int | None


class ProducerRead(Schema):
    """A producer, personal fields included (callers see only their own area).

    ``version`` and ``updated_at`` are None in a view ``as_of`` a past date.
    ``as_of`` D: a producer entered after D one of whose products had a
    certificate decided by D is answered with its first recorded values and
    ``recorded_on``, the day it was entered (None when entered by D).
    """

    id: int
    hamlet_id: int
    hamlet_name: str
    kind: ProducerKind
    name: str
    representative: str | None
    phone: str | None
    phone_display: str | None
    tax_code: str | None
    consents: dict[ConsentField, bool]
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    as_of: dt.date | None = None
    recorded_on: dt.date | None = None


class ProducerCreate(Schema):
    """A new producer in a hamlet."""

    hamlet_id: int
    kind: ProducerKind
    name: str = Field(max_length=1000)
    representative: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=40)
    tax_code: str | None = Field(default=None, max_length=100)


class ProducerUpdate(Schema):
    """Fields to change; ``version`` is the one the change was based on."""

    hamlet_id: int | None = None
    kind: ProducerKind | None = None
    name: str | None = Field(default=None, max_length=1000)
    representative: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=40)
    tax_code: str | None = Field(default=None, max_length=100)
    version: int


class ConsentRecord(Schema):
    """One consent given or withdrawn, with who recorded it and when."""

    id: int
    field: ConsentField
    granted: bool
    recorded_by_id: int | None
    recorded_by_name: str | None
    recorded_at: dt.datetime
    note: str | None


class ConsentChange(Schema):
    """Give or withdraw consent for one public field; a grant needs a note."""

    field: ConsentField
    granted: StrictBool
    note: str | None = Field(default=None, max_length=1000)


class ConsentOverview(Schema):
    """The state of each field now, and every record, newest first."""

    current: dict[ConsentField, ConsentState]
    history: list[ConsentRecord]


class PaymentAccountRead(Schema):
    """Provider, kind, status and the last 4 characters; never the account number."""

    id: int
    producer_id: int
    provider: str
    provider_name: str
    kind: PaymentKind
    status: PaymentStatus
    status_on: dt.date | None = Field(
        default=None, description="The day the status last changed (Vietnam)"
    )
    last4: str | None
    masked: str | None
    sim_in_holder_name: bool | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class PaymentAccountCreate(Schema):
    """One more account; the number is cut to its last 4 characters at once.

    ``provider`` is a code from ``GET /payment-providers``; for Mobile Money,
    ``sim_in_holder_name`` says whether the SIM is in the holder's own name
    (required to record it open).
    """

    provider: str = Field(max_length=40)
    status: PaymentStatus
    account_number: SecretStr | None = Field(default=None, max_length=100)
    sim_in_holder_name: StrictBool | None = None


class PaymentAccountUpdate(PaymentAccountCreate):
    """The whole account again, with the version it was read at."""

    version: int


class PaymentProviderRead(Schema):
    """A wallet, Mobile Money service or bank; ``carrier`` for Mobile Money."""

    code: str
    name: str
    kind: PaymentKind
    carrier: str | None


class PaymentProviderCreate(Schema):
    """A provider an admin adds to the list."""

    code: str = Field(max_length=40)
    name: str = Field(max_length=120)
    kind: PaymentKind
    carrier: str | None = Field(default=None, max_length=40)
