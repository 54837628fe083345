"""MS-Var and MS-Ind on the applicant's request form, walked in headless Chromium:

(a) the new form saved with nothing filled: a draft without variables or indicators, and its
    edit page offers blank blocks for both, folded;
(b) only the starred fields: a draft complete enough to submit, no row made by the blank
    blocks (nor by their empty choices);
(c) a complete ordinary record: 3 variables with every MS-Var field and 2 indicators with every
    MS-Ind field, at 412 px (a phone) and 1280 px: typed into the blocks as a person does it
    (the first line, then "More about this variable" opened by keyboard or click), saved,
    read back on the applicant's page and in the PDF as labels, never codes, and every answer
    in place on the edit page;
(d) hostile values: markup in the texts, a forged data type and periodicity, a text past its
    column's length once the browser's own cap is taken off, a block without its name:
    refused, each named by its block's number and field, the blocks with a mistake unfolded,
    every answer still there; once right, the markup kept as text.

Every block's field has a label of its own (a <label for>, or a named group for yes/no and
checkboxes), and at 412 px the page does not scroll sideways. Each step saves a screenshot:
into REKOMSTAT_SHOTS=<folder>/metadata when set, else into the test's temporary folder.
"""
from __future__ import annotations

import io
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

pytestmark = pytest.mark.browser

OFFICE_X_NAME = "BPS Kota Lubuklinggau"
BROKEN = ("Traceback", "Internal Server Error", "IntegrityError", "DataError", "[SQL:",
          "psycopg", "sqlite3", "Werkzeug", "Bad Request", "CSRF", "__None")
# Codes of the rows' lists a screen must show as their labels.
CODES = re.compile(r"\b(integer|decimal|boolean|four_monthly|multi_year|semiannual|yearly|"
                   r"quarterly|regency|district|national|province)\b")


class Person(people_base.Person):
    broken = BROKEN

    def check(self, path: Path) -> None:
        text = self.main_text()
        for bad in self.broken:
            assert bad not in text, f"{path}: the screen shows {bad!r}"
        codes = sorted(set(CODES.findall(text)))
        assert codes == [], f"{path}: codes where their labels belong: {codes}"


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "metadata")


@pytest.fixture
def people(browser, live_server, folder):
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


# --- the database and the pages ------------------------------------------------------------------


def _titled(app, title):
    """(request id, variables, indicators) of the request with this title, or None."""
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        req = session.scalars(sa.select(m.ActivityRequest)
                              .where(m.ActivityRequest.title == title)).one_or_none()
        if req is None:
            return None
        cols = lambda row, model: {c.name: getattr(row, c.name)  # noqa: E731
                                   for c in model.__table__.columns
                                   if c.name not in ("id", "request_id", "position")}
        return (req.id, [cols(v, m.RequestVariable) for v in req.variables],
                [cols(i, m.RequestIndicator) for i in req.indicators])


def _required_only(page, title: str):
    page.select_option("select[name=office_id]", label=OFFICE_X_NAME)
    page.select_option("#kind", "survey")
    for name, value in {
        "title": title, "year": "2027", "agency_name": "Dinas Pendidikan Kota Lubuklinggau",
        "agency_head_title": "Kepala Dinas Pendidikan Kota Lubuklinggau",
        "agency_address": "Jl. Yos Sudarso No. 12, Lubuklinggau", "resp_name": "Rahmat Hidayat",
        "resp_email": "rahmat.hidayat@disdik.lubuklinggaukota.go.id",
        "objectives": "Mengukur partisipasi sekolah per kelurahan.",
        "collection_start": "2027-05-03", "collection_end": "2027-06-30",
    }.items():
        page.fill(f"#{name}", value)


def _block(page, table: str, index: int):
    return page.locator(f"fieldset#{table}-{index}")


def _unfold(page, table: str, index: int, keyboard: bool):
    """Open a block's "More about …" as a person does: Tab to its summary and Enter, or a click."""
    summary = _block(page, table, index).locator("details > summary")
    if keyboard:
        summary.focus()
        page.keyboard.press("Enter")
    else:
        summary.click()
    assert _block(page, table, index).locator("details").get_attribute("open") is not None


