"""Accounts the service makes and the links that open them (the future app/auth/accounts.py).

Apart from the registration pages so that the request front door (a walk-in applicant's account
and invitation) and the staff screens can use them without importing a page module:

- the signed, expiring token of a password-reset link and of an invitation (``reset_token``,
  ``user_for_token``): void once the password changes;
- the applicant account of a walk-in, found by e-mail or made with an unusable password, and
  its invitation mail (``walk_in_applicant``, ``invite``);
- an active administrator always left (``keep_an_admin``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app import notify
from app.auth.roles import ADMIN, APPLICANT, holders_of, user_role_names
from app.core import audit, codes, identity
from app.core.errors import DomainError
from app.core.public_urls import public_url_for
from app.core.transactions import unit_of_work
from app.models import ID_DOC_TYPES, RekomUser

RESET_MAX_AGE = 2 * 3600
ONLY_ADMIN = _l("This is the only active administrator: make another account an "
                "administrator first.")
INVITATION_MAX_AGE = 14 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rekomstat-password")


def _fingerprint(user) -> str:
    # Part of the token: once the password changes, every earlier link is void.
    return hashlib.sha256((user.password or "").encode()).hexdigest()[:16]


def reset_token(user, invitation: bool = False) -> str:
    """A link's token; an invitation (an account made at the desk) stays valid longer."""
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user), "i": invitation})


def user_for_token(token: str):
    try:
        data, signed_at = _serializer().loads(token, max_age=INVITATION_MAX_AGE,
                                              return_timestamp=True)
    except (SignatureExpired, BadSignature):
        return None
    age = dt.datetime.now(dt.timezone.utc) - signed_at
    if not isinstance(data, dict) or (not data.get("i") and age.total_seconds() > RESET_MAX_AGE):
        return None
    sm = current_app.appbuilder.sm
    user = sm.session.get(RekomUser, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        return None
    return user


# --- accounts made at the desk -------------------------------------------------------------------


class WalkInError(DomainError, ValueError):
    """The e-mail cannot be used for a walk-in applicant (the message says why)."""


def _free_username(sm, email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0].lower())[:40] or "pemohon"
    name, n = base, 1
    while sm.find_user(username=name) is not None:
        n += 1
        name = f"{base}{n}"
    return name


def check_walk_in_email(session, email: str):
    """The existing account with this e-mail (None: none yet); refuses a staff account."""
    user = session.scalars(select(RekomUser).where(
        func.lower(RekomUser.email) == (email or "").strip().lower())).first()
    if user is not None and APPLICANT not in user_role_names(user):
        raise WalkInError(_("This e-mail belongs to a staff account, not an applicant."))
    return user


def walk_in_applicant(session, email: str, name: str = ""):
    """The applicant account of a walk-in: the one with this e-mail, or a new one the caller
    commits with the request. Returns (user, created). A new account has an unusable random
    password until its owner follows the invitation link (see ``invite``)."""
    sm = current_app.appbuilder.sm
    email = (email or "").strip()
    user = check_walk_in_email(session, email)
    if user is not None:
        return user, False
    first, _sep, last = (name or "").strip().partition(" ")
    user = sm.add_user(username=_free_username(sm, email), first_name=first or email,
                       last_name=last or "-", email=email, role=sm.find_role(APPLICANT),
                       password=codes.random_token(32), commit=False)
    if not user:
        raise WalkInError(_("The applicant's account could not be created."))
    return user, True


def invite(session, user) -> list:
    """Queue the "choose your password" mail for an account made at the desk (flushed user)."""
    url = public_url_for("account.reset", token=reset_token(user, invitation=True))
    return notify.account_invitation(session, user, url)


# --- the applicant's own profile (UU 27/2022: the right to correct) ---------------------------


class ProfileError(DomainError):
    """The profile was not changed: ``errors`` says why, field by field."""

    def __init__(self, errors: dict):
        super().__init__(_("The profile was not saved: please see the form."), 422)
        self.errors = errors


PROFILE_FIELDS = ("first_name", "last_name", "phone", "agency", "position", "id_doc_type",
                  "id_doc_number")
PROFILE_REQUIRED = ("first_name", "phone", "agency")


def update_profile(session, user, values: dict) -> bool:
    """Correct ``user``'s own profile from ``values`` (typed text). A blank identity number
    keeps the stored one (it is never shown back in full); another document kind needs its
    number typed again. Returns whether anything changed; refused: nothing written."""
    typed = {name: " ".join(str(values.get(name) or "").split()) for name in PROFILE_FIELDS}
    errors: dict = {}
    for name in PROFILE_REQUIRED:
        if not typed[name]:
            errors[name] = _("This field is required.")
    for name in PROFILE_FIELDS:
        limit = RekomUser.__table__.columns[name].type.length
        if name != "id_doc_number" and limit and len(typed[name]) > limit:
            errors[name] = _("At most %(max)d characters, please.", max=limit)
    if typed["id_doc_type"] and typed["id_doc_type"] not in ID_DOC_TYPES:
        errors["id_doc_type"] = _("Choose one of the listed documents.")
    number = typed["id_doc_number"]
    if number:
        message = identity.problem(typed["id_doc_type"], number)
        if message:
            errors["id_doc_number"] = str(message)
        number = identity.normalize(typed["id_doc_type"], number)
    elif typed["id_doc_type"] != (user.id_doc_type or "") and user.id_doc_number:
        errors["id_doc_number"] = _("Type the number of the document you chose.")
    if (number or user.id_doc_number) and not typed["id_doc_type"]:
        errors["id_doc_type"] = _("This field is required.")
    if errors:
        raise ProfileError(errors)
    new = dict(typed, last_name=typed["last_name"] or "-", position=typed["position"] or None,
               id_doc_type=typed["id_doc_type"] or None,
               id_doc_number=number or user.id_doc_number)
    changed = [name for name, value in new.items() if getattr(user, name) != value]
    if not changed:
        return False
    with unit_of_work(session):
        for name in changed:
            setattr(user, name, new[name])
        audit.record(session, user, user, "profile_corrected",
                     note=", ".join(sorted(changed)))
    return True


def _active_admins(session, excluding: int | None = None) -> int:
    """Active accounts holding the admin role, own or through a group (as written so far)."""
    where = [RekomUser.id.in_(holders_of(ADMIN)), RekomUser.active.is_(True)]
    if excluding is not None:
        where.append(RekomUser.id != excluding)
    return session.scalar(select(func.count()).select_from(RekomUser).where(*where))


def keep_an_admin_after_flush(session) -> None:
    """The same rule for a change elsewhere (a group's roles): written (flushed, not committed)
    and counted; a refusal rolls it back with the rest of the request's transaction."""
    session.flush()
    if not _active_admins(session):
        raise DomainError(ONLY_ADMIN)


def keep_an_admin(session, user, deleting: bool = False) -> None:
    """Refuse the change of ``user`` (its new values, not yet written) or its deletion when it
    would leave no active administrator: nobody could then manage accounts or offices from the
    screens (only ``flask create-user`` on the server)."""
    stays_admin = not deleting and user.active and ADMIN in user_role_names(user)
    if not stays_admin and not _active_admins(session, excluding=user.id):
        raise DomainError(ONLY_ADMIN)
