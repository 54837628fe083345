"""Issue 24's reminders and escalation, with a frozen clock: a request walked through its 30
working days (an office day off and a revision pause included) is reminded of each step
exactly once, on the working day it falls due; a second run the same day sends nothing; each
office's switches hold; real mail leaves through aiosmtpd.

The expected days are counted here by walking the calendar one day at a time (weekends, the
national days off of the `holidays` package as the app reads them, the office's own day off),
not with the app's working-day arithmetic. An office of this module's own (OFFICE), and every
run is limited to it, so no other test's requests are reminded of anything.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from test_outbox import free_port, inbox, mail_via, smtp  # noqa: F401  (fixtures)

from app import models as m
from app.core import codes
from app.offices import reminders
from app.offices.workdays import national_days_off
from app.requests import workflow

from conftest import OWNER, PASSWORD

OFFICE = "1688"
OFFICE_DAY_OFF = dt.date(2027, 1, 20)  # a Wednesday the office does not work (cuti bersama)
START = dt.date(2027, 1, 4)  # a Monday: the request is recorded complete that day
PEOPLE = {"petugas.ingat": "Officer", "petugas2.ingat": "Officer", "kepala.ingat": "Head"}


@pytest.fixture(scope="module")
def office(app, world):
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        session = app.appbuilder.session
        row = ensure_office(OFFICE, "BPS Kabupaten Uji Pengingat", city="Kota Pengingat")
        sm = app.appbuilder.sm
        for username, role in PEOPLE.items():
            if sm.find_user(username=username) is None:
                create_user(role, username, f"{username}@rekomstat.test", PASSWORD,
                            username.split(".")[0].title(), "Ingat", office_code=OFFICE)
        if not session.scalar(sa.select(m.NonWorkingDay.id).where(
                m.NonWorkingDay.office_id == row.id, m.NonWorkingDay.day == OFFICE_DAY_OFF)):
            session.add(m.NonWorkingDay(office_id=row.id, day=OFFICE_DAY_OFF,
                                        name="Cuti bersama kantor", kind="local"))
        session.commit()
        ids = {name: sm.find_user(username=name).id for name in PEOPLE}
        ids.update(office=row.id, applicant=world.users[OWNER])
        session.remove()
    return ids


@pytest.fixture(autouse=True)
def _default_settings(app, office):
    """Every switch on, revisions recalled after 5 and 10 working days, before each test."""
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office["office"]).values(
            remind_officers=True, remind_head=True, remind_applicants=True,
            remind_complaints=True, revision_reminder_days=5, revision_reminder_again_days=10,
            sla_working_days=30))
        # Nothing of an earlier test is left to remind of.
        session.execute(sa.update(m.ActivityRequest).where(
            m.ActivityRequest.office_id == office["office"],
            m.ActivityRequest.state != "withdrawn").values(state="withdrawn"))
        session.execute(sa.update(m.Complaint).where(
            m.Complaint.office_id == office["office"]).values(state="closed"))
        session.commit()
        session.remove()


def working_days(office_id, start: dt.date, count: int) -> list[dt.date]:
    """The ``count`` working days after ``start``, walked day by day (index 1 = the first)."""
    days, day = [start], start
    while len(days) <= count:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in national_days_off(day.year) and day != OFFICE_DAY_OFF:
            days.append(day)
    return days


def at_nine(day: dt.date) -> dt.datetime:
    """09:00 in Jakarta that day, as stored (naive UTC)."""
    return dt.datetime.combine(day, dt.time(2, 0))


def new_request(app, office, title: str, on: dt.date = START) -> int:
    """A complete draft of the office's, submitted by the applicant on ``on``."""
    with app.app_context():
        session = app.appbuilder.session
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=office["office"],
            applicant_id=office["applicant"], state="draft", title=title, year=2027,
            kind="survey", agency_name="Dinas Uji Pengingat", agency_head_title="Kepala Dinas",
            agency_address="Jl. Pengingat No. 1", resp_name="Siti Rahmawati",
            resp_email="siti@pengingat.test", collection_start=dt.date(2027, 6, 1),
            collection_end=dt.date(2027, 6, 30), objectives="Menguji pengingat.")
        session.add(req)
        session.commit()
        req_id = req.id
        workflow.apply(session, req_id, "submit", session.get(m.RekomUser, office["applicant"]),
                       now=at_nine(on))
        session.remove()
    return req_id


