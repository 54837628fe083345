"""Issue 23's sign-off chain walked in headless Chromium, as the people who meet it do:

1. the admin opens "Pengaturan" → "Pengaturan kantor" for the office, saves it unchanged, then
   turns "Paraf ketua tim/kepala seksi sebelum tanda tangan" on; the page reads it in words;
2. the officer drafts the letter ("Susun draf surat"); the section head finds it on the home
   page under "Surat untuk diparaf", with "Paraf surat" and "Kembalikan draf" and no
   "Terbitkan surat"; the head finds no "Terbitkan surat" on that draft either;
3. the section head returns the draft ("Kembalikan draf"): an empty note is refused, a hostile
   one is kept as typed and shown as text, and the drafter gets a mail;
4. the officer drafts again, the section head initials it ("Paraf surat"); the officer can no
   longer change the draft;
5. the head finds it under the letters to sign and issues it ("Terbitkan surat");
6. four eyes: one person holding both Officer and SectionHead drafts, then cannot initial;
7. the section head finds no admin screen nor the request's edit form; an applicant, not the
   staff's request page. Also the section head's home on a phone-width window.

An office of this module's own (OFFICE) with its own people, so the letters on their home
pages are this module's. Each request is brought to "verified" through the workflow (the
review is not what is walked here). Each step saves a screenshot: into
REKOMSTAT_SHOTS=<folder>/signoff when set, else the test's temporary folder.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

from conftest import ensure_users

pytestmark = pytest.mark.browser

OFFICE, OFFICE_NAME = "1691", "BPS Kabupaten Uji Paraf"
HEAD, SECTION, OFFICER, DUAL = ("kepala.paraf1691", "kasi.paraf1691", "petugas.paraf1691",
                                "ganda.paraf1691")
SETTING_LABEL = "Paraf ketua tim/kepala seksi sebelum tanda tangan"
# FAB's English words, and the chain's own, where Indonesian belongs on the screens of this walk.
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Record|"
                     r"Records|Show|Select|Choose|Please|Required|Yes|No|True|False|None|"
                     r"Initial|Initials|Initialled|Return|Draft|Drafted|Issue|Section|Letter|"
                     r"Signer)\b")
# The request's state as its page's label reads it.
DRAFTED, INITIALLED = "Draf surat disusun", "Surat diparaf"
LOCKED = ("Surat ini sudah diparaf ketua tim/kepala seksi: surat hanya dapat diubah setelah "
          "dikembalikan.")


# --- people at browser windows ------------------------------------------------------------------


class Person(people_base.Person):
    """A person of these walks: the request page's buttons as a person uses them, and no English
    word on a screen."""

    broken = (*people_base.Person.broken, "__None", "None None")

    def check(self, path):
        super().check(path)
        english = sorted(set(ENGLISH.findall(self.main_text())))
        assert not english, f"{path}: English words on the screen: {english}"

    def request_page(self, rid: int):
        self.goto(f"/activityrequestview/show/{rid}")

    def state(self) -> str:
        return self.page.locator("#request-state").inner_text().strip()

    def buttons(self) -> list[str]:
        """The request page's action buttons, as they read."""
        return [t.strip() for t in
                self.page.locator("#request-actions a.btn").all_inner_texts() if t.strip()]

    def action(self, name: str):
        """One of the request page's action buttons: a link to "#" whose script posts the
        action's form; wait for the page the post leads to."""
        actions = self.page.locator("#request-actions")
        with self.page.expect_navigation(url=lambda url: not url.endswith("#")):
            actions.get_by_role("link", name=name).click()

    def refused(self, path: str, part: str) -> bool:
        """Opening ``path`` leads nowhere: FAB sends the user to the log-in page or home with
        "access denied", or answers 403/404 (``part``: what the screen's address holds)."""
        response = self.page.goto(self.base + path)
        status = response.status if response is not None else 0
        return status in (403, 404) or part not in self.page.url


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "signoff")


@pytest.fixture
def people(browser, live_server, folder):
    """``people(who, viewport)``: a new window; all closed (checked) at the end."""
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


