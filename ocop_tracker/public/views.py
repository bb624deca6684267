"""What the public may see of a product, for the page a QR card opens and for the card.

The rules (SECURITY.md T32, T33, §L6), decided here once for page and card:

- shown: product name, OCOP group, description, stars only while the certificate
  is in force today (expired or revoked: no stars, and the page says so),
  certificate number and year, hamlet, commune and province names, and the
  verified live listings on active marketplaces;
- the producer's name: households and cooperative groups (*tổ hợp tác*, which have
  no legal personality and are usually named after people) only with a
  ``display_name`` consent, the newest record counting; cooperatives and
  enterprises are legal entities whose names are public in the business register,
  so their names show without consent. Without a name: the producer type and commune;
- the phone only with a ``phone`` consent, whatever the producer type;
- never: the representative, tax code, payment data, internal ids, team members.

Nothing here writes (the public domain has no commands): the scan counts are
written by ``public/hotpath.py``, on the side of the page that counts them. Not
scoped by user: it is what anyone may see.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from ocop_tracker.areas.models import Level
from ocop_tracker.core.clock import today
from ocop_tracker.core.config import get_settings
from ocop_tracker.core.labels import labels
from ocop_tracker.core.phone import display_vn
from ocop_tracker.producers.models import ConsentField, ProducerKind
from ocop_tracker.products import rules
from ocop_tracker.products.models import ProductKind
from ocop_tracker.products.rules import CertificateStatus
from ocop_tracker.public import repository

DESCRIPTION_LIMIT = 600
# Producers whose name is personal data: shown only with consent.
PERSONAL_NAME_KINDS = frozenset(
    {ProducerKind.household, ProducerKind.cooperative_group}
)
PRODUCER_KIND_LABELS = labels(ProducerKind)


def public_url(code: str) -> str:
    """The page a card opens: always the configured base URL, never the request's Host."""
    return f"{get_settings().public_base_url}/p/{code}"


@dataclass(frozen=True)
class Shop:
    """A verified live listing: where to buy."""

    marketplace: str
    domain: str
    url: str


@dataclass(frozen=True)
class PublicProduct:
    """Everything the public page and the card may show of one product."""

    product_id: int  # for the caller's bookkeeping; never rendered
    producer_id: int  # likewise (the page cache forgets a producer's pages)
    code: str
    url: str
    name: str
    group: str | None
    description: str | None
    is_ocop: bool
    stars: int | None  # only while the certificate is in force today
    certificate_status: CertificateStatus | None
    certificate_number: str | None
    certificate_year: int | None
    certificate_expires_on: dt.date | None
    producer: str  # the public name, or the producer type when not allowed
    producer_named: bool
    producer_kind: ProducerKind
    phone: str | None  # only with consent
    hamlet: str | None
    commune: str | None
    province: str | None
    shops: tuple[Shop, ...]
    last_modified: dt.datetime

    @property
    def place(self) -> str:
        """Commune and province, as a card prints them."""
        return ", ".join(p for p in (self.commune, self.province) if p)

    @property
    def certificate_note(self) -> str | None:
        """Why an OCOP product shows no stars, in Vietnamese."""
        if self.stars or not self.is_ocop:
            return None
        if self.certificate_status is CertificateStatus.revoked:
            return "Giấy chứng nhận OCOP đã bị thu hồi"
        if self.certificate_status is CertificateStatus.expired:
            return "Giấy chứng nhận OCOP đã hết hạn"
        return None


def by_code(
    session: Session, code: str, *, on: dt.date | None = None
) -> PublicProduct | None:
    """The public view of the product holding ``code``; None when there is none."""
    row = repository.product_by_code(session, code)
    if row is None:
        return None
    return _build(session, [row], on or today())[0]


def by_ids(
    session: Session, product_ids: Sequence[int], *, on: dt.date | None = None
) -> list[PublicProduct]:
    """Public views of many products (cards), ordered by hamlet and name."""
    rows = repository.products_by_id(session, product_ids)
    return _build(session, rows, on or today())


def code_by_gtin(session: Session, gtin: str) -> str | None:
    """The public code of the product carrying ``gtin`` (check digit verified)."""
    if not rules.gtin_is_valid(gtin):
        return None
    return repository.code_by_gtin(session, gtin)


@dataclass
class _Cert:
    id: int
    decision_date: dt.date
    expires_on: dt.date
    revoked_on: dt.date | None
    stars: int
    decision_number: str


