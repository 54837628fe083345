"""The workflow on the officers' FAB screens: actions (single and several at once), the note
form, the checklist, the letter PDF and its freeze, the SLA column and the overdue list."""
from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.models import ActivityRequest, Letter

from conftest import seed


def _state(app, req_id):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.get(ActivityRequest, req_id).state


def _seed(app, world, wf, state, **kw):
    with app.app_context():
        return seed(app.appbuilder.session, world, wf, state, **kw)


def _code(app, req_id):
    with app.app_context():
        return app.appbuilder.session.get(ActivityRequest, req_id).tracking_code


def test_show_page_offers_only_the_possible_actions(app, world, wf, clients):
    req_id = _seed(app, world, wf, "submitted")
    page = clients["officer_x"].get(f"/activityrequestview/show/{req_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "action/start_review" in html
    assert "action/verify" not in html and "action/issue" not in html
    assert 'id="timeline"' in html and 'id="request-sla"' in html
    # The head reads the same page without any button for this state.
    html = clients["head_x"].get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert "action/start_review" not in html
    assert clients["officer_y"].get(f"/activityrequestview/show/{req_id}").status_code == 404


def test_several_at_once_each_refusal_says_why(app, world, wf, clients):
    ok_1 = _seed(app, world, wf, "submitted")
    ok_2 = _seed(app, world, wf, "submitted")
    wrong = _seed(app, world, wf, "verified")
    client = clients["officer_x"]
    r = client.post("/activityrequestview/action_post",
                    data={"action": "start_review", "rowid": [ok_1, wrong, ok_2]},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert [_state(app, i) for i in (ok_1, ok_2, wrong)] == ["in_review", "in_review", "verified"]
    assert _code(app, wrong) in html  # the refused one is named, with the reason
    assert "2 permohonan" in html


def test_revision_asks_for_a_note_first(app, world, wf, clients):
    req_id = _seed(app, world, wf, "in_review")
    client = clients["officer_x"]
    r = client.post(f"/activityrequestview/action/request_revision/{req_id}")
    assert r.status_code == 302 and "/note/request_revision" in r.location
    assert _state(app, req_id) == "in_review"
    form = client.get(r.location)
    assert form.status_code == 200 and 'name="note"' in form.get_data(as_text=True)
    r = client.post("/activityrequestview/note/request_revision",
                    data={"ids": str(req_id), "note": "  "}, follow_redirects=True)
    assert _state(app, req_id) == "in_review"
    r = client.post("/activityrequestview/note/request_revision",
                    data={"ids": str(req_id), "note": "Kuesioner belum dilampirkan."})
    assert r.status_code == 302
    assert _state(app, req_id) == "revision_requested"
    # The head may not use the officer's note form.
    assert clients["head_x"].get(
        f"/activityrequestview/note/request_revision?ids={req_id}").status_code == 403


def test_checklist_then_verify_on_the_screen(app, world, wf, clients):
    req_id = _seed(app, world, wf, "in_review")
    client = clients["officer_x"]
    with app.app_context():
        from app.requests import workflow

        session = app.appbuilder.session
        items = workflow.applicable_checklist(session, session.get(ActivityRequest, req_id))
    data = {"item": [str(i.id) for i in items], "notes": "Sudah lengkap."}
    data.update({f"ok_{i.id}": "y" for i in items[1:]})
    data[f"note_{items[0].id}"] = "Nama penyelenggara belum lengkap"
    client.post(f"/activityrequestview/checklist/{req_id}", data=data)
    r = client.post(f"/activityrequestview/action/verify/{req_id}", follow_redirects=True)
    assert _state(app, req_id) == "in_review"
    assert items[0].text in r.get_data(as_text=True)
    data[f"ok_{items[0].id}"] = "y"
    client.post(f"/activityrequestview/checklist/{req_id}", data=data)
    client.post(f"/activityrequestview/action/verify/{req_id}")
    assert _state(app, req_id) == "verified"
    # Another office's officer cannot write the checklist.
    assert clients["officer_y"].post(f"/activityrequestview/checklist/{req_id}",
                                     data=data).status_code == 404


def test_only_the_head_issues_and_the_letter_then_freezes(app, world, wf, clients):
    req_id = _seed(app, world, wf, "letter_drafted")
    with app.app_context():
        draft_id = app.appbuilder.session.scalars(
            sa.select(Letter.id).where(Letter.request_id == req_id)).one()
    # The head reads the draft as a PDF before signing; it says it is a draft.
    preview = clients["head_x"].get(f"/letterview/pdf/{draft_id}")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(preview.data)).pages)
    assert "DRAF" in text
    # The request page offers "Edit draft" to the officer who may edit it, not to the head.
    edit_link = f"/letterview/edit/{draft_id}"
    assert edit_link in clients["officer_x"].get(
        f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert edit_link not in clients["head_x"].get(
        f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert clients["head_x"].get(edit_link).status_code == 403
    clients["officer_x"].post(f"/activityrequestview/action/issue/{req_id}")
    assert _state(app, req_id) == "letter_drafted"  # the officer holds no "issue" permission
    clients["head_x"].post(f"/activityrequestview/action/issue/{req_id}")
    assert _state(app, req_id) == "issued"
    with app.app_context():
        letter = app.appbuilder.session.scalars(
            sa.select(Letter).where(Letter.request_id == req_id)).one()
        letter_id, body, number = letter.id, letter.body, letter.number
    for user in ("officer_x", "head_x"):
        pdf = clients[user].get(f"/letterview/pdf/{letter_id}")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert clients["officer_y"].get(f"/letterview/pdf/{letter_id}").status_code == 404
    r = clients["officer_x"].post(f"/letterview/edit/{letter_id}",
                                  data={"result": "fit", "body": "Diubah", "suggestions": ""},
                                  follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        letter = session.get(Letter, letter_id)
        assert (letter.body, letter.number) == (body, number)
    # The request itself is a record now: its form cannot be edited either.
    clients["officer_x"].post(f"/activityrequestview/edit/{req_id}", data={
        "title": "Judul diubah", "year": "2027", "kind": "survey", "channel": "online"})
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        assert session.get(ActivityRequest, req_id).title != "Judul diubah"


def test_sla_column_and_overdue_list(app, world, wf, clients):
    overdue = _seed(app, world, wf, "in_review", due=dt.date(2026, 1, 5))
    on_time = _seed(app, world, wf, "submitted", due=dt.date(2099, 1, 5))
    paused = _seed(app, world, wf, "revision_requested", due=dt.date(2026, 1, 5))
    client = clients["officer_x"]
    html = client.get("/overduerequestview/list/?psize_OverdueRequestView=100").get_data(
        as_text=True)
    assert _code(app, overdue) in html
    assert _code(app, on_time) not in html and _code(app, paused) not in html
    assert "Terlambat" in html
    page = client.get(f"/activityrequestview/show/{on_time}").get_data(as_text=True)
    assert "hari kerja lagi" in page
    page = client.get(f"/activityrequestview/show/{paused}").get_data(as_text=True)
    assert "Dijeda" in page


def test_every_state_renders_for_every_staff_role(app, world, wf, clients):
    from app.models import REQUEST_STATES

    for state in REQUEST_STATES:
        req_id = _seed(app, world, wf, state)
        for user in ("officer_x", "head_x", "admin"):
            page = clients[user].get(f"/activityrequestview/show/{req_id}")
            assert page.status_code == 200, (state, user)
        listing = clients["officer_x"].get(
            "/activityrequestview/list/?psize_ActivityRequestView=100")
        assert listing.status_code == 200


def test_the_review_screen_shows_similar_recommended_activities(app, world, wf, clients):
    with app.app_context():
        session = app.appbuilder.session
        done = seed(session, world, wf, "issued")
        new = seed(session, world, wf, "submitted")
        for req_id, title in ((done, "Survei Budidaya Ikan Patin Kolam Terpal 2026"),
                              (new, "Survei Budidaya Ikan Patin Kolam Terpal 2027")):
            session.get(ActivityRequest, req_id).title = title
        session.commit()
    html = clients["officer_x"].get(f"/activityrequestview/show/{new}").get_data(as_text=True)
    assert 'id="similar-panel"' in html
    assert "Survei Budidaya Ikan Patin Kolam Terpal 2026" in html
