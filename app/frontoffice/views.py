"""The front office on the officers' screens: queue actions and the guest book export.

``QueueActionsMixin`` goes on the queue screen (QueueTicketView): one FAB action per step —
``call_next``, ``serve``, ``done``, ``no_show`` — each a permission of its own on that view.
"Call next" calls the ticket to the officer's counter ("Loket 2"): the field next to the
button sends it; the screen remembers it in the officer's session (``COUNTER_KEY``) and, for a
new login, offers the counter of their latest call (frontoffice.last_counter), so an officer
at one desk never types it twice. Called from the list's action menu (no field), the
remembered counter is used.
FAB loads the selected rows by primary key *without* the view's base filters, so every step
checks the ticket's office here (admins: any office). A step on several tickets goes through
for those that may move and names each of the others with its reason.

``GuestBookExportMixin`` goes on the guest book screen: ``/guestbookentryview/export?start=
YYYY-MM-DD&end=YYYY-MM-DD`` gives the visits of those days (office days, WIB) as CSV — UTF-8
with a byte order mark so that Excel reads it right, Indonesian headers — for whoever may list
the guest book, of their own office only (admins: every office, or ``&office=<code>``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, g, redirect, request, session, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.security.decorators import has_access
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select
from sqlalchemy.orm import selectinload
from wtforms.validators import DataRequired

from app.auth import access_log
from app.auth.access import view_permission
from app.auth.roles import is_admin
from app.auth.security import FilterOffice
from app.core.transactions import unit_of_work
from app.frontoffice import queue as frontoffice
from app.models import (
    ID_DOC_TYPES,
    QUEUE_STATES,
    GuestBookEntry,
    Office,
    QueueTicket,
)
from app.offices import workdays
from app.reports import sheet_cells
from app.web import fab_internals as fab
from app.web import identity_fields
from app.web.formats import date_text
from app.web.identity_fields import IdentityNumberMixin
from app.web.interface import RekomInterface
from app.web.screens import CRUD, OfficeScopedView, choice, labelled

# The officer's counter, remembered between calls (Flask's session: this browser, this login).
COUNTER_KEY = "queue_counter"


def _items(items) -> list:
    items = items if isinstance(items, list) else [items]
    return [item for item in items if item is not None]


def ticket_text(ticket) -> str:
    """A queue ticket as the user's language writes it, "24 November 2026 #007"
    (frontoffice.ticket_label writes the date in figures, for logs and mail)."""
    if ticket is None:
        return ""
    return f"{date_text(ticket.service_date)} #{frontoffice.display_number(ticket.number)}"


class QueueActionsMixin:
    """Mixed into the queue ModelView (before OfficeScopedView)."""

    list_template = "queue/ticket_list.html"

    def _own_office(self):
        """The office whose tickets this user may move: None means any (an admin)."""
        user = g.user
        return None if is_admin(user) else (user.office_id or -1)

    def _may(self, permission: str) -> bool:
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _back(self):
        """After a step: the queue page it was taken on (its filters, sorting and page kept),
        else the queue list. FAB's get_redirect goes one page further back in the history, to
        whatever screen was open before the queue (a complaint list, say)."""
        url = fab.last_page(session)
        if url and urlsplit(url).path.startswith(f"{request.script_root}{self.route_base}/"):
            return url
        return url_for(".list")

    def _counter(self) -> str | None:
        """The counter this officer calls to: the one on the form (remembered from now on),
        else the one remembered in the session, else the one of their latest call."""
        if "counter" in request.form:
            counter = frontoffice.clean_counter(request.form["counter"])  # QueueError
            session[COUNTER_KEY] = counter or ""
            return counter
        if COUNTER_KEY in session:
            return session[COUNTER_KEY] or None
        return frontoffice.last_counter(self.datamodel.session, g.user.id)

    @action("call_next", _l("Call next"), icon="fa-bullhorn", single=False)
    def act_call_next(self, items):
        """The lowest waiting ticket of today in the officer's office becomes "called", to
        the officer's counter (``_counter``).

        Officers: always their own office, whatever is selected. Admins: the offices of the
        selected tickets, or their own office when nothing is selected.
        """
        user = g.user
        try:
            counter = self._counter()
        except frontoffice.QueueError as err:
            flash(str(err.message), "danger")
            return redirect(self._back())
        if is_admin(user):
            offices = sorted({item.office_id for item in _items(items)})
            if not offices and user.office_id:
                offices = [user.office_id]
            if not offices:
                flash(_("Select a ticket of the office whose next number you want to call."),
                      "warning")
                return redirect(self._back())
        elif user.office_id is None:
            flash(_("Your account belongs to no office."), "danger")
            return redirect(self._back())
        else:
            offices = [user.office_id]
        session = self.datamodel.session
        day = frontoffice.today()
        for office_id in offices:
            prefix = session.get(Office, office_id).name if len(offices) > 1 else None
            try:
                with unit_of_work(session):
                    ticket = frontoffice.call_next(session, office_id, day, user.id,
                                                   counter=counter)
            except frontoffice.QueueError as err:
                message, category = str(err.message), "warning"
            else:
                number = frontoffice.display_number(ticket.number)
                if ticket.counter:
                    message = _("Number %(number)s called to %(counter)s.", number=number,
                                counter=frontoffice.counter_text(ticket.counter))
                else:
                    message = _("Number %(number)s called.", number=number)
                category = "success"
            if prefix:
                message = _("%(code)s: %(reason)s", code=prefix, reason=message)
            flash(message, category)
        return redirect(self._back())

    def run_moves(self, step: str, items):
        session = self.datamodel.session
        office_id = self._own_office()
        done = 0
        for item in _items(items):
            label = ticket_text(item)
            try:
                with unit_of_work(session):
                    frontoffice.move(session, item.id, step, g.user.id, office_id=office_id)
            except frontoffice.QueueError as err:
                flash(_("%(code)s: %(reason)s", code=label, reason=str(err.message)), "danger")
                continue
            done += 1
        if done:
            flash(ngettext("%(num)d ticket updated.", "%(num)d tickets updated.", done),
                  "success")
        return redirect(self._back())

    @action("serve", _l("Serve"), icon="fa-user")
    def act_serve(self, items):
        return self.run_moves("serve", items)

    @action("done", _l("Done"), icon="fa-check")
    def act_done(self, items):
        return self.run_moves("done", items)

    @action("no_show", _l("No-show"), icon="fa-user-times")
    def act_no_show(self, items):
        return self.run_moves("no_show", items)

    def pre_add(self, item):
        """A ticket taken at the desk: today's next number of the office, like the kiosk."""
        super().pre_add(item)  # officers: pinned to their own office
        if is_admin(g.user) and item.office is not None:
            item.office_id = item.office.id
        if item.office_id is None:
            raise ValueError(_("Please choose an office from the list."))
        session = self.datamodel.session
        item.office = session.get(Office, item.office_id)  # relationship and key agree
        item.service_date = frontoffice.today()
        item.state = "waiting"
        frontoffice.number_ticket(session, item)

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()
        try:
            widgets = fab.list_page_widgets(self)
        except FABException as exc:
            flash(f"An error occurred: {exc}", "warning")
            return redirect(self.get_redirect())
        return self.render_template(self.list_template, title=self.list_title,
                                    widgets=widgets, queue=self._queue_panel())

    def _queue_panel(self) -> dict | None:
        """Today in the user's office: who is called, how many wait, the "call next" button."""
        office_id = g.user.office_id
        if office_id is None:
            return None
        session = self.datamodel.session
        office = session.get(Office, office_id)
        state = frontoffice.board_state(session, office_id, frontoffice.today())
        public = "queue.board" in current_app.view_functions
        counter = flask_session_counter()
        if counter is None:
            counter = frontoffice.last_counter(session, g.user.id)
        return {
            "office": office,
            "current": state["current"],
            "waiting": state["waiting"],
            "number": frontoffice.display_number,
            "counter_text": frontoffice.counter_text,
            "my_counter": counter or "",
            "counter_max": frontoffice.COUNTER_MAX,
            "can_call": self._may("call_next"),
            "board_url": url_for("queue.board", office=office.code) if public else None,
            "kiosk_url": url_for("queue.kiosk", office=office.code) if public else None,
        }


