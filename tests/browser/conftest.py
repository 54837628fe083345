"""Browser tests: the app served for real on loopback, driven by Debian's Chromium.

Playwright's Python package drives ``/usr/bin/chromium`` (never a browser Playwright downloads
itself). The live app shares the test database with the session ``app`` fixture, has CSRF
switched on like production, and sends its mail to an aiosmtpd server on loopback, so a test
reads the activation link from the message that really arrived.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading

import pytest
from test_outbox import Inbox, free_port
from werkzeug.serving import make_server

from conftest import app_config, database_url

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def smtp_inbox():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@contextlib.contextmanager
def serving(smtp_port: int, **settings):
    """The app served on a free loopback port with CSRF on and mail to ``smtp_port``, on the
    test database, with ``settings`` on top; yields its base URL."""
    from app import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    live = create_app({
        **app_config(database_url()), "WTF_CSRF_ENABLED": True, "TESTING": False,
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port, "MAIL_LOG_ONLY": False,
        "MAIL_SUPPRESS_SEND": False, "MAIL_TIMEOUT": 5, "PUBLIC_BASE_URL": base, **settings,
    })
    server = make_server("127.0.0.1", port, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_server(app, world, smtp_inbox):
    with serving(smtp_inbox[1]) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM) or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 412, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    # The Content-Security-Policy must block nothing the pages need (and they need no inline
    # script): any violation the browser reports fails the test.
    violations = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert violations == [], violations