def act(app, office, req_id, action, who, day, note=None):
    with app.app_context():
        session = app.appbuilder.session
        user = session.get(m.RekomUser, office[who] if who in office else None)
        workflow.apply(session, req_id, action, user, note=note, now=at_nine(day))
        session.remove()


def run_on(app, office, day: dt.date) -> dict:
    with app.app_context():
        session = app.appbuilder.session
        counts = reminders.run(session, now=at_nine(day), office_ids=[office["office"]])
        session.remove()
    return counts.sent


def events(app, req_id) -> list[tuple]:
    """(action, day) of the request's reminder events."""
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.AuditEvent.action, m.AuditEvent.at).where(
            m.AuditEvent.object_type == "activity_request", m.AuditEvent.object_id == req_id,
            m.AuditEvent.action.in_(m.REMINDER_KINDS)).order_by(m.AuditEvent.id)).all()
        session.remove()
    return [(action, at.date()) for action, at in rows]


def mails_about(app, code: str) -> list:
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(
            m.OutboundEmail.recipient, m.OutboundEmail.subject, m.OutboundEmail.body_text)
            .where(m.OutboundEmail.subject.contains(code)).order_by(m.OutboundEmail.id)).all()
        session.remove()
    return rows


def code_of(app, req_id) -> str:
    with app.app_context():
        session = app.appbuilder.session
        code = session.get(m.ActivityRequest, req_id).tracking_code
        session.remove()
    return code


# --- a request walked through its 30 working days ------------------------------------------


def test_each_reminder_once_on_its_working_day(app, office):
    req_id = new_request(app, office, "Survei Pengingat Tiga Puluh Hari")
    days = working_days(office["office"], START, 34)
    due = days[30]
    with app.app_context():
        assert app.appbuilder.session.get(m.ActivityRequest, req_id).due_date == due
        app.appbuilder.session.remove()
    sent_on: dict = {}
    day = START
    while day <= days[33]:
        for _ in range(2):  # the second run of a day sends nothing
            for kind, n in run_on(app, office, day).items():
                sent_on.setdefault(kind, []).append((day, n))
        day += dt.timedelta(days=1)
    # 50 %: 15 of 30 working days used; 80 %: 24; the head on each working day past the due
    # date (one digest a day), the request's breach once.
    assert sent_on["officer_50"] == [(days[15], 1)]
    assert sent_on["officer_80"] == [(days[24], 1)]
    assert sent_on["breach"] == [(days[31], 1)]
    assert sent_on["head_digest"] == [(days[31], 1), (days[32], 1), (days[33], 1)]
    assert events(app, req_id) == [("officer_50", days[15]), ("officer_80", days[24]),
                                   ("breach", days[31])]
    # Nobody has taken it up: every officer of the office is reminded; the head gets digests.
    code = code_of(app, req_id)
    mails = mails_about(app, code)
    officers = sorted(r.recipient for r in mails if "hari kerja sudah terpakai" in r.subject)
    assert officers == sorted(["petugas.ingat@rekomstat.test",
                               "petugas2.ingat@rekomstat.test"] * 2)
    assert any("50%" in r.subject for r in mails) and any("80%" in r.subject for r in mails)
    with app.app_context():
        session = app.appbuilder.session
        digests = session.execute(sa.select(m.OutboundEmail.recipient, m.OutboundEmail.body_text)
                                  .where(m.OutboundEmail.subject.contains("melewati batas"),
                                         m.OutboundEmail.body_text.contains(code))
                                  .order_by(m.OutboundEmail.id)).all()
        session.remove()
    assert [r.recipient for r in digests] == ["kepala.ingat@rekomstat.test"] * 3
    assert code in digests[0].body_text and "baru hari ini" in digests[0].body_text
    assert "terlambat 1 hari kerja" in digests[0].body_text
    assert "baru hari ini" not in digests[1].body_text


