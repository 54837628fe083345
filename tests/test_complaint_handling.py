"""Officers handle complaints: take up, answer (e-mailed, shown on the public page), close;
deadlines in working days, overdue ones marked and listed; hand-entered complaints."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import models as m
from app.feedback import complaints
from app.feedback.complaints import ComplaintError


def _complaint(app, world, office="1674", due=None,
               email="pelapor@bappeda.lubuklinggaukota.go.id"):
    with app.app_context():
        session = app.appbuilder.session
        c, _ = complaints.file_complaint(
            session, office_id=world.offices[office], subject="Antrian terlalu lama",
            text="Saya menunggu dua jam di loket PST.", name="Rudi", email=email)
        if due is not None:
            c.due_date = due
            session.commit()
        return c.id, c.tracking_code


def _get(app, cid):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.get(m.Complaint, cid)


def test_take_answer_close_with_mail_and_public_answer(app, world, clients):
    cid, code = _complaint(app, world)
    officer = clients["officer_x"]
    officer.post(f"/complaintview/action/take/{cid}")
    c = _get(app, cid)
    assert (c.state, c.assignee_id) == ("in_progress", world.users["officer_x"])
    assert c.acknowledged_at is not None
    r = officer.post(f"/complaintview/answer/{cid}", data={"answer": "  "})
    assert r.status_code == 200 and _get(app, cid).state == "in_progress"
    officer.post(f"/complaintview/answer/{cid}",
                 data={"answer": "Mohon maaf, kami menambah petugas loket mulai Senin."})
    c = _get(app, cid)
    assert (c.state, c.answer) == ("answered",
                                   "Mohon maaf, kami menambah petugas loket mulai Senin.")
    with app.app_context():
        mails = app.appbuilder.session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.subject.contains(code)).order_by(m.OutboundEmail.id)).all()
    assert len(mails) == 2  # the acknowledgement and the answer
    assert "menambah petugas loket" in mails[1].body_text
    public = app.test_client().get(f"/complaints/{code}").get_data(as_text=True)
    assert "menambah petugas loket" in public
    officer.post(f"/complaintview/action/close/{cid}")
    assert _get(app, cid).state == "closed"
    with app.app_context():
        steps = app.appbuilder.session.scalars(sa.select(m.AuditEvent.action).where(
            m.AuditEvent.object_type == "complaint", m.AuditEvent.object_id == cid)
            .order_by(m.AuditEvent.id)).all()
    assert steps == ["take", "answer", "close"]


def test_wrong_state_other_office_and_head_change_nothing(app, world, clients):
    cid, _ = _complaint(app, world)
    with app.app_context():
        session = app.appbuilder.session
        for user, step, status in (("officer_x", "close", 409), ("officer_y", "take", 403),
                                   ("head_x", "take", 403), ("applicant_a", "take", 403)):
            actor = session.get(m.RekomUser, world.users[user])
            with pytest.raises(ComplaintError) as err:
                complaints.handle(session, cid, step, actor)
            assert err.value.status == status, user
    clients["head_x"].post(f"/complaintview/action/take/{cid}")  # no such permission
    clients["officer_y"].post(f"/complaintview/action/take/{cid}")
    assert _get(app, cid).state == "received"
    assert clients["officer_y"].get(f"/complaintview/answer/{cid}").status_code == 404
    assert clients["head_x"].get(f"/complaintview/answer/{cid}").status_code == 403


def test_overdue_complaints_are_marked_and_listed(app, world, clients):
    late, late_code = _complaint(app, world, due=dt.date(2026, 1, 2))
    fine, fine_code = _complaint(app, world, due=dt.date(2099, 1, 2))
    # Every page of the list, to the first without a row (at most 100 rows a page).
    pages = []
    for number in range(1000):
        page = clients["officer_x"].get(
            "/overduecomplaintview/list/?psize_OverdueComplaintView=100"
            f"&page_OverdueComplaintView={number}").get_data(as_text=True)
        if "/overduecomplaintview/show/" not in page:
            break
        pages.append(page)
    html = "".join(pages)
    assert late_code in html and fine_code not in html
    assert "Terlambat dijawab" in html


def test_hand_entered_complaint_gets_deadlines_and_an_acknowledgement(app, world, clients):
    from app.offices.workdays import office_calendar, office_today

    r = clients["officer_x"].post("/complaintview/add", data={
        "channel": "box", "reporter_name": "Sari", "subject": "Kotak saran: formulir",
        "reporter_email": "sari@dinsos.lubuklinggaukota.go.id",
        "text": "Formulir kertas sulit didapat.", "office": world.offices["1674"]})
    assert r.status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        c = session.scalars(sa.select(m.Complaint).where(
            m.Complaint.subject == "Kotak saran: formulir")).one()
        cal = office_calendar(session, c.office_id)
        today = office_today()
        assert (c.state, c.channel) == ("received", "box")
        assert c.ack_due_date == cal.add_working_days(today, 3)
        assert c.due_date == cal.add_working_days(today, 14)
        ack = session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.recipient == "sari@dinsos.lubuklinggaukota.go.id")).all()
        assert len(ack) == 1 and c.tracking_code in ack[0].subject
