"""Revoking an issued letter: an administrator withdraws it with a reason; the public
verification page then says so. The letter itself (number, text, PDF, hash) stays frozen."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core import audit
from app.core.errors import DomainError
from app.models import Letter
from app.offices.workdays import utcnow

REASON_MAX = 2000


class RevocationError(DomainError):
    pass


def revoke(session, actor, letter: Letter, reason: str) -> None:
    """Mark ``letter`` revoked, in the caller's transaction; ``RevocationError`` (nothing
    written) for a draft, a letter revoked already, or no reason."""
    reason = (reason or "").strip()
    if not letter.is_issued:
        raise RevocationError(_l("Only an issued letter can be revoked."))
    if letter.is_revoked:
        raise RevocationError(_l("This letter was revoked already."))
    if not reason:
        raise RevocationError(_l("Write the reason for revoking the letter: the public "
                                 "verification page shows it."))
    if len(reason) > REASON_MAX:
        raise RevocationError(_l("The reason is too long (at most %(n)s characters).",
                                 n=REASON_MAX))
    letter.revoked_at, letter.revoked_reason = utcnow(), reason
    letter.revoked_by_id = actor.id if actor is not None else None
    session.flush()
    audit.record(session, actor, letter.request, "revoke_letter", note=reason)
