"""Issue 23's new screens walked in headless Chromium, as the people who meet them do:

1. the admin installs an office's signing certificate on "Pengaturan" → "Sertifikat tanda
   tangan" → "+" (nothing filled, only the starred fields, every kind of bad file or NIK, then a
   good .p12), reads it on the list, and withdraws it with "Tindakan" → "Tarik"; the officer,
   the head and an applicant find neither the menu nor the screen;
2. the head issues a drafted letter of that office ("Terbitkan surat") and downloads its PDF,
   which carries an intact signature; a letter the head drafted is refused (four eyes);
3. anyone checks the letter on /verify/<code>: the genuine file, a copy with one byte changed,
   no file, a text file, on a phone-width window;
4. the admin revokes the letter ("Cabut surat") with a reason; /verify then says so in red.

An office of this module's own (OFFICE), so no other test's office gets a certificate. The
live server is one of this module's own too: it knows the office's PKCS#12 password
(SIGNING_SECRETS, as the server's environment would) and has a remote signing service address.
Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder> when set, else the test's
temporary folder.
"""
from __future__ import annotations

import datetime as dt
import os
import re

import pytest
import sqlalchemy as sa

from app import models as m
from browser import people as people_base
from browser.conftest import serving
from browser.people import PHONE, STAFF, shots_folder, windows

from certs import PASSWORD as P12_PASSWORD
from certs import SIGNER_NAME, pki
from conftest import ensure_users

pytestmark = pytest.mark.browser

OFFICE, OFFICE_NAME = "1693", "BPS Kabupaten Uji Jalan Tanda Tangan"
SECRETS = {f"REKOMSTAT_P12_PASSWORD_{OFFICE}": P12_PASSWORD.decode()}
HEAD, OFFICER = "kepala.ttd1693", "petugas.ttd1693"
ISSUER = "Rekomstat Uji CA"
AFTER_ACTION = re.compile(r"/show/\d+$")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
# FAB's English words where Indonesian belongs, on the screens of this walk.
ENGLISH = re.compile(r"\b(Save|List|Add|Edit|Delete|Search|Back|Actions|Cancel|Submit|Record|"
                     r"Records|Show|Select|Choose|Please|Required|Yes|No|True|False|None|"
                     r"Withdraw|Revoke|Signing|Certificate)\b")


# --- people at browser windows ------------------------------------------------------------------


class Person(people_base.Person):
    """A person of these walks: menus, labelled fields and Select2 lists as a person uses them,
    and no English word of FAB's on a screen."""

    broken = (*people_base.Person.broken, "__None", "None None")

    def check(self, path):
        super().check(path)
        english = sorted(set(ENGLISH.findall(self.main_text())))
        assert not english, f"{path}: English words on the screen: {english}"

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

    def save(self):
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Simpan").click()

    def refused(self, path: str) -> bool:
        """Opening ``path`` leads nowhere: FAB sends the user to the log-in page or home with
        "access denied", or answers 403/404."""
        response = self.page.goto(self.base + path)
        status = response.status if response is not None else 0
        return status in (403, 404) or "/signingcertificateview" not in self.page.url


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "signing")


@pytest.fixture
def people(browser, folder):
    """``people(base, who, viewport)``: a new window; all closed (checked) at the end."""
    yield from windows(lambda base, who, viewport=STAFF: Person(
        browser, base, folder, who, viewport))


# --- the office, its people, its server --------------------------------------------------------


@pytest.fixture(scope="module")
def site(app, world):
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        office = ensure_office(OFFICE, OFFICE_NAME, city="Kota Uji Jalan")
        office.head_name = "Dr. Rahmat Hidayat, M.Si."
        office.head_nip = "197205121995031002"
        users = ensure_users(app, OFFICE, ("Head", HEAD, "Rahmat", "Hidayat"),
                             ("Officer", OFFICER, "Lestari", "Wulandari"))
        ids = {"office": office.id, "head": users[HEAD], "officer": users[OFFICER],
               "applicant": world.users["applicant_a"]}
        app.appbuilder.session.remove()
    return ids


@pytest.fixture(scope="module")
def signing_server(app, world, site, smtp_inbox):
    """The app served with the office's PKCS#12 password in its (test) environment and a
    remote signing service address (never called here: installing a remote signer only
    records the NIK)."""
    with serving(smtp_inbox[1], SIGNING_SECRETS=dict(SECRETS),
                 ESIGN_URL="http://127.0.0.1:9/sign") as base:
        yield base


