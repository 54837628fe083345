"""The satisfaction index (IKM) and the dashboard figures.

``ikm(responses)`` computes the public satisfaction index of PermenPANRB 14/2017 exactly as
domain.md gives it (section "Rating: the public satisfaction survey (SKM)"): per element the
average of its answers (NRR), the index Σ NRR × 1/9 with the exact weight 1/9 (not 0,111), the
index on the 25–100 scale (× 25), and the quality class A–D. The dashboard and the Excel exports
both use this one computation (``ikm_of_sums``; a period's ratings are added up in the
database).

The arithmetic is exact (``fractions.Fraction``): with the weight 1/9 and n respondents the
converted value is 25·S / (9·n) (S the sum of all answers), which floats can land a hair below a
class boundary. **Rounding rule**: the converted value is rounded half up to two decimals, the
way it is shown, and the class is read from that shown value — so a converted 88.305 (exactly)
shows as 88.31 and is A, while 88.30499… shows as 88.30 and is B; the number a reader sees and
its letter never disagree, and the classes A 88.31–100.00, B 76.61–88.30, C 65.00–76.60,
D 25.00–64.99 cover every two-decimal value without a gap.

``dashboard(session, office_id, start, end)`` gathers an office's figures (all offices when
``office_id`` is None) for a period of calendar days in the office's time zone. Timestamps are
stored naive in UTC: the period's local days become UTC bounds, so every filter is a plain
range on an indexed column. No Flask request objects here; ``today`` and ``tz`` default to the
office's day and zone from the app's configuration.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Integral
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal_column, select, true

from app.models import (
    REQUEST_STATES,
    SKM_ELEMENTS,
    ActivityRequest,
    Complaint,
    GuestBookEntry,
    Letter,
    Office,
    Rating,
)
from app.offices import targets, workdays
from app.offices.workdays import local_date, local_dates, office_calendar, sla_status
from app.requests.workflow import in_open_states

# --- The satisfaction index ------------------------------------------------------------------

SCALE_MIN, SCALE_MAX = 1, 4
WEIGHT = Fraction(1, SKM_ELEMENTS)  # each element weighs the same: exactly 1/9
CONVERSION = 25  # the 25–100 scale

# Lowest converted value (in hundredths) of each class, best first (domain.md).
GRADES = (
    ("A", 8831, _l("Very good")),
    ("B", 7661, _l("Good")),
    ("C", 6500, _l("Less good")),
    ("D", 2500, _l("Not good")),
)
GRADE_LABELS = {letter: label for letter, _low, label in GRADES}


@dataclass(frozen=True)
class Ikm:
    """The index of a set of responses.

    ``elements``: the nine NRR (floats; None when there are no respondents). ``index``: Σ NRR ×
    1/9 (1.00–4.00). ``converted``: index × 25 rounded half up to two decimals (25.00–100.00),
    the value shown and classed. The ``*_exact`` fields keep the exact fractions.
    """

    elements: tuple
    index: Optional[float]
    converted: Optional[float]
    grade: Optional[str]
    grade_label: object
    respondents: int
    elements_exact: tuple = ()
    index_exact: Optional[Fraction] = None
    converted_exact: Optional[Fraction] = None

    @property
    def weighted(self) -> tuple:
        """Each element's share of the index: NRR × 1/9."""
        return tuple(None if e is None else float(e * WEIGHT) for e in self.elements_exact) \
            or (None,) * SKM_ELEMENTS

    @property
    def converted_text(self) -> str:
        """The converted value with exactly two decimals ("88.31"), or "" without respondents."""
        return "" if self.converted is None else f"{self.converted:.2f}"


def _answers(response) -> tuple[int, ...]:
    answers = response.answers if hasattr(response, "answers") else response
    if isinstance(answers, (str, bytes)):
        raise ValueError(f"a response must be {SKM_ELEMENTS} answers, not text: {answers!r}")
    try:
        answers = tuple(answers)
    except TypeError:
        raise ValueError(f"a response must be {SKM_ELEMENTS} answers: {response!r}") from None
    if len(answers) != SKM_ELEMENTS:
        raise ValueError(f"a response needs {SKM_ELEMENTS} answers, got {len(answers)}")
    for value in answers:
        if isinstance(value, bool) or not isinstance(value, Integral) \
                or not SCALE_MIN <= value <= SCALE_MAX:
            raise ValueError(f"an answer must be a whole number {SCALE_MIN}–{SCALE_MAX}: "
                             f"{value!r}")
    return tuple(int(v) for v in answers)


