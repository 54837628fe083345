"""One-time tokens of the public forms: a POST sent again after its answer was lost (a
reload, a dropped connection, a second click) makes nothing twice.

The page carries a random hidden ``form_token`` (kept when the form comes back with a mistake:
the same attempt). The POST that makes something writes the token to ``form_submission`` in the
same transaction as what it made (``recording``), so a crash leaves both or neither. The same
token again finds that row (``find``) and is answered with what the first POST made; two POSTs
at once both get past that look-up, and the token's primary key lets only one of them commit:
the other rolls back and answers like a retry. A token belongs to the user who used it: anyone
else holding it is shown nothing of what it made. A POST without a token (a page opened before
the tokens existed, a script) is taken as before.
"""
from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from typing import Optional

from flask import current_app, request
from sqlalchemy import delete, event
from sqlalchemy.orm import scoped_session

from app.core import codes
from app.core.transactions import unit_of_work
from app.models import FormSubmission
from app.offices.workdays import utcnow

FIELD = "form_token"
KEEP_DAYS = 7  # FORM_TOKEN_DAYS: far beyond any retry (the CSRF token lapses long before)
_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


class AlreadyUsed(Exception):
    """The token was recorded by another POST meanwhile (they raced): this one wrote nothing."""

    def __init__(self, token: str):
        super().__init__("form token already used")
        self.token = token


def new() -> str:
    return codes.random_token(32)


def valid(value) -> Optional[str]:
    """``value`` when it has the shape of a token, else None (missing or mangled: no token)."""
    return value if isinstance(value, str) and _SHAPE.fullmatch(value) else None


def posted() -> Optional[str]:
    return valid(request.form.get(FIELD))


def find(session, token: Optional[str]) -> Optional[FormSubmission]:
    return session.get(FormSubmission, token) if token else None


def mine(row: FormSubmission, form: str, user_id: Optional[int]) -> bool:
    """Is this recorded use of a token the same user's, on the same form?"""
    return row.form == form and row.user_id == user_id and row.object_id is not None


@contextmanager
def recording(session, token: Optional[str], form: str, user_id: Optional[int], model):
    """Within the block, the token's row is added to the session as soon as the new ``model``
    row the block makes has its id, so that the block's own commit writes both at once (the
    block may commit itself, e.g. ``workflow.apply``). No token: nothing is recorded."""
    if not token:
        yield
        return
    real = session.registry() if isinstance(session, scoped_session) else session
    state = {"id": None, "added": False}

    def after_flush(sess, _context):
        if state["id"] is None:
            state["id"] = next((o.id for o in sess.new if isinstance(o, model)), None)

    def after_flush_postexec(sess, _context):
        # Here, not in after_flush: the session takes new objects again once a flush is over.
        if state["id"] is not None and not state["added"]:
            state["added"] = True
            sess.add(FormSubmission(token=token, form=form, object_id=state["id"],
                                    user_id=user_id))

    event.listen(real, "after_flush", after_flush)
    event.listen(real, "after_flush_postexec", after_flush_postexec)
    try:
        yield
    finally:
        event.remove(real, "after_flush", after_flush)
        event.remove(real, "after_flush_postexec", after_flush_postexec)


def forget_old(session, days: Optional[int] = None, now: Optional[dt.datetime] = None) -> int:
    """Delete the tokens older than ``days`` (FORM_TOKEN_DAYS); commits. Returns how many."""
    if days is None:
        days = int(current_app.config.get("FORM_TOKEN_DAYS") or KEEP_DAYS)
    now = now or utcnow()
    with unit_of_work(session):
        result = session.execute(delete(FormSubmission).where(
            FormSubmission.created_at < now - dt.timedelta(days=days)))
    return result.rowcount or 0
