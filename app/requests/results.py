"""The follow-up after the letter: the results of a recommended activity handed to BPS.

PP 51/1999 asks an agency whose activity BPS recommended to hand BPS its results. Once a "fit"
letter is sent, the request's ``results_due_date`` is the first planned release (Block VIII)
plus the office's ``results_due_days`` working days. After the release date the applicant is
asked for the results, and reminded on the due date (offices/reminders.py: ``results_ask``,
``results_due``); the applicant uploads the publication or gives its link on the request's
page (``submit``), an officer marks it received or returns it with a note (``check``). A
received result shows in the catalogue; a request past its due date with none received is
"overdue" (``OVERDUE``, the staff screen of those).

One front door each: the portal and the staff screens call ``submit`` and ``check``; every
step is an audit event of the request (``EVENTS``) and a mail.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, not_, select

from app import notify
from app.auth.roles import ADMIN, OFFICER, user_role_names
from app.core import audit
from app.core.errors import DomainError
from app.core.transactions import unit_of_work
from app.models import (
    RESULT_PRODUCTS,
    ActivityRequest,
    ActivityResult,
    RekomUser,
)
from app.offices.directory import office_info
from app.offices.workdays import office_calendar, utcnow
from app.requests import uploads

# The request states in which its letter has gone out (and results are awaited).
AFTER_LETTER = ("sent", "closed")
# The planned releases of Block VIII, in the form's order: column -> what the applicant reads.
RELEASES = {
    "release_date_printed": _l("Planned release: printed publication"),
    "release_date_digital": _l("Planned release: digital publication"),
    "release_date_microdata": _l("Planned release: microdata"),
}
EVENTS = {
    "results_submit": _l("Results handed in"),
    "results_receive": _l("Results received"),
    "results_return": _l("Results returned"),
}
LINK_MAX = ActivityResult.__table__.c.link.type.length
TITLE_MAX = ActivityResult.__table__.c.title.type.length
NOTE_MAX = 2000
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")

# Results received: what "results available" means (the catalogue, the overdue screen).
RECEIVED = exists().where(ActivityResult.request_id == ActivityRequest.id,
                          ActivityResult.state == "received")


def overdue_clause(today: dt.date):
    """Requests whose results are past due and none received (the overdue screen's filter)."""
    return and_(ActivityRequest.results_due_date < today,
                ActivityRequest.state.in_(AFTER_LETTER), not_(RECEIVED))


@dataclass
class Outcome:
    result: ActivityResult
    email_ids: list


class ResultsError(DomainError):
    """Results refused: ``errors`` holds the message of each field (``""``: the whole form)."""

    def __init__(self, errors: dict, status: int = 422):
        self.errors = errors
        super().__init__(" ".join(str(m) for m in errors.values()), status)


def first_release(req: ActivityRequest) -> Optional[dt.date]:
    days = [getattr(req, column) for column in RELEASES if getattr(req, column)]
    return min(days) if days else None


def releases(req: ActivityRequest) -> list:
    """(label, date) of each planned release the form gives."""
    return [(label, getattr(req, column)) for column, label in RELEASES.items()
            if getattr(req, column)]


def open_for_results(req: ActivityRequest) -> bool:
    """Results may be handed in: the request's "fit" letter is sent."""
    letter = req.letter
    return (req.state in AFTER_LETTER and req.sent_at is not None and letter is not None
            and letter.result == "fit")


def awaited(req: ActivityRequest) -> bool:
    """Results are asked of this request: its "fit" letter is sent and a release is planned."""
    return open_for_results(req) and first_release(req) is not None


def due_date(session, req: ActivityRequest) -> Optional[dt.date]:
    """When the results are due (None: none are asked of this request)."""
    if not awaited(req):
        return None
    info = office_info(session, req.office_id)
    days = (info.setting.results_due_days if info else None) or 30
    return office_calendar(session, req.office_id).add_working_days(first_release(req), days)


def schedule(session, req: ActivityRequest) -> None:
    """Set the request's results due date (the letter is being sent, or was before)."""
    req.results_due_date = due_date(session, req)


@dataclass
class Status:
    """Where a request's follow-up stands, as the applicant and the officers read it."""

    open: bool  # the form is offered
    awaited: bool = False
    release: Optional[dt.date] = None
    due: Optional[dt.date] = None
    asked: bool = False  # the first release has passed
    overdue: bool = False
    received: list = field(default_factory=list)
    pending: list = field(default_factory=list)
    returned: list = field(default_factory=list)


def status(req: ActivityRequest, today: dt.date) -> Status:
    results = list(req.results)
    by_state = {state: [r for r in results if r.state == state]
                for state in ("received", "submitted", "returned")}
    if not open_for_results(req) and not results:
        return Status(open=False)
    release = first_release(req)
    due = req.results_due_date
    return Status(
        open=open_for_results(req), awaited=awaited(req), release=release, due=due,
        asked=release is not None and today > release,
        overdue=due is not None and today > due and not by_state["received"],
        received=by_state["received"], pending=by_state["submitted"],
        returned=by_state["returned"])


# --- the writes --------------------------------------------------------------------------------


def _clean_link(link: str, errors: dict) -> Optional[str]:
    link = (link or "").strip()
    if not link:
        return None
    if len(link) > LINK_MAX:
        errors["link"] = _("The link is longer than %(max)d characters.", max=LINK_MAX)
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname or any(
            c.isspace() for c in link):
        errors["link"] = _("Give the link as a web address starting with https:// (or http://).")
        return None
    return link


def submit(session, req_id: int, actor, product: str, link: str = "", title: str = "",
           upload: Optional[uploads.CheckedFile] = None,
           now: Optional[dt.datetime] = None) -> Outcome:
    """Hand in a result (a link, or a file already checked by ``uploads.check``): the applicant
    of the request, once its letter is sent. Refused in words (ResultsError), nothing written;
    the officers are told."""
    now = now or utcnow()
    errors: dict = {}
    if product not in RESULT_PRODUCTS:
        errors["product"] = _("Choose what you are handing in.")
    # Bidirectional overrides would let a title pose as a file name ("…exe.pdf").
    title = BIDI_CONTROLS.sub("", title or "").strip() or None
    if title and len(title) > TITLE_MAX:
        errors["title"] = _("The title is longer than %(max)d characters.", max=TITLE_MAX)
    link = _clean_link(link, errors)
    if link is None and upload is None and "link" not in errors:
        errors[""] = _("Upload the publication or give its link.")
    if errors:
        raise ResultsError(errors)
    stored = None
    try:
        with unit_of_work(session):
            req = session.get(ActivityRequest, req_id, with_for_update=True)
            if req is None or req.applicant_id != actor.id:
                raise ResultsError({"": _("This request is not yours.")}, status=404)
            if not open_for_results(req):
                raise ResultsError({"": _("Results are handed in once a recommendation letter "
                                          "is sent.")})
            if upload is not None:
                stored = uploads.store(session, req.id, "results", upload, actor.id)
                session.flush()
            row = ActivityResult(request_id=req.id, product=product, title=title, link=link,
                                 attachment_id=stored.id if stored else None,
                                 state="submitted", submitted_by_id=actor.id, submitted_at=now)
            session.add(row)
            session.flush()
            audit.record(session, actor, req, "results_submit", req.state, req.state,
                         _describe(row), at=now)
            officers = ([session.get(RekomUser, req.officer_id)] if req.officer_id
                        else notify.office_staff(session, req.office_id, OFFICER))
            mails = notify.results_submitted(session, req, officers)
    except Exception:
        uploads.discard([stored] if stored else [])  # the file stored before the refusal
        raise
    return Outcome(row, [m.id for m in mails])


def check(session, result_id: int, actor, received: bool, note: str = "",
          now: Optional[dt.datetime] = None) -> Outcome:
    """An officer of the request's office (or an admin) marks a handed-in result received, or
    returns it to the applicant with a note (required). The applicant is told."""
    now = now or utcnow()
    note = (note or "").strip() or None
    with unit_of_work(session):
        row = session.get(ActivityResult, result_id, with_for_update=True)
        roles = user_role_names(actor)
        if row is None or not (ADMIN in roles or (
                OFFICER in roles and actor.office_id == row.request.office_id)):
            raise ResultsError({"": _("These results are not yours to check.")}, status=404)
        if row.state != "submitted":
            raise ResultsError({"": _("These results were checked already.")}, status=409)
        if not received and not note:
            raise ResultsError({"note": _("Please write why the results are returned.")})
        if note and len(note) > NOTE_MAX:
            raise ResultsError({"note": _("The note is longer than %(max)d characters.",
                                          max=NOTE_MAX)})
        row.state = "received" if received else "returned"
        row.checked_by_id, row.checked_at, row.check_note = actor.id, now, note
        req = row.request
        audit.record(session, actor, req, "results_receive" if received else "results_return",
                     req.state, req.state, note or _describe(row), at=now)
        mails = notify.results_checked(session, req, received, note)
    return Outcome(row, [m.id for m in mails])


def _describe(row: ActivityResult) -> str:
    what = str(RESULT_PRODUCTS[row.product])
    where = row.link or (row.attachment.original_name if row.attachment else "")
    return f"{what}: {row.title + ' — ' if row.title else ''}{where}"


def pending_for(session, office_id: int) -> list:
    """Results waiting for an officer's check in one office, oldest first."""
    return session.scalars(
        select(ActivityResult).join(ActivityRequest)
        .where(ActivityRequest.office_id == office_id, ActivityResult.state == "submitted")
        .order_by(ActivityResult.submitted_at, ActivityResult.id)).all()