# --- the office, its people, its requests -------------------------------------------------------


@pytest.fixture(scope="module")
def site(app, world):
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Uji Paraf")
        office.head_name = "Dr. Hendra Saputra, M.Si."
        office.head_nip = "197403151996031001"
        users = ensure_users(app, OFFICE, ("Head", HEAD, "Hendra", "Saputra"),
                             ("SectionHead", SECTION, "Nurul", "Aini"),
                             ("Officer", OFFICER, "Dewi", "Lestari"),
                             ("Officer", DUAL, "Agus", "Pranoto"))
        sm = app.appbuilder.sm
        dual = sm.find_user(username=DUAL)
        section_role = sm.find_role("SectionHead")
        if section_role not in dual.roles:
            dual.roles.append(section_role)
        app.appbuilder.session.commit()
        ids = {"office": office.id, "applicant": world.users["applicant_a"],
               **{key: users[name] for key, name in (
                   ("head", HEAD), ("section", SECTION), ("officer", OFFICER),
                   ("dual", DUAL))}}
        ids["setting"] = app.appbuilder.session.scalar(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == office.id))
        app.appbuilder.session.remove()
    return ids


def set_chain(app, site, on: bool) -> None:
    """The office's setting written directly (the screen is walked in test 1)."""
    from app.core import process_cache

    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == site["office"]).values(initials_required=on))
        session.commit()
        session.remove()
    process_cache.forget_all()


@pytest.fixture
def chain_on(app, site):
    set_chain(app, site, True)


def verified(app, site, title: str, officer: str = "officer", then=()) -> int:
    """A request of the office taken through its review to "verified" by ``officer`` with the
    workflow, then through ``then``: (action, person key, note) steps."""
    from app.core import codes
    from app.requests import workflow

    with app.app_context():
        session = app.appbuilder.session
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=site["office"],
            applicant_id=site["applicant"], state="submitted", title=title, year=2027,
            kind="survey", agency_name="Dinas Pertanian Kabupaten Uji Paraf",
            agency_head_title="Kepala Dinas Pertanian Kabupaten Uji Paraf",
            agency_address="Jl. Merdeka No. 7, Kabupaten Uji Paraf",
            resp_name="Rina Marlina", resp_email="rina@pertanian.test",
            collection_start=dt.date(2027, 3, 1), collection_end=dt.date(2027, 4, 30),
            objectives="Mengukur produktivitas padi sawah per kecamatan.",
            submitted_at=dt.datetime(2026, 11, 2, 3), complete_at=dt.datetime(2026, 11, 2, 3),
            due_date=dt.date(2026, 12, 15))
        session.add(req)
        session.commit()
        rid = req.id

        def who(key):
            return session.get(m.RekomUser, site[key])

        workflow.apply(session, rid, "start_review", who(officer))
        items = workflow.applicable_checklist(session, session.get(m.ActivityRequest, rid))
        workflow.record_review(session, rid, who(officer),
                               {item.id: {"ok": True} for item in items})
        workflow.apply(session, rid, "verify", who(officer))
        for action, key, note in then:
            workflow.apply(session, rid, action, who(key), note=note)
        session.remove()
    return rid


def request_of(app, rid: int) -> dict:
    """What the database holds of the request and its letter now."""
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, rid)
        letter = req.letter
        values = {"state": req.state, "code": req.tracking_code, "title": req.title}
        for column in ("id", "body", "number", "drafted_by_id", "initialled_by_id",
                       "initialled_at", "issued_by_id"):
            values[column] = getattr(letter, column) if letter is not None else None
        session.remove()
    return values


def outbox_rows(app, address: str) -> list[dict]:
    with app.app_context():
        session = app.appbuilder.session
        rows = [{"id": r.id, "subject": r.subject, "text": r.body_text or "",
                 "html": r.body_html or ""}
                for r in session.scalars(sa.select(m.OutboundEmail).where(
                    m.OutboundEmail.recipient == address).order_by(m.OutboundEmail.id))]
        session.remove()
    return rows


def mail(name: str) -> str:
    return f"{name}@rekomstat.test"


