"""Each role's day in headless Chromium (issue 19), clicked and typed as a person would: menus,
buttons and form fields found by their visible Indonesian labels.

1. The front desk: a visitor takes a number, the officer calls it and writes the guest book,
   then records the visitor's paper form for a new applicant; the invitation mail arrives at
   once and the applicant chooses a password and finds the request on the portal.
2. The reviewer: the submitted request on "Tugas saya", review, a revision with a note, the
   applicant's resubmission, a passing checklist, verification, the draft letter.
3. The head: the letter to sign on "Tugas saya", its preview, its issue and number.
4. The admin: a new office and its staff made on the screens, and that office's first letter
   issued and verified on the public page.

Every step asserts what the person sees (never a traceback, database text, "__None" or an
English button) and saves a screenshot: into REKOMSTAT_SHOTS=<folder> when set, else into the
test's temporary folder (its path is in the failure message).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import time
from email.header import decode_header, make_header
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import models as m
from browser.people import open_menu

from conftest import PASSWORD

pytestmark = pytest.mark.browser

STAFF = {"width": 1280, "height": 800}
PHONE = {"width": 412, "height": 900}
# Where an action on a request lands: its page again (not the "#" of FAB's OK link).
AFTER_ACTION = re.compile(r"/show/\d+$")
# The desk of journeys 1-3: an office of its own, so other tests' queue numbers and requests
# never stand in the way of its "call next" or its home page.
DESK_CODE, DESK_NAME = "1606", "BPS Kabupaten Musi Banyuasin"
OFFICER, HEAD, APPLICANT = "petugas.muba", "kepala.muba", "hendra.dinkes"
# Text no screen may show: server errors, database text, WTForms' empty-choice value, and
# FAB's English words where Indonesian belongs.
BROKEN = ("Traceback", "IntegrityError", "[SQL:", "__None", "Internal Server Error",
          "None None")
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Record|"
                     r"Records|Show|Select|Choose|Please|Required|Yes|No)\b")


# --- the people and their screens ------------------------------------------------------------

class Person:
    """One person at one browser window: steps, screenshots and what the screen must not show."""

    def __init__(self, browser, base, folder: Path, who: str, viewport=STAFF, problems=None):
        self.base, self.folder, self.who = base, folder, who
        # What the screens showed that they must not: collected, so that one wrong word does
        # not hide the rest of the day; the test asserts the list empty at its end.
        self.problems = [] if problems is None else problems
        self.context = browser.new_context(locale="id-ID", viewport=viewport,
                                           timezone_id="Asia/Jakarta")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.csp = []
        self.page.on("console", lambda msg: self.csp.append(msg.text)
                     if "Content Security Policy" in msg.text else None)
        self.steps = 0

    def close(self):
        self.context.close()
        assert self.csp == [], self.csp

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)

    def main_text(self) -> str:
        """The page's visible text without its menu bar (where "Front office" is a name)."""
        return self.page.evaluate("""() => [...document.body.children]
            .filter(e => !e.matches('.navbar, nav, script, style, footer'))
            .map(e => e.innerText || '').join('\\n')""")

    def shot(self, name: str) -> Path:
        """A screenshot of this step, then the checks every screen must pass."""
        self.page.wait_for_load_state("load")
        self.steps += 1
        path = self.folder / f"{self.who}-{self.steps:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        text = self.main_text()
        for bad in BROKEN:
            if bad in text:
                self.problems.append(f"{path}: the screen shows {bad!r}")
        english = sorted(set(ENGLISH.findall(text)))
        if english:
            self.problems.append(f"{path}: English words on the screen: {english}")
        return path

    def log_in(self, username: str, password: str = PASSWORD):
        self.goto("/login/")
        self.page.get_by_label("Nama Pengguna").fill(username)
        self.page.get_by_label("Kata sandi").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Masuk").or_(
                self.page.locator("input[type=submit][value='Masuk']")).first.click()
        assert "/login" not in self.page.url, f"logging in as {username} failed"

    def menu(self, *labels: str):
        open_menu(self.page, *labels)

    def field(self, label: str):
        """The form field whose label reads ``label`` (its "*" of a required field aside)."""
        return self.page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\**\s*$"))

    def choose(self, label: str, option: str):
        """Pick ``option`` in a Select2 list as a person does: open it, click the option."""
        shown = self.field(label).locator(
            "xpath=following-sibling::span[contains(@class, 'select2-container')][1]")
        shown.locator(".select2-selection").click()
        self.page.locator(".select2-container--open .select2-results__option").filter(
            has_text=option).first.click()
        assert option in shown.inner_text(), shown.inner_text()

    def button(self, name: str):
        return self.page.get_by_role("button", name=name).or_(
            self.page.get_by_role("link", name=name)).first

    def click(self, name: str):
        """Click a button or a link with this text and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.button(name).click()

    def action(self, name: str):
        """One of the request page's action buttons (at its top)."""
        actions = self.page.locator("#request-actions")
        assert actions.is_visible()
        # The button is a link to "#" whose script posts the action's form: wait for the page
        # the post leads to, not for the jump to "#".
        with self.page.expect_navigation(url=lambda url: not url.endswith("#")):
            actions.get_by_role("link", name=name).click()

    def flash(self) -> str:
        return self.page.locator(".alert").all_inner_texts()

    def see(self, text: str, where: str = "body"):
        self.page.locator(where).filter(has_text=text).first.wait_for(state="visible")


