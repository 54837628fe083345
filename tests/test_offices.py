"""An office and its settings, kept per process (app/offices.py, app/process_cache.py): read
once, and an admin's change counts from its commit on."""
import sqlalchemy as sa
from test_portal import _complete, _new_request_id

from app import models as m
from app import offices, process_cache, workflow
from app.workdays import local_date, office_calendar


def _counting_reads(engine, table):
    reads = []

    def count(conn, cursor, statement, *args):
        if f"FROM {table}" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    return reads, lambda: sa.event.remove(engine, "before_cursor_execute", count)


def test_office_info_is_kept_and_a_committed_change_is_seen_at_once(app, world, monkeypatch):
    x = world.offices["1674"]
    with app.app_context():
        session = app.appbuilder.session
        setting = session.scalars(sa.select(m.OfficeSetting)
                                  .where(m.OfficeSetting.office_id == x)).one()
        days = setting.sla_working_days
        reads, stop = _counting_reads(session.get_bind(), "office")
        try:
            first = offices.office_info(session, x)
            assert (first.office.id, first.office.code) == (x, "1674")
            assert first.setting.sla_working_days == days
            assert offices.office_info(session, x) is first and len(reads) == 1  # kept

            setting.sla_working_days = days + 5
            session.flush()
            assert offices.office_info(session, x).setting.sla_working_days == days + 5
            session.rollback()  # never kept, rolled back
            assert offices.office_info(session, x).setting.sla_working_days == days

            setting.sla_working_days = days + 5
            session.commit()
            assert offices.office_info(session, x).setting.sla_working_days == days + 5

            office = session.get(m.Office, x)
            office.phone = "(0733) 999"
            session.commit()
            again = offices.office_info(session, x)
            assert again.office.phone == "(0733) 999" and offices.office_info(session, x) is again

            # Another worker's change shows once the kept row expires.
            monkeypatch.setattr(offices._offices, "ttl_s", 0.0)
            process_cache.forget_all()
            offices.office_info(session, x)
            before = len(reads)
            offices.office_info(session, x)
            assert len(reads) == before + 1
        finally:
            stop()
            setting.sla_working_days = days
            session.commit()


def test_an_office_without_settings_gets_the_defaults_and_none_is_none(app):
    with app.app_context():
        session = app.appbuilder.session
        bare = m.Office(code="9999", name="BPS Kabupaten Tanpa Pengaturan")
        session.add(bare)
        session.commit()
        try:
            info = offices.office_info(session, bare.id)
            assert info.office.name == "BPS Kabupaten Tanpa Pengaturan"
            assert (info.setting.sla_working_days, info.setting.signer_role) == (30, "Head")
            assert offices.office_info(session, 2_000_000_000) is None
        finally:
            session.delete(bare)
            session.commit()


def test_the_admins_new_completion_time_counts_for_the_next_submission(app, world, clients):
    """The admin shortens the office's promise on the settings screen; the applicant who
    submits right after gets the new due date and is told the new number of days."""
    x = world.offices["1674"]
    with app.app_context():
        session = app.appbuilder.session
        setting = session.scalars(sa.select(m.OfficeSetting)
                                  .where(m.OfficeSetting.office_id == x)).one()
        pk, days = setting.id, setting.sla_working_days
        fields = {name: getattr(setting, name) or "" for name in (
            "classification_code", "number_pattern", "signer_title", "signer_role",
            "complaint_ack_days", "complaint_answer_days", "letter_template")}
        session.commit()
    # Read once before the change, as a busy process would have.
    assert clients["applicant_a"].post(
        "/portal/requests/new", data=_complete("Survei Sebelum Perubahan SLA 2027", x)
    ).status_code == 302

    answer = clients["admin"].post(f"/officesettingview/edit/{pk}", data=dict(
        fields, office=str(x), sla_working_days=str(days - 10)))
    assert answer.status_code == 302
    try:
        title = "Survei Sesudah Perubahan SLA 2027"
        assert clients["applicant_a"].post(
            "/portal/requests/new", data=_complete(title, x)).status_code == 302
        req_id = _new_request_id(app, title)
        with app.app_context():
            session = app.appbuilder.session
            req = session.get(m.ActivityRequest, req_id)
            calendar = office_calendar(session, x)
            submitted_on = local_date(req.submitted_at, workflow.office_timezone())
            assert req.due_date == calendar.due_date(submitted_on, days - 10)
            receipt = session.scalars(sa.select(m.OutboundEmail.body_text).where(
                m.OutboundEmail.subject.contains(req.tracking_code),
                m.OutboundEmail.recipient == req.applicant.email)).one()
            assert f"{days - 10} hari kerja" in receipt
            session.commit()
    finally:
        with app.app_context():
            session = app.appbuilder.session
            session.get(m.OfficeSetting, pk).sla_working_days = days
            session.commit()
