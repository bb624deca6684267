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
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

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


def remember(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``'s value, kept for ``TTL`` seconds under ``key``."""
    if session.info.get(DIRTY):
        return load()
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = (engine.url, key)  # one process may read two databases
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
