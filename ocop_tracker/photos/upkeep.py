"""Upkeep of the photo store: orphan and temporary files, old idempotency keys (``photos gc``)."""

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ocop_tracker.core.base import utcnow
from ocop_tracker.photos import repository, storage

# Idempotency keys are kept this long (a phone may retry the next morning).
KEY_DAYS = 7


def purge_old_keys(session: Session, *, now: dt.datetime | None = None) -> int:
    """Forget idempotency keys older than KEY_DAYS."""
    moment = now or utcnow()
    return repository.purge_upload_keys(session, moment - dt.timedelta(days=KEY_DAYS))


@dataclass
class Garbage:
    """What ``photos gc`` found and removed."""

    orphans: list[str] = field(default_factory=list)
    kept_young: int = 0
    temp_removed: int = 0
    keys_removed: int = 0
    bytes_freed: int = 0


def collect_garbage(
    session: Session,
    *,
    min_age_seconds: float = storage.TMP_GRACE_SECONDS,
    dry_run: bool = False,
    now: float | None = None,
) -> Garbage:
    """Remove files no photo row points to, as the store lists them (older than
    ``min_age_seconds``, so an upload in flight keeps its files), temporary
    files, and old idempotency keys."""
    moment = time.time() if now is None else now
    result = Garbage()
    referenced = repository.referenced_hashes(session)
    for digest, stored in storage.stored_hashes():
        if digest in referenced:
            continue
        if moment - stored.modified < min_age_seconds:
            result.kept_young += 1
            continue
        result.orphans.append(digest)
        result.bytes_freed += stored.size
        if not dry_run:
            storage.remove(digest)
    if not dry_run:
        result.temp_removed = storage.sweep_temp(older_than=min_age_seconds)
        result.keys_removed = purge_old_keys(session)
    return result
