"""A person at a browser window, shared by the walks: each step a screenshot the screen must
pass (``check``), and at the end no CSP violation, no script a page should never run, no 5xx.
A walk subclasses it for its own checks of the screen."""
from __future__ import annotations

import os
import re
from pathlib import Path

from conftest import PASSWORD

STAFF = {"width": 1280, "height": 800}
PHONE = {"width": 412, "height": 900}
FADE_MS = 400  # Bootstrap's dialogs fade in for 300 ms: a screenshot waits for the end


def open_menu(page, *labels: str) -> None:
    """Open the menu bar's entries in turn (a category, then its item), as a person clicks."""
    bar = page.locator(".navbar")

    def entry(label):  # its icon and a count ("Tugas saya 2") around the label
        return bar.locator("a").filter(
            has_text=re.compile(rf"^\s*{re.escape(label)}\s*\d*\s*$")).first

    for label in labels[:-1]:
        entry(label).click()
    with page.expect_navigation():
        entry(labels[-1]).click()


def form_field_errors(page, name: str) -> str:
    """The messages shown under a field of FAB's form ("" when none)."""
    row = page.locator(f"#model_form tr:has([name='{name}'])").first
    return " ".join(t.strip() for t in row.locator(".alert-danger").all_inner_texts())


class Person:
    """One person at one browser window: steps with screenshots, checked for error text."""

    # Text no screen may show: server errors and database text (a walk may add more).
    broken: tuple = ("Traceback", "Internal Server Error", "IntegrityError", "[SQL:",
                     "Werkzeug", "Bad Request", "CSRF")
    # A walk's English words that must not stand on its Indonesian screens (None: unchecked).
    english: re.Pattern | None = None

    def __init__(self, browser, base, folder: Path, who: str, viewport=STAFF, cookies=None):
        self.base, self.folder, self.who, self.steps = base, folder, who, 0
        self.context = browser.new_context(locale="id-ID", viewport=viewport,
                                           timezone_id="Asia/Jakarta")
        if cookies:
            self.context.add_cookies(cookies)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.csp, self.dialogs, self.statuses = [], [], []
        self.page.on("console", lambda msg: self.csp.append(msg.text)
                     if "Content Security Policy" in msg.text else None)
        # A script the page should never run (a hostile value rendered as HTML) would alert.
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("response", lambda r: self.statuses.append((r.status, r.url))
                     if r.request.resource_type == "document" else None)

    def close(self):
        self.context.close()
        assert self.csp == [], self.csp
        assert self.dialogs == [], self.dialogs
        assert [s for s in self.statuses if s[0] >= 500] == [], self.statuses

    def log_in(self, username: str, password: str = PASSWORD):
        self.goto("/login/")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.locator("input[type=submit], button[type=submit]").first.click()
        assert "/login" not in self.page.url, f"logging in as {username} failed"

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response.status)

    def main_text(self) -> str:
        """The page's visible text without its menu bar."""
        return self.page.evaluate("""() => [...document.body.children]
            .filter(e => !e.matches('.navbar, nav, script, style, footer'))
            .map(e => e.innerText || '').join('\\n')""")

    def shot(self, name: str) -> Path:
        """A screenshot of this step, then the checks its screen must pass."""
        self.page.wait_for_load_state("load")
        self.steps += 1
        path = self.folder / f"{self.who}-{self.steps:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.check(path)
        return path

    def check(self, path: Path) -> None:
        text = self.page.locator("body").inner_text()
        for bad in self.broken:
            assert bad not in text, f"{path}: the screen shows {bad!r}"
        if self.english is not None:
            found = self.english.findall(self.main_text())
            assert found == [], f"{path}: English on the screen: {found}"

    def menu(self, *labels: str):
        open_menu(self.page, *labels)

    def menu_has(self, label: str) -> bool:
        return self.page.locator(".navbar a").filter(
            has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).count() > 0

    def confirm_modal(self, expected: str):
        """FAB's confirmation dialog: its question, then OK (a link to "#" whose script posts
        the form: wait for the page the post leads to)."""
        confirm = self.page.locator("#modal-confirm:visible")
        confirm.wait_for()
        self.page.wait_for_timeout(FADE_MS)
        assert expected in confirm.inner_text(), confirm.inner_text()
        self.shot("konfirmasi")
        with self.page.expect_navigation(url=lambda url: not url.endswith("#")):
            confirm.locator("#modal-confirm-ok").click()

    def help_texts(self) -> dict:
        """The message shown under each field of the form, by the field's id."""
        return self.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            'form .form-group .help-block')].map(e => [
            e.closest('.form-group').querySelector('input, select, textarea').id,
            e.innerText.trim()]))""")

    def submit(self, selector: str) -> int:
        """Click the button and wait for the page it leads to: its HTTP status."""
        with self.page.expect_navigation() as nav:
            self.page.locator(selector).click()
        return nav.value.status

    def save_form(self, step: str) -> Path:
        """Press "Simpan" on FAB's form; a screenshot of the answer."""
        with self.page.expect_navigation():
            self.page.click("#model_form button[type=submit]")
        return self.shot(step)

    def field_errors(self, name: str) -> str:
        return form_field_errors(self.page, name)

    def alerts(self) -> list[str]:
        # FAB's alerts start with their close button, "×".
        return [t.strip().lstrip("×").strip()
                for t in self.page.locator(".alert").all_inner_texts()]


def shots_folder(tmp_path: Path, name: str) -> Path:
    """Where a walk's screenshots go: REKOMSTAT_SHOTS/<name> when set (to look at them), else
    the test's temporary folder."""
    wanted = os.environ.get("REKOMSTAT_SHOTS")
    path = Path(wanted) / name if wanted else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def windows(make):
    """A ``people`` fixture's body: ``make(...)`` opens a window; every one is closed (and so
    checked) at the end. Use as ``yield from windows(...)``."""
    made = []

    def open_window(*args, **kwargs):
        person = make(*args, **kwargs)
        made.append(person)
        return person

    yield open_window
    for person in made:
        person.close()
