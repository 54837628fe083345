"""MS-Keg completed with BPS's code lists (issue 22), walked in headless Chromium as the
applicant and the officer do it:

(a) the new-request form saved with nothing filled: a draft (the form's rule: a draft may be
    saved at any point), whose page lists what is still needed, nothing of the form lost;
(b) only the starred fields: a draft, complete enough to submit;
(c) a complete survey with every new field (selects, yes/no, quality checks, analysis units
    with "other, namely", the three release dates) submitted: the printable PDF and the
    officer's request page read each answer as its label, never its code; the officer changes
    the kind of analysis on the staff form and reads the new label;
(d) hostile values in the new fields (a fraction of 150, -1 or "abc", -3 supervisors, 5 000
    characters, a choice not offered, markup): refused with a message on the field, every
    other answer still there, nothing stored; markup, once the rest is right, is kept as text.
    As a person types them, the browser holds back what its own checks catch (-3 supervisors,
    more than 200 characters, letters in a number field); the server's answer to each is
    walked with those checks taken off, as an old browser or a forged form sends it.

The overall sampling fraction reads "2,5" for 2.5 % on the officer's page and in the PDF
(Python's "2.500" would read as two thousand five hundred in Indonesian).

Fields are found by their ``name``/``id`` (the column names), not their labels: the labels'
Indonesian may still be on its way. Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>
when set, else into the test's temporary folder; English words seen on a screen are listed in
``notes.txt`` beside them (a note, not a failure, while the translation is being written).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from app import models as m
from app.requests.views import ActivityRequestView
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder

from conftest import OFFICE_X

pytestmark = pytest.mark.browser

OFFICE_X_NAME = "BPS Kota Lubuklinggau"
# Text no screen may show: server errors, database text, WTForms' empty-choice value.
BROKEN = ("Traceback", "Internal Server Error", "IntegrityError", "DataError", "[SQL:",
          "psycopg", "sqlite3", "Werkzeug", "Bad Request", "CSRF", "__None")
# Codes of the form's lists that read as English words with "_": a screen shows their labels.
CODES = re.compile(r"\b(four_monthly|longitudinal_cross|cross_section|non_probability|"
                   r"task_force|own_staff|junior_high|senior_high|multi_year|one_off|"
                   r"admin_records|self_administered)\b")
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Yes|"
                     r"Kind|Selection|Sampling|Quality|Supervisors|Enumerators|Field staff|"
                     r"Analysis|Planned release|Data collectors|Echelon|Technical person|"
                     r"Every four months|Other|Non-response|Recommended)\b")

# The new columns of issue 22 that a person picks from a list.
NEW_SELECTS = ("statistics_kind", "selection_technique", "frame_type", "collectors",
               "field_staff_min_education", "analysis_type")
NEW_YES_NO = ("prior_recommendation", "nonresponse_adjusted", "training_held")


# --- a person at a browser window ----------------------------------------------------------------


class Person(people_base.Person):
    """A person of this walk: each screen is also checked for codes where labels belong, and
    English words on it are noted (``notes``) while the translation is being written."""

    broken = BROKEN

    def __init__(self, browser, base, folder: Path, who: str, viewport, notes: list):
        super().__init__(browser, base, folder, who, viewport)
        self.notes = notes

    def check(self, path: Path) -> None:
        text = self.main_text()
        for bad in self.broken:
            assert bad not in text, f"{path}: the screen shows {bad!r}"
        codes = sorted(set(CODES.findall(text)))
        assert codes == [], f"{path}: codes where their labels belong: {codes}"
        english = sorted(set(ENGLISH.findall(text)))
        if english:
            self.notes.append(f"{path.name}: English on the screen: {english}")



@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "ms-keg")


@pytest.fixture
def people(browser, live_server, folder):
    """``people(who, viewport)``: a new window; all closed (checked) at the end."""
    made, notes = [], []

    def open_window(who, viewport=STAFF):
        person = Person(browser, live_server, folder, who, viewport, notes)
        made.append(person)
        return person

    yield open_window
    if notes:
        with open(folder / "notes.txt", "a", encoding="utf-8") as out:
            out.write("\n".join(notes) + "\n")
        print("\n".join(notes))
    for person in made:
        person.close()


# --- reading the database and the pages ----------------------------------------------------------


def _requests_titled(app, title) -> list[m.ActivityRequest]:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        rows = session.scalars(sa.select(m.ActivityRequest)
                               .where(m.ActivityRequest.title == title)).all()
        for row in rows:
            session.expunge(row)
        return rows


def _count_for(app, user_id) -> int:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalar(sa.select(sa.func.count()).select_from(m.ActivityRequest)
                              .where(m.ActivityRequest.applicant_id == user_id))


def _squeeze(text: str) -> str:
    """Text without its white space: a PDF or a table cell wraps long labels anywhere."""
    return re.sub(r"\s+", "", text)


def _date_shown(iso: str) -> tuple[str, ...]:
    """How a screen or the PDF may write a date: as stored, or in Indonesian words."""
    day = dt.date.fromisoformat(iso)
    return iso, format_date(day, "long", locale="id")


def _option_label(page, name: str, code: str) -> str:
    return page.locator(f"select[name={name}] option[value='{code}']").inner_text().strip()


def _box_label(page, name: str, code: str) -> str:
    """The text beside a checkbox or a radio button (its <label> holds it)."""
    return page.locator(f"label:has(> input[name={name}][value='{code}'])").inner_text().strip()


def _field_group(page, name: str):
    """The form group of a field (a radio or checkbox group shares one)."""
    return page.locator(f".form-group:has([name={name}])").first


def _field_message(page, name: str) -> str:
    group = _field_group(page, name)
    assert "has-error" in (group.get_attribute("class") or ""), f"{name}: not marked wrong"
    # The help block under the field; its description (when it has one) comes first.
    return group.locator("p.help-block").last.inner_text().strip()


# --- the form as people fill it ------------------------------------------------------------------


def _starred(page) -> tuple[set, set]:
    """The fields marked "*" and those marked "**" (one of a group), by name."""
    marked = page.evaluate("""() => [...document.querySelectorAll('#request-form .required-mark')]
        .map(m => [m.closest('.form-group').querySelector('input,select,textarea').name,
                   m.classList.contains('one-of-mark')])""")
    return ({n for n, one_of in marked if not one_of}, {n for n, one_of in marked if one_of})


def _required_only(page, title: str):
    values = {"title": title, "year": "2027", "agency_name": "Dinas Pertanian Kota Lubuklinggau",
              "agency_head_title": "Kepala Dinas Pertanian Kota Lubuklinggau",
              "agency_address": "Jl. Garuda No. 7, Lubuklinggau", "resp_name": "Sri Wahyuni",
              "resp_email": "sri.wahyuni@distan.lubuklinggaukota.go.id",
              "objectives": "Mengukur luas dan hasil pertanian organik per kelurahan.",
              "collection_start": "2027-05-03", "collection_end": "2027-06-30"}
    starred, one_of = _starred(page)
    assert starred == set(values) - {"resp_email"} | {"kind"}, starred
    assert "resp_email" in one_of, one_of
    page.select_option("select[name=office_id]", label=OFFICE_X_NAME)
    page.select_option("#kind", "survey")
    for name, value in values.items():
        page.fill(f"#{name}", value)


# Issue 22's new fields (and their neighbours) on a complete ordinary survey.
TEXTS = {
    "prior_recommendation_ref": "B-112/16740/VS.300/2024, 3 Juni 2024",
    "agency_unit_echelon1": "Sekretariat Daerah Kota Lubuklinggau",
    "agency_unit": "Bidang Tanaman Pangan",
    "resp_position": "Kepala Bidang", "resp_phone": "0733 451 200",
    "tech_name": "Agus Salim", "tech_position": "Statistisi Ahli Muda",
    "tech_phone": "0733 451 201", "tech_fax": "0733 451 202",
    "tech_email": "agus.salim@distan.lubuklinggaukota.go.id",
    "selection_method_name": "Peluang sebanding luas lahan",
    "sampling_frame": "Daftar kelompok tani 2026", "sample_size": "400",
    "sampling_fraction": "2.5", "sampling_error": "5",
    "sample_unit": "Kelompok tani", "observation_unit": "Petani",
    "quality_control": "Kunjungan ulang 10 persen sampel oleh pengawas.",
    "nonresponse_adjustment": "Penimbang ulang per strata.",
    "supervisor_count": "4", "field_staff_count": "20",
    "field_staff_education": "SMA/SMK", "field_staff_training": "Dua hari di kantor dinas",
    "analysis_method": "Tabulasi silang dan regresi logistik.",
    "analysis_unit": "Gabungan kelompok tani",
    "release_date_printed": "2027-10-01", "release_date_digital": "2027-09-15",
    "release_date_microdata": "2027-12-01",
}
SELECTS = {
    "statistics_kind": "sectoral", "repetition": "repeated", "frequency": "four_monthly",
    "collection_type": "longitudinal_cross", "coverage_level": "regency",
    "sample_stages": "multi", "selection_method": "probability", "selection_technique": "pps",
    "frame_type": "area", "collectors": "own_staff", "field_staff_min_education": "senior_high",
    "analysis_type": "descriptive",
}
RADIOS = {"prior_recommendation": "1", "is_census": "0", "pilot_test": "1",
          "nonresponse_adjusted": "1", "training_held": "1"}
CHECKS = {"collection_methods": ("interview",), "collection_media": ("capi",),
          "quality_checks": ("revisit", "task_force", "other"),
          "analysis_units": ("household", "business", "other"),
          "dissemination_products": ("printed", "digital", "microdata")}
NEW_FIELDS = ("statistics_kind", "prior_recommendation", "prior_recommendation_ref",
              "agency_unit_echelon1", "tech_fax", "frequency", "collection_type",
              "selection_technique", "frame_type", "sampling_fraction", "quality_checks",
              "nonresponse_adjusted", "collectors", "supervisor_count", "field_staff_count",
              "field_staff_min_education", "training_held", "analysis_type", "analysis_units",
              "analysis_unit", "release_date_printed", "release_date_digital",
              "release_date_microdata")


def _fill_survey(page, title: str) -> dict:
    """Every field of a complete survey request filled; returns what each new field should
    read as on a screen: its label (or labels, for a checkbox group), its text, its date."""
    _required_only(page, title)
    for name, value in TEXTS.items():
        page.fill(f"#{name}", value)
    page.fill("#coverage_area", "Kota Lubuklinggau")
    page.select_option("#sector", "agriculture_fisheries")  # a list of BPS's sectors since 0011
    shown = {}
    for name, code in SELECTS.items():
        page.select_option(f"#{name}", code)
        shown[name] = [_option_label(page, name, code)]
    for name, code in RADIOS.items():
        page.check(f"input[name={name}][value='{code}']")
        shown[name] = [_box_label(page, name, code)]
    for name, codes in CHECKS.items():
        for code in codes:
            page.check(f"input[name={name}][value='{code}']")
        shown[name] = [_box_label(page, name, code) for code in codes]
    page.fill("input[name='variables-0-name']", "Luas lahan organik")
    page.fill("input[name='variables-1-name']", "Produksi padi organik")
    for name in ("prior_recommendation_ref", "agency_unit_echelon1", "tech_fax",
                 "analysis_unit"):
        shown[name] = [TEXTS[name]]
    for name in ("supervisor_count", "field_staff_count"):
        shown[name] = [TEXTS[name]]
    shown["sampling_fraction"] = ["2.5"]  # a number: compared as one (2.5, 2,5, 2.500)
    for name in ("release_date_printed", "release_date_digital", "release_date_microdata"):
        shown[name] = [_date_shown(TEXTS[name])]
    return shown


def _reads(cell: str, expected) -> bool:
    """Does a cell (or a PDF's text) show the expected label, text, number or date?"""
    squeezed = _squeeze(cell)
    if isinstance(expected, tuple):  # a date: one of its ways of being written
        return any(_squeeze(way) in squeezed for way in expected)
    if expected == "2.5":
        return re.search(r"(?<![\d.,])2[.,]50*(?![\d])", cell) is not None
    return _squeeze(expected) in squeezed


# --- (a) and (b): drafts -------------------------------------------------------------------------


def test_an_empty_draft_and_a_draft_of_the_starred_fields(app, world, live_server, people):
    applicant = people("a-pemohon", PHONE)
    applicant.log_in("applicant_a")
    page = applicant.page
    mine = world.users["applicant_a"]

    # (a) Nothing filled: "Simpan draf".
    applicant.goto("/portal/requests/new")
    applicant.shot("formulir-baru")
    # The new lists start at their blank choice: nobody's answer is picked for them.
    for name in NEW_SELECTS + ("frequency", "collection_type"):
        first = page.locator(f"select#{name} option").first
        assert first.get_attribute("value") == "", name
        assert page.eval_on_selector(f"select#{name}", "e => e.value") == "", name
    for name in NEW_YES_NO:
        assert page.locator(f"input[name={name}]:checked").count() == 0, name
    year = page.input_value("#year")
    before = _count_for(app, mine)
    with page.expect_navigation():
        page.click("#save-draft")
    applicant.shot("draf-kosong")
    assert re.search(r"/portal/requests/\d+$", page.url), (page.url, applicant.alerts())
    assert _count_for(app, mine) == before + 1
    # The page names what is still needed before it can be submitted.
    needed = page.locator("#missing li").all_inner_texts()
    assert len(needed) >= 9, needed
    # Nothing lost: the year the form offered is the draft's, and the new fields are empty.
    with page.expect_navigation():
        page.click("#edit")  # the form in steps (issue 26); this walk reads it on one page
    with page.expect_navigation():
        page.click("#whole-form")
    applicant.shot("draf-kosong-dibuka")
    assert page.input_value("#year") == year
    for name in NEW_SELECTS:
        assert page.eval_on_selector(f"select#{name}", "e => e.value") == "", name
    for name in NEW_YES_NO:
        assert page.locator(f"input[name={name}]:checked").count() == 0, name
    assert page.locator("input[name=quality_checks]:checked").count() == 0

    # (b) Only the starred fields: a draft complete enough to submit.
    title = f"Pendataan Pertanian Organik {uuid.uuid4().hex[:6]}"
    applicant.goto("/portal/requests/new")
    _required_only(page, title)
    applicant.shot("isian-wajib")
    with page.expect_navigation():
        page.click("#save-draft")
    applicant.shot("draf-wajib")
    assert re.search(r"/portal/requests/\d+$", page.url), (page.url, applicant.alerts())
    assert page.locator("#missing").count() == 0, page.locator("#missing").inner_text()
    assert page.locator("#submit").count() == 1  # "Ajukan" is offered
    made = _requests_titled(app, title)
    assert len(made) == 1 and made[0].state == "draft"
    assert all(getattr(made[0], name) is None for name in NEW_FIELDS if name not in (
        "frequency", "collection_type")), {n: getattr(made[0], n) for n in NEW_FIELDS}


# --- (c): a complete survey, read back by the applicant and the officer --------------------------


def _staff_rows(page) -> dict:
    """The officer's request page: column name -> the text of its cell, by the screen's own
    fieldsets (the labels' wording aside)."""
    rows = {}
    groups = page.locator("div.panel-group:has(a.accordion-toggle)")
    fieldsets = ActivityRequestView.show_fieldsets
    assert groups.count() >= len(fieldsets), groups.count()
    for index, (_title, spec) in enumerate(fieldsets):
        cells = groups.nth(index).locator("table.table-bordered tr > td")
        texts = [cells.nth(i).text_content() for i in range(cells.count())]
        assert len(texts) == len(spec["fields"]), (index, len(texts), spec["fields"])
        rows.update(zip(spec["fields"], texts))
    return rows


def _open_all_blocks(page):
    """Unfold the request page's folded blocks, as an officer reading it does: one click each,
    each unfolded to its end (Bootstrap's "collapsing") before the next."""
    for toggle in page.locator("div.panel-group a.accordion-toggle").all():
        selector = f"[id='{toggle.get_attribute('href')[1:]}']"
        for _attempt in range(3):
            if page.eval_on_selector(selector, "e => e.classList.contains('in')"):
                break
            page.wait_for_function("() => !document.querySelector('.collapsing')")
            toggle.click()
            try:
                page.wait_for_function(
                    "s => document.querySelector(s).classList.contains('in')", arg=selector,
                    timeout=3000)
            except Exception:  # noqa: BLE001 - a click lost to a page still moving: again
                continue
        assert page.eval_on_selector(selector, "e => e.classList.contains('in')"), selector
    page.wait_for_function("() => !document.querySelector('.collapsing')")


def _pdf_text(person, path: str) -> str:
    from pypdf import PdfReader

    answer = person.context.request.get(person.base + path)
    assert answer.status == 200 and answer.body()[:5] == b"%PDF-", answer.status
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.body())).pages)


