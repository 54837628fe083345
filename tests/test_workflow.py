"""The request state machine: every (state × action × role) cell, guards, atomicity, the clock.

The expected table below is written out by hand from design.md, independently of
app/requests/workflow.py's own table, so a change to either shows up here.
"""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.letters import document as letters
from app.models import (
    REQUEST_STATES,
    ActivityRequest,
    AuditEvent,
    Letter,
    LetterCounter,
    OutboundEmail,
)
from app.offices.workdays import office_calendar
from app.requests import workflow
from app.requests.workflow import WorkflowError

from conftest import OFFICE_X, OWNER, actor, seed

STATES = list(REQUEST_STATES)
ACTIONS = [
    "submit", "start_review", "request_revision", "resubmit", "verify", "draft_letter",
    "initial", "issue", "return_draft", "send", "close", "withdraw",
]
PRE_ISSUE = {"draft", "submitted", "in_review", "revision_requested", "verified", "letter_drafted",
             "letter_initialled"}
AT_SIGNER = {"letter_drafted", "letter_initialled"}

# action -> (states it may be taken from, actors allowed there, resulting state).
# Actors: applicant_a owns every request here; officer_x handles it (from in_review on);
# officer_x2 is another officer of the same office; officer_y and head_y… are elsewhere.
# Office X asks for no initials (the default): its section head (section_x) may neither
# initial nor return a draft, and the head signs drafted and initialled letters alike (one
# initialled before the office turned the chain off). The chain itself: test_signoff_chain.py.
OTHER_APPLICANT = "applicant_b"
EXPECTED = {
    "submit": ({"draft"}, {OWNER, "officer_x", "officer_x2", "admin"}, "submitted"),
    "start_review": ({"submitted"}, {"officer_x", "officer_x2", "admin"}, "in_review"),
    "request_revision": ({"in_review"}, {"officer_x", "admin"}, "revision_requested"),
    "resubmit": ({"revision_requested"}, {OWNER, "officer_x", "officer_x2", "admin"}, "submitted"),
    "verify": ({"in_review"}, {"officer_x", "admin"}, "verified"),
    "draft_letter": ({"verified"}, {"officer_x", "admin"}, "letter_drafted"),
    "initial": ({"letter_drafted"}, set(), "letter_initialled"),
    "issue": (AT_SIGNER, {"head_x"}, "issued"),
    "return_draft": (AT_SIGNER, {"head_x"}, "verified"),
    "send": ({"issued"}, {"officer_x", "officer_x2", "admin"}, "sent"),
    "close": ({"sent"}, {"officer_x", "officer_x2", "admin"}, "closed"),
    "withdraw": (PRE_ISSUE, {OWNER}, "withdrawn"),
}
# Who may ever take an action on this request (role and office/ownership), whatever the state.
MAY_EVER = {
    "submit": {OWNER, "officer_x", "officer_x2", "admin"},
    "start_review": {"officer_x", "officer_x2", "admin"},
    "request_revision": {"officer_x", "officer_x2", "admin"},
    "resubmit": {OWNER, "officer_x", "officer_x2", "admin"},
    "verify": {"officer_x", "officer_x2", "admin"},
    "draft_letter": {"officer_x", "officer_x2", "admin"},
    "initial": {"section_x"},
    "issue": {"head_x"},
    "return_draft": {"head_x", "section_x"},
    "send": {"officer_x", "officer_x2", "admin"},
    "close": {"officer_x", "officer_x2", "admin"},
    "withdraw": {OWNER},
}
ACTORS = [OWNER, OTHER_APPLICANT, "officer_x", "officer_x2", "officer_y", "section_x", "head_x",
          "admin"]
# Buttons not offered where the office asks for no initials (their guard would refuse).
NOT_OFFERED = {("initial", "section_x"), ("return_draft", "section_x")}

def _snapshot(session, req_id):
    session.expire_all()
    req = session.get(ActivityRequest, req_id)
    audits = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "activity_request", AuditEvent.object_id == req_id))
    mails = session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))
    letter = session.scalars(sa.select(Letter).where(Letter.request_id == req_id)).first()
    return (req.state, req.officer_id, req.due_date, req.clock_paused_at, req.sent_at, audits,
            mails, letter and (letter.number, letter.body, letter.issued_at),
            len(req.reviews), [(r.outcome, r.finished_at) for r in req.reviews])


