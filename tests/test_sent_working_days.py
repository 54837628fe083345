"""The working days to each letter, stored when it is sent (issue 27): what the workflow stores
equals what the dashboard counted from the calendar (across a holiday too), the dashboard's
figures are the same whether read from the stored counts or counted row by row, and the
migration's backfill counts as the app does.

Requests here are sent in March 2026 (WIB): Nyepi (Thursday 19 March) and Idul Fitri with its
cuti bersama fall in it.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import sqlalchemy as sa

from app.models import ActivityRequest
from app.offices.workdays import local_date, office_calendar
from app.reports import figures
from app.requests import workflow

from conftest import OFFICE_X, actor, seed

TZ = "Asia/Jakarta"
WIB = dt.timedelta(hours=7)
START, END = dt.date(2026, 3, 1), dt.date(2026, 3, 31)


def _utc(local: dt.datetime) -> dt.datetime:
    return local - WIB


# (recorded complete, sent, due date), local WIB times.
CASES = [
    (dt.datetime(2026, 3, 2, 9), dt.datetime(2026, 3, 13, 10), dt.date(2026, 3, 13)),
    # across Nyepi and Idul Fitri: fewer working days than weekdays
    (dt.datetime(2026, 3, 16, 9), dt.datetime(2026, 3, 30, 10), dt.date(2026, 3, 27)),
    # sent at 23:30 on its due date (16:30 UTC): on time
    (dt.datetime(2026, 3, 3, 9), dt.datetime(2026, 3, 10, 23, 30), dt.date(2026, 3, 10)),
    # sent at 00:30 the day after (17:30 UTC on the due date): late
    (dt.datetime(2026, 3, 4, 14), dt.datetime(2026, 3, 11, 0, 30), dt.date(2026, 3, 10)),
]


def _send_all(app, world, wf) -> list[int]:
    with app.app_context():
        session = app.appbuilder.session
        officer = actor(session, wf, "officer_x")
        ids = []
        for complete, sent, due in CASES:
            req_id = seed(session, world, wf, "issued", due=due)
            req = session.get(ActivityRequest, req_id)
            req.submitted_at = req.complete_at = _utc(complete)
            session.commit()
            workflow.apply(session, req_id, "send", officer, now=_utc(sent), today=sent.date())
            ids.append(req_id)
        return ids


def _weekdays_between(start: dt.date, end: dt.date) -> int:
    return sum(1 for i in range(1, (end - start).days + 1)
               if (start + dt.timedelta(days=i)).weekday() < 5)


def test_stored_count_equals_the_calendars(app, world, wf):
    ids = _send_all(app, world, wf)
    with app.app_context():
        session = app.appbuilder.session
        cal = office_calendar(session, world.offices[OFFICE_X])
        for req_id, (complete, sent, _due) in zip(ids, CASES):
            req = session.get(ActivityRequest, req_id)
            assert req.sent_working_days == cal.working_days_between(
                local_date(req.complete_at, TZ), local_date(req.sent_at, TZ))
            assert req.sent_working_days == cal.working_days_between(complete.date(),
                                                                     sent.date())
        first, across = (session.get(ActivityRequest, i) for i in ids[:2])
        assert first.sent_working_days == 9  # 3–6 March (4) + 9–13 March (5)
        # 17–30 March: 10 weekdays, less Nyepi (19th) and the Idul Fitri days off
        assert across.sent_working_days < _weekdays_between(dt.date(2026, 3, 16),
                                                            dt.date(2026, 3, 30))


def _sending_figures(app, office_id):
    with app.app_context():
        d = figures.dashboard(app.appbuilder.session, office_id, START, END,
                              today=dt.date(2026, 4, 1), tz=TZ)
        return (d.sent, d.sent_on_time, d.sent_late, d.working_days, d.median_working_days)


def test_dashboard_same_with_and_without_the_stored_counts(app, world, wf):
    ids = _send_all(app, world, wf)
    office = world.offices[OFFICE_X]
    for office_id in (office, frozenset({office}), None):
        stored = _sending_figures(app, office_id)
        with app.app_context():
            session = app.appbuilder.session
            session.execute(sa.update(ActivityRequest).where(ActivityRequest.id.in_(ids))
                            .values(sent_working_days=None))
            session.commit()
            try:
                counted = _sending_figures(app, office_id)
            finally:
                for req_id in ids:  # as the workflow stored them
                    req = session.get(ActivityRequest, req_id)
                    req.sent_working_days = office_calendar(session, office).working_days_between(
                        local_date(req.complete_at, TZ), local_date(req.sent_at, TZ))
                session.commit()
        assert stored == counted
        assert stored[0] >= len(CASES)
    # This test's four alone: two on time (13th, the 23:30 one), two late.
    with app.app_context():
        session = app.appbuilder.session
        sent, on_time, late, days = figures.sending(session, office, START, END, TZ)
        rows = session.execute(sa.select(ActivityRequest.id).where(
            ActivityRequest.office_id == office, ActivityRequest.sent_at >= _utc(
                dt.datetime(2026, 3, 1)), ActivityRequest.sent_at < _utc(
                dt.datetime(2026, 4, 1)))).all()
        assert sent == len(rows)
        mine = figures._sending_rows(
            session, office, *figures.period_bounds(START, END, TZ), TZ, None,
            ActivityRequest.id.in_(ids))
        assert mine[:3] == (4, 2, 2)


def test_the_migration_counts_as_the_app(app, world):
    path = Path(__file__).resolve().parents[1] / "migrations/versions/0025_sent_working_days.py"
    spec = importlib.util.spec_from_file_location("migration_0025", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        app_cal = office_calendar(app.appbuilder.session, None)
    days = {d for d in app_cal.extra_off}
    ours = migration._Calendar(days, set(app_cal.extra_on), {})
    spans = [(dt.date(2026, 3, 2), dt.date(2026, 3, 13)), (dt.date(2026, 3, 16),
             dt.date(2026, 4, 3)), (dt.date(2025, 12, 20), dt.date(2026, 1, 15)),
             (dt.date(2026, 3, 20), dt.date(2026, 3, 20)), (dt.date(2024, 6, 1),
             dt.date(2026, 6, 1))]
    for start, end in spans:
        assert ours.between(start, end) == app_cal.working_days_between(start, end)
