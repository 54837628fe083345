"""Bulk entry of MS-Var and MS-Ind: the blank spreadsheet template, and reading a filled one.

Agencies list 50-300 variables in a spreadsheet. ``template()`` is an .xlsx with a sheet per
table (one column per field of the form's definition, Indonesian headings, a row of help under
them, drop-downs of the Indonesian labels for every choice) and a sheet of instructions.
``read()`` takes a filled one back: labels (or codes) become codes, "Ya"/"Tidak" booleans,
numbers in text columns text, and every row goes through the front door's own rules
(``request_commands.clean_rows``). Any problem anywhere refuses the whole file with every
problem named by sheet, row and column (``SheetError``): the caller imports all or nothing.

A workbook is read, never run: formulas are not evaluated (their saved value is taken, or the
cell refused), and the zip container is checked before openpyxl opens it.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
import zlib

from flask import current_app, has_app_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell.read_only import EMPTY_CELL
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from app.core.errors import DomainError
from app.requests import commands as request_commands
from app.requests import uploads
from app.requests.form import YES_NO, text_limit

XLSX_MIMETYPE = uploads.TYPES["xlsx"]
FILENAME = "template-metadata-rekomstat.xlsx"

# The sheets' names are the template's own, Indonesian whatever the user's language: the file
# is BPS's form, and reading it back finds its sheets by these names.
VARIABLE_SHEET = "Variabel"
INDICATOR_SHEET = "Indikator"
GUIDE_SHEET = "Petunjuk"
LISTS_SHEET = "Daftar"
HEADER_ROW, HELP_ROW, FIRST_ROW = 1, 2, 3


class _Table:
    def __init__(self, sheet: str, rows: request_commands.RowTable):
        self.sheet, self.rows, self.fields = sheet, rows, rows.fields


TABLES = (_Table(VARIABLE_SHEET, request_commands.VARIABLE_ROWS),
          _Table(INDICATOR_SHEET, request_commands.INDICATOR_ROWS))

# Guards against a file that is no template: a real one holds a few dozen zip members and,
# at 300 rows of 2 000 characters a cell, some 10 MB of XML.
MAX_ZIP_MEMBERS = 500
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_HEADER_COLUMNS = 64
EXCEL_MAX_ROWS = 1_048_576
MAX_PRESENT_ROWS = 5000  # rows a sheet's file holds, blank ones too (the template has 202)
_NO_DTD = (b"<!DOCTYPE", b"<!ENTITY")  # OOXML never declares any: refused, not parsed
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a cell's <f> element

# Control characters a spreadsheet may carry (as _x0001_ escapes) that no one typed: line
# breaks become "\n", the rest is dropped (PostgreSQL stores no NUL; PDFs and XML none at all).
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_SPACES = re.compile(r"\s+")

# Users' texts of the template (English msgids; the file is written in Indonesian).
REQUIRED = _l("Required.")
FROM_LIST = _l("Choose from the list.")
YES_OR_NO = _l("Choose Yes or No from the list.")
SEVERAL = _l("One or more of: %(labels)s; separate them with commas.")
NOT_IN_LIST = _l("Not in the list")
GUIDE_TITLE = _l("Template for variables (MS-Var) and indicators (MS-Ind) of a request")
GUIDE_LINES = (
    _l("Fill in one variable per row on the sheet Variabel, and one indicator per row on the "
       "sheet Indikator, starting at row 3."),
    _l("Do not change row 1 (the column headings) or row 2 (the help under them). Columns "
       "marked * must be filled in on every row used."),
    _l("Columns with a list (data type, composite indicator, periodicity, public) are filled "
       "by choosing from the drop-down list in the cell."),
    _l("Estimation level: one or more of the options, separated by commas, e.g. Nasional, "
       "Provinsi."),
    _l("Value domain: one \"code = label\" per line or separated by semicolons, e.g. "
       "1 = Laki-laki; 2 = Perempuan."),
    _l("At most %(variables)d variables and %(indicators)d indicators, in one .xlsx file of at "
       "most %(mb)d MB."),
    _l("Type values, not formulas: formulas are not calculated when the file is read."),
    _l("Upload the file on the request form (the Variables section). The file replaces all the "
       "request's variables and indicators. If anything is wrong nothing is saved, and every "
       "problem is named with its sheet, row and column."),
)

# Refusals.
NOT_XLSX = _l("The file %(name)s is not an Excel workbook (.xlsx). Download the template, "
              "fill it in and upload it again.")
DAMAGED = _l("The file %(name)s cannot be read as an Excel workbook: it is damaged, or too "
             "large once unpacked.")
SHEET_MISSING = _l("The sheet %(sheet)s is missing: please use the template from Rekomstat.")
SHEET_TOO_LARGE = _l("The sheet %(sheet)s is too large to be a sheet of the template.")
UNKNOWN_HEADING = _l("Sheet %(sheet)s, column %(column)s: the heading \"%(heading)s\" is not "
                     "one of the template's; please use the template from Rekomstat.")
MISSING_HEADING = _l("Sheet %(sheet)s: the column \"%(label)s\" is missing; please use the "
                     "template from Rekomstat.")
TWICE = _l("Sheet %(sheet)s, column %(column)s: the column \"%(label)s\" appears twice.")
TOO_MANY_ROWS = _l("Sheet %(sheet)s has %(count)d filled rows; at most %(max)d are allowed.")
CELL = _l("Sheet %(sheet)s, row %(row)d, column %(column)s (%(label)s): %(message)s")
MUST_FILL = _l("This column must be filled in.")
FORMULA_WITHOUT_VALUE = _l("A formula without a saved value; type the value instead.")
ERROR_CELL = _l("The cell shows an error (%(error)s); type the value instead.")
NOTHING = _l("The file holds no variable and no indicator.")


class SheetError(DomainError):
    """A refused spreadsheet: ``messages`` lists every problem; nothing was imported."""

    def __init__(self, messages, status: int = 422):
        self.messages = [str(m) for m in messages]
        super().__init__(self.messages[0], status=status)


# --- the template ------------------------------------------------------------------------------


def _choices(f) -> dict:
    return YES_NO if f.kind == "bool" else f.choices


def _help(f, table: _Table) -> str:
    parts = [str(REQUIRED)] if f.required else []
    if f.help:
        parts.append(str(f.help))
    if f.kind == "select":
        parts.append(str(FROM_LIST))
    elif f.kind == "bool":
        parts.append(str(YES_OR_NO))
    elif f.kind == "multi":
        parts.append(str(SEVERAL % {"labels": ", ".join(str(v) for v in f.choices.values())}))
    else:
        limit = text_limit(f.name, table.rows.model.__table__) or request_commands.TEXT_LIMIT
        parts.append(str(request_commands.TOO_LONG % {"max": limit}))
    return " ".join(parts)


def _width(f) -> int:
    if f.kind == "textarea":
        return 45
    if f.name == "name":
        return 32
    return 22


_HEADING_FONT = Font(bold=True, color="FFFFFF")
_HEADING_FILL = PatternFill("solid", fgColor="1F4E79")
_HELP_FONT = Font(italic=True, color="595959", size=9)
_HELP_FILL = PatternFill("solid", fgColor="F2F2F2")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _lists_sheet(wb) -> dict:
    """The hidden sheet of the drop-downs' labels, one column per list; a list's range by the
    id of its choices (a list formula holds at most 255 characters: a range has no limit)."""
    ws = wb.create_sheet(LISTS_SHEET)
    ranges = {}
    column = 0
    for table in TABLES:
        for f in table.fields:
            choices = _choices(f)
            if f.kind not in ("select", "multi", "bool") or id(choices) in ranges:
                continue
            column += 1
            letter = get_column_letter(column)
            heading = f.label if f.kind != "bool" else f"{YES_NO['1']} / {YES_NO['0']}"
            ws.cell(1, column, str(heading)).font = Font(bold=True)
            for row, label in enumerate(choices.values(), start=2):
                ws.cell(row, column, str(label))
            ws.column_dimensions[letter].width = 30
            ranges[id(choices)] = (f"{LISTS_SHEET}!${letter}$2:${letter}${len(choices) + 1}")
    ws.sheet_state = "hidden"
    return ranges


def _data_sheet(wb, table: _Table, ranges: dict) -> None:
    ws = wb.create_sheet(table.sheet)
    last = FIRST_ROW + table.rows.limit - 1
    for column, f in enumerate(table.fields, start=1):
        letter = get_column_letter(column)
        heading = ws.cell(HEADER_ROW, column, str(f.label) + (" *" if f.required else ""))
        heading.font, heading.fill, heading.alignment = _HEADING_FONT, _HEADING_FILL, _WRAP
        help_text = _help(f, table)
        cell = ws.cell(HELP_ROW, column, help_text)
        cell.font, cell.fill, cell.alignment = _HELP_FONT, _HELP_FILL, _WRAP
        heading.comment = Comment(help_text[:2000], "Rekomstat", width=300, height=120)
        dimension = ws.column_dimensions[letter]
        dimension.width = _width(f)
        if f.kind not in ("select", "multi", "bool"):
            # Text as typed: Excel keeps an item number 101 or "01" as text, not a number.
            dimension.number_format = "@"
            continue
        choices = _choices(f)
        # A multi-choice cell takes several labels typed with commas: its list only helps.
        strict = f.kind != "multi"
        validation = DataValidation(
            type="list", formula1=ranges[id(choices)], allow_blank=True,
            showErrorMessage=strict, showInputMessage=True,
            errorTitle=str(NOT_IN_LIST)[:32], error=str(request_commands.NOT_A_CHOICE)[:255],
            promptTitle=str(f.label)[:32], prompt=help_text[:255])
        validation.add(f"{letter}{FIRST_ROW}:{letter}{last}")
        ws.add_data_validation(validation)
    ws.row_dimensions[HELP_ROW].height = 75
    ws.freeze_panes = ws.cell(FIRST_ROW, 2)  # headings, help and the name stay in view


def _guide_sheet(wb) -> None:
    ws = wb.active
    ws.title = GUIDE_SHEET
    ws.column_dimensions["A"].width = 110
    title = ws.cell(1, 1, str(GUIDE_TITLE))
    title.font = Font(bold=True, size=13)
    mb = _max_mb()
    for row, line in enumerate(GUIDE_LINES, start=3):
        text = str(line) % {"variables": request_commands.MAX_VARIABLES,
                            "indicators": request_commands.MAX_INDICATORS, "mb": mb} \
            if "%(" in str(line) else str(line)
        cell = ws.cell(row, 1, f"{row - 2}. {text}")
        cell.alignment = _WRAP


def template() -> bytes:
    """The blank template as .xlsx bytes, in Indonesian whatever the user's language."""
    with force_locale("id"):
        wb = Workbook()
        _guide_sheet(wb)
        ranges = _lists_sheet(wb)
        for table in TABLES:
            _data_sheet(wb, table, ranges)
        # The lists' sheet last, out of the way (hidden as well).
        wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
        wb.active = 0
        out = io.BytesIO()
        wb.save(out)
    return out.getvalue()


