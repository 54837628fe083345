"""The queue's counter in Chromium (issue 26): an officer calls the next number at "Loket 2",
and the board, open in another window, shows "002 → Loket 2" without reloading; the earlier
call stays listed with its counter. The board and the service page wear the office's colour.
The board is looked at on a 1280 px screen and on a 375 px phone.

A live app of this module's own speaks for office 1672 (its colour: a dark green).
Screenshots go to REKOMSTAT_SHOTS/queue_counter when set.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import models as m
from app.frontoffice import pages as queue_pages
from app.frontoffice import queue as frontoffice
from app.offices import workdays
from browser.conftest import serving
from browser.people import Person, shots_folder

from conftest import PASSWORD

pytestmark = pytest.mark.browser

CODE, NAME = "1672", "BPS Kota Pagar Alam"
OFFICER = "petugas.pagaralam"
GREEN = "#1b5e20"  # white on it: 7.9:1
DAY = dt.date(2032, 5, 12)  # the queue's "today": no other test queues on it
BOARD = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def desk(app, world, smtp_inbox):
    """Office 1672 (green) with its officer; its own live app, OFFICE_CODE=1672."""
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        office = ensure_office(CODE, NAME, city="Pagar Alam")
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office.id).values(brand_colour=GREEN))
        session.commit()
        if app.appbuilder.sm.find_user(username=OFFICER) is None:
            create_user("Officer", OFFICER, "petugas@pagaralamkota.test", PASSWORD,
                        first_name="Dewi", last_name="Lestari", office_code=CODE)
        office_id = office.id
        session.remove()
    with serving(smtp_inbox[1], OFFICE_CODE=CODE) as base:
        yield base, office_id


@pytest.fixture
def queue(app, desk, monkeypatch):
    """Tickets 1–4 today; 1 called to Loket 1 by another officer; the board asks every second."""
    _base, office_id = desk
    monkeypatch.setattr(workdays, "office_today", lambda: DAY)
    monkeypatch.setattr(queue_pages, "BOARD_REFRESH", 1)
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.QueueTicket).where(m.QueueTicket.office_id == office_id))
        for _ in range(4):
            frontoffice.take_ticket(session, office_id, DAY)
        session.commit()
        frontoffice.call_next(session, office_id, DAY, None, counter="Loket 1")
        session.commit()
    yield office_id
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.QueueTicket).where(m.QueueTicket.office_id == office_id))
        session.commit()


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _sideways(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_officer_calls_at_loket_2_and_the_board_shows_it(browser, desk, queue, tmp_path):
    base, _office_id = desk
    folder = shots_folder(tmp_path, "queue_counter")
    board = Person(browser, base, folder, "board", viewport=BOARD)
    officer = Person(browser, base, folder, "officer")
    try:
        page = board.page
        board.goto(f"/queue/board?office={CODE}")
        navigations = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        page.evaluate("() => { window.boardMark = 'still here'; }")
        assert page.locator("#now-serving").inner_text() == "001"
        assert page.locator("#now-counter").inner_text() == "Loket 1"
        # The office's colour under the number called now.
        assert page.locator(".board-now").evaluate(
            "n => getComputedStyle(n).backgroundColor") == _rgb(GREEN)
        board.shot("before")

        # The officer types the counter once, next to "call next".
        officer.log_in(OFFICER)
        officer.goto("/queueticketview/list/")
        officer.page.fill("#queue-counter", "Loket 2")
        with officer.page.expect_navigation():
            officer.page.click("#call-next")
        assert "Nomor 002 dipanggil ke Loket 2." in " ".join(officer.alerts())
        assert officer.page.locator("#queue-counter").input_value() == "Loket 2"
        assert "Loket 2" in officer.page.locator("#queue-now-counter").inner_text()
        officer.shot("called")

        # The board, without a reload: the new number and its counter, big, in the block
        # screen readers hear; the earlier call listed below with its own counter.
        page.wait_for_function(
            "() => document.getElementById('now-serving').textContent.trim() === '002'")
        page.wait_for_function(
            "() => document.getElementById('now-counter').textContent.trim() === 'Loket 2'")
        assert page.locator("#now-counter-line").is_visible()
        assert page.locator("#now-counter").evaluate(
            "n => n.closest('[aria-live]').getAttribute('aria-live')") == "polite"
        assert page.locator("#now-counter-line").evaluate(
            "n => parseFloat(getComputedStyle(n).fontSize)") >= 60  # across a room, at 1280
        assert page.locator("#also-called > span:nth-child(odd)").all_inner_texts() == ["001"]
        assert page.locator("#also-called .board-call-counter").inner_text().endswith(
            "Loket 1")
        # Heard: "002, please go to Loket 2" (the arrow is not read out).
        heard = page.locator("#now-counter-line").evaluate("""n => [...n.childNodes]
            .filter(c => !(c.getAttribute && c.getAttribute('aria-hidden')))
            .map(c => c.textContent).join('')""")
        assert heard == "silakan ke Loket 2", heard
        assert page.locator("#waiting").inner_text() == "2"
        # All of it on one 1280 × 800 screen, nothing to scroll.
        bottom = page.evaluate("""() => Math.max(...['now-counter-line', 'also-called-block',
            'waiting'].map(id => document.getElementById(id).getBoundingClientRect().bottom))""")
        assert bottom <= BOARD["height"], bottom
        assert _sideways(page) <= 0
        assert page.evaluate("() => window.boardMark") == "still here"
        assert navigations == []
        board.shot("after_call_1280")

        # The next call from the list's menu (no field): the remembered counter again.
        with officer.page.expect_navigation():
            officer.page.click("#call-next")
        page.wait_for_function(
            "() => document.getElementById('now-serving').textContent.trim() === '003'")
        assert page.locator("#now-counter").inner_text() == "Loket 2"
        assert page.locator("#also-called > span:nth-child(odd)").all_inner_texts() == [
            "002", "001"]
        assert navigations == []

        # On a phone: one column, nothing sideways, the counter still big.
        page.set_viewport_size(PHONE)
        page.wait_for_timeout(300)
        assert _sideways(page) <= 0
        assert page.locator("#now-counter-line").evaluate(
            "n => parseFloat(getComputedStyle(n).fontSize)") >= 36
        now, also = (page.locator(s).bounding_box() for s in (".board-now", "#also-called-block"))
        assert also["y"] >= now["y"] + now["height"]  # stacked
        board.shot("after_call_375")
    finally:
        board.close()
        officer.close()


def test_the_service_page_wears_the_office_colour(browser, desk):
    base, _office_id = desk
    context = browser.new_context(locale="id-ID", viewport=BOARD)
    try:
        page = context.new_page()
        page.goto(base + "/")
        accent = page.locator(".service-page").evaluate(
            "n => getComputedStyle(n).getPropertyValue('--service-accent').trim()")
        assert accent.lower() == GREEN
        step = page.evaluate("""() => getComputedStyle(
            document.querySelector('.service-step'), '::before').backgroundColor""")
        assert step == _rgb(GREEN)
        # The tint behind the facts: a touch of green on white, the muted text readable on it.
        tint = page.locator(".service-fact").first.evaluate(
            "n => getComputedStyle(n).backgroundColor")
        assert tint not in ("rgba(0, 0, 0, 0)", "rgb(232, 240, 249)"), tint
    finally:
        context.close()


AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.mark.parametrize("viewport", [BOARD, PHONE], ids=["1280", "375"])
def test_the_board_with_counters_and_the_green_service_page_pass_axe(browser, desk, queue,
                                                                     app, viewport):
    """WCAG 2.1 AA (axe-core) on the board showing counters, in the office's green, and on the
    service page in that green: contrast included."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is missing: `make install-dev` installs axe-core")
    base, office_id = desk
    with app.app_context():
        session = app.appbuilder.session
        frontoffice.call_next(session, office_id, DAY, None, counter="Loket 2")
        session.commit()
    # axe-core is injected as an inline script: the page's CSP is bypassed for it only.
    context = browser.new_context(locale="id-ID", viewport=viewport, bypass_csp=True)
    try:
        page = context.new_page()
        for path in (f"/queue/board?office={CODE}", "/"):
            page.goto(base + path)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag',
                values: tags}, resultTypes: ['violations']}).then(r => r.violations.map(
                v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))""",
                                  AXE_TAGS)
            assert found == [], (path, found)
    finally:
        context.close()


def test_the_officer_records_a_called_guest_with_todays_ticket(app, browser, desk, queue,
                                                              tmp_path):
    """The guest book's "Nomor antrean" offers today's tickets only (not the office's every
    ticket ever): the officer picks 002, saves, and the entry keeps it when corrected."""
    base, office_id = desk
    with app.app_context():
        session = app.appbuilder.session
        yesterday = frontoffice.take_ticket(session, office_id, DAY - dt.timedelta(days=1)).id
        session.commit()
        session.remove()
    folder = shots_folder(tmp_path, "queue_counter")
    officer = Person(browser, base, folder, "guest")
    try:
        page = officer.page
        officer.log_in(OFFICER)
        officer.goto("/guestbookentryview/add")
        page.click("#select2-ticket-container")
        offered = [t.strip() for t in
                   page.locator(".select2-results__option").all_inner_texts()]
        officer.shot("tiket-hari-ini")
        assert offered == ["— tanpa nomor antrean —", *(f"12 Mei 2032 #{n:03d}"
                                                         for n in range(1, 5))], offered
        page.locator(".select2-results__option", has_text="#002").first.click()
        page.fill("#name", "Rudi Hartono")
        page.fill("#agency", "Dinas Perhubungan")
        page.select_option("#id_doc_type", index=1)
        with page.expect_navigation():
            page.click("#model_form button[type=submit]")
        officer.shot("tamu-disimpan")
        assert "Data berhasil ditambahkan" in " ".join(officer.alerts()), officer.alerts()
        with app.app_context():
            session = app.appbuilder.session
            entry = session.scalars(sa.select(m.GuestBookEntry).where(
                m.GuestBookEntry.name == "Rudi Hartono")).one()
            ticket = session.get(m.QueueTicket, entry.ticket_id)
            assert (ticket.service_date, ticket.number) == (DAY, 2)
            assert entry.ticket_id != yesterday
            entry_id = entry.id
            session.remove()
        # Corrected later: the edit form has no ticket to lose; the entry keeps 002.
        officer.goto(f"/guestbookentryview/edit/{entry_id}")
        assert page.locator("#ticket").count() == 0
        page.fill("#phone", "0811 2233 4455")
        with page.expect_navigation():
            page.click("#model_form button[type=submit]")
        officer.goto(f"/guestbookentryview/show/{entry_id}")
        officer.shot("tamu-diubah")
        shown = page.locator(".table").first.inner_text()
        assert "12 Mei 2032 #002" in shown and "0811 2233 4455" in shown, shown
    finally:
        officer.close()