def home_row(person: Person, panel: str, code: str):
    return person.page.locator(f"#{panel} tr.rekom-task").filter(has_text=code)


# --- 1: the admin turns the chain on ------------------------------------------------------------


def _setting_values(app, site) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        row = session.get(m.OfficeSetting, site["setting"])
        # An empty text box saves "" where nothing was stored: the same for every reader.
        values = {c.key: getattr(row, c.key) if getattr(row, c.key) != "" else None
                  for c in m.OfficeSetting.__table__.columns}
        session.remove()
    return values


def test_1_the_admin_turns_the_initials_on(app, site, people):
    set_chain(app, site, False)
    before = _setting_values(app, site)
    admin = people("1-admin")
    admin.log_in("admin")
    # What the section head must not find (test 7), the admin finds.
    assert admin.menu_has("Pengaturan kantor") and admin.menu_has("Daftar Pengguna")
    admin.menu("Pengaturan", "Pengaturan kantor")
    admin.shot("daftar")
    row = admin.page.locator("table tr").filter(has_text=OFFICE_NAME).first
    edit = row.locator(f"a[href*='/officesettingview/edit/{site['setting']}']")
    with admin.page.expect_navigation():
        edit.click()
    box = admin.page.get_by_label(SETTING_LABEL, exact=False)
    assert box.count() == 1 and not box.is_checked()
    admin.shot("formulir")

    # (a) Saved with nothing changed: accepted, nothing different in the database.
    with admin.page.expect_navigation():
        admin.page.get_by_role("button", name="Simpan").click()
    admin.shot("simpan-tanpa-ubah")
    assert not admin.page.locator(".alert-danger").count(), admin.alerts()
    assert _setting_values(app, site) == before

    # (b) The initials ticked and saved: the show page says "Ya" beside the label.
    admin.goto(f"/officesettingview/edit/{site['setting']}")
    admin.page.get_by_label(SETTING_LABEL, exact=False).check()
    admin.shot("centang")
    with admin.page.expect_navigation():
        admin.page.get_by_role("button", name="Simpan").click()
    assert not admin.page.locator(".alert-danger").count(), admin.alerts()
    assert _setting_values(app, site) == {**before, "initials_required": True}
    admin.goto(f"/officesettingview/show/{site['setting']}")
    line = admin.page.locator("tr").filter(has_text=SETTING_LABEL).first.inner_text()
    assert re.search(rf"{re.escape(SETTING_LABEL)}\s+Ya\s*$", line), line
    admin.shot("lihat")


def test_1b_the_form_says_what_the_initials_do(app, site, people):
    admin = people("1b-admin")
    admin.log_in("admin")
    admin.goto(f"/officesettingview/edit/{site['setting']}")
    admin.shot("keterangan")
    assert "sebelum penanda tangan menandatanganinya" in admin.main_text()


# --- 2, 3: the officer drafts, the section head finds it and returns it -------------------------


def test_2_the_section_head_finds_the_draft_and_only_their_buttons(app, site, chain_on, people):
    rid = verified(app, site, "Survei Ubinan Jagung 2027")
    code = request_of(app, rid)["code"]
    before_mails = len(outbox_rows(app, mail(SECTION)))

    officer = people("2-petugas")
    officer.log_in(OFFICER)
    officer.request_page(rid)
    assert "Susun draf surat" in officer.buttons(), officer.buttons()
    officer.shot("terverifikasi")
    officer.action("Susun draf surat")
    assert officer.state() == DRAFTED
    chain = officer.page.locator("#letter-chain").inner_text()
    assert "Draf disusun oleh Dewi Lestari pada" in chain and "Diparaf" not in chain, chain
    officer.shot("draf")
    assert request_of(app, rid)["state"] == "letter_drafted"
    told = outbox_rows(app, mail(SECTION))[before_mails:]
    assert [r for r in told if code in r["subject"] and "paraf" in r["subject"]], told

    section = people("2-kasi")
    section.log_in(SECTION)
    row = home_row(section, "section-head-letters", code)
    row.wait_for()
    heading = section.page.locator("#section-head-letters .panel-heading").inner_text()
    assert "Surat untuk diparaf" in heading, heading
    section.shot("beranda")
    with section.page.expect_navigation():
        row.get_by_role("link").first.click()
    assert section.state() == DRAFTED
    assert "Paraf surat" in section.buttons() and "Kembalikan draf" in section.buttons()
    assert "Terbitkan surat" not in section.buttons(), section.buttons()
    assert section.page.locator("#edit-draft").count() == 0
    section.shot("permohonan")

    head = people("2-kepala")
    head.log_in(HEAD)
    assert home_row(head, "head-letters", code).count() == 0  # not theirs yet
    head.shot("beranda")
    head.request_page(rid)
    assert head.state() == DRAFTED
    assert "Terbitkan surat" not in head.buttons(), head.buttons()
    assert "Paraf surat" not in head.buttons(), head.buttons()
    head.shot("permohonan")


