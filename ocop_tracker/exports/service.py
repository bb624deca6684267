"""Exports of products, certificates, listings and producers: the rows the user
may see, filtered as on screen, written chunk by chunk into a spooled file.

The API (``exports/router.py``) and the pages (``web/pages/exports.py``) both
call ``export``: the same scope (rows come from ``products/views.py`` and
``producers/views.py``, so out-of-area rows never appear), the same rate limit,
one audit event per file naming the filters and the row count.
"""

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import IO, TypeVar

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.audit.listener import record
from ocop_tracker.auth.scope import covers, ensure_area_readable
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.downloads import XLSX
from ocop_tracker.core.errors import TooManyRequests
from ocop_tracker.core.labels import label, labels
from ocop_tracker.core.phone import display_vn
from ocop_tracker.exports import repository
from ocop_tracker.exports.writer import Cell, write_csv, write_xlsx
from ocop_tracker.onboarding import marketplaces
from ocop_tracker.onboarding.worklist import step_names
from ocop_tracker.producers import views as producer_views
from ocop_tracker.producers.models import ConsentField, ProducerKind
from ocop_tracker.producers.views import ProducerView
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products import views as product_views
from ocop_tracker.products.views import ProductView
from ocop_tracker.users.models import User

EXPORTS_PER_HOUR = 10
# Rows read per statement: memory stays bounded whatever the area's size.
CHUNK = 500
# Past this size the file being written moves from memory to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
READ_BYTES = 64 * 1024
CONSENT_LABELS = labels(ConsentField)
V = TypeVar("V")


class Dataset(StrEnum):
    """What can be exported."""

    products = "products"
    certificates = "certificates"
    listings = "listings"
    producers = "producers"


class FileFormat(StrEnum):
    """Formats offered."""

    csv = "csv"
    xlsx = "xlsx"


@dataclass(frozen=True)
class Filters:
    """The filters on screen; ``area_id`` is any area inside the reader's."""

    area_id: int | None = None
    q: str | None = None
    producer_kind: ProducerKind | None = None
    has_payment: bool | None = None
    has_consent: bool | None = None

    def describe(self) -> str:
        """The filters set, for the audit trail."""
        return " ".join(
            f"{f.name}={getattr(self, f.name)}"
            for f in fields(self)
            if getattr(self, f.name) is not None
        )


@dataclass
class Table:
    """A header and its rows (produced as they are read), ready for a writer."""

    title: str
    header: list[str]
    rows: Iterator[list[Cell]]


@dataclass
class ExportFile:
    """A written export: its name, type, row count and bytes (read once)."""

    name: str
    media_type: str
    rows: int
    size: int
    body: IO[bytes]

    def chunks(self) -> Iterator[bytes]:
        """The bytes in pieces, closing the file at the end."""
        try:
            while piece := self.body.read(READ_BYTES):
                yield piece
        finally:
            self.body.close()


def _check_rate(session: Session, user: User) -> None:
    since = utcnow() - dt.timedelta(hours=1)
    if repository.exports_since(session, user.id, since) >= EXPORTS_PER_HOUR:
        raise TooManyRequests(
            f"Mỗi giờ chỉ được xuất tối đa {EXPORTS_PER_HOUR} tệp. Vui lòng thử lại sau.",
            retry_after=3600,
        )


def shows_personal(session: Session, user: User, filters: Filters) -> bool:
    """Whether the producers' personal fields (representative, phone, tax code)
    go in the file: as in the JSON API, for a reader whose area covers them —
    the area filtered on, or else the reader's own area."""
    return covers(session, user, filters.area_id or user.area_id)


