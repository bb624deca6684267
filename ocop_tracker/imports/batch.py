"""What an official list adds, checked for the whole file at once, then written
in a few statements.

``Batch.plan`` reads what the rows may match — their hamlets' producers,
products and certificates, the producers already placed from a row naming no
hamlet, the GTINs held — in a few queries for the whole file, then checks every
record a row adds by the rules a form applies (``new_producer``,
``new_product``, ``new_certificate``) and against what is stored and what the
rows before it add. Each row's problem is kept in its row. A dry run stops
there: it has read, and written nothing.

What the plan keeps of a row is small: the row and the references of its
producer and product (an id, or the number of a record the file adds), never
the records themselves — a list of 20,000 rows is checked within a few tens of
megabytes. ``Batch.write`` then builds the records' columns again,
``WRITE_ROWS`` rows at a time, and inserts them without the ORM in three
statements per chunk (producers, products, certificates; on PostgreSQL their
ids drawn first, for all of them at once; ``core.db.insert_rows``), a
commune's "Chưa xếp ấp" hamlet first where a row needs it. The write path's
hooks for rows (``hooks.INSERTED``) record one audit event per record and note
the ledger's subjects, as they would for a flush; the coverage ledger
refreshes once, at commit.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocop_tracker.areas import repository as area_repository
from ocop_tracker.areas import service as area_service
from ocop_tracker.areas.models import AdminUnit
from ocop_tracker.core import clock, db, query
from ocop_tracker.core.base import name_key, new_row
from ocop_tracker.core.errors import AppError, InvalidInput
from ocop_tracker.imports.places import UNPLACED, Place
from ocop_tracker.producers import service as producer_service
from ocop_tracker.producers.models import Producer, ProducerKind
from ocop_tracker.products import certificates as certificate_service
from ocop_tracker.products import rules as product_rules
from ocop_tracker.products import service as product_service
from ocop_tracker.products.models import Certificate, CertLevel, Product, ProductKind

# Rows written per chunk: three inserts each, whose columns are then let go.
WRITE_ROWS = 500


@dataclass(slots=True)
class Planned:
    """One row of the list, read and checked on its own (``service._plan_row``)."""

    row: int
    place: Place
    producer_name: str
    producer_kind: ProducerKind
    representative: str | None
    phone: str | None
    tax_code: str | None
    product_name: str
    product_kind: ProductKind
    group_id: int | None
    gtin: str | None
    unit: str | None
    price: int | None
    stars: int
    score: int | None
    decision_number: str
    decision_date: dt.date
    authority: str
    level: CertLevel


@dataclass
class Added:
    """What the rows add, as the plan counts it and the import's report gives it."""

    producers_new: int = 0
    products_new: int = 0
    certificates_new: int = 0
    unchanged: int = 0
    unplaced: int = 0  # rows put in their commune's "Chưa xếp ấp"
    hamlets_new: int = 0  # "Chưa xếp ấp" hamlets created


@dataclass
class Counts(Added):
    """What the rows add; ``problems``: (row, message) of the rows refused."""

    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class _Adds:
    """What one row adds. ``home``: its hamlet, or its commune's id made
    negative for a "Chưa xếp ấp" to be created; ``producer``, ``product``: a
    stored record's id, or -n for the n-th of its kind the file adds."""

    item: Planned
    home: int
    producer: int
    producer_name: str
    product: int
    kind: ProductKind
    new_producer: bool
    new_product: bool
    new_certificate: bool


