"""Issue 26, the officers' notes beside the fields they concern, walked in Chromium: officers
sent a request back with a note on "Variables listed with concepts and definitions"; the
applicant opens the request's page, reads the note under "Variabel dan indikator", clicks
"Perbaiki" and lands on the variables step with the note shown there, at 1280 and 375 px (no
sideways scrolling on the phone), and axe-core finds nothing serious on either page.

REKOMSTAT_SHOTS=<folder> keeps the screenshots to look at.
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from app import models as m

from .people import STAFF, Person, shots_folder, windows
from .test_accessibility import AXE, TAGS
from conftest import OFFICE_X, OWNER, PASSWORD, seed

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
VARIABLES_ITEM = "Variabel tercantum beserta konsep dan definisinya"


@pytest.fixture
def people(browser, live_server, tmp_path):
    folder = shots_folder(tmp_path, "findings")
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


@pytest.fixture
def revision(app, world, wf):
    """A request sent back with a note on the variables item and a general note."""
    note = f"Konsep dan definisi variabel Luas panen belum diisi ({uuid.uuid4().hex[:6]})."
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "revision_requested")
        item_id = session.scalars(sa.select(m.ChecklistItem.id).where(
            m.ChecklistItem.office_id == world.offices[OFFICE_X],
            m.ChecklistItem.text == VARIABLES_ITEM)).one()
        review = session.scalars(sa.select(m.Review).where(m.Review.request_id == req_id)).one()
        review.checklist = {**review.checklist, str(item_id): {"ok": False, "note": note}}
        review.notes = "Mohon lengkapi bagian yang ditandai, lalu ajukan ulang."
        session.commit()
        session.remove()
    return req_id, note


def _no_sideways_scroll(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("viewport", [STAFF, PHONE], ids=["1280", "375"])
def test_the_note_on_the_variables_leads_to_their_step(people, revision, viewport):
    req_id, note = revision
    applicant = people(f"pemohon-{viewport['width']}", viewport)
    applicant.log_in(OWNER)
    page = applicant.page
    applicant.goto(f"/portal/requests/{req_id}")
    part = page.locator("#findings-rows")
    assert part.get_by_role("heading", name="Variabel dan indikator").is_visible()
    assert note in part.inner_text() and VARIABLES_ITEM in part.inner_text()
    assert "Mohon lengkapi" in page.locator("#revision-notes").inner_text()
    _no_sideways_scroll(page)
    applicant.shot("catatan-di-halaman-permohonan")

    fix = part.get_by_role("link", name="Perbaiki")
    assert fix.is_visible()
    with page.expect_navigation():
        fix.click()
    assert page.url.endswith(f"/portal/requests/{req_id}/edit?step=rows"), page.url
    box = page.get_by_role("note")
    assert "Catatan petugas untuk bagian ini" in box.inner_text()
    assert note in box.inner_text()
    # The variables' step in the progress indicator carries the mark, read out with it.
    rows_step = page.locator("#form-steps button[value='goto:rows']")
    assert "1 catatan petugas" in rows_step.text_content()
    assert page.locator("#form-steps .step-findings").count() == 1
    _no_sideways_scroll(page)
    applicant.shot("catatan-di-langkah-variabel")

    # Another step says nothing of it.
    applicant.goto(f"/portal/requests/{req_id}/edit?step=people")
    assert page.locator("#step-findings").count() == 0
    assert note not in page.locator("body").inner_text()


@pytest.mark.parametrize("viewport", [STAFF, PHONE], ids=["1280", "375"])
def test_the_pages_with_notes_pass_axe(browser, live_server, revision, viewport):
    req_id, _note = revision
    # axe-core is injected as an inline script, which the pages' policy forbids: bypassed here
    # only (the walk above holds the policy).
    context = browser.new_context(locale="id-ID", viewport=viewport, bypass_csp=True,
                                  timezone_id="Asia/Jakarta")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(live_server + "/login/")
        page.fill("#username", OWNER)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.locator("input[type=submit], button[type=submit]").first.click()
        serious = {}
        for path in (f"/portal/requests/{req_id}", f"/portal/requests/{req_id}/edit?step=rows"):
            page.goto(live_server + path)
            page.add_script_tag(path=str(AXE))
            found = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag',
                    values: tags}, resultTypes: ['violations']}).then(r => r.violations
                    .filter(v => ['critical', 'serious'].includes(v.impact))
                    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))""",
                                  TAGS)
            if found:
                serious[path] = found
        assert serious == {}
    finally:
        context.close()
