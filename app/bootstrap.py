"""Making a database ready: roles, the default office and its settings, the first admin.

Plain functions the CLI and run.py share; each is idempotent, so running them again on a
ready database changes nothing.
"""
from __future__ import annotations

import logging
import secrets

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .models import ChecklistItem, Office, OfficeSetting, RekomUser
from .nip import digits_of
from .security import ADMIN, ROLES

log = logging.getLogger(__name__)

# domain.md, "Checking (review)": the default checklist an office can edit.
DEFAULT_CHECKLIST = (
    (_l("Title and organiser identified"), "all"),
    (_l("People in charge reachable"), "all"),
    (_l("Objectives stated"), "all"),
    (_l("Schedule complete"), "all"),
    (_l("Activity design block complete"), "all"),
    (_l("Sample design consistent with objectives and coverage"), "survey"),
    (_l("Variables listed with concepts and definitions"), "all"),
    (_l("Questionnaire attached"), "survey"),
    (_l("No duplication with an already-recommended activity (or a reason it is not a duplicate)"), "all"),
)


def _session():
    return current_app.appbuilder.session


def seed_roles() -> None:
    current_app.appbuilder.sm.sync_roles()


def ensure_office(code: str, name: str, **fields) -> Office:
    """The office with this code, created with its settings and default checklist if new."""
    session = _session()
    office = session.scalars(select(Office).where(Office.code == code)).first()
    if office is None:
        office = Office(code=code, name=name, **fields)
        session.add(office)
        session.flush()
        log.info("created office %s %s", code, name)
    if session.scalars(select(OfficeSetting).where(OfficeSetting.office_id == office.id)).first() is None:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            session.add(
                OfficeSetting(
                    office_id=office.id,
                    signer_title=str(_l("Head of %(office)s", office=office.name)),
                )
            )
    has_checklist = session.scalars(
        select(ChecklistItem.id).where(ChecklistItem.office_id == office.id)
    ).first()
    if has_checklist is None:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            for position, (text, scope) in enumerate(DEFAULT_CHECKLIST, start=1):
                session.add(
                    ChecklistItem(
                        office_id=office.id, position=position, text=str(text), applies_to=scope
                    )
                )
    session.commit()
    return office


def ensure_default_office() -> Office:
    cfg = current_app.config
    try:
        head_nip = digits_of(cfg["OFFICE_HEAD_NIP"])
    except ValueError as err:
        raise RuntimeError(f"OFFICE_HEAD_NIP: {err}") from None
    parent = None
    if cfg.get("OFFICE_PARENT_CODE"):
        parent = ensure_office(cfg["OFFICE_PARENT_CODE"], cfg["OFFICE_PARENT_NAME"])
    return ensure_office(
        cfg["OFFICE_CODE"],
        cfg["OFFICE_NAME"],
        address=cfg["OFFICE_ADDRESS"],
        city=cfg["OFFICE_CITY"],
        phone=cfg["OFFICE_PHONE"],
        email=cfg["OFFICE_EMAIL"],
        website=cfg["OFFICE_WEBSITE"],
        head_name=cfg["OFFICE_HEAD_NAME"],
        head_nip=head_nip,  # digits, as the office screen stores it (the setting may be grouped)
        parent_id=parent.id if parent else None,
    )


class UserError(ValueError):
    """A user account could not be made; the message says why, in the user's language."""


def create_user(
    role: str,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    office_code: str | None = None,
    **profile,
) -> RekomUser:
    sm = current_app.appbuilder.sm
    if role not in ROLES:
        raise UserError(str(_l("Unknown role %(role)s; choose one of %(roles)s",
                               role=role, roles=", ".join(ROLES))))
    role_obj = sm.find_role(role)
    if role_obj is None:
        raise UserError(str(_l("Role %(role)s does not exist yet: run flask seed-roles", role=role)))
    if sm.find_user(username=username) or sm.find_user(email=email):
        raise UserError(str(_l("A user with this username or e-mail already exists")))
    office = None
    if office_code:
        office = _session().scalars(select(Office).where(Office.code == office_code)).first()
        if office is None:
            raise UserError(str(_l("No office with code %(code)s", code=office_code)))
    user = sm.add_user(
        username=username,
        first_name=first_name or username,
        last_name=last_name or "-",
        email=email,
        role=role_obj,
        password=password,
    )
    if not user:
        raise UserError(str(_l("The user could not be created")))
    user.office_id = office.id if office else None
    for key, value in profile.items():
        setattr(user, key, value)
    _session().commit()
    return user


def ensure_admin() -> str | None:
    """Create the first admin if there is no admin yet; returns a generated password, once."""
    sm = current_app.appbuilder.sm
    admin_role = sm.find_role(ADMIN)
    if admin_role is not None and any(admin_role in u.roles for u in sm.get_all_users()):
        return None
    cfg = current_app.config
    password = cfg.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    create_user(
        ADMIN,
        cfg["ADMIN_USERNAME"],
        cfg["ADMIN_EMAIL"],
        password,
        first_name="Admin",
        last_name="Rekomstat",
        office_code=cfg["OFFICE_CODE"],
    )
    return None if cfg.get("ADMIN_PASSWORD") else password


def bootstrap() -> str | None:
    """Migrate, seed roles and the default office, make the first admin. Idempotent."""
    from flask_migrate import upgrade

    upgrade()
    seed_roles()
    ensure_default_office()
    return ensure_admin()
