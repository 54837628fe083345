"""E-mail through an outbox (design.md, "E-mail").

Every message is first an ``OutboundEmail`` row written in the caller's transaction (``queue``
adds one to the session; the request notifications insert theirs at once), so it commits or
rolls back with the event that caused it. The builders return the rows they wrote: each has
``id``, ``recipient``, ``subject``, ``body_text`` … (an ORM object or a result row).
``send_due`` then delivers due rows through Flask-Mail, one row per transaction, retrying
failures with backoff; ``try_send_now`` is a web request's immediate attempt, ``flask outbox
send`` drains the rest. Without a mail server (``mail_configured()`` false: the embedded
default) nothing leaves: each message is *held* in the outbox, where the admin's Outbox screen
shows it with its links, and a log line says where to read it.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_mail import Connection, Message, email_dispatched
from markupsafe import escape
from sqlalchemy import bindparam, insert, select, update

from app.auth.roles import ADMIN, OFFICER, SECTION_HEAD, holders_of
from app.core import public_urls
from app.letters import document as letters
from app.models import ActivityRequest, Letter, OutboundEmail, RekomUser
from app.offices.directory import default_office, office_info
from app.offices.workdays import utcnow
from app.requests import form_pdf

log = logging.getLogger(__name__)

BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
ERROR_MAX_CHARS = 1000


def _log_message(app, message, **_kwargs):
    if app.config.get("MAIL_LOG_ONLY"):
        log.info(
            "mail not sent (no MAIL_SERVER): to=%s subject=%r\n%s",
            ", ".join(message.send_to), message.subject, message.body or "",
        )


def init_app(app: Flask) -> None:
    # Flask-Mail's suppress mode skips SMTP but still signals each message: log it there.
    app.config["MAIL_SUPPRESS_SEND"] = bool(
        app.config.get("MAIL_LOG_ONLY") or app.config.get("MAIL_SUPPRESS_SEND")
    )
    email_dispatched.connect(_log_message, weak=False)


# --- Queueing --------------------------------------------------------------------------------


def _pending(message: dict, now: dt.datetime) -> dict:
    """One outbox row's columns: the message, waiting to be sent from ``now`` on."""
    return dict(message, subject=message["subject"][:300], state="pending", attempts=0,
                created_at=now, next_attempt_at=now)


def queue(session, *, recipient: str, subject: str, text: str, html: str | None = None,
          office_id: int | None = None, letter_id: int | None = None) -> OutboundEmail:
    """Add one pending message to ``session``; the caller commits it with its own event."""
    row = OutboundEmail(**_pending(dict(
        recipient=recipient, subject=subject, body_text=text, body_html=html,
        office_id=office_id, letter_id=letter_id), utcnow()))
    session.add(row)
    return row


_OUTBOX = OutboundEmail.__table__


def _queue_all(session, messages: list[dict]) -> list:
    """Write several pending messages at once, in the caller's transaction like ``queue``: one
    INSERT … RETURNING, no ORM objects (the unit of work sends one INSERT per row on SQLite).
    Returns the rows as written (``.id``, ``.recipient``, ``.body_text`` …)."""
    if not messages:
        return []
    now = utcnow()
    return session.execute(insert(_OUTBOX).returning(*_OUTBOX.c),
                           [_pending(m, now) for m in messages]).all()


# --- Notifications ---------------------------------------------------------------------------


def _account_mail(session, name: str, person, subject, url: str, url_label) -> OutboundEmail:
    office = default_office(session)  # account mails belong to no request
    context = dict(office=office, name=_name(person), subject=subject, url=url,
                   url_label=url_label,
                   lang=current_app.config.get("BABEL_DEFAULT_LOCALE") or "id")
    return queue(session, recipient=person.email, subject=subject,
                 text=render_template(f"email/{name}.txt", **context),
                 html=render_template(f"email/{name}.html", **context),
                 office_id=office.id if office else None)


def account_activation(session, registration, url: str) -> list[OutboundEmail]:
    """The link that turns a registration into an account."""
    with _office_locale():
        return [_account_mail(session, "account_activation", registration,
                              _("Activate your Rekomstat account"), url,
                              _("Activate my account"))]


