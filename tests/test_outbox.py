"""The e-mail outbox against a real SMTP server (aiosmtpd on loopback).

What arrives (recipient, subject, office-language text, plain + HTML, the letter's PDF), what
happens while the server is down (errors recorded, backoff, nothing lost), and that every
message is delivered exactly once afterwards, through `flask outbox send`.

Each test parks the pending rows other tests left (their next attempt moved far ahead, put
back afterwards) and deletes the rows it made, so send_due only ever sees this test's mail.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import email
import socket
import threading
from email import policy
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_babel import force_locale, gettext
from jinja2.ext import babel_extract
from markupsafe import escape

from app import mail, notify
from app import models as m
from app.ops.bootstrap import create_user, ensure_office

from conftest import OFFICE_X, PASSWORD, is_postgres

BASE = "https://rekomstat.example"
CODE = "RKS-OBX0001"
APPLICANT = "obx_applicant@outbox.test"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 16 + b"\n%%EOF\n"  # every byte value: binary-safe?
FAR = dt.datetime(9000, 1, 1)
TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates" / "email"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def in_id(msgid: str, **kwargs) -> str:
    """What the Indonesian catalogue says (the English source until it is translated)."""
    with force_locale("id"):
        return gettext(msgid, **kwargs)


# --- the SMTP server -------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.received = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(SimpleNamespace(rcpt=list(envelope.rcpt_tos), msg=msg))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [r.msg for r in self.received if address in r.rcpt]


@pytest.fixture(scope="module")
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SimpleNamespace(inbox=inbox, port=controller.port)
    controller.stop()


@pytest.fixture
def inbox(smtp):
    smtp.inbox.received.clear()
    smtp.inbox.delay = 0.0
    return smtp.inbox


@pytest.fixture
def mail_via(app, monkeypatch):
    """Point Flask-Mail at 127.0.0.1:<port> (real SMTP, no log-only); undone after the test."""

    def point(port: int) -> None:
        settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False,
                    "MAIL_USE_SSL": False, "MAIL_SUPPRESS_SEND": False, "MAIL_LOG_ONLY": False,
                    "MAIL_TIMEOUT": 5}
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.extensions, "mail", mail.init_mail(app.config))

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE)
    return point


# --- data ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def case(app, world):
    """An office of its own (so no other test's officers), its staff, a request, a letter."""
    with app.app_context():
        s = app.appbuilder.session
        office = ensure_office("8801", "BPS Kabupaten Uji Surel", address="Jl. Contoh No. 1",
                               phone="(0733) 000000", email="surel@bps.example")
        users = {}
        for username, role, first, last in (
            ("obx_officer1", "Officer", "Andi", "Saputra"),
            ("obx_officer2", "Officer", "Rina", ""),
            ("obx_inactive", "Officer", "Lama", ""),
            ("obx_head", "Head", "Kepala", ""),
            ("obx_applicant", "Applicant", "Siti", "Rahmawati"),
        ):
            users[username] = create_user(
                role, username, f"{username}@outbox.test", PASSWORD, first, last,
                office_code=None if role == "Applicant" else "8801",
            ).id
        s.get(m.RekomUser, users["obx_inactive"]).active = False
        req = m.ActivityRequest(
            tracking_code=CODE, office_id=office.id, applicant_id=users["obx_applicant"],
            title="Survei Kepuasan Pelanggan Air Minum 2026", year=2026,
            agency_name="Perumda Air Minum Tirta Uji", state="submitted",
            due_date=dt.date(2026, 12, 15),
        )
        letter = m.Letter(
            request=req, office_id=office.id, number="B-7/88010/VS.300/2026", year=2026,
            sequence=7, letter_date=dt.date(2026, 8, 17), issued_at=dt.datetime(2026, 8, 17, 3),
            sha256="0" * 64, pdf=PDF, verification_code="obx-verif-0001", body="Isi surat",
        )
        s.add_all([req, letter])
        s.commit()
        ids = SimpleNamespace(office=office.id, request=req.id, letter=letter.id, users=users)
    yield ids
    with app.app_context():
        s = app.appbuilder.session
        s.execute(sa.delete(m.OutboundEmail).where(m.OutboundEmail.office_id == ids.office))
        s.execute(sa.delete(m.Letter).where(m.Letter.id == ids.letter))
        s.execute(sa.delete(m.ActivityRequest).where(m.ActivityRequest.id == ids.request))
        for user_id in ids.users.values():
            s.delete(s.get(m.RekomUser, user_id))
        for model in (m.ChecklistItem, m.OfficeSetting):
            s.execute(sa.delete(model).where(model.office_id == ids.office))
        s.execute(sa.delete(m.Office).where(m.Office.id == ids.office))
        s.commit()


@pytest.fixture
def session(app, case):
    """The app session inside an app context, with other tests' pending mail parked."""
    with app.app_context():
        s = app.appbuilder.session
        first_new = (s.scalar(sa.select(sa.func.max(m.OutboundEmail.id))) or 0) + 1
        parked = dict(s.execute(sa.select(m.OutboundEmail.id, m.OutboundEmail.next_attempt_at)
                                .where(m.OutboundEmail.state == "pending")).all())
        _set_next_attempt(s, {row_id: FAR for row_id in parked})
        s.commit()
        yield s
        s.rollback()
        s.execute(sa.delete(m.OutboundEmail).where(m.OutboundEmail.id >= first_new))
        _set_next_attempt(s, parked)
        s.commit()


def _set_next_attempt(s, when_by_id: dict) -> None:
    for row_id, when in when_by_id.items():
        s.execute(sa.update(m.OutboundEmail).where(m.OutboundEmail.id == row_id)
                  .values(next_attempt_at=when))


def _request(s, case) -> m.ActivityRequest:
    return s.get(m.ActivityRequest, case.request)


def _fresh(s, rows) -> list:
    s.expire_all()
    return [s.get(m.OutboundEmail, r.id) for r in rows]


def _queue_plain(s, n: int, prefix: str, queued_at: dt.datetime | None = None) -> list:
    """n plain messages; ``queued_at`` back-dates them, so a test can play a later clock."""
    rows = [notify.queue(s, recipient=f"{prefix}{i}@outbox.test", subject=f"Uji {prefix} {i}",
                         text=f"Pesan {prefix} nomor {i}") for i in range(n)]
    for row in rows:
        row.next_attempt_at = queued_at or row.next_attempt_at
    s.commit()
    return rows


def _bodies(msg) -> tuple[str, str]:
    """The plain and HTML alternatives; both must be there."""
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None, msg.as_string()[:2000]
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    # SMTP carries CRLF line ends; compare with the \n of the source.
    return tuple(p.get_content().replace("\r\n", "\n") for p in (text, html))


def _assert_in_both(text: str, html: str, *expected: str) -> None:
    for value in expected:
        assert value in text, (value, text)
        assert str(escape(value)) in html, (value, html)


def _send_one(s, rows, inbox, address):
    s.commit()
    assert notify.try_send_now([r.id for r in rows]) == {"sent": len(rows), "failed": 0}
    [msg] = inbox.to(address)
    assert msg["To"] == address and msg["From"] == "rekomstat@localhost"
    return (msg, *_bodies(msg))


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# --- what arrives ----------------------------------------------------------------------------


def test_submission_received_tells_the_code_the_promise_and_the_due_date(
        session, case, smtp, inbox, mail_via):
    mail_via(smtp.port)
    req = _request(session, case)
    rows = notify.submission_received(session, req)
    assert [r.recipient for r in rows] == [APPLICANT]
    msg, text, html = _send_one(session, rows, inbox, APPLICANT)

    assert msg["Subject"] == in_id("Request %(code)s received", code=CODE)
    _assert_in_both(
        text, html, CODE, req.title, in_id("Dear %(name)s,", name="Siti Rahmawati"),
        in_id("Tracking code"), in_id("Due date"),
        in_id("We will give our answer within %(days)s working days, counted from the day your "
              "request was recorded complete.", days=30),
        f"{BASE}/portal/requests/{req.id}",
        "15 Desember 2026",  # the due date in Indonesian
        "BPS Kabupaten Uji Surel", "(0733) 000000",
    )
    assert "Kode pelacakan" in text  # Indonesian, not the English source
    assert f'href="{BASE}/portal/requests/{req.id}"' in html
    assert "<html" in html and "http://" not in html.replace(BASE, "")  # no external assets


def test_new_submission_goes_to_each_active_officer_of_the_office(
        session, case, smtp, inbox, mail_via):
    mail_via(smtp.port)
    req = _request(session, case)
    rows = notify.new_submission_for_officers(session, req)
    # Not the inactive officer, not the Head, not officers of other offices.
    assert sorted(r.recipient for r in rows) == ["obx_officer1@outbox.test",
                                                 "obx_officer2@outbox.test"]
    session.commit()
    assert notify.try_send_now([r.id for r in rows]) == {"sent": 2, "failed": 0}
    assert sorted(a for r in inbox.received for a in r.rcpt) == [
        "obx_officer1@outbox.test", "obx_officer2@outbox.test"]
    [msg] = inbox.to("obx_officer1@outbox.test")
    text, html = _bodies(msg)
    assert msg["Subject"] == in_id("Request %(code)s is waiting for review", code=CODE)
    _assert_in_both(text, html, in_id("Dear %(name)s,", name="Andi Saputra"), CODE, req.title,
                    "Perumda Air Minum Tirta Uji", f"{BASE}/activityrequestview/show/{req.id}")
    [msg] = inbox.to("obx_officer2@outbox.test")
    assert in_id("Dear %(name)s,", name="Rina") in _bodies(msg)[0]  # no "Rina -"


def test_no_officer_no_mail(session, case):
    req = _request(session, case)
    for username in ("obx_officer1", "obx_officer2"):
        session.get(m.RekomUser, case.users[username]).active = False
    try:
        assert notify.new_submission_for_officers(session, req) == []
    finally:
        session.rollback()


def test_revision_request_carries_the_officers_notes(session, case, smtp, inbox, mail_via):
    mail_via(smtp.port)
    req = _request(session, case)
    notes = "Lampirkan kuesioner final.\nPerbaiki kerangka sampel <wajib> & ukuran sampel."
    msg, text, html = _send_one(
        session, notify.revision_requested(session, req, notes), inbox, APPLICANT)
    assert msg["Subject"] == in_id("Request %(code)s needs revision", code=CODE)
    _assert_in_both(text, html, notes, CODE, in_id(
        "The %(days)s working days stand still until you send the revised request.", days=30))
    assert "<wajib>" not in html  # the officers' text is escaped in HTML


def test_verified_says_the_letter_is_being_prepared(session, case, smtp, inbox, mail_via):
    mail_via(smtp.port)
    msg, text, html = _send_one(
        session, notify.verified(session, _request(session, case)), inbox, APPLICANT)
    assert msg["Subject"] == in_id("Request %(code)s verified", code=CODE)
    _assert_in_both(
        text, html, CODE,
        in_id("The officers found the design of your activity complete and clear."),
        in_id("The recommendation letter is now being prepared; we will send it to you by "
              "e-mail."))


def test_letter_mail_carries_the_pdf_byte_for_byte(session, case, smtp, inbox, mail_via):
    mail_via(smtp.port)
    req = _request(session, case)
    rows = notify.letter_sent(session, req, req.letter)
    assert [r.letter_id for r in rows] == [case.letter]
    msg, text, html = _send_one(session, rows, inbox, APPLICANT)

    assert msg["Subject"] == in_id("Recommendation letter for request %(code)s", code=CODE)
    _assert_in_both(text, html, "B-7/88010/VS.300/2026", "17 Agustus 2026",
                    f"{BASE}/verify/obx-verif-0001", in_id("Letter number"))
    attachment, form = list(msg.iter_attachments())
    assert form.get_filename() == "Formulir-FS3-hasil-rekomendasi-B-7-88010-VS.300-2026.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Surat-Rekomendasi-B-7-88010-VS.300-2026.pdf"
    assert attachment.get_payload(decode=True) == PDF


def test_a_letter_without_pdf_is_not_mailed_without_it(session, world, smtp, inbox, mail_via):
    mail_via(smtp.port)
    draft = world.rows[("LetterView", OFFICE_X)]  # a draft: no PDF yet
    row = notify.queue(session, recipient=APPLICANT, subject="x", text="x", letter_id=draft)
    session.commit()
    assert notify.try_send_now([row.id]) == {"sent": 0, "failed": 1}
    assert inbox.received == []
    assert "has no PDF" in _fresh(session, [row])[0].last_error


def test_mails_go_out_in_the_office_language_not_the_users(app, session, case, monkeypatch):
    req = _request(session, case)
    with app.test_request_context("/"):
        from flask import session as web_session

        web_session["locale"] = "en"  # this officer browses in English ...
        assert gettext("Tracking code") == "Tracking code"
        [row] = notify.submission_received(session, req)
    assert "15 Desember 2026" in row.body_text and "Kode pelacakan" in row.body_text  # ... id

    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")  # an English office
    [row] = notify.submission_received(session, req)
    assert row.subject == f"Request {CODE} received"
    assert "December 15, 2026" in row.body_text and "Tracking code: " + CODE in row.body_text
    assert 'lang="en"' in row.body_html
    session.rollback()


def test_builders_and_queue_never_commit(session, case):
    req = _request(session, case)
    rows = notify.submission_received(session, req) + notify.verified(session, req)
    rows.append(notify.queue(session, recipient=APPLICANT, subject="s", text="t"))
    session.flush()
    ids = [r.id for r in rows]
    session.rollback()  # the event that caused them failed: the mails go with it
    assert session.scalar(sa.select(sa.func.count()).select_from(m.OutboundEmail)
                          .where(m.OutboundEmail.id.in_(ids))) == 0


# --- failures, retries, exactly once ---------------------------------------------------------


def test_server_down_then_up_delivers_every_message_exactly_once(
        app, session, smtp, inbox, mail_via):
    mail_via(free_port())  # nothing listens there
    t0 = utcnow() - dt.timedelta(minutes=10)
    rows = _queue_plain(session, 3, "down", queued_at=t0)

    assert notify.send_due(now=t0) == {"sent": 0, "failed": 3}
    for row in _fresh(session, rows):
        assert (row.state, row.attempts, row.sent_at) == ("pending", 1, None)
        assert "ConnectionRefusedError" in row.last_error
        assert row.next_attempt_at == t0 + dt.timedelta(minutes=1)
    assert notify.send_due(now=t0) == {"sent": 0, "failed": 0}  # backing off, not hammering

    t1 = t0 + dt.timedelta(minutes=1)
    assert notify.send_due(now=t1) == {"sent": 0, "failed": 3}
    for row in _fresh(session, rows):  # the wait doubles
        assert (row.attempts, row.next_attempt_at) == (2, t1 + dt.timedelta(minutes=2))
    assert inbox.received == []

    mail_via(smtp.port)
    result = _cli(app, "outbox", "send")
    assert result.exit_code == 0 and "sent 3, failed 0" in result.output, result.output
    assert sorted(a for r in inbox.received for a in r.rcpt) == [
        f"down{i}@outbox.test" for i in range(3)]
    for row in _fresh(session, rows):
        assert (row.state, row.attempts, row.last_error) == ("sent", 3, None)
        assert row.sent_at is not None
    [msg] = inbox.to("down1@outbox.test")
    assert msg["Subject"] == "Uji down 1" and "Pesan down nomor 1" in msg.get_content()

    result = _cli(app, "outbox", "send")
    assert "sent 0, failed 0" in result.output and len(inbox.received) == 3


def test_a_sent_message_is_never_sent_again(session, smtp, inbox, mail_via):
    mail_via(smtp.port)
    [row] = _queue_plain(session, 1, "once")
    assert notify.try_send_now([row.id]) == {"sent": 1, "failed": 0}
    assert notify.try_send_now([row.id]) == {"sent": 0, "failed": 0}
    assert notify.send_due(now=FAR - dt.timedelta(days=1)) == {"sent": 0, "failed": 0}
    assert notify.retry(session, [row.id]) == 0
    session.commit()
    assert notify.send_due(now=FAR - dt.timedelta(days=1)) == {"sent": 0, "failed": 0}
    assert len(inbox.received) == 1 and _fresh(session, [row])[0].state == "sent"


def test_failed_after_max_attempts_listed_then_retried(app, session, smtp, inbox, mail_via,
                                                       monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    mail_via(free_port())
    t0 = utcnow() - dt.timedelta(hours=1)
    first, second = _queue_plain(session, 2, "giveup", queued_at=t0)
    assert notify.send_due(now=t0) == {"sent": 0, "failed": 2}
    assert notify.send_due(now=t0 + dt.timedelta(minutes=5)) == {"sent": 0, "failed": 2}
    for row in _fresh(session, [first, second]):
        assert (row.state, row.attempts) == ("failed", 2)
        assert "ConnectionRefusedError" in row.last_error
    assert notify.send_due(now=FAR - dt.timedelta(days=1)) == {"sent": 0, "failed": 0}

    listing = _cli(app, "outbox", "list").output
    for row in (first, second):
        line = next(ln for ln in listing.splitlines() if ln.split()[:1] == [str(row.id)])
        assert "failed" in line and "attempts 2" in line and row.recipient in line
    assert "last error: ConnectionRefusedError" in listing

    assert _cli(app, "outbox", "retry").exit_code != 0  # neither IDs nor --all-failed
    result = _cli(app, "outbox", "retry", str(first.id))
    assert result.exit_code == 0 and "1 message(s) queued again" in result.output
    row = _fresh(session, [first])[0]
    assert (row.state, row.attempts) == ("pending", 0) and row.next_attempt_at <= utcnow()
    assert _cli(app, "outbox", "retry", "--all-failed").exit_code == 0
    assert _fresh(session, [second])[0].state == "pending"

    mail_via(smtp.port)
    result = _cli(app, "outbox", "send")
    assert "sent 2, failed 0" in result.output, result.output
    assert sorted(a for r in inbox.received for a in r.rcpt) == [
        "giveup0@outbox.test", "giveup1@outbox.test"]
    assert "giveup" not in _cli(app, "outbox", "list").output  # nothing left to look at


def test_try_send_now_sends_only_its_rows_and_never_raises(session, smtp, inbox, mail_via,
                                                           monkeypatch):
    mail_via(free_port())
    mine, other = _queue_plain(session, 2, "now")
    assert notify.try_send_now([mine.id]) == {"sent": 0, "failed": 1}  # recorded, not raised
    mine, other = _fresh(session, [mine, other])
    assert (mine.attempts, other.attempts) == (1, 0) and "Connection" in mine.last_error

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(notify, "_claim", broken)
    assert notify.try_send_now([other.id]) == {"sent": 0, "failed": 0}
    assert notify.try_send_now([]) == {"sent": 0, "failed": 0}
    assert _fresh(session, [other])[0].state == "pending"


def test_with_the_sender_running_requests_leave_mail_to_it(app, session, smtp, inbox, mail_via,
                                                         monkeypatch):
    """MAIL_SEND_IN_REQUEST=false (a sender process runs): the request's attempt sends
    nothing and the message stays pending, due now; the sender delivers it once."""
    mail_via(smtp.port)
    monkeypatch.setitem(app.config, "MAIL_SEND_IN_REQUEST", False)
    (row,) = _queue_plain(session, 1, "later")
    session.commit()
    assert notify.try_send_now([row.id]) == {"sent": 0, "failed": 0}
    (row,) = _fresh(session, [row])
    assert (row.state, row.attempts) == ("pending", 0) and inbox.received == []
    done = _cli(app, "outbox", "send", "--every", "0.1", "--rounds", "3")  # the sender service
    assert done.exit_code == 0 and "sent 1, failed 0" in done.output, done.output
    (row,) = _fresh(session, [row])
    assert row.state == "sent" and len(inbox.to(row.recipient)) == 1


def test_without_mail_server_a_message_is_held_not_sent_and_the_log_says_where(
        app, session, caplog):
    """No MAIL_SERVER (the embedded default): nothing was delivered, so nothing is "sent"; the
    message is held for the admin, once, and a retry once a server is set up sends it."""
    assert app.config["MAIL_LOG_ONLY"] and not notify.mail_configured()
    [row] = _queue_plain(session, 1, "log")
    with caplog.at_level("INFO", logger="app.notify"):
        assert notify.send_due() == {"sent": 0, "failed": 0, "held": 1}
    assert (f"E-mail to log0@outbox.test (Uji log 0) not sent: no mail server (MAIL_SERVER). "
            f"Read it in the Outbox: {notify.outbox_url(row.id)}") in caplog.text
    row = _fresh(session, [row])[0]
    assert (row.state, row.attempts, row.sent_at) == ("held", 0, None)
    assert notify.send_due() == {"sent": 0, "failed": 0, "held": 0}  # held once, not re-sent
    assert row.id in [r.id for r in notify.outstanding(session)]
    assert notify.retry(session, [row.id]) == 1
    session.commit()
    assert _fresh(session, [row])[0].state == "pending"


def test_two_senders_at_once_never_send_a_message_twice(app, session, smtp, inbox, mail_via):
    if not is_postgres():
        pytest.skip("SQLite has no SKIP LOCKED; run a single sender there")
    mail_via(smtp.port)
    rows = _queue_plain(session, 20, "race")
    inbox.delay = 0.03  # a slow server, so the two senders overlap
    results, errors = [], []

    def sender():
        try:
            with app.app_context():
                results.append(notify.send_due())
                app.appbuilder.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(r["sent"] for r in results) == 20 and all(r["sent"] for r in results), results
    assert sorted(a for r in inbox.received for a in r.rcpt) == sorted(r.recipient for r in rows)
    assert len({r.msg["Message-ID"] for r in inbox.received}) == 20


# --- units -----------------------------------------------------------------------------------


def test_backoff_doubles_and_is_capped_at_six_hours():
    minutes = [notify.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 9, 10, 1000)]
    assert minutes == [1, 2, 4, 256, 360, 360]


def _msgids(path: Path) -> set[str]:
    with open(path, "rb") as fh:
        return {msg if isinstance(msg, str) else msg[0]
                for _line, _func, msg, _comments in babel_extract(fh, ["_", "gettext"], [], {})}


@pytest.mark.parametrize("name", ["_layout", "submission_received", "new_submission",
                                  "revision_requested", "verified", "letter_sent"])
def test_text_templates_use_only_strings_the_html_twin_has(name):
    # babel.cfg extracts templates/**.html only: a string only in a .txt would be untranslated.
    text_ids, html_ids = _msgids(TEMPLATES / f"{name}.txt"), _msgids(TEMPLATES / f"{name}.html")
    assert text_ids and text_ids <= html_ids, text_ids - html_ids


def test_the_officers_mail_is_rendered_once_and_greets_each_by_name(session, case, monkeypatch):
    """One rendering for every officer; each mail still has its own name, escaped in HTML."""
    req = _request(session, case)
    session.get(m.RekomUser, case.users["obx_officer1"]).first_name = "Andi <b>&</b>"
    session.flush()
    rendered = []
    real = notify.render_template

    def counting(template, **context):
        rendered.append(template)
        return real(template, **context)

    monkeypatch.setattr(notify, "render_template", counting)
    try:
        rows = {r.recipient: r for r in notify.new_submission_for_officers(session, req)}
        assert sorted(rendered) == ["email/new_submission.html", "email/new_submission.txt"]
        first, second = rows["obx_officer1@outbox.test"], rows["obx_officer2@outbox.test"]
        assert in_id("Dear %(name)s,", name="Andi <b>&</b> Saputra") in first.body_text
        assert in_id("Dear %(name)s,", name="Andi &lt;b&gt;&amp;&lt;/b&gt; Saputra") in \
            first.body_html
        assert "<b>" not in first.body_html
        assert in_id("Dear %(name)s,", name="Rina") in second.body_text
        assert "\ue000" not in first.body_text + first.body_html + second.body_html
    finally:
        session.rollback()
