"""Issue 24's follow-up after the letter (PP 51/1999) walked in headless Chromium, as each
person who meets it does:

1. the applicant opens their request once its "fit" letter is sent and the planned release
   has passed: "Hasil kegiatan" asks for the results. (a) The form sent untouched and (b) with
   only the required choice ("Apa yang Anda serahkan?") are refused in words, nothing stored;
   (c) a link with a title and a real small PDF are handed in: thanked, listed "Menunggu
   pemeriksaan", and the officer's mail arrives; (d) hostile values (script in the title, a
   ``javascript:`` link, a 600-character link, a right-to-left override and emoji, a ".pdf"
   that is no PDF) are refused in words or kept as inert text, nothing half-stored;
2. the officer, in their own window, finds the hand-ins under "Surat" → "Hasil kegiatan",
   marks the link received, tries to return the PDF without a note (refused in words), then
   returns it with one; the applicant reads "Dikembalikan kepada pemohon", the note and the
   form again; anyone finds the received link on the activity's catalogue page;
3. the officer finds an activity whose results are overdue under "Surat" → "Hasil kegiatan
   terlambat"; the head reads the results panel without its buttons; the applicant's page on
   a phone does not overflow sideways (before the release: "later"; past due: "overdue");
4. on a phone, a link handed in does not widen the page through the timeline, and the
   results table shows what became of the results (both found by this walk, then fixed).

An office of this module's own (OFFICE) with its own officer, head and applicant; requests
are brought to "sent" directly (issued letter + workflow "send"), their releases relative to
the office's real today. Screenshots go to REKOMSTAT_SHOTS=<folder>/results when set, else the
test's temporary folder.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import time

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.people import PHONE, STAFF, shots_folder, windows

from conftest import ensure_users

pytestmark = pytest.mark.browser

OFFICE, OFFICE_NAME = "1682", "BPS Kabupaten Uji Hasil Kegiatan Peramban"
OFFICER, HEAD, APPLICANT = "petugas.hasil1682", "kepala.hasil1682", "pemohon.hasil1682"
_YEAR = 2982  # the letters of this module number in a year no other test uses
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Record|"
                     r"Records|Show|Select|Choose|Please|Required|Yes|No|True|False|None|"
                     r"Results?|Received|Return|Returned|Overdue|Link|File|Handed|Awaiting|"
                     r"Check|Mark|Release|Due|Thank|Upload|What|State)\b")
ASK_EMPTY = "Unggah publikasinya atau berikan tautannya."
NOT_HTTPS = "Tulis tautan sebagai alamat web yang diawali https:// (atau http://)."
TOO_LONG = "Tautan lebih dari 500 karakter."
THANKS = "Terima kasih: hasil kegiatan telah diserahkan. Petugas akan memeriksanya."
NO_NOTE = "Mohon tulis alasan hasil kegiatan dikembalikan."
PENDING, RECEIVED, RETURNED = "Menunggu pemeriksaan", "Diterima", "Dikembalikan kepada pemohon"
LINK_TITLE, LINK = ("Statistik Daerah Kabupaten Uji 2027",
                    "https://dinas.example.go.id/publikasi/statda-2027")
PDF_NAME = "Publikasi Cetak Survei 2027.pdf"
SCRIPT = "<script>alert(1)</script>"
RTL_TITLE = "Laporan \u202efdp.exe\u202c 📊 Hasil Survei"
NOTE = "Berkas ini draf, belum publikasi final. Mohon unggah versi yang sudah dirilis."


def real_pdf() -> bytes:
    """A small one-page PDF, as an agency's publication would be."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, "Publikasi Cetak Survei Hasil Kegiatan 2027")
    page.showPage()
    page.save()
    return out.getvalue()


# --- people at browser windows ------------------------------------------------------------------


