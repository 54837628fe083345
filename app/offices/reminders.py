"""Reminders and escalation: who is told, and when, before a promise is broken (issue 24).

``run(session, now)`` looks at every active office and, on the office's working days only:

- the officer handling a request (every officer of the office before one takes it up) when
  50 % and 80 % of its working days are used (``officer_50``, ``officer_80``);
- the head (the office's signer role) in one daily digest of the requests past their due date
  and the complaints past their answer's (``head_digest``); a request's first day past it is
  also written on its timeline (``breach``);
- the applicant when a revision has waited the office's first and second number of working
  days (``revision_1``, ``revision_2``; each revision round on its own);
- the officers when a complaint is not taken up by its acknowledgement date
  (``complaint_ack``) or not answered one working day before its due date
  (``complaint_answer``);
- the applicant of a recommended activity for its results (PP 51/1999) once its first
  planned release has passed (``results_ask``), and again on their due date
  (``results_due``; requests/results.py), unless results wait for an officer's check.

The working days are the office's calendar's, and a request's due date already moves by a
revision's pause (workflow), so a paused request is reminded of nothing but its revision.
Each reminder is a ``reminder_sent`` row, unique on (kind, object, key), written in one
transaction with its mail and its audit event (the kind is the event's action, which the
timelines show in words: models.REMINDER_KINDS): run twice, or from two processes at once, a
reminder goes out once. Each office switches each kind on or off (office settings).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite

from app import notify
from app.auth.roles import HEAD, OFFICER
from app.core import audit
from app.core.transactions import unit_of_work
from app.models import (
    ActivityRequest,
    ActivityResult,
    Complaint,
    Letter,
    Office,
    OfficeSetting,
    RekomUser,
    ReminderSent,
)
from app.offices.directory import DEFAULT_SETTING
from app.offices.workdays import (
    WorkCalendar,
    calendar_unconfirmed,
    local_date,
    office_calendar,
    office_timezone,
    utcnow,
)
from app.requests import results
from app.requests.workflow import CLOCK_RUNNING

logger = logging.getLogger(__name__)

RUNNING = CLOCK_RUNNING
OPEN_COMPLAINT = ("received", "in_progress")
THRESHOLDS = ((80, "officer_80"), (50, "officer_50"))  # the highest first


@dataclass
class Counts:
    """What a run sent, by kind of reminder (and the mails it queued)."""

    sent: dict = field(default_factory=dict)
    email_ids: list = field(default_factory=list)

    def add(self, kind: str, mails: list) -> None:
        self.sent[kind] = self.sent.get(kind, 0) + 1
        self.email_ids += [m.id for m in mails]

    def merge(self, other: "Counts") -> None:
        for kind, n in other.sent.items():
            self.sent[kind] = self.sent.get(kind, 0) + n
        self.email_ids += other.email_ids


def run(session, now: dt.datetime | None = None, office_ids=None,
        installation: bool | None = None) -> Counts:
    """Send what is due now in every active office (or those of ``office_ids``), each office in
    its own transaction; and the installation's own notices (the calendar ahead), unless only
    some offices are asked for (``installation`` says otherwise)."""
    now = now or utcnow()
    today = local_date(now, office_timezone())
    counts = Counts()
    query = (select(Office.id, OfficeSetting)
             .outerjoin(OfficeSetting, OfficeSetting.office_id == Office.id)
             .where(Office.active.is_(True)).order_by(Office.id))
    if office_ids is not None:
        query = query.where(Office.id.in_(office_ids))
    offices = session.execute(query).all()
    if installation if installation is not None else office_ids is None:
        with unit_of_work(session):
            _calendar_ahead(session, today, now, counts)
    for office_id, setting in offices:
        calendar = office_calendar(session, office_id)
        if not calendar.is_working_day(today):
            continue  # reminders wait for the office's next working day
        mine = Counts()  # merged once the office's transaction is committed
        try:
            with unit_of_work(session):
                _office(session, office_id, setting or DEFAULT_SETTING, calendar, today, now,
                        mine)
        except Exception:  # one office's bad row must not keep the others' reminders back
            logger.exception("reminders: office %s failed; the next run tries again", office_id)
            continue
        counts.merge(mine)
    return counts


def _office(session, office_id: int, setting, calendar: WorkCalendar, today: dt.date,
            now: dt.datetime, counts: Counts) -> None:
    once = _Once(session, office_id, now)
    if setting.remind_officers:
        _officers(session, office_id, setting, calendar, today, once, counts)
    if setting.remind_applicants:
        _revisions(session, office_id, setting, calendar, today, once, counts)
    if setting.remind_complaints:
        _complaints(session, office_id, calendar, today, once, counts)
    if setting.remind_head:
        _head(session, office_id, setting, calendar, today, once, counts)
    if setting.remind_results:
        _results(session, office_id, today, once, counts)


class _Once:
    """Claims a reminder: True the first time its (kind, object, key) is claimed, ever."""

    def __init__(self, session, office_id: int, now: dt.datetime):
        self.session, self.office_id, self.now = session, office_id, now
        dialect = session.get_bind().dialect.name
        self._insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)

    def __call__(self, kind: str, obj, key: str = "", object_type: str | None = None,
                 object_id: int | None = None) -> bool:
        statement = self._insert(ReminderSent.__table__).values(
            office_id=self.office_id, kind=kind,
            object_type=object_type or obj.__tablename__,
            object_id=obj.id if object_id is None else object_id, key=key, sent_at=self.now,
        ).on_conflict_do_nothing(
            index_elements=["kind", "object_type", "object_id", "key"],
        ).returning(ReminderSent.__table__.c.id)  # no row back: claimed before (rowcount is -1
        # on PostgreSQL's driver here)
        return self.session.execute(statement).first() is not None


def _staff(session, office_id: int, role: str) -> list:
    return notify.office_staff(session, office_id, role)


def _officers(session, office_id, setting, calendar, today, once, counts) -> None:
    requests = session.scalars(
        select(ActivityRequest).where(
            ActivityRequest.office_id == office_id, ActivityRequest.state.in_(RUNNING),
            ActivityRequest.due_date.is_not(None), ActivityRequest.due_date >= today,
            ActivityRequest.clock_paused_at.is_(None), ActivityRequest.sent_at.is_(None))
        .order_by(ActivityRequest.id)).all()
    total = setting.sla_working_days or 30
    officers = None
    for req in requests:
        left = calendar.working_days_between(today, req.due_date)
        used = 100 * (total - left) / total
        reached = [(percent, kind) for percent, kind in THRESHOLDS if used >= percent]
        if not reached:
            continue
        # Claim every threshold reached (one run after a long stop sends the highest only).
        claimed = [(percent, kind) for percent, kind in reached if once(kind, req)]
        if not claimed or claimed[0] != reached[0]:
            continue
        percent, kind = reached[0]
        if req.officer_id is not None:
            users = [session.get(RekomUser, req.officer_id)]
        else:
            officers = officers if officers is not None else _staff(session, office_id,
                                                                     OFFICER)
            users = officers
        mails = notify.reminder_officers(session, req, users, percent, left)
        audit.record(session, None, req, kind, req.state, req.state, at=once.now)
        counts.add(kind, mails)


def _revisions(session, office_id, setting, calendar, today, once, counts) -> None:
    requests = session.scalars(
        select(ActivityRequest).where(
            ActivityRequest.office_id == office_id,
            ActivityRequest.state == "revision_requested",
            ActivityRequest.clock_paused_at.is_not(None))
        .order_by(ActivityRequest.id)).all()
    first, again = setting.revision_reminder_days or 5, setting.revision_reminder_again_days or 10
    for req in requests:
        paused_on = local_date(req.clock_paused_at, office_timezone())
        waited = calendar.working_days_between(paused_on, today)
        key = req.clock_paused_at.isoformat()  # this round of revision
        reached = [kind for days, kind in ((again, "revision_2"), (first, "revision_1"))
                   if waited >= days]
        if not reached:
            continue
        claimed = [kind for kind in reached if once(kind, req, key)]
        if not claimed or claimed[0] != reached[0]:
            continue
        mails = notify.revision_reminder(session, req, waited, again=reached[0] == "revision_2")
        audit.record(session, None, req, reached[0], req.state, req.state, at=once.now)
        counts.add(reached[0], mails)


def _complaints(session, office_id, calendar, today, once, counts) -> None:
    complaints = session.scalars(
        select(Complaint).where(Complaint.office_id == office_id,
                                Complaint.state.in_(OPEN_COMPLAINT))
        .order_by(Complaint.id)).all()
    officers = None
    for complaint in complaints:
        due = []  # two deadlines of their own: each reminded once
        if (complaint.state == "received" and complaint.ack_due_date is not None
                and today >= complaint.ack_due_date):
            due.append("complaint_ack")
        if (complaint.due_date is not None
                and calendar.working_days_between(today, complaint.due_date) <= 1):
            due.append("complaint_answer")
        for kind in due:
            if not once(kind, complaint):
                continue
            if complaint.assignee_id is not None:
                users = [session.get(RekomUser, complaint.assignee_id)]
            else:
                officers = officers if officers is not None else _staff(session, office_id,
                                                                         OFFICER)
                users = officers
            mails = notify.complaint_reminder(session, complaint, users, kind)
            audit.record(session, None, complaint, kind, complaint.state, complaint.state,
                         at=once.now)
            counts.add(kind, mails)


def _calendar_ahead(session, today, now, counts) -> None:
    """The administrators, once a year: next year's days off are not confirmed yet."""
    year = calendar_unconfirmed(session, today)
    if year is None or not _Once(session, None, now)("calendar_ahead", None,
                                                      object_type="calendar", object_id=year):
        return
    mails = notify.calendar_ahead(session, notify.admins(session), year)
    counts.add("calendar_ahead", mails)


