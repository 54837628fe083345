"""Issue 23's sign-off chain: in an office that asks for it, a section head initials (paraf) a
drafted letter, or returns it with a note, before the signer signs.

Each step is a workflow transition with its audit event, its role in the permission matrix and
its mail; four eyes holds along the chain (the drafter neither initials nor signs, the one who
initialled does not sign), whatever roles a person holds. The office's setting decides: off
(the default), the head signs the draft as before (tests/test_workflow.py walks that table).

An office of this module's own (OFFICE), so turning the chain on changes no other test's office.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import create_app
from app import models as m
from app.auth.roles import HEAD, OFFICER, SECTION_HEAD, role_permissions
from app.core import codes
from app.letters import document as letters
from app.reports import home
from app.requests import workflow
from app.requests.workflow import WorkflowError

from conftest import OWNER, PASSWORD, app_config, login

OFFICE = "1692"
NOW = dt.datetime(2026, 11, 2, 3, 0)
# username -> roles (the first is create_user's; the rest are added).
PEOPLE = {
    "petugas.paraf": (OFFICER,),
    "petugas2.paraf": (OFFICER,),
    "kasi.paraf": (SECTION_HEAD,),
    "kepala.paraf": (HEAD,),
    # Four eyes: one person holding two roles of the chain.
    "petugas.kasi.paraf": (OFFICER, SECTION_HEAD),
    "kasi.kepala.paraf": (SECTION_HEAD, HEAD),
}


@pytest.fixture(scope="module")
def office(app, world):
    from app.ops.bootstrap import create_user, ensure_office

    with app.app_context():
        session = app.appbuilder.session
        sm = app.appbuilder.sm
        row = ensure_office(OFFICE, "BPS Kabupaten Uji Paraf", city="Kota Paraf")
        row.head_name, row.head_nip = "Ir. Bambang Sutrisno, M.M.", "196805101990031003"
        for username, roles in PEOPLE.items():
            user = sm.find_user(username=username)
            if user is None:
                user = create_user(roles[0], username, f"{username}@rekomstat.test", PASSWORD,
                                   username.split(".")[0].title(), "Paraf", office_code=OFFICE)
                for extra in roles[1:]:
                    user.roles.append(sm.find_role(extra))
        session.commit()
        ids = {name: sm.find_user(username=name).id for name in PEOPLE}
        ids["office"] = row.id
        ids[OWNER] = world.users[OWNER]
        session.remove()
    return ids


@pytest.fixture
def chain(app, office):
    """The office asks for initials during the test, and no longer after it."""
    _set_chain(app, office, True)
    yield
    _set_chain(app, office, False)


def _set_chain(app, office, on: bool) -> None:
    with app.app_context():
        session = app.appbuilder.session
        session.execute(sa.update(m.OfficeSetting).where(
            m.OfficeSetting.office_id == office["office"]).values(initials_required=on))
        session.commit()
        session.remove()


def _user(session, office, name):
    return session.get(m.RekomUser, office[name])


def verified_request(app, office, officer="petugas.paraf") -> int:
    """A request of the office, reviewed and verified by ``officer`` (the review is walked in
    tests/test_workflow.py; here it is put in place as the workflow leaves it)."""
    with app.app_context():
        session = app.appbuilder.session
        req = m.ActivityRequest(
            tracking_code=codes.tracking_code("RKS"), office_id=office["office"],
            applicant_id=office[OWNER], state="verified", title="Survei Harga Gabah 2027",
            year=2027, kind="survey", agency_name="Dinas Pertanian Kabupaten Uji Paraf",
            agency_head_title="Kepala Dinas Pertanian", agency_address="Jl. Paraf No. 1",
            resp_name="Siti Rahmawati", resp_email="siti@paraf.test",
            collection_start=dt.date(2027, 3, 1), collection_end=dt.date(2027, 4, 30),
            objectives="Mengukur harga gabah di tingkat petani.", submitted_at=NOW,
            complete_at=NOW, due_date=dt.date(2026, 12, 15), officer_id=office[officer])
        session.add(req)
        session.add(m.Review(request=req, round=1, officer_id=office[officer], started_at=NOW,
                             finished_at=NOW, checklist={}, outcome="pass"))
        session.commit()
        req_id = req.id
        session.remove()
    return req_id


def act(app, office, req_id, action, who, note=None):
    with app.app_context():
        session = app.appbuilder.session
        try:
            return workflow.apply(session, req_id, action, _user(session, office, who),
                                  note=note)
        finally:
            session.remove()


def refused(app, office, req_id, action, who, note=None) -> WorkflowError:
    before = _state(app, req_id)
    with pytest.raises(WorkflowError) as err:
        act(app, office, req_id, action, who, note)
    assert _state(app, req_id) == before, "a refusal wrote something"
    return err.value


def _state(app, req_id):
    """What a refusal must leave as it was: the state, the letter's steps, events and mails."""
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        letter = req.letter
        events = session.scalar(sa.select(sa.func.count(m.AuditEvent.id)).where(
            m.AuditEvent.object_type == "activity_request", m.AuditEvent.object_id == req_id))
        mails = session.scalar(sa.select(sa.func.count(m.OutboundEmail.id)))
        result = (req.state, letter and (letter.drafted_by_id, letter.initialled_by_id,
                                         letter.initialled_at, letter.number, letter.body),
                  events, mails)
        session.remove()
    return result


