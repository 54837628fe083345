"""An applicant's account erased on request (UU 27/2022 art. 8; issue 25).

The applicant asks on the portal (``ask``); an administrator erases (``erase``) or refuses
(``refuse``) with a reason. Erasing anonymises the account and every personal field of the rows
about the person (auth/personal_data.holdings: the same list the download shows) while keeping
what the law requires: their requests, letters and complaints stay as records of the public
service, without the person's name, e-mail, phone or identity number. Issued letters, and the
form attached to them, are frozen public documents (their hashes are what /verify checks): they
are kept unchanged. The person is told, by a last mail whose address and text go once it is
delivered, what was kept and why.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from app import notify
from app.auth import personal_data
from app.auth.roles import ADMIN, OFFICE_STAFF, user_role_names
from app.core import audit, public_urls
from app.core.errors import DomainError
from app.core.transactions import unit_of_work
from app.models import (
    ActivityRequest,
    ErasureRequest,
    OutboundEmail,
)
from app.offices.directory import default_office
from app.offices.workdays import utcnow
from app.requests.workflow import OPEN_STATES

ERASED = "[dihapus]"  # stands where a person's name, e-mail or phone was
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never delivered
NOTE_MIN, NOTE_MAX = 5, 2000
REASON_MAX = 2000
# The personal kinds (models.PERSONAL_KINDS) an erasure clears in the rows about the person;
# "work" (an agency, a position) and "account" (log-in counts) name no one once the rest goes.
CLEARED_KINDS = ("identity", "id_number", "contact", "free_text")

# What stays, and why (shown before asking, and in the last mail).
KEPT = {
    "requests": _l("Your requests for a recommendation (%(count)d), without your name, e-mail "
                   "and phone: records of the public service (Law 16/1997 on Statistics, "
                   "Government Regulation 51/1999)."),
    "letters": _l("The recommendation letters issued (%(count)d), with the form attached to "
                  "them, unchanged: public documents that anyone holding one can still verify."),
    "complaints": _l("Your complaints (%(count)d), without your name, e-mail and phone: "
                     "records of the handling of public service complaints (Law 25/2009)."),
    "ratings": _l("Your answers to the satisfaction survey (%(count)d), without your name: "
                  "the service's satisfaction index (PermenPANRB 14/2017)."),
    "events": _l("The audit trail of what was done on your requests and account (%(count)d "
                 "events), without your name: the office's accountability (Law 27/2022)."),
    "erasure": _l("This request for erasure and the office's answer: the record that your "
                  "right was honoured."),
}


class ErasureError(DomainError):
    pass


@dataclass
class Kept:
    key: str
    count: int

    def __str__(self) -> str:
        text = KEPT[self.key]
        return str(text) if self.key == "erasure" else text % {"count": self.count}


def kept(session, user) -> list[Kept]:
    """What an erasure of ``user`` keeps (the sections that hold something), with why."""
    held = {h.key: h.rows for h in personal_data.holdings(session, user)}
    issued = sum(1 for letter in held["letters"] if letter.number)
    held = {key: len(rows) for key, rows in held.items()}
    counts = dict(requests=held["requests"], letters=issued, complaints=held["complaints"],
                  ratings=held["ratings"], events=held["events"])
    return [Kept(k, n) for k, n in counts.items() if n] + [Kept("erasure", 1)]


def problem(session, user) -> str | None:
    """Why ``user``'s account cannot be erased now, or None."""
    if user_role_names(user) & (OFFICE_STAFF | {ADMIN}):
        return _("Staff accounts are closed by an administrator, not erased from the portal.")
    busy = session.scalars(sa.select(ActivityRequest.tracking_code).where(
        ActivityRequest.applicant_id == user.id,
        ActivityRequest.state.in_(sorted(OPEN_STATES))).order_by(ActivityRequest.id)).all()
    if busy:
        return _("Request %(codes)s is still being handled: wait until its letter is sent, or "
                 "withdraw it, then ask again.", codes=", ".join(c or "—" for c in busy))
    return None


def pending(session, user) -> ErasureRequest | None:
    return session.scalars(sa.select(ErasureRequest).where(
        ErasureRequest.user_id == user.id, ErasureRequest.state == "pending")).first()


def latest(session, user) -> ErasureRequest | None:
    return session.scalars(sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id)
                           .order_by(ErasureRequest.id.desc())).first()


