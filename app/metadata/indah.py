"""Requests' metadata as the Excel file an officer uploads to BPS's INDAH platform.

Three sheets in the layout of BPS's forms (Peraturan BPS 5/2020; ../shared/domain.md, "Satu
Data metadata"): "MS-Keg", one row per request — its identity, then every answer in the form's
order (requests/form.py); "MS-Var", one row per variable; "MS-Ind", one row per indicator.
A coded answer is written twice, BPS's number (requests/bps_codes.py; a multi-choice answer is
the sum of its flags) and its label in the next column; yes/no is 1/2 as BPS's form writes it;
dates are Excel dates. Headers and labels are Indonesian whatever the user's language (the
metadata is Indonesian, as the DDI export). Typed text goes through sheet_cells: it never runs
as a formula.

Which requests: those that reached "submitted" (a draft is the applicant's), a period's chosen
by the day they were submitted, in the office's calendar (``in_period``). The workbook is
written in openpyxl's write-only mode, row by row, from requests loaded with ``eager_options``
(one query per table): 1 000 requests of 50 variables each take a few seconds.
"""
from __future__ import annotations

import datetime as dt
import gc
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Optional

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from app.models import ActivityRequest
from app.offices import workdays
from app.reports import sheet_cells
from app.reports.figures import period_bounds
from app.requests import bps_codes, form

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
SHEETS = ("MS-Keg", "MS-Var", "MS-Ind")
FROZEN = "C2"  # the header row and the request's two codes stay in view

# A period: dates a request can carry (far ones overflow when turned into UTC bounds), at most
# three years, and at most MAX_REQUESTS requests in one file (about 50 000 variable rows).
FIRST_DAY, LAST_DAY = dt.date(1945, 1, 1), dt.date(2200, 12, 31)
MAX_PERIOD_DAYS = 3 * 366
MAX_REQUESTS = 1000
ZIP_LEVEL = 1  # deflate's fastest (see _save)

NOT_A_DAY = _l("Enter the date as year-month-day (YYYY-MM-DD).")
MISSING_DAY = _l("Enter both dates of the period (YYYY-MM-DD).")
END_BEFORE_START = _l("The period must not end before it starts.")

# Excel refuses C0 control characters in a cell (openpyxl raises): dropped, like XML's.
_NOT_IN_A_CELL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CELL_MAX = 32767  # characters Excel keeps in one cell

# Column widths by what a column holds.
_WIDTH = {"code": 9, "number": 11, "date": 12, "label": 28, "text": 30, "textarea": 50,
          "email": 28, "yes_no": 9}
# BPS's form writes yes as 1 and no as 2.
YES, NO = 1, 2
# Multi-choice answers BPS's form asks choice by choice, each yes/no (Blocks VII and VIII).
_CHOICE_BY_CHOICE = frozenset({"processing_stages", "dissemination_products"})
_SURVEY_ONLY = frozenset(f.name for section in form.SECTIONS if section.surveys_only
                         for f in section.fields) | {
    f.other for section in form.SECTIONS if section.surveys_only for f in section.fields
    if f.other}


class PeriodError(ValueError):
    """A period that cannot be exported; its text says why, in the user's language."""


# --- which requests ----------------------------------------------------------------------------


def exportable():
    """The condition of a request that may be exported: it reached "submitted" (a draft, and a
    draft withdrawn before it was ever submitted, are the applicant's alone)."""
    return and_(ActivityRequest.state != "draft",
                or_(ActivityRequest.state != "withdrawn",
                    ActivityRequest.submitted_at.is_not(None)))


def eager_options() -> tuple:
    """Loader options for the workbook: what it reads, one query per table."""
    from sqlalchemy.orm import joinedload, selectinload

    return (joinedload(ActivityRequest.office), joinedload(ActivityRequest.letter),
            selectinload(ActivityRequest.variables), selectinload(ActivityRequest.indicators))


def _scoped(stmt, office_id: Optional[int]):
    stmt = stmt.where(exportable())
    return stmt if office_id is None else stmt.where(ActivityRequest.office_id == office_id)


def one(session, req_id: int, office_id: Optional[int], options: tuple = ()
        ) -> Optional[ActivityRequest]:
    """The request ``req_id`` if it may be exported within ``office_id`` (None: every office)."""
    stmt = _scoped(select(ActivityRequest).where(ActivityRequest.id == req_id), office_id)
    return session.scalars(stmt.options(*options)).unique().one_or_none()


