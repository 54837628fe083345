"""The staff home ("Tugas saya"): what waits on each role, as plain data.

Officer: the requests of their office waiting on them, by state (submitted: to start review;
in_review: to finish; verified: to draft; issued: to send; revision_requested is waiting on
the applicant and comes apart, uncounted), nearest due date first so the overdue ones lead;
the open complaints assigned to them or to nobody in their office; today's waiting tickets.
Head: the letters of their office to sign (drafted, or initialled where the office asks for a
section head's initials), oldest draft first. Section head: the drafted letters to initial.
Admin: failed e-mails, offices not set up (no settings row or no active checklist item), and
every office in short.

The filters of "waiting on this user" are written once (``_officer_requests``,
``_officer_complaints``) and serve both the home page and the menu's count (``task_count``,
one statement a page), so the two never disagree. No Flask here: callers pass the user's id,
office, roles, the office's day and time zone (workdays.office_today / office_timezone).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, literal, or_, select

from app.auth.roles import ADMIN, HEAD, OFFICE_STAFF, OFFICER, SECTION_HEAD
from app.core.process_cache import ProcessCache
from app.feedback.complaints import OPEN as OPEN_COMPLAINT
from app.feedback.complaints import deadline_status
from app.models import (
    RESULT_PRODUCTS,
    ActivityRequest,
    ActivityResult,
    ChecklistItem,
    Complaint,
    Letter,
    Office,
    OfficeSetting,
    OutboundEmail,
    QueueTicket,
)
from app.offices import targets
from app.offices.workdays import (
    SlaStatus,
    WorkCalendar,
    calendar_unconfirmed,
    office_calendar,
    sla_status,
)
from app.requests.workflow import CLOCK_RUNNING

R = ActivityRequest
SHOWN = 20  # rows listed per group; the group's total and a link to the full list say the rest

# The officer's groups, in the order of the workflow: (state, heading).
OFFICER_GROUPS = (
    ("submitted", _l("Waiting to start review")),
    ("in_review", _l("Reviews to finish")),
    ("verified", _l("Letters to draft")),
    ("issued", _l("Letters to send")),
)
AWAITING_APPLICANT = "revision_requested"
# Claimed actions (start review, revision, verify, draft) are the claiming officer's, or
# anyone's when nobody holds the request (workflow._check_claim); sending is not claimed.
_CLAIMED = ("submitted", "in_review", "verified", AWAITING_APPLICANT)
# Open requests whose promise can be overdue (sla_status: running, not paused, not sent).
RUNNING = CLOCK_RUNNING
# The admin's table of offices: their open requests, in the order of the workflow.
OFFICE_COLUMNS = ("submitted", "in_review", AWAITING_APPLICANT, "verified", "letter_drafted",
                  "letter_initialled", "issued")


@dataclass(frozen=True)
class RequestItem:
    id: int
    tracking_code: str
    title: str
    agency: str | None
    state: str
    due_date: dt.date | None
    sla: SlaStatus
    since: dt.datetime | None = None  # the head's list: when the letter was drafted


@dataclass(frozen=True)
class RequestGroup:
    state: str
    label: object
    items: list
    total: int


@dataclass(frozen=True)
class ComplaintItem:
    id: int
    tracking_code: str
    subject: str
    state: str
    mine: bool  # assigned to this officer (else to nobody yet)
    due_date: dt.date | None
    deadline: str  # complaints.deadline_status: "overdue", "ack_overdue" or ""
    sla: SlaStatus  # working days to the answer's due date


@dataclass(frozen=True)
class OfficeSummary:
    id: int
    code: str
    name: str
    states: dict  # request state -> count of the open ones
    overdue: int
    complaints: int
    waiting_tickets: int


# --- the filters ------------------------------------------------------------------------------


def _officer_requests(user_id: int, office_id: int, states=None):
    states = tuple(states or (s for s, _ in OFFICER_GROUPS))
    return and_(R.office_id == office_id, R.state.in_(states), or_(
        R.state.not_in(_CLAIMED), R.officer_id.is_(None), R.officer_id == user_id))


def _officer_complaints(user_id: int, office_id: int):
    return and_(Complaint.office_id == office_id, Complaint.state.in_(OPEN_COMPLAINT),
                or_(Complaint.assignee_id.is_(None), Complaint.assignee_id == user_id))


def _initials_asked(office_id: int):
    return exists().where(OfficeSetting.office_id == office_id,
                          OfficeSetting.initials_required.is_(True))


def _letters_to_sign(office_id: int):
    """Initialled letters, and drafted ones where the office asks for no initials (workflow:
    the signer issues them)."""
    return and_(R.office_id == office_id, or_(
        R.state == "letter_initialled",
        and_(R.state == "letter_drafted", ~_initials_asked(office_id))))


def _letters_to_initial(office_id: int):
    return and_(R.office_id == office_id, R.state == "letter_drafted", _initials_asked(office_id))


def _results_to_check(user_id: int, office_id: int):
    """Results handed in after the letter, waiting for a check: of the officer's requests, or
    of requests nobody handles (requests/results.py)."""
    return and_(ActivityResult.state == "submitted", R.id == ActivityResult.request_id,
                R.office_id == office_id, or_(R.officer_id == user_id, R.officer_id.is_(None)))


def _setup_checks():
    """(has a settings row, has an active checklist item) of an office: an active office
    missing either is not set up (its letters cannot be numbered, its reviews check nothing)."""
    return (exists().where(OfficeSetting.office_id == Office.id),
            exists().where(ChecklistItem.office_id == Office.id, ChecklistItem.active.is_(True)))


def _not_set_up(has_setting, has_checklist):
    return and_(Office.active.is_(True), or_(~has_setting, ~has_checklist))


# --- the menu's count -------------------------------------------------------------------------


def task_count(session, user_id: int, office_id: int | None, roles: set) -> int | None:
    """What waits on this user, in one statement; None for a user with no staff role.

    Officer: the requests of the groups above and the open complaints theirs or nobody's.
    Head: the letters to sign; section head: to initial. Admin: failed e-mails and offices not
    set up."""
    # count(*), not count(id): PostgreSQL then answers the requests' counts from the index
    # alone (ix_request_office_state_officer holds no id: count(id) read the table, 75-88 ms
    # a page at 100 000 requests, bench/README.md "National scale").
    parts = []
    if OFFICER in roles and office_id is not None:
        parts.append(select(func.count()).select_from(R)
                     .where(_officer_requests(user_id, office_id)))
        parts.append(select(func.count(Complaint.id))
                     .where(_officer_complaints(user_id, office_id)))
        parts.append(select(func.count(ActivityResult.id))
                     .where(_results_to_check(user_id, office_id)))
    if HEAD in roles and office_id is not None:
        parts.append(select(func.count()).select_from(R).where(_letters_to_sign(office_id)))
    if SECTION_HEAD in roles and office_id is not None:
        parts.append(select(func.count()).select_from(R)
                     .where(_letters_to_initial(office_id)))
    if ADMIN in roles:
        parts.append(select(func.count(OutboundEmail.id)).where(OutboundEmail.state == "failed"))
        parts.append(select(func.count(Office.id)).where(_not_set_up(*_setup_checks())))
    if not roles & (OFFICE_STAFF | {ADMIN}):
        return None
    if not parts:
        return 0
    total = literal(0)
    for part in parts:
        total = total + part.scalar_subquery()
    return int(session.scalar(select(total)) or 0)


# The badge is on every staff page; counting it was ~1.7 ms of a ~16 ms list page (bench/README.md
# "The officers' list against a fair bare page"). Kept per user for BADGE_TTL_S: a write to one of
# these tables in this process forgets every kept count (process_cache), another worker's
# write shows within the TTL. The home page itself counts afresh (``fresh=True``).
BADGE_TTL_S = 20.0
_badges = ProcessCache("task_badge", BADGE_TTL_S,
                       (ActivityRequest, ActivityResult, ChecklistItem, Complaint, Letter, Office,
                        OfficeSetting, OutboundEmail))


def task_badge(session, user_id: int, office_id: int | None, roles: set,
               fresh: bool = False) -> int | None:
    """``task_count``, kept for a short while (the menu's badge)."""
    key = (user_id, office_id, frozenset(roles))
    if fresh:
        _badges.forget(session, key)
    return _badges.get(session, key, lambda: task_count(session, user_id, office_id, roles))


# --- the officer ------------------------------------------------------------------------------


def _open_requests(session, where, limit=SHOWN):
    """The first ``limit`` requests of each state under ``where``, the nearest due date first
    (the overdue ones lead; one without a due date, not expected once submitted, comes last),
    each with its state's total: one query (window functions, SQLite and PostgreSQL alike)."""
    inner = (
        select(R.id, R.tracking_code, R.title, R.agency_name, R.state, R.due_date,
               R.clock_paused_at, R.sent_at,
               func.row_number().over(partition_by=R.state,
                                      order_by=(R.due_date.is_(None), R.due_date, R.id))
               .label("rn"),
               func.count().over(partition_by=R.state).label("total"))
        .where(where)
        .subquery()
    )
    return session.execute(select(inner).where(inner.c.rn <= limit)
                           .order_by(inner.c.state, inner.c.rn)).all()


def officer_home(session, user_id: int, office_id: int, today: dt.date, tz: str) -> dict:
    calendar = office_calendar(session, office_id)
    where = _officer_requests(user_id, office_id,
                              [s for s, _ in OFFICER_GROUPS] + [AWAITING_APPLICANT])
    rows = _open_requests(session, where)
    items: dict = {}
    totals: dict = {}
    for row in rows:
        items.setdefault(row.state, []).append(RequestItem(
            row.id, row.tracking_code, row.title, row.agency_name, row.state, row.due_date,
            sla_status(row, today, calendar, tz)))
        totals[row.state] = row.total
    groups = [RequestGroup(state, label, items.get(state, []), totals.get(state, 0))
              for state, label in OFFICER_GROUPS]
    awaiting = RequestGroup(AWAITING_APPLICANT, _l("Waiting on the applicant (revision "
                                                   "requested)"),
                            items.get(AWAITING_APPLICANT, []), totals.get(AWAITING_APPLICANT, 0))
    complaints, complaint_total = officer_complaints(session, user_id, office_id, today,
                                                     calendar)
    waiting, waiting_total = waiting_tickets(session, office_id, today)
    results = session.execute(
        select(ActivityResult.id, ActivityResult.product, ActivityResult.submitted_at,
               R.id.label("request_id"), R.tracking_code, R.title,
               func.count().over().label("total"))
        .where(_results_to_check(user_id, office_id))
        .order_by(ActivityResult.submitted_at, ActivityResult.id).limit(SHOWN)).all()
    results_total = results[0].total if results else 0
    return {
        "groups": groups,
        "awaiting_applicant": awaiting,
        "complaints": complaints,
        "complaint_total": complaint_total,
        "tickets": waiting,
        "ticket_total": waiting_total,
        # The office's requests past an intermediate target (none when it sets none).
        "targets": targets.missed(session, office_id, today, tz, calendar),
        # Results of recommended activities handed in, to mark received or return.
        "results": [(row, RESULT_PRODUCTS.get(row.product, row.product)) for row in results],
        "results_total": results_total,
        "count": sum(g.total for g in groups) + complaint_total + results_total,
    }


def officer_complaints(session, user_id: int, office_id: int, today: dt.date,
                       calendar: WorkCalendar, limit: int = SHOWN):
    """The open complaints theirs or nobody's, the nearest answer deadline first."""
    C = Complaint
    rows = session.execute(
        select(C.id, C.tracking_code, C.subject, C.state, C.assignee_id, C.ack_due_date,
               C.due_date, func.count().over().label("total"))
        .where(_officer_complaints(user_id, office_id))
        .order_by(C.due_date.is_(None), C.due_date, C.id)
        .limit(limit)
    ).all()
    items = [ComplaintItem(r.id, r.tracking_code, r.subject, r.state, r.assignee_id == user_id,
                           r.due_date, deadline_status(r, today), _days_to(r.due_date, today,
                                                                            calendar))
             for r in rows]
    return items, (rows[0].total if rows else 0)


def _days_to(due: dt.date | None, today: dt.date, calendar: WorkCalendar) -> SlaStatus:
    """Working days from today to ``due``, as the requests' promise counts them."""
    if due is None:
        return SlaStatus("none")
    if today <= due:
        return SlaStatus("running", calendar.working_days_between(today, due))
    return SlaStatus("running", -calendar.working_days_between(due, today), overdue=True)


def waiting_tickets(session, office_id: int, today: dt.date, limit: int = SHOWN):
    """Today's waiting tickets of the office, lowest number first, and how many wait."""
    rows = session.execute(
        select(QueueTicket.number, func.count().over().label("total"))
        .where(QueueTicket.office_id == office_id, QueueTicket.service_date == today,
               QueueTicket.state == "waiting")
        .order_by(QueueTicket.number)
        .limit(limit)
    ).all()
    return [r.number for r in rows], (rows[0].total if rows else 0)


# --- the head ---------------------------------------------------------------------------------


def _letters(session, office_id: int, where, today: dt.date, tz: str, limit: int) -> dict:
    """The letters under ``where``, the oldest draft first."""
    calendar = office_calendar(session, office_id)
    rows = session.execute(
        select(R.id, R.tracking_code, R.title, R.agency_name, R.state, R.due_date,
               R.clock_paused_at, R.sent_at, Letter.drafted_at,
               func.count().over().label("total"))
        .outerjoin(Letter, Letter.request_id == R.id)
        .where(where)
        .order_by(Letter.drafted_at.is_(None), Letter.drafted_at, R.id)
        .limit(limit)
    ).all()
    items = [RequestItem(r.id, r.tracking_code, r.title, r.agency_name, r.state, r.due_date,
                         sla_status(r, today, calendar, tz), r.drafted_at) for r in rows]
    return {"letters": items, "total": rows[0].total if rows else 0}


def head_home(session, office_id: int, today: dt.date, tz: str, limit: int = 50) -> dict:
    """The letters to sign, the oldest draft first; ``state``: the list's filter, the state
    they wait in."""
    home = _letters(session, office_id, _letters_to_sign(office_id), today, tz, limit)
    asked = bool(session.scalar(select(_initials_asked(office_id))))
    home["state"] = "letter_initialled" if asked else "letter_drafted"
    return home


def section_head_home(session, office_id: int, today: dt.date, tz: str,
                      limit: int = 50) -> dict:
    """The drafted letters to initial (none where the office asks for no initials)."""
    home = _letters(session, office_id, _letters_to_initial(office_id), today, tz, limit)
    home["asked"] = bool(session.scalar(select(_initials_asked(office_id))))
    return home


# --- the admin --------------------------------------------------------------------------------


def admin_home(session, today: dt.date, mails_shown: int = 5) -> dict:
    failed = session.execute(
        select(OutboundEmail.id, OutboundEmail.recipient, OutboundEmail.subject,
               OutboundEmail.created_at, func.count().over().label("total"))
        .where(OutboundEmail.state == "failed")
        .order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc())
        .limit(mails_shown)
    ).all()
    has_setting, has_checklist = _setup_checks()
    not_set_up = session.execute(
        select(Office.id, Office.code, Office.name, has_setting.label("has_setting"),
               has_checklist.label("has_checklist"))
        .where(_not_set_up(has_setting, has_checklist)).order_by(Office.code)
    ).all()
    return {
        "failed_mails": failed,
        "failed_total": failed[0].total if failed else 0,
        "not_set_up": not_set_up,
        "offices": office_summaries(session, today),
        # Next year's days off still estimated, none entered for it: the year, else None.
        "calendar_year": calendar_unconfirmed(session, today),
    }