def round_half_up_hundredths(value: Fraction) -> int:
    """``value`` rounded half up to two decimals, as a whole number of hundredths (exact)."""
    return math.floor(value * 100 + Fraction(1, 2))


def grade_of(hundredths: int) -> str:
    """The class of a converted value given in hundredths (8831 → "A")."""
    for letter, low, _label in GRADES:
        if hundredths >= low:
            return letter
    raise ValueError(f"a converted index below 25.00: {hundredths / 100}")


def ikm(responses: Iterable) -> Ikm:
    """The IKM of ``responses``: each nine answers 1–4 (a sequence, or a Rating via ``.answers``).

    Raises ValueError on any invalid response (nothing is skipped silently). No respondents:
    ``respondents`` 0 and every figure None.
    """
    sums = [0] * SKM_ELEMENTS
    n = 0
    for response in responses:
        for i, value in enumerate(_answers(response)):
            sums[i] += value
        n += 1
    return ikm_of_sums(n, sums)


def ikm_of_sums(n: int, sums) -> Ikm:
    """The IKM of ``n`` respondents whose answers add up to ``sums``, element by element."""
    if n == 0:
        return Ikm(elements=(None,) * SKM_ELEMENTS, index=None, converted=None, grade=None,
                   grade_label=None, respondents=0, elements_exact=(None,) * SKM_ELEMENTS)
    nrr = tuple(Fraction(s, n) for s in sums)
    index = sum(nrr, Fraction(0)) * WEIGHT
    converted = index * CONVERSION
    hundredths = round_half_up_hundredths(converted)
    grade = grade_of(hundredths)
    return Ikm(
        elements=tuple(float(x) for x in nrr),
        index=float(index),
        converted=float(Decimal(hundredths).scaleb(-2)),
        grade=grade,
        grade_label=GRADE_LABELS[grade],
        respondents=n,
        elements_exact=nrr,
        index_exact=index,
        converted_exact=converted,
    )


# --- Periods in the office's time zone -------------------------------------------------------


def _default_tz() -> str:
    return workdays.office_timezone()


def _default_today() -> dt.date:
    return workdays.office_today()  # read at call time: tests freeze the day there


def utc_bound(day: dt.date, tz: str) -> dt.datetime:
    """The stored (naive UTC) timestamp at which the local calendar day ``day`` begins."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(tz))
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def period_bounds(start: dt.date, end: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """[lo, hi) in stored UTC for the local days start … end (both included)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    return utc_bound(start, tz), utc_bound(end + dt.timedelta(days=1), tz)


