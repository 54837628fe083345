"""Issue 20 (security round 2) walked in headless Chromium as the people who meet it do:

1. three wrong passwords lock an account (on an app of this module's own, with the limits on);
   the admin finds it on the users list, ticks it, picks "Buka kunci" and confirms, and the
   right password works again;
2. registration answers a taken address or user name exactly as a fresh one, and takes
   hostile values without an error page or rendering them as HTML;
3. logging out ends the session: a copy of its cookies opens nothing;
4. the new-request form's one-time token: a double click, and two clicks while a slow answer
   is on its way, each make one request.

Not held here, by choice: Back after sending, when the browser re-loads the form (no
back-forward cache), gets a new token while the browser restores what was typed, so sending it
again makes a second request. That can be what the person wants (a similar request); the
retried POST of the same page is the case the token is for.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder> when set, else into the test's
temporary folder.
"""
from __future__ import annotations

import re
import threading
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error as PlaywrightError

from app import models as m
from browser import people as people_base
from browser.conftest import serving
from browser.people import FADE_MS, PHONE, STAFF, shots_folder, windows

from conftest import PASSWORD

pytestmark = pytest.mark.browser

LOCKED = ("Terlalu banyak percobaan masuk yang gagal untuk akun ini. Coba lagi beberapa menit "
          "lagi, atau atur ulang kata sandi Anda.")
UNLOCKED = "Kunci masuk 1 akun telah dibuka."


# --- people at browser windows ------------------------------------------------------------------


class Person(people_base.Person):
    """A person of these walks: logs in through the form's Indonesian labels."""

    def submit_login(self, username: str, password: str):
        self.goto("/login/")
        self.page.get_by_label("Nama Pengguna").fill(username)
        self.page.get_by_label("Kata sandi").fill(password)
        with self.page.expect_navigation():
            self.page.locator("input[type=submit], button[type=submit]").first.click()

    def log_in(self, username: str, password: str = PASSWORD):
        self.submit_login(username, password)
        assert "/login" not in self.page.url, f"logging in as {username} failed"



@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "security")


@pytest.fixture
def people(browser, folder):
    """``people(base, who, viewport, cookies)``: a new window; all closed (checked) at the end."""
    yield from windows(lambda base, who, viewport=STAFF, cookies=None: Person(
        browser, base, folder, who, viewport, cookies))


def _count(app, model, *where) -> int:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- 1: the lock after failed log-ins, and the admin's "Buka kunci" -----------------------------


@pytest.fixture(scope="module")
def locking_server(app, world, smtp_inbox):
    """The app served with its limits on (the shared live server has them off), on the same
    database: three failures lock a name at an address for 15 minutes."""
    with serving(smtp_inbox[1], RATELIMIT_ENABLED=True, AUTH_RATE_LIMITED=True,
                 AUTH_LOCKOUT="3 per 15 minutes", AUTH_RATE_LIMIT="100 per minute",
                 RATELIMIT_STORAGE_URI="memory://") as base:
        yield base


def _find_user(admin: Person, username: str):
    """The users list filtered by user name, as a person does it: "Tambah Filter", the
    column, the value, "Cari"."""
    admin.goto("/users/list/")
    page = admin.page
    page.locator("a[href='#accordion1_href']").filter(has_text="Cari").click()
    form = page.locator("#filter_form")
    form.get_by_role("button", name="Tambah Filter").click()
    form.locator("a.filter").filter(has_text=re.compile(r"^\s*Nama Pengguna\s*$")).click()
    form.locator("table.filters input[type=text]").last.fill(username)
    admin.shot("saring")
    with page.expect_navigation():
        form.get_by_role("button", name="Cari").click()


def _run_unlock(admin: Person):
    page = admin.page
    page.get_by_role("button", name=re.compile("Tindakan")).click()
    page.locator(".unlock_menu_item").click()


