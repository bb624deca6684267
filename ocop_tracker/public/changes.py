"""Changes to what public pages show, seen by every worker and server.

Each worker keeps rendered public pages in memory (``hotpath.PageCache``). A
commit that changes what a page shows must reach every worker's cache, on this
machine and on the others sharing the database (issue #20 item 3):

- **Noted per flush** (``note``): the products and producers a change touches
  (a certificate, a listing or a photo touches its product; a consent its
  producer), or every page (a marketplace, an OCOP group, an area).
  A product or producer just added has no page yet and notes nothing.
- **Written with the commit** (``write_before_commit``): one ``page_changes``
  row per key, inside the same transaction, its id taken just before COMMIT;
  on PostgreSQL a ``NOTIFY`` that is delivered when the transaction commits.
- **Forgotten at once by the writing process** (``forget_after_commit``).
- **Read by each worker's watcher** (``Watcher``, started in the lifespan) at
  least every ``POLL_S`` seconds, and at once on a notification: the rows it
  has not seen yet, whose pages it forgets. The rows are the version stamp
  behind the notification: a missed notification, or a listener that
  restarted, costs at most ``POLL_S``. Ids may commit out of order on
  PostgreSQL, so the watcher re-reads everything above a floor that only
  passes an id once it was seen ``SETTLE_S`` ago.
- **Kept an hour** (``KEEP``): each watcher deletes older rows now and then.

A change made outside these hooks (plain SQL, another tool) shows when the
page's time in the cache (``hotpath.PAGE_TTL``) runs out.
"""

import asyncio
import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from ocop_tracker.core import refcache
from ocop_tracker.core.base import utcnow
from ocop_tracker.core.clock import today
from ocop_tracker.public import hotpath
from ocop_tracker.public.models import PageChange

log = logging.getLogger("ocop_tracker.public")

CHANNEL = "ocop_page_changes"
POLL_S = 0.5
SETTLE_S = 60.0
KEEP = dt.timedelta(hours=1)
PRUNE_EVERY_S = 600.0
# More keys than this in one commit (an import, a producer's many products):
# one row that forgets every page.
MAX_KEYS = 200
INFO_KEY = "public_changed"

# What a page is keyed by: ("product", id), ("producer", id) or ALL.
Key = tuple[str, int]
ALL: Key = ("all", 0)

_OWN_ID = {"products": "product", "producers": "producer"}
_OWNER_COLUMN = {
    "certificates": ("product", "product_id"),
    "listings": ("product", "product_id"),
    "photos": ("product", "product_id"),
    "producer_consents": ("producer", "producer_id"),
}
_EVERY_PAGE = frozenset(
    {
        "marketplaces",
        "ocop_groups",
        "admin_units",
        "admin_unit_links",
        "marketplace_steps",
    }
)


def _keys_of(obj: object, *, new: bool) -> Iterable[Key]:
    table = getattr(obj, "__tablename__", None)
    if table in _EVERY_PAGE:
        yield ALL
    elif table in _OWN_ID:
        if not new:  # a new product or producer has no page yet
            yield (_OWN_ID[table], obj.id)  # type: ignore[attr-defined]
    elif table in _OWNER_COLUMN:
        kind, column = _OWNER_COLUMN[table]
        owner = getattr(obj, column)
        yield (kind, owner) if owner is not None else ALL


def _keys_of_new_rows(table: str, rows: Sequence[Mapping[str, Any]]) -> Iterable[Key]:
    """``_keys_of`` new records, read from their rows."""
    if table in _EVERY_PAGE:
        yield ALL
    elif table in _OWNER_COLUMN:
        kind, column = _OWNER_COLUMN[table]
        for row in rows:
            owner = row.get(column)
            yield (kind, owner) if owner is not None else ALL


def note(session: Session, _context: Any) -> None:
    """Hook (``after_flush``): note the pages the flush changed (the session
    still lists what it flushed, now with every key filled in)."""
    keys: set[Key] = set()
    for obj in session.new:
        keys.update(_keys_of(obj, new=True))
    for obj in (*session.dirty, *session.deleted):
        keys.update(_keys_of(obj, new=False))
    _keep(session, keys)


