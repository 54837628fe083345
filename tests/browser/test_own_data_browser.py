"""Issue 25, the applicant's own data (UU 27/2022) walked in headless Chromium:

1. an applicant opens "Akun saya" (the identity number masked) and corrects the profile with
   (a) nothing filled: refused in Indonesian next to each required field, nothing stored;
   (b) only the fields marked *: saved; (c) a complete ordinary profile with a new NIK typed in
   groups: saved, shown masked; (d) hostile values (very long text refused; markup, bidi
   characters and emoji kept as inert text); both pages fit a 375 px phone;
2. the download buttons answer 200 with their content type;
3. the applicant asks for erasure without the password (refused, the reason kept), then with
   it (sent: the account page says it waits);
4. the admin opens the request from the list, refuses it with an empty note (refused), erases
   the account, and the applicant can no longer log in.

Screenshots go to REKOMSTAT_SHOTS=<folder>/own-data when set.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

from conftest import PASSWORD

pytestmark = pytest.mark.browser

USER, EMAIL = "pemohon.peramban.data", "darmaji.peramban@dinas-data.test"
NIK, NIK_MASKED = "1674015505900058", "1674••••••••0058"
NEW_NIK_TYPED, NEW_NIK, NEW_MASKED = "3171 0101 0190 0012", "3171010101900012", "3171••••••••0012"
REQUIRED = "Isian ini wajib diisi."
NOT_SAVED = "Profil tidak disimpan: silakan periksa formulir."
SAVED = "Profil Anda telah disimpan."
WRONG_PASSWORD = "Kata sandi tidak benar."
WAITING = "Menunggu kantor"
SCRIPT = "<script>alert(1)</script> Darmaji"
BIDI = "Dinas \u202eatad\u202c Kota \u05d3\u05e0\u05d9"
EMOJI = "Analis 📊 Data 🇮🇩"
REASON = "Saya tidak lagi bekerja di dinas ini."
SMALL = {"width": 375, "height": 812}


class Person(people_base.Person):
    broken = (*people_base.Person.broken, "__None", "None None")

    def fits(self) -> bool:
        width = self.page.viewport_size["width"]
        return self.page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "own-data")
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


@pytest.fixture(scope="module")
def applicant(app, world):
    from app.ops.bootstrap import create_user

    with app.app_context():
        session = app.appbuilder.session
        user = app.appbuilder.sm.find_user(username=USER)
        if user is None:
            user = create_user("Applicant", USER, EMAIL, PASSWORD)
        user = session.get(m.RekomUser, user.id)
        user.first_name, user.last_name, user.phone = "Darmaji", "Peramban", "0813-5555-9911"
        user.agency, user.position = "Dinas Data Peramban", "Pranata Komputer"
        user.id_doc_type, user.id_doc_number = "ktp", NIK
        session.commit()
        uid = user.id
        session.remove()
    return uid


def profile(app, uid) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, uid)
        values = {c: getattr(user, c) for c in (
            "first_name", "last_name", "phone", "agency", "position", "id_doc_type",
            "id_doc_number", "active", "email")}
        session.remove()
    return values


def erasures(app, uid) -> list:
    with app.app_context():
        session = app.appbuilder.session
        rows = [(r.id, r.state, r.reason) for r in session.scalars(
            sa.select(m.ErasureRequest).where(m.ErasureRequest.user_id == uid)
            .order_by(m.ErasureRequest.id))]
        session.remove()
    return rows


def fill(person, **values):
    for name, value in values.items():
        if name == "id_doc_type":
            person.page.select_option("#id_doc_type", value)
        else:
            person.page.fill(f"#{name}", value)


def test_the_applicant_corrects_the_profile_and_sees_it_escaped(app, applicant, people):
    me = people("pemohon", PHONE)
    me.log_in(USER)
    me.goto("/portal/account")
    me.shot("akun")
    assert me.page.locator("#masked-number").inner_text().strip() == NIK_MASKED
    assert NIK not in me.page.content()
    with me.page.expect_navigation():
        me.page.click("#edit-profile")
    me.shot("ubah-profil")
    assert me.page.input_value("#id_doc_number") == ""  # the number never sent back
    marked = me.page.evaluate("""() => [...document.querySelectorAll('label')]
        .filter(l => l.innerText.trim().endsWith('*')).map(l => l.htmlFor)""")
    assert marked == ["first_name", "phone", "agency", "id_doc_type"], marked

    # (a) nothing filled: refused next to each required field, nothing stored.
    before = profile(app, applicant)
    fill(me, first_name="", last_name="", phone="", agency="", position="")
    assert me.submit("#save-profile") == 422
    me.shot("a-kosong")
    helps = me.help_texts()
    for name in ("first_name", "phone", "agency"):
        assert helps.get(name) == REQUIRED, helps
    assert NOT_SAVED in " ".join(me.alerts())
    assert profile(app, applicant) == before

    # (b) only the fields marked *: saved (the stored number and its kind kept).
    fill(me, first_name="Darmaji", phone="0813 5555 9911", agency="Dinas Data Peramban")
    assert me.submit("#save-profile") == 200 and me.page.url.endswith("/portal/account")
    me.shot("b-wajib-saja")
    assert SAVED in " ".join(me.alerts())
    after = profile(app, applicant)
    assert (after["first_name"], after["last_name"], after["position"]) == ("Darmaji", "-",
                                                                           None)
    assert after["id_doc_number"] == NIK

    # (c) a complete ordinary profile, the new NIK typed in groups.
    me.goto("/portal/account/edit")
    fill(me, first_name="Darmaji", last_name="Wiranata", phone="0813 5555 9911",
         agency="Dinas Komunikasi dan Informatika", position="Statistisi Ahli Muda",
         id_doc_type="ktp", id_doc_number=NEW_NIK_TYPED)
    assert me.submit("#save-profile") == 200 and me.page.url.endswith("/portal/account")
    me.shot("c-lengkap")
    assert me.page.locator("#masked-number").inner_text().strip() == NEW_MASKED
    assert NEW_NIK not in me.page.content()
    assert profile(app, applicant)["id_doc_number"] == NEW_NIK
    assert "Darmaji Wiranata" in me.main_text()

    # (d) hostile values: a very long name refused in words, next to the field…
    me.goto("/portal/account/edit")
    saved = profile(app, applicant)
    fill(me, first_name="Panjang" * 100)
    assert me.submit("#save-profile") == 422
    me.shot("d-panjang")
    assert me.help_texts().get("first_name", "").startswith("Paling banyak"), me.help_texts()
    assert profile(app, applicant) == saved
    # …and a letter-less NIK refused next to the number.
    fill(me, first_name="Darmaji", id_doc_number="abcd efgh")
    assert me.submit("#save-profile") == 422
    assert "id_doc_number" in me.help_texts(), me.help_texts()
    assert profile(app, applicant) == saved
    # …markup, bidi characters and emoji kept as inert text.
    fill(me, first_name=SCRIPT, agency=BIDI, position=EMOJI, id_doc_number="")
    assert me.submit("#save-profile") == 200 and me.page.url.endswith("/portal/account")
    me.shot("d-aneh")
    stored = profile(app, applicant)
    assert (stored["first_name"], stored["agency"], stored["position"]) == (SCRIPT, BIDI,
                                                                           EMOJI)
    text = me.main_text()
    assert SCRIPT in text and EMOJI in text and BIDI in text
    assert me.page.locator("#profile script").count() == 0
    assert me.fits()
    # The edit form shows them back as values, not markup.
    me.goto("/portal/account/edit")
    assert me.page.input_value("#first_name") == SCRIPT
    assert me.page.input_value("#agency") == BIDI
    me.shot("d-aneh-formulir")

    # On a 375 px phone both pages fit without sideways scrolling.
    small = people("pemohon-375", SMALL)
    small.log_in(USER)
    for path, name in (("/portal/account", "akun-375"), ("/portal/account/edit", "ubah-375"),
                       ("/portal/account/erase", "hapus-375")):
        small.goto(path)
        small.shot(name)
        assert small.fits(), f"{path} scrolls sideways at 375 px"

    # Back to an ordinary profile for the erasure walk.
    me.goto("/portal/account/edit")
    fill(me, first_name="Darmaji", agency="Dinas Data Peramban", position="Pranata Komputer")
    assert me.submit("#save-profile") == 200


def test_the_applicant_downloads_asks_for_erasure_and_the_admin_decides(
        app, applicant, people):
    me = people("pemohon-hapus", PHONE)
    me.log_in(USER)
    me.goto("/portal/account")
    # Each button's icon is one the page's icon font has (an unknown name draws nothing).
    drawn = me.page.evaluate("""() => [...document.querySelectorAll('#my-data .btn i.fa')]
        .map(i => getComputedStyle(i, '::before').content)""")
    assert len(drawn) == 2 and "none" not in drawn, drawn
    for button, kind in (("#download-json", "application/json"),
                         ("#download-pdf", "application/pdf")):
        href = me.page.get_attribute(button, "href")
        response = me.page.request.get(me.base + href if href.startswith("/") else href)
        assert response.status == 200, (button, response.status)
        assert response.headers["content-type"].split(";")[0] == kind, response.headers
        assert "attachment" in response.headers.get("content-disposition", "")
        body = response.body()
        assert body.startswith(b"%PDF-") if kind.endswith("pdf") else body.lstrip()[:1] == b"{"

    with me.page.expect_navigation():
        me.page.click("#ask-erasure")
    me.shot("hapus")
    assert me.page.locator("#kept li").count() > 0
    # Without the password: refused in words next to it, the reason kept.
    me.page.fill("#reason", REASON)
    assert me.submit("#send-erasure") == 422
    me.shot("hapus-tanpa-sandi")
    assert me.help_texts().get("password") == REQUIRED, me.help_texts()
    assert me.page.input_value("#reason") == REASON
    # A wrong one: refused as wrong.
    me.page.fill("#password", "bukan-sandinya")
    assert me.submit("#send-erasure") == 422
    assert me.help_texts().get("password") == WRONG_PASSWORD, me.help_texts()
    assert me.page.input_value("#reason") == REASON
    assert erasures(app, applicant) == []
    # With it: sent, and the account page says it waits.
    me.page.fill("#password", PASSWORD)
    assert me.submit("#send-erasure") == 200 and me.page.url.endswith("/portal/account")
    me.shot("hapus-terkirim")
    assert WAITING in me.page.locator("#erasure-state").inner_text()
    assert me.page.locator("#ask-erasure").count() == 0
    (pk, state, reason), = erasures(app, applicant)
    assert (state, reason) == ("pending", REASON)

    admin = people("admin")
    admin.log_in("admin")
    admin.goto("/erasurerequestview/list/")
    admin.shot("daftar")
    row = admin.page.locator("table tr").filter(has_text="Darmaji Wiranata")
    assert row.count() == 1 and WAITING in row.inner_text()
    with admin.page.expect_navigation():
        row.locator(f"a[href*='/show/{pk}']").first.click()
    admin.shot("rincian")
    assert REASON in admin.main_text()

    # Refused with an empty note: refused, still waiting.
    with admin.page.expect_navigation(url=f"**/erasurerequestview/refuse/{pk}"):
        admin.page.locator("a, button").filter(has_text="Tolak").first.click()
    admin.shot("tolak")
    admin.submit("#decide-submit")
    admin.shot("tolak-kosong")
    assert admin.page.locator(".alert-danger").count() == 1, admin.alerts()
    assert [s for _, s, _ in erasures(app, applicant)] == ["pending"]

    # Erased: done, and the applicant can no longer log in.
    admin.goto(f"/erasurerequestview/show/{pk}")
    with admin.page.expect_navigation(url=f"**/erasurerequestview/erase/{pk}"):
        admin.page.locator("a, button").filter(has_text="Hapus akun").first.click()
    admin.shot("hapus-akun")
    assert admin.page.locator("#kept li").count() > 0
    assert admin.submit("#decide-submit") == 200
    admin.shot("terhapus")
    assert "/show/" in admin.page.url
    assert [s for _, s, _ in erasures(app, applicant)] == ["done"]
    gone = profile(app, applicant)
    assert not gone["active"] and gone["id_doc_number"] is None and gone["email"] != EMAIL

    late = people("pemohon-terhapus", PHONE)
    late.goto("/login/")
    late.page.fill("#username", USER)
    late.page.fill("#password", PASSWORD)
    with late.page.expect_navigation():
        late.page.locator("input[type=submit], button[type=submit]").first.click()
    late.shot("masuk-ditolak")
    assert "/login" in late.page.url
    late.goto("/portal/account")
    assert "/login" in late.page.url