def flask_session_counter() -> str | None:
    """The counter remembered in this login's session ("" once cleared), None if none."""
    return session.get(COUNTER_KEY)


# --- Guest book export ---------------------------------------------------------------------------

def csv_cell(value) -> str:
    """A cell as text; a visitor's "=HYPERLINK(…)" stays text (sheet_cells, shared by every
    export)."""
    return sheet_cells.safe_text("" if value is None else str(value))


def _parse_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    return dt.date.fromisoformat(value.strip())


def _utc_bounds(start: dt.date, end: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in the office's zone, as the naive UTC the rows store."""
    zone = ZoneInfo(tz)

    def utc(day):
        local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        return local.astimezone(dt.timezone.utc).replace(tzinfo=None)

    return utc(start), utc(end + dt.timedelta(days=1))


EXPORT_HEADERS = (
    _l("Visited"), _l("Office"), _l("Queue ticket"), _l("Name"), _l("Identity document"),
    _l("Identity document number"), _l("Agency"), _l("Phone"), _l("E-mail"),
    _l("Purpose of visit"), _l("Request"),
)


class GuestBookExportMixin:
    """Mixed into the guest book ModelView (before OfficeScopedView)."""

    list_template = "queue/guestbook_list.html"

    @expose("/export")
    @view_permission("can_list")
    def export(self):
        today = frontoffice.today()
        try:
            start = _parse_day(request.args.get("start")) or today
            end = _parse_day(request.args.get("end")) or start
        except ValueError:
            start = end = None
        if start is None or end < start:
            flash(_("Please give the dates as YYYY-MM-DD, the first not after the last."),
                  "danger")
            return redirect(url_for(".list"))
        tz = workdays.office_timezone()
        low, high = _utc_bounds(start, end, tz)
        query = (
            select(GuestBookEntry)
            .options(selectinload(GuestBookEntry.office), selectinload(GuestBookEntry.ticket),
                     selectinload(GuestBookEntry.request))
            .where(GuestBookEntry.visited_at >= low, GuestBookEntry.visited_at < high)
            .order_by(GuestBookEntry.visited_at, GuestBookEntry.id)
        )
        user = g.user
        if not is_admin(user):
            query = query.where(GuestBookEntry.office_id == user.office_id
                                if user.office_id is not None else false())
        elif request.args.get("office"):
            query = query.where(GuestBookEntry.office_id.in_(
                select(Office.id).where(Office.code == request.args["office"])))
        rows = self.datamodel.session.scalars(query).all()
        body = self._csv(rows, tz)
        name = f"buku-tamu-{start.isoformat()}-{end.isoformat()}.csv"
        # Each visitor in the file is an export of their data (issue 25): one row each.
        with unit_of_work(self.datamodel.session):
            access_log.record_objects(self.datamodel.session, user, rows,
                                      access_log.EXPORT_PERSONAL, name)
        return Response(body, mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        })

    @staticmethod
    def _csv(rows, tz: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out)
        # The office's language: the sheet goes into the office's files.
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
            writer.writerow([str(h) for h in EXPORT_HEADERS])
            doc_types = {k: str(v) for k, v in ID_DOC_TYPES.items()}
        zone = ZoneInfo(tz)
        for entry in rows:
            visited = entry.visited_at.replace(tzinfo=dt.timezone.utc).astimezone(zone)
            ticket: QueueTicket | None = entry.ticket
            writer.writerow([csv_cell(v) for v in (
                visited.strftime("%Y-%m-%d %H:%M"),
                entry.office.name if entry.office else "",
                frontoffice.display_number(ticket.number) if ticket else "",
                entry.name,
                doc_types.get(entry.id_doc_type, entry.id_doc_type),
                identity_fields.masked(entry.id_doc_number),
                entry.agency,
                entry.phone,
                entry.email,
                entry.purpose,
                entry.request.tracking_code if entry.request else "",
            )])
        return ("\ufeff" + out.getvalue()).encode("utf-8")