def test_the_handling_officer_alone_is_reminded(app, office):
    req_id = new_request(app, office, "Survei Pengingat Petugas Tetap")
    days = working_days(office["office"], START, 24)
    act(app, office, req_id, "start_review", "petugas.ingat", days[1])
    for day in (days[15], days[24]):
        run_on(app, office, day)
    recipients = {r.recipient for r in mails_about(app, code_of(app, req_id))
                  if "terpakai" in r.subject}
    assert recipients == {"petugas.ingat@rekomstat.test"}


def test_a_late_start_sends_the_highest_reminder_only(app, office):
    """The reminders did not run for weeks (the service was down): the first run sends the
    80 % reminder, not the 50 % one as well."""
    req_id = new_request(app, office, "Survei Pengingat Terlambat Jalan")
    days = working_days(office["office"], START, 26)
    assert run_on(app, office, days[26]) == {"officer_80": 1}
    assert events(app, req_id) == [("officer_80", days[26])]
    assert run_on(app, office, days[26]) == {}


def test_a_revision_pause_moves_the_reminders_and_recalls_the_applicant(app, office):
    req_id = new_request(app, office, "Survei Pengingat Perbaikan")
    days = working_days(office["office"], START, 60)
    act(app, office, req_id, "start_review", "petugas.ingat", days[2])
    act(app, office, req_id, "request_revision", "petugas.ingat", days[4],
        note="Lengkapi definisi operasional.")
    for day in days[4:20]:
        run_on(app, office, day)
    # The applicant on the 5th and 10th working day of the wait; the officer not at all.
    assert events(app, req_id) == [("revision_1", days[9]), ("revision_2", days[14])]
    mails = [r for r in mails_about(app, code_of(app, req_id)) if "perbaikan" in r.subject]
    assert [r.recipient for r in mails] == ["applicant_a@rekomstat.test"] * 2
    assert "Pengingat kedua" in mails[1].subject
    assert f"/portal/requests/{req_id}/edit" in mails[0].body_text
    assert "Lengkapi definisi operasional." in mails[0].body_text
    # Resubmitted 16 working days after the pause: the due date moves by them, and so does
    # the 50 % reminder (15 working days used: 4 before the pause, 11 after it).
    act(app, office, req_id, "resubmit", "applicant", days[20])
    with app.app_context():
        due = app.appbuilder.session.get(m.ActivityRequest, req_id).due_date
        app.appbuilder.session.remove()
    assert due == days[46]
    for day in days[20:40]:
        run_on(app, office, day)
    assert [e for e in events(app, req_id) if e[0] == "officer_50"] == [
        ("officer_50", days[20 + 11])]
    # A second revision round recalls the applicant again, counted from its own pause.
    act(app, office, req_id, "start_review", "petugas.ingat", days[40])
    act(app, office, req_id, "request_revision", "petugas.ingat", days[41], note="Sekali lagi.")
    for day in days[41:47]:
        run_on(app, office, day)
    assert events(app, req_id)[-1] == ("revision_1", days[46])


def test_each_office_switches_each_reminder(app, office):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office["office"]).values(
            remind_officers=False, remind_head=False))
        session.commit()
        session.remove()
    req_id = new_request(app, office, "Survei Pengingat Dimatikan")
    days = working_days(office["office"], START, 33)
    for day in (days[15], days[24], days[31], days[32]):
        assert run_on(app, office, day) == {}
    assert events(app, req_id) == []