def test_3_the_section_head_returns_the_draft_with_a_note(app, site, chain_on, people):
    rid = verified(app, site, "Survei Harga Gabah 2027",
                   then=[("draft_letter", "officer", None)])
    drafted = request_of(app, rid)
    mails_before = len(outbox_rows(app, mail(OFFICER)))

    section = people("3-kasi")
    section.log_in(SECTION)
    section.request_page(rid)
    section.action("Kembalikan draf")
    assert section.page.locator("#note-form").is_visible()
    section.shot("catatan")

    # (a) No note: the browser holds the form back (the note is required) ...
    sent = len(section.statuses)
    section.page.locator("#note-form").get_by_role("button", name="Kembalikan draf").click()
    section.page.wait_for_timeout(300)
    assert len(section.statuses) == sent
    assert section.page.locator("#note").evaluate("e => !e.validity.valid")
    # ... and only spaces pass it: refused in words, nothing changed.
    section.page.fill("#note", "   \n  ")
    with section.page.expect_navigation():
        section.page.locator("#note-form").get_by_role("button", name="Kembalikan draf").click()
    said = " ".join(section.alerts())
    assert 'Tuliskan catatan untuk "Kembalikan draf".' in said, said
    section.shot("catatan-kosong")
    assert request_of(app, rid) == drafted
    assert len(outbox_rows(app, mail(OFFICER))) == mails_before

    # (d) A hostile note: markup, right-to-left, zero-width characters, 5 000 characters.
    note = ("Perbaiki <b>saran</b> <script>alert('x')</script><img src=x onerror=alert(1)> "
            "\u202eparaf\u202c \u200bnol\u200d " + "data " * 990)
    section.page.fill("#note", note)
    with section.page.expect_navigation():
        section.page.locator("#note-form").get_by_role("button", name="Kembalikan draf").click()
    assert any("Kembalikan draf" in a for a in section.alerts()), section.alerts()
    assert section.state() == "Terverifikasi"
    timeline = section.page.locator("#timeline")
    assert note.strip().split(" data")[0] in timeline.inner_text()
    assert timeline.locator("b, script, img").count() == 0
    section.shot("dikembalikan")
    after = request_of(app, rid)
    assert after["state"] == "verified" and after["initialled_by_id"] is None
    assert after["body"] == drafted["body"]  # the draft stays for the officer to revise

    returned = outbox_rows(app, mail(OFFICER))[mails_before:]
    assert len(returned) == 1, returned
    assert returned[0]["subject"] == f"Draf surat untuk permohonan {drafted['code']} dikembalikan"
    assert "Perbaiki <b>saran</b>" in returned[0]["text"], returned[0]["text"][:400]
    html = returned[0]["html"]
    assert "&lt;script&gt;" in html and "<script" not in html and "<img" not in html, html[:600]

    officer = people("3-petugas")
    officer.log_in(OFFICER)
    officer.request_page(rid)
    assert "Susun draf surat" in officer.buttons(), officer.buttons()
    officer.shot("kembali")


# --- 4, 5: initials, then the signature ---------------------------------------------------------


