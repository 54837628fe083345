"""The workflow's e-mails end to end: a request walked through the REST API while the SMTP
server is down loses no message; once it is up, `flask outbox send` delivers each exactly once,
the letter with its PDF attached; with the server up, the action's own attempt delivers at once."""
from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
import sqlalchemy as sa
from test_api import FORM
from test_outbox import free_port, inbox, mail_via, smtp  # noqa: F401  (fixtures)

from app import models as m
from app import notify
from app.requests import form_pdf, workflow

FAR = dt.datetime(9000, 1, 1)


@pytest.fixture
def only_ours(app):
    """Park the mail other tests left pending, so the sender sees only this test's."""
    with app.app_context():
        session = app.appbuilder.session
        parked = dict(session.execute(sa.select(m.OutboundEmail.id,
                                                m.OutboundEmail.next_attempt_at)
                                      .where(m.OutboundEmail.state == "pending")).all())
        if parked:
            session.execute(sa.update(m.OutboundEmail).where(m.OutboundEmail.id.in_(parked))
                            .values(next_attempt_at=FAR))
            session.commit()
    yield
    with app.app_context():
        session = app.appbuilder.session
        for row_id, when in parked.items():
            session.execute(sa.update(m.OutboundEmail).where(m.OutboundEmail.id == row_id)
                            .values(next_attempt_at=when))
        session.commit()


def _walk(app, api, world, note="Lengkapi kerangka sampel dan kuesioner."):  # noqa: F811
    r = api("POST", "applicant_a", "/api/v1/requests/",
            json={**FORM, "office": world.offices["1674"]})
    req_id = r.json["id"]

    def act(user, action, **body):
        response = api("POST", user, f"/api/v1/requests/{req_id}/{action}", json=body)
        assert response.status_code == 200, (action, response.json)

    act("applicant_a", "submit")
    act("officer_x", "start_review")
    act("officer_x", "request_revision", note=note)
    act("applicant_a", "resubmit")
    act("officer_x", "start_review")
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        officer = session.get(m.RekomUser, world.users["officer_x"])
        items = workflow.applicable_checklist(session, req)
        workflow.record_review(session, req_id, officer, {i.id: True for i in items})
    act("officer_x", "verify")
    act("officer_x", "draft_letter")
    act("head_x", "issue")
    act("officer_x", "send")
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        return req_id, req.tracking_code, req.letter.pdf


def _rows(app, code):
    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        return session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.subject.contains(code)).order_by(m.OutboundEmail.id)).all()


def _check_delivery(inbox, code, pdf, note):  # noqa: F811
    def subjects(address):
        return [msg["Subject"] for msg in inbox.to(address) if code in msg["Subject"]]

    applicant = subjects("applicant_a@rekomstat.test")
    # received, revision requested, verified, letter — each exactly once.
    assert len(applicant) == 4 and len(set(applicant)) == 4, applicant
    for officer in ("officer_x@rekomstat.test", "officer_x2@rekomstat.test"):
        assert len(subjects(officer)) == 2  # the submission and the resubmission
    assert not subjects("officer_y@rekomstat.test")  # another office hears nothing
    # The drafted letter waits for the head's signature (no initials asked in this office).
    assert subjects("head_x@rekomstat.test") == [
        f"Surat untuk permohonan {code} menunggu tanda tangan Anda"]
    revision = next(msg for msg in inbox.to("applicant_a@rekomstat.test")
                    if code in msg["Subject"] and note in msg.get_body(("plain",)).get_content())
    assert revision is not None
    letter_mail = [msg for msg in inbox.to("applicant_a@rekomstat.test")
                   if code in msg["Subject"] and any(True for _ in msg.iter_attachments())]
    assert len(letter_mail) == 1
    _check_letter_mail(letter_mail[0], pdf, note)


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


FORM_NAME = "Formulir FS3 hasil rekomendasi"  # FORM is a survey


def _check_letter_mail(msg, pdf, note):
    """The letter and what its "Lampiran" line names, the form with BPS's review result."""
    letter, form = list(msg.iter_attachments())
    assert letter.get_content_type() == form.get_content_type() == "application/pdf"
    assert letter.get_content() == pdf
    letter_text = pdf_text(pdf)
    number = letter_text.split("Nomor : ")[1].split(" ")[0]
    assert number.startswith("B-")
    assert f"Lampiran : 1 (satu) berkas {FORM_NAME}" in letter_text
    assert form.get_filename() == f"Formulir-FS3-hasil-rekomendasi-{number.replace('/', '-')}.pdf"
    form_text = pdf_text(form.get_content())
    code = letter_text.split("Identitas rekomendasi kegiatan: ")[1].split(".")[0]
    for expected in (FORM_NAME, f"Lampiran surat Nomor {number} tanggal", FORM["title"],
                     "Hasil pemeriksaan BPS", f"Identitas rekomendasi {code}",
                     "Hasil Layak dilaksanakan"):
        assert expected in form_text, expected
    assert FORM_NAME in msg.get_body(("plain",)).get_content()
    # The revision note was dealt with before the request passed: not a suggestion any more.
    assert note not in letter_text and "Saran" not in letter_text


def test_smtp_down_for_the_whole_path_loses_nothing(app, world, wf, api, smtp, inbox,  # noqa: F811
                                                      mail_via, only_ours,  # noqa: F811
                                                      monkeypatch):
    mail_via(free_port())  # nothing listens there
    renders = []
    render = form_pdf.render
    monkeypatch.setattr(form_pdf, "render", lambda req=None: renders.append(req.id) or render(req))
    req_id, code, pdf = _walk(app, api, world)
    # The annotated form is frozen with the letter when it is sent (issue 23), once, whether
    # the mail server answers or not; the messages carry that file.
    assert renders == [req_id]
    rows = _rows(app, code)
    with app.app_context():  # other tests may have added officers to the office
        session = app.appbuilder.session
        officers = len(notify.office_officers(session, world.offices["1674"]))
        heads = len(notify.office_staff(session, world.offices["1674"], "Head"))
    assert officers >= 2 and heads >= 1
    # 4 to the applicant, 2 to each officer of the office, 1 to each head (the letter to sign)
    expected = 4 + 2 * officers + heads
    assert len(rows) == expected
    assert all(r.state == "pending" and r.attempts == 1 and r.last_error for r in rows)
    assert inbox.received == []
    with app.app_context():  # time passes: the retry is due
        session = app.appbuilder.session
        session.execute(sa.update(m.OutboundEmail).where(m.OutboundEmail.id.in_(
            [r.id for r in rows])).values(next_attempt_at=dt.datetime(2000, 1, 1)))
        session.commit()
    mail_via(smtp.port)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and f"sent {expected}, failed 0" in result.output, result.output
    _check_delivery(inbox, code, pdf, "Lengkapi kerangka sampel dan kuesioner.")
    assert renders == [req_id]  # not rendered again for the delivery
    assert all(r.state == "sent" for r in _rows(app, code))
    # Nothing is sent twice.
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "sent 0, failed 0" in result.output


def test_smtp_up_each_action_delivers_at_once(app, world, wf, api, smtp, inbox,  # noqa: F811
                                              mail_via, only_ours):  # noqa: F811
    mail_via(smtp.port)
    req_id, code, pdf = _walk(app, api, world, note="Tambahkan definisi variabel.")
    assert all(r.state == "sent" and r.attempts == 1 for r in _rows(app, code))
    _check_delivery(inbox, code, pdf, "Tambahkan definisi variabel.")