def account_invitation(session, user, url: str) -> list[OutboundEmail]:
    """An account made for a walk-in applicant: choose a password, follow the request online."""
    with _office_locale():
        return [_account_mail(session, "account_invitation", user,
                              _("Your Rekomstat account"), url, _("Choose a password"))]


def password_reset(session, user, url: str) -> list[OutboundEmail]:
    with _office_locale():
        return [_account_mail(session, "password_reset", user, _("Reset your password"), url,
                              _("Choose a new password"))]


def request_url(req: ActivityRequest) -> str:
    return public_urls.request_url(req.id)


def staff_request_url(req: ActivityRequest) -> str:
    return public_urls.staff_request_url(req.id)


def verify_url(letter: Letter) -> str:
    """The same URL as the letter's QR code (workflow renders it from public_urls too)."""
    return public_urls.verify_url(letter.verification_code)


def _office_locale():
    """Mails go out in the office language, whatever language the acting user browses in."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id")


def _name(user) -> str:
    # "-" is the placeholder bootstrap.create_user puts in FAB's required last name.
    parts = [p.strip() for p in (user.first_name, user.last_name) if p and p.strip() != "-"]
    return " ".join(parts) or user.username


def _sla_days(session, office_id: int) -> int:
    info = office_info(session, office_id)
    return (info.setting.sla_working_days if info else None) or 30


def _date(value) -> str | None:
    return format_date(value, "long") if value else None


# Stands for the recipient's name while a mail to several people is rendered once; no name
# holds it (private-use characters), and it needs no HTML escaping.
_NAME_SLOT = "\ue000name\ue000"


def _template_rows(session, name: str, users, subject: str, req: ActivityRequest,
                   letter_id: int | None = None, **context) -> list[dict]:
    """Render email/<name>.txt and .html (call inside ``_office_locale``): one message per
    user, not yet written. The mail is rendered once; each user's name then fills the greeting
    (an office with ten officers would otherwise render the same mail ten times in the
    request)."""
    return _office_rows(session, name, users, subject, req.office_id, letter_id, req=req,
                        **context)


def _office_rows(session, name: str, users, subject: str, office_id: int,
                 letter_id: int | None = None, **context) -> list[dict]:
    """``_template_rows`` of a mail about the office, not one request (a digest)."""
    context.update(
        office=office_info(session, office_id).office,
        name=_name(users[0]) if len(users) == 1 else _NAME_SLOT, subject=subject,
        lang=current_app.config.get("BABEL_DEFAULT_LOCALE") or "id",
    )
    text = render_template(f"email/{name}.txt", **context)
    html = render_template(f"email/{name}.html", **context)
    names = [_name(user) for user in users]
    return [dict(
        recipient=user.email, subject=subject, office_id=office_id, letter_id=letter_id,
        body_text=text.replace(_NAME_SLOT, person),
        body_html=html.replace(_NAME_SLOT, str(escape(person))),
    ) for user, person in zip(users, names)]


def _applicant_rows(session, req: ActivityRequest, name: str, subject: str,
                    letter_id: int | None = None, **context) -> list[dict]:
    """The message to the applicant (none when the account has no address), not yet written.

    Call inside ``_office_locale``; the subject is a literal ``_()`` at the caller so that
    Babel extracts it.
    """
    applicant = req.applicant
    if applicant is None or not applicant.email:
        return []
    context.setdefault("url", request_url(req))
    return _template_rows(session, name, [applicant], subject, req, letter_id, **context)


def _to_applicant(session, req: ActivityRequest, name: str, subject: str,
                  letter_id: int | None = None, **context) -> list:
    """One mail to the applicant, queued (see ``_applicant_rows``)."""
    return _queue_all(session, _applicant_rows(session, req, name, subject, letter_id, **context))


def _received_rows(session, req: ActivityRequest, sla_days: int | None) -> list[dict]:
    with _office_locale():
        return _applicant_rows(
            session, req, "submission_received",
            _("Request %(code)s received", code=req.tracking_code), due=_date(req.due_date),
            days=sla_days if sla_days is not None else _sla_days(session, req.office_id),
        )


def _officers_rows(session, req: ActivityRequest) -> list[dict]:
    officers = [o for o in office_officers(session, req.office_id) if o.email]
    if not officers:
        return []
    with _office_locale():
        subject = _("Request %(code)s is waiting for review", code=req.tracking_code)
        return _template_rows(session, "new_submission", officers, subject, req,
                              url=staff_request_url(req), due=_date(req.due_date))


def submission_received(session, req: ActivityRequest,
                        sla_days: int | None = None) -> list:
    """Applicant: tracking code, title, the SLA promise and, once known, the due date.
    ``sla_days``: the office's promise when the caller has read it already."""
    return _queue_all(session, _received_rows(session, req, sla_days))