def test_4_the_section_head_initials_and_the_draft_is_frozen(app, site, chain_on, people):
    rid = verified(app, site, "Survei Produksi Kedelai 2027",
                   then=[("draft_letter", "officer", None),
                         ("return_draft", "section", "Ubah saran nomor 2.")])

    officer = people("4-petugas")
    officer.log_in(OFFICER)
    officer.request_page(rid)
    officer.action("Susun draf surat")
    assert officer.state() == DRAFTED
    officer.shot("draf-lagi")

    section = people("4-kasi")
    section.log_in(SECTION)
    section.request_page(rid)
    section.action("Paraf surat")
    assert section.state() == INITIALLED
    assert any("Paraf surat" in a for a in section.alerts()), section.alerts()
    chain = section.page.locator("#letter-chain").inner_text()
    assert "Draf disusun oleh Dewi Lestari" in chain, chain
    assert "Diparaf oleh Nurul Aini pada" in chain, chain
    # Initialled: no second initials, and only the signer returns it now.
    assert "Paraf surat" not in section.buttons() and "Kembalikan draf" not in section.buttons()
    section.shot("diparaf")
    initialled = request_of(app, rid)
    assert initialled["state"] == "letter_initialled"
    assert initialled["initialled_by_id"] == site["section"]
    assert initialled["drafted_by_id"] == site["officer"]

    officer.request_page(rid)
    assert officer.state() == INITIALLED
    assert officer.page.locator("#edit-draft").count() == 0
    assert "Ubah draf" not in officer.main_text()
    officer.shot("tanpa-ubah")

    # The edit form opened by its address: saving a change is refused in words.
    officer.goto(f"/letterview/edit/{initialled['id']}")
    officer.shot("ubah-langsung")
    if officer.page.locator("textarea#body").count():
        officer.page.fill("#body", "Teks yang diganti setelah paraf.")
        with officer.page.expect_navigation():
            officer.page.get_by_role("button", name="Simpan").click()
        officer.shot("ubah-ditolak")
    said = "\n".join([*officer.alerts(), *officer.page.locator(
        ".help-block, .text-danger").all_inner_texts()])
    assert LOCKED in said, said
    assert request_of(app, rid) == initialled


def test_4b_the_edit_form_of_an_initialled_draft_does_not_open(app, site, chain_on, people):
    rid = verified(app, site, "Survei Harga Produsen Gabah 2027",
                   then=[("draft_letter", "officer", None), ("initial", "section", None)])
    letter = request_of(app, rid)
    officer = people("4b-petugas")
    officer.log_in(OFFICER)
    officer.goto(f"/letterview/edit/{letter['id']}")
    officer.shot("buka-ubah")
    assert officer.page.locator("textarea#body").count() == 0
    assert any(LOCKED in a for a in officer.alerts()), officer.alerts()


def test_5_the_head_signs_the_initialled_letter(app, site, chain_on, people):
    rid = verified(app, site, "Survei Luas Panen Cabai 2027",
                   then=[("draft_letter", "officer", None), ("initial", "section", None)])
    code = request_of(app, rid)["code"]

    head = people("5-kepala")
    head.log_in(HEAD)
    row = home_row(head, "head-letters", code)
    row.wait_for()
    head.shot("beranda")
    with head.page.expect_navigation():
        row.get_by_role("link").first.click()
    assert head.state() == INITIALLED
    assert "Terbitkan surat" in head.buttons() and "Kembalikan draf" in head.buttons()
    assert "Diparaf oleh Nurul Aini" in head.page.locator("#letter-chain").inner_text()
    head.shot("permohonan")
    head.page.locator("#request-actions").get_by_role("link", name="Terbitkan surat").click()
    head.confirm_modal("Tandatangani dan terbitkan surat?")
    assert head.state() == "Diterbitkan"
    panel = head.page.locator("#letter-panel").inner_text()
    assert re.search(rf"B-\d+/{OFFICE}0/VS\.300/\d{{4}}", panel), panel
    head.shot("terbit")
    issued = request_of(app, rid)
    assert issued["state"] == "issued" and issued["number"] in panel
    assert issued["issued_by_id"] == site["head"]


