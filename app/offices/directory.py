"""Offices as pages and mails read them.

``default_office``: which office a page speaks for when nothing else says (the configured one,
OFFICE_CODE, else the first active office). ``office_info``: an office's row and its settings'
row as read-only copies, kept per process a minute (process_cache): a submission, its mails and
every due date read them, an admin changes them a few times a year. What must be current to the
moment (the signer, the letter number's pattern) is read from the database by its caller.

``set_up_office``: what a new office needs before it can work (its settings row, the default
review checklist); every place that makes an office calls it. ``DEFAULT_SETTING``: the settings
of an office that has no row, the one set of defaults every reader falls back to.
"""
from __future__ import annotations

from collections import namedtuple
from typing import NamedTuple, Optional

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.process_cache import ProcessCache
from app.models import ChecklistItem, Office, OfficeSetting

OFFICE_TTL_S = 60.0

OfficeRow = namedtuple("OfficeRow", [c.key for c in Office.__table__.columns])
SettingRow = namedtuple("SettingRow", [c.key for c in OfficeSetting.__table__.columns])
# The defaults of an office's settings: the model's column defaults (models import nothing of
# ours, so they are written there), read here once. A new settings row gets them on INSERT; an
# office without a row reads DEFAULT_SETTING (office_info, the workflow's signer and numbering).
SETTING_DEFAULTS = {
    c.key: c.default.arg for c in OfficeSetting.__table__.columns
    if c.default is not None and not c.default.is_callable}
DEFAULT_SETTING = SettingRow(**{key: SETTING_DEFAULTS.get(key) for key in SettingRow._fields})

_TITLE_LENGTH = OfficeSetting.__table__.c.signer_title.type.length  # "Kepala " + a long name

# domain.md, "Checking (review)": the checklist a new office starts with (its admin edits it).
# Migration 0007 holds a copy for the offices made before this was done on every path.
# (text, scope, the design check that pre-ticks or flags it: models.DESIGN_CHECKS, the part of
# the form it concerns: models.FORM_PARTS, where the applicant reads the officers' note on it)
DEFAULT_CHECKLIST = (
    (_l("Title and organiser identified"), "all", None, "organiser"),
    (_l("People in charge reachable"), "all", None, "people"),
    (_l("Objectives stated"), "all", None, "planning"),
    (_l("Schedule complete"), "all", "schedule_in_order", "planning"),
    (_l("Activity design block complete"), "all", None, "design"),
    (_l("Sample design consistent with objectives and coverage"), "survey", "sample_size",
     "sample"),
    (_l("Variables listed with concepts and definitions"), "all", "variables_defined", "rows"),
    (_l("Questionnaire attached"), "survey", "questionnaire", "documents"),
    (_l("No duplication with an already-recommended activity "
        "(or a reason it is not a duplicate)"), "all", "similar_reason", "activity"),
)


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


class OfficeScope(NamedTuple):
    """The offices a member of staff reads (issue 27): their own and every office under it
    (a province's regencies and cities; the headquarters' whole tree). ``everything``: the
    tree is every office (no filter needed)."""

    own: int
    offices: frozenset
    everything: bool


_tree = ProcessCache("office_tree", OFFICE_TTL_S, (Office,))


def office_scope(session, office_id: int) -> OfficeScope:
    """``office_id``'s scope of reading: itself and its descendants (parent_id links), kept
    per process like the offices themselves (a few hundred rows at national scale)."""
    def load() -> OfficeScope:
        parents = dict(session.execute(select(Office.id, Office.parent_id)).all())
        children: dict = {}
        for child, parent in parents.items():
            children.setdefault(parent, []).append(child)
        seen, todo = {office_id}, [office_id]
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:  # a cycle in bad data stops here
                    seen.add(child)
                    todo.append(child)
        return OfficeScope(office_id, frozenset(seen), seen >= parents.keys())

    return _tree.get(session, ("scope", office_id), load)


def set_up_office(session, office: Office) -> None:
    """Give ``office`` its settings row (the defaults; its head signs) and the default
    review checklist, each only if it has none yet: without them its letters cannot be
    numbered and a review passes with nothing checked.

    Adds to the session and leaves the commit to the caller, so a new office (which may be
    neither flushed nor even added yet) is written together with them or not at all.
    """
    has_setting = has_checklist = False
    if office.id is not None:
        with session.no_autoflush:
            has_setting = session.scalar(select(OfficeSetting.id).where(
                OfficeSetting.office_id == office.id).limit(1)) is not None
            has_checklist = session.scalar(select(ChecklistItem.id).where(
                ChecklistItem.office_id == office.id).limit(1)) is not None
    # Rows already added for this office in this transaction, not yet flushed.
    pending = {type(row) for row in session.new
               if isinstance(row, (OfficeSetting, ChecklistItem)) and row.office is office}
    # Stored text: in the office's language, whoever's request made the office.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "id"):
        if not has_setting and OfficeSetting not in pending:
            title = _("Head of %(office)s", office=office.name)[:_TITLE_LENGTH]
            session.add(OfficeSetting(office=office, signer_title=title, **SETTING_DEFAULTS))
        if not has_checklist and ChecklistItem not in pending:
            session.add_all(
                ChecklistItem(office=office, position=position, text=str(text), applies_to=scope,
                              design_check=check, form_part=part)
                for position, (text, scope, check, part) in enumerate(DEFAULT_CHECKLIST,
                                                                      start=1))
