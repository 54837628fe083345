"""Offices as pages and mails read them.

``default_office``: which office a page speaks for when nothing else says (the configured one,
OFFICE_CODE, else the first active office). ``office_info``: an office's row and its settings'
row as read-only copies, kept per process a minute (process_cache): a submission, its mails and
every due date read them, an admin changes them a few times a year. What must be current to the
moment (the signer, the letter number's pattern) is read from the database by its caller.
"""
from __future__ import annotations

from collections import namedtuple
from typing import NamedTuple, Optional

from flask import current_app
from sqlalchemy import select

from .models import Office, OfficeSetting
from .process_cache import ProcessCache

OFFICE_TTL_S = 60.0

OfficeRow = namedtuple("OfficeRow", [c.key for c in Office.__table__.columns])
SettingRow = namedtuple("SettingRow", [c.key for c in OfficeSetting.__table__.columns])
# An office without a settings row gets the model's defaults (30 working days, …).
DEFAULT_SETTING = SettingRow(**{
    c.key: c.default.arg if c.default is not None and not c.default.is_callable else None
    for c in OfficeSetting.__table__.columns})


class OfficeInfo(NamedTuple):
    office: OfficeRow
    setting: SettingRow


_offices = ProcessCache("offices", OFFICE_TTL_S, (Office, OfficeSetting))


def default_office(session):
    office = session.scalars(
        select(Office).where(Office.code == current_app.config.get("OFFICE_CODE"))).first()
    return office or session.scalars(
        select(Office).where(Office.active.is_(True)).order_by(Office.id)).first()


def office_info(session, office_id: int) -> Optional[OfficeInfo]:
    """The office and its settings (one query), or None when there is no such office."""
    def load() -> Optional[OfficeInfo]:
        row = session.execute(
            select(Office.__table__, OfficeSetting.__table__)
            .outerjoin(OfficeSetting.__table__, OfficeSetting.office_id == Office.id)
            .where(Office.id == office_id)
        ).one_or_none()  # one settings row per office (unique office_id)
        if row is None:
            return None
        n = len(OfficeRow._fields)
        setting = SettingRow(*row[n:]) if row[n] is not None else DEFAULT_SETTING
        return OfficeInfo(OfficeRow(*row[:n]), setting)

    return _offices.get(session, office_id, load)