def _letter(app, req_id):
    with app.app_context():
        session = app.appbuilder.session
        letter = session.scalars(sa.select(m.Letter).where(m.Letter.request_id == req_id)).one()
        session.expunge(letter)
        session.remove()
    return letter


def mails(app, req_id, since=0):
    """(recipient, subject, text) of the mails about this request, after id ``since``."""
    with app.app_context():
        session = app.appbuilder.session
        code = session.get(m.ActivityRequest, req_id).tracking_code
        rows = session.execute(sa.select(
            m.OutboundEmail.recipient, m.OutboundEmail.subject, m.OutboundEmail.body_text)
            .where(m.OutboundEmail.subject.contains(code), m.OutboundEmail.id > since)
            .order_by(m.OutboundEmail.id)).all()
        session.remove()
    return rows


def last_event(app, req_id):
    with app.app_context():
        session = app.appbuilder.session
        event = session.scalars(sa.select(m.AuditEvent).where(
            m.AuditEvent.object_type == "activity_request", m.AuditEvent.object_id == req_id)
            .order_by(m.AuditEvent.id.desc())).first()
        result = (event.action, event.actor_id, event.from_state, event.to_state, event.note)
        session.remove()
    return result


# --- the chain, step by step -----------------------------------------------------------------


def test_draft_initial_sign_each_step_with_its_event_and_its_mail(app, office, chain):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    # The drafted letter waits for the section heads, not for the signer.
    to = {r.recipient: r.subject for r in mails(app, req_id)}
    assert set(to) == {"kasi.paraf@rekomstat.test", "petugas.kasi.paraf@rekomstat.test",
                       "kasi.kepala.paraf@rekomstat.test"}
    assert all("menunggu paraf Anda" in subject for subject in to.values())

    # The head cannot sign it yet, and no number is taken.
    err = refused(app, office, req_id, "issue", "kepala.paraf")
    assert err.status == 409 and "harus diparaf" in err.message

    before = max([0] + [r for r, in _mail_ids(app)])
    outcome = act(app, office, req_id, "initial", "kasi.paraf")
    assert (outcome.from_state, outcome.to_state) == ("letter_drafted", "letter_initialled")
    assert last_event(app, req_id) == ("initial", office["kasi.paraf"], "letter_drafted",
                                       "letter_initialled", None)
    letter = _letter(app, req_id)
    assert letter.initialled_by_id == office["kasi.paraf"] and letter.initialled_at
    assert letter.number is None
    # Now the signers hear of it (every Head of the office).
    signed_mail = mails(app, req_id, since=before)
    assert {r.recipient for r in signed_mail} == {"kepala.paraf@rekomstat.test",
                                                  "kasi.kepala.paraf@rekomstat.test"}
    assert all("menunggu tanda tangan Anda" in r.subject for r in signed_mail)

    outcome = act(app, office, req_id, "issue", "kepala.paraf")
    assert outcome.to_state == "issued"
    letter = _letter(app, req_id)
    assert letter.number and letter.issued_by_id == office["kepala.paraf"]
    # The initials stay on the issued letter: who initialled it is part of its record.
    assert letter.initialled_by_id == office["kasi.paraf"]


