"""The daily roll inside the service: the kept counts move to each new day without cron.

Each worker sleeps until just after midnight in Vietnam (plus a few seconds of
jitter, so that two workers do not start together) and runs
``segments.roll_forward`` in a thread: the counts move to the new day and the
checkpoints passed are written, so the first write or read of the
day does not pay for them. The first worker moves the counts; the others
find them moved (one UPDATE decides, see ``roll_forward``). A failure (the
database down) is logged and tried again a few minutes later.
``ocop-tracker reports roll`` from cron does the same.

The roll also forgets failed sign-ins older than a day (they no longer count
towards the throttle) and form keys older than a week (``offline/keys.py``),
each in a short transaction of its own: a failure there is logged and never
holds back the counts.
"""

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable

from anyio import to_thread
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from ocop_tracker.auth import service as auth_service
from ocop_tracker.core.clock import VIETNAM
from ocop_tracker.offline import keys as form_keys
from ocop_tracker.reports import ledger, segments

log = logging.getLogger("ocop_tracker.reports")
RETRY_S = 300.0


def seconds_until_next_day(now: dt.datetime, jitter_s: float = 0.0) -> float:
    """Seconds from ``now`` to the next midnight in Vietnam, plus ``jitter_s``."""
    local = now.astimezone(VIETNAM)
    tomorrow = local.date() + dt.timedelta(days=1)
    midnight = dt.datetime.combine(tomorrow, dt.time(), tzinfo=VIETNAM)
    return (midnight - local).total_seconds() + jitter_s


def roll_once(bind: Engine | Connection) -> bool:
    """Move the kept counts to today, then forget old failed sign-ins; True when
    this call moved the counts."""
    with Session(bind) as session:
        conn = session.connection()
        before = ledger.state(conn)
        segments.roll_forward(conn)
        after = ledger.state(conn)
        session.commit()
    forget_login_attempts(bind)
    return before != after


def forget_login_attempts(bind: Engine | Connection) -> int | None:
    """Delete failed sign-ins older than a day, then form keys older than a
    week; how many sign-ins, or None when that failed.

    Each in its own short transaction (a savepoint when ``bind`` is already in
    one), so a failure rolls back only that one and is logged, never raised.
    """
    gone = _forget(bind, auth_service.forget_old_attempts, "old failed sign-ins")
    _forget(bind, form_keys.forget_old, "form keys older than a week")
    return gone


def _forget(
    bind: Engine | Connection, forget: Callable[[Session], int], what: str
) -> int | None:
    try:
        with Session(bind, join_transaction_mode="create_savepoint") as session:
            gone = forget(session)
            session.commit()
    except Exception:  # the roll is done: a missed clean-up waits for the next day
        log.exception("forgetting %s failed", what)
        return None
    log.info("forgot %d %s", gone, what)
    return gone


async def run_daily(engine: Engine, rng: random.Random | None = None) -> None:
    """Roll at every Vietnam midnight until cancelled."""
    rng = rng or random.Random()
    wait = seconds_until_next_day(dt.datetime.now(dt.UTC), rng.uniform(5.0, 60.0))
    while True:
        await asyncio.sleep(wait)
        try:
            moved = await to_thread.run_sync(roll_once, engine)
        except Exception:  # the database may be down: try again soon, never die
            log.exception("reports: the daily roll failed; retrying in %d s", RETRY_S)
            wait = RETRY_S
            continue
        log.info("reports: daily roll %s", "done" if moved else "already done")
        wait = seconds_until_next_day(dt.datetime.now(dt.UTC), rng.uniform(5.0, 60.0))
