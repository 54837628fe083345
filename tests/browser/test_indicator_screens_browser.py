"""The staff "Indikator" screen (MS-Ind rows, issue 22) and the office checklist's design check,
walked in headless Chromium as the people who use them:

- the officer of the office adds an indicator from the request's "Indikator" tab: (a) nothing
  filled (the browser holds it back; sent anyway, the server names each field), (b) only what
  is starred, (c) a complete ordinary indicator (every field, composite, built from the
  request's two variables), read back as labels; then (d) hostile values: 5 000 characters,
  markup and script, SQL-ish text, zero-width and right-to-left characters, choices not offered
  (forged in the page, another office's request among them), a number that is not one, a
  position taken — each refused in Indonesian on its field with nothing stored, or stored as
  the text it is and shown back escaped;
- the admin reads and edits that row; an officer of another office neither lists, opens nor
  edits it, nor adds a row to a request of another office; an applicant does not reach the
  staff screen at all;
- the admin adds a checklist item that names a design check; the request's checklist then
  flags it (with the reason) or pre-ticks it when the admin changes the check; a check that
  does not exist (forged in the page) is refused with a message and nothing saved. The
  officer reads the checklist but cannot change it.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/indicator-screens when set, else
into the test's temporary folder.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import models as m
from app.core import codes
from browser import people as people_base
from browser.people import STAFF, shots_folder, windows
from browser.people import form_field_errors as _field_errors

from conftest import OFFICE_X, OFFICE_Y, seed

pytestmark = pytest.mark.browser

# English a screen must not show: FAB's and WTForms' own words, and our labels untranslated.
ENGLISH = re.compile(r"\b(Added Row|Changed Row|Not a valid|This field is required|"
                     r"Invalid Choice|not a valid choice|Not saved|Save|Request|Indicator|"
                     r"Composite|Periodicity|Estimation level|Built from|Yes|Public|"
                     r"Design check|Checklist item|Applies to|All requests|Active|"
                     r"At most|characters|Access is Denied)\b")
# Codes where their labels belong (periodicity, estimation levels, design checks).
CODES = re.compile(r"\b(four_monthly|multi_year|semiannual|quarterly|variables_defined|"
                   r"schedule_in_order|sample_size|similar_reason)\b")
NOT_A_CHOICE = "Pilihan tidak valid."
# A request is typed as its tracking code (app/web/lookups.py); one the form may not pick:
NO_SUCH_REQUEST = "Tidak ada permohonan dengan kode lacak ini yang dapat dipilih di sini."
NOT_SAVED = "Belum disimpan: periksa isian yang ditandai di bawah."
REQUIRED = "Isian ini wajib diisi."
ZERO_WIDTH, RTL = "\u200b", "\u202e"


class Person(people_base.Person):
    """A person of this walk: no screen shows database text, English or codes."""

    broken = (*people_base.Person.broken, "DataError", "psycopg", "sqlite3", "__None",
              "UNIQUE constraint", "CHECK constraint", "violates")

    def check(self, path: Path) -> None:
        super().check(path)
        text = self.main_text()
        english, raw = ENGLISH.findall(text), CODES.findall(text)
        assert english == [], f"{path}: English on the screen: {english}"
        assert raw == [], f"{path}: codes where labels belong: {raw}"

    save = people_base.Person.save_form

    def status_of(self, path: str) -> int:
        response = self.page.goto(self.base + path)
        return response.status


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "indicator-screens")


@pytest.fixture
def people(browser, live_server, folder):
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


# --- the database ------------------------------------------------------------------------------


def _indicators(app, req_id) -> list[m.RequestIndicator]:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        rows = session.scalars(sa.select(m.RequestIndicator).where(
            m.RequestIndicator.request_id == req_id).order_by(m.RequestIndicator.position)).all()
        for row in rows:
            session.expunge(row)
        return rows


def _request(app, world, wf, state="submitted", title="Survei Pertanian Organik") -> int:
    """A request of office X with two variables (the first defined, the second not) and a
    questionnaire; its open review (if any) with nothing recorded on the checklist."""
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, state)
        req = session.get(m.ActivityRequest, req_id)
        req.title = f"{title} {uuid.uuid4().hex[:6]}"
        for position, (name, definition) in enumerate((
                ("Luas lahan organik", "Luas lahan bersertifikat organik, dalam hektare"),
                ("Produksi padi organik", None)), start=1):
            session.add(m.RequestVariable(request_id=req_id, position=position, name=name,
                                          concept=f"Konsep {name}", definition=definition))
        session.add(m.Attachment(request_id=req_id, kind="questionnaire",
                                 original_name="kuesioner-organik.pdf",
                                 stored_name=codes.random_token(32), size=0,
                                 content_type="application/pdf", sha256=""))
        for review in req.reviews:
            review.checklist = {}
        session.commit()
        session.remove()
    return req_id


# --- the FAB form ------------------------------------------------------------------------------


def _marked(page) -> set[str]:
    """The fields that carry a message."""
    return set(page.evaluate("""() => [...document.querySelectorAll('#model_form tr')]
        .filter(tr => tr.querySelector('.alert-danger'))
        .map(tr => tr.querySelector('[name]').name)"""))


def _flash(person) -> list[str]:
    """The messages at the top of the page (not those under the form's fields)."""
    return [t.strip().lstrip("×").strip() for t in person.page.evaluate(
        """() => [...document.querySelectorAll('.alert')]
            .filter(a => !a.closest('#model_form')).map(a => a.innerText)""")]


def _pick_select2(page, name: str, text: str):
    """Choose ``text`` in FAB's select2 box of ``name``, as a person does."""
    page.click(f"#select2-{name}-container")
    page.locator(".select2-results__option", has_text=text).first.click()


def _forge_option(page, selector: str, value: str):
    """A choice the list does not offer, added to the page and chosen (a forged form)."""
    page.eval_on_selector(selector, """(e, v) => {
        const o = new Option(v, v); e.add(o); e.value = v; }""", value)


def _off_browser_checks(page):
    page.eval_on_selector("#model_form", "f => { f.noValidate = true; }")
    page.eval_on_selector_all("#model_form [maxlength]", "l => l.forEach(e => "
                              "e.removeAttribute('maxlength'))")


COMPLETE = {
    "name": "Persentase luas lahan organik",
    "concept": "Bagian lahan pertanian yang diusahakan secara organik.",
    "definition": "Luas lahan organik dibagi luas lahan pertanian, dikali 100.",
    "interpretation": "Makin tinggi, makin luas pertanian organik di kota ini.",
    "method": "Dihitung per kelurahan dari hasil pencacahan lengkap kelompok tani.",
    "formula": "(Luas lahan organik / Luas lahan pertanian) x 100",
    "measure": "Persentase", "unit": "Persen",
    "classification": "Kecamatan dan kelurahan",
    "disaggregation": "Jenis tanaman, status lahan",
    "source_indicators": "Luas lahan pertanian",
    "source_variables": "Luas lahan organik, Produksi padi organik",
}


# --- the indicator screen: the officer, the admin, another office, an applicant --------------


def test_the_officer_adds_an_indicator_and_others_see_what_they_may(app, world, wf, people):
    req_id = _request(app, world, wf)
    officer = people("a-petugas")
    officer.log_in("officer_x")
    page = officer.page

    # From the request's page: its "Indikator" tab, "+".
    officer.goto(f"/activityrequestview/show/{req_id}")
    page.click("a[href='#RequestIndicatorView']")
    officer.shot("tab-indikator")
    with page.expect_navigation():
        page.click("#RequestIndicatorView a[href*='/requestindicatorview/add']")
    officer.shot("tambah")
    assert "Tambah indikator" in officer.main_text()
    add_url = page.url

    # (a) Nothing filled: the browser holds the form back on the starred fields.
    page.fill("#position", "")
    assert page.eval_on_selector("#model_form", "f => f.reportValidity()") is False
    held = page.evaluate("""() => [...document.querySelectorAll('#model_form :invalid')]
        .filter(e => e.name).map(e => e.name)""")
    assert set(held) == {"position", "name"} and page.url == add_url, held
    # Sent anyway (an old browser, a forged form): the server names the empty fields.
    _off_browser_checks(page)
    officer.save("kosong-ditolak")
    assert NOT_SAVED in _flash(officer), _flash(officer)
    assert _field_errors(page, "name") == REQUIRED
    assert _field_errors(page, "position") == REQUIRED
    assert _marked(page) == {"name", "position"}, _marked(page)
    assert _indicators(app, req_id) == []

    # (b) Only the starred fields: saved, back on the request, the blank lists stored empty.
    page.fill("#position", "1")
    page.fill("#name", "Produktivitas padi organik")
    officer.save("wajib-saja")
    assert "Data berhasil ditambahkan" in _flash(officer), (_flash(officer), _marked(page))
    [row] = _indicators(app, req_id)
    assert (row.position, row.name, row.periodicity, row.composite, row.public,
            row.estimation_level) == (1, "Produktivitas padi organik", None, None, None, None)
    assert not any(getattr(row, name) for name in COMPLETE if name != "name")

    # (c) A complete ordinary indicator, composite, built from the request's two variables.
    officer.goto(f"/requestindicatorview/add?_flt_0_request={req_id}")
    page.fill("#position", "2")
    for name, value in COMPLETE.items():
        page.fill(f"#{name}", value)
    page.select_option("#composite", label="Ya")
    page.select_option("#periodicity", label="Tahunan")
    page.select_option("#public", label="Ya")
    for label in ("Nasional", "Provinsi", "Kabupaten/kota"):
        page.locator("#model_form").get_by_label(label, exact=True).check()
    officer.shot("lengkap")
    officer.save("lengkap-disimpan")
    assert "Data berhasil ditambahkan" in _flash(officer), (_flash(officer), _marked(page))
    rows = _indicators(app, req_id)
    assert len(rows) == 2
    full = rows[1]
    assert {name: getattr(full, name) for name in COMPLETE} == COMPLETE
    assert (full.position, full.composite, full.public, full.periodicity,
            full.estimation_level) == (2, True, True, "yearly", "national,province,regency")

    # Read back as labels: its own page, and the request's tab.
    officer.goto(f"/requestindicatorview/show/{full.id}")
    officer.shot("lengkap-dilihat")
    shown = page.locator(".table").first.inner_text()
    for text in ("Persentase luas lahan organik", "Tahunan", "Nasional, Provinsi, Kabupaten/kota",
                 "Luas lahan organik, Produksi padi organik", "Indikator komposit"):
        assert text in shown, (text, shown)
    assert re.search(r"Indikator komposit\s+Ya", shown), shown
    officer.goto(f"/activityrequestview/show/{req_id}")
    page.click("a[href='#RequestIndicatorView']")
    officer.shot("tab-dua-indikator")
    tab = page.locator("#RequestIndicatorView").inner_text()
    assert "Produktivitas padi organik" in tab and "Tahunan" in tab, tab

    # The officer changes it: no longer public.
    officer.goto(f"/requestindicatorview/edit/{full.id}")
    assert page.eval_on_selector("#periodicity", "e => e.value") == "yearly"
    assert page.eval_on_selector("#composite", "e => e.value") == "1"
    page.select_option("#public", label="Tidak")
    officer.save("diubah")
    assert "Data berhasil diubah" in _flash(officer), (_flash(officer), _marked(page))
    assert _indicators(app, req_id)[1].public is False

    # The admin: sees it among every office's rows, and edits it.
    admin = people("a-admin")
    admin.log_in("admin")
    admin.goto("/requestindicatorview/list/?_flt_2_name=organik")
    admin.shot("daftar-admin")
    assert "Persentase luas lahan organik" in admin.main_text()
    admin.goto(f"/requestindicatorview/edit/{full.id}")
    admin.page.select_option("#periodicity", label="Empat bulanan")
    admin.save("admin-mengubah")
    assert "Data berhasil diubah" in _flash(admin), (_flash(admin), _marked(admin.page))
    assert _indicators(app, req_id)[1].periodicity == "four_monthly"
    admin.goto(f"/requestindicatorview/show/{full.id}")
    admin.shot("admin-melihat")
    assert "Empat bulanan" in admin.page.locator(".table").first.inner_text()

    # An officer of another office: not in the list, not to open, not to edit, and no row
    # added to this office's request by naming it in a forged form.
    other = people("a-petugas-lain")
    other.log_in("officer_y")
    other.goto("/requestindicatorview/list/")
    other.shot("daftar-kantor-lain")
    assert "organik" not in other.main_text()
    for path in (f"/requestindicatorview/show/{full.id}", f"/requestindicatorview/edit/{full.id}"):
        assert other.status_of(path) == 404, path
        other.shot("tidak-ada")
        assert "organik" not in other.main_text()
    other.goto("/requestindicatorview/add")
    with app.app_context():
        code = app.appbuilder.session.get(m.ActivityRequest, req_id).tracking_code
        app.appbuilder.session.remove()
    assert code not in other.page.content()  # no list of requests to pick from
    other.page.fill("#name", "Indikator titipan")
    other.page.fill("#position", "5")
    other.page.fill("#request", code)
    other.save("permohonan-kantor-lain")
    assert _field_errors(other.page, "request") == NO_SUCH_REQUEST, _field_errors(
        other.page, "request")
    assert other.page.input_value("#request") == code  # as typed, to be corrected
    assert len(_indicators(app, req_id)) == 2

    # An applicant: the staff screen is closed to them, in Indonesian.
    applicant = people("a-pemohon")
    applicant.log_in("applicant_a")
    for path in ("/requestindicatorview/add", f"/requestindicatorview/show/{full.id}",
                 f"/requestindicatorview/edit/{full.id}", "/requestindicatorview/list/"):
        assert applicant.status_of(path) == 403, path
        applicant.shot("ditolak")
        assert "Anda tidak berhak membuka halaman ini." in applicant.main_text()
        assert "organik" not in applicant.main_text()
    assert len(_indicators(app, req_id)) == 2


def test_hostile_values_on_the_indicator_screen(app, world, wf, people):
    req_id = _request(app, world, wf)
    other_office_request = world.rows[("ActivityRequestView", OFFICE_Y)]
    officer = people("d-petugas")
    officer.log_in("officer_x")
    page = officer.page
    officer.goto(f"/requestindicatorview/add?_flt_0_request={req_id}")

    # Typed: the browser keeps the name to its column's 300 characters.
    page.fill("#position", "1")
    page.fill("#name", "Indeks " + "x" * 5000)
    assert len(page.input_value("#name")) == 300

    # Forged (the browser's checks off): 5 000 characters, choices not offered, not a number.
    _off_browser_checks(page)
    long_name, long_concept = "Indeks " + "x" * 5000, "Konsep " + "y" * 5000
    page.fill("#name", long_name)
    page.fill("#concept", long_concept)
    page.fill("#position", "satu")
    _forge_option(page, "#periodicity", "yearly' OR '1'='1")
    _forge_option(page, "#composite", "mungkin")
    _forge_option(page, "#public", "2")
    page.eval_on_selector_all("#model_form input[name=estimation_level]", """l => {
        l[0].value = '<b>planet</b>'; l[0].checked = true;
        l[1].value = '50%'; l[1].checked = true; }""")
    officer.shot("nilai-jahat")
    officer.save("ditolak")
    assert NOT_SAVED in _flash(officer), _flash(officer)
    errors = {name: _field_errors(page, name) for name in _marked(page)}
    assert set(errors) == {"name", "concept", "position", "periodicity", "composite", "public",
                           "estimation_level"}, errors
    assert "300" in errors["name"] and "2000" in errors["concept"], errors
    assert errors["periodicity"] == errors["composite"] == errors["public"] == NOT_A_CHOICE
    assert errors["position"].startswith("Bukan bilangan bulat yang valid."), errors
    # Said in Indonesian (Person.check); a value named back is text, never markup.
    assert errors["estimation_level"], errors
    assert page.locator("#model_form .alert-danger b").count() == 0
    # What was typed is still there, to be corrected; nothing stored.
    assert page.input_value("#name") == long_name
    assert page.input_value("#concept") == long_concept
    assert _indicators(app, req_id) == []

    # Another office's request, named by its key, then by markup: not among the office's.
    for typed in (str(other_office_request), "<b>RKS-1</b>' OR '1'='1"):
        officer.goto("/requestindicatorview/add")
        page.fill("#name", "Indikator salah kantor")
        page.fill("#position", "1")
        page.fill("#request", typed)
        officer.save("kantor-lain")
        assert _field_errors(page, "request") == NO_SUCH_REQUEST, _field_errors(page, "request")
        assert page.locator("#model_form .alert-danger b").count() == 0
    with app.app_context():
        assert app.appbuilder.session.scalar(sa.select(sa.func.count()).where(
            m.RequestIndicator.name == "Indikator salah kantor")) == 0

    # Position 0 and a position taken: the database's rules, said on the field.
    officer.goto(f"/requestindicatorview/add?_flt_0_request={req_id}")
    page.fill("#name", "Indeks pertama")
    officer.save("pertama")
    assert "Data berhasil ditambahkan" in _flash(officer), (_flash(officer), _marked(page))
    for position, step in (("1", "nomor-terpakai"), ("0", "nomor-nol")):
        officer.goto(f"/requestindicatorview/add?_flt_0_request={req_id}")
        page.fill("#position", position)
        page.fill("#name", "Indeks kedua")
        officer.save(step)
        # On the field it concerns ("No."), in Indonesian: not as a column name on top.
        assert _marked(page) == {"position"}, (_flash(officer), _marked(page))
        assert NOT_SAVED in _flash(officer) or _flash(officer) == [], _flash(officer)
        assert _field_errors(page, "position"), step
        assert page.input_value("#name") == "Indeks kedua"
        assert [r.name for r in _indicators(app, req_id)] == ["Indeks pertama"]

    # Hostile text that is right otherwise: stored as typed, shown back as text.
    script = "<script>alert('indikator')</script>"
    markup = "\"'><img src=x onerror=alert(1)>"
    sql = "1'); DROP TABLE request_indicator; --"
    name = f"Indeks{ZERO_WIDTH} pangan {RTL}kitsitatS{script}"
    values = {"position": "2", "name": name, "formula": sql, "classification": markup,
              "disaggregation": f"<b>tebal</b>{ZERO_WIDTH}{RTL}", "definition": "d" * 2000,
              "source_variables": "Luas lahan organik; DELETE FROM request_variable"}
    officer.goto(f"/requestindicatorview/add?_flt_0_request={req_id}")
    for field, value in values.items():
        page.fill(f"#{field}", value)
    officer.save("teks-jahat-disimpan")
    assert "Data berhasil ditambahkan" in _flash(officer), (_flash(officer), _marked(page))
    rows = _indicators(app, req_id)
    assert len(rows) == 2
    stored = rows[1]
    assert {f: getattr(stored, f) for f in values if f != "position"} == {
        f: v for f, v in values.items() if f != "position"}
    with app.app_context():  # the tables are all there
        session = app.appbuilder.session
        assert session.scalar(sa.select(sa.func.count()).select_from(m.RequestVariable).where(
            m.RequestVariable.request_id == req_id)) == 2

    for path, step in ((f"/requestindicatorview/show/{stored.id}", "teks-jahat-dilihat"),
                       ("/requestindicatorview/list/?_flt_2_name=pangan", "teks-jahat-daftar"),
                       (f"/requestindicatorview/edit/{stored.id}", "teks-jahat-diubah")):
        officer.goto(path)
        officer.shot(step)
        markup_run = "img[src=x], b:has-text('tebal'), script:has-text('indikator')"
        assert page.locator(markup_run).count() == 0, step
        body = page.locator("body").inner_text()
        if "edit" in path:
            assert page.input_value("#name") == name
            assert page.input_value("#classification") == markup
        else:
            assert "alert('indikator')" in body, step
            assert "DROP TABLE" in body or "list" in path, step
    # Shown on the request's page too, as text.
    officer.goto(f"/activityrequestview/show/{req_id}")
    page.click("a[href='#RequestIndicatorView']")
    officer.shot("teks-jahat-di-permohonan")
    assert "alert('indikator')" in page.locator("#RequestIndicatorView").inner_text()
    assert page.locator("img[src=x]").count() == 0


# --- the checklist item's design check ---------------------------------------------------------


def _checklist_item(app, text) -> m.ChecklistItem | None:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        item = session.scalars(sa.select(m.ChecklistItem).where(
            m.ChecklistItem.text == text)).one_or_none()
        if item is not None:
            session.expunge(item)
        return item


def _forget_item(app, text):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.ChecklistItem).where(m.ChecklistItem.text == text))
        session.commit()


