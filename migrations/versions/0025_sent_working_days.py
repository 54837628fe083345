"""the working days to each letter, stored once (issue 27): the national dashboard's median

``activity_request.sent_working_days``: the working days from recorded complete
(``complete_at``) to the letter sent (``sent_at``), in the office's calendar and time zone,
as the workflow counts them when it sends the letter. The dashboard's "median working days"
read every sent request of its period and counted each span in Python: at national scale
(hundreds of thousands of letters a year) that was most of the page. NULL: not sent, no
recorded complete, or not counted (figures.sending counts those when it reads them).

Backfilled here in chunks of ids, in Python (the same on SQLite and PostgreSQL): a working day
is Monday–Friday that is neither a national holiday nor cuti bersama (the ``holidays``
package, categories "public" and "government") nor a day off entered for the office or for
every office (``non_working_day``), unless entered as a working day. The counting is copied
here as it is at this revision (a migration must not follow the app's later changes).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 03:00:00
"""
import datetime as dt
from bisect import bisect_right
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

CHUNK = 5000

request = sa.table(
    "activity_request", sa.column("id", sa.Integer), sa.column("office_id", sa.Integer),
    sa.column("complete_at", sa.DateTime), sa.column("sent_at", sa.DateTime),
    sa.column("sent_working_days", sa.SmallInteger),
)
non_working_day = sa.table(
    "non_working_day", sa.column("office_id", sa.Integer), sa.column("day", sa.Date),
    sa.column("is_working_day", sa.Boolean),
)
_MONDAY = dt.date(1900, 1, 1)


def _national(year: int, cache: dict) -> frozenset:
    if year not in cache:
        import holidays

        cache[year] = frozenset(holidays.country_holidays(
            "ID", categories=("public", "government"), years=year))
    return cache[year]


def _weekdays_through(day: dt.date) -> int:
    weeks, rest = divmod((day - _MONDAY).days + 1, 7)
    return weeks * 5 + min(rest, 5)


class _Calendar:
    """One office's calendar: the national days off plus its own and every office's entries."""

    def __init__(self, off: set, on: set, national: dict):
        self.off, self.on, self.national, self.years = off, on, national, {}

    def _working(self, day: dt.date) -> bool:
        if day in self.on:
            return True
        if day.weekday() >= 5 or day in self.off:
            return False
        return day not in _national(day.year, self.national)

    def _exceptions(self, year: int):
        if year not in self.years:
            first = dt.date(year, 1, 1)
            days = [first + dt.timedelta(days=i)
                    for i in range((dt.date(year + 1, 1, 1) - first).days)]
            self.years[year] = (
                tuple(d for d in days if d.weekday() < 5 and not self._working(d)),
                tuple(d for d in days if d.weekday() >= 5 and self._working(d)))
        return self.years[year]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days d with start < d <= end (0 when end is not after start)."""
        if end <= start:
            return 0
        count = _weekdays_through(end) - _weekdays_through(start)
        for year in range(start.year, end.year + 1):
            off, on = self._exceptions(year)
            count -= bisect_right(off, end) - bisect_right(off, start)
            count += bisect_right(on, end) - bisect_right(on, start)
        return count


def upgrade():
    triggers = _triggers()  # (a nullable column is added in place; kept if it ever rebuilds)
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.add_column(sa.Column("sent_working_days", sa.SmallInteger(), nullable=True))
    for name in sorted(set(triggers) - set(_triggers())):
        op.execute(triggers[name])
    bind = op.get_bind()
    try:  # migrations run in the app (migrations/env.py reads current_app): its time zone
        from flask import current_app

        tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Jakarta"
    except RuntimeError:
        tz = "Asia/Jakarta"
    zone = ZoneInfo(tz)
    entries = bind.execute(sa.select(non_working_day.c.office_id, non_working_day.c.day,
                                     non_working_day.c.is_working_day)).all()
    national: dict = {}
    calendars: dict = {}

    def calendar(office_id):
        if office_id not in calendars:
            mine = [(d, w) for o, d, w in entries if o is None or o == office_id]
            calendars[office_id] = _Calendar({d for d, w in mine if not w},
                                             {d for d, w in mine if w}, national)
        return calendars[office_id]

    def local(stamp: dt.datetime) -> dt.date:
        return stamp.replace(tzinfo=dt.timezone.utc).astimezone(zone).date()

    last = 0
    while True:
        rows = bind.execute(
            sa.select(request.c.id, request.c.office_id, request.c.complete_at,
                      request.c.sent_at)
            .where(request.c.id > last, request.c.sent_at.isnot(None),
                   request.c.complete_at.isnot(None))
            .order_by(request.c.id).limit(CHUNK)).all()
        if not rows:
            break
        last = rows[-1].id
        spans: dict = {}
        values = []
        for row in rows:
            key = (row.office_id, local(row.complete_at), local(row.sent_at))
            if key not in spans:
                spans[key] = calendar(row.office_id).between(key[1], key[2])
            values.append({"rid": row.id, "days": spans[key]})
        bind.execute(request.update().where(request.c.id == sa.bindparam("rid"))
                     .values(sent_working_days=sa.bindparam("days")), values)


def _triggers(table="activity_request"):
    """A table's triggers, name -> SQL (SQLite: a batch rebuild drops them), as 0014 does."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return {}
    return dict(bind.execute(sa.text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND tbl_name = :table ORDER BY name"), {"table": table}).all())


def downgrade():
    # SQLite drops a column by rebuilding the table, and the full-text index's triggers on it
    # with it: read before, written back after.
    triggers = _triggers()
    with op.batch_alter_table("activity_request") as batch_op:
        batch_op.drop_column("sent_working_days")
    for name in sorted(set(triggers) - set(_triggers())):
        op.execute(triggers[name])
