"""One rule for every spreadsheet the app hands out: text someone typed never runs as a formula.

The Excel files of reports/exports.py and the CSV files of the guest book (frontoffice/views.py)
and the open catalogue (catalogue/api.py) put titles, agencies, names and purposes that applicants
and visitors wrote into cells. A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (OWASP's "CSV injection"); ``=HYPERLINK("http://…"&A2,"Klik")``
would send the sheet's data away. Such text gets a leading apostrophe and stays visible as text.
"""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Digits, spaces, brackets, dots and dashes cannot call anything: a phone number such as
# "+62 733 323693" or a negative figure typed as text stays as it was written.
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9 ().-]*$")


def safe_text(text: str) -> str:
    """``text``, with a leading apostrophe where a spreadsheet would see a formula."""
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def cell(value):
    """A value for a spreadsheet cell: text made safe; numbers, dates, booleans and None as
    they are (a negative number is a number, not a formula)."""
    return safe_text(value) if isinstance(value, str) else value