def test_weekends_and_days_off_wait_for_the_next_working_day(app, office):
    new_request(app, office, "Survei Pengingat Akhir Pekan")
    days = working_days(office["office"], START, 34)
    saturday = days[31] + dt.timedelta(days=(5 - days[31].weekday()) % 7)
    assert saturday.weekday() == 5
    assert run_on(app, office, saturday) == {}
    assert run_on(app, office, OFFICE_DAY_OFF) == {}


# --- complaints ---------------------------------------------------------------------------------


def test_complaints_are_recalled_at_their_deadlines(app, office):
    with app.app_context():
        session = app.appbuilder.session
        complaint = m.Complaint(
            tracking_code=codes.tracking_code("ADU"), office_id=office["office"], channel="web",
            reporter_name="Budi", subject="Antrean lama sekali", text="Menunggu dua jam.",
            state="received", created_at=at_nine(START), ack_due_date=dt.date(2027, 1, 7),
            due_date=dt.date(2027, 1, 22))
        session.add(complaint)
        session.commit()
        complaint_id, code = complaint.id, complaint.tracking_code
        session.remove()
    assert run_on(app, office, dt.date(2027, 1, 6)) == {}
    assert run_on(app, office, dt.date(2027, 1, 7)) == {"complaint_ack": 1}
    assert run_on(app, office, dt.date(2027, 1, 8)) == {}
    # One working day before the answer's due date (the 20th is the office's day off).
    assert run_on(app, office, dt.date(2027, 1, 19)) == {}
    assert run_on(app, office, dt.date(2027, 1, 21)) == {"complaint_answer": 1}
    # Past it: in the head's digest.
    assert run_on(app, office, dt.date(2027, 1, 25)) == {"head_digest": 1}
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.OutboundEmail.recipient, m.OutboundEmail.subject,
                                         m.OutboundEmail.body_text)
                               .where(m.OutboundEmail.office_id == office["office"],
                                      m.OutboundEmail.body_text.contains(code))
                               .order_by(m.OutboundEmail.id)).all()
        actions = session.scalars(sa.select(m.AuditEvent.action).where(
            m.AuditEvent.object_type == "complaint", m.AuditEvent.object_id == complaint_id)
            .order_by(m.AuditEvent.id)).all()
        session.remove()
    assert actions == ["complaint_ack", "complaint_answer"]
    assert [r.recipient for r in rows if "ditanggapi" in r.subject] == [
        "petugas.ingat@rekomstat.test", "petugas2.ingat@rekomstat.test"]
    assert rows[-1].recipient == "kepala.ingat@rekomstat.test"


# --- the command, through a real SMTP server -----------------------------------------------------


def test_the_command_sends_through_smtp_and_twice_sends_nothing(app, office, smtp, inbox,  # noqa: F811
                                                                 mail_via):  # noqa: F811
    mail_via(smtp.port)
    day = dt.date(2027, 2, 1)  # a Monday, a working day
    # A request recorded complete long enough before that its due date has passed.
    with app.app_context():
        session = app.appbuilder.session
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=office["office"],
            applicant_id=office["applicant"], state="submitted", title="Survei Lewat Waktu",
            year=2027, kind="survey", submitted_at=at_nine(day - dt.timedelta(days=70)),
            complete_at=at_nine(day - dt.timedelta(days=70)),
            due_date=day - dt.timedelta(days=20))
        session.add(req)
        session.commit()
        code = req.tracking_code
        session.remove()
    runner = app.test_cli_runner()
    args = ["reminders", "run", "--office", OFFICE, "--at",
            at_nine(day).strftime("%Y-%m-%dT%H:%M")]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Pengingat terkirim: breach 1, head_digest 1." in result.output
    to_head = [msg for msg in inbox.to("kepala.ingat@rekomstat.test") if code in msg.get_body(
        ("plain",)).get_content()]
    assert len(to_head) == 1
    assert "melewati batas waktu" in to_head[0]["Subject"]
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "Pengingat terkirim: -." in again.output
    assert len(inbox.to("kepala.ingat@rekomstat.test")) == 1
    # A Sunday: nothing, whatever is overdue.
    sunday = runner.invoke(args=["reminders", "run", "--office", OFFICE, "--at",
                                 "2027-02-07T02:00"])
    assert "Pengingat terkirim: -." in sunday.output
    bad = runner.invoke(args=["reminders", "run", "--office", "0000"])
    assert bad.exit_code != 0 and "Kode kantor tidak dikenal" in bad.output