def test_three_failures_lock_and_the_admin_unlocks(app, world, locking_server, people):
    from app.ops.bootstrap import create_user

    name = f"kunci.{uuid.uuid4().hex[:6]}"
    with app.app_context():
        create_user("Applicant", name, f"{name}@dinkes.lubuklinggaukota.go.id", PASSWORD,
                    "Rina", "Kunci")
    user = people(locking_server, "1-pemohon", PHONE)
    for i in range(3):
        user.submit_login(name, "tebakan-salah")
        assert "/login" in user.page.url
        user.shot(f"salah-{i + 1}")
    user.submit_login(name, PASSWORD)
    assert "/login" in user.page.url
    assert LOCKED in user.alerts(), user.alerts()
    user.shot("terkunci")

    admin = people(locking_server, "1-admin")
    admin.log_in("admin")
    _find_user(admin, name)
    rows = admin.page.locator("table tr").filter(has_text=name)
    assert rows.count() == 1
    assert "applicant_a" not in admin.page.locator("table.table-hover").last.inner_text()
    admin.shot("cari-pengguna")
    rows.first.locator("input.action_check").check()
    _run_unlock(admin)
    confirm = admin.page.locator("#modal-confirm")
    confirm.wait_for(state="visible")
    admin.page.wait_for_timeout(FADE_MS)
    assert "Buka kunci masuk akun yang dipilih" in confirm.inner_text(), confirm.inner_text()
    admin.shot("konfirmasi")
    # OK is a link to "#" whose script posts the action's form: wait for the page it leads to.
    with admin.page.expect_navigation(url=lambda url: not url.endswith("#")):
        confirm.locator("#modal-confirm-ok").click()
    assert UNLOCKED in admin.alerts(), admin.alerts()
    admin.shot("dibuka")

    user.log_in(name)
    user.shot("masuk-lagi")

    # The action with no row ticked: FAB's own alert, and no request to the server.
    admin.goto("/users/list/")
    before = len(admin.statuses)
    _run_unlock(admin)
    alert = admin.page.locator("#modal-alert")
    alert.wait_for(state="visible")
    admin.page.wait_for_timeout(FADE_MS)
    admin.shot("tanpa-centang")
    assert len(admin.statuses) == before and admin.page.url.endswith("/users/list/")
    assert alert.locator(".modal-text").inner_text().strip()


def test_an_action_with_no_row_ticked_says_so_in_indonesian(live_server, people):
    admin = people(live_server, "1b-admin")
    admin.log_in("admin")
    admin.goto("/users/list/")
    _run_unlock(admin)
    alert = admin.page.locator("#modal-alert")
    alert.wait_for(state="visible")
    admin.page.wait_for_timeout(FADE_MS)
    admin.shot("tanpa-centang")
    said = alert.locator(".modal-text").inner_text().strip()
    assert said and "No row selected" not in said, said


# --- 2: registration tells nobody which accounts exist ------------------------------------------


def _registrations(app, *where):
    return _count(app, m.RekomRegisterUser, *where)


def _fill_registration(page, **values):
    """The registration form filled as a person types it; ``values`` by field id."""
    for field, value in values.items():
        if field == "id_doc_type":
            page.select_option("#id_doc_type", value)
        elif field == "privacy_consent":
            page.check("#privacy_consent") if value else page.uncheck("#privacy_consent")
        else:
            page.fill(f"#{field}", value)


def _registration(name, email=None, **changes):
    values = {"username": name, "first_name": "Rina", "last_name": "Marlina",
              "email": email or f"{name}@bappeda.lubuklinggaukota.go.id",
              "password": "kata-sandi-rina-1", "conf_password": "kata-sandi-rina-1",
              "id_doc_type": "ktp", "id_doc_number": "1674015505900001",
              "phone": "0812 7000 1234", "agency": "Bappeda Kota Lubuklinggau",
              "position": "Kepala Seksi Data", "privacy_consent": True}
    values.update(changes)
    return values


def _register(person: Person, values: dict, step: str) -> tuple[str, list[str]]:
    """Open the registration page, fill it, press "Daftar": where it leads, the messages."""
    person.goto("/register/form")
    _fill_registration(person.page, **values)
    with person.page.expect_navigation():
        person.page.locator("#register-submit").click()
    person.shot(step)
    return person.page.url, person.alerts()


def _mail_link(inbox, address, part):
    for _ in range(50):  # sent on the request's way out: it may need a moment to arrive
        for message in inbox.to(address):
            found = re.search(r"https?://\S+" + re.escape(part) + r"\S+",
                              message.get_body(("plain",)).get_content())
            if found:
                return found.group(0)
        threading.Event().wait(0.1)
    raise AssertionError(f"no mail with {part} reached {address}")