def test_a_complete_survey_reads_as_labels_everywhere(app, world, live_server, people):
    title = f"Survei Pertanian Organik Lubuklinggau {uuid.uuid4().hex[:6]}"
    applicant = people("c-pemohon", PHONE)
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new")
    shown = _fill_survey(page, title)
    applicant.shot("formulir-lengkap")
    with page.expect_navigation():
        page.click("#submit-request")
    applicant.shot("diajukan")
    assert re.search(r"/portal/requests/\d+$", page.url), (page.url, applicant.alerts())
    assert page.locator("#state").inner_text().strip() == "Diajukan", applicant.alerts()
    req_id = int(page.url.rsplit("/", 1)[1])
    # Submitted: no longer the applicant's to edit; the printable form reads it back.
    assert page.locator("#edit").count() == 0

    # Stored as the codes of BPS's lists, exactly.
    [req] = _requests_titled(app, title)
    assert req.id == req_id and req.state == "submitted"
    assert {n: getattr(req, n) for n in SELECTS} == SELECTS
    assert (req.prior_recommendation, req.nonresponse_adjusted, req.training_held) == (
        True, True, True)
    assert req.quality_checks == "revisit,task_force,other"
    assert req.analysis_units == "household,business,other"
    assert req.analysis_unit == TEXTS["analysis_unit"]
    assert float(req.sampling_fraction) == 2.5
    assert (req.supervisor_count, req.field_staff_count) == (4, 20)
    assert (req.release_date_printed, req.release_date_digital, req.release_date_microdata) == (
        dt.date(2027, 10, 1), dt.date(2027, 9, 15), dt.date(2027, 12, 1))
    for name in ("prior_recommendation_ref", "agency_unit_echelon1", "tech_fax"):
        assert getattr(req, name) == TEXTS[name], name

    # The printable PDF: every new answer as its label, no code.
    pdf = _pdf_text(applicant, f"/portal/requests/{req_id}/form.pdf")
    unread = {name: wanted for name, wanted in shown.items()
              if not all(_reads(pdf, w) for w in wanted)}
    assert unread == {}, (unread, pdf)
    assert CODES.findall(pdf) == [], CODES.findall(pdf)

    # The officer of the office: the request page, its blocks unfolded.
    officer = people("c-petugas")
    officer.log_in("officer_x")
    officer.goto(f"/activityrequestview/show/{req_id}")
    _open_all_blocks(officer.page)
    officer.shot("permohonan")
    rows = _staff_rows(officer.page)
    unread = {name: (rows.get(name), wanted) for name, wanted in shown.items()
              if not all(_reads(rows.get(name) or "", w) for w in wanted)}
    assert unread == {}, unread
    assert all(CODES.findall(rows[name]) == [] for name in NEW_FIELDS), rows

    # Its edit form: every new answer in place; the kind of analysis changed.
    officer.goto(f"/activityrequestview/edit/{req_id}")
    staff = officer.page
    for name, code in SELECTS.items():
        assert staff.eval_on_selector(f"select#{name}", "e => e.value") == code, name
    for name, code in RADIOS.items():
        assert staff.locator(f"input[name={name}][value='{code}']").is_checked(), name
    for name, codes in CHECKS.items():
        ticked = staff.eval_on_selector_all(f"input[name={name}]:checked",
                                            "l => l.map(e => e.value)")
        assert ticked == list(codes), (name, ticked)
    for name in ("prior_recommendation_ref", "agency_unit_echelon1", "tech_fax", "analysis_unit",
                 "supervisor_count", "field_staff_count"):
        assert staff.input_value(f"#{name}") == TEXTS[name], name
    assert float(staff.input_value("#sampling_fraction").replace(",", ".")) == 2.5
    for name in ("release_date_printed", "release_date_digital", "release_date_microdata"):
        assert staff.input_value(f"#{name}") in _date_shown(TEXTS[name]), name
    for name in NEW_SELECTS:
        assert staff.locator(f"select#{name} option").first.get_attribute("value") == "", name
    officer.shot("ubah")
    staff.select_option("#analysis_type", "inferential")
    inferential = _option_label(staff, "analysis_type", "inferential")
    with staff.expect_navigation():
        staff.locator("#model_form button[type=submit], form button[type=submit]").last.click()
    officer.shot("ubah-disimpan")
    assert staff.locator(".alert-danger, .has-error").count() == 0, officer.alerts()
    officer.goto(f"/activityrequestview/show/{req_id}")
    _open_all_blocks(staff)
    officer.shot("analisis-baru")
    rows = _staff_rows(staff)
    assert _squeeze(rows["analysis_type"]) == _squeeze(inferential), rows["analysis_type"]
    # The officer's save changed that one answer: the others as the applicant gave them.
    [after] = _requests_titled(app, title)
    assert after.analysis_type == "inferential"
    for name in NEW_FIELDS:
        if name != "analysis_type":
            assert getattr(after, name) == getattr(req, name), name