# --- reading a filled one ----------------------------------------------------------------------


def _max_mb() -> int:
    return current_app.config.get("MAX_UPLOAD_MB", 10) if has_app_context() else 10


def _norm(text) -> str:
    """A heading or a choice as compared: case, spacing and a trailing * do not matter."""
    return _SPACES.sub(" ", str(text)).strip().rstrip("*").strip().casefold()


def _in_both_languages(label) -> list[str]:
    found = []
    for locale in ("id", "en"):
        with force_locale(locale):
            found.append(str(label))
    return found


def _headings(fields) -> dict:
    """Normalised heading -> field: the label in Indonesian or English, or the field's name."""
    result = {}
    for f in fields:
        for text in [*_in_both_languages(f.label), f.name]:
            result.setdefault(_norm(text), f)
    return result


def _codes(choices: dict) -> dict:
    """Normalised label or code -> code."""
    result = {}
    for code, label in choices.items():
        for text in [*_in_both_languages(label), code]:
            result.setdefault(_norm(text), code)
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = str(YES_NO["1" if value else "0"])
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        # Excel stores every number as a float: item 101 is "101", not "101.0".
        text = str(int(value)) if value.is_integer() else f"{value:.15g}"
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() \
            else value.isoformat(sep=" ", timespec="minutes")
    elif isinstance(value, (dt.date, dt.time)):
        text = value.isoformat()
    else:
        text = str(value)
    text = _CONTROL.sub("", _LINE_BREAKS.sub("\n", text))
    return text.strip()