def export(
    session: Session,
    user: User,
    dataset: Dataset,
    file_format: FileFormat,
    *,
    filters: Filters,
    today: dt.date,
) -> ExportFile:
    """The rows of ``dataset`` the user may see, matching ``filters``, as a file.

    At most ``EXPORTS_PER_HOUR`` files an hour per user; each one is audited.
    """
    _check_rate(session, user)
    if filters.area_id is not None:
        ensure_area_readable(session, user, filters.area_id)
    table = _table(session, user, dataset, filters, today)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    try:
        if file_format is FileFormat.csv:
            count = write_csv(out, table.header, table.rows)
            media = "text/csv; charset=utf-8"
        else:
            count = write_xlsx(out, table.title, table.header, table.rows, made=today)
            media = XLSX
    except BaseException:
        out.close()
        raise
    size = out.tell()
    out.seek(0)
    record(
        session,
        "export",
        object_type=dataset.value,
        area_id=filters.area_id or user.area_id,
        detail=f"dataset={dataset.value} format={file_format.value} "
        f"{filters.describe()} rows={count}".replace("  ", " "),
    )
    return ExportFile(
        name=f"ocop-{dataset.value}-{today.isoformat()}.{file_format.value}",
        media_type=media,
        rows=count,
        size=size,
        body=out,
    )


def _table(
    session: Session, user: User, dataset: Dataset, filters: Filters, today: dt.date
) -> Table:
    places = _Places(session)
    if dataset is Dataset.producers:
        personal = shows_personal(session, user, filters)
        return Table(
            "Chu the",
            _producer_header(personal),
            _producer_rows(session, user, filters, places, personal),
        )
    chunks = _product_chunks(session, user, filters)
    if dataset is Dataset.products:
        return Table("San pham", PRODUCT_HEADER, _product_rows(session, chunks, places))
    if dataset is Dataset.certificates:
        return Table(
            "Chung nhan", CERTIFICATE_HEADER, _certificate_rows(session, chunks, today)
        )
    return Table("Gian hang", LISTING_HEADER, _listing_rows(session, chunks, places))