def _head(session, office_id, setting, calendar, today, once, counts) -> None:
    late_requests = session.scalars(
        select(ActivityRequest).where(
            ActivityRequest.office_id == office_id, ActivityRequest.state.in_(RUNNING),
            ActivityRequest.due_date < today, ActivityRequest.clock_paused_at.is_(None),
            ActivityRequest.sent_at.is_(None))
        .order_by(ActivityRequest.due_date, ActivityRequest.id)).all()
    late_complaints = session.scalars(
        select(Complaint).where(Complaint.office_id == office_id,
                                Complaint.state.in_(OPEN_COMPLAINT),
                                Complaint.due_date < today)
        .order_by(Complaint.due_date, Complaint.id)).all()
    if not late_requests and not late_complaints:
        return
    late = []
    for req in late_requests:
        new = once("breach", req)  # its first day past the due date: on its timeline too
        if new:
            audit.record(session, None, req, "breach", req.state, req.state, at=once.now)
            counts.add("breach", [])
        late.append((req, calendar.working_days_between(req.due_date, today), new))
    office = session.get(Office, office_id)
    if not once("head_digest", office, today.isoformat()):
        return  # today's went out already
    mails = notify.head_digest(session, office_id,
                               _staff(session, office_id, setting.signer_role or HEAD),
                               late, late_complaints)
    audit.record(session, None, office, "head_digest", at=once.now)
    counts.add("head_digest", mails)



