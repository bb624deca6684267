"""The link check's reads: the URLs that may have been taken down, in an area."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ocop_tracker.links import repository, service
from ocop_tracker.links.models import Outcome, SubjectKind


@dataclass(frozen=True)
class FlaggedLink:
    """A verified URL that answered gone or home on two days or more in a row."""

    kind: SubjectKind
    subject_id: int
    # The product (a listing) or the producer (a shop) it belongs to.
    owner_id: int
    owner: str
    marketplace: str
    hamlet: str
    url: str
    outcome: Outcome | None
    status_code: int | None
    bad_days: int
    since: dt.date | None
    checked_on: dt.date


def flagged(
    session: Session,
    area_id: int,
    day: dt.date,
    *,
    hamlet_id: int | None = None,
    marketplace_id: int | None = None,
    limit: int = 200,
) -> list[FlaggedLink]:
    """Flagged URLs of live listings and open shops in an area, longest flagged first.

    The caller has already checked that the area is the reader's.
    """
    return [
        FlaggedLink(
            kind=c.subject_kind,
            subject_id=c.subject_id,
            owner_id=owner_id,
            owner=owner,
            marketplace=domain,
            hamlet=hamlet,
            url=c.url,
            outcome=c.outcome,
            status_code=c.status_code,
            bad_days=c.bad_count,
            since=c.first_bad_on,
            checked_on=c.checked_on,
        )
        for c, owner, owner_id, domain, hamlet in repository.flagged(
            session,
            area_id,
            day,
            hamlet_id=hamlet_id,
            marketplace_id=marketplace_id,
            min_bad=service.FLAG_AFTER,
            limit=limit,
        )
    ]
