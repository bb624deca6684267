"""QR matrices made once per product when its public code is made, off the request.

A product's public code is set when the product is created and never changes,
so its card's QR matrix can be made then. Making one takes about a millisecond of
pure Python (``qrcode``'s Reed–Solomon), which a list import of thousands of rows
should not pay in its request. So the write path only notes the new products
(``note_new_codes``, after each flush); once the transaction commits
(``hand_over_after_commit``) their ids go to one worker thread per serving
process (``Warmer``), which makes the matrices in batches and keeps them beside
the ones a print keeps (``public.models.QrMatrix``).

A print that comes first makes whatever is still missing itself, as it always
did (``cards.service.matrices_for``): the warmer saves time, it is never needed
for a correct card. A process that runs no warmer (the command line, the tests'
requests) notes nothing more than a set of ids that is dropped at the commit.
"""

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from ocop_tracker.cards import qr
from ocop_tracker.products.models import Product
from ocop_tracker.public import repository as public_repository
from ocop_tracker.public.views import public_url

log = logging.getLogger(__name__)

KEY = "qr_new_codes"
BATCH = 500  # products per transaction of the warmer
GATHER_S = 2.0  # seconds a batch waits for more products after its first
_STOP = object()


def missing(session: Session, product_ids: Sequence[int]) -> list[dict[str, object]]:
    """The matrices these products lack (or whose URL moved), made now: rows for
    ``public.repository.keep_matrices``. Reads only."""
    made: list[dict[str, object]] = []
    for start in range(0, len(product_ids), BATCH):
        part = list(product_ids[start : start + BATCH])
        codes = session.execute(
            select(Product.id, Product.public_code).where(Product.id.in_(part))
        ).all()
        kept = public_repository.matrices(session, part)
        for product_id, code in codes:
            url = public_url(code)
            row = kept.get(product_id)
            if row is not None and row.payload == url:
                continue
            matrix = qr.make_matrix(url)
            made.append(
                public_repository.matrix_row(product_id, url, matrix.size, matrix.bits)
            )
    return made


class Warmer:
    """One thread that makes the matrices of the products handed to it.

    Each batch is made in a read transaction and kept in a short write one, so
    on SQLite the write lock is held for the inserts only, never while the
    matrices are computed.
    """

    def __init__(
        self,
        reads: Callable[[], Session],
        writes: Callable[[], Session],
        *,
        gather_s: float = GATHER_S,
    ) -> None:
        self.reads = reads
        self.writes = writes
        self.gather_s = gather_s
        self.waiting: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="qr-warmer", daemon=True)
        self.made = 0

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the batch under way and stop; what still waits is left to the
        next print."""
        self.waiting.put(_STOP)
        self.thread.join(timeout)

    def put(self, product_ids: Sequence[int]) -> None:
        """Hand over products whose codes were just committed."""
        self.waiting.put(list(product_ids))

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until everything handed over so far is made; False on time-out."""
        done = threading.Event()
        self.waiting.put(done)
        return done.wait(timeout)

    def _run(self) -> None:
        while True:
            ids, marks, stop = self._next_batch()
            self._make(ids)
            for mark in marks:
                mark.set()
            if stop:
                return

    def _next_batch(self) -> tuple[list[int], list[threading.Event], bool]:
        # Waits for one item, then gathers what comes within GATHER_S (an
        # import's commits, a team's burst of new products) up to a batch: on
        # SQLite each batch takes the write lock once, so a product at a time
        # would add a writer for every product written. A drain mark ends the
        # gathering at once.
        ids: list[int] = []
        marks: list[threading.Event] = []
        item = self.waiting.get()
        deadline = time.monotonic() + self.gather_s
        while True:
            if item is _STOP:
                return ids, marks, True
            if isinstance(item, threading.Event):
                marks.append(item)
                return ids, marks, False
            if isinstance(item, list):
                ids.extend(item)
            left = deadline - time.monotonic()
            if len(ids) >= BATCH or left <= 0:
                return ids, marks, False
            try:
                item = self.waiting.get(timeout=left)
            except queue.Empty:
                return ids, marks, False

    def _make(self, ids: list[int]) -> None:
        if not ids:
            return
        try:
            with self.reads() as session:
                rows = missing(session, ids)
            if rows:
                with self.writes() as session:
                    public_repository.keep_matrices(session, rows)
                    session.commit()
            self.made += len(rows)
        except Exception:  # a print makes what is missing: the thread lives on
            log.warning(
                "QR matrices of %d products left to the next print",
                len(ids),
                exc_info=True,
            )


_current: Warmer | None = None


def install(warmer: Warmer | None) -> None:
    """The process's warmer (None: none; the hooks then only drop their notes)."""
    global _current
    _current = warmer


def note_new_codes(session: Session, _context: Any) -> None:
    """Hook (``after_flush``): note the products this flush created.

    A public code is given when its product is made and never changed, so the
    new objects are all there is to look at (not ``session.dirty``, which would
    walk every object the session holds on each flush of a long import)."""
    for obj in session.new:
        if isinstance(obj, Product) and obj.public_code is not None:
            session.info.setdefault(KEY, set()).add(obj.id)


def note_inserted(
    session: Session, model: type[object], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Hook for records inserted in bulk (``core.db.insert_rows``): the
    products among them, as ``note_new_codes`` notes them from a flush."""
    if model is Product:
        session.info.setdefault(KEY, set()).update(
            row["id"] for row in rows if row.get("public_code") is not None
        )


def hand_over_after_commit(session: Session) -> None:
    """Hook (``after_commit``): the committed products go to the warmer."""
    ids = session.info.pop(KEY, None)
    if ids and _current is not None:
        _current.put(sorted(ids))


def forget_new_codes(session: Session, previous: SessionTransaction) -> None:
    """Hook (``after_soft_rollback``): nothing was made after all — unless only
    a savepoint rolled back: the codes noted before it are still made (and a
    product the savepoint took back is simply not found by the warmer)."""
    if previous.parent is None:
        session.info.pop(KEY, None)
