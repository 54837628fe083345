"""Issue 25's retention periods: with each office's days, a run at a chosen moment anonymises
the guest book's old visitors, deletes old queue tickets, the documents of long-withdrawn
requests (rows and files) and registrations never activated, and clears old sent e-mails'
text — and nothing younger, nor any letter or recommended request. A second run changes
nothing and reports zeros; the command and the settings screen say so in words.

An office of this module's own (OFFICE); every run is limited to it (a run of the whole
installation at a moment years ahead would age every other test's rows too).
"""
from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from app import models as m
from app.core import codes, process_cache
from app.ops import retention

from conftest import PASSWORD, login

OFFICE = "1681"
NOW = dt.datetime(2031, 6, 2, 3, 0)  # the run's moment (naive UTC)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def office(app, world):
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        row = ensure_office(OFFICE, "BPS Kabupaten Uji Masa Simpan", city="Kota Simpan")
        if app.appbuilder.sm.find_user(username="pemohon.simpan") is None:
            create_user("Applicant", "pemohon.simpan", "pemohon.simpan@rekomstat.test",
                        PASSWORD)
        ids = {"office": row.id,
               "applicant": app.appbuilder.sm.find_user(username="pemohon.simpan").id}
        app.appbuilder.session.remove()
    return ids


def _run(app, office, now=NOW) -> dict:
    with app.app_context():
        counts = retention.run(app.appbuilder.session, now=now, office_ids=[office["office"]])
        app.appbuilder.session.remove()
    return counts


def _days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_the_guest_book_keeps_the_visit_and_forgets_the_visitor(app, office):
    with app.app_context():
        session = app.appbuilder.session
        old_ticket = m.QueueTicket(office_id=office["office"], service_date=_days_ago(800).date(),
                                   number=1)
        new_ticket = m.QueueTicket(office_id=office["office"], service_date=_days_ago(10).date(),
                                   number=2)
        session.add_all([old_ticket, new_ticket])
        session.flush()
        old = m.GuestBookEntry(office_id=office["office"], visited_at=_days_ago(731),
                               name="Tamu Lama Sekali", id_doc_type="ktp",
                               id_doc_number="1674015505900001", agency="Dinas Lama",
                               phone="0812 1111", email="lama@dinas.test",
                               purpose="Konsultasi data", ticket_id=old_ticket.id)
        young = m.GuestBookEntry(office_id=office["office"], visited_at=_days_ago(729),
                                 name="Tamu Masih Baru", id_doc_type="ktp",
                                 id_doc_number="1674014407910003", phone="0812 2222",
                                 ticket_id=new_ticket.id)
        session.add_all([old, young])
        session.commit()
        ids = (old.id, young.id, old_ticket.id, new_ticket.id)
        session.remove()
    counts = _run(app, office)
    assert counts["guest_book"] == 1 and counts["queue_tickets"] == 1
    with app.app_context():
        session = app.appbuilder.session
        old, young = session.get(m.GuestBookEntry, ids[0]), session.get(m.GuestBookEntry, ids[1])
        assert (old.name, old.id_doc_number, old.phone, old.email) == ("—", None, None, None)
        # The office's figures keep the visit: its date, agency and purpose.
        assert (old.agency, old.purpose, old.visited_at) == ("Dinas Lama", "Konsultasi data",
                                                             _days_ago(731))
        assert old.ticket_id is None
        assert (young.name, young.id_doc_number, young.ticket_id) == (
            "Tamu Masih Baru", "1674014407910003", ids[3])
        assert session.get(m.QueueTicket, ids[2]) is None
        assert session.get(m.QueueTicket, ids[3]) is not None
        session.remove()
    assert _run(app, office) == dict.fromkeys(retention.KINDS, 0)  # twice: nothing more


def test_documents_of_long_withdrawn_requests_go_with_their_files(app, office):
    from app.requests import uploads

    with app.app_context():
        session = app.appbuilder.session
        made = {}
        for key, state, closed in (("gone", "withdrawn", _days_ago(400)),
                                   ("recent", "withdrawn", _days_ago(100)),
                                   ("sent", "sent", _days_ago(900))):
            req = m.ActivityRequest(
                tracking_code=codes.tracking_code("RKS"), office_id=office["office"],
                applicant_id=office["applicant"], state=state, title=f"Survei Simpan {key}",
                year=2027, closed_at=closed if state == "withdrawn" else None)
            session.add(req)
            session.flush()
            checked = uploads.CheckedFile(PDF, f"{key}.pdf", "application/pdf", "0" * 64)
            row = uploads.store(session, req.id, "other", checked, office["applicant"])
            session.flush()
            made[key] = (req.id, row.id, uploads.path_of(row))
        session.commit()
        session.remove()
    assert all(os.path.exists(path) for _, _, path in made.values())
    assert _run(app, office)["documents"] == 1
    with app.app_context():
        session = app.appbuilder.session
        assert session.get(m.Attachment, made["gone"][1]) is None
        assert session.get(m.Attachment, made["recent"][1]) is not None
        assert session.get(m.Attachment, made["sent"][1]) is not None  # a public record's
        assert session.get(m.ActivityRequest, made["gone"][0]) is not None  # the request stays
        session.remove()
    assert not os.path.exists(made["gone"][2])
    assert os.path.exists(made["recent"][2]) and os.path.exists(made["sent"][2])
    assert _run(app, office)["documents"] == 0