@pytest.fixture(autouse=True)
def _no_certificate_left(app, site):
    """Each test starts and ends with no active certificate in the office (nor a cached
    signer: the live server runs in this process)."""
    from app.letters import certificates

    def clear():
        with app.app_context():
            session = app.appbuilder.session
            session.execute(sa.update(m.SigningCertificate).where(
                m.SigningCertificate.office_id == site["office"]).values(active=False))
            session.commit()
            session.remove()
        certificates.forget_signers()

    clear()
    yield
    clear()


def certificates_of(app, site, **where) -> int:
    with app.app_context():
        session = app.appbuilder.session
        n = session.scalar(sa.select(sa.func.count(m.SigningCertificate.id)).where(
            m.SigningCertificate.office_id == site["office"],
            *[getattr(m.SigningCertificate, k) == v for k, v in where.items()]))
        session.remove()
    return n


def install_directly(app, site) -> None:
    """The office's certificate, installed through the domain's front door (the screen is
    walked in test 1)."""
    from app.letters import certificates

    p = pki()
    before = app.config.get("SIGNING_SECRETS")
    app.config["SIGNING_SECRETS"] = dict(SECRETS)
    try:
        with app.app_context():
            session = app.appbuilder.session
            certificates.install_pkcs12(session, None, site["office"], p.signer.p12(p.ca))
            session.commit()
            session.remove()
    finally:
        app.config["SIGNING_SECRETS"] = before
    certificates.forget_signers()


def drafted(app, site, title: str, drafted_by: str = "officer") -> int:
    """A request of the office at "letter drafted", ready for the head to issue."""
    from app.core import codes

    with app.app_context():
        session = app.appbuilder.session
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=site["office"],
            applicant_id=site["applicant"], state="letter_drafted", title=title, year=2027,
            kind="survey", agency_name="Dinas Ketahanan Pangan Kabupaten Uji",
            submitted_at=dt.datetime(2026, 11, 2, 3), complete_at=dt.datetime(2026, 11, 2, 3),
            due_date=dt.date(2026, 12, 15), officer_id=site["officer"])
        session.add(req)
        session.flush()
        session.add(m.Letter(request_id=req.id, office_id=site["office"], result="fit",
                             body="Badan Pusat Statistik merekomendasikan kegiatan ini.",
                             verification_code=codes.random_token(20),
                             drafted_by_id=site[drafted_by]))
        session.commit()
        rid = req.id
        session.remove()
    return rid


def issued(app, site, title: str) -> dict:
    """A letter of the office issued (and signed) through the workflow, as the head would."""
    from app.requests import workflow

    install_directly(app, site)
    rid = drafted(app, site, title)
    before = app.config.get("SIGNING_SECRETS")
    app.config["SIGNING_SECRETS"] = dict(SECRETS)
    try:
        with app.app_context():
            session = app.appbuilder.session
            workflow.apply(session, rid, "issue", session.get(m.RekomUser, site["head"]))
            session.remove()
    finally:
        app.config["SIGNING_SECRETS"] = before
    return letter_of(app, rid)


def letter_of(app, rid: int) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        letter = session.scalars(sa.select(m.Letter).where(m.Letter.request_id == rid)).one()
        values = {c: getattr(letter, c) for c in (
            "id", "number", "pdf", "sha256", "verification_code", "issued_at",
            "signature_subject", "revoked_at", "revoked_reason", "request_id")}
        values["state"] = letter.request.state
        session.remove()
    return values


def counter(app, site) -> int:
    with app.app_context():
        session = app.appbuilder.session
        value = session.scalar(sa.select(sa.func.max(m.LetterCounter.last_sequence)).where(
            m.LetterCounter.office_id == site["office"]))
        session.remove()
    return value or 0


def date_words(value: dt.datetime) -> str:
    """A stored (naive UTC) time's date as the Indonesian screens write it, by hand, on the
    office's clock (WIB): ``6 Desember 2027`` (at 17:05 UTC it is already the 7th in Jakarta)."""
    local = value + dt.timedelta(hours=7)  # Asia/Jakarta keeps UTC+7 all year
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


# --- 1: the admin installs, reads and withdraws a certificate -----------------------------------