class Person(people_base.Person):
    """A person of this walk: no English word on a screen, the results form as one fills it."""

    broken = (*people_base.Person.broken, "__None", "None None")

    def check(self, path):
        super().check(path)
        english = sorted(set(ENGLISH.findall(self.main_text())))
        assert not english, f"{path}: English words on the screen: {english}"

    def hand_in(self, product=None, title=None, link=None, file=None) -> int:
        """Fill the results form as given (None: left as it is), send it; the status."""
        page = self.page
        if product is not None:
            page.select_option("#result-product", product)
        if title is not None:
            page.fill("#result-title", title)
        if link is not None:
            page.fill("#result-link", link)
        if file is not None:
            page.set_input_files("#result-file", file)
        with page.expect_navigation() as nav:
            page.click("#results-submit")
        return nav.value.status

    def errors(self) -> str:
        return "\n".join([*self.alerts(), *self.page.locator(
            "#results-form .has-error .help-block").all_inner_texts()])

    def rows(self, table: str) -> list[str]:
        return [t for t in self.page.locator(f"{table} tr").all_inner_texts()]

    def fits(self) -> bool:
        width = self.page.viewport_size["width"]
        return self.page.evaluate("document.documentElement.scrollWidth") <= width + 1


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "results")
    yield from windows(lambda who, viewport=STAFF: Person(
        browser, live_server, folder, who, viewport))


# --- the office, its people, its requests -------------------------------------------------------


@pytest.fixture(scope="module")
def site(app, world):
    from app.offices.workdays import office_today
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Uji Hasil")
        users = ensure_users(app, OFFICE, ("Officer", OFFICER, "Sari", "Wulandari"),
                             ("Head", HEAD, "Bambang", "Hartono"),
                             ("Applicant", APPLICANT, "Rudi", "Hermawan", None))
        ids = {"office": office.id, "today": office_today(),
               **{key: users[name] for key, name in (
                   ("officer", OFFICER), ("head", HEAD), ("applicant", APPLICANT))}}
        app.appbuilder.session.remove()
    return ids


def sent_request(app, site, title: str, printed: dt.date) -> int:
    """A request of the office whose "fit" letter is issued, then sent with the workflow."""
    from app.core import codes
    from app.letters import document as letters
    from app.requests import workflow

    with app.app_context():
        session = app.appbuilder.session
        now = dt.datetime.combine(site["today"] - dt.timedelta(days=40), dt.time(3))
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=site["office"],
            applicant_id=site["applicant"], state="issued", title=title, year=2027,
            kind="survey", agency_name="Dinas Komunikasi dan Informatika Kabupaten Uji",
            agency_head_title="Kepala Dinas", agency_address="Jl. Hasil No. 2",
            resp_name="Rudi Hermawan", resp_email="rudi@kominfo.test",
            collection_start=dt.date(2027, 1, 4), collection_end=dt.date(2027, 1, 29),
            objectives="Mengukur pemanfaatan layanan daring.", submitted_at=now,
            complete_at=now, due_date=site["today"] - dt.timedelta(days=10),
            officer_id=site["officer"], release_date_printed=printed)
        session.add(req)
        session.flush()
        letter = m.Letter(request_id=req.id, office_id=site["office"], result="fit",
                          body="Badan Pusat Statistik merekomendasikan kegiatan ini.",
                          verification_code=codes.random_token(20),
                          drafted_by_id=site["officer"])
        session.add(letter)
        session.flush()
        seq = letters.allocate_sequence(session, site["office"], _YEAR)
        letter.sequence, letter.year = seq, _YEAR
        letter.number = f"B-{seq}/{OFFICE}/HSL/{_YEAR}"
        letter.letter_date, letter.issued_at = now.date(), now
        letter.pdf = b"%PDF-1.4 seeded"
        letter.sha256 = letters.sha256_hex(letter.pdf)
        letter.issued_by_id = site["head"]
        session.commit()
        rid = req.id
        workflow.apply(session, rid, "send", session.get(m.RekomUser, site["officer"]))
        session.remove()
    return rid


