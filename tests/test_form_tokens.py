"""A public form's POST sent again (its answer lost, a reload, a second click) makes nothing
twice: the applicant's new request and the complaint carry a one-time token, written with what
the first POST made, in its transaction (app/auth/form_tokens.py)."""
from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
import sqlalchemy as sa

from app import models as m
from app import notify
from app.auth import form_tokens
from app.core import codes
from app.feedback import complaints

from conftest import OFFICE_X, login

TOKEN = re.compile(r'<input[^>]*name="form_token"[^>]*value="([^"]+)"')


def _token(html: str) -> str:
    found = TOKEN.findall(html)
    assert len(found) == 1, found
    return found[0]


def _count(app, model, *where) -> int:
    with app.app_context():
        return app.appbuilder.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(*where))


def _submission(app, token):
    with app.app_context():
        session = app.appbuilder.session
        row = session.get(m.FormSubmission, token)
        if row is not None:
            session.expunge(row)
        return row


def _request_form(world, title, **values):
    data = {"title": title, "year": "2027", "kind": "survey", "action": "save",
            "agency_name": "Dinas Kesehatan Kota Lubuklinggau",
            "office_id": str(world.offices[OFFICE_X]),
            "variables-0-name": "Umur ibu", "variables-0-concept": "Umur saat wawancara"}
    data.update(values)
    return data


def _complete(world, title, **values):
    return _request_form(
        world, title, action="submit", agency_head_title="Kepala Dinas Kesehatan",
        agency_address="Jl. Merdeka 1", resp_name="dr. Andi",
        resp_email="andi@dinkes.lubuklinggaukota.go.id",
        objectives="Mengukur cakupan imunisasi dasar lengkap.",
        collection_start="2027-02-01", collection_end="2027-03-31", **values)


def _titled(title):
    return m.ActivityRequest.title == title


def _new_token(client, path="/portal/requests/new") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return _token(response.get_data(as_text=True))