def _mail_ids(app):
    with app.app_context():
        session = app.appbuilder.session
        rows = session.execute(sa.select(m.OutboundEmail.id)).all()
        session.remove()
    return rows


def test_the_section_head_returns_a_draft_with_a_note_to_its_drafter(app, office, chain):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    err = refused(app, office, req_id, "return_draft", "kasi.paraf", note="   ")
    assert "catatan" in err.message.lower()
    before = max(r for r, in _mail_ids(app))
    note = "Paragraf kedua menyebut tahun yang salah."
    outcome = act(app, office, req_id, "return_draft", "kasi.paraf", note=note)
    assert outcome.to_state == "verified"
    assert last_event(app, req_id) == ("return_draft", office["kasi.paraf"], "letter_drafted",
                                       "verified", note)
    returned = mails(app, req_id, since=before)
    assert [r.recipient for r in returned] == ["petugas.paraf@rekomstat.test"]
    assert "dikembalikan" in returned[0].subject and note in returned[0].body_text
    # The draft stays for the officer, who drafts it again: the chain starts over.
    assert _letter(app, req_id).body
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    assert act(app, office, req_id, "initial", "kasi.paraf").to_state == "letter_initialled"


def test_once_initialled_only_the_signer_returns_it_and_the_initials_go(app, office, chain):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    act(app, office, req_id, "initial", "kasi.paraf")
    err = refused(app, office, req_id, "return_draft", "kasi.paraf", note="Saya berubah pikiran")
    assert err.status == 409 and "penanda tangan" in err.message
    # Nor does the officer initial, or the section head initial twice.
    assert refused(app, office, req_id, "initial", "petugas.paraf").status == 403
    assert refused(app, office, req_id, "initial", "kasi.paraf").status == 409
    act(app, office, req_id, "return_draft", "kepala.paraf", note="Nomor surat dasar keliru.")
    letter = _letter(app, req_id)
    assert (letter.initialled_by_id, letter.initialled_at) == (None, None)
    assert _state(app, req_id)[0] == "verified"


def test_four_eyes_along_the_chain_whatever_roles_a_person_holds(app, office, chain):
    # The officer who also heads the section drafted it: another section head initials it.
    req_id = verified_request(app, office, officer="petugas.kasi.paraf")
    act(app, office, req_id, "draft_letter", "petugas.kasi.paraf")
    err = refused(app, office, req_id, "initial", "petugas.kasi.paraf")
    assert err.status == 403 and "empat mata" in err.message
    # The section head who is also a head initials it: another head signs it.
    act(app, office, req_id, "initial", "kasi.kepala.paraf")
    err = refused(app, office, req_id, "issue", "kasi.kepala.paraf")
    assert err.status == 403 and "memaraf" in err.message and "empat mata" in err.message
    assert act(app, office, req_id, "issue", "kepala.paraf").to_state == "issued"


def test_an_office_without_the_chain_signs_the_draft_as_before(app, office):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    # The signers hear of the draft at once; no section head is asked.
    assert {r.recipient for r in mails(app, req_id)} == {"kepala.paraf@rekomstat.test",
                                                        "kasi.kepala.paraf@rekomstat.test"}
    for action, note in (("initial", None), ("return_draft", "Perbaiki")):
        err = refused(app, office, req_id, action, "kasi.paraf", note)
        assert err.status == 409 and "tanpa paraf" in err.message, action
    assert act(app, office, req_id, "issue", "kepala.paraf").to_state == "issued"


