"""The staff home ("Tugas saya") in Chromium at 1280x800: each role logs in and finds its
items, the menu shows the count, and the admin's menu (the longest) stays on one row."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app import models as m

from conftest import PASSWORD, seed

WIDTH, HEIGHT = 1280, 800


def _log_in(browser, base, username):
    context = browser.new_context(locale="id-ID", viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    page.set_default_timeout(15000)
    violations = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text else None)
    page.goto(base + "/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    assert "/login" not in page.url, f"logging in as {username} failed"
    return context, page, violations


def _menu_rows(page) -> dict:
    """The navbar's height and the distinct top offsets of its entries (one row: one top)."""
    return page.evaluate("""() => {
        const bar = document.querySelector('.navbar');
        const items = [...document.querySelectorAll(
            '.navbar-header, .navbar-collapse > ul.nav > li')];
        return {height: bar.getBoundingClientRect().height,
                tops: [...new Set(items.map(i => Math.round(i.getBoundingClientRect().top)))],
                count: items.length};
    }""")


def test_each_role_finds_its_tasks_and_the_admin_menu_fits_one_row(
        app, world, wf, live_server, browser, tmp_path):
    with app.app_context():
        session = app.appbuilder.session
        overdue = seed(session, world, wf, "submitted", due=dt.date(2026, 1, 5))
        to_sign = seed(session, world, wf, "letter_drafted")
        # The oldest draft: first on the head's list, however many other tests left there.
        session.execute(sa.update(m.Letter).where(m.Letter.request_id == to_sign)
                        .values(drafted_at=dt.datetime(2020, 1, 1)))
        session.commit()
        codes = dict(session.execute(sa.select(m.ActivityRequest.id,
                                               m.ActivityRequest.tracking_code)
                                     .where(m.ActivityRequest.id.in_((overdue, to_sign)))).all())

    shots = {}
    for user in ("officer_x", "head_x", "admin"):
        context, page, violations = _log_in(browser, live_server, user)
        try:
            page.goto(live_server + "/admin/")
            home = page.locator("#rekom-home")
            assert home.is_visible()
            assert page.locator("li.rekom-tasks").inner_text().startswith("Tugas saya")
            badge = page.locator("li.rekom-tasks .badge")
            if user == "officer_x":
                # The overdue request leads the officer's first group, in red, with its link.
                first = page.locator("#group-submitted tr.rekom-task").first
                assert codes[overdue] in first.inner_text()
                assert "danger" in (first.get_attribute("class") or "")
                assert "Terlambat" in first.inner_text()
                assert int(badge.inner_text()) >= 1
                page.locator("#group-submitted tr.rekom-task").first.locator("a").first.click()
                page.wait_for_url(f"**/activityrequestview/show/{overdue}")
                page.go_back()
            elif user == "head_x":
                first = page.locator("#head-letters tr.rekom-task").first
                assert codes[to_sign] in first.inner_text()
                assert int(badge.inner_text()) >= 1
                assert page.locator("#officer-requests").count() == 0
            else:
                assert page.locator("#admin-offices").is_visible()
                assert "BPS Kota Lubuklinggau" in page.locator("#admin-offices").inner_text()
            rows = _menu_rows(page)
            shots[user] = tmp_path / f"home-{user}.png"
            page.screenshot(path=str(shots[user]), full_page=True)
            # One row at 1280 px for every role, the admin's (the longest) included: every
            # entry at the same height and the bar no taller than one row.
            assert len(rows["tops"]) == 1, (user, rows)
            assert rows["height"] < 60, (user, rows)
            if user == "admin":
                # FAB's own screens and the requests list carry the same menu.
                for url in ("/users/list/", "/activityrequestview/list/"):
                    page.goto(live_server + url)
                    assert len(_menu_rows(page)["tops"]) == 1, url
                    assert page.locator("li.rekom-tasks").count() == 1, url
        finally:
            context.close()
        assert violations == [], violations
    assert all(path.stat().st_size > 0 for path in shots.values())