def submitted(session, req: ActivityRequest, sla_days: int | None = None) -> list:
    """A submission's mails: the applicant's receipt (``submission_received``) and the notice
    to each officer (``new_submission_for_officers``), queued in one INSERT."""
    return _queue_all(session, _received_rows(session, req, sla_days)
                      + _officers_rows(session, req))


# Built once: constructing the statement cost as much as running it (every submission asks).
_OFFICE_STAFF = (
    select(RekomUser.id, RekomUser.first_name, RekomUser.last_name, RekomUser.username,
           RekomUser.email)
    # By the link tables (roles.holders_of), not RekomUser.roles: a backref, which exists only
    # once the mappers are configured, and this module may be imported before that.
    .where(RekomUser.id.in_(holders_of(bindparam("role"))), RekomUser.active.is_(True),
           RekomUser.office_id == bindparam("office_id"))
    .order_by(RekomUser.id)
)


def office_staff(session, office_id: int, role: str = OFFICER) -> list:
    """Active users with ``role`` in the office: id, names, username and e-mail (what a mail to
    them needs, without loading whole accounts)."""
    return list(session.execute(_OFFICE_STAFF, {"office_id": office_id, "role": role}))


def admins(session) -> list:
    """Active administrators, whatever their office (names and e-mail, as office_staff)."""
    statement = (
        select(RekomUser.id, RekomUser.first_name, RekomUser.last_name, RekomUser.username,
               RekomUser.email)
        .where(RekomUser.id.in_(holders_of((ADMIN,))), RekomUser.active.is_(True))
        .order_by(RekomUser.id))
    return list(session.execute(statement))


def office_officers(session, office_id: int) -> list:
    return office_staff(session, office_id, OFFICER)


def new_submission_for_officers(session, req: ActivityRequest) -> list:
    """One mail per officer of the request's office (submission and resubmission)."""
    return _queue_all(session, _officers_rows(session, req))


def revision_requested(session, req: ActivityRequest, notes: str | None) -> list:
    """Applicant: the officers' notes; the SLA clock stands still meanwhile."""
    with _office_locale():
        return _to_applicant(
            session, req, "revision_requested",
            _("Request %(code)s needs revision", code=req.tracking_code),
            notes=(notes or "").strip(), days=_sla_days(session, req.office_id),
        )


def verified(session, req: ActivityRequest) -> list:
    """Applicant: the design is complete and clear; the letter is being prepared."""
    with _office_locale():
        return _to_applicant(session, req, "verified",
                             _("Request %(code)s verified", code=req.tracking_code))


def _letter_step(session, req: ActivityRequest, users, subject: str, lead: str,
                 notes: str | None = None) -> list:
    """One mail per person who takes the next step of the sign-off chain."""
    users = [u for u in users if u.email]
    if not users:
        return []
    return _queue_all(session, _template_rows(
        session, "letter_step", users, subject, req, url=staff_request_url(req),
        due=_date(req.due_date), lead=lead, notes=(notes or "").strip()))


def letter_to_initial(session, req: ActivityRequest) -> list:
    """The office's section heads: a drafted letter waits for their initials."""
    with _office_locale():
        return _letter_step(
            session, req, office_staff(session, req.office_id, SECTION_HEAD),
            _("Letter for request %(code)s is waiting for your initials",
              code=req.tracking_code),
            _("A draft recommendation letter is waiting for a section head's initials before "
              "it is signed."))


def letter_to_sign(session, req: ActivityRequest, signer_role: str) -> list:
    """The office's signers: a letter is ready to be signed and issued."""
    with _office_locale():
        return _letter_step(
            session, req, office_staff(session, req.office_id, signer_role),
            _("Letter for request %(code)s is waiting for your signature",
              code=req.tracking_code),
            _("A recommendation letter is ready to be signed and issued."))


