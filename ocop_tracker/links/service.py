"""The link check's commands: which URLs are due, claiming a day's check, recording it.

Flushes, never commits: ``links/job.py`` owns the transactions, so that no
database lock is held while requests are out.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ocop_tracker.links import repository
from ocop_tracker.links.models import LinkCheck, Outcome, SubjectKind
from ocop_tracker.links.outbound import Result

# Gone or home answers on this many days in a row flag "có thể đã bị gỡ".
FLAG_AFTER = 2
BAD = frozenset({Outcome.gone, Outcome.home})


@dataclass(frozen=True)
class Target:
    """One verified URL to check: whose, where, on which marketplace."""

    kind: SubjectKind
    subject_id: int
    hamlet_id: int
    marketplace_id: int
    domain: str
    url: str


def due(session: Session, day: dt.date, limit: int) -> list[Target]:
    """Verified shop and product URLs not yet checked on ``day``, oldest check first."""
    rows = [(SubjectKind.shop, r) for r in repository.due_shops(session, day, limit)]
    rows += [
        (SubjectKind.listing, r) for r in repository.due_listings(session, day, limit)
    ]
    rows.sort(key=lambda kr: (kr[1][5] is not None, kr[1][5] or day, kr[0], kr[1][0]))
    return [
        Target(kind, r[0], r[1], r[2], r[3], r[4].strip()) for kind, r in rows[:limit]
    ]


def claim(session: Session, targets: list[Target], day: dt.date) -> list[Target]:
    """Mark each target as checked on ``day``; those this call marked (another
    worker may have taken some). A changed URL starts a fresh run."""
    mine = []
    for t in targets:
        row = repository.check_of(session, t.kind, t.subject_id)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(
                        LinkCheck(
                            subject_kind=t.kind,
                            subject_id=t.subject_id,
                            marketplace_id=t.marketplace_id,
                            hamlet_id=t.hamlet_id,
                            url=t.url,
                            checked_on=day,
                            bad_count=0,
                        )
                    )
            except IntegrityError:  # another worker inserted it first
                continue
            mine.append(t)
            continue
        values: dict[str, object] = {
            "checked_on": day,
            "hamlet_id": t.hamlet_id,
            "marketplace_id": t.marketplace_id,
        }
        if row.url != t.url:
            values |= {
                "url": t.url,
                "outcome": None,
                "status_code": None,
                "bad_count": 0,
                "first_bad_on": None,
            }
        if repository.claim(session, row.id, t.url, day, values):
            mine.append(t)
    session.flush()
    session.expire_all()
    return mine


def record(session: Session, target: Target, result: Result, day: dt.date) -> bool:
    """Keep one check's outcome; True when the URL is now flagged.

    Gone or home extends the run of bad days, ok ends it, an error (timeout,
    5xx, refused) leaves it as it was: the marketplace being down says nothing
    about one page. Never touches the listing or the account.
    """
    row = repository.check_of(session, target.kind, target.subject_id)
    if row is None or row.url != target.url:
        return False
    row.outcome = result.outcome
    row.status_code = result.status_code
    if result.outcome in BAD:
        row.bad_count += 1
        row.first_bad_on = row.first_bad_on or day
    elif result.outcome is Outcome.ok:
        row.bad_count = 0
        row.first_bad_on = None
    session.flush()
    return row.bad_count >= FLAG_AFTER
