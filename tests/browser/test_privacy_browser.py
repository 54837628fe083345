"""Issue 25's personal-data screens (UU 27/2022) walked in headless Chromium, as each person
who uses them does:

1. the officer adds guest book entries from the menu ("Front office" → "Buku tamu" → +), the
   office's privacy notice above the form: (a) nothing filled: held back by the browser in
   its words, nothing stored; (b) only the required name: stored; (c) an ordinary visitor with a
   NIK typed in groups: stored without the spaces, encrypted, shown masked, never whole;
   (d) hostile values (a NIK with an impossible date, letters in a NIK, markup in the name):
   refused in words or kept as inert text. Then the officer reveals the number, a reason
   required, and finds the reveal in the audit trail; the entry's edit form never holds the
   number and, saved untouched, keeps it;
2. the head of the office reads the same entry masked, without the reveal button, and is
   refused the reveal page;
3. the admin reads "Catatan pemrosesan data" (an officer may not), writes the office's own
   privacy notice and a retention period (0 and "abc" refused in words); the officer's guest
   book form then shows the office's own notice;
4. a visitor registers on a phone: the notice above the form; without the consent box
   refused (by the browser, and by the server for a client that skips the browser's check);
   with it, accepted; the page never wider than the phone.

What the walk found, then fixed, is held by the tests at the end: a phone's registration form
with its fields out of sight, a name of spaces stored, 31 February taken as a NIK's birth date,
a reveal button on an entry without a number, an English label in the records of processing.

An office of this module's own (OFFICE) with its own officer and head. Screenshots go to
REKOMSTAT_SHOTS=<folder>/privacy when set, else the test's temporary folder.
"""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

from conftest import ensure_users

pytestmark = pytest.mark.browser

OFFICE, OFFICE_NAME = "1680", "BPS Kabupaten Uji Privasi Peramban"
OFFICER, HEAD = "petugas.privasi1680", "kepala.privasi1680"
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Record|"
                     r"Records|Show|Select|Choose|Please|Required|Yes|No|True|False|None|"
                     r"Privacy|Notice|Identity|Number|Reason|Reveal|Full|Stored|Leave|Keep|"
                     r"Purpose|Retention|Legal|Accounts?|Guest|Visitor|Consent|Register|Id|"
                     r"Audit|Who|Why)\b")
NIK, NIK_TYPED, NIK_MASKED = "1674015505900001", "1674 0155 0590 0001", "1674••••••••0001"
NIK_WRONG = ("NIK terdiri atas 16 angka (kode wilayah, tanggal lahir, nomor urut), seperti pada "
             "KTP.")
REQUIRED = "Isian ini wajib diisi."
NO_REASON = "Tuliskan alasan Anda memerlukan nomor lengkap (paling sedikit 5 karakter)."
REASON = "Mencocokkan identitas tamu dengan permohonan surat rekomendasi yang diajukannya."
REVEALED = "Nomor identitas ditampilkan"
KEPT = "Tersimpan: 1674••••••••0001. Biarkan kosong untuk mempertahankannya"
SCRIPT_NAME = "<script>alert(1)</script> Rahmat"
NO_CONSENT = "Mohon baca pemberitahuan privasi dan setujui untuk mendaftar."
SENT = "Informasi pendaftaran telah dikirim ke surel Anda"
OWN_NOTICE = ("Pemberitahuan privasi BPS Kabupaten Uji Privasi: nama dan nomor identitas tamu "
              "dipakai hanya untuk buku tamu dan dihapus setelah satu tahun. Pertanyaan: "
              "ppid1680@bps.go.id.")
DENIED = "Akses Ditolak"


# --- people at browser windows ------------------------------------------------------------------


