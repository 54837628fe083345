"""Who saw or exported whose personal data, when (UU 27/2022; issue 25, "breach readiness").

Every access of staff (and of applicants to their own data) to a person's data is an event of
the audit trail, written here: ONE ROW PER PERSON (the subject row: an account, a visitor of
the guest book, a complaint's reporter…), so that "whose data did X see between these days"
and "who saw Y's data" are both one query on ``audit_event``. The data protection officer
reads them on "Akses data pribadi" (auth/access_views.py).

A page or an export writes its rows with one INSERT, in the caller's transaction (the caller
commits, e.g. with ``unit_of_work``). Nothing personal is written into the note: the subject is
named by its table and key, so an erased person's name does not survive in the trail.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional, Union

from sqlalchemy import func, insert, literal, select, union_all

from app.core.transactions import unit_of_work
from app.models import (
    ActivityRequest,
    AuditEvent,
    Complaint,
    GuestBookEntry,
    RekomRegisterUser,
    RekomUser,
)

REVEAL_IDENTITY = "reveal_identity"  # core/identity.reveal: a full identity number shown
VIEW_PERSONAL = "view_personal"  # a staff screen's detail page of a person's data
EXPORT_PERSONAL = "export_personal"  # a staff download holding people's names or contacts
DOWNLOAD_OWN_DATA = "download_own_data"  # the applicant's download of their own data
ERASE_ACCOUNT = "erase_account"  # an account erased (anonymised) on request

# The audit actions that are accesses to personal data: what the officer's screen lists.
PERSONAL_ACCESS_ACTIONS = frozenset({
    REVEAL_IDENTITY, VIEW_PERSONAL, EXPORT_PERSONAL, DOWNLOAD_OWN_DATA, ERASE_ACCOUNT,
})

# A subject: its row id, or (row id, office id) when the rows of one access belong to
# several offices (an administrator's export of every office).
Subject = Union[int, tuple[int, Optional[int]]]


def record_access(session, actor, table_name: str, row_ids: Iterable[Subject], action: str,
                  note: Optional[str] = None, office_id: Optional[int] = None, *,
                  at: Optional[dt.datetime] = None) -> int:
    """Write one ``action`` event per subject row of ``table_name`` (``row_ids``), by
    ``actor`` (a user or None), in the caller's transaction; returns how many. A subject
    given as (id, office id) carries its own office, else ``office_id`` is every row's."""
    if action not in PERSONAL_ACCESS_ACTIONS:
        raise ValueError(f"{action!r} is not an access to personal data")
    when = {"at": at} if at is not None else {}
    actor_id = getattr(actor, "id", None)
    rows = []
    for subject in row_ids:
        row_id, office = subject if isinstance(subject, tuple) else (subject, office_id)
        rows.append(dict(when, actor_id=actor_id, office_id=office, object_type=table_name,
                         object_id=row_id, action=action, note=note))
    if rows:
        session.execute(insert(AuditEvent.__table__), rows)
    return len(rows)


def record_objects(session, actor, objects: Iterable, action: str,
                   note: Optional[str] = None, *, at: Optional[dt.datetime] = None) -> int:
    """``record_access`` for loaded rows (each names its table; its office when it has one).
    Rows of several tables are written with one INSERT per table."""
    by_table: dict[str, list] = {}
    for obj in objects:
        if obj is not None:
            by_table.setdefault(obj.__tablename__, []).append(
                (obj.id, getattr(obj, "office_id", None)))
    return sum(record_access(session, actor, table, subjects, action, note, at=at)
               for table, subjects in by_table.items())


def record_view(session, actor, obj, note: Optional[str] = None) -> None:
    """A detail page of ``obj`` (a person's row) shown to ``actor``: one event, committed
    at once (a page that only reads has no transaction of its own to join). The page's
    loaded rows stay as they are: the commit does not expire them, so rendering the page
    reads nothing again."""
    if obj is None:
        return
    real = session() if hasattr(session, "registry") else session  # a scoped_session
    expire, real.expire_on_commit = real.expire_on_commit, False
    try:
        with unit_of_work(real):
            record_objects(real, actor, [obj], VIEW_PERSONAL, note)
    finally:
        real.expire_on_commit = expire


def _full_name(model):
    return func.trim(func.coalesce(model.first_name, "") + " "
                     + func.coalesce(model.last_name, ""))


# Whose data a subject row is: the person's name as its table holds it.
SUBJECT_NAMES = {
    "ab_user": (RekomUser, _full_name(RekomUser)),
    "ab_register_user": (RekomRegisterUser, _full_name(RekomRegisterUser)),
    "guest_book_entry": (GuestBookEntry, GuestBookEntry.name),
    "complaint": (Complaint, Complaint.reporter_name),
    "activity_request": (ActivityRequest, ActivityRequest.resp_name),
}
_CHUNK = 500  # ids per query: far below every engine's limit of bound parameters


def subject_names(session, subjects: Iterable[tuple[str, int]]) -> dict:
    """(table, id) -> the person's name (None: no name stored, or the row is gone, e.g.
    erased), for the subjects of a page of access events in ONE query (a UNION of one SELECT
    per table on the page; an export's thousands in one query per 500 of a table)."""
    by_table: dict[str, list[int]] = {}
    for table, row_id in dict.fromkeys(subjects):  # each subject once, in order
        if table in SUBJECT_NAMES:
            by_table.setdefault(table, []).append(row_id)
    names: dict = {}
    while by_table:
        selects = []
        for table in list(by_table):
            ids, rest = by_table[table][:_CHUNK], by_table[table][_CHUNK:]
            model, name = SUBJECT_NAMES[table]
            selects.append(select(literal(table).label("t"), model.id.label("i"),
                                  name.label("n")).where(model.id.in_(ids)))
            if rest:
                by_table[table] = rest
            else:
                del by_table[table]
        query = selects[0] if len(selects) == 1 else union_all(*selects)
        for table, row_id, name in session.execute(query):
            names[(table, row_id)] = name or None
    return names
