"""The satisfaction survey report (SKM) as offices publish it (PermenPANRB 14/2017, issue 24).

For an office (every office when ``office_id`` is None) and a period of local calendar days —
a quarter (*triwulan*) I–IV, a semester 1–2 or a year, or any start and end — ``report`` gives
per element, in the office's order (``skm.ELEMENTS``, the regulation's list, labels with the
data): how many respondents answered 1, 2, 3 and 4, the element's average (NRR) and its share
of the index (NRR × 1/9); then the index, the converted index (× 25), the class A–D and the
number of respondents. The index itself is ``figures.ikm_of_sums``: one computation and one
rounding rule for the dashboard, the exports and this report. The answers are counted in the
database, one aggregate query for the period however many ratings it holds.

``choose_period(args, today)`` reads a period from plain query values (no Flask request here)
and never fails: a value that makes no period gives the default (the current quarter) and a
message saying so.

``latest_published(session, office_id)``: what the public service page shows when the office's
setting ``publish_ikm`` is on — the index of the **last complete quarter** that has at least one
respondent, looking back four quarters (a year). A quarter still running is never published:
its figure still moves, and an office publishes a closed period. Nothing rated for a year:
nothing shown.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.feedback import skm
from app.models import Rating
from app.offices import directory, workdays
from app.reports import figures

# --- Periods ---------------------------------------------------------------------------------

# key -> (first month, last month, label); the labels are the office's words for its periods.
PRESETS: dict[str, tuple[int, int, object]] = {
    "q1": (1, 3, _l("Quarter I")),
    "q2": (4, 6, _l("Quarter II")),
    "q3": (7, 9, _l("Quarter III")),
    "q4": (10, 12, _l("Quarter IV")),
    "s1": (1, 6, _l("Semester 1")),
    "s2": (7, 12, _l("Semester 2")),
    "y": (1, 12, _l("Year")),
}
QUARTERS = ("q1", "q2", "q3", "q4")
# Years a period may lie in: the last day's next day must still be a date (9999-12-31 has
# none), and nothing was rated before the first year of the service.
YEAR_MIN, YEAR_MAX = 2000, 9998
MAX_PERIOD_DAYS = 366 * 10 + 1  # any period: a decade at most, as on the dashboard
PUBLISH_LOOKBACK = 4  # quarters the public page looks back for a rated one


@dataclass(frozen=True)
class Period:
    """Local calendar days ``start`` … ``end`` (both included); ``preset`` and ``year`` when it
    is one of PRESETS, else None."""

    start: dt.date
    end: dt.date
    preset: Optional[str] = None
    year: Optional[int] = None

    @property
    def label(self) -> str:
        """"Triwulan I 2026", or the days "01/01/2026 – 15/02/2026" of any other period."""
        if self.preset is not None:
            return _("%(period)s %(year)s", period=PRESETS[self.preset][2], year=self.year)
        return f"{format_date(self.start, 'dd/MM/yyyy')} – {format_date(self.end, 'dd/MM/yyyy')}"


def _last_day(year: int, month: int) -> dt.date:
    return (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1) \
        - dt.timedelta(days=1)


def preset_period(year: int, preset: str) -> Period:
    """The quarter, semester or year ``preset`` (a key of PRESETS) of ``year``."""
    if preset not in PRESETS:
        raise ValueError(f"not a period preset: {preset!r}")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise ValueError(f"a year out of range: {year}")
    first, last, _label = PRESETS[preset]
    return Period(dt.date(year, first, 1), _last_day(year, last), preset, year)


def quarter_of(day: dt.date) -> Period:
    """The quarter ``day`` lies in."""
    return preset_period(day.year, QUARTERS[(day.month - 1) // 3])


def previous_quarter(period: Period) -> Period:
    return quarter_of(period.start - dt.timedelta(days=1))


def last_complete_quarter(today: dt.date) -> Period:
    """The latest quarter that ended before ``today``."""
    return previous_quarter(quarter_of(today))


def custom_period(start: dt.date, end: dt.date) -> Period:
    """Any period of days; ValueError when it ends before it starts, is longer than a decade or
    lies outside the years a period may lie in."""
    if end < start:
        raise ValueError("the period ends before it starts")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValueError("the period is longer than a decade")
    if start.year < YEAR_MIN or end.year > YEAR_MAX:
        raise ValueError("the period lies outside the years of the service")
    return Period(start, end)


def _day(value: str) -> dt.date:
    if len(value) != 10:  # fromisoformat also reads "20260101" and week dates: only YYYY-MM-DD
        raise ValueError(value)
    return dt.date.fromisoformat(value)


def choose_period(args: Mapping[str, str], today: dt.date) -> tuple[Period, Optional[str]]:
    """The period the query values ``args`` ask for, and a message when they make none.

    ``start`` and ``end`` (YYYY-MM-DD) give any period; else ``period`` (a key of PRESETS) and
    ``year`` (today's year when absent) a preset; nothing: the current quarter. Anything else —
    a day that is no date, one bound without the other, a year out of range, an unknown
    preset — gives the current quarter and a message saying so (never an error).
    """
    default = quarter_of(today)
    start, end = (args.get("start") or "").strip(), (args.get("end") or "").strip()
    preset, year = (args.get("period") or "").strip(), (args.get("year") or "").strip()
    try:
        if start or end:
            return custom_period(_day(start), _day(end)), None
        if preset or year:
            # int() also reads "٢٠٣١", "2_031" and a thousand digits: ASCII digits, four at most.
            if year and not (year.isascii() and year.isdigit() and len(year) <= 4):
                raise ValueError(year)
            return preset_period(int(year) if year else today.year, preset or "y"), None
    except ValueError:
        return default, _("The period is not valid; showing the current quarter instead.")
    return default, None


# --- The report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ElementRow:
    """One element of the survey in a period: its answers counted, its NRR and weighted NRR
    (None without respondents; the exact fractions beside)."""

    element: skm.Element
    counts: tuple  # respondents who answered 1, 2, 3, 4
    nrr: Optional[float]
    weighted: Optional[float]
    nrr_exact: Optional[Fraction] = None
    weighted_exact: Optional[Fraction] = None

    @property
    def number(self) -> int:
        return self.element.number

    @property
    def label(self):
        return self.element.name

    @property
    def grade(self) -> Optional[str]:
        """The class the element's own average would have on the 25–100 scale (its bar's
        colour in the charts)."""
        if self.nrr_exact is None:
            return None
        return figures.grade_of(figures.round_half_up_hundredths(
            self.nrr_exact * figures.CONVERSION))


@dataclass(frozen=True)
class SkmReport:
    office_id: Optional[int]
    period: Period
    rows: tuple  # ElementRow, in the office's order of elements
    ikm: figures.Ikm

    @property
    def respondents(self) -> int:
        return self.ikm.respondents


def answer_counts(session, office_id: Optional[int], start: dt.date, end: dt.date,
                  tz: str) -> tuple[int, list[tuple[int, ...]]]:
    """(respondents, per element the number of answers 1, 2, 3, 4) of the ratings given in the
    local days start … end: one aggregate query."""
    lo, hi = figures.period_bounds(start, end, tz)
    columns = []
    for element in skm.ELEMENTS:
        column = getattr(Rating, element.field)
        columns += [func.coalesce(func.sum(case((column == value, 1), else_=0)), 0)
                    for value in skm.SCALE]
    where = [Rating.created_at >= lo, Rating.created_at < hi]
    if isinstance(office_id, (frozenset, set, tuple, list)):
        where.append(Rating.office_id.in_(sorted(office_id)))  # an area (issue 27)
    elif office_id is not None:
        where.append(Rating.office_id == office_id)
    n, *flat = session.execute(select(func.count(), *columns).where(*where)).one()
    width = len(skm.SCALE)
    counts = [tuple(int(x) for x in flat[i * width:(i + 1) * width])
              for i in range(len(skm.ELEMENTS))]
    return int(n), counts


def report(session, office_id: Optional[int], period: Period, *,
           tz: Optional[str] = None) -> SkmReport:
    """The SKM report of an office (None: every office) for ``period``."""
    tz = tz or workdays.office_timezone()
    n, counts = answer_counts(session, office_id, period.start, period.end, tz)
    sums = [sum(value * count for value, count in zip(skm.SCALE, per_element))
            for per_element in counts]
    result = figures.ikm_of_sums(n, sums)
    rows = []
    for i, element in enumerate(skm.ELEMENTS):
        exact = result.elements_exact[i]
        weighted = None if exact is None else exact * figures.WEIGHT
        rows.append(ElementRow(
            element=element, counts=counts[i],
            nrr=None if exact is None else float(exact),
            weighted=None if weighted is None else float(weighted),
            nrr_exact=exact, weighted_exact=weighted))
    return SkmReport(office_id=office_id, period=period, rows=tuple(rows), ikm=result)


# --- The public service page -------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """The index an office shows on its public service page."""

    period: Period
    converted: float
    converted_text: str
    grade: str
    grade_label: object
    respondents: int


def publishes(session, office_id: int) -> bool:
    """Whether the office has switched on publishing its index. Read with its other settings
    (offices.directory, kept a minute per process): the public page is the busiest page and
    asks on every visit; an admin's switch shows there within the minute."""
    info = directory.office_info(session, office_id)
    return bool(info and info.setting.publish_ikm)


def latest_published(session, office_id: Optional[int], *, today: Optional[dt.date] = None,
                     tz: Optional[str] = None) -> Optional[Published]:
    """The index of the office's last complete quarter with respondents (four quarters back at
    most), when the office publishes it; None otherwise."""
    if office_id is None or not publishes(session, office_id):
        return None
    today = today or workdays.office_today()
    tz = tz or workdays.office_timezone()
    period = last_complete_quarter(today)
    for _step in range(PUBLISH_LOOKBACK):
        # The nine sums are enough here (the answers need not be counted one by one).
        result = figures.period_ikm(session, office_id, period.start, period.end, tz)
        if result.respondents:
            return Published(period=period, converted=result.converted,
                             converted_text=result.converted_text, grade=result.grade,
                             grade_label=result.grade_label, respondents=result.respondents)
        period = previous_quarter(period)
    return None


# --- The PDF -----------------------------------------------------------------------------------


def render_pdf(html: str) -> bytes:
    """The report's PDF from its HTML, with the letters' xhtml2pdf set-up (nothing fetched from
    files or the network)."""
    from app.letters import document

    return document.render_pdf(html)