def _fill_row(page, table: str, index: int, values: dict, keyboard: bool):
    """A block filled: its first line, then (unfolded) the rest. ``values``: name -> text, a
    code (select), "1"/"0" (yes/no) or a list of codes (checkboxes)."""
    block = _block(page, table, index)
    if block.locator("details").get_attribute("open") is None:
        _unfold(page, table, index, keyboard)
    for name, value in values.items():
        selector = f"[name='{table}-{index}-{name}']"
        kind = block.locator(selector).first.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind.startswith("SELECT"):
            block.locator(selector).select_option(value)
        elif kind.endswith(":radio"):
            block.locator(f"{selector}[value='{value}']").check()
        elif kind.endswith(":checkbox"):
            for code in value:
                block.locator(f"{selector}[value='{code}']").check()
        else:
            block.locator(selector).fill(value)


def _read_row(page, table: str, index: int, names) -> dict:
    """What a block holds now, as ``_fill_row`` takes it."""
    out = {}
    for name in names:
        selector = f"[name='{table}-{index}-{name}']"
        kind = page.locator(selector).first.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind.endswith(":radio"):
            out[name] = page.eval_on_selector_all(
                f"{selector}:checked", "l => l.length ? l[0].value : null")
        elif kind.endswith(":checkbox"):
            out[name] = page.eval_on_selector_all(f"{selector}:checked",
                                                  "l => l.map(e => e.value)")
        else:
            out[name] = page.eval_on_selector(selector, "e => e.value")
    return out


def _unlabelled(page) -> list[str]:
    """Inputs of the blocks a screen reader could not name: a text, select or textarea
    without its <label>; a radio or checkbox without its own label or its group's name."""
    return page.evaluate("""() => [...document.querySelectorAll(
            '.meta-row input, .meta-row select, .meta-row textarea')].filter(e => {
        if (!e.labels || e.labels.length === 0 || !e.labels[0].textContent.trim()) return true;
        if (e.type === 'radio' || e.type === 'checkbox') {
            const group = e.closest('[role=radiogroup], [role=group]');
            const name = group && document.getElementById(group.getAttribute('aria-labelledby'));
            return !name || !name.textContent.trim();
        }
        return false;
    }).map(e => e.name)""")


