"""Which cards a user may print, and the PDF of them.

Who may print: every role, for the products in its area (team members and
leaders their hamlet, officials their commune or district, the department its
province, admin everything). Cards carry only public information, so the area
is the only limit; a product or area outside it answers 404 like a missing one.

Limits: at most ``MAX_CARDS`` cards per PDF (413 beyond: narrow the area or
print by hamlet), ``BATCHES_PER_HOUR`` PDFs per user per hour (429), counted from
the audit trail where each batch leaves one ``print_cards`` event. The PDF is
made whole in memory before the response starts: an error leaves nothing behind.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.areas import views as area_views
from ocop_tracker.audit.listener import record
from ocop_tracker.auth.scope import OutOfScope, ensure_visible
from ocop_tracker.cards import qr, repository
from ocop_tracker.cards.layout import LAYOUT_LABELS, CardData, Layout, render
from ocop_tracker.core import clock
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.db import side_write
from ocop_tracker.core.errors import AppError, InvalidInput, NotFound, TooManyRequests
from ocop_tracker.public import repository as public_repository
from ocop_tracker.public import views as public_views
from ocop_tracker.public.views import PublicProduct
from ocop_tracker.users.models import User

MAX_CARDS = 5000
BATCHES_PER_HOUR = 60
AUDIT_ACTION = "print_cards"


class TooManyCards(AppError):
    """More cards than one PDF may hold."""

    status_code = 413
    code = "too_many_cards"


@dataclass(frozen=True)
class Batch:
    """A finished PDF and what it holds."""

    pdf: bytes
    count: int
    layout: Layout
    filename: str


def parse_layout(raw: str | None) -> Layout:
    """The layout named ``raw`` (default A4 2 × 4), or 422 listing the choices."""
    if raw is None or raw == "":
        return Layout.a4_2x4
    try:
        return Layout(raw)
    except ValueError:
        names = ", ".join(layout.value for layout in Layout)
        raise InvalidInput(
            f"Không có khổ in '{raw[:40]}'. Chọn một trong: {names}.", field="layout"
        ) from None


def parse_ids(values: Sequence[str]) -> list[int]:
    """Product ids given as repeated parameters and/or comma-separated lists."""
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or len(part) > 12:
                raise InvalidInput(
                    f"'{part[:20]}' không phải mã sản phẩm.", field="product_ids"
                )
            ids.append(int(part))
            if len(ids) > MAX_CARDS:
                raise TooManyCards(
                    f"Mỗi lần in tối đa {_vi(MAX_CARDS)} thẻ; hãy chọn ít sản phẩm hơn."
                )
    return list(dict.fromkeys(ids))


def select_products(
    session: Session,
    actor: User | None,
    *,
    area_id: int | None,
    product_ids: Sequence[int],
) -> list[int]:
    """Ids of the products to print: the chosen ones, or every one under the area.

    With both, the chosen products must lie under the area. ``actor`` None is the
    command line (the operator sees everything).
    """
    if area_id is not None:
        if actor is not None:
            ensure_visible(session, actor, area_id, "địa bàn")
        else:
            area_views.get(session, area_id)
    day = clock.today()
    if product_ids:
        hamlets = repository.hamlets_of(session, product_ids)
        inside = (
            repository.subtree_ids(session, area_id, day=day)
            if area_id is not None
            else None
        )
        visible = (
            repository.visible_ids(session, actor, product_ids)
            if actor is not None
            else None
        )
        for pid in product_ids:
            hamlet = hamlets.get(pid)
            if hamlet is None:
                raise NotFound(f"Không tìm thấy sản phẩm mã {pid}.")
            if visible is not None and pid not in visible:
                raise OutOfScope("Không tìm thấy sản phẩm này.")
            if inside is not None and hamlet not in inside:
                raise NotFound("Sản phẩm đã chọn không thuộc địa bàn này.")
        return list(product_ids)
    if area_id is None:
        raise InvalidInput(
            "Chưa chọn sản phẩm hay địa bàn nào để in thẻ.", field="product_ids"
        )
    count = repository.count_under(session, area_id, day=day)
    if count > MAX_CARDS:
        raise TooManyCards(
            f"Địa bàn này có {_vi(count)} sản phẩm; mỗi lần in tối đa {_vi(MAX_CARDS)} thẻ. "
            "Hãy in theo từng xã hoặc từng khóm, ấp."
        )
    if count == 0:
        raise InvalidInput("Địa bàn này chưa có sản phẩm nào để in thẻ.")
    return repository.ids_under(session, area_id, day=day)


def _vi(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def matrices_for(
    session: Session, products: Sequence[PublicProduct]
) -> dict[int, qr.Matrix]:
    """Each product's QR matrix: the kept one, or made now and kept."""
    kept = public_repository.matrices(session, [p.product_id for p in products])
    result: dict[int, qr.Matrix] = {}
    new: list[dict[str, object]] = []
    for p in products:
        row = kept.get(p.product_id)
        if row is not None and row.payload == p.url:
            result[p.product_id] = qr.Matrix(size=row.size, bits=bytes(row.bits))
            continue
        matrix = qr.make_matrix(p.url)
        result[p.product_id] = matrix
        new.append(
            public_repository.matrix_row(p.product_id, p.url, matrix.size, matrix.bits)
        )
    if new:  # kept for the next print; a print never fails for want of keeping them
        side_write(
            session,
            lambda s: public_repository.keep_matrices(s, new),
            what="QR matrices",
        )
    return result