def stored(app, rid: int) -> dict:
    """What the database holds of the request's results: the rows and the result files."""
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(
            m.ActivityResult.id, m.ActivityResult.product, m.ActivityResult.title,
            m.ActivityResult.link, m.ActivityResult.state, m.ActivityResult.attachment_id)
            .where(m.ActivityResult.request_id == rid).order_by(m.ActivityResult.id)).all()
        files = session.scalars(sa.select(m.Attachment.original_name).where(
            m.Attachment.request_id == rid, m.Attachment.kind == "results")).all()
        code = session.get(m.ActivityRequest, rid).tracking_code
        session.remove()
    return {"rows": [r._asdict() for r in rows], "files": sorted(files), "code": code}


def mails_to(inbox, user: str, code: str, wanted: int) -> list:
    """The messages to ``user`` about ``code`` that reached the SMTP server (waited for)."""
    for _ in range(50):
        got = [msg for msg in inbox.to(f"{user}@rekomstat.test") if code in msg["Subject"]]
        if len(got) >= wanted:
            return got
        time.sleep(0.1)
    return got


# --- 1 and 2: handed in, checked, published -----------------------------------------------------


def test_the_applicant_hands_in_and_the_officer_checks(app, site, people, smtp_inbox):
    inbox, _port = smtp_inbox
    rid = sent_request(app, site, "Survei Pemanfaatan Layanan Daring 2027",
                       printed=site["today"] - dt.timedelta(days=3))
    code = stored(app, rid)["code"]
    page_of = f"/portal/requests/{rid}"

    applicant = people("pemohon")
    applicant.log_in(APPLICANT)
    applicant.goto(page_of)
    asked = applicant.page.locator("#results-asked")
    assert asked.is_visible(), "the release has passed: the results are asked for"
    assert "Tanggal rencana rilis" in asked.inner_text() and "PP 51/1999" in asked.inner_text()
    assert applicant.page.locator("h2#results").inner_text() == "Hasil kegiatan"
    labels = applicant.page.locator("#results-form label").all_inner_texts()
    assert [t for t in labels if "*" in t] == ["Apa yang Anda serahkan? *"], labels
    applicant.shot("diminta")

    # (a) the form sent as it stands: refused in words, nothing stored
    assert applicant.hand_in() == 422
    applicant.shot("kosong")
    assert ASK_EMPTY in applicant.errors()
    assert applicant.page.locator("#results-form").is_visible()
    assert stored(app, rid)["rows"] == []

    # (b) only what is marked required: the choice of what is handed in
    assert applicant.hand_in(product="printed") == 422
    applicant.shot("wajib-saja")
    assert ASK_EMPTY in applicant.errors()
    assert applicant.page.input_value("#result-product") == "printed"  # kept as chosen
    assert stored(app, rid)["rows"] == []

    # (c) an ordinary hand-in: a link with its title, then the printed publication's PDF
    assert applicant.hand_in(product="digital", title=LINK_TITLE, link=LINK) == 200
    assert THANKS in applicant.alerts()
    assert applicant.page.url.endswith(f"{page_of}#results")
    assert applicant.hand_in(product="printed", file={
        "name": PDF_NAME, "mimeType": "application/pdf", "buffer": real_pdf()}) == 200
    assert THANKS in applicant.alerts()
    applicant.shot("diserahkan")
    rows = applicant.rows("#results-list")
    link_row = next(r for r in rows if LINK_TITLE in r)
    file_row = next(r for r in rows if PDF_NAME in r)
    assert "Publikasi digital" in link_row and LINK in link_row and PENDING in link_row
    assert "Publikasi cetak" in file_row and PENDING in file_row
    assert not applicant.page.locator("#results-asked").count()  # handed in: no longer asked
    now = stored(app, rid)
    assert [(r["product"], r["state"]) for r in now["rows"]] == [
        ("digital", "submitted"), ("printed", "submitted")]
    assert now["files"] == [PDF_NAME]
    link_id, file_id = (r["id"] for r in now["rows"])
    # The officer handling the request got a mail about each, through the SMTP server.
    told = mails_to(inbox, OFFICER, code, 2)
    assert len(told) == 2 and all("telah diserahkan" in msg["Subject"] for msg in told), [
        msg["Subject"] for msg in told]
    assert f"/activityrequestview/show/{rid}" in told[0].get_body(("plain",)).get_content()

    # (d) hostile values: refused in words, or kept as inert text; nothing half-stored
    before = stored(app, rid)
    assert applicant.hand_in(product="digital", title="", link="javascript:alert(1)") == 422
    applicant.shot("tautan-javascript")
    assert NOT_HTTPS in applicant.errors()
    assert applicant.page.input_value("#result-link") == "javascript:alert(1)"  # kept
    assert stored(app, rid) == before

    long_link = "https://dinas.example.go.id/" + "a" * 572  # 600 characters
    # Typed (pasted) into the box, the browser keeps the first 500 (the box's maxlength)...
    applicant.page.fill("#result-link", long_link)
    assert len(applicant.page.input_value("#result-link")) == 500
    # ... sent whole by a client that ignores it, the server refuses it in words.
    applicant.page.fill("#result-title", "")
    applicant.page.evaluate("v => document.querySelector('#result-link').value = v", long_link)
    assert applicant.hand_in() == 422
    applicant.shot("tautan-panjang")
    assert TOO_LONG in applicant.errors()
    assert stored(app, rid) == before

    assert applicant.hand_in(product="printed", title="", link="", file={
        "name": "publikasi.pdf", "mimeType": "application/pdf",
        "buffer": b"MZ\x90\x00 bukan dokumen, sebuah program"}) == 422
    applicant.shot("bukan-pdf")
    assert "Berkas publikasi.pdf bukan dokumen PDF, Word, atau Excel." in applicant.errors()
    assert stored(app, rid) == before

    for title in (SCRIPT, RTL_TITLE):
        assert applicant.hand_in(product="other", title=title,
                                 link="https://dinas.example.go.id/lain") == 200
        assert THANKS in applicant.alerts()
    applicant.shot("judul-aneh")
    # The script is kept as inert text; the right-to-left override is dropped (a title must
    # not pose as a file name: "…exe.pdf"), the rest of that title kept.
    rtl_kept = RTL_TITLE.replace("\u202e", "").replace("\u202c", "")
    cells = applicant.page.locator("#results-list td").all_inner_texts()
    assert f"Lainnya: {SCRIPT}" in cells and f"Lainnya: {rtl_kept}" in cells, cells
    assert applicant.page.locator("#results-list script").count() == 0
    assert [r["title"] for r in stored(app, rid)["rows"]][2:] == [SCRIPT, rtl_kept]
    hostile_ids = [r["id"] for r in stored(app, rid)["rows"]][2:]

    # 2. the officer, in their own window: the hand-ins under "Surat" → "Hasil kegiatan"
    officer = people("petugas")
    officer.log_in(OFFICER)
    officer.menu("Surat", "Hasil kegiatan")
    assert "/activityresultview/list" in officer.page.url
    listed = officer.page.locator("table").last.inner_text()
    assert LINK_TITLE in listed and SCRIPT in listed, listed
    officer.shot("daftar-hasil")
    officer.goto(f"/activityrequestview/show/{rid}")
    panel = officer.page.locator("#results-panel")
    assert "Rencana rilis pertama" in panel.inner_text()
    assert "Batas penyerahan hasil" in panel.inner_text()
    assert panel.locator(".result-receive").count() == 4  # one for each waiting hand-in
    officer.shot("panel")
    row = panel.locator("tr.result-row").filter(has_text=LINK_TITLE)
    with officer.page.expect_navigation():
        row.locator(".result-receive").click()
    assert "1 hasil kegiatan ditandai diterima." in officer.alerts(), officer.alerts()
    assert f"/activityrequestview/show/{rid}" in officer.page.url
    row = officer.page.locator("#results-panel tr.result-row").filter(has_text=LINK_TITLE)
    assert row.get_attribute("data-state") == "received" and RECEIVED in row.inner_text()
    assert row.locator(".result-receive, .result-return").count() == 0
    officer.shot("diterima")

    row = officer.page.locator("#results-panel tr.result-row").filter(has_text=PDF_NAME)
    with officer.page.expect_navigation():
        row.locator(".result-return").click()
    assert f"/activityresultview/return/{file_id}" in officer.page.url
    assert officer.page.get_by_label(
        "Mengapa hasil kegiatan dikembalikan? (dibaca oleh pemohon)").is_visible()
    officer.shot("kembalikan")
    with officer.page.expect_navigation():  # without a note: refused in words
        officer.page.click("#return-submit")
    assert NO_NOTE in officer.alerts(), officer.alerts()
    assert stored(app, rid)["rows"][1]["state"] == "submitted"
    officer.shot("tanpa-catatan")
    officer.page.fill("#note", NOTE)
    with officer.page.expect_navigation():
        officer.page.click("#return-submit")
    assert "Hasil kegiatan dikembalikan kepada pemohon." in officer.alerts()
    row = officer.page.locator("#results-panel tr.result-row").filter(has_text=PDF_NAME)
    assert RETURNED in row.inner_text() and NOTE in row.inner_text()
    officer.shot("dikembalikan")
    assert {r["id"]: r["state"] for r in stored(app, rid)["rows"]} == {
        link_id: "received", file_id: "returned", **{i: "submitted" for i in hostile_ids}}

    # The applicant reads the note, and may hand the publication in again.
    applicant.goto(page_of)
    row = applicant.page.locator("#results-list tr").filter(has_text=PDF_NAME)
    assert RETURNED in row.inner_text() and NOTE in row.inner_text()
    assert applicant.page.locator("#results-received-note").is_visible()
    assert applicant.page.locator("#results-form").is_visible()
    applicant.page.locator("#results").scroll_into_view_if_needed()
    applicant.shot("catatan-petugas")
    returned = mails_to(inbox, APPLICANT, code, 2)
    assert any("dikembalikan" in msg["Subject"] for msg in returned), [
        msg["Subject"] for msg in returned]

    # Anyone, not logged in: the received link on the activity's catalogue page; nothing else.
    public = people("publik")
    public.goto(f"/catalogue/{rid}")
    assert public.page.locator("#results-available").inner_text() == "Hasil kegiatan tersedia"
    items = public.page.locator("#results li").all_inner_texts()
    assert len(items) == 1 and LINK_TITLE in items[0] and LINK in items[0], items
    anchor = public.page.locator("#results a")
    assert anchor.get_attribute("href") == LINK
    assert "noopener" in anchor.get_attribute("rel")
    for never in (PDF_NAME, SCRIPT, "fdp.exe", NOTE):
        assert never not in public.page.locator("body").inner_text(), never
    public.shot("katalog")