def expected(state, action, actor):
    sources, allowed, target = EXPECTED[action]
    if actor not in MAY_EVER[action]:
        return 403
    if state not in sources:
        return 409
    if actor not in allowed:
        return 409  # right role, but another officer handles it, or the office asks no initials
    return target


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_cell(app, world, wf, state, action):
    with app.app_context():
        session = app.appbuilder.session
        refused_on = seed(session, world, wf, state)
        for actor_name in ACTORS:
            want = expected(state, action, actor_name)
            user = actor(session, wf, actor_name)
            if isinstance(want, int):
                before = _snapshot(session, refused_on)
                with pytest.raises(WorkflowError) as err:
                    workflow.apply(session, refused_on, action, user, note="Catatan uji")
                assert err.value.status == want, (actor_name, err.value.message)
                assert err.value.message
                assert _snapshot(session, refused_on) == before, "a refusal wrote something"
            else:
                req_id = seed(session, world, wf, state)
                outcome = workflow.apply(session, req_id, action, user, note="Catatan uji")
                session.expire_all()
                req = session.get(ActivityRequest, req_id)
                assert (outcome.from_state, outcome.to_state, req.state) == (state, want, want)
                event = session.scalars(sa.select(AuditEvent).where(
                    AuditEvent.object_id == req_id, AuditEvent.action == action)).one()
                assert (event.actor_id, event.from_state, event.to_state, event.note) == (
                    wf[actor_name], state, want, "Catatan uji")


def test_allowed_actions_match_the_table(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        for state in STATES:
            req = session.get(ActivityRequest, seed(session, world, wf, state))
            for actor_name in ACTORS:
                offered = {t.action for t in workflow.allowed_actions(
                    req, actor(session, wf, actor_name))}
                want = {a for a in ACTIONS
                        if state in EXPECTED[a][0] and actor_name in MAY_EVER[a]
                        and (a, actor_name) not in NOT_OFFERED}
                assert offered == want, (state, actor_name)


# --- guards ----------------------------------------------------------------------------------


def test_submit_lists_every_missing_field(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "draft", complete=False)
        req = session.get(ActivityRequest, req_id)
        req.resp_email = None
        session.commit()
        with pytest.raises(WorkflowError) as err:
            workflow.apply(session, req_id, "submit", actor(session, wf, OWNER))
        assert err.value.status == 409
        assert "Tujuan" in err.value.message  # objectives, in Indonesian
        assert "e-mail" in err.value.message.lower()
        assert session.get(ActivityRequest, req_id).state == "draft"


def test_verify_needs_every_checklist_item_passed(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "in_review")
        req = session.get(ActivityRequest, req_id)
        items = workflow.applicable_checklist(session, req)
        officer = actor(session, wf, "officer_x")
        workflow.record_review(session, req_id, officer, {items[2].id: {"ok": False,
                                                                         "note": "Jadwal kurang"}})
        with pytest.raises(WorkflowError) as err:
            workflow.apply(session, req_id, "verify", officer)
        assert err.value.status == 409 and items[2].text in err.value.message
        workflow.record_review(session, req_id, officer, {items[2].id: True})
        assert workflow.apply(session, req_id, "verify", officer).to_state == "verified"
        review = workflow.latest_review(session.get(ActivityRequest, req_id))
        assert review.outcome == "pass" and review.finished_at is not None


def test_record_review_refuses_strangers_and_unknown_items(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "in_review")
        items = workflow.applicable_checklist(session, session.get(ActivityRequest, req_id))
        for name, status in (("officer_x2", 409), ("officer_y", 403), (OWNER, 403)):
            with pytest.raises(WorkflowError) as err:
                workflow.record_review(session, req_id, actor(session, wf, name),
                                       {items[0].id: True})
            assert err.value.status == status
        with pytest.raises(WorkflowError) as err:
            workflow.record_review(session, req_id, actor(session, wf, "officer_x"),
                                   {999999: True})
        assert err.value.status == 400
        review = workflow.latest_review(session.get(ActivityRequest, req_id))
        assert review.checklist[str(items[0].id)]["ok"] is True  # seeded, unchanged


@pytest.mark.parametrize("action", ["request_revision", "return_draft"])
def test_notes_are_required_where_the_applicant_or_officer_needs_them(app, world, wf, action):
    state, who = ("in_review", "officer_x") if action == "request_revision" else (
        "letter_drafted", "head_x")
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, state)
        with pytest.raises(WorkflowError) as err:
            workflow.apply(session, req_id, action, actor(session, wf, who), note="   ")
        assert err.value.status == 409
        assert session.get(ActivityRequest, req_id).state == state


