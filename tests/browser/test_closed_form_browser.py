"""A request's form is closed once its letter is issued, on the staff screens of its parts too
(request_commands.check_part_change), walked in headless Chromium:

- the officer opens an issued request: its "Variabel" tab lists the variable with its show
  button only, no "+", no edit or delete; the same on the variables' list;
- the officer adds a variable to it anyway, from the screen's own "Tambah" page with the
  request's code typed: (a) nothing filled (the browser holds it back; sent anyway, the server
  names the empty fields), (b) only what is starred, (c) a complete, ordinary variable,
  (d) hostile values — each refused in Indonesian with what was typed still on the form and
  nothing stored; the same form for an open request is saved;
- the officer had a variable's edit form open when the letter was issued: "Simpan" is refused,
  the change kept on the form, the row as it was;
- the admin, who may edit a document's record, finds no edit or delete on an issued request's
  documents; one of the activity's results (handed in after the letter) keeps them.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/closed-form when set, else into
the test's temporary folder.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import models as m
from app.core import codes
from browser import people as people_base
from browser.people import STAFF, form_field_errors, shots_folder, windows

from conftest import seed

pytestmark = pytest.mark.browser

CLOSED = "Permohonan dengan status ini tidak dapat diubah lagi."
REQUIRED = "Isian ini wajib diisi."
ENGLISH = re.compile(r"\b(Request|Variable|This field is required|Not a valid|Added Row|"
                     r"Changed Row|Save|Not saved|can no longer)\b")
COMPLETE = {"name": "Luas panen padi sawah", "alias": "LUAS_PANEN",
            "concept": "Luas tanaman padi yang dipanen dalam satu subround.",
            "definition": "Luas lahan sawah yang dipanen, dalam hektare.",
            "reference": "Pedoman Survei Ubinan 2026", "reference_period": "Subround I 2027",
            "measure": "Luas", "unit": "Hektare",
            "value_domain": "0 sampai 10 000", "validation_rule": "Tidak negatif",
            "question": "Berapa luas panen padi sawah pada subround ini?",
            "questionnaire_item": "Blok III R.4"}
HOSTILE = {"name": "<script>alert('x')</script>'; DROP TABLE request_variable; --",
           "alias": "\u202eLUAS\u200b", "unit": "x" * 100}


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "DataError", "psycopg", "sqlite3", "__None",
              "constraint", "violates")

    english = ENGLISH

    save = people_base.Person.save_form

    def flashed(self) -> list[str]:
        return [t.strip().lstrip("×").strip() for t in self.page.evaluate(
            """() => [...document.querySelectorAll('.alert')]
                .filter(a => !a.closest('#model_form')).map(a => a.innerText)""")]


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "closed-form")


@pytest.fixture
def people(browser, live_server, folder):
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _request(app, world, wf, state) -> tuple[int, str, int, int]:
    """A request in ``state`` with one variable and one questionnaire: (id, code, variable's
    id, document's id)."""
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, state)
        variable = m.RequestVariable(request_id=req_id, position=1, name="Produksi padi")
        document = m.Attachment(request_id=req_id, kind="questionnaire",
                                original_name="kuesioner-ubinan.pdf",
                                stored_name=codes.random_token(32), size=0,
                                content_type="application/pdf", sha256="")
        session.add_all([variable, document])
        session.commit()
        out = (req_id, session.get(m.ActivityRequest, req_id).tracking_code, variable.id,
               document.id)
        session.remove()
    return out


def _variables(app, req_id) -> list[tuple]:
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(
            m.RequestVariable.position, m.RequestVariable.name, m.RequestVariable.alias,
            m.RequestVariable.unit).where(m.RequestVariable.request_id == req_id)
            .order_by(m.RequestVariable.position)).all()
        session.remove()
    return [tuple(r) for r in rows]


def _fill(page, code, position, values):
    page.fill("#request", code)
    page.fill("#position", position)
    for name, value in values.items():
        page.fill(f"#{name}", value)


def _kept(page, code, position, values):
    assert page.input_value("#request") == code
    assert page.input_value("#position") == position
    for name, value in values.items():
        assert page.input_value(f"#{name}") == value, name