def test_the_sampling_fraction_reads_as_an_indonesian_number(app, world, live_server, people):
    from app.requests import commands as request_commands

    title = f"Survei Ubinan Padi {uuid.uuid4().hex[:6]}"
    with app.test_request_context():
        session = app.appbuilder.session
        applicant = app.appbuilder.sm.find_user(username="applicant_a")
        values = {"title": title, "year": 2027, "kind": "survey",
                  "agency_name": "Dinas Pertanian Kota Lubuklinggau",
                  "agency_head_title": "Kepala Dinas Pertanian Kota Lubuklinggau",
                  "agency_address": "Jl. Garuda No. 7", "resp_name": "Sri Wahyuni",
                  "resp_email": "sri.wahyuni@distan.lubuklinggaukota.go.id",
                  "objectives": "Mengukur produktivitas padi.",
                  "collection_start": dt.date(2027, 5, 3), "collection_end": dt.date(2027, 6, 30),
                  "sampling_fraction": "2.5"}
        saved = request_commands.create(session, applicant, office_id=world.offices[OFFICE_X],
                                        values=values, action="submit")
        session.commit()
        req_id = saved.request_id

    officer = people("e-petugas")
    officer.log_in("officer_x")
    officer.goto(f"/activityrequestview/show/{req_id}")
    _open_all_blocks(officer.page)
    officer.shot("fraksi")
    on_screen = _staff_rows(officer.page)["sampling_fraction"].strip()
    applicant = people("e-pemohon", PHONE)
    applicant.log_in("applicant_a")
    pdf = _pdf_text(applicant, f"/portal/requests/{req_id}/form.pdf")
    printed = re.search(r"\(%\)\s*\n\s*(\S+)", pdf).group(1)
    assert (on_screen, printed) == ("2,5", "2,5")