def draft_returned(session, req: ActivityRequest, letter: Letter, notes: str | None) -> list:
    """The officer who drafted the letter: it came back, with the reasons."""
    drafter = letter.drafted_by
    if drafter is None:
        return []
    with _office_locale():
        return _letter_step(
            session, req, [drafter],
            _("Draft letter for request %(code)s was returned", code=req.tracking_code),
            _("The draft recommendation letter was returned to you. Please revise it and "
              "draft it again."), notes)


def letter_sent(session, req: ActivityRequest, letter: Letter) -> list:
    """Applicant: number, date, verification link; the sender attaches the letter's PDF and
    what its "Lampiran" line names, the form with BPS's review result (``_message``)."""
    with _office_locale():
        return _to_applicant(
            session, req, "letter_sent",
            _("Recommendation letter for request %(code)s", code=req.tracking_code),
            letter_id=letter.id, letter=letter, letter_date=_date(letter.letter_date),
            verify=verify_url(letter), form=letters.attachment_name(req.kind),
        )


# --- Reminders (offices/reminders.py decides who and when; these write the mails) ----------


def _with_address(users) -> list:
    return [u for u in users if u.email]


def reminder_officers(session, req: ActivityRequest, users, percent: int, days_left: int
                      ) -> list:
    """The officer handling a request (or every officer, before one takes it up): ``percent``
    of its working days are used."""
    users = _with_address(users)
    if not users:
        return []
    with _office_locale():
        return _queue_all(session, _template_rows(
            session, "reminder_officer", users,
            _("Request %(code)s: %(percent)d%% of the working days used", code=req.tracking_code,
              percent=percent),
            req, url=staff_request_url(req), due=_date(req.due_date), percent=percent,
            days_left=days_left))


def head_digest(session, office_id: int, users, late: list, complaints: list) -> list:
    """The head's daily digest: every request past its due date (``late``: (request, working
    days overdue, new today)) and every complaint past its answer's due date."""
    users = _with_address(users)
    if not users:
        return []
    with _office_locale():
        count = len(late) + len(complaints)
        return _queue_all(session, _office_rows(
            session, "head_digest", users,
            _("%(num)d overdue item(s) in your office today", num=count), office_id,
            late=[(req, days, new, staff_request_url(req), _date(req.due_date))
                  for req, days, new in late],
            complaints=[(c, public_urls.staff_complaint_url(c.id), _date(c.due_date))
                        for c in complaints]))


def revision_reminder(session, req: ActivityRequest, waited: int, again: bool) -> list:
    """The applicant: the officers' revision has waited ``waited`` working days; the link
    opens the form."""
    with _office_locale():
        subject = (_("Second reminder: request %(code)s is waiting for your revision",
                     code=req.tracking_code) if again else
                   _("Reminder: request %(code)s is waiting for your revision",
                     code=req.tracking_code))
        return _to_applicant(session, req, "reminder_revision", subject,
                             url=public_urls.request_form_url(req.id),
                             url_label=_("Open the form"), waited=waited,
                             notes=_revision_notes(req))


def _revision_notes(req: ActivityRequest) -> str:
    reviews = [r for r in req.reviews if r.outcome == "revision" and r.notes]
    return max(reviews, key=lambda r: r.round).notes if reviews else ""


# --- Follow-up after the letter (requests/results.py) ---------------------------------------


def _results_step(session, req: ActivityRequest, users, subject: str, lead: str, url: str,
                  url_label, notes: str | None = None, releases=()) -> list:
    users = _with_address(users)
    if not users:
        return []
    return _queue_all(session, _template_rows(
        session, "results_step", users, subject, req, url=url, url_label=url_label, lead=lead,
        notes=(notes or "").strip(), due=_date(req.results_due_date),
        releases=[(label, _date(day)) for label, day in releases]))