# --- intermediate targets -----------------------------------------------------------------------


def _targets(app, office, **values):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office["office"]).values(**values))
        session.commit()
        session.remove()


def missed_on(app, office, day):
    from app.offices import targets

    with app.app_context():
        session = app.appbuilder.session
        result = [(r.id, r.target, r.waited) for r in targets.missed(
            session, office["office"], day, "Asia/Jakarta")]
        session.remove()
    return result


def test_requests_past_an_intermediate_target(app, office):
    req_id = new_request(app, office, "Survei Target Antara")
    days = working_days(office["office"], START, 12)
    assert missed_on(app, office, days[9]) == []  # no target set: nothing is late
    _targets(app, office, review_start_days=3, letter_draft_days=2)
    try:
        assert missed_on(app, office, days[3]) == []
        assert missed_on(app, office, days[4]) == [(req_id, "review_start", 4)]
        act(app, office, req_id, "start_review", "petugas.ingat", days[4])
        assert missed_on(app, office, days[5]) == []
        with app.app_context():  # the checklist passed, then verified on days[5]
            session = app.appbuilder.session
            req = session.get(m.ActivityRequest, req_id)
            items = workflow.applicable_checklist(session, req)
            officer = session.get(m.RekomUser, office["petugas.ingat"])
            workflow.record_review(session, req_id, officer, {i.id: True for i in items})
            session.remove()
        act(app, office, req_id, "verify", "petugas.ingat", days[5])
        assert missed_on(app, office, days[7]) == []
        assert missed_on(app, office, days[8]) == [(req_id, "letter_draft", 3)]
        act(app, office, req_id, "draft_letter", "petugas.ingat", days[8])
        assert missed_on(app, office, days[9]) == []
    finally:
        _targets(app, office, review_start_days=None, letter_draft_days=None)


def test_the_officer_and_the_dashboard_see_the_requests_past_a_target(app, office):
    from app.offices.workdays import office_today
    from app.reports import figures

    from conftest import login

    with app.app_context():
        today = office_today()
    req_id = new_request(app, office, "Survei Target Antara Beranda",
                         on=today - dt.timedelta(days=21))
    _targets(app, office, review_start_days=2)
    try:
        page = login(app.test_client(), "petugas.ingat").get("/admin/").get_data(as_text=True)
        panel = page[page.index('id="officer-targets"'):]
        assert "Melewati target antara" in panel and "Survei Target Antara Beranda" in panel
        assert "Pemeriksaan belum dimulai tepat waktu" in panel
        with app.app_context():
            board = figures.dashboard(app.appbuilder.session, office["office"],
                                      today - dt.timedelta(days=60), today, today=today)
            app.appbuilder.session.remove()
        assert [r.id for r in board.past_targets] == [req_id]
    finally:
        _targets(app, office, review_start_days=None)


# --- the calendar ahead, and the sender service ----------------------------------------------


