"""Everything the service holds about one person (UU 27/2022, issue 25).

The applicant's download (JSON and PDF) and the erasure (auth/erasure.py) read the same list,
so what is erased is what was shown. A row is about the person when it is theirs by link (their
account, their requests and what hangs on them, complaints they filed, ratings they gave, events
they caused or that concern their account, mail sent to their address) or names them (a
registration or a guest book visit with their e-mail, phone or identity number).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from app.models import (
    ActivityRequest,
    ActivityResult,
    Attachment,
    AuditEvent,
    Complaint,
    ErasureRequest,
    GuestBookEntry,
    Letter,
    OutboundEmail,
    Rating,
    RekomRegisterUser,
    RekomUser,
    Review,
)

# Never handed out: a password's hash, the frozen PDFs (downloadable as such from the request's
# page), the upload's name on the disk and FAB's change bookkeeping.
WITHHELD = frozenset({"password", "pdf", "form_pdf", "stored_name", "created_by_fk",
                      "changed_by_fk"})
# Columns too large or technical to read in the PDF (they stay in the JSON).
PDF_SKIPPED = frozenset({"body_html", "checklist", "body"})


@dataclass
class Holding:
    key: str  # the JSON's name of the section
    model: type
    rows: list  # ORM objects


def _lower(value) -> str:
    return (value or "").strip().lower()


def _guest_entries(session, user, request_ids) -> list:
    links = [GuestBookEntry.request_id.in_(request_ids)] if request_ids else []
    if user.email:
        links.append(sa.func.lower(GuestBookEntry.email) == _lower(user.email))
    if user.phone:
        links.append(GuestBookEntry.phone == user.phone.strip())
    rows = list(session.scalars(sa.select(GuestBookEntry).where(sa.or_(*links))).all()
                if links else [])
    if user.id_doc_number:
        # Encrypted: compared here, one decryption per entry holding a number (an erasure or a
        # download is rare; the guest book of one office is thousands of rows, not millions).
        seen = {row.id for row in rows}
        rows += [row for row in session.scalars(
            sa.select(GuestBookEntry).where(GuestBookEntry.id_doc_number.is_not(None),
                                            GuestBookEntry.id.not_in(seen or {0})))
                 if row.id_doc_number == user.id_doc_number]
    return sorted(rows, key=lambda row: row.id)


def holdings(session, user: RekomUser) -> list[Holding]:
    """The rows about ``user``, section by section, in a stable order."""
    mine = ActivityRequest.applicant_id == user.id
    requests = session.scalars(sa.select(ActivityRequest).where(mine)
                               .order_by(ActivityRequest.id)).all()
    request_ids = [r.id for r in requests]

    def of_requests(model):
        return session.scalars(sa.select(model).where(model.request_id.in_(request_ids))
                               .order_by(model.id)).all() if request_ids else []

    email = _lower(user.email)
    complaints = session.scalars(sa.select(Complaint).where(sa.or_(
        Complaint.reporter_id == user.id,
        sa.func.lower(Complaint.reporter_email) == email if email else sa.false()))
        .order_by(Complaint.id)).all()
    about = [sa.and_(AuditEvent.object_type == "ab_user", AuditEvent.object_id == user.id),
             AuditEvent.actor_id == user.id]
    if request_ids:
        about.append(sa.and_(AuditEvent.object_type == "activity_request",
                             AuditEvent.object_id.in_(request_ids)))
    if complaints:
        about.append(sa.and_(AuditEvent.object_type == "complaint",
                             AuditEvent.object_id.in_([c.id for c in complaints])))
    registrations = sa.or_(sa.func.lower(RekomRegisterUser.email) == email,
                           sa.func.lower(RekomRegisterUser.username) == _lower(user.username))
    return [
        Holding("account", RekomUser, [user]),
        Holding("registrations", RekomRegisterUser, session.scalars(
            sa.select(RekomRegisterUser).where(registrations)
            .order_by(RekomRegisterUser.id)).all()),
        Holding("requests", ActivityRequest, requests),
        Holding("documents", Attachment, of_requests(Attachment)),
        Holding("reviews", Review, of_requests(Review)),
        Holding("letters", Letter, of_requests(Letter)),
        Holding("results", ActivityResult, of_requests(ActivityResult)),
        Holding("ratings", Rating, session.scalars(
            sa.select(Rating).where(Rating.rater_id == user.id).order_by(Rating.id)).all()),
        Holding("complaints", Complaint, complaints),
        Holding("guest_book", GuestBookEntry, _guest_entries(session, user, request_ids)),
        Holding("emails", OutboundEmail, session.scalars(
            sa.select(OutboundEmail).where(sa.func.lower(OutboundEmail.recipient) == email)
            .order_by(OutboundEmail.id)).all() if email else []),
        Holding("events", AuditEvent, session.scalars(
            sa.select(AuditEvent).where(sa.or_(*about))
            .order_by(AuditEvent.at, AuditEvent.id)).all()),
        Holding("erasure_requests", ErasureRequest, session.scalars(
            sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id)
            .order_by(ErasureRequest.id)).all()),
    ]


def columns(model) -> list:
    """``(column, attribute name)`` of ``model`` handed out (every one but the withheld)."""
    mapper = sa.inspect(model)
    return [(c, mapper.get_property_by_column(c).key) for c in model.__table__.columns
            if c.name not in WITHHELD]


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def as_dict(session, user: RekomUser, now: dt.datetime) -> dict:
    """The download: every section's rows as ``{column: value}``, JSON-ready."""
    sections = {h.key: [{c.name: _plain(getattr(row, attr)) for c, attr in columns(h.model)}
                        for row in h.rows] for h in holdings(session, user)}
    return {"generated_at": now.isoformat(), "account_id": user.id, **sections}
