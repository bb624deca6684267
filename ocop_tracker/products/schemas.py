"""The API's view of products, certificates and OCOP groups.

Domain rules (stars, dates, levels, GTIN, lengths) are checked by the service,
so a refusal names the field in Vietnamese; these models fix types, refuse
unknown fields and cap sizes generously.
"""

import datetime as dt
from enum import StrEnum

from pydantic import Field

from ocop_tracker.core.schemas import Schema
from ocop_tracker.products.models import CertLevel, ProductKind
from ocop_tracker.products.rules import CertificateStatus


class CertificateFilter(StrEnum):
    """A product's certificate standing, for filtering; ``none``: no certificate."""

    valid = "valid"
    expiring = "expiring"
    expired = "expired"
    revoked = "revoked"
    none = "none"


class ProductRead(Schema):
    """A product with the standing of its certificate on the day asked.

    ``stars`` are those of the certificate in force (None without one);
    ``version`` and ``updated_at`` are None in a view ``as_of`` a past date.
    ``as_of`` D: certificates count on the dates they name whenever they were
    recorded; a product entered after D whose certificate was decided by D is
    answered with its first recorded values and ``recorded_on``, the day it
    was entered (None when it was entered by D).
    """

    id: int
    producer_id: int
    producer_name: str
    hamlet_id: int
    name: str
    kind: ProductKind
    group_id: int | None
    subgroup_id: int | None
    unit: str | None
    price: int | None
    description: str | None
    gtin: str | None
    public_code: str
    stars: int | None
    certificate_status: CertificateStatus | None
    certificate_expires_on: dt.date | None
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    as_of: dt.date | None = None
    recorded_on: dt.date | None = None


class ProductCreate(Schema):
    """A new product of a producer; its public code is made by the server."""

    producer_id: int
    name: str = Field(max_length=1000)
    kind: ProductKind
    group_id: int | None = None
    subgroup_id: int | None = None
    unit: str | None = Field(default=None, max_length=200)
    price: int | None = None
    description: str | None = Field(default=None, max_length=5000)
    gtin: str | None = Field(default=None, max_length=40)


class ProductUpdate(Schema):
    """Fields to change; ``version`` is the one the change was based on."""

    producer_id: int | None = None
    name: str | None = Field(default=None, max_length=1000)
    kind: ProductKind | None = None
    group_id: int | None = None
    subgroup_id: int | None = None
    unit: str | None = Field(default=None, max_length=200)
    price: int | None = None
    description: str | None = Field(default=None, max_length=5000)
    gtin: str | None = Field(default=None, max_length=40)
    version: int


class CertificateRead(Schema):
    """An OCOP recognition decision and its status on the day asked.

    ``as_of`` D: its decision date, expiry, revocation and stars are the last
    recorded (they apply on the dates they name); a certificate entered after D
    but decided by D has its first recorded values and ``recorded_on``.
    """

    id: int
    product_id: int
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    authority: str
    level: CertLevel
    expires_on: dt.date
    revoked_on: dt.date | None
    revoke_reason: str | None
    status: CertificateStatus
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime | None
    as_of: dt.date | None = None
    recorded_on: dt.date | None = None


class CertificateCreate(Schema):
    """A recognition decision; ``expires_on`` defaults to the date + 36 months."""

    stars: int
    score: int | None = None
    decision_number: str = Field(max_length=200)
    decision_date: dt.date
    authority: str = Field(max_length=1000)
    level: CertLevel
    expires_on: dt.date | None = None


class CertificateUpdate(Schema):
    """Corrections to a certificate; ``version`` is the one they were based on."""

    stars: int | None = None
    score: int | None = None
    decision_number: str | None = Field(default=None, max_length=200)
    decision_date: dt.date | None = None
    authority: str | None = Field(default=None, max_length=1000)
    level: CertLevel | None = None
    expires_on: dt.date | None = None
    version: int


class CertificateRevoke(Schema):
    """Revoke a certificate from a date, for a reason."""

    revoked_on: dt.date
    reason: str = Field(max_length=1000)
    version: int


class SubgroupRead(Schema):
    """A subgroup of an OCOP group."""

    id: int
    group_id: int
    name: str


class GroupRead(Schema):
    """One of the six OCOP groups, with its subgroups."""

    id: int
    code: str
    name: str
    subgroups: list[SubgroupRead]


class SubgroupCreate(Schema):
    """A new subgroup under a group."""

    name: str = Field(max_length=1000)