def test_registration_answers_alike_and_takes_hostile_values(app, world, live_server, people,
                                                             smtp_inbox):
    from app.ops.bootstrap import create_user

    visitor = people(live_server, "2-pendaftar", PHONE)
    tag = uuid.uuid4().hex[:6]
    waiting = _registrations(app)

    # (a) Nothing filled: the browser holds the form back (the fields are "required"; its
    # words are the browser's own, in its language), and nothing is sent.
    visitor.goto("/register/form")
    visitor.shot("formulir")
    posts = []
    visitor.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    visitor.page.locator("#register-submit").click()
    visitor.page.wait_for_timeout(300)
    visitor.shot("kosong")
    held = visitor.page.evaluate("""() => [...document.querySelectorAll(
        '#register-form :invalid')].map(e => [e.name, e.validationMessage])""")
    assert posts == [] and visitor.page.url.endswith("/register/form")
    assert {"username", "first_name", "email", "password", "agency"} <= {n for n, _ in held}
    assert all(message for _, message in held), held
    # Spaces in every field get past the browser: the server names each field, in Indonesian.
    blanks = {f: " " for f in ("username", "first_name", "last_name", "email", "password",
                               "conf_password", "id_doc_number", "phone", "agency")}
    blanks["privacy_consent"] = True  # the notice agreed to: only the blanks are refused
    _register(visitor, blanks, "spasi")
    said = [t.strip() for t in visitor.page.locator("#register-form .alert-danger")
            .all_inner_texts()]
    assert len(said) >= 8 and set(said) == {"Isian ini wajib diisi."}, said
    assert _registrations(app) == waiting

    # (b/c) A complete, ordinary registration: the "check your e-mail" answer.
    fresh = _register(visitor, _registration(f"rina.{tag}"), "baru")
    assert fresh[1] == ["Informasi pendaftaran telah dikirim ke surel Anda"], fresh
    assert _registrations(app) == waiting + 1

    # A taken address under a new user name: the very same answer, nothing made. (Not
    # applicant_a's: the form refuses any address at .test, a domain reserved for tests.)
    owner = f"pemilik.{tag}"
    with app.app_context():
        create_user("Applicant", owner, f"{owner}@dinkes.lubuklinggaukota.go.id", PASSWORD,
                    "Pemilik", "Alamat")
    taken_email = _register(visitor, _registration(
        f"penyusup.{tag}", email=f"Pemilik.{tag}@dinkes.lubuklinggaukota.go.id"),
        "alamat-terpakai")
    assert taken_email == fresh
    # A taken user name with a new address: the same again.
    taken_name = _register(visitor, _registration(
        "applicant_a", email=f"orang.lain.{tag}@bappeda.lubuklinggaukota.go.id"),
        "nama-terpakai")
    assert taken_name == fresh
    assert _registrations(app) == waiting + 1
    assert _count(app, m.RekomUser, m.RekomUser.username == f"penyusup.{tag}") == 0
    assert _registrations(app, m.RekomRegisterUser.email.like(f"orang.lain.{tag}@%")) == 0

    # (d) Hostile values. Too long: a message on the field, nothing made.
    long_name = _register(visitor, _registration(f"panjang.{tag}", first_name="A" * 300),
                          "nama-terlalu-panjang")
    assert long_name[0].endswith("/register/form")
    assert "Paling banyak 64 karakter." in visitor.page.locator(
        "#register-form .alert-danger").all_inner_texts()
    assert _registrations(app) == waiting + 1
    # Markup, quotes and scripts other than Latin: taken as text, answered as any registration,
    # and shown as text wherever the name appears (no script runs: Person fails on a dialog).
    hostile = _registration(
        f"o'neil\"<b>{tag}", email=f"hostile.{tag}@bappeda.lubuklinggaukota.go.id",
        first_name="<script>alert('x')</script>", last_name="\"'><img src=x onerror=alert(1)>",
        agency="Dinas Kebudayaan — Ñusantara 統計局 😀", position="Kepala <i>Seksi</i>")
    assert _register(visitor, hostile, "nilai-jahat") == fresh
    with app.app_context():
        stored = app.appbuilder.session.scalars(sa.select(m.RekomRegisterUser).where(
            m.RekomRegisterUser.email == hostile["email"])).one()
        assert (stored.username, stored.first_name, stored.last_name, stored.agency) == (
            hostile["username"], hostile["first_name"], hostile["last_name"], hostile["agency"])
    # Activated by the mailed link, the account logs in and its name shows as typed.
    inbox, _ = smtp_inbox
    visitor.page.goto(_mail_link(inbox, hostile["email"], "/register/activation/"))
    visitor.shot("aktivasi")
    assert hostile["first_name"] in visitor.page.locator("body").inner_text()
    assert visitor.page.locator("img[src=x]").count() == 0
    visitor.log_in(hostile["username"], hostile["password"])
    visitor.goto("/portal/")
    visitor.shot("portal-nama-jahat")
    assert hostile["username"] in visitor.page.locator("nav").inner_text()
    assert visitor.page.locator("nav b, img[src=x]").count() == 0


# --- 3: logging out ends the session, copies of its cookie included ----------------------------


def test_logout_ends_the_session_for_a_copied_cookie(live_server, people):
    applicant = people(live_server, "3-pemohon", PHONE)
    applicant.log_in("applicant_a")
    applicant.goto("/portal/")
    applicant.shot("masuk")
    copied = applicant.context.cookies()
    assert any(c["name"] == "session" for c in copied), copied
    # Logging out as a person does: the menu (folded on a phone), then "Keluar".
    page = applicant.page
    toggle = page.locator(".navbar-toggle")
    if toggle.is_visible():
        toggle.click()
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile(r"^Keluar \(applicant_a\)$")).click()
    applicant.shot("keluar")
    assert "Keluar (applicant_a)" not in page.locator("body").inner_text()

    # Another browser with the cookies copied before the logout: sent to log in.
    thief = people(live_server, "3-salinan", PHONE, cookies=copied)
    thief.page.goto(live_server + "/portal/")
    thief.shot("cookie-salinan")
    assert "/login" in thief.page.url, thief.page.url
    assert thief.page.get_by_label("Kata sandi").is_visible()