# --- 3: overdue, the head, the phone -----------------------------------------------------------


def test_overdue_the_head_and_the_phone(app, site, people):
    today = site["today"]
    later = sent_request(app, site, "Survei Rilis Mendatang 2027",
                         printed=today + dt.timedelta(days=10))
    overdue = sent_request(app, site, "Survei Hasil Belum Diserahkan 2026",
                           printed=today - dt.timedelta(days=90))
    in_time = sent_request(app, site, "Survei Hasil Masih Dalam Waktu 2027",
                           printed=today - dt.timedelta(days=2))
    with app.app_context():  # a hand-in waiting for a check, for the head to read
        session = app.appbuilder.session
        session.add(m.ActivityResult(
            request_id=in_time, product="digital", title="Laporan Akhir Survei",
            link="https://dinas.example.go.id/laporan-akhir", state="submitted",
            submitted_by_id=site["applicant"],
            submitted_at=dt.datetime.combine(today, dt.time(1))))
        session.commit()
        session.remove()

    officer = people("petugas-terlambat")
    officer.log_in(OFFICER)
    officer.menu("Surat", "Hasil kegiatan terlambat")
    assert "/resultsoverdueview/list" in officer.page.url
    listed = officer.page.locator("body").inner_text()
    assert "Survei Hasil Belum Diserahkan 2026" in listed
    assert "Survei Hasil Masih Dalam Waktu 2027" not in listed
    assert "Survei Rilis Mendatang 2027" not in listed
    officer.shot("terlambat")
    officer.goto(f"/activityrequestview/show/{overdue}")
    assert officer.page.locator("#results-overdue").inner_text().strip() == "Terlambat"
    assert "Belum ada yang diserahkan." in officer.page.locator("#results-panel").inner_text()

    head = people("kepala")
    head.log_in(HEAD)
    head.goto(f"/activityrequestview/show/{in_time}")
    panel = head.page.locator("#results-panel")
    assert "Laporan Akhir Survei" in panel.inner_text() and PENDING in panel.inner_text()
    assert panel.locator(".result-receive, .result-return, button, form").count() == 0
    assert "Tandai diterima" not in panel.inner_text()
    head.shot("panel-tanpa-tombol")

    phone = people("pemohon-ponsel", PHONE)
    phone.log_in(APPLICANT)
    for rid, shown in ((later, "#results-later"), (overdue, "#results-overdue")):
        phone.goto(f"/portal/requests/{rid}")
        assert phone.page.locator(shown).is_visible(), shown
        assert phone.page.locator("#results-form").is_visible()
        phone.page.locator("#results").scroll_into_view_if_needed()
        phone.shot(shown.lstrip("#"))
        assert phone.fits(), (shown, phone.page.evaluate(
            "document.documentElement.scrollWidth"))
    assert "Mohon serahkan di bawah ini" in phone.page.locator("#results-overdue").inner_text()


