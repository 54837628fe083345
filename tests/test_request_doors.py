"""One front door for a request's writes (request_commands): the staff screens record and edit a
request with the portal's own fields, rules and events; a database refusal comes back as a
message on its field with everything typed kept; the request page shows labels, not codes."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app import models as m
from app.requests import commands as request_commands

from conftest import OFFICE_X, seed

BROWSER_DEFAULTS = {
    # What a browser sends for the untouched controls of the staff form: empty text boxes and
    # selects on their empty option; unchecked checkboxes and radios send nothing.
    name: "" for name, f in __import__("app.requests.form", fromlist=["FIELDS"]).FIELDS.items()
    if f.kind not in ("multi", "bool")
}


def _request(app, title):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(m.ActivityRequest).where(
            m.ActivityRequest.title == title)).first()


def _events(app, req_id):
    with app.app_context():
        return app.appbuilder.session.scalars(sa.select(m.AuditEvent.action).where(
            m.AuditEvent.object_type == "activity_request",
            m.AuditEvent.object_id == req_id)).all()


def test_the_paper_form_with_only_the_starred_fields(app, world, clients, monkeypatch):
    """The incident: "+" with the starred fields filled answered a CHECK constraint error
    and lost the form. Now it is recorded, as a walk-in draft, with its "create" event, and the
    new applicant's invitation leaves at once like every other mail."""
    title = "Survei Harga Eceran Beras 2027"
    email = "rina.harga@disdag.lubuklinggaukota.go.id"
    from app import notify

    tried = []
    send = notify.try_send_now
    monkeypatch.setattr(notify, "try_send_now", lambda ids: (tried.extend(ids), send(ids))[1])
    page = clients["officer_x"].get("/activityrequestview/add").get_data(as_text=True)
    # The portal's controls: a select with Indonesian labels, checkbox groups, the form's marks.
    assert 'name="repetition"' in page and "Berulang" in page
    assert 'type="checkbox"' in page and "Wawancara" in page
    assert "Judul kegiatan *" in page
    r = clients["officer_x"].post("/activityrequestview/add", data={
        **BROWSER_DEFAULTS, "office": world.offices[OFFICE_X], "applicant_email": email,
        "applicant_name": "", "title": title, "year": "2027", "kind": "survey",
        "agency_name": "Dinas Perdagangan", "agency_head_title": "Kepala Dinas Perdagangan",
        "agency_address": "Jl. Garuda 3", "resp_name": "Rina", "objectives": "Harga beras.",
        "collection_start": "2027-01-04", "collection_end": "2027-01-29"})
    req = _request(app, title)
    assert req is not None, r.get_data(as_text=True)[:2000]
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/show/{req.id}")
    assert (req.state, req.channel, req.repetition, req.collection_type) == (
        "draft", "walk_in", None, None)
    assert _events(app, req.id) == ["create"]
    with app.app_context():
        [mail] = app.appbuilder.session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.recipient == email)).all()
        assert mail.id in tried  # tried at once, not left for `flask outbox send`
    # The tests run without a mail server: the officer is told where the invitation waits,
    # not that it was e-mailed.
    page = clients["officer_x"].get(r.headers["Location"]).get_data(as_text=True)
    assert f"undangan untuk {email} menunggu di Kotak keluar" in page


