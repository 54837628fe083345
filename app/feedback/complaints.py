"""Complaints: filing (any channel), deadlines in working days, and their handling by officers.

States: received → in_progress (an officer takes it) → answered (the answer is e-mailed to the
reporter through the outbox) → closed. Each step writes an audit event; the public page of a
complaint (feedback/pages.py) shows its state, deadlines and answer by tracking code.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from app import notify
from app.auth.roles import ADMIN, OFFICER, user_role_names
from app.core import audit, codes, public_urls
from app.core.errors import DomainError
from app.core.transactions import unit_of_work
from app.models import COMPLAINT_STATES, Complaint
from app.offices import workdays
from app.offices.directory import DEFAULT_SETTING, office_info
from app.offices.workdays import local_date, office_calendar


def complaint_days(session, office_id: int) -> tuple[int, int]:
    """(acknowledge within, answer within) working days: the office's settings."""
    info = office_info(session, office_id)
    setting = (info.setting if info else None) or DEFAULT_SETTING
    ack_days = setting.complaint_ack_days or DEFAULT_SETTING.complaint_ack_days
    answer_days = setting.complaint_answer_days or DEFAULT_SETTING.complaint_answer_days
    return ack_days, answer_days


def complaint_deadlines(session, office_id: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """(acknowledge by, answer by): the office's working days counted from ``today``
    (``today`` itself never counts)."""
    ack_days, answer_days = complaint_days(session, office_id)
    calendar = office_calendar(session, office_id)
    return (calendar.add_working_days(today, ack_days),
            calendar.add_working_days(today, answer_days))


def _new_tracking_code(session) -> str:
    while True:  # a clash is astronomically rare; never hand out a used code
        code = codes.tracking_code("ADU")
        if session.scalar(select(Complaint.id).where(Complaint.tracking_code == code)) is None:
            return code


def complaint_url(complaint: Complaint) -> str:
    return public_urls.complaint_url(complaint.tracking_code)


def long_date(value) -> str | None:
    return format_date(value, "long") if value else None


def queue_acknowledgement(session, complaint: Complaint, days: int):
    """The reporter's acknowledgement (in the office language), added to ``session``.
    ``days``: the working days the office takes to answer."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        subject = _("Complaint %(code)s received", code=complaint.tracking_code)
        context = dict(
            complaint=complaint, office=complaint.office, subject=subject,
            name=complaint.reporter_name or _("Sir/Madam"),
            lang=current_app.config.get("BABEL_DEFAULT_LOCALE") or "id",
            track_url=complaint_url(complaint),
            received=long_date(complaint_received_on(complaint)),
            ack_due=long_date(complaint.ack_due_date), due=long_date(complaint.due_date),
            days=days,
        )
        return notify.queue(
            session, recipient=complaint.reporter_email, subject=subject,
            text=render_template("email/complaint_received.txt", **context),
            html=render_template("email/complaint_received.html", **context),
            office_id=complaint.office_id,
        )


def complaint_received_on(complaint: Complaint) -> dt.date:
    """The office's calendar day the complaint arrived on."""
    return local_date(complaint.created_at, workdays.office_timezone())


def file_complaint(session, *, office_id: int, subject: str, text: str, reporter=None,
                   name: str | None = None, email: str | None = None, phone: str | None = None,
                   request_id: int | None = None, channel: str = "web",
                   today: dt.date | None = None, now: dt.datetime | None = None):
    """Create the complaint and queue its acknowledgement; commit. Returns (complaint, mail
    ids). ``today`` (the office's day, for the deadlines) and ``now`` are injectable."""
    now = now or workdays.utcnow()
    today = today or workdays.office_today()
    ack_due, due = complaint_deadlines(session, office_id, today)
    with unit_of_work(session):
        complaint = Complaint(
            tracking_code=_new_tracking_code(session), office_id=office_id, channel=channel,
            state="received", reporter_name=name or None, reporter_email=email or None,
            reporter_phone=phone or None, reporter_id=reporter.id if reporter else None,
            request_id=request_id, subject=subject, text=text, created_at=now,
            ack_due_date=ack_due, due_date=due,
        )
        session.add(complaint)
        session.flush()
        mails = []
        if complaint.reporter_email:
            mails.append(queue_acknowledgement(session, complaint,
                                               complaint_days(session, office_id)[1]))
        session.flush()
        mail_ids = [m.id for m in mails]
    return complaint, mail_ids


# --- handling by officers ----------------------------------------------------------------------

OPEN = frozenset({"received", "in_progress"})
# action -> (states it may be taken from, resulting state)
HANDLING = {
    "take": (frozenset({"received"}), "in_progress"),
    "answer": (OPEN, "answered"),
    "close": (frozenset({"answered"}), "closed"),
}


class ComplaintError(DomainError):
    """A refused handling step; nothing was written."""


def deadline_status(complaint: Complaint, today: dt.date) -> str:
    """"overdue" (no answer by the due date), "ack_overdue" (not taken up in time), or ""."""
    if complaint.state in OPEN and complaint.due_date and today > complaint.due_date:
        return "overdue"
    if complaint.state == "received" and complaint.ack_due_date and today > complaint.ack_due_date:
        return "ack_overdue"
    return ""


def _may_handle(actor, complaint) -> bool:
    roles = user_role_names(actor)
    return ADMIN in roles or (OFFICER in roles and actor.office_id == complaint.office_id)


def queue_answer(session, complaint: Complaint):
    """The answer, e-mailed to the reporter (in the office language)."""
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        subject = _("Answer to your complaint %(code)s", code=complaint.tracking_code)
        context = dict(complaint=complaint, office=complaint.office, subject=subject,
                       name=complaint.reporter_name or _("Sir/Madam"),
                       lang=current_app.config.get("BABEL_DEFAULT_LOCALE") or "id",
                       url=complaint_url(complaint), url_label=_("Follow your complaint"))
        return notify.queue(
            session, recipient=complaint.reporter_email, subject=subject,
            text=render_template("email/complaint_answered.txt", **context),
            html=render_template("email/complaint_answered.html", **context),
            office_id=complaint.office_id,
        )


def handle(session, complaint_id: int, action: str, actor, text: str | None = None,
           now: dt.datetime | None = None):
    """Take one handling step as ``actor``; commit and return (complaint, mail ids), or raise
    ComplaintError having written nothing."""
    if action not in HANDLING:
        raise ComplaintError(_("Unknown action \"%(action)s\".", action=action), status=404)
    sources, target = HANDLING[action]
    now = now or workdays.utcnow()
    with unit_of_work(session):
        complaint = session.get(Complaint, complaint_id, with_for_update=True,
                                populate_existing=True)
        if complaint is None:
            raise ComplaintError(_("Complaint not found"), status=404)
        if not _may_handle(actor, complaint):
            raise ComplaintError(_("This complaint is not yours to handle."), status=403)
        if complaint.state not in sources:
            raise ComplaintError(_("The complaint is %(state)s: this step is not possible now.",
                                   state=COMPLAINT_STATES[complaint.state]))
        text = (text or "").strip() or None
        if action == "answer" and not text:
            raise ComplaintError(_("Please write the answer."))
        from_state, mails = complaint.state, []
        complaint.assignee_id = complaint.assignee_id or actor.id
        complaint.acknowledged_at = complaint.acknowledged_at or now
        if action == "answer":
            complaint.answer, complaint.answered_at = text, now
            if complaint.reporter_email:
                mails.append(queue_answer(session, complaint))
        elif action == "close":
            complaint.closed_at = now
        complaint.state = target
        audit.record(session, actor, complaint, action, from_state, target, text, at=now)
        session.flush()
        mail_ids = [m.id for m in mails]
    return complaint, mail_ids
