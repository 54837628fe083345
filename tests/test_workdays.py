"""Working days against the official calendar (SKB cuti bersama 2025 and 2026), by hand."""
import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app import models as m
from app.offices.workdays import (
    WorkCalendar,
    local_date,
    local_dates,
    national_days_off,
    office_calendar,
)

D = dt.date
CAL = WorkCalendar()


def test_2025_cuti_bersama_are_days_off():
    # SKB 2025: eleven days of cuti bersama, 2–4 and 7 April around Idul Fitri among them.
    cuti = [D(2025, 1, 28), D(2025, 3, 28), D(2025, 4, 2), D(2025, 4, 3), D(2025, 4, 4),
            D(2025, 4, 7), D(2025, 5, 13), D(2025, 5, 30), D(2025, 6, 9), D(2025, 8, 18),
            D(2025, 12, 26)]
    assert all(not CAL.is_working_day(d) for d in cuti)
    assert CAL.is_working_day(D(2025, 4, 8))  # first working day after Lebaran


def test_idul_fitri_2025():
    # Thu 27 Mar; off: Fri 28 (cuti Nyepi), Mon 31 + Tue 1 Apr (Idul Fitri), 2/3/4/7 Apr (cuti).
    assert CAL.add_working_days(D(2025, 3, 27), 1) == D(2025, 4, 8)
    assert CAL.add_working_days(D(2025, 3, 27), 5) == D(2025, 4, 14)


def test_thirty_working_days_across_lebaran_2025():
    # Counted by hand: 4 days in March, Lebaran, Good Friday 18 Apr, 1 May, Waisak 12–13 May.
    assert CAL.due_date(D(2025, 3, 21), 30) == D(2025, 5, 19)


def test_idul_fitri_2026():
    # Off: Wed 18 (cuti Nyepi), Thu 19 (Nyepi), Fri 20 (cuti), Mon 23 and Tue 24 (cuti).
    assert CAL.add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 25)


@pytest.mark.parametrize(
    "start, n, due",
    [
        # 25 Dec Natal, 26 Dec cuti bersama, 1 Jan: six working days reach Fri 2 Jan 2026.
        (D(2025, 12, 22), 6, D(2026, 1, 2)),
        # 24 Dec 2026 cuti bersama, 25 Dec Natal, 1 Jan 2027 (a Friday): into the next year.
        (D(2026, 12, 23), 5, D(2027, 1, 4)),
    ],
)
def test_year_ends(start, n, due):
    assert CAL.add_working_days(start, n) == due


def test_weekends_and_counting():
    assert not CAL.is_working_day(D(2026, 11, 28))  # Saturday
    assert CAL.add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Fri -> Mon
    assert CAL.add_working_days(D(2026, 11, 27), 0) == D(2026, 11, 27)
    assert CAL.working_days_between(D(2026, 11, 27), D(2026, 11, 30)) == 1
    assert CAL.working_days_between(D(2026, 11, 30), D(2026, 11, 27)) == 0
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2026, 11, 27), -1)


def test_pause_pushes_the_due_date_by_the_working_days_waited():
    due = CAL.due_date(D(2026, 11, 2), 30)
    # Revision asked on Mon 9 Nov, resubmitted on Mon 16 Nov: five working days waited.
    assert (CAL.resumed_due_date(due, D(2026, 11, 9), D(2026, 11, 16))
            == CAL.add_working_days(due, 5))
    assert CAL.resumed_due_date(due, D(2026, 11, 9), D(2026, 11, 9)) == due


def test_entered_days_override_the_package():
    local = WorkCalendar(extra_off=frozenset({D(2026, 11, 30)}),
                         extra_on=frozenset({D(2026, 12, 24)}))
    assert not local.is_working_day(D(2026, 11, 30))  # local day off on a Monday
    assert local.is_working_day(D(2026, 12, 24))  # cuti bersama worked after all
    assert local.add_working_days(D(2026, 11, 27), 1) == D(2026, 12, 1)