def test_a_letter_initialled_before_the_chain_was_turned_off_is_signed(app, office):
    req_id = verified_request(app, office)
    _set_chain(app, office, True)
    try:
        act(app, office, req_id, "draft_letter", "petugas.paraf")
        act(app, office, req_id, "initial", "kasi.paraf")
    finally:
        _set_chain(app, office, False)
    assert act(app, office, req_id, "issue", "kepala.paraf").to_state == "issued"


# --- what each person is offered --------------------------------------------------------------


def _offered(app, office, req_id, who):
    with app.app_context():
        session = app.appbuilder.session
        req = session.get(m.ActivityRequest, req_id)
        result = {t.action for t in workflow.allowed_actions(req, _user(session, office, who))}
        session.remove()
    return result


def test_the_buttons_follow_the_chain(app, office, chain):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    assert _offered(app, office, req_id, "kasi.paraf") == {"initial", "return_draft"}
    assert _offered(app, office, req_id, "kepala.paraf") == {"return_draft"}  # no "issue" yet
    assert _offered(app, office, req_id, "petugas.paraf") == set()
    act(app, office, req_id, "initial", "kasi.paraf")
    assert _offered(app, office, req_id, "kasi.paraf") == set()
    assert _offered(app, office, req_id, "kepala.paraf") == {"issue", "return_draft"}
    assert _offered(app, office, req_id, OWNER) == {"withdraw"}


def test_without_the_chain_the_section_head_is_offered_nothing(app, office):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    assert _offered(app, office, req_id, "kasi.paraf") == set()
    assert _offered(app, office, req_id, "kepala.paraf") == {"issue", "return_draft"}


def test_the_section_head_role_reads_like_the_head_and_acts_only_on_initials():
    section, head = role_permissions(SECTION_HEAD), role_permissions(HEAD)
    request_screen = {p for p, view in section if view == "ActivityRequestView"}
    assert request_screen == {"can_list", "can_show", "initial", "return_draft"}
    assert {p for p, v in head if v == "ActivityRequestView"} >= {"issue", "return_draft"}
    assert "initial" not in {p for p, v in head}
    # Everything else the section head holds, the head holds too: nothing to write.
    assert {(p, v) for p, v in section if v != "ActivityRequestView"} <= head
    assert not {p for p, _ in section} & {"can_add", "can_edit", "can_delete", "can_post",
                                          "can_put", "issue"}


# --- the draft is frozen while initialled ------------------------------------------------------