def office_summaries(session, today: dt.date) -> list:
    """Every active office in short: its open requests by state, the overdue ones, open
    complaints and today's waiting tickets (four grouped queries)."""
    offices = session.execute(select(Office.id, Office.code, Office.name)
                              .where(Office.active.is_(True)).order_by(Office.code)).all()
    states: dict = {}
    for office_id, state, count in session.execute(
            select(R.office_id, R.state, func.count(R.id))
            .where(R.state.in_(OFFICE_COLUMNS))
            .group_by(R.office_id, R.state)):
        states.setdefault(office_id, {})[state] = count
    # Overdue as sla_status says: running (not paused, not sent) and past its due date.
    overdue = dict(session.execute(
        select(R.office_id, func.count(R.id))
        .where(R.state.in_(RUNNING), R.due_date < today, R.clock_paused_at.is_(None),
               R.sent_at.is_(None))
        .group_by(R.office_id)).all())
    complaints = dict(session.execute(
        select(Complaint.office_id, func.count(Complaint.id))
        .where(Complaint.state.in_(OPEN_COMPLAINT)).group_by(Complaint.office_id)).all())
    tickets = dict(session.execute(
        select(QueueTicket.office_id, func.count(QueueTicket.id))
        .where(QueueTicket.service_date == today, QueueTicket.state == "waiting")
        .group_by(QueueTicket.office_id)).all())
    return [OfficeSummary(o.id, o.code, o.name, states.get(o.id, {}), overdue.get(o.id, 0),
                          complaints.get(o.id, 0), tickets.get(o.id, 0)) for o in offices]