# --- 4: the results on a phone (bugs) ---------------------------------------------------------


def test_a_link_handed_in_on_a_phone_keeps_the_page_within_the_screen(app, site, people):
    rid = sent_request(app, site, "Survei Penyerahan Lewat Ponsel 2027",
                       printed=site["today"] - dt.timedelta(days=5))
    phone = people("pemohon-ponsel-serah", PHONE)
    phone.log_in(APPLICANT)
    phone.goto(f"/portal/requests/{rid}")
    assert phone.fits()
    assert phone.hand_in(product="digital", title=LINK_TITLE, link=LINK) == 200
    assert THANKS in phone.alerts()
    assert [r["link"] for r in stored(app, rid)["rows"]] == [LINK]
    phone.page.locator("#timeline").scroll_into_view_if_needed()
    phone.shot("diserahkan")
    assert phone.fits(), phone.page.evaluate("document.documentElement.scrollWidth")


def test_on_a_phone_the_applicant_reads_what_became_of_the_results(app, site, people):
    rid = sent_request(app, site, "Survei Hasil Dibaca di Ponsel 2027",
                       printed=site["today"] - dt.timedelta(days=5))
    with app.app_context():  # handed in, then returned with a note (walked in test 1)
        session = app.appbuilder.session
        at = dt.datetime.combine(site["today"], dt.time(1))
        session.add(m.ActivityResult(
            request_id=rid, product="digital", title=LINK_TITLE, link=LINK, state="returned",
            submitted_by_id=site["applicant"], submitted_at=at, checked_by_id=site["officer"],
            checked_at=at, check_note=NOTE))
        session.commit()
        session.remove()
    phone = people("pemohon-ponsel-baca", PHONE)
    phone.log_in(APPLICANT)
    phone.goto(f"/portal/requests/{rid}")
    row = phone.page.locator("#results-list tr").filter(has_text=LINK_TITLE)
    assert RETURNED in row.inner_text() and NOTE in row.inner_text()
    row.scroll_into_view_if_needed()
    phone.shot("dikembalikan")
    state = row.locator("td").nth(3).bounding_box()
    assert state["x"] + state["width"] <= PHONE["width"], state