def results_ask(session, req: ActivityRequest, releases, again: bool) -> list:
    """The applicant: the planned release has passed; hand the results (``again``: they are
    overdue now)."""
    with _office_locale():
        if again:
            subject = _("Reminder: the results of %(code)s are overdue", code=req.tracking_code)
            lead = _("The results of your recommended activity were due to be handed to BPS by "
                     "the date below (PP 51/1999) and have not been received yet. Please upload "
                     "the publication or give its link.")
        else:
            subject = _("Please hand the results of %(code)s to BPS", code=req.tracking_code)
            lead = _("The planned release date of your recommended activity has passed. As PP "
                     "51/1999 asks, please hand its results to BPS: upload the publication or "
                     "give its link on your request's page.")
        return _results_step(session, req, [req.applicant] if req.applicant else [], subject,
                             lead, public_urls.request_url(req.id) + "#results",
                             _("Hand the results"), releases=releases)


def results_submitted(session, req: ActivityRequest, users) -> list:
    """The officer handling the request (or every officer): results are waiting for a check."""
    with _office_locale():
        return _results_step(
            session, req, users,
            _("Results of %(code)s handed in", code=req.tracking_code),
            _("The applicant has handed in the results of a recommended activity. Please check "
              "them and mark them received."), staff_request_url(req), _("Open the request"))


def results_checked(session, req: ActivityRequest, received: bool, notes: str | None) -> list:
    """The applicant: the results were received, or returned with the officer's note."""
    with _office_locale():
        if received:
            subject = _("Results of %(code)s received", code=req.tracking_code)
            lead = _("BPS has received the results of your recommended activity. Thank you.")
        else:
            subject = _("Results of %(code)s returned", code=req.tracking_code)
            lead = _("BPS could not accept the results you handed in. Please see the note "
                     "below and hand them again.")
        return _results_step(session, req, [req.applicant] if req.applicant else [], subject,
                             lead, public_urls.request_url(req.id) + "#results",
                             _("Open your request"), notes=notes)


def office_mail(session, name: str, users, subject: str, office_id: int, **context) -> list:
    """Write email/<name> to ``users`` (who have an address) about the office, in the caller's
    transaction; call inside ``_office_locale`` or another forced locale."""
    users = _with_address(users)
    return _queue_all(session, _office_rows(session, name, users, subject, office_id,
                                            **context)) if users else []


def calendar_ahead(session, users, year: int) -> list:
    """The administrators: ``year``'s days off are still estimated; the link opens the Days off
    screen, where the government's decree is entered."""
    users = _with_address(users)
    office = default_office(session)
    if not users or office is None:
        return []
    with _office_locale():
        return _queue_all(session, _office_rows(
            session, "calendar_ahead", users,
            _("The days off of %(year)d are not confirmed yet", year=year), office.id,
            year=year, url=public_urls.public_url("/nonworkingdayview/list/"),
            url_label=_("Days off")))


def complaint_reminder(session, complaint, users, kind: str) -> list:
    """The officers: a complaint is to be taken up (``complaint_ack``) or answered
    (``complaint_answer``) by its deadline."""
    users = _with_address(users)
    if not users:
        return []
    with _office_locale():
        if kind == "complaint_ack":
            subject = _("Complaint %(code)s is waiting to be taken up",
                        code=complaint.tracking_code)
            due = complaint.ack_due_date
        else:
            subject = _("Complaint %(code)s is waiting for its answer",
                        code=complaint.tracking_code)
            due = complaint.due_date
        return _queue_all(session, _office_rows(
            session, "reminder_complaint", users, subject, complaint.office_id,
            complaint=complaint, kind=kind, due=_date(due),
            url=public_urls.staff_complaint_url(complaint.id)))


# --- Sending ---------------------------------------------------------------------------------


HELD = "held"


def mail_configured(app: Flask | None = None) -> bool:
    """Does mail really leave this server? Without MAIL_SERVER (or with MAIL_LOG_ONLY) no:
    messages are held in the outbox for the admin, and no page may tell a user "we e-mailed
    you". The one place that decides it."""
    config = (app or current_app).config
    return bool(config.get("MAIL_SERVER")) and not config.get("MAIL_LOG_ONLY")


def outbox_url(row_id: int) -> str:
    return public_urls.outbox_url(row_id)


def _counts() -> dict:
    return {"sent": 0, "failed": 0}