class _Places:
    """'Khóm 3, Phường 1, …' for each hamlet, read once per new chunk of hamlets."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[int, str] = {}

    def learn(self, hamlet_ids: Sequence[int]) -> None:
        units = repository.units(
            self.session, [i for i in hamlet_ids if i not in self.known]
        )
        chains = area_views.ancestors_of(self.session, units)
        for u in units:
            names = [u.name, *(a.name for a in reversed(chains[u.id]))]
            self.known[u.id] = ", ".join(names)

    def __getitem__(self, hamlet_id: int) -> str:
        return self.known.get(hamlet_id, "")


def _pages(fetch: Callable[[int], tuple[list[V], int]]) -> Iterator[list[V]]:
    """Every page a view answers, ``CHUNK`` rows at a time, until its total."""
    offset = 0
    while True:
        views, total = fetch(offset)
        if not views:
            return
        yield views
        offset += len(views)
        if offset >= total:
            return


def _product_chunks(
    session: Session, user: User, filters: Filters
) -> Iterator[list[ProductView]]:
    return _pages(
        lambda offset: product_views.list_products(
            session,
            user,
            area_id=filters.area_id,
            q=filters.q,
            limit=CHUNK,
            offset=offset,
        )
    )


PRODUCT_HEADER = [
    "Mã công khai",
    "Tên sản phẩm",
    "Loại",
    "Chủ thể",
    "Loại hình chủ thể",
    "Địa bàn",
    "Số sao",
    "Tình trạng chứng nhận",
    "Hết hạn",
    "GTIN",
    "Đơn vị",
    "Giá",
]


def _optional_label(member: StrEnum | None) -> str | None:
    return label(member) if member is not None else None


def _product_rows(
    session: Session, chunks: Iterator[list[ProductView]], places: _Places
) -> Iterator[list[Cell]]:
    for views in chunks:
        places.learn([p.hamlet_id for p in views])
        kinds = repository.producer_kinds(session, [p.producer_id for p in views])
        for p in views:
            yield [
                p.public_code,
                p.name,
                label(p.kind),
                p.producer_name,
                _optional_label(kinds.get(p.producer_id)),
                places[p.hamlet_id],
                p.stars,
                _optional_label(p.certificate_status),
                p.certificate_expires_on,
                p.gtin,
                p.unit,
                p.price,
            ]


CERTIFICATE_HEADER = [
    "Sản phẩm",
    "Số quyết định",
    "Ngày quyết định",
    "Số sao",
    "Điểm",
    "Cấp",
    "Cơ quan công nhận",
    "Hết hạn",
    "Thu hồi",
    "Tình trạng",
]


def _certificate_rows(
    session: Session, chunks: Iterator[list[ProductView]], today: dt.date
) -> Iterator[list[Cell]]:
    for views in chunks:
        certs = repository.certificates_of(session, [p.id for p in views])
        for p in views:
            for c in certs[p.id]:
                yield [
                    p.name,
                    c.decision_number,
                    c.decision_date,
                    c.stars,
                    c.score,
                    label(c.level),
                    c.authority,
                    c.expires_on,
                    c.revoked_on,
                    label(product_rules.status_of(c, today)),
                ]


LISTING_HEADER = [
    "Sản phẩm",
    "Sàn",
    "Địa bàn",
    "Trạng thái",
    "Bước tiếp theo",
    "Gian hàng",
    "Trang sản phẩm",
    "Ngày xác minh",
    "Ngày gỡ",
]


def _listing_rows(
    session: Session, chunks: Iterator[list[ProductView]], places: _Places
) -> Iterator[list[Cell]]:
    steps = step_names(marketplaces.list_marketplaces(session))
    for views in chunks:
        places.learn([p.hamlet_id for p in views])
        by_id = {p.id: p for p in views}
        for listing, market in repository.listings_of(session, list(by_id)):
            p = by_id[listing.product_id]
            step = listing.next_step
            yield [
                p.name,
                market,
                places[p.hamlet_id],
                label(listing.status),
                steps.get((listing.marketplace_id, step), step) if step else None,
                listing.storefront_url,
                listing.listing_url,
                listing.verified_at.date() if listing.verified_at else None,
                listing.delisted_on,
            ]


PERSONAL_HEADER = ["Người đại diện", "Số điện thoại", "Mã số thuế"]


def _producer_header(personal: bool) -> list[str]:
    return [
        "Tên chủ thể",
        "Loại hình chủ thể",
        "Địa bàn",
        *(PERSONAL_HEADER if personal else []),
        "Thanh toán điện tử",
        "Đồng ý công khai",
        "Ngày nhập",
    ]


def _producer_chunks(
    session: Session, user: User, filters: Filters
) -> Iterator[list[ProducerView]]:
    return _pages(
        lambda offset: producer_views.list_producers(
            session,
            user,
            area_id=filters.area_id,
            kind=filters.producer_kind,
            q=filters.q,
            has_payment=filters.has_payment,
            has_consent=filters.has_consent,
            limit=CHUNK,
            offset=offset,
        )
    )


def _consents(granted: Mapping[ConsentField, bool]) -> str:
    return ", ".join(CONSENT_LABELS[f] for f, yes in granted.items() if yes)


def _producer_rows(
    session: Session,
    user: User,
    filters: Filters,
    places: _Places,
    personal: bool,
) -> Iterator[list[Cell]]:
    for views in _producer_chunks(session, user, filters):
        places.learn([v.hamlet_id for v in views])
        accounts = producer_views.payment_accounts(session, views)
        for v in views:
            payment = (
                "; ".join(
                    f"{producer_views.mask(a) or a.provider_info.name} "
                    f"({label(a.status)})"
                    for a in accounts.get(v.id, [])
                )
                or None
            )
            private: list[Cell] = (
                [v.representative, v.phone and display_vn(v.phone), v.tax_code]
                if personal
                else []
            )
            yield [
                v.name,
                label(v.kind),
                places[v.hamlet_id],
                *private,
                payment,
                _consents(v.consents) or None,
                v.created_at.date(),
            ]