# --- 6: four eyes -------------------------------------------------------------------------------


def test_6_who_drafted_the_letter_cannot_initial_it(app, site, chain_on, people):
    rid = verified(app, site, "Survei Harga Pupuk Bersubsidi 2027", officer="dual")
    dual = people("6-ganda")
    dual.log_in(DUAL)
    dual.request_page(rid)
    dual.action("Susun draf surat")
    assert dual.state() == DRAFTED
    dual.shot("draf")
    drafted = request_of(app, rid)
    assert drafted["drafted_by_id"] == site["dual"]

    dual.action("Paraf surat")
    said = " ".join(dual.alerts())
    assert "Anda menyusun draf surat ini: orang lain yang harus memarafnya" in said, said
    assert dual.state() == DRAFTED
    dual.shot("empat-mata")
    assert request_of(app, rid) == drafted


# --- 7: what the section head and an applicant cannot reach -------------------------------------


def test_7_the_section_head_finds_no_admin_screen(app, site, chain_on, people):
    rid = verified(app, site, "Survei Tanaman Hias 2027")
    section = people("7-kasi")
    section.log_in(SECTION)
    section.shot("menu")
    for label in ("Pengaturan kantor", "Keamanan", "Daftar Pengguna", "Sertifikat tanda tangan"):
        assert not section.menu_has(label), label
    for path, part in (("/officesettingview/list/", "/officesettingview"),
                       (f"/officesettingview/edit/{site['setting']}", "/officesettingview"),
                       ("/users/list/", "/users"),
                       (f"/activityrequestview/edit/{rid}", "/activityrequestview/edit")):
        assert section.refused(path, part), (path, section.page.url)
    section.shot("ditolak")
    assert request_of(app, rid)["state"] == "verified"

    applicant = people("7-pemohon")
    applicant.log_in("applicant_a")  # the request's own applicant: theirs is the portal
    assert applicant.refused(f"/activityrequestview/show/{rid}", "/activityrequestview")
    applicant.shot("ditolak")


def test_7b_the_section_head_home_on_a_phone(app, site, chain_on, people):
    rid = verified(app, site, "Survei Konsumsi Kalori Rumah Tangga 2027",
                   then=[("draft_letter", "officer", None)])
    code = request_of(app, rid)["code"]
    section = people("7b-kasi", PHONE)
    section.log_in(SECTION)
    row = home_row(section, "section-head-letters", code)
    row.wait_for()
    section.shot("beranda-ponsel")
    width = section.page.viewport_size["width"]
    link = row.get_by_role("link").first
    box = link.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    with section.page.expect_navigation():
        link.click()
    assert section.state() == DRAFTED
    section.shot("permohonan-ponsel")


def test_7c_the_section_head_home_has_no_stray_empty_panel(app, site, chain_on, people):
    rid = verified(app, site, "Survei Harga Konsumen Beras 2027",
                   then=[("draft_letter", "officer", None)])
    section = people("7c-kasi")
    section.log_in(SECTION)
    home_row(section, "section-head-letters", request_of(app, rid)["code"]).wait_for()
    section.shot("beranda")
    assert section.page.locator("#rekom-home .rekom-empty").count() == 0


def test_7d_the_section_head_reads_the_letters_on_a_phone(app, site, chain_on, people):
    rid = verified(app, site, "Survei Pengeluaran Rumah Tangga Nelayan 2027",
                   then=[("draft_letter", "officer", None)])
    section = people("7d-kasi", PHONE)
    section.log_in(SECTION)
    row = home_row(section, "section-head-letters", request_of(app, rid)["code"])
    row.wait_for()
    section.shot("beranda-ponsel")
    width = section.page.viewport_size["width"]
    scroll = section.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px window"
    boxes = [c.bounding_box() for c in row.locator("td").all()]
    for left, right in zip(boxes, boxes[1:]):
        assert left["x"] + left["width"] <= right["x"] + 1, (left, right)  # no overprint
    assert boxes[1]["width"] >= 80, boxes[1]  # the title has room to be read
