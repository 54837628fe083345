"""The data protection officer's screen (UU 27/2022; issue 25, "breach readiness"): who saw or
exported whose personal data, when — the audit trail's accesses (auth/access_log.py), filtered
by period, actor, action, kind of data, office, and exported as CSV. Administrators only.

The period's filters read days (or moments) of the office's clock (WIB), as every screen
shows them, not the UTC the rows store. "Whose" is the person's name as the subject's table
holds it now, looked up for a whole page at once (``access_log.subject_names``); a row erased
since reads as its kind and number.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction, FilterNotEqual
from flask_appbuilder.security.decorators import has_access
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false
from wtforms import DateField

from app.auth import access_log
from app.auth.access import view_permission
from app.auth.roles import ADMIN, HEAD, OFFICER, SECTION_HEAD, holders_of
from app.core.transactions import unit_of_work
from app.models import AuditEvent, Office, RekomUser
from app.offices import workdays
from app.reports import sheet_cells
from app.web import fab_internals as fab
from app.web import labels
from app.web.interface import MemoFilterConverter, RekomInterface
from app.web.screens import READ_ONLY, choice, display, labelled

# The tables whose rows are people (or hold a person's data), as the screen names them.
SUBJECT_KINDS = {
    "ab_user": _l("Account"),
    "ab_register_user": _l("Registration"),
    "guest_book_entry": _l("Guest book entry"),
    "complaint": _l("Complaints"),
    "activity_request": _l("Request"),
}
ACTIONS = {code: labels.AUDIT_ACTIONS.get(code, code)
           for code in sorted(access_log.PERSONAL_ACCESS_ACTIONS)}
EXPORT_MAX = 50_000  # rows of one CSV: a longer period is asked to be cut in parts
YEARS = (1900, 2200)  # a period's days: the office's clock converts these to UTC


def _access_actions() -> list[str]:
    return sorted(access_log.PERSONAL_ACCESS_ACTIONS)


# --- the period, on the office's clock ------------------------------------------------------

def period_value(text) -> tuple[dt.datetime, bool] | None:
    """A filter's day ("2026-11-30") or moment ("2026-11-30 14:00") of the office's clock, as
    (that moment, whether it was a day); None when it is neither."""
    text = str(text or "").strip()
    for parse, is_day in ((dt.date.fromisoformat, True), (dt.datetime.fromisoformat, False)):
        try:
            value = parse(text)
        except ValueError:
            continue
        if not YEARS[0] <= value.year <= YEARS[1]:
            return None
        if is_day:
            return dt.datetime.combine(value, dt.time()), True
        return value.replace(tzinfo=None), False
    return None


def _utc(local: dt.datetime) -> dt.datetime:
    zone = ZoneInfo(workdays.office_timezone())
    return local.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


class PeriodFrom(BaseFilter):
    """From this day (its first moment) or moment, office time."""

    name = _l("From")
    arg_name = "from"

    def apply(self, query, value):
        if not str(value or "").strip():
            return query  # the search form's empty field: no bound
        moment = period_value(value)
        if moment is None:  # said on the page (_bad_period): no row, rather than every row
            return query.filter(false())
        return query.filter(AuditEvent.at >= _utc(moment[0]))


class PeriodUntil(BaseFilter):
    """Until this day (to its last moment) or moment, office time."""

    name = _l("Until")
    arg_name = "until"

    def apply(self, query, value):
        if not str(value or "").strip():
            return query
        moment = period_value(value)
        if moment is None:
            return query.filter(false())
        local, is_day = moment
        if is_day:
            return query.filter(AuditEvent.at < _utc(local + dt.timedelta(days=1)))
        return query.filter(AuditEvent.at <= _utc(local))


class _Filters(MemoFilterConverter):
    """The screen's own filters: the period on the office's clock; action and kind of data
    chosen from a list (equal or not)."""

    def convert(self, col_name):
        if col_name == "at":
            return [PeriodFrom(col_name, self.datamodel), PeriodUntil(col_name, self.datamodel)]
        if col_name in ("action", "object_type"):
            return [FilterEqual(col_name, self.datamodel),
                    FilterNotEqual(col_name, self.datamodel)]
        return super().convert(col_name)


class AccessInterface(RekomInterface):
    """The audit trail's accesses, each with whose data it was ("subject"), named for a whole
    page in one query; the page's actors and offices read in one query each."""

    filter_converter_class = _Filters

    def preload(self, events) -> tuple[dict, list]:
        """(whose data each event's subject is, the page's actors and offices): one query
        each. Keep the second while the page is read: the session finds each event's actor
        and office among them instead of asking the database row by row."""
        session = self.session
        actor_ids = {e.actor_id for e in events if e.actor_id is not None}
        office_ids = {e.office_id for e in events if e.office_id is not None}
        loaded = [
            *(session.query(RekomUser).filter(RekomUser.id.in_(actor_ids)).all()
              if actor_ids else []),
            *(session.query(Office).filter(Office.id.in_(office_ids)).all()
              if office_ids else []),
        ]
        names = access_log.subject_names(session, [(e.object_type, e.object_id)
                                                   for e in events])
        return names, loaded

    def get_values(self, lst, list_columns):
        events = list(lst)
        names, _loaded = self.preload(events)
        plain = [col for col in list_columns if col != "subject"]
        for event, values in zip(events, super().get_values(events, plain)):
            if "subject" in list_columns:
                values["subject"] = subject_text(event, names)
            yield values

    def get_values_item(self, item, show_columns):
        names, _loaded = self.preload([item])
        return [subject_text(item, names) if col == "subject" else self._get_attr_value(item, col)
                for col in show_columns]