def test_unknown_action_and_request(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        admin = actor(session, wf, "admin")
        with pytest.raises(WorkflowError) as err:
            workflow.apply(session, seed(session, world, wf, "draft"), "approve", admin)
        assert err.value.status == 404
        with pytest.raises(WorkflowError) as err:
            workflow.apply(session, 10**9, "submit", admin)
        assert err.value.status == 404


# --- the whole path, the clock, the letter -----------------------------------------------------


def test_the_whole_path(app, world, wf):
    """draft → … → closed through apply only, with a revision round and a returned draft."""
    with app.app_context():
        session = app.appbuilder.session
        a = {n: actor(session, wf, n) for n in (OWNER, "officer_x", "head_x")}
        req_id = seed(session, world, wf, "draft")
        cal = office_calendar(session, world.offices[OFFICE_X])
        t0 = dt.datetime(2026, 3, 2, 2, 0)  # Monday 2 March 2026, 09:00 WIB

        def step(action, who, day, note=None):
            return workflow.apply(session, req_id, action, a[who], note=note,
                                  now=dt.datetime.combine(day, t0.time()), today=day)

        step("submit", OWNER, t0.date())
        req = session.get(ActivityRequest, req_id)
        # 30 working days from 2 March 2026 step over Nyepi, Idul Fitri and its cuti bersama.
        assert req.due_date == cal.add_working_days(dt.date(2026, 3, 2), 30)
        first_due = req.due_date
        step("start_review", "officer_x", dt.date(2026, 3, 3))
        step("request_revision", "officer_x", dt.date(2026, 3, 4), "Lengkapi kerangka sampel.")
        req = session.get(ActivityRequest, req_id)
        assert (req.clock_paused_at is not None
                and req.reviews[0].notes == "Lengkapi kerangka sampel.")
        step("resubmit", OWNER, dt.date(2026, 3, 9))  # Monday: 3 working days paused (5, 6, 9)
        req = session.get(ActivityRequest, req_id)
        assert req.clock_paused_at is None
        assert req.due_date == cal.add_working_days(first_due, 3)
        step("start_review", "officer_x", dt.date(2026, 3, 10))
        req = session.get(ActivityRequest, req_id)
        assert [r.round for r in req.reviews] == [1, 2]
        items = workflow.applicable_checklist(session, req)
        workflow.record_review(session, req_id, a["officer_x"], {i.id: True for i in items})
        step("verify", "officer_x", dt.date(2026, 3, 10))
        step("draft_letter", "officer_x", dt.date(2026, 3, 11))
        step("return_draft", "head_x", dt.date(2026, 3, 11), "Perbaiki alamat tujuan.")
        req = session.get(ActivityRequest, req_id)
        req.letter.body = "Kegiatan Survei Ubinan Padi Sawah 2027 layak dilaksanakan."
        session.commit()
        step("draft_letter", "officer_x", dt.date(2026, 3, 12))
        step("issue", "head_x", dt.date(2026, 3, 12))
        req = session.get(ActivityRequest, req_id)
        letter = req.letter
        assert letter.number == f"B-{letter.sequence}/16740/VS.300/2026"
        assert letter.letter_date == dt.date(2026, 3, 12) and letter.issued_by_id == wf["head_x"]
        assert letter.sha256 == letters.sha256_hex(letter.pdf)
        assert req.recommendation_code == f"REK-1674-2026-{letter.sequence:04d}"
        step("send", "officer_x", dt.date(2026, 3, 13))
        step("close", "officer_x", dt.date(2026, 3, 16))
        actions = session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_id == req_id, AuditEvent.object_type == "activity_request")
            .order_by(AuditEvent.at, AuditEvent.id)).all()
        assert actions.count("review") == 1  # the checklist recorded once
        actions = [a for a in actions if a != "review"]
        assert actions == ["submit", "start_review", "request_revision", "resubmit",
                           "start_review", "verify", "draft_letter", "return_draft",
                           "draft_letter", "issue", "send", "close"]
        req = session.get(ActivityRequest, req_id)
        assert req.sent_at.date() <= req.due_date  # sent in time


def test_a_crash_while_issuing_loses_nothing_and_reuses_the_number(app, world, wf, monkeypatch):
    with app.app_context():
        session = app.appbuilder.session
        head = actor(session, wf, "head_x")
        office_id = world.offices[OFFICE_X]
        day = dt.date(2034, 6, 1)  # a year no other test numbers letters in
        req_id = seed(session, world, wf, "letter_drafted")
        counter = lambda: session.scalar(sa.select(LetterCounter.last_sequence).where(  # noqa: E731
            LetterCounter.office_id == office_id, LetterCounter.year == 2034))
        before = _snapshot(session, req_id)

        def broken(_html):
            raise RuntimeError("renderer crashed")

        monkeypatch.setattr(letters, "render_pdf", broken)
        with pytest.raises(RuntimeError):
            workflow.apply(session, req_id, "issue", head, today=day)
        assert _snapshot(session, req_id) == before
        assert counter() in (None, 0)
        monkeypatch.undo()
        workflow.apply(session, req_id, "issue", head, today=day)
        session.expire_all()
        letter = session.get(ActivityRequest, req_id).letter
        assert (letter.sequence, counter()) == (1, 1)
        assert letter.number == "B-1/16740/VS.300/2034"


def test_another_office_and_admin_cannot_sign(app, world, wf):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "letter_drafted")
        for name in ("admin", "officer_x"):
            with pytest.raises(WorkflowError) as err:
                workflow.apply(session, req_id, "issue", actor(session, wf, name))
            assert err.value.status == 403
        assert session.get(ActivityRequest, req_id).letter.number is None
