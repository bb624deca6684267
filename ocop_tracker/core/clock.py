"""Vietnam's clock: the one time zone and the one "today" every domain counts days by.

Vietnam (Asia/Ho_Chi_Minh) keeps UTC+7 all year, without daylight saving, so a
fixed offset is exact. Instants are stored in UTC; a day is a Vietnam calendar
day. ``today()`` reads the system clock on every call, so tests move it with
``time_machine`` rather than by patching a module.
"""

import datetime as dt

from ocop_tracker.core.errors import InvalidInput

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def today() -> dt.date:
    """Today's date in Vietnam, the date every "as of" defaults to."""
    return vn_date(dt.datetime.now(dt.UTC))


def vn_date(moment: dt.datetime) -> dt.date:
    """The Vietnam calendar day of an instant (a naive instant is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in Vietnam, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM).astimezone(dt.UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Vietnam, in UTC."""
    return start_of_day(day + dt.timedelta(days=1))


def check_as_of(day: dt.date) -> None:
    """A date to look back at must not be in the future."""
    if day > today():
        raise InvalidInput("Ngày xem lại không được sau ngày hôm nay.", field="as_of")