def _latest_consents(rows: Iterable[Row[Any]]) -> dict[int, set[ConsentField]]:
    latest: dict[int, dict[ConsentField, bool]] = defaultdict(dict)
    for row in rows:  # oldest first: the newest record of each field wins
        latest[row.producer_id][ConsentField(row.field)] = bool(row.granted)
    return {
        pid: {f for f, granted in fields.items() if granted}
        for pid, fields in latest.items()
    }


def _build(
    session: Session, rows: Sequence[Row[Any]], on: dt.date
) -> list[PublicProduct]:
    ids = [row.id for row in rows]
    certs: dict[int, list[_Cert]] = defaultdict(list)
    changed: dict[int, list[dt.datetime]] = defaultdict(list)
    for c in repository.certificates(session, ids):
        certs[c.product_id].append(
            _Cert(
                c.id,
                c.decision_date,
                c.expires_on,
                c.revoked_on,
                c.stars,
                c.decision_number,
            )
        )
        changed[c.product_id].append(c.updated_at)
    shops: dict[int, list[Shop]] = defaultdict(list)
    for s in repository.live_listings(session, ids):
        if s.listing_url and s.listing_url.startswith("https://"):
            shops[s.product_id].append(Shop(s.name, s.domain, s.listing_url))
        changed[s.product_id].append(s.updated_at)
    consent_rows = repository.consents(session, {row.producer_id for row in rows})
    granted = _latest_consents(consent_rows)
    consent_changed: dict[int, dt.datetime] = {}
    for c in consent_rows:
        consent_changed[c.producer_id] = c.recorded_at
    return [
        _view(
            row,
            certs[row.id],
            shops[row.id],
            granted.get(row.producer_id, set()),
            [*changed[row.id], consent_changed.get(row.producer_id)],
            on,
        )
        for row in rows
    ]


def _province(row: Row[Any]) -> str | None:
    if row.up1_level == Level.province or row.up1_level == Level.province.value:
        return str(row.up1_name)
    return None if row.up2_name is None else str(row.up2_name)


def _view(
    row: Row[Any],
    certs: list[_Cert],
    shops: list[Shop],
    granted: set[ConsentField],
    changed: list[dt.datetime | None],
    on: dt.date,
) -> PublicProduct:
    kind = ProductKind(row.kind)
    cert, status = rules.standing(certs, on)
    if status is CertificateStatus.pending:
        cert, status = None, None
    in_force = status in rules.IN_FORCE
    producer_kind = ProducerKind(row.producer_kind)
    named = (
        producer_kind not in PERSONAL_NAME_KINDS or ConsentField.display_name in granted
    )
    if named:
        producer = str(row.producer_name)
    else:
        producer = PRODUCER_KIND_LABELS[producer_kind]
        if row.commune_name:
            producer += f" tại {row.commune_name}"
    phone = None
    if ConsentField.phone in granted and row.producer_phone:
        phone = display_vn(row.producer_phone)
    description = (row.description or "").strip() or None
    if description and len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1].rstrip() + "…"
    moments = [
        m for m in (row.updated_at, row.producer_updated_at, *changed) if m is not None
    ]
    return PublicProduct(
        product_id=row.id,
        producer_id=row.producer_id,
        code=row.public_code,
        url=public_url(row.public_code),
        name=row.name,
        group=row.group_name,
        description=description,
        is_ocop=kind is ProductKind.ocop,
        stars=cert.stars if cert is not None and in_force else None,
        certificate_status=status,
        certificate_number=cert.decision_number if cert is not None else None,
        certificate_year=cert.decision_date.year if cert is not None else None,
        certificate_expires_on=cert.expires_on if cert is not None else None,
        producer=producer,
        producer_named=named,
        producer_kind=producer_kind,
        phone=phone,
        hamlet=row.hamlet_name,
        commune=row.commune_name,
        province=_province(row),
        shops=tuple(shops),
        last_modified=max(moments),
    )


# --- scans shown to the product's team ---------------------------------------------


@dataclass(frozen=True)
class ScanSummary:
    """Scans of one product: the last days and the total."""

    days: list[tuple[dt.date, int]]
    total: int


def scan_summary(session: Session, product_id: int, *, days: int = 14) -> ScanSummary:
    """Daily scans of the last ``days`` days and the total since counting began."""
    since = today() - dt.timedelta(days=days - 1)
    return ScanSummary(
        days=repository.scans_of(session, product_id, since=since),
        total=repository.scan_total(session, product_id),
    )
