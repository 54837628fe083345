"""An office and its settings, kept per process (app/offices/directory.py,
app/core/process_cache.py): read once, and an admin's change counts from its commit on. An office
made anywhere (the admin's Offices screen, `flask create-office`, the bootstrap, migration 0007 for
older ones) is set up to work: its settings row and review checklist (issue 19)."""
import pytest
import sqlalchemy as sa
from test_portal import _complete, _new_request_id

from app import create_app
from app import models as m
from app.core import process_cache
from app.offices import directory as offices
from app.offices.workdays import local_date, office_calendar, office_timezone
from app.ops.bootstrap import create_user, ensure_office
from app.requests import workflow
from app.requests.workflow import WorkflowError

from conftest import PASSWORD, app_config


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
            "complaint_ack_days", "complaint_answer_days", "letter_template",
            "initials_required", "remind_officers", "remind_head", "remind_applicants",
            "remind_complaints", "revision_reminder_days", "revision_reminder_again_days",
            "remind_results", "results_due_days", "retention_guest_book_days",
            "retention_tickets_days", "retention_documents_days", "retention_outbox_days",
            "retention_registrations_days", "brand_colour")}
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
            submitted_on = local_date(req.submitted_at, office_timezone())
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


# --- an office made anywhere can work (issue 19) ------------------------------------------------

FIRST_ITEM = "Judul kegiatan dan penyelenggara teridentifikasi"  # stored in Indonesian


def _setup_of(session, office_id):
    """An office's settings (without its keys) and its checklist, as plain values."""
    setting = session.scalars(sa.select(m.OfficeSetting)
                              .where(m.OfficeSetting.office_id == office_id)).one()
    values = {c.key: getattr(setting, c.key) for c in m.OfficeSetting.__table__.columns
              if c.key not in ("id", "office_id")}
    checklist = session.execute(
        sa.select(m.ChecklistItem.position, m.ChecklistItem.text, m.ChecklistItem.applies_to,
                  m.ChecklistItem.active)
        .where(m.ChecklistItem.office_id == office_id).order_by(m.ChecklistItem.position)).all()
    return values, [tuple(row) for row in checklist]


def _office_id(session, code):
    return session.scalars(sa.select(m.Office.id).where(m.Office.code == code)).one()


def _issue_a_letter_in(app, clients, code, office_id):
    """A survey request applied for in the office, reviewed by its officer (verify refused
    until the checklist passes), drafted and issued by its head: the letter's (number,
    sequence, year)."""
    title = f"Survei Kantor Baru {code} 2027"
    assert clients["applicant_a"].post(
        "/portal/requests/new", data=_complete(title, office_id)).status_code == 302
    req_id = _new_request_id(app, title)
    with app.app_context():
        session = app.appbuilder.session
        officer = create_user("Officer", f"petugas{code}", f"petugas{code}@rekomstat.test",
                              PASSWORD, office_code=code)
        head = create_user("Head", f"kepala{code}", f"kepala{code}@rekomstat.test", PASSWORD,
                           office_code=code)
        assert session.get(m.ActivityRequest, req_id).state == "submitted"
        workflow.apply(session, req_id, "start_review", officer)
        with pytest.raises(WorkflowError, match="Daftar periksa belum terpenuhi"):
            workflow.apply(session, req_id, "verify", officer)
        items = workflow.applicable_checklist(session, session.get(m.ActivityRequest, req_id))
        assert len(items) == 9  # a survey: every default item applies
        workflow.record_review(session, req_id, officer,
                               {str(i.id): {"ok": True, "note": ""} for i in items[:-1]})
        with pytest.raises(WorkflowError):  # one item still unchecked
            workflow.apply(session, req_id, "verify", officer)
        workflow.record_review(session, req_id, officer, {str(items[-1].id): {"ok": True}})
        workflow.apply(session, req_id, "verify", officer)
        workflow.apply(session, req_id, "draft_letter", officer)
        outcome = workflow.apply(session, req_id, "issue", head)
        letter = outcome.request.letter
        assert outcome.to_state == "issued" and letter.pdf.startswith(b"%PDF")
        return letter.number, letter.sequence, letter.year


def test_an_office_the_admin_adds_on_the_offices_screen_can_issue_letters(app, world, clients):
    """The admin adds an office on the Offices screen: it comes with its settings and the
    default checklist, so its first request is reviewed against the checklist and its letter
    numbered in BPS's pattern (it answered 500 at the first issue, and verify passed with
    nothing checked)."""
    code, name = "7401", "BPS Kabupaten Layar Admin"
    answer = clients["admin"].post("/officeview/add", data={
        "code": code, "name": name, "city": "Musi Rawas", "active": "y"})
    assert answer.status_code == 302
    with app.app_context():
        session = app.appbuilder.session
        office_id = _office_id(session, code)
        values, checklist = _setup_of(session, office_id)
        session.commit()
    assert (values["number_pattern"], values["classification_code"], values["signer_role"],
            values["sla_working_days"]) == ("B-{seq}/{office_code}0/{classification}/{year}",
                                            "VS.300", "Head", 30)
    assert values["signer_title"] == f"Kepala {name}"
    assert len(checklist) == 9 and checklist[0] == (1, FIRST_ITEM, "all", True)

    number, seq, year = _issue_a_letter_in(app, clients, code, office_id)
    assert (number, seq) == (f"B-1/{code}0/VS.300/{year}", 1)