def test_a_checklist_item_names_a_design_check(app, world, wf, people):
    text = f"Konsep dan definisi variabel jelas {uuid.uuid4().hex[:6]}"
    try:
        _walk_checklist_item(app, world, wf, people, text)
    finally:  # the office's checklist as the other tests know it
        _forget_item(app, text)


def _walk_checklist_item(app, world, wf, people, text):
    admin = people("c-admin")
    admin.log_in("admin")
    page = admin.page
    admin.goto("/checklistitemview/add")
    admin.shot("tambah-butir")
    offered = page.eval_on_selector_all("#design_check option", "l => l.map(o => o.value)")
    assert offered[0] == "" and set(offered[1:]) == set(m.DESIGN_CHECKS), offered
    _pick_select2(page, "office", "BPS Kota Lubuklinggau")
    page.fill("#position", "10")
    page.fill("#text", text)
    page.select_option("#applies_to", label="Semua permohonan")
    page.select_option("#design_check", label="Setiap variabel memiliki konsep dan definisi")
    admin.shot("butir-diisi")
    admin.save("butir-disimpan")
    assert "Data berhasil ditambahkan" in _flash(admin), (_flash(admin), _marked(page))
    item = _checklist_item(app, text)
    assert (item.office_id, item.design_check, item.applies_to, item.active) == (
        world.offices[OFFICE_X], "variables_defined", "all", True)
    admin.goto(f"/checklistitemview/show/{item.id}")
    admin.shot("butir-dilihat")
    assert "Setiap variabel memiliki konsep dan definisi" in admin.main_text()

    # A request in review: the item is flagged with its reason, unticked.
    req_id = _request(app, world, wf, "in_review", "Survei Pangan Lokal")
    officer = people("c-petugas")
    officer.log_in("officer_x")
    officer.goto(f"/activityrequestview/show/{req_id}")
    form = officer.page.locator("#checklist-panel")
    form.scroll_into_view_if_needed()
    officer.shot("butir-ditandai")
    box = form.locator(f"input[name=ok_{item.id}]")
    note = form.locator(f"input[name=note_{item.id}]")
    assert not box.is_checked()
    assert note.input_value().startswith("1 dari 2 variabel"), note.input_value()
    beside = form.locator(f"tr:has(input[name=ok_{item.id}])").inner_text()
    assert text in beside and "Perlu diperiksa" in beside and "Produksi padi organik" in beside

    # The admin makes it the questionnaire's check: now pre-ticked (a questionnaire is there).
    admin.goto(f"/checklistitemview/edit/{item.id}")
    page.select_option("#design_check", label="Kuesioner dilampirkan")
    admin.save("butir-diubah")
    assert "Data berhasil diubah" in _flash(admin), (_flash(admin), _marked(page))
    assert _checklist_item(app, text).design_check == "questionnaire"
    officer.goto(f"/activityrequestview/show/{req_id}")
    officer.page.locator("#checklist-panel").scroll_into_view_if_needed()
    officer.shot("butir-dicentang")
    assert officer.page.locator(f"#checklist-panel input[name=ok_{item.id}]").is_checked()

    # A check that does not exist, forged in the page: refused, nothing changed.
    admin.goto(f"/checklistitemview/edit/{item.id}")
    _forge_option(page, "#design_check", "always_pass")
    admin.save("cek-palsu")
    assert NOT_SAVED in _flash(admin), _flash(admin)
    assert _field_errors(page, "design_check") == NOT_A_CHOICE
    assert _marked(page) == {"design_check"}
    assert _checklist_item(app, text).design_check == "questionnaire"
    admin.goto("/checklistitemview/add")
    _pick_select2(page, "office", "BPS Kota Lubuklinggau")
    page.fill("#text", text + " (palsu)")
    page.select_option("#applies_to", label="Semua permohonan")
    _forge_option(page, "#design_check", "<img src=x onerror=alert(1)>")
    admin.save("cek-palsu-baru")
    assert _field_errors(page, "design_check") == NOT_A_CHOICE
    assert page.locator("img[src=x]").count() == 0
    assert _checklist_item(app, text + " (palsu)") is None

    # No check at all ("—"): the item is a plain one again.
    admin.goto(f"/checklistitemview/edit/{item.id}")
    page.select_option("#design_check", "")
    admin.save("tanpa-cek")
    assert "Data berhasil diubah" in _flash(admin), (_flash(admin), _marked(page))
    assert _checklist_item(app, text).design_check is None

    # Taken out of use: "Aktif" unticked (a box, not something to fill in).
    admin.goto(f"/checklistitemview/edit/{item.id}")
    page.uncheck("#active")
    held = page.evaluate("() => [...document.querySelectorAll('#model_form :invalid')]"
                         ".map(e => e.name)")
    assert held == [], f"the browser holds the form back: {held} must be ticked"
    admin.save("tidak-aktif")
    assert "Data berhasil diubah" in _flash(admin), (_flash(admin), _marked(page))
    assert _checklist_item(app, text).active is False
    officer.goto(f"/activityrequestview/show/{req_id}")
    assert officer.page.locator(f"#checklist-panel input[name=ok_{item.id}]").count() == 0

    # The officer reads the checklist but does not change it; another office's officer does
    # not see the item; an applicant does not reach the screen.
    officer.goto("/checklistitemview/list/")
    officer.shot("daftar-petugas")
    assert text in officer.main_text()
    assert officer.page.locator(f"a[href*='/checklistitemview/edit/{item.id}']").count() == 0
    assert officer.status_of(f"/checklistitemview/edit/{item.id}") == 403
    officer.shot("ubah-ditolak")
    other = people("c-petugas-lain")
    other.log_in("officer_y")
    other.goto("/checklistitemview/list/")
    assert text not in other.main_text()
    assert other.status_of(f"/checklistitemview/show/{item.id}") == 404
    other.shot("butir-kantor-lain")
    applicant = people("c-pemohon")
    applicant.log_in("applicant_a")
    assert applicant.status_of(f"/checklistitemview/show/{item.id}") == 403
    applicant.shot("ditolak")
    assert _checklist_item(app, text).design_check is None