def test_admins_are_told_once_when_next_years_days_off_are_estimated(app, office):
    from app.offices.workdays import calendar_unconfirmed, estimated_days_off

    assert estimated_days_off(2027), "the holidays package estimates 2027's lunar holidays"
    eid = min(estimated_days_off(2027))  # already a day off: entering it changes no count
    with app.app_context():
        session = app.appbuilder.session
        assert calendar_unconfirmed(session, dt.date(2026, 9, 30)) is None  # not yet October
        assert calendar_unconfirmed(session, dt.date(2026, 10, 1)) == 2027
        session.remove()

    def notice(day):
        with app.app_context():
            session = app.appbuilder.session
            counts = reminders.run(session, now=at_nine(day), office_ids=[],
                                   installation=True)
            session.remove()
        return counts.sent

    assert notice(dt.date(2026, 10, 5)) == {"calendar_ahead": 1}
    assert notice(dt.date(2026, 10, 6)) == {}  # once a year
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.OutboundEmail.recipient, m.OutboundEmail.body_text)
                               .where(m.OutboundEmail.subject.contains("2027"),
                                      m.OutboundEmail.subject.contains("belum"))).all()
        assert "admin@rekomstat.test" in [r.recipient for r in rows]
        assert "/nonworkingdayview/list/" in rows[0].body_text
        # The admin's home says so until a day of 2027 is entered for every office.
        from conftest import login

        page = login(app.test_client(), "admin").get("/admin/").get_data(as_text=True)
        if calendar_unconfirmed(session, office_today_of(app)) == 2027:
            assert 'id="admin-calendar"' in page
        day = m.NonWorkingDay(office_id=None, day=eid, name="Idulfitri (SKB 2027)",
                              kind="correction")
        session.add(day)
        session.commit()
        try:
            assert calendar_unconfirmed(session, dt.date(2026, 10, 7)) is None
            page = login(app.test_client(), "admin").get("/admin/").get_data(as_text=True)
            assert 'id="admin-calendar"' not in page
        finally:
            session.delete(day)
            session.commit()
            session.remove()


def office_today_of(app):
    from app.offices.workdays import office_today

    return office_today()


def test_the_sender_service_runs_the_reminders(app, office, monkeypatch):
    calls = []
    real = reminders.run

    def only_this_office(session, **kwargs):
        calls.append(kwargs)
        return real(session, now=at_nine(dt.date(2027, 2, 2)), office_ids=[office["office"]])

    monkeypatch.setattr(reminders, "run", only_this_office)
    monkeypatch.setitem(app.config, "REMINDERS_EVERY", 3600)
    req_id = new_request(app, office, "Survei Pengingat Layanan Pengirim",
                         on=dt.date(2026, 12, 1))
    result = app.test_cli_runner().invoke(args=["outbox", "send", "--every", "0.1",
                                                "--rounds", "2"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1  # once in two rounds: its own period
    assert ("breach", dt.date(2027, 2, 2)) in events(app, req_id)


def test_one_offices_failure_keeps_no_other_office_back(app, office, monkeypatch):
    """A bad row in one office (here: its officers' step raises) rolls that office back, logs
    it, and the next office's reminders still leave; the failed one goes out next run."""
    from app.ops.bootstrap import ensure_office

    with app.app_context():
        other = ensure_office("1685", "BPS Kabupaten Uji Pengingat Kedua").id
        app.appbuilder.session.remove()
    req_id = new_request(app, office, "Survei Pengingat Kantor Gagal")
    elsewhere = new_request(app, dict(office, office=other), "Survei Pengingat Kantor Lain")
    days = working_days(office["office"], START, 15)
    real = reminders._officers

    def failing(session, office_id, *args):
        if office_id == office["office"]:
            raise RuntimeError("a bad row")
        return real(session, office_id, *args)

    monkeypatch.setattr(reminders, "_officers", failing)
    with app.app_context():
        counts = reminders.run(app.appbuilder.session, now=at_nine(days[15]),
                               office_ids=[office["office"], other])
        app.appbuilder.session.remove()
    # The other office (no day off of its own: past half of its days too) was reminded.
    assert counts.sent == {"officer_50": 1} and [e[0] for e in events(app, elsewhere)] == [
        "officer_50"]
    assert events(app, req_id) == []
    monkeypatch.setattr(reminders, "_officers", real)
    assert run_on(app, office, days[15]) == {"officer_50": 1}