def _in_period(stmt, start: dt.date, end: dt.date, tz: str):
    lo, hi = period_bounds(start, end, tz)
    return stmt.where(ActivityRequest.submitted_at >= lo, ActivityRequest.submitted_at < hi)


def count_in_period(session, office_id: Optional[int], start: dt.date, end: dt.date,
                    tz: str) -> int:
    stmt = _in_period(_scoped(select(func.count(ActivityRequest.id)), office_id), start, end, tz)
    return session.scalar(stmt) or 0


def too_many(count: int) -> Optional[str]:
    """Why a period of ``count`` requests cannot be exported at once, or None."""
    if count <= MAX_REQUESTS:
        return None
    return _("The period holds %(count)d requests; at most %(max)d can be exported at once. "
             "Choose a shorter period.", count=count, max=MAX_REQUESTS)


def in_period(session, office_id: Optional[int], start: dt.date, end: dt.date, tz: str,
              options: tuple = (), *, limit: Optional[int] = None) -> list[ActivityRequest]:
    """The exportable requests of ``office_id`` (None: every office) submitted from ``start``
    to ``end`` (the office's days, both included), oldest first. Without ``limit``, raises
    PeriodError when the period holds more than MAX_REQUESTS."""
    stmt = _in_period(_scoped(select(ActivityRequest), office_id), start, end, tz)
    stmt = stmt.order_by(ActivityRequest.submitted_at, ActivityRequest.id).options(*options)
    if limit is not None:
        stmt = stmt.limit(limit)
    else:
        refused = too_many(count_in_period(session, office_id, start, end, tz))
        if refused:
            raise PeriodError(refused)
    with _collector_paused():
        return list(session.scalars(stmt).unique())


@contextmanager
def _collector_paused():
    """Python's cyclic collector paused while a period's rows are loaded: tens of thousands of
    new objects that all stay alive until the file is written make it walk them again and
    again (0.6-1 s of the 1.1-1.5 s load of 1 000 requests; bench/README.md)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse_day(raw: Optional[str]) -> Optional[dt.date]:
    """A date typed as YYYY-MM-DD; None when empty. Raises PeriodError otherwise."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else _bad_day()
    except ValueError:
        return _bad_day()


def _bad_day():
    raise PeriodError(str(NOT_A_DAY))


def check_period(start: Optional[dt.date], end: Optional[dt.date]) -> tuple[dt.date, dt.date]:
    """(start, end) when they make a period that can be exported; else PeriodError."""
    if start is None or end is None:
        raise PeriodError(str(MISSING_DAY))
    if not (FIRST_DAY <= start <= LAST_DAY and FIRST_DAY <= end <= LAST_DAY):
        raise PeriodError(_("Give dates from the year %(first)d to %(last)d.",
                            first=FIRST_DAY.year, last=LAST_DAY.year))
    if end < start:
        raise PeriodError(str(END_BEFORE_START))
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise PeriodError(_("A period spans at most %(days)d days.", days=MAX_PERIOD_DAYS))
    return start, end


def period(raw_start: Optional[str], raw_end: Optional[str]) -> tuple[dt.date, dt.date]:
    """The period typed as two YYYY-MM-DD dates; PeriodError with the reason otherwise."""
    return check_period(parse_day(raw_start), parse_day(raw_end))


# --- file names --------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")


def file_name(req: ActivityRequest) -> str:
    """``<recommendation code or tracking code>.xlsx``, safe on every system."""
    stem = _safe(req.recommendation_code or "") or _safe(req.tracking_code or "")
    return f"{stem or f'request-{req.id}'}.xlsx"


def period_file_name(kind: str, scope: str, start: dt.date, end: dt.date, extension: str
                     ) -> str:
    """``metadata-<kind>_<office code or "semua">_<start>_<end>.<extension>``."""
    return f"metadata-{kind}_{_safe(scope) or 'semua'}_{start.isoformat()}_{end.isoformat()}" \
           f".{extension}"


# --- columns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable  # the row's object -> the cell's value
    date: bool = False
    comment: Optional[str] = None


