"""The daily link check inside the service, when ``OCOP_LINK_CHECK`` is on.

Started by ``main.py``'s lifespan beside the daily roll of the report counts
(``reports/daily.py``): each worker runs ``job.run`` a few minutes after it
starts and then every day a while after midnight in Vietnam, with jitter so
that workers do not start together; what one worker claimed the others skip,
so each URL is requested at most once a day. A failure is logged, never raised.
"""

import asyncio
import datetime as dt
import logging
import random

from anyio import to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ocop_tracker.core.clock import VIETNAM
from ocop_tracker.links import job

log = logging.getLogger("ocop_tracker.links")


def seconds_until(now: dt.datetime, after_midnight_s: float) -> float:
    """Seconds from ``now`` to the next midnight in Vietnam plus ``after_midnight_s``."""
    local = now.astimezone(VIETNAM)
    midnight = dt.datetime.combine(
        local.date() + dt.timedelta(days=1), dt.time(), tzinfo=VIETNAM
    )
    return (midnight - local).total_seconds() + after_midnight_s


def check_once(engine: Engine) -> job.Summary:
    """One run in a session of its own."""
    with Session(engine, expire_on_commit=False) as session:
        return job.run(session)


async def run_daily(engine: Engine, rng: random.Random | None = None) -> None:
    """Check the links soon after start, then every day, until cancelled."""
    rng = rng or random.Random()
    wait = rng.uniform(60.0, 600.0)
    while True:
        await asyncio.sleep(wait)
        try:
            summary = await to_thread.run_sync(check_once, engine)
            log.info("links: %s", summary)
        except Exception:  # the database or the network may be down: try tomorrow
            log.exception("links: the daily link check failed")
        # An hour after midnight, well after the report roll.
        wait = seconds_until(dt.datetime.now(dt.UTC), rng.uniform(3600, 5400))