def ask(session, user, reason: str | None) -> ErasureRequest:
    """The applicant asks; the administrators are told. Refused: nothing written."""
    reason = (reason or "").strip() or None
    if reason and len(reason) > REASON_MAX:
        raise ErasureError(_("Please keep the reason under %(max)d characters.",
                             max=REASON_MAX), 422)
    if pending(session, user) is not None:
        raise ErasureError(_("Your request for erasure is already with the office."))
    why = problem(session, user)
    if why:
        raise ErasureError(why)
    with unit_of_work(session):
        row = ErasureRequest(user_id=user.id, reason=reason, state="pending",
                             requested_at=utcnow())
        session.add(row)
        session.flush()
        audit.record(session, user, user, "erasure_asked")
        mails = _to_admins(session, user, row)
    notify.try_send_now([m.id for m in mails])
    return row


def decided(row: ErasureRequest) -> bool:
    """Was the request answered already (erased or refused)? It can be decided only once."""
    return row.state != "pending"


def _get(session, request_id: int) -> ErasureRequest:
    row = session.get(ErasureRequest, request_id)
    if row is None:
        raise ErasureError(_("This request for erasure does not exist."), 404)
    if decided(row):
        raise ErasureError(_("This request for erasure was already answered."))
    if row.user is None:
        raise ErasureError(_("The account of this request no longer exists."))
    return row


def _note(note: str | None, required: bool) -> str | None:
    note = (note or "").strip()
    if not note and not required:
        return None
    if not NOTE_MIN <= len(note) <= NOTE_MAX:
        raise ErasureError(_("Please write the reason in %(min)d to %(max)d characters.",
                             min=NOTE_MIN, max=NOTE_MAX), 422)
    return note


def refuse(session, request_id: int, by, note: str) -> ErasureRequest:
    """Refused, with the reason the applicant reads in the mail."""
    row = _get(session, request_id)
    note = _note(note, required=True)
    with unit_of_work(session):
        row.state, row.decided_at, row.decided_by, row.decision_note = (
            "refused", utcnow(), by, note)
        audit.record(session, by, row.user, "erasure_refused", note=note)
        mails = _to_person(session, row.user, "erasure_refused", note=note)
    notify.try_send_now([m.id for m in mails])
    return row


def erase(session, request_id: int, by, note: str | None = None) -> dict:
    """Anonymise the account and the rows about it; returns counts per section."""
    row = _get(session, request_id)
    user = row.user
    note = _note(note, required=False)
    why = problem(session, user)
    if why:
        raise ErasureError(why)
    with unit_of_work(session):
        what_stays = kept(session, user)
        # The last mail, to the address about to go; cleared once delivered.
        mails = _to_person(session, user, "erasure_done", kept=what_stays, note=note,
                           erase_after_send=True)
        counts = _anonymise(session, user, skip_mail_ids={m.id for m in mails})
        row.state, row.decided_at, row.decided_by, row.decision_note = (
            "done", utcnow(), by, note)
        audit.record(session, by, user, "erase_account",
                     note=", ".join(f"{k}: {n}" for k, n in counts.items() if n))
    notify.try_send_now([m.id for m in mails])
    return counts


# --- the anonymisation ---------------------------------------------------------------------


def _needles(user) -> list[str]:
    """The strings that name the person, longest first (a full name before its parts)."""
    full = " ".join(p.strip() for p in (user.first_name, user.last_name)
                    if p and p.strip() not in ("", "-"))
    parts = [p.strip() for p in (user.first_name, user.last_name) if p]
    found = {full, user.email, user.username, user.phone, user.id_doc_number,
             *(p for p in parts if len(p) >= 3)}
    return sorted((n.strip() for n in found if n and len(n.strip()) >= 3), key=len,
                  reverse=True)


def _scrubber(needles):
    if not needles:
        return lambda value: value
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)

    def scrub(value):
        return pattern.sub(ERASED, value) if isinstance(value, str) else value
    return scrub