class QueueTicketView(QueueActionsMixin, OfficeScopedView):
    """Call next, serve, done, no-show: FAB actions of frontoffice_views.QueueActionsMixin."""

    datamodel = RekomInterface(QueueTicket)
    list_title = _l("Queue")
    show_title = _l("Queue ticket")
    add_title = _l("Take a queue ticket")
    edit_title = _l("Edit queue ticket")
    list_columns = ["service_date", "number", "state", "counter", "served_by", "called_at",
                    "finished_at"]
    # Date and number come from the numbering (today's next number of the office).
    add_columns = ["office"]
    edit_columns = ["state"]
    show_columns = [
        "office", "service_date", "number", "state", "counter", "created_at", "called_at",
        "finished_at", "served_by",
    ]
    search_columns = ["service_date", "number", "state", "counter"]
    order_columns = ["service_date", "number", "state", "called_at", "finished_at"]
    base_order = ("id", "desc")
    label_columns = {
        "office": _l("Office"),
        "service_date": _l("Date"),
        "number": _l("Number"),
        "state": _l("State"),
        "counter": _l("Counter"),
        "served_by": _l("Served by"),
        "created_at": _l("Taken"),
        "called_at": _l("Called"),
        "finished_at": _l("Finished"),
    }
    formatters_columns = {"state": labelled(QUEUE_STATES)}
    edit_form_extra_fields = {"state": choice(_l("State"), QUEUE_STATES)}


