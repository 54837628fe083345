"""Faults: a process killed half-way, the mail server down, the database restarted.

Afterwards nothing is lost, no letter number is used twice or skipped, and no request is
stuck half-way: every workflow step is one transaction, and every mail an outbox row written
in that transaction (README, "When something goes wrong").
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_outbox import inbox, mail_via, smtp  # noqa: F401  (fixtures: a real SMTP server)

from app import models as m
from app import notify

from conftest import OFFICE_X, app_config, database_url, login, seed

SPAWN = mp.get_context("spawn")


def _hang_in(module_name: str, function: str, marker: str) -> None:
    """Replace module.function by one that says where it is and then waits to be killed."""
    import importlib

    module = importlib.import_module(module_name)

    def hang(*args, **kwargs):
        Path(marker).write_text(str(os.getpid()))
        time.sleep(600)

    setattr(module, function, hang)


def _user_acts(url: str, username: str, req_id: int, action: str, hang_module: str,
               hang_function: str, marker: str) -> None:
    """Another process: a user takes ``action`` through the API, as a browser would."""
    from app import create_app

    app = create_app(app_config(url))
    _hang_in(hang_module, hang_function, marker)
    client = login(app.test_client(), username)
    answer = client.post(f"/api/v1/requests/{req_id}/{action}")
    raise SystemExit(f"not stopped at the fault point: {answer.status_code} {answer.data!r}")


def _kill_when_it_hangs(username: str, req_id: int, action: str, hang_module: str,
                       hang_function: str) -> None:
    marker = Path(tempfile.mkdtemp(prefix="rekomstat-fault-")) / "here"
    child = SPAWN.Process(target=_user_acts, args=(
        database_url(), username, req_id, action, hang_module, hang_function, str(marker)))
    child.start()
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.is_alive(), "the child ended before reaching the fault point"
            assert time.monotonic() < deadline, "the child never reached the fault point"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)  # no clean-up, no rollback by the process itself
    finally:
        child.join(30)
    assert child.exitcode == -signal.SIGKILL


def _counter(session, office_id: int, year: int) -> int:
    row = session.get(m.LetterCounter, (office_id, year))
    return row.last_sequence if row else 0


def _audit_actions(session, req_id: int) -> list[str]:
    return session.scalars(sa.select(m.AuditEvent.action).where(
        m.AuditEvent.object_type == "activity_request", m.AuditEvent.object_id == req_id)
        .order_by(m.AuditEvent.id)).all()


def test_killed_between_numbering_and_pdf_loses_no_number_and_leaves_nothing_half_done(
        app, world, wf, clients):
    from app.offices.workdays import office_today

    office_id = world.offices[OFFICE_X]
    with app.app_context():
        year = office_today().year
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "letter_drafted")
        before = _counter(session, office_id, year)
        audit_before = _audit_actions(session, req_id)

    # The number is taken (the counter row locked and raised), then the PDF is being made.
    _kill_when_it_hangs("head_x", req_id, "issue", "app.letters.document", "render_pdf")

    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        req = session.get(m.ActivityRequest, req_id)
        # The transaction died with the process: the request is where it was, whole.
        assert req.state == "letter_drafted"
        assert (req.letter.sequence, req.letter.number, req.letter.pdf) == (None, None, None)
        assert _counter(session, office_id, year) == before
        assert _audit_actions(session, req_id) == audit_before
        session.commit()  # end the read transaction before the next writer

    # Recovery is simply doing it again: the head issues and gets the very next number.
    answer = clients["head_x"].post(f"/api/v1/requests/{req_id}/issue")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        assert req.state == "issued"
        assert req.letter.sequence == before + 1 == _counter(session, office_id, year)
        numbers = session.scalars(sa.select(m.Letter.number).where(
            m.Letter.office_id == office_id, m.Letter.year == year)).all()
        assert len(numbers) == len(set(numbers))
        assert req.letter.pdf.startswith(b"%PDF")


def test_killed_after_sending_before_the_mail_left_delivers_it_later_exactly_once(
        app, world, wf, smtp, inbox, mail_via):  # noqa: F811
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "issued")
        letter_id = session.get(m.ActivityRequest, req_id).letter.id

    # "Send" is committed with its mail in the outbox; the process dies before the SMTP call.
    _kill_when_it_hangs("officer_x", req_id, "send", "app.notify", "try_send_now")

    with app.app_context():
        session = app.appbuilder.session
        session.expire_all()
        assert session.get(m.ActivityRequest, req_id).state == "sent"
        rows = session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.letter_id == letter_id)).all()
        assert [(r.state, r.attempts) for r in rows] == [("pending", 0)]
        recipient, row_id, subject = rows[0].recipient, rows[0].id, rows[0].subject
        session.commit()

    def these():
        # The sender also delivers what earlier tests left pending: only this letter's mail.
        return [r for r in inbox.received if recipient in r.rcpt and r.msg["subject"] == subject]

    def this_mail():
        return [r.rcpt for r in these()]

    # Recovery: the outbox sender (cron, `flask outbox send`) delivers it, once.
    mail_via(smtp.port)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert this_mail() == [[recipient]]
    runner.invoke(args=["outbox", "send"])
    assert this_mail() == [[recipient]]
    with app.app_context():
        row = app.appbuilder.session.get(m.OutboundEmail, row_id)
        assert row.state == "sent"
        attachment = [p for p in these()[0].msg.iter_attachments()]
        assert attachment and attachment[0].get_content_type() == "application/pdf"


def test_smtp_down_for_the_whole_run_keeps_every_mail_for_later(
        app, world, wf, clients, mail_via):  # noqa: F811
    """Submit, review, issue and send with no mail server at all: every step works, and
    every mail waits in the outbox (delivery is tested in test_outbox)."""
    from test_outbox import free_port

    mail_via(free_port())  # nothing listens there
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "letter_drafted")
    head = clients["head_x"]
    officer = clients["officer_x"]
    assert head.post(f"/api/v1/requests/{req_id}/issue").status_code == 200
    assert officer.post(f"/api/v1/requests/{req_id}/send").status_code == 200
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        assert req.state == "sent"
        rows = session.scalars(sa.select(m.OutboundEmail).where(
            m.OutboundEmail.letter_id == req.letter.id)).all()
        assert rows and all(r.state == "pending" and r.attempts == 1 for r in rows)
        assert all("Connection" in (r.last_error or "") for r in rows)
        # Nothing is given up on: the next attempt is scheduled.
        assert all(r.next_attempt_at > r.created_at for r in rows)
        assert not set(notify.failed_ids(session)) & {r.id for r in rows}


# --- the database restarted under a running app (PostgreSQL) ----------------------------------

import pgcluster  # noqa: E402

FULL_FORM = {
    "year": "2027", "kind": "survey", "agency_name": "Dinas Kesehatan Kota Lubuklinggau",
    "agency_head_title": "Kepala Dinas Kesehatan", "agency_address": "Jl. Merdeka 1",
    "resp_name": "dr. Andi", "resp_email": "andi@dinkes.lubuklinggaukota.go.id",
    "objectives": "Mengukur cakupan imunisasi.", "collection_start": "2027-02-01",
    "collection_end": "2027-03-31", "collection_methods": ["interview"],
    "variables-0-name": "Umur ibu", "variables-0-concept": "Umur saat wawancara",
    "action": "submit",
}


@pytest.fixture(scope="module")
def restartable():
    """An app on a PostgreSQL server of its own, with the users of the workflow."""
    from app import create_app
    from app.ops.bootstrap import bootstrap, create_user

    from conftest import PASSWORD, World

    if not database_url().startswith("postgresql"):
        pytest.skip("a database server restart: PostgreSQL")
    reason = pgcluster.available()
    if reason:
        pytest.skip(reason)
    cluster = pgcluster.PrivateCluster().init()
    try:
        app = create_app(app_config(cluster.create_database("rekomstat")))
        with app.app_context():
            bootstrap()
            world = World()
            world.offices[OFFICE_X] = app.appbuilder.session.scalars(
                sa.select(m.Office.id).where(m.Office.code == OFFICE_X)).one()
            for name, role, office in (("officer_x", "Officer", OFFICE_X),
                                       ("head_x", "Head", OFFICE_X),
                                       ("applicant_a", "Applicant", None)):
                world.users[name] = create_user(role, name, f"{name}@rekomstat.test", PASSWORD,
                                                office_code=office).id
        yield app, cluster, world
    finally:
        cluster.destroy()


def _submit(client, n: int):
    return client.post("/portal/requests/new",
                       data={**FULL_FORM, "title": f"Survei Restart {n:03d}",
                             "office_id": str(_submit.office_id)})


def test_database_restart_answers_503_meanwhile_then_works_and_loses_nothing(restartable):
    app, cluster, world = restartable
    _submit.office_id = world.offices[OFFICE_X]
    client = login(app.test_client(), "applicant_a")
    accepted = []
    for n in range(5):
        answer = _submit(client, n)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        accepted.append(n)

    cluster.stop()
    for n in range(5, 8):  # the server is gone: a clear "try again", never a 500
        answer = _submit(client, n)
        assert answer.status_code == 503, answer.status_code
        assert answer.headers.get("Retry-After")
        assert "coba lagi" in answer.get_data(as_text=True).lower()
    assert client.get("/portal/").status_code == 503

    cluster.start()
    # The pool's connections died with the server; pre-ping replaces them, no restart needed.
    for n in range(8, 13):
        answer = _submit(client, n)
        assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
        accepted.append(n)

    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.ActivityRequest.title, m.ActivityRequest.state)
                               .order_by(m.ActivityRequest.title)).all()
        # Every accepted form is there once, submitted; nothing from the downtime is half there.
        assert rows == [(f"Survei Restart {n:03d}", "submitted") for n in accepted]
        for title, _state in rows:
            req = session.scalars(sa.select(m.ActivityRequest).where(
                m.ActivityRequest.title == title)).one()
            assert req.due_date is not None and req.tracking_code
            assert "submit" in _audit_actions(session, req.id)
        session.commit()


def test_database_stopped_during_issue_rolls_it_back_whole(restartable, monkeypatch):
    from app.letters import document as letters

    from conftest import seed

    app, cluster, world = restartable
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, world.users, "letter_drafted")
        session.commit()

    real_render = letters.render_pdf

    def render_then_lose_the_database(html):
        pdf = real_render(html)
        cluster.stop()  # the number is taken, the PDF made: now the commit cannot happen
        return pdf

    monkeypatch.setattr(letters, "render_pdf", render_then_lose_the_database)
    head = login(app.test_client(), "head_x")
    answer = head.post(f"/api/v1/requests/{req_id}/issue")
    assert answer.status_code == 503
    assert answer.get_json().get("request_id")
    monkeypatch.setattr(letters, "render_pdf", real_render)
    cluster.start()

    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        assert req.state == "letter_drafted" and req.letter.sequence is None
        assert session.scalars(sa.select(m.LetterCounter)).all() == []
        session.commit()
    answer = head.post(f"/api/v1/requests/{req_id}/issue")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    with app.app_context():
        req = app.appbuilder.session.get(m.ActivityRequest, req_id)
        assert (req.state, req.letter.sequence) == ("issued", 1)