def _text(value):
    """A typed answer as a cell: control characters dropped, cut to what Excel keeps, never a
    formula (sheet_cells)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return sheet_cells.cell(_NOT_IN_A_CELL.sub("", value)[:_CELL_MAX])
    return value


def _yes_no(value: Optional[bool]) -> Optional[int]:
    return None if value is None else (YES if value else NO)


def _codes_comment(name: str, f: form.Field) -> str:
    """The header's note: BPS's numbers and their labels (``1 = Survei``), and for a
    multi-choice answer that the numbers are summed."""
    by_number: dict[int, list[str]] = {}
    for code, number in bps_codes.NUMBERS[name].items():
        by_number.setdefault(number, []).append(str(f.choices.get(code, code)))
    lines = [f"{n} = {' / '.join(labels)}" for n, labels in sorted(by_number.items())]
    head = (_("BPS codes; several answers are added up (e.g. 1 + 4 = 5):")
            if name in bps_codes.FLAGS else _("BPS codes:"))
    return "\n".join([head, *lines])


def _yes_no_comment() -> str:
    return _("1 = Yes, 2 = No (as on BPS's forms)")


def _translated(f: form.Field) -> form.Field:
    """``f`` with its choices' labels translated once, not once a cell (a period's MS-Var
    has tens of thousands of rows): form.choice_label then only looks them up."""
    if not f.choices:
        return f
    return replace(f, choices={code: str(text) for code, text in f.choices.items()})


def _field_columns(f: form.Field, *, code_name: Optional[str] = None,
                   getter: Callable = getattr, survey_only: bool = False,
                   bool_as_label: bool = False) -> list[Column]:
    """The columns of one answer of the form. ``code_name``: the bps_codes list of a coded
    answer (its own name by default)."""
    label = str(f.label)
    name = f.name
    labelled = _translated(f)

    def raw(obj):
        if survey_only and getattr(obj, "kind", None) != "survey":
            return None  # Block V applies to surveys only
        return getter(obj, name)

    code_name = code_name or name
    if f.kind in ("select", "multi") and code_name in bps_codes.NUMBERS:
        return [
            Column(_("%(field)s (BPS code)", field=label), _WIDTH["code"],
                   lambda obj: bps_codes.bps_number(code_name, raw(obj)),
                   comment=_codes_comment(code_name, f)),
            Column(_("%(field)s (label)", field=label), _WIDTH["label"],
                   lambda obj: _text(form.choice_label(labelled, raw(obj)))),
        ]
    if f.kind == "multi" and name in _CHOICE_BY_CHOICE:
        def chosen(code):
            def value(obj):
                answer = raw(obj)
                return None if not answer else _yes_no(code in str(answer).split(","))
            return value
        return [Column(f"{label}: {choice}", _WIDTH["yes_no"], chosen(code),
                       comment=_yes_no_comment())
                for code, choice in f.choices.items()]
    if f.kind in ("select", "multi"):
        return [Column(label, _WIDTH["label"],
                       lambda obj: _text(form.choice_label(labelled, raw(obj))))]
    if f.kind == "bool":
        if bool_as_label:
            words = {True: str(form.YES_NO["1"]), False: str(form.YES_NO["0"]), None: None}
            return [Column(label, _WIDTH["yes_no"], lambda obj: words[raw(obj)])]
        return [Column(label, _WIDTH["yes_no"], lambda obj: _yes_no(raw(obj)),
                       comment=_yes_no_comment())]
    if f.kind == "date":
        return [Column(label, _WIDTH["date"], raw, date=True)]
    if f.kind in ("int", "decimal"):
        return [Column(label, _WIDTH["number"], raw)]
    return [Column(label, _WIDTH.get(f.kind, _WIDTH["text"]), lambda obj: _text(raw(obj)))]


def _other_column(f: form.Field, survey_only: bool) -> Column:
    other = f.other

    def value(obj):
        if survey_only and obj.kind != "survey":
            return None
        return _text(getattr(obj, other))
    return Column(_("%(field)s: other, namely", field=str(f.label)), _WIDTH["text"], value)


def _identity(tz: str) -> list[Column]:
    def letter(req, attr):
        lt = req.letter
        return getattr(lt, attr) if lt is not None and lt.issued_at is not None else None

    def submitted(req):
        return None if req.submitted_at is None else workdays.local_date(req.submitted_at, tz)

    return [
        Column(_("Recommendation number"), 24, lambda r: _text(r.recommendation_code)),
        Column(_("Tracking code"), 18, lambda r: _text(r.tracking_code)),
        Column(_("Letter number"), 26, lambda r: _text(letter(r, "number"))),
        Column(_("Letter date"), _WIDTH["date"], lambda r: letter(r, "letter_date"), date=True),
        Column(_("Office"), 26, lambda r: _text(r.office.name if r.office else None)),
        Column(_("State"), 16, lambda r: _text(r.state_label)),
        Column(_("Submitted"), _WIDTH["date"], submitted, date=True),
    ]


def keg_columns(tz: str) -> list[Column]:
    """MS-Keg: the request's identity, then every answer of the form in its order."""
    columns = _identity(tz)
    for section in form.SECTIONS:
        for f in section.fields:
            columns += _field_columns(f, survey_only=section.surveys_only)
            if f.other:
                columns.append(_other_column(f, section.surveys_only))
    return columns


