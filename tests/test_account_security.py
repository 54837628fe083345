"""Issue 20, accounts: the API's log-in is limited like the form's; registration does not tell
which accounts exist; a stranger locks out only himself and a reset or an admin lifts a lock;
a session ends at logout, copies of its cookie included."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from test_bad_input import registration

from app import models as m

from conftest import PASSWORD, app_config, login, mail_link, outbox_to

EMAIL_DOMAIN = "bappeda.lubuklinggaukota.go.id"


def _limited_app(login_rate):
    from app import create_app

    return create_app({**app_config(), "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMITED": True,
                       "AUTH_RATE_LIMIT": login_rate, "AUTH_LOCKOUT": "3 per 15 minutes",
                       # The registration and reset forms are not what is tested here.
                       "PUBLIC_FORM_RATE_LIMIT": "1000 per minute"})


@pytest.fixture(scope="module")
def limited(app):
    return _limited_app("3 per minute")


@pytest.fixture(scope="module")
def locking(app):
    """The lock after failed log-ins, with room for them under the per-address limit."""
    return _limited_app("100 per minute")


def _user(app, username, role="Applicant"):
    from app.ops.bootstrap import create_user

    with app.app_context():
        return create_user(role, username, f"{username}@{EMAIL_DOMAIN}", PASSWORD, "Uji",
                           "Akun").id


# --- 4: the API's log-in door ---------------------------------------------------------------


def test_the_api_login_shares_the_forms_limit_per_address(limited):
    client = limited.test_client()
    here, there = {"REMOTE_ADDR": "10.40.0.1"}, {"REMOTE_ADDR": "10.40.0.2"}

    def api(environ):
        return client.post("/api/v1/security/login", environ_base=environ, json={
            "username": "admin", "password": "tebakan-salah", "provider": "db"})

    # One budget for both doors: two tries on the form, one on the API, then none anywhere.
    for _ in range(2):
        assert client.post("/login/", data={"username": "admin", "password": "x"},
                           environ_base=here).status_code != 429
    assert api(here).status_code == 401
    refused = api(here)
    assert refused.status_code == 429
    assert refused.get_json() == {
        "message": "Terlalu banyak percobaan masuk dari alamat ini. Tunggu satu menit, lalu "
                   "coba lagi."}
    assert client.post("/login/", data={"username": "admin", "password": "x"},
                       environ_base=here).status_code == 429
    # Another address is not held back.
    assert api(there).status_code == 401


# --- 5: registration tells nobody which accounts exist ----------------------------------------


def _registration(name, **changes):
    return registration(**{"username": name, "email": f"{name}@{EMAIL_DOMAIN}", **changes})


def _answer(app, data):
    """What the person registering sees: the status, where it leads, the messages."""
    client = app.test_client()
    r = client.post("/register/form", data=data)
    with client.session_transaction() as session:
        flashes = session.get("_flashes", [])
    return r.status_code, r.headers.get("Location"), flashes, r.get_data(as_text=True)


def _registrations(app, **where):
    with app.app_context():
        session = app.appbuilder.session
        return session.scalar(sa.select(sa.func.count()).select_from(m.RekomRegisterUser)
                              .filter_by(**where))


def test_a_taken_address_gets_the_answer_of_a_new_one_and_its_owner_a_mail(app, world):
    fresh = _answer(app, _registration("baru.daftar"))
    _user(app, "pemilik.alamat")
    # Another user name, the owner's address in other letters.
    taken = _answer(app, _registration("penyusup", email=f"Pemilik.Alamat@{EMAIL_DOMAIN}"))
    assert taken[:3] == fresh[:3] and fresh[0] == 302
    assert "Sudah ada" not in taken[3]
    assert _registrations(app, username="penyusup") == 0
    # The owner is told, with the ways in: log in, or choose a new password.
    [mail] = outbox_to(app, f"pemilik.alamat@{EMAIL_DOMAIN}")
    assert "Seseorang mencoba mendaftar dengan alamat e-mail Anda" == mail.subject
    assert "pemilik.alamat" in mail.body_text  # the user name they may have forgotten
    client = app.test_client()
    assert client.get(mail_link(mail, "/login/")).status_code == 200
    assert client.get(mail_link(mail, "/portal/password/forgot")).status_code == 200


def test_a_taken_user_name_makes_nothing_and_tells_the_new_address(app, world):
    fresh = _answer(app, _registration("nama.bebas"))
    _user(app, "nama.terpakai")
    data = _registration("Nama.Terpakai", email=f"orang.lain@{EMAIL_DOMAIN}")
    assert _answer(app, data)[:3] == fresh[:3]
    assert _registrations(app, email=data["email"]) == 0
    [mail] = outbox_to(app, data["email"])
    assert "Nama.Terpakai" in mail.body_text and "tidak dapat dipakai" in mail.body_text
    assert app.test_client().get(mail_link(mail, "/register/form")).status_code == 200
    # A name waiting for its activation is taken alike.
    waiting = _registration("menunggu.aktif")
    _answer(app, waiting)
    again = _registration("menunggu.aktif", email=f"orang.ketiga@{EMAIL_DOMAIN}")
    assert _answer(app, again)[:3] == fresh[:3]
    assert _registrations(app, username="menunggu.aktif") == 1
    assert len(outbox_to(app, again["email"])) == 1


def test_an_address_waiting_for_activation_gets_its_link_again(app, world):
    data = _registration("ulang.daftar")
    first = _answer(app, data)
    second = _answer(app, {**data, "username": "ulang.daftar2"})
    assert second[:3] == first[:3]
    assert _registrations(app, email=data["email"]) == 1
    mails = outbox_to(app, data["email"])
    assert len(mails) == 2
    assert (mail_link(mails[0], "/register/activation/")
            == mail_link(mails[1], "/register/activation/"))


def test_other_checks_still_answer_on_the_form(app, world):
    _user(app, "cek.form")
    taken = f"cek.form@{EMAIL_DOMAIN}"
    for change in ({"password": "password123", "conf_password": "password123"},
                   {"email": "bukan-email"}, {"agency": ""}):
        status, _location, _flashes, page = _answer(
            app, _registration("cek.form2", **{"email": taken, **change}))
        assert status == 422 and re.search(r"alert-danger|help-block|has-error", page), change
    assert outbox_to(app, taken) == []


# --- 6: a lock per account and address ---------------------------------------------------------


def _login(app, username, password, address):
    client = app.test_client()
    answer = client.post("/login/", data={"username": username, "password": password},
                         environ_base={"REMOTE_ADDR": address}, follow_redirects=True)
    with client.session_transaction() as session:
        logged_in = "_user_id" in session
    return logged_in, answer.get_data(as_text=True)


LOCKED = "Terlalu banyak percobaan masuk"


def test_a_stranger_locks_out_only_himself(locking):
    _user(locking, "korban_kunci")
    for _ in range(3):
        assert _login(locking, "korban_kunci", "tebakan-salah", "10.41.0.1")[0] is False
    logged_in, page = _login(locking, "korban_kunci", PASSWORD, "10.41.0.1")
    assert logged_in is False and LOCKED in page
    # The owner, from his own address, is not locked out; nor is another account there.
    assert _login(locking, "korban_kunci", PASSWORD, "10.41.0.2")[0] is True
    _user(locking, "tetangga_kunci")
    assert _login(locking, "tetangga_kunci", PASSWORD, "10.41.0.1")[0] is True
    # A name without an account is locked alike: the lock tells nothing.
    for _ in range(3):
        _login(locking, "tiada_akun_ini", "tebakan-salah", "10.41.0.1")
    assert LOCKED in _login(locking, "tiada_akun_ini", "apa-saja", "10.41.0.1")[1]


def test_a_successful_login_clears_the_count(locking):
    _user(locking, "kunci_bersih")
    for _ in range(3):
        # Two failures then the right password, three times over from one address.
        for _ in range(2):
            _login(locking, "kunci_bersih", "tebakan-salah", "10.44.0.1")
        assert _login(locking, "kunci_bersih", PASSWORD, "10.44.0.1")[0] is True


def test_a_password_reset_lifts_the_lock_at_every_address(locking):
    from app.auth.registration import reset_token

    user_id = _user(locking, "lupa_kunci")
    for address in ("10.42.0.1", "10.42.0.2"):
        for _ in range(3):
            _login(locking, "lupa_kunci", "tebakan-salah", address)
    # By e-mail too: it is a name one logs in with.
    for _ in range(3):
        _login(locking, f"lupa_kunci@{EMAIL_DOMAIN}", "tebakan-salah", "10.42.0.1")
    assert LOCKED in _login(locking, "lupa_kunci", PASSWORD, "10.42.0.2")[1]
    with locking.test_request_context():
        token = reset_token(locking.appbuilder.sm.get_user_by_id(user_id))
    new = "kereta-pagi-ke-muara-enim"
    r = locking.test_client().post(f"/portal/password/reset/{token}", environ_base={
        "REMOTE_ADDR": "10.42.0.9"}, data={"password": new, "confirm": new})
    assert r.status_code == 302
    for address in ("10.42.0.1", "10.42.0.2"):
        assert _login(locking, "lupa_kunci", new, address)[0] is True
    assert _login(locking, f"lupa_kunci@{EMAIL_DOMAIN}", new, "10.42.0.1")[0] is True


def test_an_admin_unlocks_an_account(locking):
    user_id = _user(locking, "buka_kunci")
    for _ in range(3):
        _login(locking, "buka_kunci", "tebakan-salah", "10.43.0.1")
    assert LOCKED in _login(locking, "buka_kunci", PASSWORD, "10.43.0.1")[1]
    admin = locking.test_client()
    admin.post("/login/", data={"username": "admin", "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "10.43.0.2"})
    page = admin.get("/users/list/").get_data(as_text=True)
    assert "Buka kunci" in page and "Buka kunci masuk akun yang dipilih" in page
    r = admin.post("/users/action_post", data={"action": "unlock", "rowid": [str(user_id)]},
                   environ_base={"REMOTE_ADDR": "10.43.0.2"}, follow_redirects=True)
    assert "Kunci masuk 1 akun telah dibuka." in r.get_data(as_text=True)
    assert _login(locking, "buka_kunci", PASSWORD, "10.43.0.1")[0] is True


def test_only_an_admin_may_unlock(app, world, clients):
    user_id = world.users["applicant_b"]
    r = clients["officer_x"].post("/users/action_post", data={
        "action": "unlock", "rowid": [str(user_id)]})
    assert r.status_code in (302, 403)
    assert "Kunci masuk" not in clients["officer_x"].get("/").get_data(as_text=True)


# --- 9a: a session ends at logout -------------------------------------------------------------


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _is_logged_in(app, cookie) -> bool:
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/users/userinfo/").status_code == 200


def test_a_copied_session_cookie_ends_at_logout_and_a_new_login_works(app, world):
    _user(app, "keluar_sesi")
    client = login(app.test_client(), "keluar_sesi")
    copy = _session_cookie(client)
    assert _is_logged_in(app, copy)
    client.get("/logout/")
    assert not _is_logged_in(app, copy)
    # Logging in again at once works (the same second as the logout).
    login(client, "keluar_sesi")
    assert client.get("/users/userinfo/").status_code == 200
    assert _is_logged_in(app, _session_cookie(client))


def test_a_password_change_ends_the_other_sessions(app, world):
    from app.auth.registration import reset_token

    user_id = _user(app, "ganti_sesi")
    elsewhere = _session_cookie(login(app.test_client(), "ganti_sesi"))
    # The owner changes the password on the profile: this browser stays in, the other not.
    here = login(app.test_client(), "ganti_sesi")
    new = "kereta-pagi-ke-muara-enim"
    assert here.post("/resetmypassword/form", data={
        "password": new, "conf_password": new}).status_code == 302
    assert here.get("/users/userinfo/").status_code == 200
    assert not _is_logged_in(app, elsewhere)
    # A reset by the mailed link ends this one too.
    with app.test_request_context():
        token = reset_token(app.appbuilder.sm.get_user_by_id(user_id))
    assert app.test_client().post(f"/portal/password/reset/{token}", data={
        "password": PASSWORD, "confirm": PASSWORD}).status_code == 302
    assert here.get("/users/userinfo/").status_code != 200