def months_of(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first day of every month the period touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _in_period(column, lo, hi):
    return and_(column >= lo, column < hi)


def _office(column, office_id):
    """``office_id``: one office's id, None for every office, or a set of offices (a
    province's area: itself and the offices under it, issue 27)."""
    if office_id is None:
        return true()
    if isinstance(office_id, (frozenset, set, tuple, list)):
        return column.in_(sorted(office_id))
    return column == office_id


def _per_month(session, column, office_column, office_id, start, end, tz) -> list[int]:
    """Rows per local month of ``column`` in the period: one aggregate query.

    Each row falls in the bucket of the first month boundary (local midnight, in UTC) it lies
    before, so months follow the office's zone on every engine without date functions.
    """
    lo, hi = period_bounds(start, end, tz)
    months = months_of(start, end)
    uppers = [utc_bound((m + dt.timedelta(days=32)).replace(day=1), tz) for m in months[:-1]]
    # Bucket numbers inline (our own integers): a bound parameter here would be untyped.
    bucket = case(*[(column < upper, literal_column(str(i))) for i, upper in enumerate(uppers)],
                  else_=literal_column(str(len(months) - 1))) if uppers else literal_column("0")
    rows = select(bucket.label("bucket")).where(
        _in_period(column, lo, hi), _office(office_column, office_id)).subquery()
    counts = dict(session.execute(
        select(rows.c.bucket, func.count()).group_by(rows.c.bucket)).all())
    return [int(counts.get(i, 0)) for i in range(len(months))]


# --- The dashboard ---------------------------------------------------------------------------

OPEN_COMPLAINT_STATES = ("received", "in_progress")


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date  # its first day
    received: int
    issued: int


@dataclass(frozen=True)
class OverdueRequest:
    id: int
    tracking_code: str
    title: str
    agency_name: Optional[str]
    state: str
    due_date: dt.date
    working_days_overdue: int
    office_code: str

    @property
    def state_label(self) -> str:
        return str(REQUEST_STATES.get(self.state, self.state))


@dataclass(frozen=True)
class Dashboard:
    """An office's figures (``office_id`` None: every office) for the local days start … end.

    - ``by_state``: requests *created* in the period, by their state now (every state listed).
    - ``months``: per month, requests received (first recorded complete, ``complete_at``: a
      resubmission moves ``submitted_at`` but is not a new request) and letters issued.
    - ``sent``/``sent_on_time``/``sent_late``: requests whose letter was sent in the period;
      on time when the local day of sending is on or before the due date.
    - ``median_working_days``: over those, the working days (the office's calendar) from
      recorded complete to the letter sent (revision pauses included: the applicant waited).
    - ``overdue``: open requests past their due date now (not paused, not sent), oldest first:
      the first ``OVERDUE_SHOWN``; ``overdue_total``: how many there are.
    - ``ikm``: the index of the ratings given in the period.
    - ``complaints_open``: complaints received or in progress now; ``complaints_overdue``:
      those of them past their answer due date.
    - ``past_targets``: one office's requests past an intermediate target now (offices/
      targets.py; not asked for every office at once).
    """

    office_id: Optional[int]
    start: dt.date
    end: dt.date
    today: dt.date
    by_state: dict
    months: list
    sent: int
    sent_on_time: int
    sent_late: int
    median_working_days: Optional[float]
    overdue: list
    ikm: Ikm
    complaints_open: int
    complaints_overdue: int
    received: int = 0
    issued: int = 0
    overdue_total: int = 0
    working_days: list = field(default_factory=list, repr=False)
    past_targets: list = field(default_factory=list)
    # When the period's figures (all but the overdue list and the complaints, which are
    # always counted now) were counted, for a kept snapshot (reports/snapshots.py); None:
    # counted for this page.
    figures_at: Optional[dt.datetime] = None

    @property
    def on_time_share(self) -> Optional[float]:
        """Share (0–1) of the letters sent in the period that went out by their due date."""
        judged = self.sent_on_time + self.sent_late
        return None if judged == 0 else self.sent_on_time / judged

    @property
    def requests(self) -> int:
        return sum(self.by_state.values())


def requests_by_state(session, office_id, start, end, tz) -> dict[str, int]:
    lo, hi = period_bounds(start, end, tz)
    counts = dict(session.execute(
        select(ActivityRequest.state, func.count())
        .where(_in_period(ActivityRequest.created_at, lo, hi),
               _office(ActivityRequest.office_id, office_id))
        .group_by(ActivityRequest.state)).all())
    return {state: int(counts.get(state, 0)) for state in REQUEST_STATES}


def monthly(session, office_id, start, end, tz) -> list[MonthFigures]:
    received = _per_month(session, ActivityRequest.complete_at, ActivityRequest.office_id,
                          office_id, start, end, tz)
    issued = _per_month(session, Letter.issued_at, Letter.office_id, office_id, start, end, tz)
    return [MonthFigures(m, r, i) for m, r, i in zip(months_of(start, end), received, issued)]


def _calendars(session, office_ids, cache: Optional[dict] = None) -> dict:
    """The working-day calendar of each office (one query per office, shared via ``cache``)."""
    cache = {} if cache is None else cache
    for oid in set(office_ids) - set(cache):
        cache[oid] = office_calendar(session, oid)
    return cache


def sending(session, office_id, start, end, tz, calendars: Optional[dict] = None
            ) -> tuple[int, int, int, list[int]]:
    """(sent, on time, late, working days to letter of each) for letters sent in the period.

    The working days of a sent request are stored when it is sent
    (``ActivityRequest.sent_working_days``, issue 27): the letters with them are counted in the
    database, grouped by that count (a national year is hundreds of thousands of letters);
    only those without (sent before the column, or written around the workflow) are read and
    counted here, as every letter was before.
    """
    lo, hi = period_bounds(start, end, tz)
    shift = _fixed_offset(lo, hi, tz)
    if shift is None:  # the zone changes its offset in the period: every row, by its own day
        return _sending_rows(session, office_id, lo, hi, tz, calendars, None)
    r = ActivityRequest
    # The local day of sending is on or before the due date when sent before the due date's
    # next local midnight, in stored UTC: due date + (1 day − the zone's offset).
    on_time = r.sent_at < _day_plus(session, r.due_date, dt.timedelta(days=1) - shift)
    # One pass over the period's letters: those with their count stored grouped by it, each
    # of the others (none once migration 0025 has run) a group of its own, counted here.
    counted = and_(r.sent_working_days.is_(None), r.complete_at.isnot(None))
    own = [case((counted, column)) for column in (r.id, r.office_id, r.complete_at, r.sent_at)]
    groups = session.connection().execute(
        select(r.sent_working_days, *own, func.count(),
               func.coalesce(func.sum(case((r.due_date.is_(None), 0), (on_time, 1),
                                           else_=0)), 0),
               func.coalesce(func.sum(case((r.due_date.is_(None), 0), (on_time, 0),
                                           else_=1)), 0))
        .where(_in_period(r.sent_at, lo, hi), _office(r.office_id, office_id))
        .group_by(r.sent_working_days, *own)).all()
    sent = early = late = 0
    days: list[int] = []
    left = []
    for value, rid, oid, complete_at, sent_at, n, on, off in groups:
        sent, early, late = sent + int(n), early + int(on), late + int(off)
        if value is not None:
            days.extend([int(value)] * int(n))
        elif rid is not None:
            left.append((oid, complete_at, sent_at))
    if left:
        calendars = _calendars(session, (oid for oid, _c, _s in left), calendars)
        complete_days = local_dates([c for _o, c, _s in left], tz)
        sent_days = local_dates([s for _o, _c, s in left], tz)
        spans: dict = {}
        for (oid, _c, _s), complete_day, sent_day in zip(left, complete_days, sent_days):
            key = (oid, complete_day, sent_day)
            if key not in spans:
                spans[key] = calendars[oid].working_days_between(complete_day, sent_day)
            days.append(spans[key])
    return sent, early, late, days


def _fixed_offset(lo: dt.datetime, hi: dt.datetime, tz: str) -> Optional[dt.timedelta]:
    """The zone's one UTC offset over [lo, hi) (sampled each day, as local_dates does), or
    None when it has more than one there."""
    zone, first = ZoneInfo(tz), lo.replace(tzinfo=dt.timezone.utc)
    offsets = {(first + dt.timedelta(days=i)).astimezone(zone).utcoffset()
               for i in range((hi - lo).days + 2)}
    return offsets.pop() if len(offsets) == 1 else None


def _day_plus(session, day_column, delta: dt.timedelta):
    """The stored (naive UTC) timestamp ``delta`` after midnight of a date column."""
    seconds = int(delta.total_seconds())
    if session.get_bind().dialect.name == "sqlite":  # stored as text: 'YYYY-MM-DD HH:MM:SS…'
        return func.datetime(day_column, f"{seconds:+d} seconds")
    return day_column + literal_column(f"interval '{seconds} seconds'")


def _sending_rows(session, office_id, lo, hi, tz, calendars, where
                  ) -> tuple[int, int, int, list[int]]:
    """``sending`` counted in Python, row by row (``where``: which of the period's rows)."""
    # Plain rows through the session's connection: the ORM's result handling cost as much as
    # the rest of this function for tens of thousands of letters, and these are four columns.
    query = (select(ActivityRequest.office_id, ActivityRequest.complete_at,
                    ActivityRequest.sent_at, ActivityRequest.due_date)
             .where(_in_period(ActivityRequest.sent_at, lo, hi),
                    _office(ActivityRequest.office_id, office_id)))
    rows = session.connection().execute(query if where is None else query.where(where)).all()
    calendars = _calendars(session, (r.office_id for r in rows), calendars)
    sent_days = local_dates([r.sent_at for r in rows], tz)
    complete_days = local_dates([r.complete_at for r in rows], tz)
    spans: dict = {}  # letters share (office, complete day, sent day): each counted once
    on_time = late = 0
    days = []
    for row, sent_day, complete_day in zip(rows, sent_days, complete_days):
        if row.due_date is not None:
            if sent_day <= row.due_date:
                on_time += 1
            else:
                late += 1
        if complete_day is not None:
            key = (row.office_id, complete_day, sent_day)
            span = spans.get(key)
            if span is None:
                span = spans[key] = calendars[row.office_id].working_days_between(
                    complete_day, sent_day)
            days.append(span)
    return len(rows), on_time, late, days


# The dashboard shows the oldest promises broken; the Overdue requests screen pages them all.
OVERDUE_SHOWN = 50


def _overdue(office_id, today) -> list:
    return [in_open_states(ActivityRequest.state),  # the partial index ix_request_overdue
            ActivityRequest.due_date < today,
            ActivityRequest.clock_paused_at.is_(None),
            ActivityRequest.sent_at.is_(None),
            _office(ActivityRequest.office_id, office_id)]


def overdue_requests(session, office_id, today, tz, calendars: Optional[dict] = None,
                     limit: Optional[int] = None) -> list[OverdueRequest]:
    """Open requests past their due date whose clock runs (the overdue screen's rule), the
    oldest promise first; the first ``limit`` of them when given."""
    query = (
        select(ActivityRequest.id, ActivityRequest.tracking_code, ActivityRequest.title,
               ActivityRequest.agency_name, ActivityRequest.state, ActivityRequest.due_date,
               ActivityRequest.clock_paused_at, ActivityRequest.sent_at,
               ActivityRequest.office_id, Office.code.label("office_code"))
        .join(Office, Office.id == ActivityRequest.office_id)
        .where(*_overdue(office_id, today))
        .order_by(ActivityRequest.due_date, ActivityRequest.id))
    rows = session.execute(query if limit is None else query.limit(limit)).all()
    calendars = _calendars(session, (r.office_id for r in rows), calendars)
    result = []
    for row in rows:
        status = sla_status(row, today, calendars[row.office_id], tz)
        result.append(OverdueRequest(
            id=row.id, tracking_code=row.tracking_code, title=row.title,
            agency_name=row.agency_name, state=row.state, due_date=row.due_date,
            working_days_overdue=-(status.days_left or 0), office_code=row.office_code))
    return result


def overdue_count(session, office_id, today) -> int:
    return int(session.scalar(select(func.count()).select_from(ActivityRequest)
                              .where(*_overdue(office_id, today))))


def rating_sums(session, office_id, start, end, tz) -> tuple[int, list[int]]:
    """(ratings, the sum of each element's answers) of the period, added up in the database (a
    year of a busy office holds tens of thousands)."""
    lo, hi = period_bounds(start, end, tz)
    columns = [getattr(Rating, f"e{i}") for i in range(1, SKM_ELEMENTS + 1)]
    n, *sums = session.execute(
        select(func.count(), *(func.coalesce(func.sum(c), 0) for c in columns))
        .where(_in_period(Rating.created_at, lo, hi), _office(Rating.office_id, office_id))
    ).one()
    return int(n), [int(x) for x in sums]


def period_ikm(session, office_id, start, end, tz) -> Ikm:
    """The index of the period's ratings; the schema holds each answer to a whole number 1–4,
    as ``ikm`` checks."""
    return ikm_of_sums(*rating_sums(session, office_id, start, end, tz))


def complaint_counts(session, office_id, today) -> tuple[int, int]:
    """(open, open past their answer due date) now."""
    open_, overdue = session.execute(
        select(func.count(),
               func.coalesce(func.sum(case((Complaint.due_date < today, 1), else_=0)), 0))
        .where(Complaint.state.in_(OPEN_COMPLAINT_STATES),
               _office(Complaint.office_id, office_id))).one()
    return int(open_), int(overdue)


@dataclass(frozen=True)
class PeriodFigures:
    """What a dashboard counts over its period (``Dashboard`` says what each means): plain
    numbers, so that a wide dashboard's can be kept (reports/snapshots.py). ``days``: working
    days to the letter -> letters sent in that many."""

    by_state: dict
    received: tuple  # per month of the period
    issued: tuple
    sent: int
    on_time: int
    late: int
    days: dict
    ratings: int
    rating_sums: tuple
    computed_at: Optional[dt.datetime] = None  # set when kept


def period_figures(session, office_id, start: dt.date, end: dt.date, tz: str,
                   calendars: Optional[dict] = None) -> PeriodFigures:
    months = monthly(session, office_id, start, end, tz)
    sent, on_time, late, days = sending(session, office_id, start, end, tz, calendars)
    histogram: dict = {}
    for value in days:
        histogram[value] = histogram.get(value, 0) + 1
    ratings, sums = rating_sums(session, office_id, start, end, tz)
    return PeriodFigures(
        by_state=requests_by_state(session, office_id, start, end, tz),
        received=tuple(m.received for m in months), issued=tuple(m.issued for m in months),
        sent=sent, on_time=on_time, late=late, days=histogram,
        ratings=ratings, rating_sums=tuple(sums))


def dashboard(session, office_id: Optional[int], start: dt.date, end: dt.date, *,
              today: Optional[dt.date] = None, tz: Optional[str] = None,
              period: Optional[PeriodFigures] = None) -> Dashboard:
    """``period``: the period's figures when already at hand (a kept snapshot); counted here
    otherwise. The overdue list and the complaints are counted now either way."""
    tz = tz or _default_tz()
    today = today or _default_today()
    calendars: dict = {}
    if period is None:
        period = period_figures(session, office_id, start, end, tz, calendars)
    months = [MonthFigures(month, received, issued) for month, received, issued
              in zip(months_of(start, end), period.received, period.issued)]
    days = [value for value, n in sorted(period.days.items()) for _ in range(n)]
    complaints_open, complaints_overdue = complaint_counts(session, office_id, today)
    overdue = overdue_requests(session, office_id, today, tz, calendars, OVERDUE_SHOWN)
    # Fewer than a page of them: that is all of them, no need to count.
    overdue_total = (len(overdue) if len(overdue) < OVERDUE_SHOWN
                     else overdue_count(session, office_id, today))
    return Dashboard(
        office_id=office_id, start=start, end=end, today=today,
        by_state=dict(period.by_state),
        months=months,
        received=sum(period.received),
        issued=sum(period.issued),
        sent=period.sent, sent_on_time=period.on_time, sent_late=period.late,
        median_working_days=float(statistics.median(days)) if days else None,
        working_days=days,
        overdue=overdue, overdue_total=overdue_total,
        ikm=ikm_of_sums(period.ratings, list(period.rating_sums)),
        complaints_open=complaints_open,
        complaints_overdue=complaints_overdue,
        past_targets=(targets.missed(session, office_id, today, tz)
                      if isinstance(office_id, int) else []),
        figures_at=period.computed_at,
    )


# --- Rows for the exports --------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    tracking_code: str
    title: str
    agency_name: Optional[str]
    kind: str
    state: str
    submitted: Optional[dt.date]
    due_date: Optional[dt.date]
    letter_number: Optional[str]
    letter_date: Optional[dt.date]
    sent: Optional[dt.date]
    on_time: Optional[bool]  # None: not sent yet
    office_code: str


def request_register(session, office_id: Optional[int], start: dt.date, end: dt.date, *,
                     tz: Optional[str] = None) -> list[RegisterRow]:
    """The requests received (first recorded complete) in the period, oldest first."""
    tz = tz or _default_tz()
    lo, hi = period_bounds(start, end, tz)
    rows = session.execute(
        select(ActivityRequest.tracking_code, ActivityRequest.title, ActivityRequest.agency_name,
               ActivityRequest.kind, ActivityRequest.state, ActivityRequest.complete_at,
               ActivityRequest.due_date, ActivityRequest.sent_at, Letter.number,
               Letter.letter_date, Office.code.label("office_code"))
        .join(Office, Office.id == ActivityRequest.office_id)
        .outerjoin(Letter, Letter.request_id == ActivityRequest.id)
        .where(_in_period(ActivityRequest.complete_at, lo, hi),
               _office(ActivityRequest.office_id, office_id))
        .order_by(ActivityRequest.complete_at, ActivityRequest.id)).all()
    result = []
    for r in rows:
        sent = local_date(r.sent_at, tz) if r.sent_at else None
        result.append(RegisterRow(
            tracking_code=r.tracking_code, title=r.title, agency_name=r.agency_name,
            kind=r.kind, state=r.state,
            submitted=local_date(r.complete_at, tz) if r.complete_at else None,
            due_date=r.due_date, letter_number=r.number, letter_date=r.letter_date, sent=sent,
            on_time=None if sent is None or r.due_date is None else sent <= r.due_date,
            office_code=r.office_code))
    return result


def guest_book(session, office_id: Optional[int], start: dt.date, end: dt.date, *,
               tz: Optional[str] = None) -> list[GuestBookEntry]:
    """The guest book entries of the period (local days), in the order of the visits."""
    tz = tz or _default_tz()
    lo, hi = period_bounds(start, end, tz)
    return list(session.scalars(
        select(GuestBookEntry)
        .where(_in_period(GuestBookEntry.visited_at, lo, hi),
               _office(GuestBookEntry.office_id, office_id))
        .order_by(GuestBookEntry.visited_at, GuestBookEntry.id)))