class Person(people_base.Person):
    """A person of this walk: no English word on a screen, no identity number in full on a
    page that is not the reveal (``secret``: the number this window must never see)."""

    broken = (*people_base.Person.broken, "__None", "None None")
    secret = NIK
    tolerated: set = frozenset()  # English words a walk may allow on a screen (none today)

    def check(self, path):
        super().check(path)
        english = sorted(set(ENGLISH.findall(self.main_text())) - set(self.tolerated))
        assert not english, f"{path}: English words on the screen: {english}"
        if self.secret and "/identity/" not in self.page.url:
            assert self.secret not in self.page.content(), f"{path}: the full number shows"

    def save(self) -> int:
        """Press the FAB form's "Simpan"; the status of the page it leads to."""
        with self.page.expect_navigation() as nav:
            self.page.locator("#model_form button[type=submit]").click()
        return nav.value.status

    def field_errors(self) -> dict:
        return self.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            '#model_form td .alert-danger')].map(e => [
            e.closest('td').querySelector('input, select, textarea').id, e.innerText.trim()]))""")

    def held_back(self) -> list:
        """The fields the browser holds the form back for (their "required")."""
        return self.page.evaluate("""() => [...document.querySelectorAll(
            'form :invalid')].filter(e => e.name).map(e => [e.name, e.validationMessage])""")

    def fits(self) -> bool:
        width = self.page.viewport_size["width"]
        return self.page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "privacy")
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


# --- the office, its people, what the database holds -------------------------------------------


@pytest.fixture(scope="module")
def site(app, world):
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Uji Privasi")
        ensure_users(app, OFFICE, ("Officer", OFFICER, "Sari", "Wulandari"),
                     ("Head", HEAD, "Bambang", "Hartono"))
        session = app.appbuilder.session
        ids = {"office": office.id, "setting": session.scalars(sa.select(m.OfficeSetting.id)
                                                              .where(m.OfficeSetting.office_id
                                                                     == office.id)).one()}
        session.remove()
    return ids


def entries(app, site) -> list[dict]:
    """The office's guest book as the database holds it (the number read through its key)."""
    with app.app_context():
        session = app.appbuilder.session
        rows = session.scalars(sa.select(m.GuestBookEntry).where(
            m.GuestBookEntry.office_id == site["office"]).order_by(m.GuestBookEntry.id)).all()
        found = [{"id": r.id, "name": r.name, "kind": r.id_doc_type,
                  "number": r.id_doc_number, "agency": r.agency, "phone": r.phone,
                  "email": r.email, "purpose": r.purpose} for r in rows]
        session.remove()
    return found


def raw_number(app, entry_id: int) -> str | None:
    """The number's column as the database holds it (no decryption)."""
    with app.app_context():
        session = app.appbuilder.session
        value = session.execute(sa.text("SELECT id_doc_number FROM guest_book_entry "
                                        "WHERE id = :k"), {"k": entry_id}).scalar()
        session.remove()
    return value


def reveals(app, entry_id: int) -> list[tuple]:
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.AuditEvent.actor_id, m.AuditEvent.note).where(
            m.AuditEvent.object_type == "guest_book_entry", m.AuditEvent.object_id == entry_id,
            m.AuditEvent.action == "reveal_identity")).all()
        session.remove()
    return [tuple(r) for r in rows]


def setting(app, site) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        row = session.get(m.OfficeSetting, site["setting"])
        found = {"notice": row.privacy_notice, "guest_book": row.retention_guest_book_days,
                 "tickets": row.retention_tickets_days}
        session.remove()
    return found


def set_notice(app, site, text):
    from app.core import process_cache

    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(m.OfficeSetting.id == site["setting"])
                        .values(privacy_notice=text, retention_guest_book_days=730))
        session.commit()
        session.remove()
    process_cache.forget_all()  # as the settings screen's save does


def add_entry(person: Person, **values) -> int:
    """The guest book's add form filled as given (by field id), saved; the status."""
    page = person.page
    for field, value in values.items():
        if field == "id_doc_type":
            page.select_option("#id_doc_type", value)
        else:
            page.fill(f"#{field}", value)
    return person.save()


def open_add_form(person: Person) -> None:
    """From the guest book's list (by the menu, when elsewhere), its "+" (add) button."""
    if "/guestbookentryview/list" not in person.page.url:
        person.menu("Front office", "Buku tamu")
    with person.page.expect_navigation():
        person.page.locator('a[href*="/guestbookentryview/add"]').first.click()
    assert "/guestbookentryview/add" in person.page.url


