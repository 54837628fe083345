"""The first run as a newcomer meets it (issue 19): `make run` ends with where to go and who to
sign in as; PORT alone moves the links in mails; without a mail server every message waits on
the admin's Outbox screen, links and all, and no page claims it was e-mailed."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app import create_app, notify
from app import models as m

from conftest import PASSWORD, app_config, login

ROOT = Path(__file__).resolve().parent.parent
APPLICANT = {
    "username": "yudi.bappeda", "first_name": "Yudi", "last_name": "Pratama",
    "email": "yudi.pratama@bappeda.lubuklinggaukota.go.id", "password": "kata-sandi-yudi-1",
    "conf_password": "kata-sandi-yudi-1", "id_doc_type": "ktp",
    "id_doc_number": "1674011203880002", "phone": "0812 7000 5678",
    "agency": "Bappeda Kota Lubuklinggau", "position": "Analis Data",
    "privacy_consent": "y",
}


def in_id(app, msgid: str, **kwargs) -> str:
    """What an Indonesian page says (gettext needs the app's catalogues)."""
    with app.app_context(), force_locale("id"):
        return gettext(msgid, **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def empty_url(scratch_url):
    """An empty database on the suite's engine, apart from the shared one."""
    return scratch_url


# --- run.py, served as `make run` serves it ----------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies and CSRF tokens over real HTTP; redirects are returned, not followed."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.base + path))

    def post_form(self, path: str, data: dict) -> tuple[int, str]:
        """GET the form for its CSRF token, then POST it."""
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path)[1]).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=20) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:  # 3xx (not followed) and 4xx
            return err.code, err.read().decode()