def _no_sideways_scroll(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _save(person, step: str, expect_ok=True):
    page = person.page
    with page.expect_navigation():
        page.click("#save-draft")
    person.shot(step)
    if expect_ok:
        assert re.search(r"/portal/requests/\d+$", page.url), (page.url, person.alerts())
    return page


def _pdf_text(person, path: str) -> str:
    from pypdf import PdfReader

    answer = person.context.request.get(person.base + path)
    assert answer.status == 200 and answer.body()[:5] == b"%PDF-", answer.status
    return " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(answer.body())).pages)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- (a) and (b) ---------------------------------------------------------------------------------


def test_an_empty_draft_and_a_draft_of_the_starred_fields(app, world, live_server, people):
    applicant = people("a-pemohon", STAFF)
    applicant.log_in("applicant_a")
    page = applicant.page

    # (a) Nothing filled.
    applicant.goto("/portal/requests/new")
    applicant.shot("formulir-baru")
    assert page.locator("fieldset.meta-row[id^=variables-]").count() == 3
    assert page.locator("fieldset.meta-row[id^=indicators-]").count() == 2
    assert page.locator(".meta-row details[open]").count() == 0
    assert _unlabelled(page) == []
    # A blank block's choices start empty: nobody's answer is picked for them.
    assert page.eval_on_selector("[name='variables-0-data_type']", "e => e.value") == ""
    assert page.eval_on_selector("[name='indicators-0-periodicity']", "e => e.value") == ""
    assert page.locator(".meta-row input:checked").count() == 0
    _save(applicant, "draf-kosong")
    req_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert (req.variables, req.indicators) == ([], [])
    # Its page says there are none yet; its edit page offers the blank blocks again.
    assert "Belum ada yang diisi." in page.locator("#shown-variables").inner_text()
    assert "Belum ada yang diisi." in page.locator("#shown-indicators").inner_text()
    with page.expect_navigation():
        page.click("#edit")  # the form in steps (issue 26); this walk reads it on one page
    with page.expect_navigation():
        page.click("#whole-form")
    applicant.shot("draf-kosong-dibuka")
    assert page.locator("fieldset.meta-row[id^=variables-]").count() == 3
    assert page.locator("fieldset.meta-row[id^=indicators-]").count() == 2

    # (b) Only the starred fields.
    title = f"Pendataan Sekolah Wajib {uuid.uuid4().hex[:6]}"
    applicant.goto("/portal/requests/new")
    _required_only(page, title)
    applicant.shot("isian-wajib")
    _save(applicant, "draf-wajib")
    assert page.locator("#missing").count() == 0, page.locator("#missing").inner_text()
    assert page.locator("#submit").count() == 1
    _req_id, variables, indicators = _titled(app, title)
    assert (variables, indicators) == ([], [])


# --- (c) a complete record -----------------------------------------------------------------------

VARIABLES = [
    {"name": "Umur responden", "alias": "UMUR", "data_type": "integer", "public": "1",
     "concept": "Lama hidup seseorang sejak lahir.",
     "definition": "Umur dalam tahun penuh pada saat wawancara.",
     "reference": "Konsep SUSENAS 2024", "reference_period": "Saat wawancara",
     "measure": "Umur", "unit": "Tahun",
     "value_domain": "0 = kurang dari 1 tahun; 98 = 98 tahun atau lebih",
     "validation_rule": "0 <= UMUR <= 98",
     "question": "Berapa umur Anda pada ulang tahun terakhir?",
     "questionnaire_item": "Blok IV R.405"},
    {"name": "Status sekolah", "alias": "SKL", "data_type": "boolean", "public": "1",
     "concept": "Keikutsertaan dalam pendidikan formal.",
     "definition": "Terdaftar dan aktif mengikuti pelajaran di sekolah formal.",
     "reference": "Konsep Kemendikbudristek", "reference_period": "Tahun ajaran 2026/2027",
     "measure": "Status", "unit": "Orang", "value_domain": "1 = Ya; 2 = Tidak",
     "validation_rule": "SKL in (1, 2)", "question": "Apakah (NAMA) masih bersekolah?",
     "questionnaire_item": "Blok V R.501"},
    {"name": "Tanggal pendataan", "alias": "TGL", "data_type": "date", "public": "0",
     "concept": "Hari pencacahan rumah tangga.", "definition": "Tanggal kunjungan pencacah.",
     "reference": "Pedoman pencacah", "reference_period": "Mei-Juni 2027",
     "measure": "Tanggal", "unit": "Hari", "value_domain": "Tanggal kalender",
     "validation_rule": "Dalam masa pencacahan", "question": "Tanggal kunjungan",
     "questionnaire_item": "Blok I R.108"},
]
INDICATORS = [
    {"name": "Angka partisipasi sekolah", "periodicity": "yearly", "composite": "0",
     "public": "1", "concept": "Proporsi penduduk usia sekolah yang bersekolah.",
     "definition": "Persentase penduduk usia 7-12 tahun yang masih bersekolah.",
     "interpretation": "Semakin tinggi, semakin banyak anak yang bersekolah.",
     "method": "Penduduk 7-12 tahun yang bersekolah dibagi penduduk 7-12 tahun.",
     "formula": "APS = S / P x 100", "measure": "Persentase", "unit": "Persen",
     "classification": "Jenis kelamin", "disaggregation": "Kecamatan, jenis kelamin",
     "source_indicators": "Jumlah penduduk usia sekolah",
     "source_variables": "Umur responden, Status sekolah",
     "estimation_level": ["regency", "district"]},
    {"name": "Indeks pendidikan", "periodicity": "four_monthly", "composite": "1",
     "public": "0", "concept": "Capaian pendidikan penduduk.",
     "definition": "Rata-rata indeks harapan lama sekolah dan rata-rata lama sekolah.",
     "interpretation": "Nilai 0-1; makin tinggi makin baik.",
     "method": "Rata-rata aritmetika dua indeks.", "formula": "IP = (IHLS + IRLS) / 2",
     "measure": "Indeks", "unit": "Poin", "classification": "Kecamatan",
     "disaggregation": "Kecamatan", "source_indicators": "Angka partisipasi sekolah",
     "source_variables": "Umur responden", "estimation_level": ["regency"]},
]


def _stored(values: dict) -> dict:
    out = {}
    for name, value in values.items():
        if name in ("public", "composite"):
            value = value == "1"
        elif isinstance(value, list):
            value = ",".join(value)
        out[name] = value
    return out


def _label(page, table, index, name, code) -> str:
    if isinstance(code, list):
        return ", ".join(_label(page, table, index, name, c) for c in code)
    selector = f"[name='{table}-{index}-{name}']"
    if page.locator(f"select{selector}").count():
        return page.locator(f"select{selector} option[value='{code}']").inner_text().strip()
    return page.locator(f"label:has(> input{selector}[value='{code}'])").inner_text().strip()


@pytest.mark.parametrize("viewport", [PHONE, STAFF], ids=["412px", "1280px"])
def test_a_complete_record_with_three_variables_and_two_indicators(app, world, live_server,
                                                                   people, viewport):
    who = f"c-{viewport['width']}"
    title = f"Survei Partisipasi Sekolah {uuid.uuid4().hex[:6]}"
    applicant = people(who, viewport)
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new")
    _required_only(page, title)
    if viewport is PHONE:
        _no_sideways_scroll(page)
    # The first block by keyboard, the others by click.
    for i, values in enumerate(VARIABLES):
        _fill_row(page, "variables", i, values, keyboard=i == 0)
    for i, values in enumerate(INDICATORS):
        _fill_row(page, "indicators", i, values, keyboard=i == 0)
    assert _unlabelled(page) == []
    if viewport is PHONE:
        _no_sideways_scroll(page)
    # Beside "More about …", how much of it is filled in, kept current as the person types.
    assert page.locator("#variables-0 .meta-count").inner_text() == "(10 dari 10 terisi)"
    assert page.locator("#indicators-1 .meta-count").inner_text() == "(12 dari 12 terisi)"
    page.locator("#variables").scroll_into_view_if_needed()
    applicant.shot("blok-terisi")
    # What each code reads as, from the page's own options (for the page and PDF after).
    labels = {(t, i, n): _label(page, t, i, n, v)
              for t, rows in (("variables", VARIABLES), ("indicators", INDICATORS))
              for i, row in enumerate(rows) for n, v in row.items()
              if n in ("data_type", "public", "periodicity", "composite", "estimation_level")}
    _save(applicant, "disimpan")

    req_id, variables, indicators = _titled(app, title)
    assert [{k: v[k] for k in row} for v, row in zip(variables, VARIABLES)] == [
        _stored(row) for row in VARIABLES]
    assert [{k: i[k] for k in row} for i, row in zip(indicators, INDICATORS)] == [
        _stored(row) for row in INDICATORS]

    # The applicant's page: each row folded under its name; opened, every answer as a label.
    for table, rows in (("variables", VARIABLES), ("indicators", INDICATORS)):
        shown = page.locator(f"#shown-{table} details")
        assert shown.count() == len(rows)
        for i, row in enumerate(rows):
            shown.nth(i).locator("summary").click()
            text = _squeeze(shown.nth(i).inner_text())
            for name, value in row.items():
                wanted = labels.get((table, i, name), value)
                assert _squeeze(wanted) in text, (table, i, name, wanted)
    applicant.shot("halaman-permohonan")
    if viewport is PHONE:
        _no_sideways_scroll(page)

    # The PDF: each block with its labels.
    pdf = _squeeze(_pdf_text(applicant, f"/portal/requests/{req_id}/form.pdf"))
    for table, rows in (("variables", VARIABLES), ("indicators", INDICATORS)):
        for i, row in enumerate(rows):
            assert _squeeze(f"{i + 1}. {row['name']}") in pdf
            for name, value in row.items():
                wanted = labels.get((table, i, name), value)
                assert _squeeze(wanted) in pdf, (table, i, name, wanted)
    assert CODES.findall(pdf) == [], CODES.findall(pdf)

    # The edit page: every answer in its widget, the blocks folded, blank ones to add more.
    with page.expect_navigation():
        page.click("#edit")  # the form in steps (issue 26); this walk reads it on one page
    with page.expect_navigation():
        page.click("#whole-form")
    applicant.shot("dibuka-lagi")
    for table, rows in (("variables", VARIABLES), ("indicators", INDICATORS)):
        for i, row in enumerate(rows):
            assert _read_row(page, table, i, row) == row, (table, i)
    assert page.locator("fieldset.meta-row[id^=variables-]").count() == 6
    assert page.locator("fieldset.meta-row[id^=indicators-]").count() == 4
    assert page.locator(".meta-row details[open]").count() == 0
    counts = [page.locator(f"#variables-{i} .meta-count").inner_text() for i in (0, 3)]
    assert counts == ["(10 dari 10 terisi)", "(0 dari 10 terisi)"], counts
    # "Simpan dan tambah baris" of the indicators: back at the indicators.
    with page.expect_navigation():
        page.click("#more-indicators")
    assert page.url.endswith("#indicators"), page.url
    applicant.shot("tambah-indikator")
    assert _titled(app, title)[2] == indicators


# --- (d) hostile values --------------------------------------------------------------------------


def test_hostile_values_in_the_blocks(app, world, live_server, people):
    title = f"Survei Nilai Jahat {uuid.uuid4().hex[:6]}"
    applicant = people("d-pemohon", PHONE)
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new")
    _required_only(page, title)
    script = "<script>alert('variabel')</script>"
    markup = "\"'><img src=x onerror=alert(1)>"
    first = {"name": script, "alias": "A&B", "data_type": "text", "public": "1",
             "value_domain": markup, "question": "<b>Tebal</b> & \"kutip\""}
    _fill_row(page, "variables", 0, first, keyboard=True)
    _fill_row(page, "variables", 1, {"name": "Pendapatan", "unit": "Rupiah"}, keyboard=False)
    # A block filled but for its name.
    _fill_row(page, "variables", 2, {"concept": "Konsep tanpa nama"}, keyboard=False)
    _fill_row(page, "indicators", 0, {"name": "Rasio <i>murid</i>", "composite": "1",
                                      "estimation_level": ["national"]}, keyboard=False)
    # The browser caps an alias at its column's 100 characters as a person types.
    page.fill("[name='variables-1-alias']", "x" * 150)
    assert len(page.input_value("[name='variables-1-alias']")) == 100
    # Forged: the cap taken off, a data type and a periodicity the lists do not offer.
    page.eval_on_selector("[name='variables-1-alias']", "e => e.removeAttribute('maxlength')")
    page.fill("[name='variables-1-alias']", "x" * 150)
    for name, code in (("variables-1-data_type", "hexadecimal"),
                       ("indicators-0-periodicity", "hourly' OR 1=1 --")):
        page.eval_on_selector(f"[name='{name}']", """(e, code) => {
            const o = new Option(code, code); e.add(o); e.value = code; }""", code)
    applicant.shot("nilai-jahat")
    _save(applicant, "ditolak", expect_ok=False)
    assert page.url.endswith("/portal/requests/new"), page.url
    assert applicant.statuses[-1][0] == 422, applicant.statuses[-1]
    listed = page.locator("#form-errors li").all_inner_texts()
    wanted = ("Variabel 2, Alias: Paling banyak 100 karakter.", "Variabel 2, Tipe data: ",
              "Indikator 1, Periode penyajian: ", "Variabel 3: nama variabel belum diisi.")
    assert len(listed) == 4 and all(any(line.startswith(w) for line in listed)
                                    for w in wanted), listed
    assert not any("hourly" in line or "hexadecimal" in line for line in listed), listed
    # The blocks with a mistake folded open where it is; marked; the others as they were.
    assert _block(page, "variables", 1).locator(".has-error").count() == 2
    assert _block(page, "variables", 2).locator(
        ".has-error [name='variables-2-name']").count() == 1
    assert _block(page, "variables", 0).locator("details").get_attribute("open") is None
    # Every answer still there (the forged choices are not offered back: the blank one is).
    assert _read_row(page, "variables", 0, first) == first
    assert page.input_value("[name='variables-1-alias']") == "x" * 150
    assert page.eval_on_selector("[name='variables-1-data_type']", "e => e.value") == ""
    assert page.eval_on_selector("[name='indicators-0-periodicity']", "e => e.value") == ""
    assert page.input_value("[name='variables-2-concept']") == "Konsep tanpa nama"
    assert page.locator("#request-form img[src=x], #request-form b, .meta-row i").count() == 0
    assert _titled(app, title) is None

    # Put right: saved, the markup kept as the text it is.
    page.fill("[name='variables-1-alias']", "PDPT")
    page.select_option("[name='variables-1-data_type']", "integer")
    page.fill("[name='variables-2-name']", "Konsep")
    page.select_option("[name='indicators-0-periodicity']", "monthly")
    _save(applicant, "disimpan")
    _req_id, variables, indicators = _titled(app, title)
    assert (variables[0]["name"], variables[0]["value_domain"]) == (script, markup)
    assert variables[0]["question"] == first["question"]
    assert [v["alias"] for v in variables] == ["A&B", "PDPT", None]
    assert indicators[0]["name"] == "Rasio <i>murid</i>"
    page.locator("#shown-variables details").first.locator("summary").click()
    applicant.shot("halaman-permohonan")
    assert script in page.locator("#shown-variables").inner_text()
    assert page.locator("img[src=x], #shown-variables b, #shown-indicators i").count() == 0
