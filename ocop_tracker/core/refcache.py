"""Small reference reads kept in each worker's memory between requests.

The marketplaces, the OCOP groups, the steps' names and an area's children on
a day: every coverage answer needs them, and they change only through an
admin's writes, which note "every page" (``public/changes.py``). The process
that commits such a change forgets them after its commit; every other worker
and server when its page watcher reads the change (within a second). A change
made around the application (plain SQL) shows within ``TTL``.

A transaction that has itself changed such rows (``DIRTY`` in its session's
info, set when the change is noted) reads past the memory and keeps nothing:
what it sees may yet be rolled back. A purge during a load drops what that
load read.

``Stamped`` keeps larger answers (a coverage answer) under a stamp the caller
reads from the database on every request: an answer is served again only
while the stamp read now is the one it was computed under, and while nothing
above was purged.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

T = TypeVar("T")

TTL = 60.0
MAX_ENTRIES = 2048
# Set in a session's info once it has changed what every page shows.
DIRTY = "refcache_dirty"

_entries: dict[Hashable, tuple[float, object]] = {}
_lock = threading.Lock()
_generation = 0


def _on_database(session: Session, key: Hashable) -> Hashable:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return (engine.url, key)  # one process may read two databases


def remember(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value, kept for ``TTL`` seconds under ``key``."""
    if session.info.get(DIRTY):
        return load()
    key = _on_database(session, key)
    now = time.monotonic()
    found = _entries.get(key)
    if found is not None and now - found[0] < TTL:
        return found[1]  # type: ignore[return-value]
    generation = _generation
    value = load()
    with _lock:
        if generation == _generation:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now, value)
    return value


def purge() -> None:
    """Forget everything (an admin changed reference rows somewhere)."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


class Stamped(Generic[T]):
    """At most ``size`` answers, each kept with the stamp it was computed under
    (the least recently used dropped first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, int, float, T]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def get(
        self,
        session: Session,
        key: Hashable,
        stamp: Hashable,
        load: Callable[[], T],
        *,
        keep: bool = True,
    ) -> T:
        """The answer kept under ``key`` if it was computed under ``stamp``
        (read by the caller in this transaction, before anything the answer is
        made of), else ``load()``'s, kept when ``keep``."""
        if not keep or session.info.get(DIRTY):
            return load()
        key = _on_database(session, key)
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if (
                found is not None
                and found[0] == stamp
                and found[1] == _generation
                and now - found[2] < TTL
            ):
                self._entries.move_to_end(key)
                return found[3]
        generation = _generation
        value = load()
        with self._lock:
            if generation == _generation:
                self._entries[key] = (stamp, generation, now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()