def test_editing_a_request_without_a_change_saves_it(app, world, wf, clients):
    """The pencil on an online request, "Simpan" without a change: saved, values unchanged."""
    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "submitted")
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        req.repetition, req.collection_methods, req.pilot_test = (
            "repeated", "interview,observation", True)
        session.commit()
    client = clients["officer_x"]
    page = client.get(f"/activityrequestview/edit/{req_id}").get_data(as_text=True)
    form = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    form.update(re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>\s*([^<]*)</textarea>', page))
    selected = dict(re.findall(
        r'<select[^>]*name="([a-z_]+)"[^>]*>(?:(?!</select>).)*?<option selected value="([^"]*)"',
        page, re.S))
    form.update(selected)
    checked = re.findall(r'<input checked[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page)
    form.pop("csrf_token", None)
    data = {**form}
    multi = {}
    for name, value in checked:
        multi.setdefault(name, []).append(value)
    data.update(multi)
    assert data.get("repetition") == "repeated" and data.get("collection_methods") == [
        "interview", "observation"] and data.get("pilot_test") == ["1"], data
    r = client.post(f"/activityrequestview/edit/{req_id}", data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert (req.repetition, req.collection_methods, req.pilot_test) == (
            "repeated", "interview,observation", True)
        assert req.title == "Survei Ubinan Padi Sawah 2027"


def test_a_database_refusal_is_a_message_on_its_field(app, world, clients, monkeypatch):
    """Should a rule slip past the checks, the database's CHECK comes back as a sentence on the
    field, in Indonesian, with everything typed kept: never the driver's text."""
    monkeypatch.setattr(request_commands, "clean_value", lambda name, value, table=None: value)
    monkeypatch.setattr(request_commands, "_date_errors", lambda read: {})
    title = "Survei Yang Ditolak Basis Data 2027"
    r = clients["officer_x"].post("/activityrequestview/add", data={
        **BROWSER_DEFAULTS, "office": world.offices[OFFICE_X], "title": title, "year": "2027",
        "kind": "survey", "applicant_email": "ditolak@dinas.lubuklinggaukota.go.id",
        "agency_name": "Dinas Penolak", "collection_start": "2027-05-01",
        "collection_end": "2027-04-01"})  # the CHECK on the dates refuses this row
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for leak in ("IntegrityError", "sqlite3", "psycopg", "[SQL:", "ck_request", "CHECK"):
        assert leak not in html, leak
    assert "Nilai ini tidak dapat diterima." in html
    assert f'value="{title}"' in html and 'value="Dinas Penolak"' in html
    assert _request(app, title) is None


def test_the_request_page_reads_labels_not_codes_with_actions_on_top(app, world, wf, clients):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "submitted")
        req = session.get(m.ActivityRequest, req_id)
        req.repetition, req.collection_methods = "repeated", "interview"
        req.collection_media, req.collection_units = "paper", "individual"
        session.commit()
    html = clients["officer_x"].get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    for label in ("Berulang", "Wawancara", "Kertas", "Individu"):
        assert label in html, label
    cells = re.findall(r'<span style="white-space: pre-line">\s*([^<]*?)\s*</span>', html)
    for code in ("repeated", "interview", "paper", "individual"):
        assert code not in cells, code
    # The buttons come before the form's blocks, which are folded.
    assert html.index('id="request-actions"') < html.index("Blok I")
    assert "Mulai periksa" in html[:html.index("Blok I")]


def test_every_door_writes_the_create_event(app, world, api):
    r = api("POST", "officer_x", "/api/v1/requests/", json={
        "office": world.offices[OFFICE_X], "applicant": world.users["applicant_a"],
        "title": "Kompilasi Lewat API 2027", "year": 2027, "kind": "compilation"})
    assert r.status_code == 201, r.json
    assert _events(app, r.json["id"]) == ["create"]
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, r.json["id"])
        assert (req.channel, req.applicant_id) == ("walk_in", world.users["applicant_a"])
    r = api("POST", "officer_x", "/api/v1/requests/", json={
        "office": world.offices[OFFICE_X], "applicant": world.users["officer_y"],
        "title": "Kompilasi Untuk Staf 2027", "year": 2027, "kind": "compilation"})
    assert r.status_code == 422 and "applicant" in r.json["message"]


def test_an_api_never_answers_the_drivers_text(app, world, wf, api, monkeypatch):
    """FAB's put answers "Database exception occurred: <the driver's text>" when the database
    refuses; ours name the field and say it in the user's language."""
    from flask_appbuilder.exceptions import DatabaseException
    from flask_appbuilder.models.sqla.interface import SQLAInterface
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        req_id = seed(app.appbuilder.session, world, wf, "letter_drafted")
        letter_id = app.appbuilder.session.get(m.ActivityRequest, req_id).letter.id

    def refuse(self, item, commit=True):
        cause = IntegrityError("UPDATE letter SET result=?", ("x",), Exception(
            "CHECK constraint failed: ck_letter_result"))
        raise DatabaseException(str(cause)) from cause

    monkeypatch.setattr(SQLAInterface, "edit", refuse)
    r = api("PUT", "officer_x", f"/api/v1/letters/{letter_id}", json={"body": "Teks surat."})
    assert r.status_code == 422
    text = str(r.json)
    for leak in ("constraint", "UPDATE", "Database exception", "ck_letter"):
        assert leak not in text, text
    assert r.json["message"] == {"result": ["Nilai ini tidak dapat diterima."]}
