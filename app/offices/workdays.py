"""Indonesian working days and the service-level due dates (the 30-working-day promise).

A working day is Monday–Friday that is neither a national holiday nor cuti bersama (the
`holidays` package knows both: categories "public" and "government"), nor a day off the office
entered (NonWorkingDay). An entered day marked ``is_working_day`` overrides everything: that is
how an admin corrects the package when a decree changes. Callers pass what the database holds
(office_calendar reads it, and keeps it a minute: see CALENDAR_TTL_S).

Also the one clock: ``utcnow`` (how every timestamp is stored) and ``office_today`` (the day
the SLA counts from), the only place that reads Flask's config (the office's time zone). Tests
that freeze the day patch ``workdays.office_today``; callers read it as a module attribute.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select

from app.core.process_cache import ProcessCache
from app.models import NonWorkingDay


@lru_cache(maxsize=64)
def national_days_off(year: int) -> frozenset[dt.date]:
    """National holidays and cuti bersama of one year (cached: the package computes lunar
    dates)."""
    import holidays  # here, not at the top: off every start (and cached per year)

    days = holidays.country_holidays("ID", categories=("public", "government"), years=year)
    return frozenset(days)


@lru_cache(maxsize=8)
def estimated_days_off(year: int) -> frozenset[dt.date]:
    """The national days off of ``year`` that the package only estimates (Islamic and other
    lunar holidays, confirmed by the government's decree about a year ahead)."""
    import holidays

    days = holidays.country_holidays("ID", categories=("public", "government"), years=year,
                                     language="en_US")
    return frozenset(day for day, name in days.items() if "estimated" in name.lower())


def calendar_unconfirmed(session, today: dt.date) -> int | None:
    """The next year, when its days off are not confirmed yet: from October on, while the
    package still estimates some of them and no admin has entered a day of that year for every
    office (the decree's days, on the Days off screen). None otherwise."""
    year = today.year + 1
    if today.month < 10 or not estimated_days_off(year):
        return None
    entered = session.scalar(select(NonWorkingDay.id).where(
        NonWorkingDay.office_id.is_(None), NonWorkingDay.day >= dt.date(year, 1, 1),
        NonWorkingDay.day <= dt.date(year, 12, 31)).limit(1))
    return None if entered else year


@dataclass(frozen=True)
class WorkCalendar:
    extra_off: frozenset[dt.date] = frozenset()
    extra_on: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.extra_on:
            return True
        if day.weekday() >= 5 or day in self.extra_off:
            return False
        return day not in national_days_off(day.year)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (``start`` itself never counts)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (0 when end is not after start).

        Counted, not walked (the dashboard asks it for every letter of a period: tens of
        thousands of spans of weeks): the weekdays in between, less the weekdays off, plus
        the weekend days made working.
        """
        if end <= start:
            return 0
        count = _weekdays_through(end) - _weekdays_through(start)
        for year in range(start.year, end.year + 1):
            off, on = _exceptions(self, year)
            count -= bisect_right(off, end) - bisect_right(off, start)
            count += bisect_right(on, end) - bisect_right(on, start)
        return count

    def due_date(self, recorded_complete: dt.date, working_days: int) -> dt.date:
        """Due date of a request recorded complete on ``recorded_complete``."""
        return self.add_working_days(recorded_complete, working_days)

    def resumed_due_date(self, due: dt.date, paused_on: dt.date, resumed_on: dt.date) -> dt.date:
        """The clock stood still while a revision was awaited: push the due date by those days."""
        return self.add_working_days(due, self.working_days_between(paused_on, resumed_on))


_MONDAY = dt.date(1900, 1, 1)  # a Monday, before any date the service sees


def _weekdays_through(day: dt.date) -> int:
    """Monday–Friday dates from _MONDAY to ``day``, both included."""
    weeks, rest = divmod((day - _MONDAY).days + 1, 7)
    return weeks * 5 + min(rest, 5)


@lru_cache(maxsize=256)
def _exceptions(calendar: WorkCalendar, year: int):
    """The year's weekdays that are not working days and weekend days that are, sorted."""
    days = [dt.date(year, 1, 1) + dt.timedelta(days=i)
            for i in range((dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days)]
    off = tuple(d for d in days if d.weekday() < 5 and not calendar.is_working_day(d))
    on = tuple(d for d in days if d.weekday() >= 5 and calendar.is_working_day(d))
    return off, on


# Days off change a few times a year; every due date and SLA cell reads them (see
# process_cache: an edit shows in every process within CALENDAR_TTL_S).
CALENDAR_TTL_S = 60.0
_calendars = ProcessCache("days_off", CALENDAR_TTL_S, (NonWorkingDay,))


def office_calendar(session, office_id: int | None) -> WorkCalendar:
    """The calendar of one office: the national one plus its own and all-office entries."""
    def load() -> WorkCalendar:
        rows = session.execute(
            select(NonWorkingDay.day, NonWorkingDay.is_working_day).where(
                or_(NonWorkingDay.office_id.is_(None), NonWorkingDay.office_id == office_id)
            )
        ).all()
        return WorkCalendar(
            extra_off=frozenset(day for day, on in rows if not on),
            extra_on=frozenset(day for day, on in rows if on),
        )

    return _calendars.get(session, office_id, load)


@dataclass(frozen=True)
class SlaStatus:
    """Where a request stands against its promise.

    ``kind``: "none" (not recorded complete yet, or withdrawn), "running", "paused" (a revision
    is awaited) or "stopped" (the letter was sent). ``days_left`` counts working days from
    today to the due date (negative: that many working days overdue). A request sent after its
    due date is ``late`` for good.
    """

    kind: str
    days_left: int | None = None
    overdue: bool = False
    late: bool = False


def utcnow() -> dt.datetime:
    """Now, as every timestamp is stored: naive, in UTC (models._now is the same expression)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def office_timezone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta"


def office_today() -> dt.date:
    """The office's calendar day (WIB by default): the SLA counts Indonesian working days."""
    return local_date(utcnow(), office_timezone())


def local_date(utc_naive: dt.datetime, tz: str = "Asia/Jakarta") -> dt.date:
    """The office's calendar day of a stored timestamp (stored naive, in UTC)."""
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(tz)).date()


def local_dates(timestamps: list, tz: str) -> list:
    """``local_date`` of each stored timestamp (None stays None), for many at once.

    The dashboard asks two for every letter sent in its period (tens of thousands at scale),
    and a time-zone conversion apiece was a sixth of its page. Where the zone keeps one UTC
    offset over the whole span (Indonesia's three zones always do; the offset is sampled at
    every day of the span, and no zone changes it twice within a day), a day is the stored
    time plus that offset; otherwise each is converted as ``local_date`` does."""
    present = [t for t in timestamps if t is not None]
    if not present:
        return [None] * len(timestamps)
    zone, first, last = ZoneInfo(tz), min(present), max(present)
    start = first.replace(tzinfo=dt.timezone.utc)
    offsets = {(start + dt.timedelta(days=i)).astimezone(zone).utcoffset()
               for i in range((last - first).days + 2)}
    if len(offsets) != 1:
        return [None if t is None else local_date(t, tz) for t in timestamps]
    offset = offsets.pop()
    return [None if t is None else (t + offset).date() for t in timestamps]


def sla_status(
    clock, today: dt.date, calendar: WorkCalendar, tz: str = "Asia/Jakarta"
) -> SlaStatus:
    """``clock``: anything with state, due_date, clock_paused_at and sent_at (a request)."""
    if clock.due_date is None or clock.state in ("draft", "withdrawn"):
        return SlaStatus("none")
    if clock.sent_at is not None:
        return SlaStatus("stopped", late=local_date(clock.sent_at, tz) > clock.due_date)
    if clock.clock_paused_at is not None:
        return SlaStatus("paused")
    if today <= clock.due_date:
        return SlaStatus("running", calendar.working_days_between(today, clock.due_date))
    overdue_by = calendar.working_days_between(clock.due_date, today)
    return SlaStatus("running", -overdue_by, overdue=True)