class _Known:
    """The producers, products and certificates the rows may match — ids and
    names, read for all the file's hamlets in a few queries — and those the
    rows before add (numbered -1, -2, …). Flat maps keyed by pairs: a file of
    20,000 rows adds 30,000 records, and a map per record would outweigh them.

    Names match to the letter, as stored; a name equal but for case is a
    namesake the database would refuse, and is refused here."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.hamlets: set[int] = set()
        # (hamlet, name) → producer; (hamlet, name key) → name as stored
        self.producers: dict[tuple[int, str], int] = {}
        self.producer_keys: dict[tuple[int, str], str] = {}
        self.producer_names: dict[int, str] = {}
        # (producer, name) → product; (producer, name key) → name as stored
        self.products: dict[tuple[int, str], int] = {}
        self.product_keys: dict[tuple[int, str], str] = {}
        self.other_kinds: dict[int, ProductKind] = {}  # products not OCOP
        self.certificates: set[tuple[int, str]] = set()  # (product, number)

    def load_hamlets(self, hamlet_ids: Iterable[int]) -> None:
        """Every producer of these hamlets, their products and certificates."""
        wanted = sorted({h for h in hamlet_ids if h not in self.hamlets})
        if not wanted:
            return
        self.hamlets.update(wanted)
        producers = select(Producer.id, Producer.hamlet_id, Producer.name)
        ids = []
        for row in self._in(producers, Producer.hamlet_id, wanted):
            self.made_producer(row.hamlet_id, row.id, row.name)
            ids.append(row.id)
        products = select(Product.id, Product.producer_id, Product.name, Product.kind)
        ids_ = []
        for row in self._in(products, Product.producer_id, ids):
            self.made_product(row.producer_id, row.id, row.name, row.kind)
            ids_.append(row.id)
        numbers = select(Certificate.product_id, Certificate.decision_number)
        for row in self._in(numbers, Certificate.product_id, ids_):
            self.certificates.add((row.product_id, row.decision_number))

    def empty_hamlet(self, key: int) -> None:
        """A hamlet with nothing in it yet."""
        self.hamlets.add(key)

    def _in(self, stmt: Any, column: Any, ids: Sequence[int]) -> list[Any]:
        return query.rows_in_chunks(self.session, stmt, column, ids)

    def producer(self, hamlet: int, name: str) -> int | None:
        """The hamlet's producer of this name; a namesake by case is refused."""
        found = self.producers.get((hamlet, name))
        clash = self.producer_keys.get((hamlet, name_key(name)))
        if found is None and clash is not None:
            raise producer_service.namesake(clash)
        return found

    def product(self, producer: int, name: str) -> int | None:
        """The producer's product of this name; a namesake by case is refused."""
        found = self.products.get((producer, name))
        clash = self.product_keys.get((producer, name_key(name)))
        if found is None and clash is not None:
            raise product_service.namesake(clash)
        return found

    def kind(self, product: int) -> ProductKind:
        return self.other_kinds.get(product, ProductKind.ocop)

    def made_producer(self, hamlet: int, producer: int, name: str) -> None:
        self.producers[(hamlet, name)] = producer
        self.producer_keys.setdefault((hamlet, name_key(name)), name)
        self.producer_names[producer] = name

    def made_product(
        self, producer: int, product: int, name: str, kind: ProductKind
    ) -> None:
        self.products[(producer, name)] = product
        self.product_keys.setdefault((producer, name_key(name)), name)
        if kind is not ProductKind.ocop:
            self.other_kinds[product] = kind


