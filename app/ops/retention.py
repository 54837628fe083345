"""Retention (UU 27/2022, issue 25): personal data kept no longer than its purpose needs.

Each office sets, in days (office settings, ``retention_*_days``):

- the guest book: a visit past its time keeps its date, agency and purpose (the office's
  statistics) but loses the visitor's name, identity number, phone and e-mail;
- queue tickets past their time are deleted (a guest book entry loses its link to one);
- the uploaded documents of a withdrawn request, counted from the withdrawal, are deleted —
  rows and files (a withdrawn request was never recommended: nothing public depends on them);
- a sent e-mail's text and HTML are cleared (its recipient, subject and dates stay: who was
  told what, when);
- a registration never activated is deleted (the default office's setting: registrations
  belong to no office).

Issued letters, the requests behind them and the catalogue of recommended activities are
public records and stay. ``run`` is idempotent: a second run finds nothing left to do, and
reports zeros. The outbox sender service runs it daily with the rest of the housekeeping;
``flask retention run`` runs it by hand or from cron.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Optional

import sqlalchemy as sa

from app.core import audit
from app.core.transactions import unit_of_work
from app.models import (
    ActivityRequest,
    Attachment,
    GuestBookEntry,
    Office,
    OfficeSetting,
    OutboundEmail,
    QueueTicket,
    RekomRegisterUser,
)
from app.offices.directory import DEFAULT_SETTING, default_office
from app.offices.workdays import utcnow
from app.requests import uploads

KINDS = ("guest_book", "queue_tickets", "documents", "outbox", "registrations")
ERASED_NAME = "—"  # a visit whose visitor is no longer named


def run(session, now: Optional[dt.datetime] = None, office_ids=None) -> dict:
    """Apply every office's periods (or those of ``office_ids``; registrations only when all
    offices are asked for); returns how many rows of each kind were changed or deleted."""
    now = now or utcnow()
    counts = dict.fromkeys(KINDS, 0)
    removed: list = []
    query = (sa.select(Office, OfficeSetting)
             .outerjoin(OfficeSetting, OfficeSetting.office_id == Office.id).order_by(Office.id))
    if office_ids is not None:
        query = query.where(Office.id.in_(office_ids))
    with unit_of_work(session):
        for office, setting in session.execute(query).all():
            mine = _office(session, office.id, setting or DEFAULT_SETTING, now, removed)
            if any(mine.values()):
                audit.record(session, None, office, "retention", note=_summary(mine), at=now)
            for kind, n in mine.items():
                counts[kind] += n
        if office_ids is None:  # what belongs to no office: the default office's periods
            counts["registrations"] = registrations(session, now)
            counts["outbox"] += _outbox(session, None, _days(session, "outbox"), now)
    uploads.discard(removed)  # the files, once their rows are gone for good
    return counts


def _days(session, kind: str) -> int:
    """A period of the default office (for what belongs to no office)."""
    office = default_office(session)
    setting = session.scalars(sa.select(OfficeSetting).where(
        OfficeSetting.office_id == office.id)).first() if office is not None else None
    return getattr(setting or DEFAULT_SETTING, f"retention_{kind}_days")


def _summary(counts: dict) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in counts.items() if n)


def _office(session, office_id: int, setting, now: dt.datetime, removed: list) -> dict:
    return {
        "guest_book": _guest_book(session, office_id, setting.retention_guest_book_days, now),
        "queue_tickets": _tickets(session, office_id, setting.retention_tickets_days, now),
        "documents": _documents(session, office_id, setting.retention_documents_days, now,
                                removed),
        "outbox": _outbox(session, office_id, setting.retention_outbox_days, now),
        "registrations": 0,
    }


def _before(now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(days=days)


def _guest_book(session, office_id, days, now) -> int:
    table = GuestBookEntry.__table__
    return session.execute(
        table.update().where(
            table.c.office_id == office_id, table.c.visited_at < _before(now, days),
            sa.or_(table.c.name != ERASED_NAME, table.c.id_doc_number.is_not(None),
                   table.c.phone.is_not(None), table.c.email.is_not(None)))
        .values(name=ERASED_NAME, id_doc_number=None, phone=None, email=None)).rowcount


def _tickets(session, office_id, days, now) -> int:
    old = sa.select(QueueTicket.id).where(
        QueueTicket.office_id == office_id,
        QueueTicket.service_date < _before(now, days).date())
    # SQLite enforces no foreign keys here: the entries' links go first, explicitly.
    session.execute(GuestBookEntry.__table__.update()
                    .where(GuestBookEntry.ticket_id.in_(old)).values(ticket_id=None))
    return session.execute(QueueTicket.__table__.delete()
                           .where(QueueTicket.id.in_(old))).rowcount


def _documents(session, office_id, days, now, removed: list) -> int:
    rows = session.scalars(
        sa.select(Attachment).join(ActivityRequest, ActivityRequest.id == Attachment.request_id)
        .where(ActivityRequest.office_id == office_id, ActivityRequest.state == "withdrawn",
               ActivityRequest.closed_at < _before(now, days))).all()
    # Their stored names, read now: the files go once the rows' deletion is committed.
    removed.extend(SimpleNamespace(stored_name=row.stored_name) for row in rows if row.size)
    for row in rows:
        session.delete(row)
    session.flush()
    return len(rows)


def _outbox(session, office_id, days, now) -> int:
    table = OutboundEmail.__table__
    mine = (table.c.office_id == office_id) if office_id is not None else (
        table.c.office_id.is_(None))
    return session.execute(
        table.update().where(
            mine, table.c.state == "sent", table.c.sent_at < _before(now, days),
            sa.or_(table.c.body_text != "", table.c.body_html.is_not(None)))
        .values(body_text="", body_html=None)).rowcount


def registrations(session, now: dt.datetime) -> int:
    """Delete the registrations never activated past the default office's period (in the
    caller's transaction)."""
    days = _days(session, "registrations")
    table = RekomRegisterUser.__table__
    return session.execute(table.delete().where(
        table.c.registration_date < _before(now, days))).rowcount