def _office_today() -> dt.date:
    return workdays.office_today()  # looked up when the form is shown, not when built


class GuestBookEntryView(GuestBookExportMixin, IdentityNumberMixin, OfficeScopedView):
    """Export by date: /guestbookentryview/export (frontoffice_views.GuestBookExportMixin)."""

    datamodel = RekomInterface(GuestBookEntry)
    # Officers may see a visitor's full identity number, saying why (audited).
    base_permissions = [*CRUD, "can_reveal_identity"]
    extra_args = {"identity_view": "GuestBookEntryView"}
    add_template = "rekomstat/privacy_add.html"  # the privacy notice above the form
    list_title = _l("Guest book")
    show_title = _l("Guest book entry")
    add_title = _l("Add guest book entry")
    edit_title = _l("Edit guest book entry")
    list_columns = ["visited_at", "ticket", "name", "agency", "phone", "purpose"]
    add_columns = [
        "office", "ticket", "name", "id_doc_type", "id_doc_number", "agency", "phone", "email",
        "purpose", "request",
    ]
    # The ticket is the visit's, chosen among the day's on the add form (add_choices); an
    # edit keeps it (a select of every ticket the office ever issued would offer thousands).
    edit_columns = [col for col in add_columns if col != "ticket"]
    show_columns = ["visited_at", *add_columns]
    # Not the identity number: it is stored encrypted (web/identity_fields.py).
    search_columns = ["visited_at", "name", "agency", "phone", "email", "purpose"]
    base_order = ("visited_at", "desc")
    label_columns = {
        "visited_at": _l("Visited"),
        "office": _l("Office"),
        "ticket": _l("Queue ticket"),
        "name": _l("Name"),
        "id_doc_type": _l("Identity document"),
        "id_doc_number": _l("Identity document number"),
        "agency": _l("Agency"),
        "phone": _l("Phone"),
        "email": _l("E-mail"),
        "purpose": _l("Purpose of visit"),
        "request": _l("Request"),
    }
    formatters_columns = {"id_doc_type": labelled(ID_DOC_TYPES), "ticket": ticket_text,
                          **identity_fields.FORMATTERS}
    # DataRequired: a name of spaces is no name (FAB's own required check lets it through).
    validators_columns = {**identity_fields.VALIDATORS, "name": [DataRequired()]}
    add_form_extra_fields = edit_form_extra_fields = {
        "id_doc_type": choice(_l("Identity document"), ID_DOC_TYPES)
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The ticket select: a ticket's own str() writes its date in ISO form.
        self.add_form.ticket.kwargs["get_label"] = ticket_text
        # FAB's blank option has no label, and WTForms then shows its value, "__None".
        self.add_form.ticket.kwargs["blank_text"] = _l("— no queue ticket —")

    def related_choices(self) -> dict:
        scoped = [["office_id", FilterOffice, None]]
        return {**super().related_choices(), "ticket": scoped, "request": scoped}

    def add_choices(self) -> dict:
        # Today's tickets of the office: ~30 a day, where all of them grow by thousands a year.
        return {"ticket": [["office_id", FilterOffice, None],
                           ["service_date", FilterEqualFunction, _office_today]]}

    def show_context(self, item, widgets) -> dict:
        # A visitor's details seen: an access to personal data (issue 25, auth/access_log.py).
        access_log.record_view(self.datamodel.session, g.user, item)
        return super().show_context(item, widgets)

    def pre_add(self, item):
        super().pre_add(item)
        self._identity_before_write(item)

    def pre_update(self, item):
        super().pre_update(item)
        self._identity_before_write(item)


