"""The SLA as people read it: a request's status today and the words of a list cell.

Shared by the staff screens (requests/views/, views.py) and the applicant's portal, so the
portal does not import a staff screen module (the future offices package, next to the
working-day calendar).
"""
from __future__ import annotations

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import ngettext

from app.offices import workdays
from app.offices.workdays import office_calendar, sla_status


def request_sla(item):
    """The SLA status of a request today; one calendar query per office per web request."""
    cache = g.setdefault("_calendars", {})
    if item.office_id not in cache:
        cache[item.office_id] = office_calendar(current_app.appbuilder.session, item.office_id)
    return sla_status(item, workdays.office_today(), cache[item.office_id],
                      workdays.office_timezone())


def sla_cell(item) -> str:
    return sla_label(request_sla(item)) if item is not None else ""


def sla_label(status) -> str:
    """How the promise reads in a list cell."""
    if status.kind == "none":
        return ""
    if status.kind == "paused":
        return _("Paused (awaiting revision)")
    if status.kind == "stopped":
        return _("Sent late") if status.late else _("Sent on time")
    if status.overdue:
        return ngettext("Overdue by %(num)d working day", "Overdue by %(num)d working days",
                        -status.days_left)
    return ngettext("%(num)d working day left", "%(num)d working days left", status.days_left)