def note_inserted(
    session: Session, model: type[object], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Hook for records inserted in bulk (``core.db.insert_rows``): the pages
    they change, as ``note`` finds them for new objects of a flush."""
    table = getattr(model, "__tablename__", "")
    _keep(session, set(_keys_of_new_rows(table, rows)))


def _keep(session: Session, keys: set[Key]) -> None:
    if keys:
        session.info.setdefault(INFO_KEY, set()).update(keys)
        if ALL in keys:
            session.info[refcache.DIRTY] = True


def _rows(keys: set[Key]) -> list[dict[str, int | None]]:
    if ALL in keys or len(keys) > MAX_KEYS:
        return [{"product_id": None, "producer_id": None}]
    return [
        {
            "product_id": key if kind == "product" else None,
            "producer_id": key if kind == "producer" else None,
        }
        for kind, key in sorted(keys)
    ]


def write_before_commit(session: Session) -> None:
    """Hook (``before_commit``, after the ledger's flush): the noted changes,
    written in the same transaction, and the notification that wakes the
    watchers when it commits."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    keys: set[Key] | None = session.info.get(INFO_KEY)
    if not keys:
        return
    conn = session.connection()
    conn.execute(insert(PageChange).values(at=utcnow()), _rows(keys))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def forget_after_commit(session: Session) -> None:
    """Hook (``after_commit``): this process forgets the changed pages at once."""
    session.info.pop(refcache.DIRTY, None)
    keys = session.info.pop(INFO_KEY, None)
    if keys:
        forget(keys)


def forget_noted(session: Session, previous: SessionTransaction) -> None:
    """Hook (``after_soft_rollback``): nothing changed after all — unless only
    a savepoint rolled back: what was noted before it still changes at commit
    (and forgetting a page that did not change costs one render)."""
    if previous.parent is None:
        session.info.pop(INFO_KEY, None)
        session.info.pop(refcache.DIRTY, None)


def forget(keys: Iterable[Key]) -> None:
    """Drop the pages of ``keys`` from this worker's cache."""
    keys = set(keys)
    if ALL in keys:
        hotpath.pages.purge()
        refcache.purge()
        return
    hotpath.pages.forget(
        products={k for kind, k in keys if kind == "product"},
        producers={k for kind, k in keys if kind == "producer"},
    )


class Watcher:
    """One worker's reader of ``page_changes`` (see the module's docstring)."""

    def __init__(self, engine: Engine, write_engine: Engine) -> None:
        self.engine = engine
        self.write_engine = write_engine
        self.floor = 0
        self.seen: dict[int, float] = {}
        self.pruned = 0.0

    def read(self) -> set[Key]:
        """The keys of the rows not seen before (one statement)."""
        table = PageChange.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.product_id, table.c.producer_id)
                .where(table.c.id > self.floor)
                .order_by(table.c.id)
            ).all()
        now = time.monotonic()
        keys: set[Key] = set()
        for row_id, product_id, producer_id in rows:
            if row_id in self.seen:
                continue
            self.seen[row_id] = now
            if product_id is not None:
                keys.add(("product", product_id))
            elif producer_id is not None:
                keys.add(("producer", producer_id))
            else:
                keys.add(ALL)
        settled = [i for i, at in self.seen.items() if now - at >= SETTLE_S]
        if settled:
            self.floor = max(self.floor, *settled)
            self.seen = {i: at for i, at in self.seen.items() if i > self.floor}
        return keys

    def prune(self) -> None:
        """Delete the rows older than ``KEEP``, now and then."""
        now = time.monotonic()
        if now - self.pruned < PRUNE_EVERY_S:
            return
        self.pruned = now
        with self.write_engine.begin() as conn:
            conn.execute(delete(PageChange).where(PageChange.at < utcnow() - KEEP))

    async def run(self) -> None:
        """Forever: read, forget, wait for a notification or ``POLL_S``.

        While it runs, pages live ``hotpath.WATCHED_TTL``. When the read fails
        (the database away), every page is forgotten: no page outlives a change
        the watcher could not see. A new day (Vietnam time) forgets every page
        too: a certificate in force yesterday may have expired at midnight.
        """
        wake = asyncio.Event()
        listener = (
            _Listener(self.engine, asyncio.get_running_loop(), wake)
            if self.engine.dialect.name == "postgresql"
            else None
        )
        if listener is not None:
            listener.start()
        day = today()
        hotpath.pages.ttl = hotpath.WATCHED_TTL
        try:
            while True:
                wake.clear()
                try:
                    forget(await asyncio.to_thread(self.read))
                    await asyncio.to_thread(self.prune)
                except Exception:
                    hotpath.pages.purge()
                    refcache.purge()
                    log.warning("reading public page changes failed", exc_info=True)
                if today() != day:
                    day = today()
                    hotpath.pages.purge()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), POLL_S)
        finally:
            hotpath.pages.ttl = hotpath.PAGE_TTL
            if listener is not None:
                await asyncio.to_thread(listener.stop)


class _Listener(threading.Thread):
    """PostgreSQL's ``LISTEN`` on its own connection, waking the watcher."""

    def __init__(
        self, engine: Engine, loop: asyncio.AbstractEventLoop, wake: asyncio.Event
    ) -> None:
        super().__init__(name="page-changes-listener", daemon=True)
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self.loop = loop
        self.wake = wake
        self.stopping = threading.Event()

    def run(self) -> None:
        import psycopg  # only with PostgreSQL

        while not self.stopping.is_set():
            try:
                with psycopg.connect(
                    self.conninfo, autocommit=True, connect_timeout=5
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.loop.call_soon_threadsafe(self.wake.set)  # missed any?
                    while not self.stopping.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self.loop.call_soon_threadsafe(self.wake.set)
            except Exception:  # reconnect; the watcher's polling covers the gap
                if not self.stopping.is_set():
                    log.warning("listening for page changes failed", exc_info=True)
                    self.stopping.wait(2.0)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5.0)
