"""Pure rules of training records: the days a session or visit may carry."""

import datetime as dt

from ocop_tracker.core.errors import InvalidInput

# No record of training before the plan's programmes began.
EARLIEST = dt.date(2020, 1, 1)
MAX_PLACE = 200
MAX_NAME = 200
MAX_NOTE = 1000


def check_day(day: dt.date, today: dt.date, *, field: str, label: str) -> None:
    """A session or visit happened on a real day: not ahead, not before 2020."""
    if day > today:
        raise InvalidInput(
            f"{label} không được sau hôm nay ({today:%d/%m/%Y}).", field=field
        )
    if day < EARLIEST:
        raise InvalidInput(
            f"{label} phải từ ngày {EARLIEST:%d/%m/%Y} trở đi.", field=field
        )
