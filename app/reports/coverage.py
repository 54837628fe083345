"""What the dashboard and the SKM report cover (issue 27): one office, an area (an office with
the offices under it: a province and its regencies and cities), or every office.

Staff of an office with none under it see that office, whatever the URL says. Staff of a
province choose their whole area (the default) or one office in it; the headquarters (the root
of every office) and admins also every office and each province's area. The URL names the
choice as ``office=<id>`` (one office) or ``office=area-<id>`` (an area); "" is the default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from flask_babel import gettext as _
from sqlalchemy import select

from app.models import Office
from app.offices.directory import office_scope

AREA = "area-"


@dataclass(frozen=True)
class Coverage:
    value: str  # the choice as the URL says it
    offices: Union[int, frozenset, None]  # figures' office argument: one, a set, None = all
    name: str  # the page's title names it
    code: str  # file names carry it
    office: Optional[Office] = None  # the one office, when it is one

    @property
    def single(self) -> bool:
        return isinstance(self.offices, int)


def _everything() -> Coverage:
    return Coverage("", None, _("All offices"), "semua")


def _area(session, office: Office) -> Coverage:
    scope = office_scope(session, office.id)
    if scope.everything:
        return Coverage(f"{AREA}{office.id}", None, _("All offices"), "semua")
    return Coverage(f"{AREA}{office.id}", frozenset(scope.offices),
                    _("%(office)s and the offices under it", office=office.name),
                    f"{office.code}-wilayah")


def _one(office: Office) -> Coverage:
    return Coverage(str(office.id), office.id, office.name, office.code, office)


def choose(session, wanted: str, *, admin: bool, office_id: Optional[int]
           ) -> tuple[Coverage, list[tuple[str, str]]]:
    """(what is shown, the choices offered as (value, label); none when there is no choice).
    ``office_id``: the member of staff's office (ignored for admins)."""
    if admin:
        offices = list(session.scalars(select(Office).order_by(Office.code)))
        default = _everything()
    else:
        scope = office_scope(session, office_id)
        if len(scope.offices) == 1:
            own = session.get(Office, office_id)
            return _one(own), []
        offices = list(session.scalars(select(Office).where(Office.id.in_(sorted(scope.offices)))
                                       .order_by(Office.code)))
        default = _area(session, next(o for o in offices if o.id == office_id))
    parents = {o.parent_id for o in offices}
    areas = [o for o in offices if o.id in parents]
    options = {"": default} if admin else {default.value: default}
    for office in areas:
        options.setdefault(f"{AREA}{office.id}", _area(session, office))
    for office in offices:
        options[str(office.id)] = _one(office)
    labels = [(value, f"{c.office.code} {c.office.name}" if c.office else c.name)
              for value, c in options.items()]
    return options.get(wanted or default.value, default), labels