def test_the_screen_the_command_line_and_the_bootstrap_set_an_office_up_alike(
        app, world, clients):
    """The Offices screen, `flask create-office` and the bootstrap (the default office) give an
    office the same settings and checklist, once: running the command again for it, or
    set_up_office, adds nothing."""
    name = "BPS Kabupaten Sama Rupa"
    assert clients["admin"].post("/officeview/add", data={
        "code": "7404", "name": name, "active": "y"}).status_code == 302
    runner = app.test_cli_runner()
    for _ in range(2):
        cli = runner.invoke(args=["create-office", "--code", "7402", "--name", name])
        assert cli.exit_code == 0, cli.output
    with app.app_context():
        session = app.appbuilder.session
        by_screen, by_cli = _office_id(session, "7404"), _office_id(session, "7402")
        default = offices.default_office(session).id  # made by the bootstrap
        screen, command, bootstrap = (_setup_of(session, office_id)
                                      for office_id in (by_screen, by_cli, default))
        assert screen == command
        assert screen[0] == dict(offices.SETTING_DEFAULTS, letter_template=None,
                                 review_start_days=None, letter_draft_days=None,
                                 privacy_notice=None, signer_title=f"Kepala {name}",
                                 logo_type=None, logo_sha256=None)
        # (The default office's settings are left out: other tests edit them.)
        assert screen[1] == bootstrap[1] and len(screen[1]) == 9
        for office_id in (by_screen, by_cli):
            offices.set_up_office(session, session.get(m.Office, office_id))
            assert not session.new
        counted = session.execute(
            sa.select(m.ChecklistItem.office_id, sa.func.count())
            .where(m.ChecklistItem.office_id.in_((by_screen, by_cli)))
            .group_by(m.ChecklistItem.office_id)).all()
        assert sorted(count for _office, count in counted) == [9, 9]
        session.commit()


def test_an_office_without_its_settings_row_still_numbers_with_the_default_pattern(
        app, world, clients):
    code = "7403"
    with app.app_context():
        session = app.appbuilder.session
        office_id = ensure_office(code, "BPS Kabupaten Tanpa Baris Pengaturan").id
        session.execute(sa.delete(m.OfficeSetting).where(m.OfficeSetting.office_id == office_id))
        session.commit()
        assert offices.office_info(session, office_id).setting == offices.DEFAULT_SETTING
    number, seq, year = _issue_a_letter_in(app, clients, code, office_id)
    assert (number, seq) == (f"B-1/{code}0/VS.300/{year}", 1)


def test_migration_0007_sets_up_the_offices_made_before(scratch_url):
    """An office without settings or checklist (made on the screen before the fix) gets both;
    an office with its own keeps them as they are."""
    from flask_migrate import upgrade

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade(revision="0006")
        engine = application.extensions["sqlalchemy"].engine

        def insert(table, **values):  # the columns of revision 0006, not today's models'
            return sa.insert(sa.table(table, *map(sa.column, values))).values(**values)

        with engine.begin() as conn:
            for code, name in (("7501", "BPS Kabupaten Lama"), ("7502", "BPS Kabupaten Sendiri")):
                conn.execute(insert("office", code=code, name=name, active=True))
            bare, own = conn.execute(sa.text(
                "SELECT id FROM office WHERE code IN ('7501', '7502') ORDER BY code")).scalars()
            conn.execute(insert(
                "office_setting", office_id=own, classification_code="KS.100",
                number_pattern="{seq}/X/{year}", signer_role="Admin", sla_working_days=20,
                complaint_ack_days=2, complaint_answer_days=10))
            conn.execute(insert("checklist_item", office_id=own, position=1, text="Hanya satu",
                                applies_to="all", active=False))
        upgrade()
        session = application.appbuilder.session
        values, checklist = _setup_of(session, bare)
        assert values == dict(offices.SETTING_DEFAULTS, letter_template=None,
                              review_start_days=None, letter_draft_days=None,
                              privacy_notice=None, signer_title="Kepala BPS Kabupaten Lama",
                              logo_type=None, logo_sha256=None)
        with application.test_request_context():
            bare_now = m.Office(code="7503", name="BPS Kabupaten Lama")
            session.add(bare_now)
            offices.set_up_office(session, bare_now)
            session.flush()
            assert (values, checklist) == _setup_of(session, bare_now.id)  # as set_up_office
            session.rollback()
        assert _setup_of(session, own) == (
            dict(classification_code="KS.100", number_pattern="{seq}/X/{year}",
                 letter_template=None, signer_title=None, signer_role="Admin",
                 initials_required=False, sla_working_days=20, complaint_ack_days=2,
                 complaint_answer_days=10, remind_officers=True, remind_head=True,
                 remind_applicants=True, remind_complaints=True, revision_reminder_days=5,
                 revision_reminder_again_days=10, review_start_days=None,
                 letter_draft_days=None, publish_ikm=False, remind_results=True,
                 results_due_days=30, privacy_notice=None, retention_guest_book_days=730,
                 retention_tickets_days=730, retention_documents_days=365,
                 retention_outbox_days=180, retention_registrations_days=30,
                 brand_colour="#0a4d8c", logo_type=None, logo_sha256=None),
            [(1, "Hanya satu", "all", False)])
        session.remove()
        engine.dispose()