def test_old_sent_mail_loses_its_text_not_its_trace(app, office):
    with app.app_context():
        session = app.appbuilder.session
        rows = []
        for sent_days, state in ((200, "sent"), (100, "sent"), (400, "failed")):
            row = m.OutboundEmail(office_id=office["office"], recipient="x@dinas.test",
                                  subject=f"Surel {sent_days}", body_text="Isi surel rahasia",
                                  body_html="<p>Isi</p>", state=state,
                                  sent_at=_days_ago(sent_days) if state == "sent" else None,
                                  created_at=_days_ago(sent_days))
            session.add(row)
            rows.append(row)
        session.commit()
        ids = [r.id for r in rows]
        session.remove()
    assert _run(app, office)["outbox"] == 1
    with app.app_context():
        session = app.appbuilder.session
        old, young, failed = (session.get(m.OutboundEmail, i) for i in ids)
        assert (old.body_text, old.body_html, old.recipient, old.subject) == (
            "", None, "x@dinas.test", "Surel 200")
        assert young.body_text == failed.body_text == "Isi surel rahasia"
        session.remove()


def test_each_office_sets_its_own_periods_and_the_screen_refuses_nonsense(app, office):
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office["office"]).values(retention_guest_book_days=30))
        entry = m.GuestBookEntry(office_id=office["office"], visited_at=_days_ago(31),
                                 name="Tamu Sebulan", phone="0812 3333")
        session.add(entry)
        session.commit()
        entry_id = entry.id
        setting_id = session.scalar(sa.select(m.OfficeSetting.id).where(
            m.OfficeSetting.office_id == office["office"]))
        session.remove()
    process_cache.forget_all()
    try:
        # (With the visit of the first test, 729 days old: past 30 days as well.)
        assert _run(app, office)["guest_book"] >= 1
        with app.app_context():
            assert app.appbuilder.session.get(m.GuestBookEntry, entry_id).name == "—"
            app.appbuilder.session.remove()
    finally:
        with app.app_context():
            session = app.appbuilder.session
            session.execute(sa.update(m.OfficeSetting).where(
                m.OfficeSetting.id == setting_id).values(retention_guest_book_days=730))
            session.commit()
            session.remove()
    admin = login(app.test_client(), "admin")
    page = admin.get(f"/officesettingview/edit/{setting_id}").get_data(as_text=True)
    assert "Buku tamu: identitas tamu dihapus setelah (hari)" in page
    from screen_forms import browser_data, parse

    form, _ = parse(page)
    data = browser_data(form)
    r = admin.post(f"/officesettingview/edit/{setting_id}",
                   data={**data, "retention_outbox_days": "0"})
    assert r.status_code in (200, 422)
    with app.app_context():
        assert app.appbuilder.session.get(m.OfficeSetting, setting_id).retention_outbox_days \
            == 180
        app.appbuilder.session.remove()


def test_registrations_never_activated_and_the_command(app, office):
    """Registrations belong to no office: the default office's period. Counted from a
    moment 29 days ahead, so that no registration made by this test session (a few minutes
    old) is old enough; only this test's own old one is."""
    from app.core.transactions import unit_of_work
    from app.offices.workdays import utcnow

    moment = utcnow() + dt.timedelta(days=29)
    with app.app_context():
        session = app.appbuilder.session
        old = m.RekomRegisterUser(first_name="Lupa", last_name="Aktif", username="lupa.aktif",
                                  email="lupa@aktif.test", password="x",
                                  registration_hash="b" * 32,
                                  registration_date=moment - dt.timedelta(days=31))
        session.add(old)
        session.commit()
        old_id = old.id
        with unit_of_work(session):
            assert retention.registrations(session, moment) == 1
        assert session.get(m.RekomRegisterUser, old_id) is None
        with unit_of_work(session):
            assert retention.registrations(session, moment) == 0
        session.remove()
    result = app.test_cli_runner().invoke(args=["retention", "run", "--office", OFFICE])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Masa simpan: guest_book 0, queue_tickets 0,")
    bad = app.test_cli_runner().invoke(args=["retention", "run", "--office", "0000"])
    assert bad.exit_code != 0 and "Kode kantor tidak dikenal" in bad.output


def test_the_daily_housekeeping_applies_the_periods_unless_switched_off(app, monkeypatch):
    """`flask cleanup` (and the sender service's daily housekeeping, the same function) runs
    the retention of the whole installation when RETENTION is on (the default)."""
    calls = []
    monkeypatch.setattr(retention, "run", lambda session, **kw: calls.append(kw) or dict.fromkeys(
        retention.KINDS, 0))
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "RETENTION", True)
    result = runner.invoke(args=["cleanup"])
    assert result.exit_code == 0 and "Masa simpan: guest_book 0" in result.output
    assert calls == [{}]  # every office, the registrations too
    monkeypatch.setitem(app.config, "RETENTION", False)
    result = runner.invoke(args=["cleanup"])
    assert result.exit_code == 0 and "Masa simpan" not in result.output and calls == [{}]
