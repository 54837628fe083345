"""The service page and the queue board in Chromium (issue 26).

The service page at 1280 px and 375 px: no sideways scrolling, the promise and the cost above
the procedure, the walk-in and online steppers side by side on a desktop and one under the
other on a phone. The queue board: a ticket called through the domain while the board is open
shows up without a navigation; a failed fetch keeps the numbers and shows the "offline" mark.

REKOMSTAT_SHOTS=<folder> keeps a screenshot of each screen there, to look at.
"""
from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from app import models as m
from app.frontoffice import pages as queue_pages
from app.frontoffice import queue as frontoffice
from app.offices import workdays
from app.ops.bootstrap import ensure_office

pytestmark = pytest.mark.browser

OFFICE = "1676"
DAY = dt.date(2032, 3, 10)  # the board's "today": no other test queues on it


def _shot(page, name):
    folder = os.environ.get("REKOMSTAT_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _context(browser, width, height=900, **kwargs):
    context = browser.new_context(locale="id-ID", viewport={"width": width, "height": height},
                                  **kwargs)
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    return context, page, violations


def _box(page, selector) -> dict:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


@pytest.mark.parametrize("width", [1280, 375])
def test_the_service_page_fits_and_puts_the_steps_side_by_side_on_a_desktop(
        live_server, browser, width):
    context, page, violations = _context(browser, width)
    try:
        page.goto(live_server + "/")
        _shot(page, f"service_page_{width}")
        sideways = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert sideways <= 0, f"{sideways}px of sideways scrolling at {width}px"
        # The promise and the cost first, visible without scrolling on both widths.
        for fact in ("#fact-time", "#fact-cost"):
            assert page.locator(fact).is_visible()
            assert _box(page, fact)["y"] < _box(page, "#procedure")["y"]
        assert page.locator("#fact-time .service-fact-number").inner_text() == "30"
        assert page.locator("#fact-cost .service-fact-number").inner_text() == "Gratis"
        assert _box(page, "#home-actions")["y"] < _box(page, "#procedure")["y"]
        # The steps: numbered circles drawn by the list, each step a list item.
        assert page.locator("#procedure-walk-in > li").count() == 13
        assert page.locator("#procedure-online > li").count() == 7
        marker = page.evaluate("""() => getComputedStyle(
            document.querySelector('#procedure-online > li'), '::before').borderRadius""")
        assert marker == "50%"
        walk_in, online = _box(page, "#procedure-walk-in-column"), _box(
            page, "#procedure-online-column")
        if width >= 768:
            assert abs(walk_in["y"] - online["y"]) < 2  # one row
            assert online["x"] >= walk_in["x"] + walk_in["width"]
        else:
            assert online["y"] >= walk_in["y"] + walk_in["height"]  # stacked
            assert abs(walk_in["x"] - online["x"]) < 2
        # Tap targets: the complaint channels are buttons at least 24 px high.
        for link in page.locator("#complaint-channels a").all():
            box = link.bounding_box()
            assert box["height"] >= 24 and box["x"] + box["width"] <= width
    finally:
        context.close()
    assert violations == [], violations


@pytest.fixture
def board_office(app, world, monkeypatch):
    """Office 1676 on DAY with tickets 1–4, ticket 1 called; the board asks every second."""
    monkeypatch.setattr(workdays, "office_today", lambda: DAY)
    monkeypatch.setattr(queue_pages, "BOARD_REFRESH", 1)
    with app.app_context():
        office = ensure_office(OFFICE, "BPS Kabupaten Uji Layanan").id
        session = app.appbuilder.session
        session.execute(sa.delete(m.QueueTicket).where(m.QueueTicket.office_id == office))
        for _ in range(4):
            frontoffice.take_ticket(session, office, DAY)
        session.commit()
        frontoffice.call_next(session, office, DAY, None)
        session.commit()
    yield office
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.QueueTicket).where(m.QueueTicket.office_id == office))
        session.commit()


def test_the_board_changes_its_numbers_without_reloading(app, live_server, browser,
                                                         board_office):
    context, page, violations = _context(browser, 1920, 1080)
    navigations = []
    try:
        page.goto(f"{live_server}/queue/board?office={OFFICE}")
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        assert page.locator("#now-serving").inner_text() == "001"
        assert page.locator("#waiting").inner_text() == "3"
        assert page.locator("#board-office").inner_text() == "BPS Kabupaten Uji Layanan"
        assert page.locator("#now-serving").evaluate(
            "n => n.closest('[aria-live]').getAttribute('aria-live')") == "polite"
        # Readable across a room: the number fills a good part of a 1080-line screen.
        assert _box(page, "#now-serving")["height"] >= 200
        _shot(page, "queue_board_before")
        page.evaluate("() => { window.boardMark = 'still here'; }")

        with app.app_context():
            session = app.appbuilder.session
            frontoffice.call_next(session, board_office, DAY, None)
            session.commit()
        page.wait_for_function(
            "() => document.getElementById('now-serving').textContent.trim() === '002'")
        assert page.locator("#waiting").inner_text() == "2"
        assert page.locator("#also-called").inner_text().split() == ["001"]
        assert page.locator("#also-called-block").is_visible()
        assert page.evaluate("() => window.boardMark") == "still here"  # the same document
        assert navigations == []
        assert page.locator("#board-offline").is_hidden()
        _shot(page, "queue_board_after_call")

        # The server out of reach: the numbers stay, a small "offline" mark, then back.
        page.route("**/queue/board.json*", lambda route: route.abort())
        page.locator("#board-offline").wait_for(state="visible")
        assert page.locator("#now-serving").inner_text() == "002"
        assert page.locator("#board-offline").inner_text() == "luring"
        _shot(page, "queue_board_offline")
        page.unroute("**/queue/board.json*")
        page.locator("#board-offline").wait_for(state="hidden")
        assert navigations == []
    finally:
        context.close()
    assert violations == [], violations


def test_the_board_without_scripts_reloads_itself(live_server, browser, board_office):
    context, page, _violations = _context(browser, 1280, 800, java_script_enabled=False)
    try:
        page.goto(f"{live_server}/queue/board?office={OFFICE}")
        assert page.locator("#now-serving").inner_text() == "001"
        refresh = page.locator("meta[http-equiv=refresh]")
        assert refresh.count() == 1 and refresh.get_attribute("content") == "1"
    finally:
        context.close()