def refused(person: Person, path: str, step: str) -> None:
    """The page at ``path`` (typed into the address bar) refused to this person: the 403
    page says so in words. Then back to the page before, as a person does."""
    response = person.page.goto(person.base + path)
    assert response.status == 403, (path, response.status)
    text = person.page.locator("body").inner_text()
    assert DENIED in text and "Anda tidak berhak membuka halaman ini." in text, text
    person.shot(step)
    person.page.go_back()


# --- 1 and 2: the guest book, the reveal, the head ----------------------------------------------


def test_the_officer_records_visitors_and_reveals_a_number_the_head_reads_it_masked(
        app, site, people):
    officer = people("petugas")
    officer.log_in(OFFICER)
    officer.menu("Front office", "Buku tamu")
    assert "/guestbookentryview/list" in officer.page.url
    open_add_form(officer)
    notice = officer.page.locator("#privacy-notice")
    assert notice.is_visible()
    assert "Pemberitahuan privasi" in notice.locator("summary").inner_text()
    notice.locator("summary").click()  # opened, as an officer reads it out
    assert "nomor dokumen identitas" in notice.inner_text()
    # The notice stands above the form it is about.
    assert notice.bounding_box()["y"] < officer.page.locator("#name").bounding_box()["y"]
    officer.shot("formulir-pemberitahuan")
    before = entries(app, site)

    # (a) Nothing filled: the browser holds the form back (the name is "required") with its
    # own words, nothing is sent. (Only spaces in the name get past it, and are stored:
    # test_a_guest_book_name_of_only_spaces_is_refused.)
    posts = []
    officer.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    officer.page.locator("#model_form button[type=submit]").click()
    officer.page.wait_for_timeout(300)
    held = officer.held_back()
    assert posts == [] and "name" in {n for n, _ in held} and all(w for _, w in held), held
    officer.shot("kosong")
    assert entries(app, site) == before

    # (b) Only the required name (the office and the document kind come chosen).
    assert add_entry(officer, name="Budi Santoso") == 200
    assert "/guestbookentryview/add" not in officer.page.url, officer.field_errors()
    [plain] = entries(app, site)[len(before):]
    assert (plain["name"], plain["kind"], plain["number"]) == ("Budi Santoso", "ktp", None)

    # (c) An ordinary visitor with a NIK typed in groups, as it is printed on the KTP.
    open_add_form(officer)
    assert add_entry(officer, name="Wulan Sari", id_doc_type="ktp", id_doc_number=NIK_TYPED,
                     agency="Dinas Sosial Kota Lubuklinggau", phone="0812 7000 9876",
                     email="wulan.sari@dinsos.lubuklinggaukota.go.id",
                     purpose="Konsultasi rekomendasi Survei Kebutuhan Data 2027") == 200
    officer.shot("daftar")
    listed = officer.page.locator("table").last.inner_text()
    assert "Wulan Sari" in listed and "Budi Santoso" in listed
    [visitor] = entries(app, site)[len(before) + 1:]
    assert visitor["number"] == NIK  # without the spaces
    raw = raw_number(app, visitor["id"])
    assert raw and NIK not in raw and "1674" not in raw  # encrypted at rest
    eid = visitor["id"]
    row = officer.page.locator("tr").filter(has_text="Wulan Sari")
    with officer.page.expect_navigation():
        row.locator(f'a[href*="/guestbookentryview/show/{eid}"]').first.click()
    shown = officer.page.locator("body").inner_text()
    assert NIK_MASKED in shown and "Kartu Tanda Penduduk (KTP)" in shown
    assert officer.page.locator("#reveal-identity").is_visible()
    officer.shot("rincian-tersamar")

    # (d) Hostile values: a NIK with an impossible date (day 32, month 13), a NIK with a
    # letter O for a zero; refused in words, the rest of the form kept. Markup in the name:
    # kept as inert text (no script runs: Person fails on a dialog).
    count = len(entries(app, site))
    open_add_form(officer)
    for number in ("1674013213900001", "16740155059O0001"):
        assert add_entry(officer, name="Rahmat Hidayat", id_doc_number=number,
                         agency="Bappeda Kota Uji") == 200
        assert officer.field_errors() == {"id_doc_number": NIK_WRONG}, officer.field_errors()
        assert officer.page.input_value("#agency") == "Bappeda Kota Uji"
    officer.shot("nik-salah")
    assert len(entries(app, site)) == count
    assert add_entry(officer, name=SCRIPT_NAME, id_doc_type="paspor",
                     id_doc_number="b 1234567") == 200
    [hostile] = entries(app, site)[count:]
    assert (hostile["name"], hostile["kind"], hostile["number"]) == (
        SCRIPT_NAME, "paspor", "B1234567")
    assert SCRIPT_NAME in officer.page.locator("table").last.inner_text()
    assert officer.page.locator("table script").count() == 0
    officer.shot("nama-aneh")

    # The reveal: no reason, refused in words, nothing written; a reason: the number, audited.
    officer.goto(f"/guestbookentryview/show/{eid}")
    with officer.page.expect_navigation():
        officer.page.click("#reveal-identity")
    assert f"/guestbookentryview/identity/{eid}" in officer.page.url
    assert officer.page.locator("#masked-number").inner_text() == NIK_MASKED
    assert "dicatat dalam jejak audit" in officer.page.locator("label[for=reason]").inner_text()
    officer.shot("alasan")
    with officer.page.expect_navigation() as nav:
        officer.page.click("#reveal-submit")
    assert nav.value.status == 422
    assert officer.page.locator("#reveal-form .help-block").inner_text() == NO_REASON
    assert officer.page.locator("#revealed-number").count() == 0
    assert NIK not in officer.page.content()
    officer.shot("tanpa-alasan")
    assert reveals(app, eid) == []
    officer.page.fill("#reason", REASON)
    with officer.page.expect_navigation():
        officer.page.click("#reveal-submit")
    assert officer.page.locator("#revealed-number").inner_text() == NIK
    officer.shot("nomor-lengkap")
    with app.app_context():
        officer_id = app.appbuilder.sm.find_user(username=OFFICER).id
        app.appbuilder.session.remove()
    assert reveals(app, eid) == [(officer_id, REASON)]

    officer.menu("Pengaturan", "Jejak audit")
    assert "/auditeventview/list" in officer.page.url
    first = officer.page.locator("table").last.locator("tbody tr").first.inner_text()
    assert REVEALED in first and "Isian buku tamu" in first, first
    officer.shot("jejak-audit")

    # The edit form holds no number, says which one is stored; saved untouched, it keeps it.
    officer.goto(f"/guestbookentryview/edit/{eid}")
    assert officer.page.input_value("#id_doc_number") == ""
    assert NIK not in officer.page.content()
    help_text = officer.page.locator("#id_doc_number").locator(
        "xpath=ancestor::td[1]").inner_text()
    assert KEPT in help_text, help_text
    officer.shot("ubah")
    assert officer.save() == 200
    assert "/guestbookentryview/edit" not in officer.page.url, officer.field_errors()
    assert entries(app, site)[len(before) + 1] == visitor  # every field, the number too

    # 2. The head of the office: the same entry masked, no button, the reveal refused.
    head = people("kepala")
    head.log_in(HEAD)
    head.goto(f"/guestbookentryview/show/{eid}")
    assert NIK_MASKED in head.page.locator("body").inner_text()
    assert head.page.locator("#reveal-identity").count() == 0
    head.shot("rincian-kepala")
    refused(head, f"/guestbookentryview/identity/{eid}", "tampilkan-ditolak")
    assert reveals(app, eid) == [(officer_id, REASON)]


