"""Review leftovers (helper "tidy") walked in headless Chromium:

1. the applicant's profile form marks the identity document as required ("*"), like the other
   required fields: (a) nothing filled (the document left blank too): refused next to it;
   (b) only the fields marked *: saved; (c) complete: saved; (d) hostile: a document kind not
   offered (the page edited) refused, markup kept as text; an applicant without a stored number
   reads when the document is required, and may leave both blank;
2. the admin walks the requests for erasure: a pending one offers "Hapus akun" and "Tolak"; once
   refused it offers neither, and the list offers none;
3. the last step of the form names each missing answer's step, and its link opens that step.

Screenshots go to REKOMSTAT_SHOTS=<folder>/tidy when set.
"""
from __future__ import annotations

import datetime as dt

import pytest

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

from conftest import OWNER, PASSWORD

pytestmark = pytest.mark.browser

WITH_NUMBER, WITHOUT_NUMBER = "pemohon.tidy.peramban", "pemohon.tidy.tanpa.nomor"
NIK = "1674015505900071"
REQUIRED = "Isian ini wajib diisi."
SAVED = "Profil Anda telah disimpan."
DOC_HELP = "Wajib diisi bila Anda mengisi nomor dokumen."
SCRIPT = "<script>alert(1)</script> Tidy"


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "__None", "None None")

    def marked(self) -> list[str]:
        return self.page.evaluate("""() => [...document.querySelectorAll('label')]
            .filter(l => l.innerText.trim().endsWith('*')).map(l => l.htmlFor)""")

    def fill(self, **values):
        for name, value in values.items():
            if name == "id_doc_type":
                self.page.select_option("#id_doc_type", value)
            else:
                self.page.fill(f"#{name}", value)


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "tidy")
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


@pytest.fixture(scope="module")
def applicants(app, world):
    from app.ops.bootstrap import create_user

    ids = {}
    with app.app_context():
        session = app.appbuilder.session
        for name, number in ((WITH_NUMBER, NIK), (WITHOUT_NUMBER, None)):
            user = app.appbuilder.sm.find_user(username=name) or create_user(
                "Applicant", name, f"{name}@dinas-tidy.test", PASSWORD)
            user = session.get(m.RekomUser, user.id)
            user.first_name, user.last_name, user.phone = "Rapi", "Peramban", "0813-5555-0071"
            user.agency, user.position = "Dinas Rapi", None
            user.id_doc_type, user.id_doc_number = ("ktp", number) if number else (None, None)
            session.commit()
            ids[name] = user.id
        session.remove()
    return ids


def _profile(app, uid) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, uid)
        values = {c: getattr(user, c) for c in ("first_name", "phone", "agency", "position",
                                                 "id_doc_type", "id_doc_number")}
        session.remove()
    return values


