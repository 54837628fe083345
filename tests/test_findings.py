"""Issue 26, the officers' notes beside the fields they concern: each checklist item names the
part of the form it concerns (ChecklistItem.form_part, set on the checklist screen; the defaults
mapped, migration 0024 for the offices made before), and when officers ask for a revision the
applicant reads each note under that part on the request's page, with the way to its step, and
on that step of the form (requests/findings.py)."""
from __future__ import annotations

import html
import re
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app import models as m
from app.portal import form_steps
from app.requests import findings

from conftest import OFFICE_X, OWNER, app_config, login, seed

# The default checklist (offices/directory.DEFAULT_CHECKLIST), as stored (in Indonesian), and
# the part of the form each concerns.
DEFAULT_PARTS = {
    "Judul kegiatan dan penyelenggara teridentifikasi": "organiser",
    "Penanggung jawab dapat dihubungi": "people",
    "Tujuan kegiatan dicantumkan": "planning",
    "Jadwal kegiatan lengkap": "planning",
    "Blok rancangan kegiatan lengkap": "design",
    "Rancangan sampel sesuai dengan tujuan dan cakupan kegiatan": "sample",
    "Variabel tercantum beserta konsep dan definisinya": "rows",
    "Kuesioner dilampirkan": "documents",
}
VARIABLES_ITEM = "Variabel tercantum beserta konsep dan definisinya"
ORGANISER_ITEM = "Judul kegiatan dan penyelenggara teridentifikasi"
STEP_KEYS = [s.key for s in form_steps.STEPS]


def _item(session, office_id, text) -> m.ChecklistItem:
    return session.scalars(sa.select(m.ChecklistItem).where(
        m.ChecklistItem.office_id == office_id, m.ChecklistItem.text == text)).one()


def _revision(app, world, wf, notes: dict, general: str | None = None, state=None) -> int:
    """A request sent back for revision whose review failed the items ``notes`` names (text or
    ChecklistItem id -> note); every other item passed."""
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "revision_requested")
        review = session.scalars(sa.select(m.Review).where(m.Review.request_id == req_id)).one()
        checklist = dict(review.checklist)
        for key, note in notes.items():
            item_id = key if isinstance(key, int) else _item(
                session, world.offices[OFFICE_X], key).id
            checklist[str(item_id)] = {"ok": False, "note": note}
        review.checklist = checklist
        review.notes = general
        if state:
            session.get(m.ActivityRequest, req_id).state = state
        session.commit()
        session.remove()
    return req_id


