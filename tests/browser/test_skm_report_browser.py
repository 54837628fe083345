"""The SKM report (issue 24) walked in headless Chromium by the officer and the head of office
1687 (tests/test_skm_report.py's office and answers):

1. from the menu "Dasbor" → "Dasbor layanan", the link to the SKM report; the presets of 2031
   (Triwulan I, Semester 1, Tahun, an empty Triwulan III) and a year back; the figures on the
   page are the independent computation's; the PDF and the Excel file downloaded as a person
   does and opened (pypdf, openpyxl);
2. a period typed wrong: the page says so in Indonesian and shows the current quarter;
3. the same report on a phone-width window: nothing wider than the screen but the table's own
   scroller, the charts scaled down.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/skm-report when set, else the
test's temporary folder.
"""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from test_skm_report import EXPECTED, HEAD, OFFICE_NAME, OFFICER, set_up_office

from browser.people import PHONE, STAFF, Person, shots_folder, windows

pytestmark = pytest.mark.browser

ENGLISH = re.compile(r"\b(Quarter|Year|Respondents|Element|Weighted|Average|Download|"
                     r"Service quality|Show report|None)\b")


class Staff(Person):
    broken = (*Person.broken, "DataError", "psycopg", "sqlite3", "None None")

    def check(self, path):
        super().check(path)
        english = sorted(set(ENGLISH.findall(self.main_text())))
        assert not english, f"{path}: English words on the screen: {english}"

    def preset(self, label: str):
        with self.page.expect_navigation():
            self.page.locator("#skm-presets a").filter(
                has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()

    def figure(self, selector: str) -> str:
        return self.page.locator(selector).inner_text().strip()


@pytest.fixture(scope="module")
def site(app, world):
    return set_up_office(app, world)


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "skm-report")


@pytest.fixture
def people(browser, folder):
    yield from windows(lambda base, who, viewport=STAFF: Staff(
        browser, base, folder, who, viewport))


def _download(person: Staff, selector: str, tmp_path):
    with person.page.expect_download() as download:
        person.page.locator(selector).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path


@pytest.mark.parametrize("username", [OFFICER, HEAD])
def test_staff_open_the_report_switch_presets_and_download(
        app, site, live_server, people, tmp_path, username):
    person = people(live_server, f"1-{username.split('.')[0]}")
    person.log_in(username)
    person.menu("Dasbor", "Dasbor layanan")
    person.shot("dasbor")
    with person.page.expect_navigation():
        person.page.locator("#skm-report-link").click()
    assert "/dashboard/skm" in person.page.url
    assert "Laporan Survei Kepuasan Masyarakat (SKM)" in person.main_text()
    assert OFFICE_NAME in person.main_text()
    person.shot("triwulan-berjalan")

    # To 2031: step back a year at a time from today's year, as a person would.
    while person.figure("#year-current") != "2031":
        current = int(person.figure("#year-current"))
        with person.page.expect_navigation():
            person.page.locator("#year-prev" if current > 2031 else "#year-next").click()
    person.preset("Triwulan I")
    assert "Triwulan I 2031" in person.figure("#skm-period")
    assert person.figure("#skm-converted") == "81,35"
    assert person.figure("#skm-grade") == "B"
    assert person.figure("#skm-grade-label") == "Baik"
    assert person.figure("#skm-respondents") == "7"
    for i in range(9):
        row = person.page.locator(f"#skm-table tr[data-element='{i + 1}']")
        counts = row.locator("td[data-answer]").all_inner_texts()
        assert [c.strip() for c in counts] == [str(c) for c in EXPECTED["counts"][i]]
    assert person.page.locator("#skm-nrr-chart rect").count() == 9
    assert person.page.locator("#skm-answer-charts figure").count() == 9
    person.shot("triwulan-1")

    person.preset("Semester 1")
    assert "Semester 1 2031" in person.figure("#skm-period")
    assert person.figure("#skm-respondents") == "8"  # with 1 April, 00:30 WIB
    person.shot("semester-1")
    person.preset("Tahun")
    assert "Tahun 2031" in person.figure("#skm-period")
    person.shot("tahun")
    person.preset("Triwulan III")
    assert person.figure("#skm-respondents") == "0"
    assert "Belum ada penilaian dalam periode ini." in person.main_text()
    person.shot("triwulan-3-kosong")

    person.preset("Triwulan I")
    pdf = _download(person, "#skm-pdf", tmp_path)
    assert pdf.name == "skm_1687_2031-01-01_2031-03-31.pdf"
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "81,35" in text and "Mutu pelayanan: B" in text

    xlsx = _download(person, "#skm-xlsx", tmp_path)
    assert xlsx.name == "skm_1687_2031-01-01_2031-03-31.xlsx"
    rows = list(load_workbook(io.BytesIO(xlsx.read_bytes())).active.iter_rows(values_only=True))
    assert rows[1][:6] == ("U1", "Persyaratan", *EXPECTED["counts"][0])
    assert any(r[1] == "IKM konversi (IKM × 25)" and r[-1] == 81.35 for r in rows)


def test_a_period_typed_wrong_is_said_in_indonesian(app, site, live_server, people):
    person = people(live_server, "2-petugas")
    person.log_in(OFFICER)
    person.goto("/dashboard/skm")
    person.page.fill("#start", "2031-03-31")
    person.page.fill("#end", "2031-01-01")  # before the start
    with person.page.expect_navigation():
        person.page.locator("#skm-filter button[type=submit]").click()
    assert any("Periode tidak sah; yang ditampilkan triwulan berjalan." in a
               for a in person.alerts()), person.alerts()
    assert "Triwulan" in person.figure("#skm-period")
    person.shot("periode-salah")
    # A period of days chosen right: 31 March 2031 alone.
    person.page.fill("#start", "2031-03-31")
    person.page.fill("#end", "2031-03-31")
    with person.page.expect_navigation():
        person.page.locator("#skm-filter button[type=submit]").click()
    assert person.alerts() == []
    assert person.figure("#skm-respondents") == "2"
    person.shot("satu-hari")


def test_the_report_on_a_phone(app, site, live_server, people):
    person = people(live_server, "3-kepala-ponsel", PHONE)
    person.log_in(HEAD)
    person.goto("/dashboard/skm?period=q1&year=2031")
    assert person.figure("#skm-converted") == "81,35"
    # Nothing but the table's own scroller is wider than the phone.
    width = person.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    # The charts fit: the NRR chart's frame scrolls, the small ones shrink.
    for selector in ("#skm-nrr-chart-wrap", "#skm-answer-charts figure >> nth=0"):
        box = person.page.locator(selector).bounding_box()
        assert box and box["width"] <= PHONE["width"], (selector, box)
    person.shot("ponsel")