def test_the_identity_document_is_marked_and_refused_when_left_blank(app, people, applicants):
    me = people("pemohon", PHONE)
    me.log_in(WITH_NUMBER)
    me.goto("/portal/account/edit")
    me.shot("profil")
    assert me.marked() == ["first_name", "phone", "agency", "id_doc_type"], me.marked()
    assert me.page.get_attribute("#id_doc_type", "aria-required") == "true"

    # (a) nothing filled, the document left blank too: refused next to each, nothing stored.
    before = _profile(app, applicants[WITH_NUMBER])
    me.fill(first_name="", phone="", agency="", position="", id_doc_type="")
    assert me.submit("#save-profile") == 422
    me.shot("a-kosong")
    helps = me.help_texts()
    for name in ("first_name", "phone", "agency", "id_doc_type"):
        assert helps.get(name) == REQUIRED, helps
    assert me.page.get_attribute("#id_doc_type", "aria-invalid") == "true"
    assert "id_doc_type" in me.marked()
    assert _profile(app, applicants[WITH_NUMBER]) == before

    # (b) only the fields marked *: saved.
    me.fill(first_name="Rapi", phone="0813 5555 0071", agency="Dinas Rapi", id_doc_type="ktp")
    assert me.submit("#save-profile") == 200 and me.page.url.endswith("/portal/account")
    me.shot("b-wajib-saja")
    assert SAVED in " ".join(me.alerts())
    assert _profile(app, applicants[WITH_NUMBER])["id_doc_number"] == NIK

    # (c) complete: saved.
    me.goto("/portal/account/edit")
    me.fill(first_name="Rapi", phone="0813 5555 0071", agency="Dinas Rapi Lengkap",
            position="Statistisi", id_doc_type="ktp", id_doc_number="1674 0155 0590 0072")
    assert me.submit("#save-profile") == 200
    me.shot("c-lengkap")
    assert _profile(app, applicants[WITH_NUMBER])["agency"] == "Dinas Rapi Lengkap"

    # (d) hostile: a kind the list does not offer (the page edited), markup in a field.
    me.goto("/portal/account/edit")
    me.page.evaluate("""() => { const o = document.createElement('option');
        o.value = 'bukan-dokumen'; o.text = 'x'; document.querySelector('#id_doc_type')
        .appendChild(o); }""")
    me.fill(position=SCRIPT, id_doc_type="bukan-dokumen")
    assert me.submit("#save-profile") == 422
    me.shot("d-bermusuhan")
    assert me.help_texts().get("id_doc_type"), me.help_texts()
    assert me.page.input_value("#position") == SCRIPT  # kept as text, never run
    assert _profile(app, applicants[WITH_NUMBER])["position"] == "Statistisi"

    # Without a stored number: the mark, and the help says when it is required.
    other = people("pemohon-tanpa-nomor", PHONE)
    other.log_in(WITHOUT_NUMBER)
    other.goto("/portal/account/edit")
    other.shot("tanpa-nomor")
    assert "id_doc_type" in other.marked()
    assert other.help_texts().get("id_doc_type") == DOC_HELP
    assert other.page.get_attribute("#id_doc_type", "required") is None
    other.fill(id_doc_type="", id_doc_number="1674015505900073")
    assert other.submit("#save-profile") == 422
    other.shot("tanpa-nomor-nomor-saja")
    assert other.help_texts().get("id_doc_type") == REQUIRED
    other.fill(id_doc_type="", id_doc_number="")
    assert other.submit("#save-profile") == 200  # neither: nothing required


def test_a_decided_request_for_erasure_offers_no_actions(app, people, applicants):
    with app.app_context():
        session = app.appbuilder.session
        row = m.ErasureRequest(user_id=applicants[WITHOUT_NUMBER], state="pending",
                               reason="Tidak lagi memakai layanan (tidy).",
                               requested_at=dt.datetime(2026, 11, 30, 2, 0))
        session.add(row)
        session.commit()
        pk = row.id
        session.remove()
    admin = people("admin")
    admin.log_in("admin")
    admin.goto(f"/erasurerequestview/show/{pk}")
    admin.shot("menunggu")
    actions = admin.page.locator("a, button").filter(has_text="Hapus akun")
    assert actions.count() >= 1
    with admin.page.expect_navigation(url=f"**/erasurerequestview/refuse/{pk}"):
        admin.page.locator("a, button").filter(has_text="Tolak").first.click()
    admin.page.fill("textarea[name=note], input[name=note]",
                    "Masih ada permohonan yang berjalan.")
    assert admin.submit("#decide-submit") == 200
    admin.shot("ditolak")
    assert "/show/" in admin.page.url
    assert admin.page.locator("a, button").filter(has_text="Hapus akun").count() == 0
    assert admin.page.locator("a, button").filter(has_text="Tolak").count() == 0
    assert admin.page.locator("a[href*='/erasurerequestview/action/']").count() == 0
    admin.goto("/erasurerequestview/list/")
    admin.shot("daftar")
    assert admin.page.locator("a[href*='/erasurerequestview/action/']").count() == 0


def test_the_last_step_names_each_missing_answers_step(app, people, world):
    me = people("pemohon-langkah", PHONE)
    me.log_in(OWNER)
    me.goto("/portal/requests/new?step=activity")
    me.page.fill("#title", "Survei Langkah Peramban Rapi 2027")
    me.page.fill("#year", "2027")
    me.page.select_option("#kind", "survey")
    with me.page.expect_navigation():
        me.page.click("#step-next")
    req_path = me.page.url.split("?")[0].replace(me.base, "")
    me.goto(f"{req_path}?step=review")
    me.shot("langkah-terakhir")
    link = me.page.locator("#missing li").filter(has_text="langkah 2").first
    assert link.count() == 1
    with me.page.expect_navigation():
        link.locator("a").click()
    me.shot("langkah-2")
    assert "step=organiser" in me.page.url
    assert "Langkah 2 dari" in me.page.locator("#step-count").inner_text()