def _value(f, value, codes: dict):
    """A cell's value as the front door takes it: codes for choices, "1"/"0" for yes/no,
    text for the rest. What matches nothing is passed on as typed, for the rules to refuse."""
    if f.kind == "bool" and isinstance(value, bool):
        return "1" if value else "0"
    if f.kind == "bool" and isinstance(value, (int, float)) and value in (0, 1):
        return "1" if value else "0"
    text = _text(value)
    if not text:
        return None
    if f.kind in ("select", "bool"):
        return codes.get(_norm(text), text)
    if f.kind == "multi":
        parts = [part for part in re.split(r"[,;\n]", text) if part.strip()]
        return ",".join(codes.get(_norm(part), part.strip()) for part in parts)
    return text


def _inspect(data: bytes):
    """None for a zip openpyxl must not open (too many members, too large once unpacked, a DTD
    anywhere), else whether a sheet holds formulas. zipfile stops at each member's declared
    size (a longer one fails its CRC), so the declared sizes bound what is unpacked."""
    formulas = False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                return None
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                return None
            for member in members:
                if member.filename.endswith((".xml", ".rels")):
                    content = archive.read(member)
                    if any(mark in content for mark in _NO_DTD):
                        return None
                    if member.filename.startswith("xl/worksheets/"):
                        formulas = formulas or _FORMULA.search(content) is not None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
            OSError, EOFError, ValueError):
        return None
    return formulas