@pytest.fixture
def folder(tmp_path):
    wanted = os.environ.get("REKOMSTAT_SHOTS")
    path = Path(wanted) if wanted else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def people(browser, live_server, folder):
    """``people(who, viewport)``: a new browser window; all closed (CSP checked) at the end."""
    made, problems = [], []

    def open_window(who, viewport=STAFF):
        person = Person(browser, live_server, folder, who, viewport, problems)
        made.append(person)
        return person

    def assert_clean():
        assert problems == [], "\n".join(problems)

    open_window.assert_clean = assert_clean
    yield open_window
    for problem in problems:
        print(problem)
    for person in made:
        person.close()


@pytest.fixture(scope="module")
def desk(app, world):
    """The office of journeys 1-3 with its officer, head, and an applicant known to it."""
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        office = ensure_office(DESK_CODE, DESK_NAME, city="Sekayu",
                               head_name="Ir. Suryadi Wijaya, M.Si.")
        sm = app.appbuilder.sm
        for username, role, office_code, first, last in (
                (OFFICER, "Officer", DESK_CODE, "Ratna", "Sari"),
                (HEAD, "Head", DESK_CODE, "Suryadi", "Wijaya"),
                (APPLICANT, "Applicant", None, "Hendra", "Gunawan")):
            if sm.find_user(username=username) is None:
                create_user(role, username, f"{username}@mubakab.go.id", PASSWORD,
                            first_name=first, last_name=last, office_code=office_code)
        return {"office_id": office.id}


REQUEST = {
    "title": "Survei Kepuasan Pasien Puskesmas 2027", "year": 2027, "kind": "survey",
    "agency_name": "Dinas Kesehatan Kabupaten Musi Banyuasin",
    "agency_head_title": "Kepala Dinas Kesehatan Kabupaten Musi Banyuasin",
    "agency_address": "Jl. Kolonel Wahid Udin No. 254, Sekayu",
    "resp_name": "Hendra Gunawan", "resp_email": "hendra@dinkes.mubakab.go.id",
    "objectives": "Mengukur kepuasan pasien rawat jalan di seluruh puskesmas.",
    "collection_start": dt.date(2027, 3, 1), "collection_end": dt.date(2027, 4, 30),
}


