"""Requests and accounts typed, not picked (issue 27, app/web/lookups.py), walked in headless
Chromium as the people who use the screens:

- the front-office officer records a guest in the guest book: (a) nothing filled (the browser
  holds it back on the name), (b) only the starred name (stored without a request), (c) a
  complete, ordinary entry naming the visitor's request by its tracking code as a person types
  it (lower case, spaces around), read back on the entry's page; (d) hostile text in the
  request's box — another office's code, markup, SQL-ish text, 400 characters — each refused
  on the field in Indonesian, what was typed still there, nothing stored;
- the officer finds that request's variables with the list's search: "Tambah Filter",
  "Permohonan", the code typed; the box says what to type;
- the officer re-assigns a request to another applicant by e-mail on its edit form; a staff
  account's address is refused on the field.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/lookups when set, else into the
test's temporary folder.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import STAFF, shots_folder, windows

from conftest import OFFICE_X, OFFICE_Y

pytestmark = pytest.mark.browser

NO_SUCH_REQUEST = "Tidak ada permohonan dengan kode lacak ini yang dapat dipilih di sini."
NO_SUCH_ACCOUNT = ("Tidak ada akun dengan alamat surel atau nama pengguna ini yang dapat "
                   "dipilih di sini.")
HINT = "Kode lacak permohonan, mis. RKS-7K2M9QXA."
ENGLISH = re.compile(r"\b(Request|Equal to|Not Equal to|Relation|This field is required|"
                     r"Not a valid|Added Row|Changed Row|Save|Search|Add Filter)\b")


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "DataError", "psycopg", "sqlite3", "__None",
              "constraint", "violates")

    english = ENGLISH



@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "lookups")


@pytest.fixture
def people(browser, live_server, folder):
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _guests(app, name) -> list[m.GuestBookEntry]:
    with app.app_context():
        session = app.appbuilder.session
        rows = session.scalars(sa.select(m.GuestBookEntry).where(
            m.GuestBookEntry.name == name)).all()
        for row in rows:
            session.expunge(row)
        session.remove()
        return rows


def _code(app, pk) -> str:
    with app.app_context():
        code = app.appbuilder.session.get(m.ActivityRequest, pk).tracking_code
        app.appbuilder.session.remove()
        return code


def test_the_guest_book_names_a_request_by_its_code(app, world, people):
    mine = world.rows[("ActivityRequestView", OFFICE_X)]
    code, other_code = _code(app, mine), _code(app, world.rows[("ActivityRequestView", OFFICE_Y)])
    officer = people("a-petugas")
    officer.log_in("officer_x")
    page = officer.page
    officer.goto("/guestbookentryview/add")
    officer.shot("tamu-baru")
    box = page.locator("#request")
    assert box.get_attribute("type") == "text" and box.get_attribute("placeholder") == HINT
    assert page.locator("select#request").count() == 0 and code not in page.content()

    # (a) Nothing filled: the browser holds the form back on the starred name.
    url = page.url
    assert page.eval_on_selector("#model_form", "f => f.reportValidity()") is False
    assert page.url == url

    # (b) Only what is starred: stored, with no request.
    page.fill("#name", "Tamu Tanpa Permohonan")
    officer.save_form("wajib-saja")
    [entry] = _guests(app, "Tamu Tanpa Permohonan")
    assert entry.request_id is None

    # (c) A complete, ordinary entry, the request typed as a person types it.
    officer.goto("/guestbookentryview/add")
    for field, value in (("#name", "Siti Aminah"), ("#agency", "Dinas Pertanian"),
                         ("#phone", "0812 3456 7890"), ("#email", "siti@pertanian.test"),
                         ("#purpose", "Menanyakan rekomendasi survei")):
        page.fill(field, value)
    page.fill("#request", f"  {code.lower()} ")
    officer.shot("lengkap")
    officer.save_form("lengkap-disimpan")
    [entry] = _guests(app, "Siti Aminah")
    assert entry.request_id == mine
    officer.goto(f"/guestbookentryview/show/{entry.id}")
    officer.shot("lengkap-dilihat")
    assert code in officer.main_text()
    officer.goto(f"/guestbookentryview/edit/{entry.id}")
    assert page.input_value("#request") == code  # the edit form shows the code

    # (d) Hostile text in the request's box: refused on the field, kept, nothing stored.
    for typed in (other_code, "<b>RKS-1</b><script>alert(1)</script>", "RKS-1' OR '1'='1",
                  "R" * 400):
        officer.goto("/guestbookentryview/add")
        page.fill("#name", "Tamu Jahat")
        page.fill("#request", typed)
        officer.save_form("permohonan-ditolak")
        assert officer.field_errors("request") == NO_SUCH_REQUEST, officer.field_errors("request")
        assert page.input_value("#request") == typed
        assert page.locator("#model_form tr:has([name='request']) b").count() == 0
    assert _guests(app, "Tamu Jahat") == []


def test_the_list_search_finds_a_requests_rows_by_its_code(app, world, people):
    code = _code(app, world.rows[("ActivityRequestView", OFFICE_X)])
    officer = people("b-petugas")
    officer.log_in("officer_x")
    page = officer.page
    officer.goto("/requestvariableview/list/")
    page.locator("a[href='#accordion1_href']").filter(has_text="Cari").click()
    form = page.locator("#filter_form")
    form.get_by_role("button", name="Tambah Filter").click()
    form.locator("a.filter").filter(has_text=re.compile(r"^\s*Permohonan\s*$")).click()
    box = form.locator("table.filters input[type=text]").last
    assert box.get_attribute("placeholder") == HINT
    box.fill(code.lower())
    officer.shot("cari-kode")
    with page.expect_navigation():
        form.get_by_role("button", name="Cari").click()
    officer.shot("hasil")
    text = officer.main_text()
    assert "Umur" in text and code in text
    codes = set(re.findall(r"RKS-[A-Z0-9]+", text))
    assert codes == {code}, codes
    # The filter stays on the form, as typed.
    assert page.locator("#filter_form table.filters input[type=text]").last.input_value() == \
        code.lower()


def test_a_request_is_given_to_another_applicant_by_e_mail(app, world, people):
    pk = world.rows[("ActivityRequestView", OFFICE_X)]
    officer = people("c-petugas")
    officer.log_in("officer_x")
    page = officer.page
    officer.goto(f"/activityrequestview/edit/{pk}")
    officer.shot("ubah-permohonan")
    assert page.input_value("#applicant") == "applicant_a@rekomstat.test"
    page.fill("#applicant", "officer_x@rekomstat.test")
    officer.save_form("staf-ditolak")
    assert officer.field_errors("applicant") == NO_SUCH_ACCOUNT
    assert page.input_value("#applicant") == "officer_x@rekomstat.test"
    page.fill("#applicant", "APPLICANT_B@rekomstat.test")
    officer.save_form("pemohon-lain")
    with app.app_context():
        request = app.appbuilder.session.get(m.ActivityRequest, pk)
        assert request.applicant_id == world.users["applicant_b"]
        request.applicant_id = world.users["applicant_a"]  # as the other tests expect it
        app.appbuilder.session.commit()
        app.appbuilder.session.remove()
