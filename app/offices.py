"""Which office a page speaks for when nothing else says: the configured one (OFFICE_CODE),
else the first active office."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from .models import Office


def default_office(session):
    office = session.scalars(
        select(Office).where(Office.code == current_app.config.get("OFFICE_CODE"))).first()
    return office or session.scalars(
        select(Office).where(Office.active.is_(True)).order_by(Office.id)).first()