# --- 3: the records of processing, the office's notice and retention ---------------------------


def test_the_admin_reads_the_records_and_sets_the_notice_and_retention(app, site, people):
    admin = people("admin")
    admin.log_in("admin")
    admin.menu("Pengaturan", "Catatan pemrosesan data")
    assert admin.page.url.endswith("/processing/")
    assert admin.page.locator(".panel-title:visible").first.inner_text().strip() == (
        "Catatan pemrosesan data pribadi")
    for table, label in (("guest_book_entry", "Buku tamu"), ("ab_user", "Akun"),
                         ("activity_request", "Permohonan")):
        record = admin.page.locator(f"#record-{table}")
        assert record.locator(".panel-heading").inner_text().strip() == label
        rows = dict(zip(record.locator("th").all_inner_texts(),
                        record.locator("td").all_inner_texts()))
        assert {"Tujuan", "Dasar hukum", "Masa simpan", "Yang boleh melihat",
                "Data pribadi"} <= set(rows), rows
        assert all(rows[k].strip() for k in rows), rows
    guests = admin.page.locator("#record-guest_book_entry").inner_text()
    assert "Nomor dokumen identitas" in guests and "terenkripsi" in guests
    assert "Petugas" in guests and "Kepala kantor" in guests
    admin.shot("catatan-pemrosesan")

    officer = people("petugas-ditolak")
    officer.log_in(OFFICER)
    assert not officer.menu_has("Catatan pemrosesan data")
    refused(officer, "/processing/", "catatan-ditolak")
    assert "Dasar hukum" not in officer.page.locator("body").inner_text()

    # The office's settings: its own notice and a retention period.
    try:
        admin.menu("Pengaturan", "Pengaturan kantor")
        row = admin.page.locator("tr").filter(has_text=OFFICE_NAME)
        with admin.page.expect_navigation():
            row.locator(f'a[href*="/officesettingview/edit/{site["setting"]}"]').first.click()
        assert admin.page.locator("#privacy_notice").is_visible()
        days = admin.page.locator("#retention_guest_book_days")
        assert days.input_value() == "730"
        admin.page.fill("#privacy_notice", OWN_NOTICE)
        for bad, said in (("0", "Angka harus antara 1 dan 36500."),
                          ("abc", "Bukan bilangan bulat yang valid.")):
            days.fill(bad)
            assert admin.save() == 200
            errors = admin.field_errors()
            assert errors.get("retention_guest_book_days", "").startswith(said), errors
            admin.shot(f"masa-simpan-{bad}")
            assert setting(app, site)["guest_book"] == 730
            assert admin.page.input_value("#privacy_notice") == OWN_NOTICE  # kept
        days.fill("365")
        assert admin.save() == 200
        assert "/officesettingview/edit" not in admin.page.url, admin.field_errors()
        admin.shot("tersimpan")
        assert setting(app, site) == {"notice": OWN_NOTICE, "guest_book": 365,
                                      "tickets": 730}

        # The officer's guest book form now gives the office's own words.
        open_add_form(officer)
        notice = officer.page.locator("#privacy-notice")
        notice.locator("summary").click()
        assert OWN_NOTICE in notice.inner_text()
        assert "Badan Pusat Statistik (BPS) mengumpulkan" not in notice.inner_text()
        officer.shot("pemberitahuan-kantor")
    finally:
        set_notice(app, site, None)


