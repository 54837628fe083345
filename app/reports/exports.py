"""Excel workbooks (openpyxl): the request register, the guest book and the IKM table.

Headers are English msgids translated at call time, so they come out in the user's language —
Indonesian by default. Each function returns the .xlsx file as bytes. Dates are real Excel
dates (day/month/year), figures real numbers; the rows come from reports/figures.py. Text cells go
through sheet_cells, the rule every export shares: typed text never becomes a formula.
"""
from __future__ import annotations

import datetime as dt
import io
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from app.core import identity
from app.feedback import skm
from app.models import ACTIVITY_KINDS, ID_DOC_TYPES, REQUEST_STATES
from app.reports import figures as reports
from app.reports import sheet_cells

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
# openpyxl (with lxml) is imported inside the functions: at the top it would add about 0.15 s
# to every start of the app (reports/views.py imports this module) for files made now and then.


def _sheet_title(text: str) -> str:
    # Excel: at most 31 characters, none of []:*?/\
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31]


def _workbook(title: str, headers: list[str], widths: list[int]):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(title)
    wb.properties.title = title
    wb.properties.creator = "Rekomstat"
    ws.append(headers)
    for col, (header, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(row=1, column=col)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    return wb, ws


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _append(ws, values) -> None:
    # Every row through the one rule of sheet_cells: a title typed as "=HYPERLINK(…)" is text
    # (openpyxl would write it as a live formula), figures and dates stay figures and dates.
    ws.append([sheet_cells.cell(v) for v in values])


def _formats(ws, row: int, formats: dict[int, str]) -> None:
    for col, number_format in formats.items():
        ws.cell(row=row, column=col).number_format = number_format


def _yes_no(value: Optional[bool]) -> str:
    return None if value is None else (_("Yes") if value else _("No"))


def request_register_xlsx(rows: Iterable["reports.RegisterRow"], *, with_office: bool = False
                          ) -> bytes:
    headers = [_("Tracking code"), _("Activity title"), _("Agency"), _("Kind of activity"),
               _("State"), _("Submitted"), _("Due date"), _("Letter number"), _("Letter date"),
               _("Letter sent"), _("Sent on time")]
    widths = [18, 50, 35, 22, 18, 13, 13, 28, 13, 13, 12]
    if with_office:
        headers.append(_("Office"))
        widths.append(10)
    wb, ws = _workbook(_("Requests"), headers, widths)
    for r in rows:
        values = [r.tracking_code, r.title, r.agency_name,
                  str(ACTIVITY_KINDS.get(r.kind, r.kind)),
                  str(REQUEST_STATES.get(r.state, r.state)),
                  r.submitted, r.due_date, r.letter_number, r.letter_date, r.sent,
                  _yes_no(r.on_time)]
        if with_office:
            values.append(r.office_code)
        _append(ws, values)
        _formats(ws, ws.max_row, {6: DATE_FORMAT, 7: DATE_FORMAT, 9: DATE_FORMAT,
                                  10: DATE_FORMAT})
    return _save(wb)


def guest_book_xlsx(entries: Iterable, *, tz: str = "Asia/Jakarta") -> bytes:
    """Visits with their local date and time (stored in UTC, shown in the office's zone)."""
    headers = [_("Visited"), _("Name"), _("Identity document"), _("Agency"), _("Phone"),
               _("E-mail"), _("Purpose of visit")]
    wb, ws = _workbook(_("Guest book"), headers, [17, 28, 30, 35, 18, 30, 50])
    zone = ZoneInfo(tz)
    for e in entries:
        visited = e.visited_at.replace(tzinfo=dt.timezone.utc).astimezone(zone).replace(
            tzinfo=None)
        doc_type = ID_DOC_TYPES.get(e.id_doc_type, e.id_doc_type)
        # Masked: an export leaves the system (issue 25).
        document = " ".join(str(part) for part in (doc_type, identity.mask(e.id_doc_number))
                            if part)
        _append(ws, [visited, e.name, document or None, e.agency, e.phone, e.email,
                     e.purpose])
        _formats(ws, ws.max_row, {1: DATETIME_FORMAT})
    return _save(wb)


def ikm_xlsx(result: "reports.Ikm", *, office: str = "", period: str = "") -> bytes:
    """Per element its name, NRR and NRR × 1/9; then the index, the converted index, the class
    and the number of respondents (and, when given, the office and the period)."""

    headers = [_("No."), _("Element"), _("Element average (NRR)"), _("Weighted (NRR × 1/9)")]
    wb, ws = _workbook(_("Satisfaction index (IKM)"), headers, [6, 45, 22, 22])
    for element, nrr, weighted in zip(skm.ELEMENTS, result.elements, result.weighted):
        _append(ws, [element.number, str(element.name), nrr, weighted])
        _formats(ws, ws.max_row, {3: "0.000", 4: "0.0000"})
    _ikm_summary(ws, result, office, period, last=len(headers))
    return _save(wb)


def _ikm_summary(ws, result, office: str, period: str, last: int) -> None:
    """Below a table of elements: the index, converted, class, respondents, office and period
    (label in column 2, value in the last column)."""
    from openpyxl.styles import Font

    ws.append([])
    grade = None if result.grade is None else f"{result.grade} ({result.grade_label})"
    summary = [
        (_("Satisfaction index (IKM)"), result.index, "0.0000"),
        (_("Converted index (IKM × 25)"), result.converted, "0.00"),
        (_("Service quality"), grade, None),
        (_("Respondents"), result.respondents, "0"),
    ]
    if office:
        summary.append((_("Office"), office, None))
    if period:
        summary.append((_("Period"), period, None))
    for label, value, number_format in summary:
        _append(ws, [None, label, *[None] * (last - 3), value])
        ws.cell(row=ws.max_row, column=2).font = Font(bold=True)
        if number_format:
            _formats(ws, ws.max_row, {last: number_format})


def skm_xlsx(report, *, office: str = "", period: str = "") -> bytes:
    """The SKM report (reports/skm_report.py) as one sheet: per element, in the office's order,
    its label, how many answered 1, 2, 3 and 4, its NRR and NRR × 1/9; then the index, the
    converted index, the class and the number of respondents, the office and the period."""

    result = report.ikm
    headers = [_("No."), _("Element"),
               *[_("Answer %(value)s", value=value) for value in skm.SCALE],
               _("Average value (NRR)"), _("Weighted NRR (NRR × 1/9)")]
    wb, ws = _workbook(_("SKM report"), headers, [6, 45, 11, 11, 11, 11, 22, 22])
    for row in report.rows:
        _append(ws, [f"U{row.number}", str(row.label), *row.counts, row.nrr, row.weighted])
        _formats(ws, ws.max_row, {7: "0.000", 8: "0.0000"})
    _ikm_summary(ws, result, office, period, last=len(headers))
    return _save(wb)