def _at_once(monkeypatch, module, name, *posts):
    """Run the POSTs in threads that all get past the token's look-up before any of them
    writes: each waits at ``module.name`` (called before the first write) for the others."""
    barrier = threading.Barrier(len(posts), timeout=20)
    original = getattr(module, name)

    def waiting(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, waiting)
    results = [None] * len(posts)

    def run(i, post):
        results[i] = post()

    threads = [threading.Thread(target=run, args=(i, post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    monkeypatch.undo()
    return results


# --- the applicant's new request ---------------------------------------------------------------


def test_a_replayed_request_form_makes_one_request_and_answers_with_it(app, world, clients):
    client = clients["applicant_a"]
    title = f"Survei Dikirim Dua Kali {uuid.uuid4().hex[:6]}"
    data = _complete(world, title, form_token=_new_token(client))
    first = client.post("/portal/requests/new", data=data)
    assert first.status_code == 302 and re.search(r"/portal/requests/\d+$", first.location)
    again = client.post("/portal/requests/new", data=data)  # the answer was lost: sent again
    assert (again.status_code, again.location) == (302, first.location)
    assert _count(app, m.ActivityRequest, _titled(title)) == 1
    req_id = int(first.location.rsplit("/", 1)[1])
    row = _submission(app, data["form_token"])
    assert (row.form, row.object_id, row.user_id) == ("request", req_id,
                                                      world.users["applicant_a"])
    # One submission: its events and its one acknowledgement, not two.
    assert _count(app, m.AuditEvent, m.AuditEvent.object_type == "activity_request",
                  m.AuditEvent.object_id == req_id) == 2
    assert _count(app, m.OutboundEmail, m.OutboundEmail.body_text.contains(title),
                  m.OutboundEmail.recipient == "applicant_a@rekomstat.test") == 1
    page = client.get(again.location).get_data(as_text=True)
    assert "Formulir ini sudah pernah dikirim: inilah permohonan yang dibuatnya." in page
    assert title in page


def test_the_token_is_written_with_the_request_or_not_at_all(app, world, clients,
                                                             monkeypatch):
    """A crash between the request's writes leaves neither it nor its token: the same form
    sent again then makes the request (once)."""
    client = clients["applicant_a"]
    title = f"Survei Token Satu Transaksi {uuid.uuid4().hex[:6]}"
    data = _complete(world, title, form_token=_new_token(client))
    queued = notify.submitted

    def broken(*args, **kwargs):
        queued(*args, **kwargs)
        raise RuntimeError("crash between the writes")

    monkeypatch.setattr(notify, "submitted", broken)
    with pytest.raises(RuntimeError):  # (the test client re-raises what would be a 500)
        client.post("/portal/requests/new", data=data)
    monkeypatch.undo()
    assert _count(app, m.ActivityRequest, _titled(title)) == 0
    assert _submission(app, data["form_token"]) is None
    again = client.post("/portal/requests/new", data=data)
    assert again.status_code == 302
    assert _count(app, m.ActivityRequest, _titled(title)) == 1
    assert _submission(app, data["form_token"]).object_id == int(again.location.rsplit("/")[-1])


def test_a_mistake_keeps_the_token_and_the_corrected_form_makes_the_request(app, world,
                                                                            clients):
    client = clients["applicant_a"]
    title = f"Survei Dengan Salah Isi {uuid.uuid4().hex[:6]}"
    token = _new_token(client)
    wrong = client.post("/portal/requests/new",
                        data=_request_form(world, title, form_token=token,
                                           collection_start="bukan tanggal"))
    assert wrong.status_code == 422
    assert _token(wrong.get_data(as_text=True)) == token  # the same attempt, the same token
    assert _submission(app, token) is None
    right = client.post("/portal/requests/new", data=_request_form(world, title,
                                                                   form_token=token))
    assert right.status_code == 302
    assert client.post("/portal/requests/new", data=_request_form(
        world, title, form_token=token)).location == right.location
    assert _count(app, m.ActivityRequest, _titled(title)) == 1


def test_a_token_used_by_one_applicant_shows_another_nothing(app, world, clients):
    title_a = f"Survei Milik A {uuid.uuid4().hex[:6]}"
    token = _new_token(clients["applicant_a"])
    made = clients["applicant_a"].post("/portal/requests/new",
                                       data=_request_form(world, title_a, form_token=token))
    assert made.status_code == 302
    req_a = int(made.location.rsplit("/", 1)[1])
    with app.app_context():
        code_a = app.appbuilder.session.get(m.ActivityRequest, req_a).tracking_code

    title_b = f"Survei Milik B {uuid.uuid4().hex[:6]}"
    refused = clients["applicant_b"].post("/portal/requests/new",
                                          data=_request_form(world, title_b, form_token=token))
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert code_a not in html and title_a not in html and f"/portal/requests/{req_a}" not in html
    assert "Formulir ini sudah pernah dikirim sekali." in html
    assert title_b in html  # what B sent comes back, to send again
    fresh = _token(html)
    assert fresh != token
    assert _count(app, m.ActivityRequest, _titled(title_b)) == 0
    sent = clients["applicant_b"].post("/portal/requests/new",
                                       data=_request_form(world, title_b, form_token=fresh))
    assert sent.status_code == 302 and sent.location != made.location
    assert _count(app, m.ActivityRequest, _titled(title_b)) == 1


def test_two_posts_of_one_token_at_once_make_one_request(app, world, monkeypatch):
    """A double click: both POSTs pass the look-up of the token before either has written;
    the token's primary key lets one commit, the other rolls back and answers like a retry."""
    one, two = (login(app.test_client(), "applicant_a") for _ in range(2))
    title = f"Survei Klik Ganda {uuid.uuid4().hex[:6]}"
    data = _request_form(world, title, form_token=form_tokens.new())
    answers = _at_once(monkeypatch, codes, "tracking_code",
                       lambda: one.post("/portal/requests/new", data=data),
                       lambda: two.post("/portal/requests/new", data=data))
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    assert _count(app, m.ActivityRequest, _titled(title)) == 1
    assert _submission(app, data["form_token"]).object_id == int(
        answers[0].location.rsplit("/", 1)[1])


def test_a_form_without_a_token_is_taken_as_before(app, world, clients):
    """A page opened before the tokens existed, or a script: each POST makes a request."""
    title = f"Survei Tanpa Token {uuid.uuid4().hex[:6]}"
    client = clients["applicant_a"]
    for token in (None, "bukan token!"):
        data = _request_form(world, title)
        if token:
            data["form_token"] = token
        assert client.post("/portal/requests/new", data=data).status_code == 302
    assert _count(app, m.ActivityRequest, _titled(title)) == 2


# --- the complaint form ----------------------------------------------------------------------


def _complaint(world, subject, **fields):
    data = {"office": str(world.offices[OFFICE_X]), "name": "Rudi Hartono",
            "email": f"warga-{uuid.uuid4().hex[:8]}@example.com", "subject": subject,
            "text": "Sudah lewat 30 hari kerja, surat rekomendasi belum saya terima.",
            "request_link": "0"}
    data.update(fields)
    return data


def _subject(subject):
    return m.Complaint.subject == subject


def test_a_replayed_complaint_is_filed_once_and_answered_with_its_code(app, world):
    client = app.test_client()  # anonymous
    subject = f"Aduan dikirim ulang {uuid.uuid4().hex[:6]}"
    token = _new_token(client, "/complaints/new")
    data = _complaint(world, subject, form_token=token)
    first = client.post("/complaints/new", data=data)
    assert first.status_code == 302 and re.search(r"/complaints/ADU-\w+$", first.location)
    again = client.post("/complaints/new", data=data)
    assert (again.status_code, again.location) == (302, first.location)
    page = client.get(again.location).get_data(as_text=True)
    assert first.location.rsplit("/", 1)[1] in page
    assert _count(app, m.Complaint, _subject(subject)) == 1
    assert _count(app, m.OutboundEmail, m.OutboundEmail.recipient == data["email"]) == 1
    row = _submission(app, token)
    assert (row.form, row.user_id) == ("complaint", None)


def test_a_complaint_with_a_mistake_keeps_its_token(app, world):
    client = app.test_client()
    subject = f"Aduan salah isi {uuid.uuid4().hex[:6]}"
    token = _new_token(client, "/complaints/new")
    wrong = client.post("/complaints/new", data=_complaint(world, subject, form_token=token,
                                                           email="bukan-alamat"))
    assert wrong.status_code == 400
    assert _token(wrong.get_data(as_text=True)) == token
    data = _complaint(world, subject, form_token=token)
    assert client.post("/complaints/new", data=data).status_code == 302
    assert client.post("/complaints/new", data=data).status_code == 302
    assert _count(app, m.Complaint, _subject(subject)) == 1


def test_a_complaint_token_replayed_by_someone_else_reveals_no_code(app, world, clients):
    subject = f"Aduan pemohon A {uuid.uuid4().hex[:6]}"
    token = _new_token(clients["applicant_a"], "/complaints/new")
    made = clients["applicant_a"].post("/complaints/new",
                                       data=_complaint(world, subject, form_token=token))
    assert made.status_code == 302
    code = made.location.rsplit("/", 1)[1]
    for other in (app.test_client(), clients["applicant_b"]):  # anonymous, another account
        refused = other.post("/complaints/new", data=_complaint(world, subject,
                                                                form_token=token))
        assert refused.status_code == 409
        html = refused.get_data(as_text=True)
        assert code not in html and "Formulir ini sudah pernah dikirim sekali." in html
        assert _token(html) != token
    assert _count(app, m.Complaint, _subject(subject)) == 1


def test_two_complaints_of_one_token_at_once_make_one(app, world, monkeypatch):
    subject = f"Aduan klik ganda {uuid.uuid4().hex[:6]}"
    data = _complaint(world, subject, form_token=form_tokens.new())
    one, two = app.test_client(), app.test_client()
    answers = _at_once(monkeypatch, complaints, "_new_tracking_code",
                       lambda: one.post("/complaints/new", data=data),
                       lambda: two.post("/complaints/new", data=data))
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].location == answers[1].location
    assert _count(app, m.Complaint, _subject(subject)) == 1
    assert _count(app, m.OutboundEmail, m.OutboundEmail.recipient == data["email"]) == 1


# --- clean-up ----------------------------------------------------------------------------------


def test_old_tokens_are_forgotten_by_flask_cleanup(app, world):
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    old, fresh = form_tokens.new(), form_tokens.new()
    with app.app_context():
        session = app.appbuilder.session
        session.add_all([
            m.FormSubmission(token=old, form="complaint", object_id=1,
                             created_at=now - dt.timedelta(days=form_tokens.KEEP_DAYS + 1)),
            m.FormSubmission(token=fresh, form="complaint", object_id=1,
                             created_at=now - dt.timedelta(days=form_tokens.KEEP_DAYS - 1)),
        ])
        session.commit()
    result = app.test_cli_runner().invoke(args=["cleanup"])
    assert result.exit_code == 0, result.output
    assert "token formulir lama" in result.output or "old form token" in result.output
    assert _submission(app, old) is None and _submission(app, fresh) is not None