class Batch:
    """The records a list adds, checked as one (``plan``), then written (``write``)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known = _Known(session)
        self.counts = Counts()
        self.adds: list[_Adds] = []
        # Communes whose "Chưa xếp ấp" is to be created; those found.
        self.unplaced_new: set[int] = set()
        self.unplaced_found: dict[int, int] = {}
        # (commune, producer name) → the hamlets where a producer of that
        # name is stored, and where the rows before made one.
        self.placed: dict[tuple[int, str], list[int]] = {}
        self.made: dict[tuple[int, str], list[int]] = {}
        self.gtins_held: set[str] = set()
        self.gtins_taken: set[str] = set()

    # --- planning ----------------------------------------------------------------

    def plan(self, items: Sequence[Planned]) -> Counts:
        """Match and check every row; each refused row's problem is kept."""
        loose = [i for i in items if i.place.hamlet is None]
        communes = {i.place.commune.id: i.place.commune for i in loose}
        self.placed = self._placed_before(
            communes.values(), {i.producer_name for i in loose}
        )
        self.known.load_hamlets(
            [i.place.hamlet.id for i in items if i.place.hamlet is not None]
            + [h for hamlets in self.placed.values() for h in hamlets]
        )
        self.gtins_held = product_service.held_gtins(
            self.session, {i.gtin for i in items if i.gtin}
        )
        for item in items:
            try:
                self._row(item)
            except AppError as exc:
                self.counts.problems.append((item.row, exc.message))
        return self.counts

    def _home(self, item: Planned) -> tuple[int, bool]:
        """The row's hamlet id, and whether it is "Chưa xếp ấp" for want of a
        place; a commune's "Chưa xếp ấp" still to be created is the commune's
        id made negative. A row naming no hamlet goes where its commune's
        producer of that name is — stored, or made by a row before — or else
        to "Chưa xếp ấp"."""
        if item.place.hamlet is not None:
            return item.place.hamlet.id, False
        commune = item.place.commune
        key = (commune.id, item.producer_name)
        where = {*self.placed.get(key, ()), *self.made.get(key, ())}
        if len(where) > 1:
            raise InvalidInput(
                f"'{commune.name}' có {len(where)} chủ thể tên '{item.producer_name}' "
                "ở các khóm/ấp khác nhau; hãy ghi khóm/ấp."
            )
        if where:
            return where.pop(), False
        return self._unplaced(commune), True

    def _placed_before(
        self, communes: Iterable[AdminUnit], names: set[str]
    ) -> dict[tuple[int, str], list[int]]:
        """(commune, producer name) → the hamlets of the commune where a producer
        of that name already is (a person may have moved it since an import)."""
        found: dict[tuple[int, str], list[int]] = {}
        day = clock.today()
        for commune in communes:
            stmt = select(Producer.name, Producer.hamlet_id).where(
                Producer.hamlet_id.in_(area_repository.subtree_ids(commune.id, day=day))
            )
            for row in query.rows_in_chunks(
                self.session, stmt, Producer.name, sorted(names)
            ):
                found.setdefault((commune.id, row.name), []).append(row.hamlet_id)
        return found

    def _unplaced(self, commune: AdminUnit) -> int:
        if commune.id not in self.unplaced_found:
            hamlet = area_repository.sibling_named(self.session, commune.id, UNPLACED)
            if hamlet is None:
                self.unplaced_found[commune.id] = -commune.id
                self.unplaced_new.add(commune.id)
                self.known.empty_hamlet(-commune.id)
                self.counts.hamlets_new += 1
            else:
                self.unplaced_found[commune.id] = hamlet.id
                self.known.load_hamlets([hamlet.id])
        return self.unplaced_found[commune.id]

    def _row(self, item: Planned) -> None:
        """Match one row, check what it adds, and count it; all of a row or none.

        The records a row adds are built by their domain's rules to be checked,
        then let go: ``write`` builds them again."""
        home, unplaced = self._home(item)
        if home > 0:
            self.known.load_hamlets([home])
        producer = self.known.producer(home, item.producer_name)
        if producer is None:
            producer_name = _producer(item, home)["name"]
        else:
            producer_name = self.known.producer_names[producer]
        product = (
            None
            if producer is None
            else self.known.product(producer, item.product_name)
        )
        product_name, gtin = item.product_name, None
        if product is None:
            built = _product(item, home, None, producer_name, public_code="")
            self._check_gtin(built["gtin"])
            product_name, kind, gtin = built["name"], built["kind"], built["gtin"]
        else:
            kind = self.known.kind(product)
        number = item.decision_number
        new_certificate = (
            product is None or (product, number) not in self.known.certificates
        )
        if new_certificate:
            number = _certificate(item, home, None, kind)["decision_number"]
        # Every check passed: the row's records join the batch.
        adds = _Adds(
            item=item,
            home=home,
            producer=producer or -(self.counts.producers_new + 1),
            producer_name=producer_name,
            product=product or -(self.counts.products_new + 1),
            kind=kind,
            new_producer=producer is None,
            new_product=product is None,
            new_certificate=new_certificate,
        )
        self.adds.append(adds)
        if unplaced:
            self.counts.unplaced += 1
        if adds.new_producer:
            self.known.made_producer(home, adds.producer, producer_name)
            self.made.setdefault((item.place.commune.id, producer_name), []).append(
                home
            )
            self.counts.producers_new += 1
        if adds.new_product:
            self.known.made_product(adds.producer, adds.product, product_name, kind)
            if gtin is not None:
                self.gtins_taken |= set(product_rules.gtin_variants(gtin))
            self.counts.products_new += 1
        if new_certificate:
            self.known.certificates.add((adds.product, number))
            self.counts.certificates_new += 1
        if not (adds.new_producer or adds.new_product or new_certificate):
            self.counts.unchanged += 1

    def _check_gtin(self, code: str | None) -> None:
        if code is None:
            return
        if code in self.gtins_held or self.gtins_taken & set(
            product_rules.gtin_variants(code)
        ):
            raise product_service.gtin_taken()

    # --- writing -----------------------------------------------------------------

    def write(self) -> None:
        """Add every planned record, ``WRITE_ROWS`` rows at a time: producers,
        then products, then certificates."""
        session = self.session
        hamlets: dict[int, int] = {}
        for commune_id in sorted(self.unplaced_new):
            made = area_service.add_hamlet(
                session, commune_id=commune_id, name=UNPLACED
            )
            hamlets[-commune_id] = made.id
        codes = iter(
            product_service.new_public_codes(session, self.counts.products_new)
        )
        ids: dict[tuple[str, int], int] = {}  # ("producers" | "products", -n) → id
        counts = self.counts
        reserved = {
            model.__tablename__: query.reserve_ids(session, model.__tablename__, count)
            for model, count in (
                (Producer, counts.producers_new),
                (Product, counts.products_new),
                (Certificate, counts.certificates_new),
            )
        }
        drawn = {kind: iter(found or ()) for kind, found in reserved.items()}
        with query.planned_per_use(session):
            self._write_chunks(hamlets, codes, ids, drawn)
        # Written: the rows go before the ledger refreshes, at commit.
        self.adds = []

    def _write_chunks(
        self,
        hamlets: dict[int, int],
        codes: Iterator[str],
        ids: dict[tuple[str, int], int],
        drawn: dict[str, Iterator[int]],
    ) -> None:
        """The rows ``WRITE_ROWS`` at a time, each chunk's records let go once
        flushed."""
        for start in range(0, len(self.adds), WRITE_ROWS):
            chunk = self.adds[start : start + WRITE_ROWS]
            for adds in chunk:
                adds.home = hamlets.get(adds.home, adds.home)
            self._insert(
                ids,
                drawn,
                Producer,
                [
                    (a.producer, _producer(a.item, a.home))
                    for a in chunk
                    if a.new_producer
                ],
            )
            self._insert(
                ids,
                drawn,
                Product,
                [
                    (
                        a.product,
                        _product(
                            a.item,
                            a.home,
                            ids.get(("producers", a.producer), a.producer),
                            a.producer_name,
                            public_code=next(codes),
                        ),
                    )
                    for a in chunk
                    if a.new_product
                ],
            )
            self._insert(
                ids,
                drawn,
                Certificate,
                [
                    (
                        0,
                        _certificate(
                            a.item,
                            a.home,
                            ids.get(("products", a.product), a.product),
                            a.kind,
                        ),
                    )
                    for a in chunk
                    if a.new_certificate
                ],
            )

    def _insert(
        self,
        ids: dict[tuple[str, int], int],
        drawn: dict[str, Iterator[int]],
        model: type[Producer | Product | Certificate],
        records: list[tuple[int, dict[str, Any]]],
    ) -> None:
        """Insert one chunk's records of a kind, with the ids drawn for them
        where there are; note the new ones' ids."""
        kind = model.__tablename__
        for _, columns in records:
            made = next(drawn[kind], None)
            if made is not None:
                columns["id"] = made
        rows = [new_row(model, columns) for _, columns in records]
        db.insert_rows(self.session, model, rows)
        for ref, row in zip((ref for ref, _ in records), rows, strict=True):
            if ref < 0:
                ids[(kind, ref)] = row["id"]


