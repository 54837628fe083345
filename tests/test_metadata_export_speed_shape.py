"""What the period exports' speed-ups (issue 22; bench/bench_metadata_exports.py) must not
change: a period's file holds, for each request, exactly what that request's own file holds.

- DDI: the labels are translated once per zip (ddi._LABELS) instead of at every element; each
  codebook of the period's zip is byte for byte the request's own ``codebook()``, Indonesian
  whatever the caller's language;
- INDAH: the workbook is zipped with deflate's fastest level by our own archive (indah._save);
  it is a sound zip that openpyxl reads back, and the period's sheets are the requests' own
  rows one after the other.
"""
from __future__ import annotations

import io
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from test_ddi import DAY, INDICATORS, VARIABLES, add_rows, survey

from app.metadata import ddi, indah


@pytest.fixture
def session(app):
    with app.app_context():
        yield app.appbuilder.session


@pytest.fixture
def two(session, world, wf):
    a = add_rows(session, survey(session, world, wf), VARIABLES, INDICATORS)
    b = add_rows(session, survey(session, world, wf, kind="compilation", title="Kompilasi"),
                 VARIABLES[:1], INDICATORS[:1])
    return a, b


def test_each_codebook_of_the_zip_is_the_requests_own_in_indonesian(app, two):
    a, b = two
    with app.test_request_context("/"):
        alone = [ddi.codebook(req, produced=DAY) for req in two]
        with force_locale("en"):  # the caller's language changes nothing
            data = ddi.codebooks_zip(two, produced=DAY)
            in_english = ddi.codebook(a, produced=DAY)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert [archive.read(name) for name in archive.namelist()] == alone
    assert in_english == alone[0]
    text = alone[0].decode()
    # Labels and yes/no in Indonesian, read where the codebook writes them.
    assert "Publik: Ya" in text and "Jenis kelamin" in text
    assert "Public:" not in text and ": Yes" not in text


def _sheets(data: bytes) -> dict:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
            for ws in wb.worksheets}


def test_the_period_workbook_is_the_requests_own_rows_in_turn(app, two):
    with app.test_request_context("/"):
        period = indah.workbook(two, tz="Asia/Jakarta")
        own = [indah.workbook([req], tz="Asia/Jakarta") for req in two]
    with zipfile.ZipFile(io.BytesIO(period)) as archive:
        assert archive.testzip() is None
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    sheets, parts = _sheets(period), [_sheets(data) for data in own]
    assert list(sheets) == list(indah.SHEETS)
    for title in indah.SHEETS:
        assert sheets[title][0] == parts[0][title][0]  # the same headers
        assert sheets[title][1:] == parts[0][title][1:] + parts[1][title][1:]
    assert len(sheets["MS-Var"]) == 1 + len(VARIABLES) + 1
    assert len(sheets["MS-Ind"]) == 1 + len(INDICATORS) + 1