def _block(page: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the next block of the same kind."""
    start = page.index(f'id="{element_id}"')
    tail = page[start:]
    ends = [tail.find(marker, 1) for marker in ('class="findings-part"', "</section>")]
    return tail[:min(e for e in ends if e > 0)]


@pytest.fixture
def own_item(app, world):
    """A checklist item of office X without a part, switched off (the office's reviews never
    ask for it): made for one test, removed after."""
    made = []

    def make(text, **values):
        with app.app_context():
            session = app.appbuilder.session
            item = m.ChecklistItem(office_id=world.offices[OFFICE_X], position=99, text=text,
                                   applies_to="all", active=False, **values)
            session.add(item)
            session.commit()
            made.append(item.id)
            session.remove()
        return made[-1]

    yield make
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.delete(m.ChecklistItem).where(m.ChecklistItem.id.in_(made)))
        session.commit()
        session.remove()


def test_the_parts_are_the_steps_of_the_form():
    """The column's codes (models, which import nothing of ours) are the form's steps, named
    as the steps are."""
    assert m.FORM_PARTS == tuple(s.key for s in form_steps.STEPS if not s.review)
    assert {k: str(v) for k, v in findings.PART_TITLES.items()} == {
        s.key: str(s.title) for s in form_steps.STEPS if not s.review}


def test_each_note_is_under_its_part_with_the_way_to_its_step(app, world, wf, own_item):
    note_rows = f"Definisi variabel umur belum ada {uuid.uuid4().hex[:6]}."
    note_org = f"Nama penyelenggara tidak lengkap {uuid.uuid4().hex[:6]}."
    note_any = f"Lampirkan surat pengantar yang ditandatangani {uuid.uuid4().hex[:6]}."
    general = f"Mohon perbaiki bagian yang ditandai {uuid.uuid4().hex[:6]}."
    own = own_item(f"Catatan umum kantor {uuid.uuid4().hex[:6]}")
    req_id = _revision(app, world, wf, {VARIABLES_ITEM: note_rows, ORGANISER_ITEM: note_org,
                                        own: note_any}, general=general)
    client = login(app.test_client(), OWNER)
    page = html.unescape(client.get(f"/portal/requests/{req_id}").get_data(as_text=True))
    box = _block(page, "revision-notes")  # up to the first part
    assert general in box
    # The item without a part: a general finding, under no part.
    general_list = box[box.index('id="findings-general"'):]
    assert note_any in general_list and note_rows not in general_list
    # Each note under its part, the part's title as the form's step names it, and "Perbaiki"
    # leading to that step; in the form's order (Block I before the variables).
    rows = _block(page, "findings-rows")
    assert "Variabel dan indikator" in rows and VARIABLES_ITEM in rows and note_rows in rows
    assert note_org not in rows and note_any not in rows
    assert f'href="/portal/requests/{req_id}/edit?step=rows"' in rows and "Perbaiki" in rows
    organiser = _block(page, "findings-organiser")
    assert "Blok I: Penyelenggara" in organiser and note_org in organiser
    assert f'href="/portal/requests/{req_id}/edit?step=organiser"' in organiser
    assert page.index('id="findings-organiser"') < page.index('id="findings-rows"')
    assert [p for p in re.findall(r'id="findings-(\w+)"', page) if p != "general"] == [
        "organiser", "rows"]

    # Each step shows the notes on it, and only those; the steps with notes are marked.
    for key in STEP_KEYS:
        r = client.get(f"/portal/requests/{req_id}/edit?step={key}")
        assert r.status_code == 200, key
        step = html.unescape(r.get_data(as_text=True))
        assert (note_rows in step) == (key == "rows"), key
        assert (note_org in step) == (key == "organiser"), key
        # The general notes: on the request's page, and on the last step before resending.
        assert (note_any in step) == (key == "review"), key
        assert (general in step) == (key == "review"), key
        marks = dict(re.findall(
            r'value="goto:(\w+)".*?(?:<span class="step-findings-text">([^<]*)</span>|</button>)',
            step, re.S))
        assert {k: v for k, v in marks.items() if v} == {
            "organiser": "1 catatan petugas", "rows": "1 catatan petugas"}, key
    rows_step = html.unescape(client.get(
        f"/portal/requests/{req_id}/edit?step=rows").get_data(as_text=True))
    box = rows_step[rows_step.index('id="step-findings"'):]
    assert 'role="note"' in rows_step and "Catatan petugas untuk bagian ini" in box
    assert rows_step.index('id="step-findings"') < rows_step.index('id="request-form"')


def test_without_a_revision_or_once_resent_nothing_to_fix(app, world, wf):
    note = f"Definisi belum ada {uuid.uuid4().hex[:6]}."
    client = login(app.test_client(), OWNER)
    with app.app_context():
        draft = seed(app.appbuilder.session, world, wf, "draft")
        app.appbuilder.session.remove()
    page = client.get(f"/portal/requests/{draft}").get_data(as_text=True)
    assert 'id="revision-notes"' not in page
    assert 'id="step-findings"' not in client.get(
        f"/portal/requests/{draft}/edit?step=rows").get_data(as_text=True)
    # Resent (and not yet checked again): the notes stay readable, nothing to fix any more.
    resent = _revision(app, world, wf, {VARIABLES_ITEM: note}, state="submitted")
    page = html.unescape(client.get(f"/portal/requests/{resent}").get_data(as_text=True))
    assert note in _block(page, "findings-rows")
    assert "edit?step=rows" not in page
    # Passed items and failed ones without a note are no findings.
    quiet = _revision(app, world, wf, {VARIABLES_ITEM: ""})
    page = client.get(f"/portal/requests/{quiet}").get_data(as_text=True)
    assert 'id="findings-rows"' not in page
    assert "step-findings-text" not in client.get(
        f"/portal/requests/{quiet}/edit?step=rows").get_data(as_text=True)


def test_findings_of_the_last_revision_round(app, world, wf, own_item):
    """The domain function: the last round that asked for a revision, grouped by part (None,
    the general ones, first), the checklist's order within a part."""
    own = own_item("Butir lama tanpa bagian")
    req_id = _revision(app, world, wf, {VARIABLES_ITEM: "A", "Jadwal kegiatan lengkap": "B",
                                        "Tujuan kegiatan dicantumkan": "C", own: "D"},
                       general="  Umum.  ")
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        found = findings.last_revision(session, req)
        assert found.notes == "Umum." and found.round == 1
        assert list(found.by_part) == [None, "planning", "rows"]
        assert found.parts == ["planning", "rows"]
        assert [(f.item, f.note) for f in found.for_part("planning")] == [
            ("Tujuan kegiatan dicantumkan", "C"), ("Jadwal kegiatan lengkap", "B")]
        assert found.general == [findings.Finding("Butir lama tanpa bagian", "D", None)]
        # A later round that passed does not hide the last one that asked for revision.
        session.add(m.Review(request_id=req_id, round=2, outcome="pass", checklist={}))
        session.flush()
        session.refresh(req)
        assert findings.last_revision(session, req).round == 1
        session.rollback()
        session.remove()


def test_the_admin_sets_the_part_on_the_checklist_screen(app, world, own_item):
    item_id = own_item(f"Butir khusus {uuid.uuid4().hex[:6]}")
    admin = login(app.test_client(), "admin")
    form = html.unescape(admin.get(f"/checklistitemview/edit/{item_id}").get_data(as_text=True))
    assert "Bagian formulir" in form
    options = re.search(r'<select[^>]*name="form_part".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w*)"', options) == ["", *m.FORM_PARTS]
    assert "Variabel dan indikator" in options and "Blok I: Penyelenggara" in options
    data = {"office": str(world.offices[OFFICE_X]), "position": "99", "text": "Butir khusus",
            "applies_to": "all", "design_check": "", "form_part": "rows"}
    r = admin.post(f"/checklistitemview/edit/{item_id}", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]

    def stored():
        with app.app_context():
            value = app.appbuilder.session.get(m.ChecklistItem, item_id).form_part
            app.appbuilder.session.remove()
            return value

    assert stored() == "rows"
    shown = html.unescape(admin.get(f"/checklistitemview/show/{item_id}").get_data(as_text=True))
    assert "Bagian formulir" in shown and "Variabel dan indikator" in shown
    listed = html.unescape(admin.get("/checklistitemview/list/").get_data(as_text=True))
    assert "Bagian formulir" in listed
    # Emptied: the note goes with the general ones again; a code of no part is refused.
    admin.post(f"/checklistitemview/edit/{item_id}", data={**data, "form_part": ""})
    assert stored() is None
    r = admin.post(f"/checklistitemview/edit/{item_id}", data={**data, "form_part": "review"})
    assert r.status_code == 200 and stored() is None
    # A new item with its part.
    text = f"Butir baru {uuid.uuid4().hex[:6]}"
    r = admin.post("/checklistitemview/add", data={**data, "text": text,
                                                   "form_part": "documents"})
    assert r.status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        item = _item(session, world.offices[OFFICE_X], text)
        assert item.form_part == "documents"
        session.delete(item)
        session.commit()
        session.remove()


def test_an_office_made_by_bootstrap_has_its_default_parts(app, world):
    with app.app_context():
        session = app.appbuilder.session
        office_id = session.scalars(sa.select(m.Office.id).where(
            m.Office.code == app.config["OFFICE_CODE"])).one()
        items = session.execute(sa.select(
            m.ChecklistItem.text, m.ChecklistItem.design_check, m.ChecklistItem.form_part)
            .where(m.ChecklistItem.office_id == office_id)
            .order_by(m.ChecklistItem.position)).all()
        session.remove()
    by_text = {text: part for text, _check, part in items}
    assert {t: by_text.get(t) for t in DEFAULT_PARTS} == DEFAULT_PARTS
    assert {check: part for _text, check, part in items if check} == {
        "schedule_in_order": "planning", "sample_size": "sample", "variables_defined": "rows",
        "questionnaire": "documents", "similar_reason": "activity"}
    assert all(part for _text, _check, part in items)


def test_migration_0024_maps_the_default_items_of_the_offices_made_before(scratch_url):
    from flask_migrate import downgrade, upgrade

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade(revision="0006")
        engine = application.extensions["sqlalchemy"].engine

        def insert(table, **values):  # the columns of that revision, not today's models'
            return sa.insert(sa.table(table, *map(sa.column, values))).values(**values)

        with engine.begin() as conn:
            conn.execute(insert("office", code="7601", name="BPS Kabupaten Lama", active=True))
        upgrade(revision="0023")  # 0007 gives it the default checklist, 0011 the design checks
        with engine.begin() as conn:
            office = conn.execute(sa.text(
                "SELECT id FROM office WHERE code = '7601'")).scalar()
            for position, text, check in ((10, "Butir kantor sendiri", None),
                                          (11, "Kuesioner versi kantor", "questionnaire"),
                                          (12, "TUJUAN KEGIATAN DICANTUMKAN", None)):
                conn.execute(insert("checklist_item", office_id=office, position=position,
                                    text=text, applies_to="all", active=True,
                                    design_check=check))
        upgrade(revision="0024")

        def parts():
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    "SELECT text, form_part FROM checklist_item WHERE office_id = :o "
                    "ORDER BY position"), {"o": office}).all()

        found = dict(parts())
        assert {t: found[t] for t in DEFAULT_PARTS} == DEFAULT_PARTS
        assert found[next(t for t in found if t.startswith("Tidak duplikasi"))] == "activity"
        assert found["Butir kantor sendiri"] is None
        assert found["Kuesioner versi kantor"] == "documents"  # by its design check
        assert found["TUJUAN KEGIATAN DICANTUMKAN"] == "planning"  # whatever the case
        # The column holds the form's parts only; the other constraints are kept.
        for column, value in (("form_part", "review"), ("applies_to", "semua"),
                              ("design_check", "nothing")):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text(f"UPDATE checklist_item SET {column} = :v "
                                     "WHERE office_id = :o"), {"v": value, "o": office})
        downgrade(revision="0023")
        with engine.connect() as conn:
            assert "form_part" not in {c["name"] for c in sa.inspect(conn).get_columns(
                "checklist_item")}
        upgrade()
        assert dict(parts()) == found
        application.appbuilder.session.remove()
        engine.dispose()