# --- 4: registering, on a phone ------------------------------------------------------------------


def _registration(tag: str) -> dict:
    return {"username": f"dewi.{tag}", "first_name": "Dewi", "last_name": "Anggraini",
            "email": f"dewi.{tag}@bappeda.lubuklinggaukota.go.id",
            "password": "kata-sandi-dewi-1", "conf_password": "kata-sandi-dewi-1",
            "id_doc_number": "1674016208950002", "phone": "0812 7000 5678",
            "agency": "Bappeda Kota Lubuklinggau", "position": "Analis Data"}


def _registered(app, username: str):
    with app.app_context():
        row = app.appbuilder.session.scalars(sa.select(m.RekomRegisterUser).where(
            m.RekomRegisterUser.username == username)).first()
        found = (row.privacy_consent_version, row.privacy_consent_at) if row else None
        app.appbuilder.session.remove()
    return found


def test_a_visitor_registers_on_a_phone_after_the_notice(app, world, site, people):
    visitor = people("pendaftar", PHONE)
    visitor.secret = None  # their own number, given back with a refused form
    values = _registration(uuid.uuid4().hex[:6])
    visitor.goto("/register/form")
    notice = visitor.page.locator("#privacy-notice")
    assert "Pemberitahuan privasi" in notice.inner_text()
    assert notice.bounding_box()["y"] < visitor.page.locator("#username").bounding_box()["y"]
    consent = visitor.page.locator("#privacy_consent")
    assert not consent.is_checked()
    assert "pemberitahuan privasi di atas" in visitor.page.locator(
        "label[for=privacy_consent]").inner_text()
    visitor.shot("formulir")
    assert visitor.fits(), visitor.page.evaluate("document.documentElement.scrollWidth")

    # Everything but the agreement: the browser holds the form back at the box...
    for field, value in values.items():
        visitor.page.fill(f"#{field}", value)
    posts = []
    visitor.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    visitor.page.click("#register-submit")
    visitor.page.wait_for_timeout(300)
    held = visitor.held_back()
    assert posts == [] and [n for n, _ in held] == ["privacy_consent"], held
    visitor.shot("tanpa-centang-peramban")
    # ... and a client that skips the browser's check is refused by the server, in words.
    visitor.page.evaluate("document.querySelector('#register-form').noValidate = true")
    with visitor.page.expect_navigation() as nav:
        visitor.page.click("#register-submit")
    assert nav.value.status == 422
    assert NO_CONSENT in visitor.page.locator("#register-form").inner_text()
    assert _registered(app, values["username"]) is None
    visitor.shot("tanpa-centang")
    assert visitor.fits(), visitor.page.evaluate("document.documentElement.scrollWidth")

    # With the box ticked: accepted, the agreement recorded.
    for field in ("password", "conf_password"):  # a refused form does not give them back
        visitor.page.fill(f"#{field}", values[field])
    visitor.page.check("#privacy_consent")
    with visitor.page.expect_navigation():
        visitor.page.click("#register-submit")
    assert SENT in visitor.alerts(), visitor.alerts()
    version, at = _registered(app, values["username"])
    assert version and at
    visitor.shot("terdaftar")