def subject_text(event, names: dict) -> str:
    """Whose data: the person's name, else the kind of row and its number."""
    name = names.get((event.object_type, event.object_id))
    if name:
        return name
    kind = SUBJECT_KINDS.get(event.object_type)
    return f"{kind if kind is not None else event.object_type} #{event.object_id}"


class StaffFilter(BaseFilter):
    """Accounts of the staff (the actor select: applicants do not read others' data)."""

    name = _l("Role")

    def apply(self, query, value):
        return query.filter(RekomUser.id.in_(holders_of((ADMIN, OFFICER, SECTION_HEAD, HEAD))))


FILTER_ARG = re.compile(fab.FILTER_ARG)


def _local(moment: dt.datetime | None, zone) -> str:
    """A stored (naive UTC) moment on the office's clock, sortable: 2026-11-24 10:00:00."""
    if moment is None:
        return ""
    return f"{moment.replace(tzinfo=dt.timezone.utc).astimezone(zone):%Y-%m-%d %H:%M:%S}"


class PersonalDataAccessView(ModelView):
    """Who saw or exported whose personal data, when: read-only, administrators only."""

    route_base = "/personaldataaccessview"
    datamodel = AccessInterface(AuditEvent)
    base_permissions = READ_ONLY
    base_filters = [["action", FilterInFunction, _access_actions]]
    list_template = "rekomstat/access_list.html"
    list_title = _l("Personal data access")
    show_title = _l("Access to personal data")
    add_title = _l("Add audit event")
    edit_title = _l("Edit audit event")
    list_columns = ["at", "actor", "action", "subject", "office", "note"]
    show_columns = ["at", "actor", "action", "object_type", "object_id", "subject", "office",
                    "note"]
    search_columns = ["at", "actor", "action", "object_type", "object_id", "office"]
    order_columns = ["at", "action", "object_type"]
    base_order = ("at", "desc")
    page_size = 50
    label_columns = {
        "at": _l("When"),
        "actor": _l("Who"),
        "action": _l("Action"),
        "subject": _l("Whose data"),
        "object_type": _l("Kind of data"),
        "object_id": _l("Object id"),
        "office": _l("Office"),
        "note": _l("Note"),
    }
    formatters_columns = {
        "at": display,
        "actor": display,
        "office": display,
        "note": display,
        "action": labelled(ACTIONS),
        "object_type": labelled(SUBJECT_KINDS),
    }
    search_form_extra_fields = {
        "at": DateField(_l("When"), widget=DatePickerWidget(), format="%Y-%m-%d"),
        "action": choice(_l("Action"), ACTIONS),
        "object_type": choice(_l("Kind of data"), SUBJECT_KINDS),
    }
    search_form_query_rel_fields = {"actor": [["id", StaffFilter, None]]}

    # -- the period's values: a clear refusal, never a list that ignores them --

    def _bad_period(self):
        for name in request.args:
            found = FILTER_ARG.findall(name)
            if found and found[0][1] == "at" and not all(
                    period_value(v) for v in request.args.getlist(name) if v.strip()):
                return render_template(
                    "public/bad_input.html", field=_("When"),
                    message=_("Give the period's days as YYYY-MM-DD (or a moment as "
                              "YYYY-MM-DD HH:MM), years %(first)d to %(last)d.",
                              first=YEARS[0], last=YEARS[1])), 400
        return None

    @expose("/list/")
    @has_access
    def list(self):
        # A period not understood lists nothing (never every access) and says why, like the
        # other lists answer what FAB cannot read; the export refuses it (_bad_period).
        if self._bad_period() is not None:
            g.period_problem = _("Give the period's days as YYYY-MM-DD (or a moment as "
                                 "YYYY-MM-DD HH:MM), years %(first)d to %(last)d.",
                                 first=YEARS[0], last=YEARS[1])
        return super().list()

    def render_template(self, template, **kwargs):
        # Said on the list itself (a flash would wait for the next page when FAB's search
        # form has already read the messages).
        kwargs.setdefault("period_problem", g.get("period_problem"))
        return super().render_template(template, **kwargs)

    def _filtered(self, limit: int):
        """(count, events) of the list's current filters, newest first."""
        filters = self.datamodel.get_filters(self.search_columns)
        fab.get_filter_args(filters)
        joined = filters.get_joined_filters(fab.base_filters(self))
        return self.datamodel.query(joined, "at", "desc", page=0, page_size=limit)

    @expose("/export")
    @view_permission("can_list")
    def export(self):
        """The list as filtered, as CSV (Indonesian headers); itself an export of the
        subjects' data, written to the trail (one row per person in it)."""
        refused = self._bad_period()
        if refused:
            return refused
        count, events = self._filtered(EXPORT_MAX)
        if count > EXPORT_MAX:
            flash(_("%(count)d rows: more than %(max)d. Choose a shorter period.",
                    count=count, max=EXPORT_MAX), "warning")
            return redirect(url_for(".list", **request.args.to_dict(flat=False)))
        names, _loaded = self.datamodel.preload(events)
        stamp = workdays.utcnow().replace(tzinfo=dt.timezone.utc).astimezone(
            ZoneInfo(workdays.office_timezone()))
        filename = f"akses-data-pribadi-{stamp:%Y%m%d-%H%M%S}.csv"
        body = self._csv(events, names, stamp.tzinfo)
        # Who read the trail's accesses reads whose data they were: recorded per person.
        session = self.datamodel.session
        subjects = dict.fromkeys((e.object_type, e.object_id, e.office_id) for e in events)
        by_table: dict[str, list] = {}
        for table, row_id, office_id in subjects:
            by_table.setdefault(table, []).append((row_id, office_id))
        with unit_of_work(session):
            for table, rows in by_table.items():
                access_log.record_access(session, g.user, table, rows,
                                         access_log.EXPORT_PERSONAL, filename)
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        })

    def _csv(self, events, names, zone) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        # The office's language: the file goes into the office's records.
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
            writer.writerow([str(self.label_columns[c]) for c in (
                "at", "actor", "action", "object_type", "object_id", "subject", "office",
                "note")])
            actions = {k: str(v) for k, v in ACTIONS.items()}
            kinds = {k: str(v) for k, v in SUBJECT_KINDS.items()}
            for e in events:
                writer.writerow([sheet_cells.safe_text("" if v is None else str(v)) for v in (
                    _local(e.at, zone), e.actor or "", actions.get(e.action, e.action),
                    kinds.get(e.object_type, e.object_type), e.object_id,
                    subject_text(e, names), e.office.name if e.office else "", e.note)])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