def _open_add_form(admin: Person):
    admin.goto("/signingcertificateview/list/")
    with admin.page.expect_navigation():
        admin.page.locator("a[href*='/signingcertificateview/add']").first.click()


def _form_problems(admin: Person) -> str:
    """Every refusal the form shows: the alerts at the top and the messages under fields."""
    return "\n".join([*admin.alerts(),
                      *admin.page.locator(".help-block, .text-danger, .has-error")
                      .all_inner_texts()])


def test_the_admin_installs_reads_and_withdraws_a_certificate(
        app, site, signing_server, people, tmp_path):
    p = pki()
    files = {
        "surat.p12": b"%PDF-1.4\n% sebuah surat, bukan sertifikat\n" + b"0" * 2000,
        "kedaluwarsa.p12": p.expired.p12(p.ca),
        "sandi-lain.p12": p.signer.p12(p.ca, password=b"sandi-lain"),
        "acak.p12": os.urandom(70 * 1024),
        "kepala.p12": p.signer.p12(p.ca),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    before = certificates_of(app, site)

    admin = people(signing_server, "1-admin")
    admin.log_in("admin")
    admin.menu("Pengaturan", "Sertifikat tanda tangan")
    admin.shot("daftar")
    with admin.page.expect_navigation():
        admin.page.locator("a[href*='/signingcertificateview/add']").first.click()
    assert "Pasang sertifikat tanda tangan" in admin.main_text()
    admin.shot("formulir")

    # (a) Nothing filled: an office the list offers first is taken out too (its "×").
    office = admin.field("Kantor")
    if office.input_value():
        admin.page.locator(".select2-selection__clear").first.click()
        admin.page.keyboard.press("Escape")
    assert not office.input_value()
    # The browser holds the form back (the office is required) ...
    sent = len(admin.statuses)
    admin.page.get_by_role("button", name="Simpan").click()
    admin.page.wait_for_timeout(300)
    assert len(admin.statuses) == sent and office.evaluate("e => !e.validity.valid")
    admin.shot("kosong-peramban")
    # ... and a browser that does not check sends it: the page says it in words.
    admin.page.evaluate("document.querySelectorAll('[required]')"
                        ".forEach(e => e.removeAttribute('required'))")
    admin.save()
    admin.shot("kosong")
    said = _form_problems(admin)
    assert re.search(r"wajib|Pilih kantor", said), said
    assert certificates_of(app, site) == before

    # (b) Only what is marked required.
    _open_add_form(admin)
    starred = admin.page.locator("label:has(.text-danger), label.required").all_inner_texts()
    admin.choose("Kantor", OFFICE_NAME)
    admin.save()
    admin.shot("hanya-wajib")
    said = _form_problems(admin)
    assert "Pilih berkas sertifikat (.p12 atau .pfx)." in said, (starred, said)
    assert certificates_of(app, site) == before

    # (d) Hostile files and NIKs: each refused in words, nothing saved.
    def install_file(name: str, expected: str):
        _open_add_form(admin)
        admin.choose("Kantor", OFFICE_NAME)
        admin.page.set_input_files("input[type=file]", str(tmp_path / name))
        admin.save()
        admin.shot(f"tolak-{name.split('.')[0]}")
        said = _form_problems(admin)
        assert expected in said, (name, said)
        assert certificates_of(app, site) == before, name

    install_file("surat.p12", "Berkas ini bukan sertifikat PKCS#12 (.p12 atau .pfx).")
    install_file("kedaluwarsa.p12", "kedaluwarsa")
    install_file("sandi-lain.p12", "Kata sandi sertifikat salah")
    install_file("acak.p12", "Berkas ini bukan sertifikat PKCS#12 (.p12 atau .pfx).")

    def install_remote(nik: str, expected: str | None, step: str, past_maxlength=False):
        _open_add_form(admin)
        admin.choose("Kantor", OFFICE_NAME)
        admin.page.locator("select#kind").select_option("remote")
        field = admin.page.locator("#remote_user_id")
        if past_maxlength:
            # The field takes 40 characters (the browser stops the 41st); a browser that does
            # not check sends them all.
            field.fill(nik)
            assert len(field.input_value()) == 40, field.input_value()
            field.evaluate("e => e.removeAttribute('maxlength')")
        if nik:
            field.fill(nik)
        admin.save()
        admin.shot(step)
        said = _form_problems(admin)
        if expected:
            assert expected in said, (nik, said)
            assert certificates_of(app, site) == before, nik
        return said

    nik_message = "Isi identitas penanda tangan pada layanan tanda tangan (NIK)."
    install_remote("", nik_message, "tolak-tanpa-nik")
    install_remote("1" * 41, "Isian paling banyak 40 karakter.", "tolak-nik-41",
                   past_maxlength=True)
    # Markup as the NIK: refused (a NIK is 16 digits); were it ever kept, shown as typed.
    html_nik = "<b>1674</b><img src=x>"
    install_remote(html_nik, "NIK terdiri atas 16 angka.", "nik-html")
    if certificates_of(app, site) != before:
        # Accepted (nothing checks that a NIK is 16 digits): its page shows it as typed.
        with app.app_context():
            row_id = app.appbuilder.session.scalar(sa.select(m.SigningCertificate.id).where(
                m.SigningCertificate.remote_user_id == html_nik))
            app.appbuilder.session.remove()
        admin.goto(f"/signingcertificateview/show/{row_id}")
        assert html_nik in admin.main_text()
        assert admin.page.locator("table b, table img").count() == 0
        admin.shot("nik-html-lihat")
        with app.app_context():
            session = app.appbuilder.session
            session.execute(sa.update(m.SigningCertificate).where(
                m.SigningCertificate.office_id == site["office"]).values(active=False))
            session.commit()
            session.remove()
        before = certificates_of(app, site)

    # (c) The good file: installed, described on the list.
    install_file_ok = tmp_path / "kepala.p12"
    _open_add_form(admin)
    admin.choose("Kantor", OFFICE_NAME)
    admin.page.set_input_files("input[type=file]", str(install_file_ok))
    admin.shot("berkas-baik")
    admin.save()
    admin.shot("terpasang")
    assert certificates_of(app, site, active=True) == 1
    with app.app_context():
        session = app.appbuilder.session
        row = session.scalars(sa.select(m.SigningCertificate).where(
            m.SigningCertificate.office_id == site["office"],
            m.SigningCertificate.active.is_(True))).one()
        valid_until, row_id = row.valid_until, row.id
        session.remove()
    admin.goto("/signingcertificateview/list/")
    listed = admin.page.locator("table tr").filter(has_text=SIGNER_NAME).filter(
        has_text=OFFICE_NAME).first
    text = listed.inner_text()
    assert ISSUER in text and date_words(valid_until) in text, text
    assert re.search(r"\d{4}-\d{2}-\d{2}", text) is None, text  # no raw ISO date
    admin.shot("daftar-terpasang")

    # "Tindakan" -> "Tarik", with its confirmation.
    listed.locator("input.action_check").check()
    admin.page.get_by_role("button", name=re.compile("Tindakan")).click()
    admin.page.locator(".dropdown-menu a").filter(has_text="Tarik").first.click()
    admin.confirm_modal("tidak akan ditandatangani lagi dengan sertifikat ini")
    assert any("Ditarik" in a for a in admin.alerts()), admin.alerts()
    admin.shot("ditarik")
    with app.app_context():
        assert app.appbuilder.session.get(m.SigningCertificate, row_id).active is False
        app.appbuilder.session.remove()


@pytest.mark.parametrize("username", [OFFICER, HEAD, "applicant_a"])
def test_only_the_admin_finds_the_certificates(app, site, signing_server, people, username):
    person = people(signing_server, f"1-{username}")
    person.log_in(username)  # the menu of the page they land on
    assert not person.menu_has("Sertifikat tanda tangan"), person.page.url
    for path in ("/signingcertificateview/list/", "/signingcertificateview/add"):
        assert person.refused(path), (username, path, person.page.url)
    person.shot("ditolak")


def test_the_withdraw_action_speaks_of_the_certificate(app, site, signing_server, people):
    admin = people(signing_server, "1c-admin")
    admin.log_in("admin")
    admin.goto("/signingcertificateview/list/")
    admin.page.get_by_role("button", name=re.compile("Tindakan")).click()
    label = admin.page.locator(".dropdown-menu a").filter(has_text="Tarik").first.inner_text()
    admin.shot("tindakan")
    assert "permohonan" not in label, label


def test_the_add_form_says_where_the_passwords_come_from(app, site, signing_server, people):
    admin = people(signing_server, "1d-admin")
    admin.log_in("admin")
    _open_add_form(admin)
    admin.shot("keterangan")
    text = admin.main_text()
    assert "REKOMSTAT_P12_PASSWORD_" in text, "the file field does not name the password"
    assert re.search(r"REKOMSTAT_ESIGN_PASSPHRASE_\S", text), "the office code part is lost"


# --- 2: the head issues a signed letter in the browser ------------------------------------------


def _issue_on_the_page(head: Person, rid: int):
    head.goto(f"/activityrequestview/show/{rid}")
    assert head.page.locator("#request-state").inner_text().strip() == "Draf surat disusun"
    head.page.locator("#request-actions").get_by_role("link", name="Terbitkan surat").click()
    head.confirm_modal("Tandatangani dan terbitkan surat?")


def test_the_head_issues_a_signed_letter_and_downloads_it(app, site, signing_server, people):
    from app.letters import signature_check

    install_directly(app, site)
    rid = drafted(app, site, "Survei Cadangan Beras Rumah Tangga 2027")
    head = people(signing_server, "2-kepala")
    head.log_in(HEAD)
    _issue_on_the_page(head, rid)
    assert head.page.locator("#request-state").inner_text().strip() == "Diterbitkan"
    panel = head.page.locator("#letter-panel")
    assert re.search(rf"B-\d+/{OFFICE}0/VS\.300/\d{{4}}", panel.inner_text()), panel.inner_text()
    head.shot("terbit")

    link = panel.get_by_role("link", name="PDF surat")
    answer = head.context.request.get(head.base + link.get_attribute("href"))
    assert answer.status == 200 and answer.body()[:5] == b"%PDF-"
    checked = signature_check.check(answer.body(), trust_roots=[pki().ca.der])
    assert checked.signed and checked.intact and checked.covers_whole_file, checked
    assert checked.signer_name == SIGNER_NAME
    assert answer.body() == letter_of(app, rid)["pdf"]


def test_the_head_who_drafted_the_letter_is_refused(app, site, signing_server, people):
    install_directly(app, site)
    rid = drafted(app, site, "Survei Harga Pupuk Eceran 2027", drafted_by="head")
    before = counter(app, site)
    head = people(signing_server, "2b-kepala")
    head.log_in(HEAD)
    _issue_on_the_page(head, rid)
    said = " ".join(head.alerts())
    assert "empat mata" in said and "orang lain" in said, said
    assert head.page.locator("#request-state").inner_text().strip() == "Draf surat disusun"
    head.shot("empat-mata")
    letter = letter_of(app, rid)
    assert letter["number"] is None and letter["pdf"] is None
    assert letter["state"] == "letter_drafted" and counter(app, site) == before


# --- 3: anyone checks a file on /verify ----------------------------------------------------------


def _check_file(person: Person, path) -> str:
    form = person.page.locator("form.verify-upload")
    if path is not None:
        form.locator("input[type=file]").set_input_files(str(path))
    with person.page.expect_navigation():
        form.get_by_role("button", name="Periksa berkas").click()
    return person.main_text()


def test_anyone_checks_a_file_on_verify_on_a_phone(app, site, signing_server, people, tmp_path):
    letter = issued(app, site, "Survei Konsumsi Ikan Rumah Tangga 2027")
    genuine = tmp_path / "surat.pdf"
    genuine.write_bytes(letter["pdf"])
    altered = bytearray(letter["pdf"])
    altered[len(altered) // 3] ^= 0x01
    changed = tmp_path / "surat-diubah.pdf"
    changed.write_bytes(bytes(altered))
    text_file = tmp_path / "catatan.txt"
    text_file.write_text("Ini bukan surat.\n")
    url = f"/verify/{letter['verification_code']}"

    public = people(signing_server, "3-publik", PHONE)
    public.goto(url)
    signature = public.page.locator("#signature").inner_text()
    assert f"Ditandatangani oleh {SIGNER_NAME}" in signature and ISSUER in signature, signature
    public.shot("halaman")

    # The upload form on a 412 px window: every part visible, inside the window, usable.
    width = public.page.viewport_size["width"]
    for part in ("label[for=pdf]", "input#pdf", "form.verify-upload button"):
        box = public.page.locator(part).bounding_box()
        assert box and box["width"] > 0 and box["x"] >= 0 and box["x"] + box["width"] <= width, \
            (part, box)

    said = _check_file(public, genuine)
    assert "Berkas ini persis surat yang diterbitkan" in said, said
    assert f"Tanda tangannya utuh: ditandatangani oleh {SIGNER_NAME}" in said, said
    public.shot("asli")

    said = _check_file(public, changed)
    assert "BUKAN surat yang diterbitkan" in said, said
    assert "Tanda tangannya utuh" not in said
    public.shot("diubah")

    # No file: the browser holds the form back (the field is required) and says why ...
    public.goto(url)
    before = len(public.statuses)
    public.page.locator("form.verify-upload").get_by_role("button", name="Periksa berkas").click()
    public.page.wait_for_timeout(300)
    assert len(public.statuses) == before
    message = public.page.locator("input#pdf").evaluate("e => e.validationMessage")
    assert message, "no file chosen, and the browser said nothing"
    public.shot("tanpa-berkas")
    # ... and a browser that does not check sends it anyway: the page says it in words.
    public.page.locator("input#pdf").evaluate("e => e.removeAttribute('required')")
    said = _check_file(public, None)
    assert "Pilih berkas PDF surat yang akan diperiksa." in said, said
    public.shot("tanpa-berkas-server")

    said = _check_file(public, text_file)
    assert "bukan PDF" in said and "BUKAN surat yang diterbitkan" in said, said
    assert "Tanda tangannya utuh" not in said
    public.shot("berkas-teks")


def test_verify_fits_a_phone_window(app, site, signing_server, people):
    letter = issued(app, site, "Survei Harga Ikan Segar 2027")
    public = people(signing_server, "3b-publik", PHONE)
    public.goto(f"/verify/{letter['verification_code']}")
    public.shot("lebar")
    width = public.page.viewport_size["width"]
    scroll = public.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px window"


# --- 4: the admin revokes a letter ---------------------------------------------------------------


def test_the_admin_revokes_a_letter_and_verify_says_so(app, site, signing_server, people):
    letter = issued(app, site, "Survei Harga Bahan Bangunan 2027")
    show = f"/letterview/show/{letter['id']}"

    for username in (OFFICER, HEAD):
        staff = people(signing_server, f"4-{username}")
        staff.log_in(username)
        staff.goto(show)
        assert staff.page.locator("#letter-revoke").count() == 0, username
        assert "Cabut surat" not in staff.main_text(), username
        staff.shot("tanpa-tombol")

    admin = people(signing_server, "4-admin")
    admin.log_in("admin")
    admin.goto(show)
    admin.shot("surat")
    with admin.page.expect_navigation():
        admin.page.locator("#letter-revoke").click()
    admin.shot("formulir")

    # No reason: the browser holds the form back (the field is required) ...
    sent = len(admin.statuses)
    admin.page.locator("#revoke-form").get_by_role("button", name="Cabut surat").click()
    admin.page.wait_for_timeout(300)
    assert len(admin.statuses) == sent
    assert admin.page.locator("#reason").evaluate("e => !e.validity.valid")
    # ... and only spaces pass it: refused in words, nothing revoked.
    admin.page.fill("#reason", "   ")
    with admin.page.expect_navigation():
        admin.page.locator("#revoke-form").get_by_role("button", name="Cabut surat").click()
    assert any("Tuliskan alasan pencabutan surat" in a for a in admin.alerts()), admin.alerts()
    admin.shot("tanpa-alasan")
    assert letter_of(app, letter["request_id"])["revoked_at"] is None

    reason = "Kegiatan dibatalkan <b>instansi</b> <script>alert('x')</script>"
    admin.page.fill("#reason", reason)
    with admin.page.expect_navigation():
        admin.page.locator("#revoke-form").get_by_role("button", name="Cabut surat").click()
    assert any("Surat telah dicabut" in a for a in admin.alerts()), admin.alerts()
    assert reason in admin.main_text()
    assert admin.page.locator(".table b").count() == 0
    assert admin.page.locator("#letter-revoke").count() == 0
    admin.shot("dicabut")
    revoked = letter_of(app, letter["request_id"])
    assert revoked["revoked_reason"] == reason and revoked["sha256"] == letter["sha256"]

    public = people(signing_server, "4-publik", PHONE)
    public.goto(f"/verify/{letter['verification_code']}")
    box = public.page.locator("#revoked")
    assert "alert-danger" in box.get_attribute("class")
    assert "dicabut" in box.inner_text() and reason in box.inner_text(), box.inner_text()
    assert box.locator("b, script").count() == 0
    public.shot("verifikasi-dicabut")