def _results(session, office_id, today, once, counts) -> None:
    # Requests sent before the follow-up existed get their due date here, once.
    for req in session.scalars(
            select(ActivityRequest).join(Letter, Letter.request_id == ActivityRequest.id)
            .where(ActivityRequest.office_id == office_id,
                   ActivityRequest.state.in_(results.AFTER_LETTER),
                   ActivityRequest.results_due_date.is_(None),
                   Letter.result == "fit", ActivityRequest.sent_at.is_not(None),
                   or_(*(getattr(ActivityRequest, c).is_not(None) for c in results.RELEASES)))
            .order_by(ActivityRequest.id)):
        results.schedule(session, req)
    session.flush()
    done = select(ReminderSent.id).where(
        ReminderSent.kind == "results_due", ReminderSent.object_type == "activity_request",
        ReminderSent.object_id == ActivityRequest.id)
    waiting_check = select(ActivityResult.id).where(
        ActivityResult.request_id == ActivityRequest.id, ActivityResult.state == "submitted")
    for req in session.scalars(
            select(ActivityRequest).where(
                ActivityRequest.office_id == office_id,
                ActivityRequest.state.in_(results.AFTER_LETTER),
                ActivityRequest.results_due_date.is_not(None),
                ~results.RECEIVED, ~done.exists(), ~waiting_check.exists())
            .order_by(ActivityRequest.id)).all():
        release = results.first_release(req)
        reached = [kind for kind, day in (("results_due", req.results_due_date),
                                          ("results_ask", release))
                   if day is not None and today > day]
        if not reached:
            continue
        claimed = [kind for kind in reached if once(kind, req)]
        if not claimed or claimed[0] != reached[0]:
            continue
        kind = reached[0]
        mails = notify.results_ask(session, req, results.releases(req),
                                   again=kind == "results_due")
        audit.record(session, None, req, kind, req.state, req.state, at=once.now)
        counts.add(kind, mails)