def send_due(limit: int = 100, now: dt.datetime | None = None) -> dict:
    """Send up to ``limit`` due messages; returns ``{"sent": n, "failed": n}``.

    Commits after each message: a crash mid-batch loses nothing and never re-sends a message
    already marked sent. Call it with nothing uncommitted in the session.
    """
    return _drain(limit, now or utcnow())


def try_send_now(ids) -> dict:
    """A web request's immediate attempt at the messages it just committed. Never raises."""
    ids = [i for i in (ids or []) if i is not None]
    if not ids or not current_app.config.get("MAIL_SEND_IN_REQUEST", True):
        return _counts()  # pending: the outbox sender delivers them
    try:
        return _drain(len(ids), utcnow(), ids=ids)
    except Exception:
        # The rows stay pending; `flask outbox send` picks them up later.
        log.exception("outbox: immediate send of %s failed; left for the sender", ids)
        current_app.appbuilder.session.rollback()
        return _counts()


def _drain(limit: int, now: dt.datetime, ids=None) -> dict:
    session = current_app.appbuilder.session
    if not mail_configured():
        return _hold(session, limit, now, ids)
    counts = _counts()
    sender = _Sender(current_app.extensions["mail"])
    try:
        for _i in range(limit):
            row = _claim(session, now, ids)
            if row is None:
                break
            counts["sent" if _deliver(session, row, sender, now) else "failed"] += 1
    finally:
        sender.close()
    return counts


def _hold(session, limit: int, now: dt.datetime, ids=None) -> dict:
    """No mail server: due messages are held, not marked sent (nothing was delivered). The admin
    reads them, links and all, on the Outbox screen; `retry` queues them again once a server
    is set up. One commit per message, like sending."""
    counts = dict(_counts(), held=0)
    for _i in range(limit):
        row = _claim(session, now, ids)
        if row is None:
            break
        row.state = HELD
        recipient, subject, url = row.recipient, row.subject, outbox_url(row.id)
        session.commit()
        counts["held"] += 1
        log.warning("E-mail to %s (%s) not sent: no mail server (MAIL_SERVER). Read it in the "
                    "Outbox: %s", recipient, subject, url)
    return counts


def _claim(session, now: dt.datetime, ids=None) -> OutboundEmail | None:
    """The next due row, locked until the commit; on PostgreSQL a second sender skips it.

    (SQLite ignores FOR UPDATE: there, run one sender at a time.)
    """
    stmt = (
        select(OutboundEmail)
        .where(OutboundEmail.state == "pending", OutboundEmail.next_attempt_at <= now)
        .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if ids is not None:
        stmt = stmt.where(OutboundEmail.id.in_(ids))
    return session.scalars(stmt).first()


def _deliver(session, row: OutboundEmail, sender: "_Sender", now: dt.datetime) -> bool:
    row.attempts += 1
    try:
        # Built only once the server answers: a letter's form is rendered for a delivery that
        # can happen, not on every retry while the server is down.
        sender.send(lambda: _message(row))
    except Exception as exc:  # anything: a message must never block the queue
        _record_failure(row, exc, now)
        ok = False
    else:
        row.state, row.sent_at, row.last_error = "sent", now, None
        if row.erase_after_send:
            # The notice to an erased account (auth/erasure.py): delivered, it keeps no trace
            # of the person; the row says only that it was sent.
            row.recipient = f"erased-outbox-{row.id}@erased.invalid"
            row.body_text, row.body_html = "", None
        ok = True
    session.commit()
    return ok


def backoff(attempts: int) -> dt.timedelta:
    """1 min, 2, 4, … doubling per failed attempt, capped at 6 h."""
    return min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 20), BACKOFF_CAP)


def _record_failure(row: OutboundEmail, exc: Exception, now: dt.datetime) -> None:
    row.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS]
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS", 12))
    if row.attempts >= max_attempts:
        row.state = "failed"  # stays visible to admins; `retry` puts it back
        log.error("outbox: message %s to %s failed for good after %s attempts: %s",
                  row.id, row.recipient, row.attempts, row.last_error)
    else:
        row.next_attempt_at = now + backoff(row.attempts)
        log.warning("outbox: message %s to %s failed (attempt %s), next try %s: %s",
                    row.id, row.recipient, row.attempts, row.next_attempt_at, row.last_error)