# --- 4: the new-request form counts once ------------------------------------------------------


def _required_only(page, title):
    """The fields marked "*", and one of those marked "**" (the responsible person's e-mail):
    nothing else."""
    marked = page.evaluate("""() => [...document.querySelectorAll('#request-form .required-mark')]
        .map(m => [m.closest('.form-group').querySelector('input,select,textarea').id,
                   m.classList.contains('one-of-mark')])""")
    values = {"title": title, "year": "2027", "agency_name": "Dinas Sosial Kota Lubuklinggau",
              "agency_head_title": "Kepala Dinas Sosial Kota Lubuklinggau",
              "agency_address": "Jl. Kartini No. 3, Lubuklinggau", "resp_name": "Dewi Lestari",
              "resp_email": "dewi@dinsos.lubuklinggaukota.go.id",
              "objectives": "Mendata penerima bantuan sosial per kelurahan.",
              "collection_start": "2027-05-03", "collection_end": "2027-06-30"}
    starred = {name for name, one_of in marked if not one_of}
    assert starred | {"resp_email"} == set(values) | {"kind"}, marked
    page.select_option("#kind", "survey")
    for name, value in values.items():
        page.fill(f"#{name}", value)


def _new_request_form(live_server, people, who, title):
    applicant = people(live_server, who, PHONE)
    applicant.log_in("applicant_a")
    applicant.goto("/portal/requests/new")
    _required_only(applicant.page, title)
    applicant.shot("isian-wajib")
    return applicant


def _posts(page) -> list:
    sent = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)
    return sent


def _requests_titled(app, world, title) -> int:
    return _count(app, m.ActivityRequest,
                  m.ActivityRequest.applicant_id == world.users["applicant_a"],
                  m.ActivityRequest.title == title)


def _wait_for_request_page(page) -> None:
    """Wait for the request's page. A slow machine may let the double click send the form
    twice, the second navigation cutting the first (net::ERR_ABORTED): then the page to wait
    for is the second answer's; how many requests exist is what the test then counts."""
    request_page = re.compile(r"/portal/requests/\d+$")
    try:
        page.wait_for_url(request_page)
    except PlaywrightError as err:
        if "ERR_ABORTED" not in str(err):
            raise
        page.wait_for_url(request_page)


def test_a_double_click_or_two_clicks_make_one_request(app, world, live_server, people,
                                                        monkeypatch):
    from app import notify

    title = f"Pendataan Penerima Bansos {uuid.uuid4().hex[:6]}"
    applicant = _new_request_form(live_server, people, "4-pemohon", title)
    page = applicant.page
    posts = _posts(page)
    page.locator("#submit-request").dblclick()
    _wait_for_request_page(page)
    page.wait_for_load_state("networkidle")  # a second submission, had there been one, is over
    applicant.shot("dikirim")
    assert page.locator("#state").inner_text() == "Diajukan"
    # Chromium itself sends a double click's form once; the server makes one request of it.
    assert _requests_titled(app, world, title) == 1 and len(posts) >= 1

    # Two clicks while a slow answer is on its way: both forms reach the server.
    title2 = title + " kedua"
    page.goto(live_server + "/portal/requests/new")
    _required_only(page, title2)
    answered, sent = threading.Event(), threading.Event()
    send_now = notify.try_send_now

    def slow_first_answer(*args, **kwargs):  # after the first POST's commit, before its answer
        if answered.is_set():
            return send_now(*args, **kwargs)
        answered.set()
        threading.Event().wait(1.0)
        try:
            return send_now(*args, **kwargs)
        finally:
            sent.set()

    monkeypatch.setattr(notify, "try_send_now", slow_first_answer)
    posts.clear()
    # The mouse, at the button: a locator's click would wait for the page to finish loading.
    button = page.locator("#submit-request")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request(lambda r: r.method == "POST"):
        page.mouse.click(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)  # cuts the first navigation: its abort may reach the wait below
    _wait_for_request_page(page)
    applicant.shot("dua-klik")
    assert len(posts) == 2, posts
    assert _requests_titled(app, world, title2) == 1
    assert "Formulir ini sudah pernah dikirim: inilah permohonan yang dibuatnya." in \
        applicant.alerts(), applicant.alerts()
    assert title2 in page.locator("main").inner_text()
    assert sent.wait(10)  # the first POST's thread is done before the mail server may stop
