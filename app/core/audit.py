"""The audit trail's one writer: every step taken on a request or a complaint is written here,
so each row names its object, office, actor and states the same way whoever wrote it.

What the rows' actions are called on a screen is ``labels.AUDIT_ACTIONS`` (the staff timeline,
the portal's timeline and the audit list read the same table).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Optional

from sqlalchemy import insert

from app.models import AuditEvent

# A step: (action, from_state, to_state, note).
Step = tuple[str, Optional[str], Optional[str], Optional[str]]


def record(session, actor, obj, action: str, from_state: Optional[str] = None,
           to_state: Optional[str] = None, note: Optional[str] = None, *,
           at: Optional[dt.datetime] = None) -> None:
    """Write one event of ``obj`` (a flushed request or complaint) in the caller's
    transaction."""
    record_steps(session, actor, obj, [(action, from_state, to_state, note)], at=at)


def record_steps(session, actor, obj, steps: Iterable[Step], *,
                 at: Optional[dt.datetime] = None) -> None:
    """Write several events of ``obj`` at once (one INSERT, no ORM objects: the rows are
    written, never read back by the writer). ``at`` defaults to the column's clock."""
    when = {"at": at} if at is not None else {}
    session.execute(insert(AuditEvent.__table__), [dict(
        when, actor_id=actor.id if actor is not None else None,
        # An office's own events (a reminder digest) are the office's.
        office_id=obj.id if obj.__tablename__ == "office" else obj.office_id,
        object_type=obj.__tablename__, object_id=obj.id, action=action, from_state=before,
        to_state=after, note=note,
    ) for action, before, after, note in steps])