def test_an_initialled_draft_cannot_be_edited_until_it_is_returned(app, office, chain):
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    act(app, office, req_id, "initial", "kasi.paraf")
    letter_id = _letter(app, req_id).id
    client = login(app.test_client(), "petugas.paraf")
    page = client.get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert 'id="edit-draft"' not in page
    assert "Diparaf oleh" in page
    body = "Teks yang diubah sesudah paraf."
    response = client.post(f"/letterview/edit/{letter_id}", data={
        "result": "fit", "body": body, "suggestions": ""}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "sudah diparaf" in text
    assert _letter(app, req_id).body != body
    with app.app_context():
        session = app.appbuilder.session
        letter = session.get(m.Letter, letter_id)
        with pytest.raises(letters.DraftLockedError):
            letters.begin_edit(letter, _user(session, office, "petugas.paraf"))
        session.remove()
    act(app, office, req_id, "return_draft", "kepala.paraf", note="Ubah paragraf dua.")
    page = client.get(f"/activityrequestview/show/{req_id}").get_data(as_text=True)
    assert 'id="edit-draft"' in page and "Diparaf oleh" not in page
    client.post(f"/letterview/edit/{letter_id}", data={
        "result": "fit", "body": body, "suggestions": ""}, follow_redirects=True)
    assert _letter(app, req_id).body == body


# --- the homes ---------------------------------------------------------------------------------


def _count(app, office, who):
    with app.app_context():
        session = app.appbuilder.session
        user = _user(session, office, who)
        from app.auth.roles import user_role_names

        result = home.task_count(session, user.id, office["office"], user_role_names(user))
        session.remove()
    return result


def test_each_home_lists_the_letters_waiting_on_that_person(app, office, chain):
    base = {who: _count(app, office, who) for who in ("kasi.paraf", "kepala.paraf")}
    req_id = verified_request(app, office)
    act(app, office, req_id, "draft_letter", "petugas.paraf")
    assert _count(app, office, "kasi.paraf") == base["kasi.paraf"] + 1
    assert _count(app, office, "kepala.paraf") == base["kepala.paraf"]
    kasi = login(app.test_client(), "kasi.paraf").get("/admin/").get_data(as_text=True)
    panel = kasi[kasi.index('id="section-head-letters"'):]
    assert "Surat untuk diparaf" in panel and "Survei Harga Gabah 2027" in panel
    act(app, office, req_id, "initial", "kasi.paraf")
    assert _count(app, office, "kasi.paraf") == base["kasi.paraf"]
    assert _count(app, office, "kepala.paraf") == base["kepala.paraf"] + 1
    with app.app_context():
        session = app.appbuilder.session
        listed = home.head_home(session, office["office"], dt.date(2026, 11, 5), "Asia/Jakarta")
        session.remove()
    assert req_id in [item.id for item in listed["letters"]]
    assert listed["state"] == "letter_initialled"


def test_without_the_chain_the_section_heads_home_says_so(app, office):
    page = login(app.test_client(), "kasi.paraf").get("/admin/").get_data(as_text=True)
    panel = page[page.index('id="section-head-letters"'):]
    assert "ditandatangani tanpa paraf" in panel


# --- the migration ------------------------------------------------------------------------------


def test_migration_0014_adds_the_chain_and_goes_back(scratch_url):
    from flask_migrate import downgrade, upgrade

    application = create_app(app_config(scratch_url))
    with application.app_context():
        upgrade()
        engine = application.extensions["sqlalchemy"].engine
        triggers = _triggers(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO office (code, name, active) "
                                 "VALUES ('7610', 'BPS Uji Migrasi', :t)"), {"t": True})
            office_id = conn.execute(sa.text(
                "SELECT id FROM office WHERE code = '7610'")).scalar()
            conn.execute(sa.text(
                "INSERT INTO ab_user (first_name, last_name, username, email, active) "
                "VALUES ('Ani', 'Migrasi', 'ani.migrasi', 'ani@migrasi.test', :t)"),
                {"t": True})
            user = conn.execute(sa.text(
                "SELECT id FROM ab_user WHERE username = 'ani.migrasi'")).scalar()
            conn.execute(sa.text(
                "INSERT INTO activity_request (tracking_code, office_id, applicant_id, channel, "
                "state, title, year, kind, created_at, updated_at) VALUES ('RKS-MIG14', :o, :u, "
                "'online', 'letter_initialled', 'Survei Migrasi', 2027, 'survey', :n, :n)"),
                {"o": office_id, "u": user, "n": NOW})
        downgrade(revision="0013")
        # An initialled request goes back to drafted (the old CHECK knows no other state).
        with engine.connect() as conn:
            state = conn.execute(sa.text(
                "SELECT state FROM activity_request WHERE tracking_code = 'RKS-MIG14'")).scalar()
            assert state == "letter_drafted"
            assert "initialled_by_id" not in {
                c["name"] for c in sa.inspect(conn).get_columns("letter")}
        with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE activity_request SET state = 'letter_initialled' "
                                 "WHERE tracking_code = 'RKS-MIG14'"))
        assert _triggers(engine) == triggers
        upgrade()
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE activity_request SET state = 'letter_initialled' "
                                 "WHERE tracking_code = 'RKS-MIG14'"))
        # The full-text index's triggers survive the table's rebuilds (SQLite batch mode).
        assert _triggers(engine) == triggers
        application.appbuilder.session.remove()
    engine.dispose()


def _triggers(engine) -> set:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return set(conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        return set(conn.execute(sa.text(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