def _anonymise(session, user, skip_mail_ids) -> dict:
    needles = _needles(user)
    scrub = _scrubber(needles)
    number = user.id_doc_number
    counts: dict = {}
    for holding in personal_data.holdings(session, user):
        if holding.key in ("account", "letters"):
            continue  # the account below; letters are frozen public documents
        changed = 0
        for obj in holding.rows:
            if holding.key == "registrations":
                session.delete(obj)
                changed += 1
            elif holding.key == "emails":
                if obj.id in skip_mail_ids:
                    continue
                obj.recipient = f"erased-{user.id}@{ERASED_DOMAIN}"
                obj.subject, obj.body_text, obj.body_html = scrub(obj.subject), "", None
                changed += 1
            elif holding.key == "guest_book":
                obj.name, obj.id_doc_number, obj.phone, obj.email = ERASED, None, None, None
                obj.purpose = scrub(obj.purpose)
                changed += 1
            elif holding.key == "complaints":
                # Filed by the person: who filed it goes, whatever name they gave.
                obj.reporter_name, obj.reporter_email, obj.reporter_phone = ERASED, None, None
                obj.subject, obj.text, obj.answer = (scrub(obj.subject), scrub(obj.text),
                                                    scrub(obj.answer))
                changed += 1
            else:
                changed += _clear_fields(obj, scrub, number)
        counts[holding.key] = changed
    counts["emails"] = counts.get("emails", 0) + _mail_mentions(session, needles, scrub,
                                                                 skip_mail_ids)
    _anonymise_account(user)
    counts["account"] = 1
    session.flush()
    return counts


def _mail_mentions(session, needles, scrub, skip_mail_ids) -> int:
    """Mail to others that names the person (an officer told of their request, the
    administrators of this erasure): the names go from its text. One scan of the outbox, for
    a rare event."""
    if not needles:
        return 0
    texts = (OutboundEmail.subject, OutboundEmail.body_text, OutboundEmail.body_html)
    mentions = sa.or_(*(sa.func.lower(column).contains(needle.lower(), autoescape=True)
                        for needle in needles for column in texts))
    rows = session.scalars(sa.select(OutboundEmail).where(
        mentions, OutboundEmail.id.not_in(skip_mail_ids or {0}))).all()
    for mail in rows:
        mail.subject, mail.body_text, mail.body_html = (
            scrub(mail.subject), scrub(mail.body_text), scrub(mail.body_html))
    return len(rows)


def _clear_fields(obj, scrub, number) -> int:
    """Every personal field of ``obj`` (columns' ``info["personal"]``) that names the person:
    a field that is wholly the person's (their name, address, phone) becomes the placeholder;
    free text keeps its words around the name. Returns 1 when something changed."""
    changed = False
    mapper = sa.inspect(type(obj))
    for column in obj.__table__.columns:
        kind = column.info.get("personal")
        if kind not in CLEARED_KINDS:
            continue
        attr = mapper.get_property_by_column(column).key
        value = getattr(obj, attr)
        if kind == "id_number":
            new = None if value and value == number else value
        else:
            new = scrub(value)
            if kind in ("identity", "contact") and new != value and column.nullable:
                new = ERASED if kind == "identity" else None
        if new != value:
            setattr(obj, attr, new)
            changed = True
    return int(changed)


def _anonymise_account(user) -> None:
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        user.first_name = _("Erased account")
    user.last_name = f"#{user.id}"
    user.username = f"erased-{user.id}"
    user.email = f"erased-{user.id}@{ERASED_DOMAIN}"
    # No one can log in again: a random, unknown password and the account off.
    user.password = generate_password_hash(secrets.token_urlsafe(32))
    user.active = False
    user.phone = user.agency = user.position = None
    user.id_doc_type = user.id_doc_number = None
    user.last_login = None
    user.login_count = user.fail_login_count = 0
    user.sessions_valid_after = utcnow()
    user.roles = []


# --- mails ---------------------------------------------------------------------------------


def _to_admins(session, user, row) -> list:
    admins = [a for a in notify.admins(session) if a.email]
    office = default_office(session)
    if not admins or office is None:
        return []
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        return notify.office_mail(
            session, "erasure_asked", admins,
            _("An applicant asks for their account to be erased"), office.id,
            url=public_urls.public_url(f"/erasurerequestview/show/{row.id}"),
            url_label=_("Open the request for erasure"), account=user.username,
            reason=row.reason)


def _to_person(session, user, template: str, *, erase_after_send=False, **context) -> list:
    if not user.email:
        return []
    office = default_office(session)
    if office is None:
        return []
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        subject = (_("Your account has been erased") if template == "erasure_done"
                   else _("Your request for erasure was not granted"))
        rows = notify.office_mail(session, template, [user], subject, office.id,
                                  url=None, **context)
    if erase_after_send:
        session.execute(sa.update(OutboundEmail).where(
            OutboundEmail.id.in_([r.id for r in rows])).values(erase_after_send=True))
    return rows