def _walked(calendar, start, end):
    """Working days d with start < d <= end, one day at a time (what the count must equal)."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


_DAYS = st.dates(min_value=D(2023, 1, 1), max_value=D(2028, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=_DAYS, end=_DAYS, off=st.frozensets(_DAYS, max_size=6),
       on=st.frozensets(_DAYS, max_size=6))
def test_working_days_between_counts_what_a_walk_counts(start, end, off, on):
    """Across years, weekends, holidays, cuti bersama, local days off and weekend days made
    working (an entered working day overrides everything)."""
    calendar = WorkCalendar(extra_off=off, extra_on=on)
    assert calendar.working_days_between(start, end) == _walked(calendar, start, end)


def test_working_days_between_long_spans():
    assert CAL.working_days_between(D(2024, 12, 31), D(2026, 12, 31)) == _walked(
        CAL, D(2024, 12, 31), D(2026, 12, 31))
    assert CAL.working_days_between(D(2026, 11, 27), D(2026, 11, 27)) == 0


def test_package_cache_is_per_year():
    assert national_days_off(2026) is national_days_off(2026)
    assert D(2026, 8, 17) in national_days_off(2026)


def test_office_calendar_reads_its_own_and_all_office_days(app, world):
    x, y = world.offices["1674"], world.offices["1671"]
    with app.app_context():
        session = app.appbuilder.session
        session.add_all([
            m.NonWorkingDay(office_id=x, day=D(2027, 2, 1), name="HUT Kota", kind="local"),
            m.NonWorkingDay(office_id=y, day=D(2027, 2, 2), name="HUT Kota lain", kind="local"),
            m.NonWorkingDay(office_id=None, day=D(2027, 2, 3), name="Libur nasional baru",
                            kind="correction"),
            m.NonWorkingDay(office_id=x, day=D(2027, 2, 6), name="Sabtu masuk", kind="correction",
                            is_working_day=True),
        ])
        session.commit()
        cal = office_calendar(session, x)
        session.execute(sa.delete(m.NonWorkingDay).where(m.NonWorkingDay.day >= D(2027, 2, 1),
                                                         m.NonWorkingDay.day <= D(2027, 2, 6)))
        session.commit()
    assert not cal.is_working_day(D(2027, 2, 1))
    assert cal.is_working_day(D(2027, 2, 2))  # the other office's day off is not ours
    assert not cal.is_working_day(D(2027, 2, 3))
    assert cal.is_working_day(D(2027, 2, 6))  # a Saturday declared working


def test_the_calendar_is_kept_and_a_committed_change_is_seen_at_once(app, world, monkeypatch):
    """office_calendar keeps an office's days off for a while (every due date reads them), but
    a day off entered or removed in this process counts from its commit on; an uncommitted one
    is never kept."""
    from app.core import process_cache
    from app.offices import workdays

    x = world.offices["1674"]
    day = D(2027, 3, 3)  # a Wednesday, no holiday
    with app.app_context():
        session = app.appbuilder.session
        reads = []
        engine = session.get_bind()

        def count(conn, cursor, statement, *args):
            if "non_working_day" in statement and statement.lstrip().upper().startswith("SELECT"):
                reads.append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            first = office_calendar(session, x)
            assert office_calendar(session, x) is first and len(reads) == 1  # kept
            assert first.is_working_day(day)

            session.add(m.NonWorkingDay(office_id=x, day=day, name="Banjir", kind="local"))
            session.flush()
            assert not office_calendar(session, x).is_working_day(day)  # this transaction
            session.rollback()
            assert office_calendar(session, x).is_working_day(day)  # never kept, rolled back

            session.add(m.NonWorkingDay(office_id=x, day=day, name="Banjir", kind="local"))
            session.commit()
            assert not office_calendar(session, x).is_working_day(day)

            session.delete(session.scalars(sa.select(m.NonWorkingDay)
                                           .where(m.NonWorkingDay.day == day)).one())
            session.commit()
            again = office_calendar(session, x)
            assert again.is_working_day(day) and office_calendar(session, x) is again

            # Another worker's change shows once the kept calendar expires.
            monkeypatch.setattr(workdays._calendars, "ttl_s", 0.0)
            process_cache.forget_all()
            office_calendar(session, x)
            before = len(reads)
            office_calendar(session, x)
            assert len(reads) == before + 1
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
            session.commit()


_STAMPS = st.lists(st.one_of(st.none(), st.datetimes(
    min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2027, 12, 31))), max_size=40)


@settings(max_examples=300, deadline=None)
# Spans that cross a change of offset, with a stamp the change moves to another day.
@example(stamps=[dt.datetime(2026, 1, 1, 12), dt.datetime(2026, 7, 1, 22, 30)],
         tz="Europe/Berlin")
@example(stamps=[dt.datetime(2026, 9, 6, 3, 30), dt.datetime(2026, 4, 5, 3, 30)],
         tz="America/Santiago")
@given(stamps=_STAMPS, tz=st.sampled_from([
    "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura",  # Indonesia: one offset, the fast way
    "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe", "America/Havana"]))
def test_many_local_dates_are_each_local_date(stamps, tz):
    """The dashboard's days of many timestamps at once are the days local_date gives, in
    zones with daylight saving too (Santiago and Havana change at midnight, Lord Howe by half
    an hour)."""
    assert local_dates(stamps, tz) == [None if t is None else local_date(t, tz) for t in stamps]


def test_local_dates_at_the_edges_of_a_day_in_jakarta():
    stamps = [dt.datetime(2026, 3, 31, 16, 59, 59), dt.datetime(2026, 3, 31, 17, 0), None]
    assert local_dates(stamps, "Asia/Jakarta") == [D(2026, 3, 31), D(2026, 4, 1), None]
    assert local_dates([], "Asia/Jakarta") == [] and local_dates([None], "Asia/Jakarta") == [None]