def submitted_request(app, office_id, title) -> tuple[int, str]:
    """A request the applicant submitted online (the domain's front door, as the portal does)."""
    from app.requests import commands as request_commands

    with app.test_request_context():
        session = app.appbuilder.session
        applicant = app.appbuilder.sm.find_user(username=APPLICANT)
        saved = request_commands.create(session, applicant, office_id=office_id,
                                        values={**REQUEST, "title": title}, action="submit")
        session.commit()
        req = session.get(m.ActivityRequest, saved.request_id)
        assert req.state == "submitted"
        return req.id, req.tracking_code


def drafted_request(app, office_id, title) -> tuple[int, str]:
    """A submitted request taken through review and verification to a draft letter."""
    from app.requests import workflow

    req_id, code = submitted_request(app, office_id, title)
    with app.test_request_context():
        session = app.appbuilder.session
        officer = app.appbuilder.sm.find_user(username=OFFICER)
        workflow.apply(session, req_id, "start_review", officer)
        req = session.get(m.ActivityRequest, req_id)
        items = workflow.applicable_checklist(session, req)
        workflow.record_review(session, req_id, officer,
                               {str(i.id): {"ok": True, "note": ""} for i in items})
        session.commit()
        workflow.apply(session, req_id, "verify", officer)
        workflow.apply(session, req_id, "draft_letter", officer)
    return req_id, code