def _pdf_filename(letter: Letter) -> str:
    return f"Surat-Rekomendasi-{(letter.number or str(letter.id)).replace('/', '-')}.pdf"


def _form_filename(letter: Letter, req: ActivityRequest) -> str:
    """``Formulir-FS3-hasil-rekomendasi-B-7-88010-VS.300-2026.pdf``: the letter's Lampiran."""
    name = letters.attachment_name(req.kind).replace(" ", "-")
    return f"{name}-{(letter.number or str(letter.id)).replace('/', '-')}.pdf"


def _letter_form_pdf(letter: Letter) -> bytes:
    """The letter's attachment (its "Lampiran" line): the request's form with BPS's review
    result, frozen on the letter when it was sent (workflow._on_send, form_pdf.freeze_annotated),
    so every attempt carries the same file. A letter sent before forms were kept has it rendered
    here, in the office language like the mail."""
    if letter.form_pdf:
        return letter.form_pdf
    with _office_locale():
        return form_pdf.render(letter.request)


def _message(row: OutboundEmail) -> Message:
    msg = Message(subject=row.subject, recipients=[row.recipient], body=row.body_text,
                  html=row.body_html)
    # The same Message-ID on every attempt: a duplicate after a crash is recognisable.
    host = urlsplit(public_urls.base_url()).hostname or "rekomstat.local"
    msg.msgId = f"<outbox-{row.id}.{row.created_at:%Y%m%d%H%M%S}@{host}>"
    if row.letter_id is not None:
        letter = row.letter
        if letter is None or not letter.pdf:
            # Failing beats mailing "the letter is attached" without it.
            raise LookupError(f"letter {row.letter_id} has no PDF to attach")
        msg.attach(_pdf_filename(letter), "application/pdf", letter.pdf)
        msg.attach(_form_filename(letter, letter.request), "application/pdf",
                   _letter_form_pdf(letter))
    return msg


class _Connection(Connection):
    """Flask-Mail's connection, with a socket timeout: its own has none, so a silent server
    would hang the sender (and a web request's try_send_now) forever."""

    def configure_host(self):
        timeout = float(current_app.config.get("MAIL_TIMEOUT", 10))
        smtp = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp(self.mail.server, self.mail.port, timeout=timeout)
        host.set_debuglevel(int(self.mail.debug))
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


class _Sender:
    """One SMTP connection per batch, opened on first use.

    If the server cannot be reached, every further message of the batch fails with the same
    error at once, instead of each waiting for its own connection timeout. After an error on
    an open connection, the next message reconnects (the session may be unusable).
    """

    def __init__(self, state):
        self.state = state
        self.connection = None
        self.connect_error = None

    def send(self, build) -> None:
        """Connect (once per batch), then ``build()`` the message and send it: nothing is
        built for a server that cannot be reached."""
        if self.connect_error is not None:
            raise self.connect_error
        if self.connection is None:
            try:
                self.connection = _Connection(self.state).__enter__()
            except Exception as exc:
                self.connect_error = exc
                raise
        message = build()  # its own failure (no PDF to attach) leaves the connection usable
        try:
            self.connection.send(message)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.quit()
            except Exception:  # closing a broken connection: nothing left to do
                connection.host.close()


# --- Administration --------------------------------------------------------------------------


def retry(session, ids) -> int:
    """Put unsent rows (failed, held, or pending in backoff) back to pending, due now, with a
    fresh attempt count. Rows already sent are never touched. Does not commit; returns the
    count."""
    ids = list(ids or [])
    if not ids:
        return 0
    result = session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(ids), OutboundEmail.state != "sent")
        .values(state="pending", attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def failed_ids(session) -> list[int]:
    return list(session.scalars(
        select(OutboundEmail.id).where(OutboundEmail.state == "failed").order_by(OutboundEmail.id)
    ))


def outstanding(session, limit: int | None = None) -> list[OutboundEmail]:
    """Pending, failed and held messages, oldest first: what an admin needs to look at."""
    stmt = (select(OutboundEmail).where(OutboundEmail.state.in_(("pending", "failed", HELD)))
            .order_by(OutboundEmail.id))
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