def _producer(item: Planned, home: int) -> dict[str, Any]:
    """The row's producer's columns, by the rules of the producers' form."""
    return producer_service.producer_columns(
        hamlet_id=max(home, 0),
        kind=item.producer_kind,
        name=item.producer_name,
        representative=item.representative,
        phone=item.phone,
        tax_code=item.tax_code,
    )


def _product(
    item: Planned,
    home: int,
    producer_id: int | None,
    producer_name: str,
    *,
    public_code: str,
) -> dict[str, Any]:
    """The row's product's columns, by the rules of the products' form."""
    return product_service.product_columns(
        producer_id=producer_id,
        hamlet_id=max(home, 0),
        producer_name=producer_name,
        name=item.product_name,
        kind=item.product_kind,
        group_id=item.group_id,
        gtin=item.gtin,
        unit=item.unit,
        price=item.price,
        public_code=public_code,
    )


def _certificate(
    item: Planned, home: int, product_id: int | None, kind: ProductKind
) -> dict[str, Any]:
    """The row's certificate's columns, by the rules of the certificates' form."""
    return certificate_service.certificate_columns(
        product_id=product_id,
        hamlet_id=max(home, 0),
        kind=kind,
        stars=item.stars,
        decision_number=item.decision_number,
        decision_date=item.decision_date,
        authority=item.authority,
        level=item.level,
        score=item.score,
    )