def wait_for_mail(inbox, address, subject, timeout=10.0):
    """The message to ``address`` with this subject, as soon as the SMTP server has it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for received in list(inbox.received):
            if address in received.rcpt and \
                    str(make_header(decode_header(received.msg["Subject"]))) == subject:
                return received.msg
        time.sleep(0.05)
    got = [(r.rcpt, r.msg["Subject"]) for r in inbox.received]
    raise AssertionError(f"no mail {subject!r} to {address} within {timeout} s: {got}")


# --- 1. the front desk -----------------------------------------------------------------------

def test_front_desk_day(desk, live_server, smtp_inbox, people):
    inbox, _ = smtp_inbox
    visitor_name, visitor_email = "Rina Wulandari", "rina.wulandari@bappeda.mubakab.go.id"

    # The visitor takes a number at the kiosk.
    kiosk = people("visitor", PHONE)
    kiosk.goto(f"/queue/?office={DESK_CODE}")
    kiosk.see(DESK_NAME)
    kiosk.shot("kiosk")
    kiosk.click("Ambil nomor antrean")
    kiosk.see("Nomor antrean Anda")
    number = kiosk.page.locator("#ticket-number").inner_text().strip()
    assert re.fullmatch(r"\d{3}", number), number
    kiosk.shot("ticket")

    # The officer calls the next number from the queue screen and stays on it.
    desk_officer = people("officer")
    desk_officer.log_in(OFFICER)
    desk_officer.see("Tugas saya")
    desk_officer.shot("home")
    desk_officer.menu("Front office", "Antrean")
    desk_officer.see("Panggil berikutnya")
    desk_officer.shot("queue")
    desk_officer.click("Panggil berikutnya")
    page = desk_officer.page
    assert "/queueticketview/list/" in page.url, page.url
    desk_officer.see(f"Nomor {number} dipanggil.", ".alert")
    assert page.locator("#queue-now").inner_text().strip() == number
    desk_officer.shot("called")

    # The guest book: the visitor of that number.
    desk_officer.menu("Front office", "Buku tamu")
    desk_officer.shot("guestbook")
    with page.expect_navigation():
        page.locator("a[href*='/guestbookentryview/add']").first.click()
    desk_officer.choose("Nomor antrean", f"#{number}")
    desk_officer.field("Nama").fill(visitor_name)
    desk_officer.field("Dokumen identitas").select_option(label="Kartu Tanda Penduduk (KTP)")
    desk_officer.field("Instansi").fill("Bappeda Kabupaten Musi Banyuasin")
    desk_officer.field("Keperluan kunjungan").fill("Menyerahkan formulir rekomendasi kegiatan")
    desk_officer.shot("guestbook-form")
    desk_officer.click("Simpan")
    desk_officer.see(visitor_name, "table")
    desk_officer.shot("guestbook-saved")

    # The paper form: Services -> Requests -> "+", only the starred fields.
    desk_officer.menu("Layanan", "Permohonan")
    with page.expect_navigation():
        page.locator("a[href*='/activityrequestview/add']").first.click()
    desk_officer.see("Catat permohonan")
    for label, value in (
            ("Email pemohon", visitor_email),
            ("Judul kegiatan", "Survei Sosial Ekonomi Desa Musi Banyuasin 2027"),
            ("Tahun", "2027"),
            ("Instansi", "Bappeda Kabupaten Musi Banyuasin"),
            ("Tujuan surat (pimpinan instansi)", "Kepala Bappeda Kabupaten Musi Banyuasin"),
            ("Alamat instansi", "Jl. Merdeka No. 531, Sekayu"),
            ("Penanggung jawab: nama", visitor_name),
            ("Tujuan", "Memetakan kondisi sosial ekonomi desa untuk perencanaan."),
            ("Pengumpulan data: mulai", "2027-05-03"),
            ("Pengumpulan data: selesai", "2027-06-30")):
        desk_officer.field(label).fill(value)
    desk_officer.field("Jenis kegiatan").select_option(label="Survei")
    # The person in charge is reached by phone or e-mail: at least one of the two is needed
    # to submit, and the form must say so (as the portal's form marks them "**").
    contact_marked = all(
        "**" in page.locator(f"label[for={name}]").inner_text()
        or page.locator(f"label[for={name}] .one-of-mark").count()
        for name in ("resp_phone", "resp_email"))
    desk_officer.field("Penanggung jawab: telepon").fill("0714 321 456")
    desk_officer.shot("paper-form")
    desk_officer.click("Simpan")
    assert "/activityrequestview/show/" in page.url, (page.url, desk_officer.flash())
    desk_officer.see("Survei Sosial Ekonomi Desa Musi Banyuasin 2027")
    assert page.locator("#request-state").inner_text().strip() == "Draf"
    desk_officer.shot("request-recorded")
    # Recorded as a draft; the form is complete, so it is submitted from the page's top.
    desk_officer.action("Ajukan")
    state = page.locator("#request-state").inner_text().strip()
    assert state == "Diajukan", (state, desk_officer.flash())
    desk_officer.shot("request-submitted")
    code = page.locator("tr").filter(has_text="Kode pelacakan").locator("td").first.inner_text()
    assert re.fullmatch(r"RKS-\w+", code.strip()), code

    # The invitation is in the applicant's mailbox at once (no "flask outbox send").
    mail = wait_for_mail(inbox, visitor_email, "Akun Rekomstat Anda")
    body = mail.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/reset/\S+", body)
    assert link, body

    # The applicant chooses a password and finds the request on the portal.
    applicant = people("applicant", PHONE)
    applicant.page.goto(link.group(0))
    applicant.see("Buat kata sandi baru")
    password = "sandi-rina-2027"
    applicant.field("Kata sandi baru").or_(applicant.field("Kata sandi")).first.fill(password)
    applicant.page.locator("#reset-form input[type=password]").nth(1).fill(password)
    applicant.shot("choose-password")
    applicant.click("Simpan kata sandi baru")
    applicant.see("Kata sandi Anda")
    applicant.shot("password-saved")
    applicant.log_in(visitor_email, password)
    assert "/portal/" in applicant.page.url, applicant.page.url
    row = applicant.page.locator("#my-requests tr").filter(
        has_text="Survei Sosial Ekonomi Desa Musi Banyuasin 2027")
    row.wait_for()
    assert "Diajukan" in row.inner_text()
    applicant.shot("portal")
    with applicant.page.expect_navigation():
        row.get_by_role("link", name=code.strip()).click()
    assert applicant.page.locator("#state").inner_text().strip() == "Diajukan"
    applicant.shot("request")
    assert contact_marked, (
        "the staff's paper form does not mark the person in charge's phone and e-mail as "
        "\"one of two needed\" (the portal's form does): an officer filling the starred "
        "fields only is refused at \"Ajukan\"")
    people.assert_clean()


# --- 2. the reviewer -------------------------------------------------------------------------

def test_reviewer_day(app, desk, live_server, people):
    title = "Survei Kepuasan Pasien Puskesmas 2027"
    req_id, code = submitted_request(app, desk["office_id"], title)
    note = "Mohon lengkapi jadwal pengolahan dan definisi variabel kepuasan."

    officer = people("reviewer")
    officer.log_in(OFFICER)
    page = officer.page
    officer.see("Tugas saya")
    waiting = page.locator("#group-submitted tr.rekom-task").filter(has_text=code)
    waiting.wait_for()
    officer.shot("home")
    with page.expect_navigation():
        waiting.get_by_role("link", name=code).click()
    assert page.locator("#request-state").inner_text().strip() == "Diajukan"
    officer.shot("request")

    # The buttons are at the top: start the review, fill the checklist, ask for a revision.
    officer.action("Mulai periksa")
    assert page.locator("#request-state").inner_text().strip() == "Sedang diperiksa"
    checklist = page.locator("#checklist-panel")
    boxes = checklist.locator("input[type=checkbox]")
    count = boxes.count()
    assert count >= 3
    for i in range(count - 1):
        boxes.nth(i).check()
    checklist.locator("input[name^=note_]").nth(count - 1).fill(
        "Jadwal pengolahan belum diisi.")
    checklist.get_by_label("Catatan untuk pemohon").fill(note)
    officer.shot("checklist")
    with page.expect_navigation():
        checklist.get_by_role("button", name="Simpan daftar periksa").click()
    officer.see("Daftar periksa disimpan.", ".alert")
    officer.action("Minta perbaikan")
    officer.shot("revision-note")
    page.locator("textarea[name=note]").fill(note)
    with page.expect_navigation():
        page.locator("form button[type=submit], form input[type=submit]").last.click()
    assert page.locator("#request-state").inner_text().strip() == "Perlu perbaikan"
    officer.see(note, "#timeline")
    officer.shot("revision-requested")

    # The applicant reads the note and resubmits on the portal.
    applicant = people("applicant", PHONE)
    applicant.log_in(APPLICANT)
    applicant.goto(f"/portal/requests/{req_id}")
    applicant.see(note, "#revision-notes")
    applicant.shot("revision")
    applicant.click("Ajukan ulang")
    assert applicant.page.locator("#state").inner_text().strip() == "Diajukan"
    applicant.shot("resubmitted")

    # Round two: the checklist passes, the request is verified and its letter drafted.
    officer.menu("Tugas saya")
    again = page.locator("#group-submitted tr.rekom-task").filter(has_text=code)
    again.wait_for()
    with page.expect_navigation():
        again.get_by_role("link", name=code).click()
    officer.action("Mulai periksa")
    checklist = page.locator("#checklist-panel")
    boxes = checklist.locator("input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    with page.expect_navigation():
        checklist.get_by_role("button", name="Simpan daftar periksa").click()
    officer.action("Verifikasi")
    assert page.locator("#request-state").inner_text().strip() == "Terverifikasi"
    officer.shot("verified")
    officer.action("Susun draf surat")
    assert page.locator("#request-state").inner_text().strip() == "Draf surat disusun"
    officer.see("Draf surat, belum diterbitkan.", "#letter-panel")
    officer.shot("letter-drafted")
    people.assert_clean()


# --- 3. the head -----------------------------------------------------------------------------

def test_head_day(app, desk, live_server, people):
    req_id, code = drafted_request(app, desk["office_id"],
                                   "Survei Pola Konsumsi Rumah Tangga 2027")

    head = people("head")
    head.log_in(HEAD)
    page = head.page
    to_sign = page.locator("#head-letters tr.rekom-task").filter(has_text=code)
    to_sign.wait_for()
    head.shot("home")
    with page.expect_navigation():
        to_sign.get_by_role("link").first.click()
    assert page.locator("#request-state").inner_text().strip() == "Draf surat disusun"
    head.shot("request")

    # The preview: the draft as a PDF, without a number yet.
    preview = page.locator("#letter-panel").get_by_role("link", name="Pratinjau")
    answer = head.context.request.get(head.base + preview.get_attribute("href"))
    assert answer.status == 200 and answer.body()[:5] == b"%PDF-"

    # Issue: the confirmation, then the number.
    page.locator("#request-actions").get_by_role("link", name="Terbitkan surat").click()
    confirm = page.locator("#modal-confirm:visible")
    confirm.wait_for()
    assert "Tandatangani dan terbitkan surat?" in confirm.inner_text()
    head.shot("confirm")
    # FAB's OK is <a href="#">: its own jump to "#" is a navigation too, before the POST's.
    with page.expect_navigation(url=AFTER_ACTION):
        confirm.locator("#modal-confirm-ok").click()
    assert page.locator("#request-state").inner_text().strip() == "Diterbitkan"
    panel = page.locator("#letter-panel").inner_text()
    assert re.search(rf"Nomor surat: B-\d+/{DESK_CODE}0/VS\.300/\d{{4}}", panel), panel
    head.shot("issued")
    people.assert_clean()


# --- 4. the admin ----------------------------------------------------------------------------

NEW_CODE, NEW_NAME = "1611", "BPS Kabupaten Empat Lawang"


def test_admin_sets_up_an_office_and_its_first_letter(app, world, live_server, people):
    admin = people("admin")
    admin.log_in("admin")
    page = admin.page

    # The office, on Settings -> Offices.
    admin.menu("Pengaturan", "Kantor")
    admin.shot("offices")
    with page.expect_navigation():
        page.locator("a[href*='/officeview/add']").first.click()
    admin.field("Kode BPS").fill(NEW_CODE)
    admin.field("Nama").fill(NEW_NAME)
    admin.field("Alamat").fill("Jl. Lintas Sumatera Km. 7, Tebing Tinggi")
    admin.field("Kota").fill("Tebing Tinggi")
    admin.field("Kepala kantor").fill("Drs. Bambang Sutrisno")
    admin.field("NIP kepala").fill("19750812 199903 1 002")
    admin.choose("Kantor induk", "BPS Provinsi Sumatera Selatan")
    admin.shot("office-form")
    admin.click("Simpan")
    admin.see(NEW_NAME, "table")
    admin.shot("office-saved")

    # Its officer and its head, on the users' screen.
    staff = {"petugas.empatlawang": ("Dewi", "Anggraini", "Petugas"),
             "kepala.empatlawang": ("Bambang", "Sutrisno", "Kepala kantor")}
    password = "sandi-empat-lawang-1"
    for username, (first, last, role) in staff.items():
        admin.goto("/users/list/")
        with page.expect_navigation():
            page.locator("a[href*='/users/add']").first.click()
        admin.field("Nama Depan").fill(first)
        admin.field("Nama Belakang").fill(last)
        admin.field("Nama Pengguna").fill(username)
        admin.field("Email").fill(f"{username}@bps.go.id")
        admin.choose("Peran", role)
        admin.field("Kata sandi").fill(password)
        admin.field("Konfirmasi Kata Sandi").fill(password)
        admin.choose("Kantor", NEW_NAME)
        admin.shot(f"user-{username}")
        admin.click("Simpan")
        admin.see(username, "table")
    admin.shot("users")

    # An applicant asks the new office on the portal.
    applicant = people("applicant", PHONE)
    applicant.log_in("applicant_b")
    applicant.goto("/portal/requests/new")
    applicant.field("Kantor BPS yang Anda tuju").select_option(label=NEW_NAME)
    for selector, value in (
            ("#title", "Survei Harga Kopi Robusta Empat Lawang 2027"), ("#year", "2027"),
            ("#agency_name", "Dinas Perkebunan Kabupaten Empat Lawang"),
            ("#agency_head_title", "Kepala Dinas Perkebunan Kabupaten Empat Lawang"),
            ("#agency_address", "Jl. Poros Tebing Tinggi No. 12"),
            ("#resp_name", "Yusuf Hamdani"), ("#resp_email", "yusuf@disbun.empatlawangkab.go.id"),
            ("#objectives", "Memantau harga kopi di tingkat petani."),
            ("#collection_start", "2027-04-01"), ("#collection_end", "2027-05-31")):
        applicant.page.fill(selector, value)
    applicant.page.select_option("#kind", "survey")
    applicant.page.check("input[name=collection_methods][value=interview]")
    applicant.page.fill("input[name='variables-0-name']", "Harga kopi per kilogram")
    applicant.shot("form")
    with applicant.page.expect_navigation():
        applicant.page.click("#submit-request")
    assert applicant.page.locator("#state").inner_text().strip() == "Diajukan"
    code = applicant.page.locator("#tracking-code").inner_text().strip()
    applicant.shot("submitted")

    # The new officer reviews it, verifies it and drafts the letter.
    officer = people("new-officer")
    officer.log_in("petugas.empatlawang", password)
    row = officer.page.locator("#group-submitted tr.rekom-task").filter(has_text=code)
    row.wait_for()
    officer.shot("home")
    with officer.page.expect_navigation():
        row.get_by_role("link", name=code).click()
    officer.action("Mulai periksa")
    officer.shot("review")
    assert officer.page.locator("#request-state").inner_text().strip() == "Sedang diperiksa", \
        officer.flash()
    checklist = officer.page.locator("#checklist-panel")
    boxes = checklist.locator("input[type=checkbox]")
    assert boxes.count() >= 3, "the new office has no review checklist"
    for i in range(boxes.count()):
        boxes.nth(i).check()
    with officer.page.expect_navigation():
        checklist.get_by_role("button", name="Simpan daftar periksa").click()
    officer.action("Verifikasi")
    officer.action("Susun draf surat")
    assert officer.page.locator("#request-state").inner_text().strip() == "Draf surat disusun"
    officer.shot("drafted")

    # The new head signs it: the office's first number.
    head = people("new-head")
    head.log_in("kepala.empatlawang", password)
    row = head.page.locator("#head-letters tr.rekom-task").filter(has_text=code)
    row.wait_for()
    with head.page.expect_navigation():
        row.get_by_role("link").first.click()
    head.page.locator("#request-actions").get_by_role("link", name="Terbitkan surat").click()
    confirm = head.page.locator("#modal-confirm:visible")
    confirm.wait_for()
    with head.page.expect_navigation(url=AFTER_ACTION):
        confirm.locator("#modal-confirm-ok").click()
    panel = head.page.locator("#letter-panel").inner_text()
    number = re.search(rf"B-1/{NEW_CODE}0/VS\.300/\d{{4}}", panel)
    assert number, panel
    sha256 = re.search(r"SHA-256: ([0-9a-f]{64})", panel).group(1)
    head.shot("issued")

    # Anyone holding the letter checks it on the public page its QR code leads to.
    with app.app_context():
        letter_code = app.appbuilder.session.scalar(
            sa.select(m.Letter.verification_code).join(m.ActivityRequest)
            .where(m.ActivityRequest.tracking_code == code))
    public = people("public", PHONE)
    public.goto(f"/verify/{letter_code}")
    text = public.main_text()
    assert number.group(0) in text, text
    assert "Dinas Perkebunan Kabupaten Empat Lawang" in text
    assert f"Surat rekomendasi ini diterbitkan oleh {NEW_NAME}." in text, text
    assert sha256 in text, (sha256, text)
    public.shot("verify")
    people.assert_clean()
