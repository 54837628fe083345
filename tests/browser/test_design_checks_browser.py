"""The design checks as the officer meets them (issue 22), in headless Chromium: the request in
review shows its "Pemeriksaan rancangan" panel with each reason; the checklist comes pre-ticked
where a check passes and unticked, with the reason beside it and as the note, where one is
flagged; nothing is stored until the officer saves, and then what the form showed is stored,
with the officer's own change.

Each step saves a screenshot: into REKOMSTAT_SHOTS=<folder>/design-checks when set, else into
the test's temporary folder.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.core import codes
from app.models import ActivityRequest, Attachment, ChecklistItem, RequestVariable, Review
from browser.people import STAFF, Person, shots_folder, windows

from conftest import OFFICE_X, seed

pytestmark = pytest.mark.browser


@pytest.fixture
def folder(tmp_path):
    return shots_folder(tmp_path, "design-checks")


@pytest.fixture
def people(browser, live_server, folder):
    yield from windows(lambda who, viewport=STAFF: Person(browser, live_server, folder, who,
                                                          viewport))


def _request_in_review(app, world, wf) -> int:
    """A survey in review by officer_x: questionnaire attached and schedule in order (both
    pass), two variables without a definition and a sample too small for its provinces (both
    flagged); nothing recorded on the checklist yet."""
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "in_review")
        req = session.get(ActivityRequest, req_id)
        req.title = "Survei Pemanfaatan Lahan Pekarangan Kota Lubuklinggau"
        req.objectives = None
        req.kind, req.is_census = "survey", False
        req.planning_start, req.planning_end = dt.date(2027, 1, 4), dt.date(2027, 2, 26)
        req.processing_start, req.processing_end = dt.date(2027, 4, 15), dt.date(2027, 6, 30)
        req.sample_size, req.sampling_error, req.sample_stages = 400, 5, "multi"
        req.presentation_level, req.coverage = "national,province", "whole"
        for position, (name, concept, definition) in enumerate((
                ("Luas pekarangan", "Luas lahan di sekitar rumah", "Dalam meter persegi"),
                ("Jenis tanaman", "Tanaman yang diusahakan", None),
                ("Status lahan", "Penguasaan lahan", "")), start=1):
            session.add(RequestVariable(request_id=req_id, position=position, name=name,
                                        concept=concept, definition=definition))
        session.add(Attachment(request_id=req_id, kind="questionnaire",
                               original_name="kuesioner-pekarangan.pdf",
                               stored_name=codes.random_token(32), size=0,
                               content_type="application/pdf", sha256=""))
        for review in req.reviews:
            review.checklist = {}
        session.commit()
        session.remove()
    return req_id


def _items(app, world) -> dict[str, int]:
    with app.app_context():
        return dict(app.appbuilder.session.execute(sa.select(
            ChecklistItem.design_check, ChecklistItem.id).where(
            ChecklistItem.office_id == world.offices[OFFICE_X],
            ChecklistItem.design_check.is_not(None))).all())


def _recorded(app, req_id) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(Review.checklist).where(
            Review.request_id == req_id)).one()


def test_the_officer_sees_the_checks_and_saves_the_checklist(app, world, wf, people):
    req_id = _request_in_review(app, world, wf)
    items = _items(app, world)
    officer = people("petugas")
    officer.log_in("officer_x")
    officer.goto(f"/activityrequestview/show/{req_id}")
    page = officer.page
    panel = page.locator("#design-checks-panel")
    panel.scroll_into_view_if_needed()
    officer.shot("pemeriksaan-rancangan")

    # The panel: every check with its mark and its reason, in Indonesian.
    assert panel.is_visible()
    assert "Pemeriksaan rancangan" in panel.inner_text()
    row = {key: panel.locator(f"tr[data-key={key}]") for key in (
        "variables_defined", "schedule_in_order", "questionnaire", "sample_size")}
    variables = row["variables_defined"].inner_text()
    assert "Perlu diperiksa" in variables
    assert ("2 dari 3 variabel belum memiliki konsep atau definisi: nomor 2 Jenis tanaman "
            "(definisi belum diisi); nomor 3 Status lahan (definisi belum diisi).") in variables
    sample = row["sample_size"].inner_text()
    assert "n = 400 untuk 38 provinsi berarti 10 per provinsi" in sample
    assert "masing-masing memerlukan 769" in sample and "Aturan:" in sample
    for key in ("schedule_in_order", "questionnaire"):
        assert "Terpenuhi" in row[key].inner_text(), key
    assert "kuesioner-pekarangan.pdf" in row["questionnaire"].inner_text()

    # The checklist: passed checks pre-ticked, flagged ones unticked with the reason beside
    # them and in the note; the others as ever.
    form = page.locator("#checklist-panel")
    form.scroll_into_view_if_needed()
    officer.shot("daftar-periksa")

    def box(key):
        return form.locator(f"input[name=ok_{items[key]}]")

    def note(key):
        return form.locator(f"input[name=note_{items[key]}]")

    assert box("questionnaire").is_checked() and box("schedule_in_order").is_checked()
    assert not box("variables_defined").is_checked() and not box("sample_size").is_checked()
    assert note("variables_defined").input_value().startswith("2 dari 3 variabel")
    assert "29.222" in note("sample_size").input_value()
    beside = form.locator(f"tr:has(input[name=ok_{items['variables_defined']}])").inner_text()
    assert "Perlu diperiksa" in beside and "Jenis tanaman" in beside
    assert _recorded(app, req_id) == {}  # looking stores nothing

    # The officer decides: the variables are fine after a phone call; saved.
    box("variables_defined").check()
    note("variables_defined").fill("Definisi disampaikan lewat telepon.")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    officer.shot("disimpan")
    assert any("Daftar periksa disimpan." in alert for alert in officer.alerts()), \
        officer.alerts()
    recorded = _recorded(app, req_id)
    assert recorded[str(items["variables_defined"])] == {
        "ok": True, "note": "Definisi disampaikan lewat telepon."}
    assert recorded[str(items["questionnaire"])] == {"ok": True, "note": ""}
    assert recorded[str(items["sample_size"])]["ok"] is False
    assert "769" in recorded[str(items["sample_size"])]["note"]

    # Shown again: what was recorded, not the suggestion.
    assert page.locator(f"input[name=ok_{items['variables_defined']}]").is_checked()
    assert page.locator(f"input[name=note_{items['variables_defined']}]").input_value() == \
        "Definisi disampaikan lewat telepon."