def _row_identity() -> list[Column]:
    return [
        Column(_("Recommendation number"), 24, lambda r: _text(r[0].recommendation_code)),
        Column(_("Tracking code"), 18, lambda r: _text(r[0].tracking_code)),
        Column(_("No."), 6, lambda r: r[1].position),
    ]


def _of_row(obj, name):
    return getattr(obj[1], name)


def var_columns() -> list[Column]:
    """MS-Var: per variable its request, position and every field; data type and public as
    their labels."""
    columns = _row_identity()
    for f in form.VARIABLE_FIELDS:
        columns += _field_columns(f, getter=_of_row, bool_as_label=True)
    return columns


def ind_columns() -> list[Column]:
    """MS-Ind: per indicator its request, position and every field; the estimation level as
    BPS's flag sum and labels, the periodicity as BPS's number and label (BPS's lists of
    presentation levels and frequencies)."""
    lists = {"estimation_level": "presentation_level", "periodicity": "frequency"}
    columns = _row_identity()
    for f in form.INDICATOR_FIELDS:
        columns += _field_columns(f, code_name=lists.get(f.name), getter=_of_row,
                                  bool_as_label=True)
    return columns


# --- the workbook ------------------------------------------------------------------------------


def _sheet(wb, title: str, columns: list[Column], rows: Iterable, frozen: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    ws.freeze_panes = frozen
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    font, fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79")
    alignment = Alignment(vertical="center", wrap_text=True)
    headers = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=_text(column.header))
        cell.font, cell.fill, cell.alignment = font, fill, alignment
        if column.comment:
            cell.comment = Comment(column.comment, "Rekomstat", height=160, width=300)
        headers.append(cell)
    ws.append(headers)
    dates = [i for i, column in enumerate(columns) if column.date]
    getters = [column.value for column in columns]
    for obj in rows:
        values = [get(obj) for get in getters]
        for i in dates:
            if values[i] is not None:
                cell = WriteOnlyCell(ws, value=values[i])
                cell.number_format = DATE_FORMAT
                values[i] = cell
        ws.append(values)


def workbook(requests: Iterable[ActivityRequest], *, tz: Optional[str] = None) -> bytes:
    """The INDAH workbook of ``requests`` (loaded with ``eager_options()`` when many): sheets
    MS-Keg, MS-Var and MS-Ind, as .xlsx bytes. ``tz``: the office's time zone (the day a
    request was submitted), the app's by default."""
    from openpyxl import Workbook

    requests = list(requests)
    tz = tz or workdays.office_timezone()
    with force_locale("id"):
        wb = Workbook(write_only=True)
        wb.properties.title = _("Satu Data metadata (MS-Keg, MS-Var, MS-Ind)")
        wb.properties.creator = "Rekomstat"
        _sheet(wb, "MS-Keg", keg_columns(tz), requests, FROZEN)
        _sheet(wb, "MS-Var", var_columns(), ((r, v) for r in requests for v in r.variables),
               FROZEN)
        _sheet(wb, "MS-Ind", ind_columns(), ((r, i) for r in requests for i in r.indicators),
               FROZEN)
        return _save(wb)


def _save(wb) -> bytes:
    """``wb`` as .xlsx bytes: openpyxl's save_workbook, with deflate's fastest level instead
    of zlib's default (which took a quarter of a period's export; the file is about a third
    larger)."""
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    buffer = io.BytesIO()
    wb.properties.modified = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    archive = zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True,
                              compresslevel=ZIP_LEVEL)
    ExcelWriter(wb, archive).save()  # closes the archive
    return buffer.getvalue()