def test_make_run_ends_with_the_address_and_the_admin_and_port_moves_the_mail_links(
        tmp_path, empty_url):
    """`python run.py --port N` (what `make run` runs; no PORT or PUBLIC_BASE_URL in the
    environment, no mail server) on an empty database."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": empty_url, "REKOMSTAT_INSTANCE": str(tmp_path),
           "ADMIN_PASSWORD": "", "LOG_LEVEL": "INFO", "LOG_FORMAT": "text"}
    for name in ("PORT", "HOST", "PUBLIC_BASE_URL", "MAIL_SERVER", "SECRET_KEY", "FLASK_APP"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "run.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    browser = Browser(base)
    try:
        for _ in range(300):
            try:
                if browser.get("/health")[0] == 200:
                    break
            except OSError:
                if proc.poll() is not None:
                    break
            time.sleep(0.2)
        status, _page = browser.post_form("/register/form", APPLICANT)
        assert status == 302
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    lines = output.splitlines()

    # The block: after every line of the set-up log, before the first request's.
    top = next(i for i, line in enumerate(lines) if line.strip().startswith("====="))
    bottom = next(i for i in range(top + 1, len(lines)) if lines[i].strip().startswith("====="))
    block = "\n".join(lines[top:bottom + 1])
    setup = [i for i, line in enumerate(lines) if "alembic" in line or "app.ops.bootstrap" in line
             or "app.auth.security" in line]
    assert setup and max(setup) < top, output
    assert not any("rekomstat.access" in line for line in lines[:top]), output
    assert f"Rekomstat is running at {base}/" in block
    password = re.search(r"First admin: admin / (\S+)  \(shown only this once\)", block).group(1)
    assert output.count(password) == 1  # printed once, nowhere else
    assert f"No MAIL_SERVER: e-mails wait in the Outbox, {base}/outboundemailview/list/" in block

    # The console says where the activation mail is; its link follows --port.
    line = next(line for line in lines[bottom:] if APPLICANT["email"] in line)
    outbox = re.search(rf"Read it in the Outbox: ({re.escape(base)}/outboundemailview/show/\d+)",
                       line)
    assert outbox, line
    engine = sa.create_engine(empty_url)
    try:
        with engine.connect() as conn:
            state, body = conn.execute(
                sa.select(m.OutboundEmail.state, m.OutboundEmail.body_text)
                .where(m.OutboundEmail.recipient == APPLICANT["email"])).one()
    finally:
        engine.dispose()
    assert state == "held"
    assert f"{base}/register/activation/" in body and "127.0.0.1:8080" not in body


def test_port_alone_moves_public_base_url_and_an_explicit_one_wins(monkeypatch):
    def configured(**env) -> str:
        environ = {k: v for k, v in os.environ.items()
                   if k not in ("PORT", "HOST", "PUBLIC_BASE_URL")}
        result = subprocess.run(
            [sys.executable, "-c", "from config import Config; print(Config.PUBLIC_BASE_URL)"],
            cwd=ROOT, env={**environ, **env}, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert configured() == "http://127.0.0.1:8080"
    assert configured(PORT="9000") == "http://127.0.0.1:9000"
    assert configured(PORT="9000", HOST="0.0.0.0") == "http://127.0.0.1:9000"
    assert configured(PORT="9000", PUBLIC_BASE_URL="https://rekomstat.bps.go.id/") == (
        "https://rekomstat.bps.go.id")

    # `make run PORT=9000` hands run.py --port only (a make variable is not in the environment).
    # Loaded by its path: bench/run.py is also a module "run" once test_load put bench/ first.
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "rekomstat_run", ROOT / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    assert run.settings("127.0.0.1", 9000) == {"PUBLIC_BASE_URL": "http://127.0.0.1:9000"}
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://rekomstat.bps.go.id")
    assert run.settings("127.0.0.1", 9000) == {}


# --- flask init ------------------------------------------------------------------------------


def test_flask_init_ends_with_the_block_and_shows_a_password_only_when_it_made_it(empty_url):
    application = create_app({**app_config(empty_url), "ADMIN_PASSWORD": "",
                              "PUBLIC_BASE_URL": "http://127.0.0.1:9000"})
    try:
        runner = application.test_cli_runner()
        first = runner.invoke(args=["init"])
        assert first.exit_code == 0, first.output
        # Last, after the migration log: rule, address, admin, mail, rule.
        tail = first.output.strip().splitlines()[-5:]
        assert tail[0].strip().startswith("=====") and tail[-1].strip().startswith("=====")
        assert "open http://127.0.0.1:9000/" in tail[1]
        password = re.fullmatch(r"\s*First admin: admin / (\S+)  \(shown only this once\)",
                                tail[2]).group(1)
        assert "Outbox, http://127.0.0.1:9000/outboundemailview/list/" in tail[3]
        assert first.output.count(password) == 1
        with application.app_context():
            login(application.test_client(), "admin", password)
        again = runner.invoke(args=["init"])
        assert again.exit_code == 0, again.output
        assert password not in again.output
        assert "Admin: admin (made on an earlier run: its password is not shown again)" in (
            again.output)
        assert "flask fab reset-password --username admin" in again.output
    finally:
        with application.app_context():
            application.appbuilder.session.remove()
        sa.create_engine(empty_url).dispose()


# --- no mail server: the Outbox holds the message, the pages say so ----------------------------


def _held_to(app, address):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.recipient == address)).all()


def test_registration_without_mail_server_waits_in_the_admins_outbox(app, world, clients,
                                                                    caplog):
    assert not notify.mail_configured(app)
    client = app.test_client()
    data = {**APPLICANT, "username": "sari.dukcapil",
            "email": "sari@dukcapil.lubuklinggaukota.go.id"}
    with caplog.at_level("INFO", logger="app.notify"):
        page = client.post("/register/form", data=data, follow_redirects=True).get_data(
            as_text=True)
    # The page says where the link waits, not that it was e-mailed.
    assert in_id(app, "Your registration is recorded. This server sends no e-mail: your "
                      "activation link is kept by the office's administrator; ask them for "
                      "it.") in page.replace("&#39;", "'")
    assert in_id(app, "Registration sent to your email") not in page
    [row] = _held_to(app, data["email"])
    assert (row.state, row.sent_at) == ("held", None)
    # The console line names the recipient and the Outbox page.
    assert f"E-mail to {data['email']}" in caplog.text
    assert f"/outboundemailview/show/{row.id}" in caplog.text

    # The admin reads it there: held, and the activation link clickable.
    page = clients["admin"].get(f"/outboundemailview/show/{row.id}").get_data(as_text=True)
    link = re.search(r'<a href="(https?://[^"]+/register/activation/[^"]+)"', page).group(1)
    assert 'id="outbox-held"' in page and in_id(app, "Held here (no mail server)") in page
    assert data["email"] in page
    # ... and the link works: the account exists once it is opened.
    assert client.get("/" + link.split("/", 3)[3]).status_code == 200
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="sari.dukcapil") is not None


def test_password_reset_without_mail_server_says_the_link_waits(app, world, monkeypatch):
    from app.ops.bootstrap import create_user

    address = "lupa@dinsos.lubuklinggaukota.go.id"
    with app.app_context():
        create_user("Applicant", "lupa.dinsos", address, PASSWORD)
    client = app.test_client()
    page = client.post("/portal/password/forgot", data={"email": address},
                       follow_redirects=True).get_data(as_text=True).replace("&#39;", "'")
    waits = in_id(app, "If this address has an account, a link to choose a new password is "
                       "kept by the office's administrator (this server sends no e-mail): ask "
                       "them for it.")
    on_its_way = in_id(app, "If this address has an account, a link to choose a new password "
                            "is on its way.")
    assert waits in page and on_its_way not in page
    assert [r.state for r in _held_to(app, address)] == ["held"]
    # The pages ask notify.mail_configured: with real mail, they say it is on its way.
    monkeypatch.setattr(notify, "mail_configured", lambda app=None: True)
    page = client.post("/portal/password/forgot", data={"email": "tidak.ada@dinsos.go.id"},
                       follow_redirects=True).get_data(as_text=True).replace("&#39;", "'")
    assert on_its_way in page and waits not in page