def test_the_officer_cannot_change_an_issued_requests_variables(app, world, wf, people):
    issued_id, issued_code, issued_var, _ = _request(app, world, wf, "issued")
    open_id, open_code, _, _ = _request(app, world, wf, "in_review")
    officer = people("petugas")
    officer.log_in("officer_x")
    page = officer.page

    # The issued request's tab: the variable, its show button, nothing to change it with.
    officer.goto(f"/activityrequestview/show/{issued_id}")
    page.click("a[href='#RequestVariableView']")
    officer.shot("tab-variabel-terbit")
    tab = page.locator("#RequestVariableView")
    assert "Produksi padi" in tab.inner_text()
    assert tab.locator(f"a[href*='/requestvariableview/show/{issued_var}']").count() == 1
    for href in ("/requestvariableview/add", "/requestvariableview/edit/",
                 "/requestvariableview/delete/"):
        assert tab.locator(f"a[href*='{href}']").count() == 0, href
    officer.goto(f"/requestvariableview/list/?_flt_0_request={issued_code}")
    officer.shot("daftar-terbit")
    assert page.locator(f"a[href*='/requestvariableview/edit/{issued_var}']").count() == 0

    # The screen's own "Tambah" page, the issued request's code typed.
    officer.goto("/requestvariableview/add")
    add_url = page.url
    # (a) Nothing filled: the browser holds it back on the starred fields...
    page.fill("#position", "")
    assert page.eval_on_selector("#model_form", "f => f.reportValidity()") is False
    assert page.url == add_url
    # ... and sent anyway, the server names them.
    page.eval_on_selector("#model_form", "f => { f.noValidate = true; }")
    officer.save("kosong")
    for name in ("request", "position", "name"):
        assert form_field_errors(page, name) == REQUIRED, name
    # (b) Only what is starred.
    _fill(page, issued_code.lower(), "2", {"name": "Luas tanam"})
    officer.save("wajib-saja-ditolak")
    assert CLOSED in officer.flashed(), officer.flashed()
    _kept(page, issued_code.lower(), "2", {"name": "Luas tanam"})
    # (c) A complete, ordinary variable.
    _fill(page, issued_code, "2", COMPLETE)
    page.select_option("#data_type", label="Bilangan desimal")
    page.select_option("#public", label="Ya")
    officer.save("lengkap-ditolak")
    assert CLOSED in officer.flashed(), officer.flashed()
    _kept(page, issued_code, "2", COMPLETE)
    assert page.eval_on_selector("#data_type", "e => e.value") == "decimal"
    # (d) Hostile values: refused the same way, shown back as the text they are.
    page.eval_on_selector_all("#model_form [maxlength]",
                              "l => l.forEach(e => e.removeAttribute('maxlength'))")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _fill(page, issued_code, "3", HOSTILE)
    officer.save("isian-aneh-ditolak")
    assert CLOSED in officer.flashed(), officer.flashed()
    _kept(page, issued_code, "3", HOSTILE)
    assert dialogs == []  # the markup stayed text
    assert _variables(app, issued_id) == [(1, "Produksi padi", None, None)]

    # The same ordinary variable for a request still in review: saved.
    officer.goto("/requestvariableview/add")
    _fill(page, open_code, "2", COMPLETE)
    officer.save("lengkap-permohonan-terbuka")
    assert "Data berhasil ditambahkan" in officer.flashed(), officer.flashed()
    assert (2, COMPLETE["name"], COMPLETE["alias"], COMPLETE["unit"]) in _variables(app, open_id)


def test_an_edit_form_left_open_while_the_letter_was_issued(app, world, wf, people):
    req_id, code, var_id, _ = _request(app, world, wf, "letter_initialled")
    officer = people("petugas-lambat")
    officer.log_in("officer_x")
    page = officer.page
    officer.goto(f"/requestvariableview/edit/{var_id}")
    page.fill("#name", "Produksi padi (ton GKG)")
    page.fill("#unit", "Ton")
    officer.shot("mengubah")
    with app.app_context():  # meanwhile the head signs
        session = app.appbuilder.session
        session.get(m.ActivityRequest, req_id).state = "issued"
        session.commit()
        session.remove()
    officer.save("ditolak-sudah-terbit")
    assert CLOSED in officer.flashed(), officer.flashed()
    assert page.input_value("#name") == "Produksi padi (ton GKG)"
    assert page.input_value("#unit") == "Ton"
    assert _variables(app, req_id) == [(1, "Produksi padi", None, None)]


def test_the_admin_finds_an_issued_requests_documents_closed(app, world, wf, people):
    req_id, code, _, doc_id = _request(app, world, wf, "sent")
    with app.app_context():
        session = app.appbuilder.session
        results = m.Attachment(request_id=req_id, kind="results",
                               original_name="publikasi-ubinan.pdf",
                               stored_name=codes.random_token(32), size=0,
                               content_type="application/pdf", sha256="")
        session.add(results)
        session.commit()
        results_id = results.id
        session.remove()
    admin = people("admin")
    admin.log_in("admin")
    admin.goto(f"/activityrequestview/show/{req_id}")
    admin.page.click("a[href='#AttachmentView']")
    admin.shot("tab-dokumen")
    tab = admin.page.locator("#AttachmentView")
    assert "kuesioner-ubinan.pdf" in tab.inner_text()
    assert "publikasi-ubinan.pdf" in tab.inner_text()
    for href in (f"/attachmentview/edit/{doc_id}", f"/attachmentview/delete/{doc_id}",
                 "/attachmentview/add"):
        assert tab.locator(f"a[href*='{href}']").count() == 0, href
    assert tab.locator(f"a[href*='/attachmentview/edit/{results_id}']").count() == 1
    # The results' record is still the admin's to correct (but not into a form document).
    admin.goto(f"/attachmentview/edit/{results_id}")
    admin.page.select_option("#kind", label="Kuesioner")
    admin.save("hasil-jadi-kuesioner-ditolak")
    assert CLOSED in admin.flashed(), admin.flashed()
    with app.app_context():
        assert app.appbuilder.session.get(m.Attachment, results_id).kind == "results"
        app.appbuilder.session.remove()