def card_data(session: Session, product_ids: Sequence[int]) -> list[CardData]:
    """The cards of these products, under the public page's rules (consent, stars)."""
    products = public_views.by_ids(session, product_ids)
    matrices = matrices_for(session, products)
    return [
        CardData(
            url=p.url,
            product_name=p.name,
            producer=p.producer,
            place=p.place,
            stars=p.stars,
            certificate_note=p.certificate_note,
            marketplaces=tuple(dict.fromkeys(s.domain for s in p.shops)),
            matrix=matrices[p.product_id],
        )
        for p in products
    ]


def check_rate(session: Session, actor: User) -> None:
    """At most BATCHES_PER_HOUR card PDFs per user per hour."""
    since = utcnow() - dt.timedelta(hours=1)
    if (
        repository.batches_since(session, actor, AUDIT_ACTION, since)
        >= BATCHES_PER_HOUR
    ):
        raise TooManyRequests(
            f"Mỗi giờ chỉ được in tối đa {BATCHES_PER_HOUR} tệp thẻ. Vui lòng thử lại sau.",
            retry_after=600,
        )


def print_cards(
    session: Session,
    actor: User | None,
    *,
    area_id: int | None,
    product_ids: Sequence[int],
    layout: Layout,
    progress: Callable[[int], None] | None = None,
) -> Batch:
    """The PDF of the selected cards, audited as one ``print_cards`` event."""
    ids = select_products(session, actor, area_id=area_id, product_ids=product_ids)
    if actor is not None:
        check_rate(session, actor)
    cards = card_data(session, ids)
    pdf = render(cards, layout, progress=progress)
    record(
        session,
        AUDIT_ACTION,
        object_type="admin_units" if area_id is not None else "products",
        object_id=area_id,
        area_id=area_id,
        detail=f"layout={layout.value} cards={len(cards)}",
    )
    stamp = clock.today().strftime("%Y%m%d")
    return Batch(
        pdf=pdf,
        count=len(cards),
        layout=layout,
        filename=f"the-qr-ocop-{layout.value}-{stamp}.pdf",
    )


__all__ = [
    "LAYOUT_LABELS",
    "MAX_CARDS",
    "Batch",
    "Layout",
    "parse_ids",
    "parse_layout",
    "print_cards",
]
