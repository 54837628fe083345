"""Satu Data metadata exports (issue 22) walked in headless Chromium:

(a) an officer of office X opens "Metadata Satu Data" from the menu, chooses a period, sees
    the requests of her office submitted in it (not office Y's, not a draft), downloads the
    INDAH workbook and the DDI codebooks for the period and one request's workbook — each
    opened as a person would (openpyxl, zipfile, lxml);
(b) a period typed wrong (30 February, the end before the start): the page says why in
    Indonesian, offers no download, nothing breaks;
(c) an applicant: no menu entry, and the address refused.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/metadata-exports when set, else
into the test's temporary folder.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import threading
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook
from test_metadata_exports import register_and_grant
from test_outbox import free_port
from werkzeug.serving import make_server

from app import models as m
from app.core import codes
from browser.people import STAFF, Person, shots_folder, windows

from conftest import OFFICE_X, OFFICE_Y, app_config, database_url

pytestmark = pytest.mark.browser

FROM, TO = "2053-05-01", "2053-05-31"  # no other test submits anything in May 2053


class Officer(Person):
    broken = Person.broken + ("DataError", "psycopg", "sqlite3")


@contextlib.contextmanager
def _serving(app):
    """The app served on loopback with CSRF on (as tests/browser/conftest.py's ``serving``),
    the metadata screen and API registered on it if the registry does not list them yet."""
    from app import create_app

    register_and_grant(app)  # the permissions, in the shared test database
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    live = create_app({**app_config(database_url()), "WTF_CSRF_ENABLED": True,
                       "TESTING": False, "PUBLIC_BASE_URL": base})
    register_and_grant(live)
    server = make_server("127.0.0.1", port, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def base(app, world):
    with _serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def data(app, world):
    """Office X: a survey submitted in May 2053 with variables and an indicator, and a draft;
    office Y: a request of the same month."""
    with app.app_context():
        session = app.appbuilder.session

        def make(office, title, state="submitted", submitted=dt.datetime(2053, 5, 6, 3),
                 applicant="applicant_a", **values):
            req = m.ActivityRequest(
                tracking_code=codes.tracking_code("RKS"), office_id=world.offices[office],
                applicant_id=world.users[applicant], state=state, title=title, year=2053,
                kind="survey", agency_name="Dinas Kesehatan Kota Lubuklinggau",
                submitted_at=submitted, **values)
            session.add(req)
            session.flush()
            return req

        survey = make(OFFICE_X, "Survei Gizi Balita Kota Lubuklinggau 2053", sector="health",
                      frequency="yearly", presentation_level="regency,district",
                      collection_start=dt.date(2053, 7, 1), collection_end=dt.date(2053, 8, 31))
        session.add_all([
            m.RequestVariable(request=survey, position=1, name="Berat badan", unit="kg",
                              data_type="decimal", public=True),
            m.RequestVariable(request=survey, position=2, name="=HYPERLINK(\"http://x\")"),
            m.RequestIndicator(request=survey, position=1, name="Prevalensi gizi kurang",
                               estimation_level="regency", periodicity="yearly"),
        ])
        draft = make(OFFICE_X, "Draf Survei Rahasia", state="draft", submitted=None)
        other = make(OFFICE_Y, "Survei Kantor Palembang", applicant="applicant_b")
        session.commit()
        return {"survey": (survey.id, survey.tracking_code), "draft": draft.tracking_code,
                "other": other.tracking_code}


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "metadata-exports")


@pytest.fixture
def people(browser, base, folder):
    yield from windows(lambda who: Officer(browser, base, folder, who, STAFF))


def _download(page, selector: str, tmp_path: Path):
    with page.expect_download() as download:
        page.locator(selector).first.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return download.value.suggested_filename, path


def test_an_officer_downloads_the_period(people, data, tmp_path):
    officer = people("petugas")
    officer.log_in("officer_x")
    # From the menu, as a person finds it: "Layanan" → "Metadata Satu Data".
    officer.goto("/admin/")
    officer.page.get_by_role("link", name="Layanan").first.click()
    officer.page.get_by_role("link", name="Metadata Satu Data").click()
    officer.page.wait_for_url("**/metadata/**")
    officer.shot("metadata-page")
    assert "Metadata Satu Data" in officer.main_text()

    officer.page.fill("#from", FROM)
    officer.page.fill("#to", TO)
    with officer.page.expect_navigation():
        officer.page.get_by_role("button", name="Tampilkan permohonan").click()
    officer.shot("period-chosen")
    text = officer.main_text()
    survey_id, survey_code = data["survey"]
    assert survey_code in text and "Survei Gizi Balita" in text
    assert data["other"] not in text and data["draft"] not in text
    assert officer.page.locator("#metadata-requests tbody tr").count() == 1

    name, path = _download(officer.page, "#download-indah", tmp_path)
    assert name == f"metadata-indah_{OFFICE_X}_{FROM}_{TO}.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["MS-Keg", "MS-Var", "MS-Ind"]
    keg = list(wb["MS-Keg"].iter_rows(values_only=True))
    headers = keg[0]
    assert headers[:2] == ("Nomor rekomendasi", "Kode pelacakan")
    assert [row[1] for row in keg[1:]] == [survey_code]
    row = dict(zip(headers, keg[1]))
    assert row["Sektor (kode BPS)"] == 9 and row["Sektor (keterangan)"] == "Kesehatan"
    assert row["Tingkat penyajian (kode BPS)"] == 12
    assert isinstance(row["Pengumpulan data: mulai"], dt.datetime)
    variables = list(wb["MS-Var"].iter_rows(values_only=True))
    assert [v[3] for v in variables[1:]] == ["Berat badan", "'=HYPERLINK(\"http://x\")"]
    indicators = list(wb["MS-Ind"].iter_rows(values_only=True))
    assert len(indicators) == 2 and "Prevalensi gizi kurang" in indicators[1]

    name, path = _download(officer.page, "#download-ddi", tmp_path)
    assert name == f"metadata-ddi_{OFFICE_X}_{FROM}_{TO}.zip"
    with zipfile.ZipFile(path) as z:
        (member,) = z.namelist()
        doc = etree.fromstring(z.read(member))
    assert doc.findtext(".//{ddi:codebook:2_5}titl") == "Survei Gizi Balita Kota Lubuklinggau 2053"

    name, path = _download(officer.page, f"tr[data-request='{survey_id}'] a.indah-one", tmp_path)
    assert name == f"{survey_code}.xlsx"
    assert [r[1] for r in load_workbook(io.BytesIO(path.read_bytes()))["MS-Keg"].iter_rows(
        min_row=2, values_only=True)] == [survey_code]
    officer.shot("after-downloads")


@pytest.mark.parametrize("start, end, message", [
    ("2053-02-30", TO, "tahun-bulan-tanggal"),
    (TO, FROM, "Akhir periode tidak boleh sebelum awal periode."),
])
def test_a_wrong_period_is_explained(people, data, start, end, message):
    officer = people("petugas-salah")
    officer.log_in("officer_x")
    # Typed in the address (a date picker lets no 30 February through).
    officer.goto(f"/metadata/?from={start}&to={end}")
    officer.shot("wrong-period")
    assert message in officer.page.locator("#period-errors").inner_text()
    assert officer.page.locator("#download-indah").count() == 0
    response = officer.page.goto(f"{officer.base}/metadata/indah.xlsx?from={start}&to={end}")
    assert response.status == 200 and "/metadata/?" in officer.page.url
    assert message in officer.page.locator("#period-errors").inner_text()


def test_an_applicant_has_no_entry_and_is_refused(people, data):
    applicant = people("pemohon")
    applicant.log_in("applicant_a")
    applicant.shot("portal")
    assert applicant.page.locator("a[href*='/metadata/']").count() == 0
    assert "Metadata Satu Data" not in applicant.page.locator("body").inner_text()
    response = applicant.page.goto(f"{applicant.base}/metadata/?from={FROM}&to={TO}")
    assert response.status == 403
    applicant.shot("refused")
    assert data["survey"][1] not in applicant.page.locator("body").inner_text()
    response = applicant.page.goto(f"{applicant.base}/metadata/indah/{data['survey'][0]}.xlsx")
    assert response.status == 403