# --- (d): hostile values in the new fields ------------------------------------------------------


def _save_refused(applicant, step: str) -> list[str]:
    """Press "Simpan draf": the form comes back (422) with its list of problems."""
    page = applicant.page
    with page.expect_navigation():
        page.click("#save-draft")
    applicant.shot(step)
    assert page.url.endswith("/portal/requests/new"), page.url
    assert applicant.statuses[-1][0] == 422, applicant.statuses[-1]
    return page.locator("#form-errors li").all_inner_texts()


def _posts(page) -> list:
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    return sent


def test_hostile_values_in_the_new_fields(app, world, live_server, people):
    title = f"Survei Kebun Karet {uuid.uuid4().hex[:6]}"
    applicant = people("d-pemohon", PHONE)
    applicant.log_in("applicant_a")
    page = applicant.page
    applicant.goto("/portal/requests/new")
    _required_only(page, title)
    # Answers that are right, to be found again after each refusal.
    page.select_option("#frequency", "four_monthly")
    page.select_option("#frame_type", "list")
    page.check("input[name=quality_checks][value=supervision]")
    page.check("input[name=analysis_units][value=other]")
    page.check("input[name=training_held][value='0']")
    page.fill("#release_date_digital", "2027-11-02")
    script = "<script>alert('eselon')</script>"
    markup = "\"'><img src=x onerror=alert(1)>"
    page.fill("#agency_unit_echelon1", script)
    page.fill("#tech_fax", markup)
    page.fill("#analysis_unit", "<b>Koperasi</b> & \"petani\"")
    typed = {name: page.input_value(f"#{name}") for name in (
        "title", "agency_name", "resp_email", "collection_start", "release_date_digital",
        "agency_unit_echelon1", "tech_fax", "analysis_unit")}

    def still_there():
        for name, value in typed.items():
            assert page.input_value(f"#{name}") == value, name
        assert page.eval_on_selector("#frequency", "e => e.value") == "four_monthly"
        assert page.eval_on_selector("#frame_type", "e => e.value") == "list"
        assert page.locator("input[name=quality_checks][value=supervision]").is_checked()
        assert page.locator("input[name=analysis_units][value=other]").is_checked()
        assert page.locator("input[name=training_held][value='0']").is_checked()
        assert page.locator("img[src=x], #request-form b").count() == 0
        assert _requests_titled(app, title) == []

    # As a person types them. The browser caps the earlier recommendation at its column's 200
    # characters, and holds back -3 supervisors itself (its own words, in its own language).
    long_ref = "Rekomendasi " + "x" * 4988
    page.fill("#prior_recommendation_ref", long_ref)
    assert len(page.input_value("#prior_recommendation_ref")) == 200
    page.fill("#sampling_fraction", "150")
    page.fill("#supervisor_count", "-3")
    posts = _posts(page)
    page.click("#save-draft")
    page.wait_for_timeout(300)
    applicant.shot("ditahan-peramban")
    held = page.evaluate("""() => [...document.querySelectorAll('#request-form :invalid')]
        .filter(e => e.name).map(e => [e.name, e.validationMessage])""")
    assert posts == [] and [n for n, _ in held] == ["supervisor_count"], (posts, held)
    assert held[0][1], held
    still_there()

    # Sent anyway, the browser's checks taken off (an old browser, a forged form): the server
    # says it on each field. With them a choice the list does not offer.
    page.eval_on_selector("#request-form", "f => { f.noValidate = true; }")
    page.eval_on_selector("#prior_recommendation_ref", "e => e.removeAttribute('maxlength')")
    page.fill("#prior_recommendation_ref", long_ref)
    page.eval_on_selector("#selection_technique", """e => {
        const o = new Option("srs' OR 1=1 --", "srs' OR 1=1 --");
        e.add(o); e.value = o.value; }""")
    applicant.shot("nilai-jahat")
    listed = _save_refused(applicant, "ditolak-server")
    messages = {name: _field_message(page, name) for name in (
        "sampling_fraction", "supervisor_count", "prior_recommendation_ref",
        "selection_technique")}
    assert "100" in messages["sampling_fraction"], messages
    assert re.search(r"\b0\b", messages["supervisor_count"]), messages
    assert "200" in messages["prior_recommendation_ref"], messages
    assert messages["selection_technique"], messages
    # Each field's message is in the list at the top too, and there are no others.
    assert len(listed) == 4 and all(any(msg in line for line in listed)
                                    for msg in messages.values()), (listed, messages)
    # What was typed is still there: the wrong values too, to be corrected.
    assert page.input_value("#sampling_fraction") == "150"
    assert page.input_value("#supervisor_count") == "-3"
    assert page.input_value("#prior_recommendation_ref") == long_ref
    # The forged choice is not offered back: the list's blank choice is.
    assert page.eval_on_selector("#selection_technique", "e => e.value") == ""
    still_there()

    # One wrong value at a time: -1 as typed, then letters (a number field takes none when
    # typed: sent by a forged form).
    page.fill("#supervisor_count", "3")
    page.fill("#prior_recommendation_ref", "B-7/16740/VS.300/2025")
    page.select_option("#selection_technique", "systematic")
    for value, step in (("-1", "ditolak-minus"), ("abc", "ditolak-huruf")):
        if not page.locator("#request-form").evaluate("f => f.noValidate"):
            page.eval_on_selector("#request-form", "f => { f.noValidate = true; }")
        if value == "abc":
            page.eval_on_selector("#sampling_fraction", "e => { e.type = 'text'; }")
        page.fill("#sampling_fraction", value)
        listed = _save_refused(applicant, step)
        assert len(listed) == 1, listed
        message = _field_message(page, "sampling_fraction")
        assert message and message in listed[0], (message, listed)
        if value == "-1":
            assert "100" in message, message
        # As sent (a number field shows letters as empty, but the page gives them back).
        assert page.get_attribute("#sampling_fraction", "value") == value
        assert page.eval_on_selector("#selection_technique", "e => e.value") == "systematic"
        still_there()

    # Right at last: saved, the markup kept as the text it is.
    page.fill("#sampling_fraction", "12.5")
    with page.expect_navigation():
        page.click("#save-draft")
    applicant.shot("disimpan")
    assert re.search(r"/portal/requests/\d+$", page.url), (page.url, applicant.alerts())
    [req] = _requests_titled(app, title)
    assert (req.agency_unit_echelon1, req.tech_fax) == (script, markup)
    assert req.analysis_unit == typed["analysis_unit"]
    assert (req.supervisor_count, float(req.sampling_fraction)) == (3, 12.5)
    assert req.prior_recommendation_ref == "B-7/16740/VS.300/2025"
    assert (req.selection_technique, req.frequency, req.frame_type) == (
        "systematic", "four_monthly", "list")
    with page.expect_navigation():
        page.click("#edit")  # the form in steps (issue 26); this walk reads it on one page
    with page.expect_navigation():
        page.click("#whole-form")
    applicant.shot("dibuka-lagi")
    for name in ("agency_unit_echelon1", "tech_fax", "analysis_unit"):
        assert page.input_value(f"#{name}") == typed[name], name
    assert page.locator("img[src=x], #request-form b").count() == 0
    pdf = _pdf_text(applicant, f"/portal/requests/{req.id}/form.pdf")
    assert _squeeze(script) in _squeeze(pdf), pdf