def _open(data: bytes, name: str, formulas: bool):
    """The workbook as written (formulas as formulas) and, when it has formulas, as last saved
    (their cached values). Read-only: rows are streamed, never held as a whole sheet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on extensions it drops
            written = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            saved = load_workbook(io.BytesIO(data), read_only=True, data_only=True) \
                if formulas else None
    except Exception:  # openpyxl raises anything from KeyError to its own on a damaged file
        raise SheetError([str(DAMAGED % {"name": name})]) from None
    return written, saved


def _sheet(wb, title: str):
    for sheet_name in wb.sheetnames:
        if sheet_name.strip().casefold() == title.casefold():
            return wb[sheet_name]
    return None


def _cell_message(table: _Table, row: int, column: int, f, message) -> str:
    message = str(message)
    return str(CELL % {"sheet": table.sheet, "row": row, "column": get_column_letter(column),
                       "label": str(f.label), "message": message[:1].lower() + message[1:]})


def _read_headings(ws, table: _Table, problems: list) -> dict:
    """Column number -> field, from the heading row; every heading of the template present
    once, nothing else."""
    known = _headings(table.fields)
    columns, seen = {}, {}
    first = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW,
                              max_col=MAX_HEADER_COLUMNS), ())
    for column, cell in enumerate(first, start=1):
        text = _text(cell.value) if cell.value is not None else ""
        if not text:
            continue
        f = known.get(_norm(text))
        letter = get_column_letter(column)
        if f is None:
            problems.append(str(UNKNOWN_HEADING % {"sheet": table.sheet, "column": letter,
                                                   "heading": text[:80]}))
        elif f.name in seen:
            problems.append(str(TWICE % {"sheet": table.sheet, "column": letter,
                                         "label": str(f.label)}))
        else:
            seen[f.name] = column
            columns[column] = f
    for f in table.fields:
        if f.name not in seen:
            problems.append(str(MISSING_HEADING % {"sheet": table.sheet,
                                                   "label": str(f.label)}))
    return columns


def _is_help_row(values: dict, table: _Table) -> bool:
    """Row 2 as the template wrote it (the help under each heading), in either language."""
    filled = {name: _norm(_text(v)) for name, v in values.items() if v is not None and _text(v)}
    if not filled:
        return False
    helps = {}
    for locale in ("id", "en"):
        with force_locale(locale):
            for f in table.fields:
                helps.setdefault(f.name, set()).add(_norm(_help(f, table)))
    return all(text in helps[name] for name, text in filled.items())


def _read_table(written, saved, table: _Table, problems: list) -> list[dict]:
    ws = _sheet(written, table.sheet)
    if ws is None:
        problems.append(str(SHEET_MISSING % {"sheet": table.sheet}))
        return []
    before = len(problems)
    columns = _read_headings(ws, table, problems)
    if len(problems) > before:
        return []  # not the template's columns: its rows would be read wrongly
    # The dimension a file states may be stale: read every row it has.
    ws.reset_dimensions()
    width = max(columns)
    codes = {f.name: _codes(_choices(f)) for f in table.fields
             if f.kind in ("select", "multi", "bool")}
    fields = {f.name: f for f in table.fields}
    by_name = {f.name: column for column, f in columns.items()}
    rows, count = [], 0
    rows_written = ws.iter_rows(min_row=HELP_ROW, max_col=width)
    ws_saved = _sheet(saved, table.sheet) if saved is not None else None
    if ws_saved is None:  # no formula anywhere: nothing to look up
        pairs = ((cells, ()) for cells in rows_written)
    else:
        ws_saved.reset_dimensions()
        pairs = zip(rows_written, ws_saved.iter_rows(min_row=HELP_ROW, max_col=width))
    present, padding = 0, None  # openpyxl yields one tuple for every row the file leaves out
    for number, (cells, saved_cells) in enumerate(pairs, start=HELP_ROW):
        if number > EXCEL_MAX_ROWS:
            problems.append(str(SHEET_TOO_LARGE % {"sheet": table.sheet}))
            return []
        if cells is padding:
            continue  # a million of them cost a fraction of a second
        present += 1
        if present > MAX_PRESENT_ROWS:  # rows in the file, blank or not: parsing costs
            problems.append(str(SHEET_TOO_LARGE % {"sheet": table.sheet}))
            return []
        if all(cell is EMPTY_CELL for cell in cells):
            padding = cells
            continue
        raw, cell_problems, unreadable = {}, [], set()
        for column, f in columns.items():
            cell = cells[column - 1] if column - 1 < len(cells) else None
            value = getattr(cell, "value", None)
            kind = getattr(cell, "data_type", None)
            if kind == "f":  # never evaluated: the value the spreadsheet saved, or refused
                saved_cell = saved_cells[column - 1] if column - 1 < len(saved_cells) else None
                value = getattr(saved_cell, "value", None)
                kind = getattr(saved_cell, "data_type", None)
                if value is None:
                    cell_problems.append(_cell_message(table, number, column, f,
                                                       FORMULA_WITHOUT_VALUE))
                    unreadable.add(f.name)
                    continue
            if kind == "e":
                cell_problems.append(_cell_message(
                    table, number, column, f, ERROR_CELL % {"error": str(value)[:20]}))
                unreadable.add(f.name)
                continue
            raw[f.name] = value
        if number == HELP_ROW and not unreadable and _is_help_row(raw, table):
            continue
        converted = {name: _value(fields[name], v, codes.get(name, {}))
                     for name, v in raw.items()}
        if not unreadable and not any(v not in (None, "") for v in converted.values()):
            continue  # a blank row
        count += 1
        if count > table.rows.limit:
            continue  # counted only: the whole sheet is refused below
        problems += cell_problems
        kept, errors = request_commands.clean_rows([converted], table.rows)
        for key, messages in errors.items():
            name = key.rsplit("-", 1)[-1]
            column, f = by_name.get(name), fields.get(name)
            if name in unreadable:
                continue  # said above
            if column is None or f is None:
                problems += [str(m) for m in messages]
                continue
            if name == "name" and not converted.get("name"):
                messages = [MUST_FILL]  # not "variable 1": the sheet's row says which
            problems += [_cell_message(table, number, column, f, m) for m in messages]
        if kept:
            rows.append(kept[0])
    if count > table.rows.limit:
        problems.append(str(TOO_MANY_ROWS % {"sheet": table.sheet, "count": count,
                                             "max": table.rows.limit}))
    return rows


def read(stream, name: str | None = None) -> tuple[list[dict], list[dict]]:
    """The variables and indicators of a filled template, as the front door takes them
    (``request_commands.update(..., variables=, indicators=)``), or SheetError with every
    problem. ``stream``: a binary file (an uploaded FileStorage's name is used when ``name`` is
    not given) or bytes."""
    if name is None:
        name = getattr(stream, "filename", None) or getattr(stream, "name", None) or ""
    shown = uploads.display_name(str(name)) if name else "template"
    limit = _max_mb() * 1024 * 1024
    if isinstance(stream, (bytes, bytearray)):
        data = bytes(stream[: limit + 1])
    else:
        stream = getattr(stream, "stream", stream)
        data = stream.read(limit + 1)
    if not data:
        raise SheetError([_("The file %(name)s is empty.", name=shown)])
    if len(data) > limit:
        raise SheetError([_("The file %(name)s is larger than %(mb)d MB.", name=shown,
                            mb=_max_mb())])
    named_xlsx = not name or str(name).lower().endswith(".xlsx")
    if not named_xlsx or uploads.detect(data) != {"xlsx"}:
        raise SheetError([str(NOT_XLSX % {"name": shown})])
    formulas = _inspect(data)
    if formulas is None:
        raise SheetError([str(DAMAGED % {"name": shown})])
    written, saved = _open(data, shown, formulas)
    problems: list[str] = []
    try:
        tables = [_read_table(written, saved, table, problems) for table in TABLES]
    except SheetError:
        raise
    except Exception:  # a damaged sheet found while streaming its rows
        raise SheetError([str(DAMAGED % {"name": shown})]) from None
    finally:
        written.close()
        if saved is not None:
            saved.close()
    if problems:
        raise SheetError(problems)
    variables, indicators = tables
    if not variables and not indicators:
        raise SheetError([str(NOTHING)])
    return variables, indicators
