"""Making a database ready: roles, the default office (set up by offices.set_up_office), the
first admin.

Plain functions the CLI and run.py share; each is idempotent, so running them again on a
ready database changes nothing.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.roles import ADMIN, ROLES, holders_of
from app.core.errors import DomainError
from app.core.nip import digits_of
from app.core.transactions import app_session as _session
from app.core.transactions import unit_of_work
from app.models import Office, RekomUser
from app.notify import mail_configured
from app.offices.directory import set_up_office

log = logging.getLogger(__name__)


def seed_roles() -> None:
    current_app.appbuilder.sm.sync_roles()


def ensure_office(code: str, name: str, **fields) -> Office:
    """The office with this code, created if new, and set up (offices.set_up_office) if it
    lacks its settings or checklist."""
    session = _session()
    with unit_of_work(session):
        office = session.scalars(select(Office).where(Office.code == code)).first()
        if office is None:
            office = Office(code=code, name=name, **fields)
            session.add(office)
            log.info("created office %s %s", code, name)
        set_up_office(session, office)
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


class UserError(DomainError, ValueError):
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
        raise UserError(str(_l("Role %(role)s does not exist yet: run flask seed-roles",
                               role=role)))
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
    with unit_of_work(_session()):  # FAB's add_user committed the account; now its profile
        user.office_id = office.id if office else None
        for key, value in profile.items():
            setattr(user, key, value)
    return user


@dataclass(frozen=True)
class FirstAdmin:
    """What ensure_admin did: the admin's user name, whether it was made now, and the password
    it generated (None when ADMIN_PASSWORD set it or the admin existed: never shown twice)."""

    username: str
    created: bool
    password: str | None = None


def ensure_admin() -> FirstAdmin:
    """Create the first admin if there is no admin yet; a generated password is returned once."""
    sm = current_app.appbuilder.sm
    cfg = current_app.config
    admin_role = sm.find_role(ADMIN)
    if admin_role is not None:
        # By query, not FAB's get_all_users(): every account (a million, nationally) with its
        # roles read one by one.
        admins = list(sm.session.scalars(
            select(RekomUser.username).where(RekomUser.id.in_(holders_of((ADMIN,))))
            .order_by(RekomUser.id)))
        if admins:
            name = cfg["ADMIN_USERNAME"] if cfg["ADMIN_USERNAME"] in admins else admins[0]
            return FirstAdmin(name, created=False)
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
    return FirstAdmin(cfg["ADMIN_USERNAME"], created=True,
                      password=None if cfg.get("ADMIN_PASSWORD") else password)


def bootstrap() -> FirstAdmin:
    """Migrate, seed roles and the default office, make the first admin. Idempotent."""
    from flask_migrate import upgrade

    upgrade()
    seed_roles()
    ensure_default_office()
    return ensure_admin()


def first_run_notice(admin: FirstAdmin, address: str, serving: bool = True) -> str:
    """The block run.py and `flask init` print last, after the migration log: where to go,
    who to sign in as and, only when it was just generated, the password."""
    address = address.rstrip("/")
    if serving:
        where = f"Rekomstat is running at {address}/  (staff sign-in: {address}/login/)"
    else:
        where = f"Rekomstat is ready: start it with `make run`, then open {address}/"
    if admin.password:
        lines = [where,
                 f"First admin: {admin.username} / {admin.password}  (shown only this once)"]
    elif admin.created:
        lines = [where, f"First admin: {admin.username}, with the password ADMIN_PASSWORD sets"]
    else:
        lines = [where,
                 f"Admin: {admin.username} (made on an earlier run: its password is not shown "
                 "again)",
                 f"Forgotten? flask fab reset-password --username {admin.username}"]
    if not mail_configured():
        lines.append(f"No MAIL_SERVER: e-mails wait in the Outbox, "
                     f"{address}/outboundemailview/list/")
    rule = "=" * min(max(len(line) for line in lines), 96)
    return "\n".join(["", "  " + rule, *("  " + line for line in lines), "  " + rule, ""])