# --- what the walk found, now fixed ------------------------------------------------------------


def test_on_a_phone_the_registration_fields_and_consent_box_are_in_sight(app, world, people):
    visitor = people("pendaftar-lebar", PHONE)
    visitor.goto("/register/form")
    visitor.shot("formulir")
    for field in ("#username", "#password", "#privacy_consent"):
        box = visitor.page.locator(field).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], (field, box)


def test_a_guest_book_name_of_only_spaces_is_refused(app, site, people):
    officer = people("petugas-spasi")
    officer.log_in(OFFICER)
    officer.goto("/guestbookentryview/add")
    before = entries(app, site)
    assert add_entry(officer, name="   ") == 200
    stored = entries(app, site)[len(before):]
    with app.app_context():  # the walk's other steps must not see it
        session = app.appbuilder.session
        session.execute(sa.delete(m.GuestBookEntry).where(
            m.GuestBookEntry.id.in_([e["id"] for e in stored])))
        session.commit()
        session.remove()
    officer.shot("nama-spasi")
    assert stored == [] and officer.field_errors().get("name") == REQUIRED, (
        stored, officer.field_errors())


def test_a_nik_born_on_31_february_is_refused(app, site, people):
    officer = people("petugas-tanggal")
    officer.log_in(OFFICER)
    officer.goto("/guestbookentryview/add")
    before = entries(app, site)
    assert add_entry(officer, name="Tanggal Mustahil", id_doc_number="1674013102900001") == 200
    stored = entries(app, site)[len(before):]
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.GuestBookEntry).where(
            m.GuestBookEntry.id.in_([e["id"] for e in stored])))
        session.commit()
        session.remove()
    officer.shot("31-februari")
    assert stored == [] and officer.field_errors() == {"id_doc_number": NIK_WRONG}, (
        stored, officer.field_errors())


def test_an_entry_without_a_number_offers_no_reveal(app, site, people):
    with app.app_context():
        session = app.appbuilder.session
        entry = m.GuestBookEntry(office_id=site["office"], name="Tamu Tanpa Identitas",
                                 id_doc_type="ktp", agency="Dinas Uji")
        session.add(entry)
        session.commit()
        eid = entry.id
        session.remove()
    officer = people("petugas-tanpa-nomor")
    officer.log_in(OFFICER)
    officer.goto(f"/guestbookentryview/show/{eid}")
    officer.shot("tanpa-nomor")
    assert officer.page.locator("#reveal-identity").count() == 0


def test_every_column_of_the_records_is_named_in_indonesian(app, world, people):
    admin = people("admin-label")
    admin.log_in("admin")
    admin.goto("/processing/")
    admin.shot("catatan")  # Person.check: no English word on the screen
