"""Complaint handling on the officers' screen: take, answer (asks for the text), close.

Every button ends in ``complaints.handle``; refusals become flash messages, one per complaint.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app import notify
from app.auth import access_log
from app.auth.access import view_permission
from app.auth.roles import OFFICER
from app.auth.security import FilterOffice
from app.core import codes
from app.feedback import complaints
from app.models import (
    COMPLAINT_CHANNELS,
    COMPLAINT_STATES,
    Complaint,
    Rating,
)
from app.offices import workdays
from app.web import fab_internals as fab
from app.web import labels
from app.web.interface import RekomInterface
from app.web.screens import READ_ONLY, OfficeScopedView, RoleFilter, choice, labelled

DEADLINE_LABELS = {"overdue": _l("Answer overdue"), "ack_overdue": _l("Not taken up in time")}


def deadline_cell(complaint) -> str:
    """The list's deadline column: marked when a deadline has passed."""
    if complaint is None:
        return ""
    status = complaints.deadline_status(complaint, workdays.office_today())
    return str(DEADLINE_LABELS[status]) if status else ""


def _ids(items) -> list[int]:
    items = items if isinstance(items, list) else [items]
    return [item.id for item in items if item is not None]


class ComplaintActionsMixin:
    def run_handling(self, step: str, ids: list[int], text: str | None = None):
        session, done, mail_ids = self.datamodel.session, 0, []
        for complaint_id in ids:
            try:
                complaint, mails = complaints.handle(session, complaint_id, step, g.user,
                                                     text=text)
            except complaints.ComplaintError as err:
                flash(_("%(code)s: %(reason)s", code=f"#{complaint_id}", reason=err.message),
                      "danger")
                continue
            done += 1
            mail_ids += mails
        if done:
            flash(ngettext("%(num)d complaint handled.", "%(num)d complaints handled.", done),
                  "success")
        notify.try_send_now(mail_ids)
        if len(ids) == 1:
            return redirect(url_for(".show", pk=ids[0]))
        return redirect(self.get_redirect())

    @action("take", _l("Take up"), icon="fa-hand-paper-o")
    def act_take(self, items):
        return self.run_handling("take", _ids(items))

    @action("answer", _l("Answer the complaint"), icon="fa-reply", multiple=False)
    def act_answer(self, items):
        ids = _ids(items)
        return redirect(url_for(".answer_form", pk=ids[0]))

    @action("close", _l("Close"), icon="fa-archive")
    def act_close(self, items):
        return self.run_handling("close", _ids(items))

    @expose("/answer/<int:pk>", methods=["GET", "POST"])
    @view_permission("answer")
    def answer_form(self, pk):
        item = self.datamodel.get(pk, fab.base_filters(self))
        if item is None:
            abort(404)
        if request.method == "POST":
            text = (request.form.get("answer") or "").strip()
            if text:
                return self.run_handling("answer", [pk], text=text)
            flash(_("Please write the answer."), "danger")
        return self.render_template("rekomstat/complaint_answer.html",
                                    title=_("Answer the complaint"),
                                    complaint=item, answer=request.form.get("answer", ""))









class ComplaintView(ComplaintActionsMixin, OfficeScopedView):
    datamodel = RekomInterface(Complaint)
    list_title = _l("Complaints")
    show_title = _l("Complaint details")  # "Complaint" is the label of its text
    add_title = _l("Record a complaint")
    edit_title = _l("Edit complaint")
    list_columns = [
        "tracking_code", "subject", "channel", "state", "assignee", "due_date", "deadline",
    ]
    base_order = ("created_at", "desc")
    add_columns = [
        "office", "channel", "reporter_name", "reporter_email", "reporter_phone", "request",
        "subject", "text",
    ]
    # State and answer move only through the actions (take, answer, close): see
    # feedback/complaints.py.
    edit_columns = ["assignee", "channel", "request"]
    show_columns = [
        "tracking_code", "office", "channel", "reporter_name", "reporter_email",
        "reporter_phone", "request", "subject", "text", "state", "assignee", "answer",
        "created_at", "ack_due_date", "due_date", "answered_at", "closed_at",
    ]
    search_columns = ["tracking_code", "subject", "channel", "state", "reporter_name"]
    label_columns = labels.COMPLAINT
    formatters_columns = {
        "channel": labelled(COMPLAINT_CHANNELS),
        "state": labelled(COMPLAINT_STATES),
        "deadline": deadline_cell,
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "channel": choice(_l("Channel"), COMPLAINT_CHANNELS)
    }

    def related_choices(self) -> dict:
        scoped = [["office_id", FilterOffice, None]]
        return {**super().related_choices(), "request": scoped,
                "assignee": [*scoped, ["roles", RoleFilter, OFFICER]]}

    def show_context(self, item, widgets) -> dict:
        # The reporter's details seen: an access to personal data (issue 25, auth/access_log).
        access_log.record_view(self.datamodel.session, g.user, item)
        return super().show_context(item, widgets)

    def pre_add(self, item):
        """A complaint from the box, e-mail or LAPOR!, entered by hand: the same deadlines and
        acknowledgement as one filed on the web, in the same transaction."""
        super().pre_add(item)
        session = self.datamodel.session
        item.tracking_code = codes.tracking_code("ADU")
        item.state = "received"
        item.ack_due_date, item.due_date = complaints.complaint_deadlines(
            session, item.office_id, workdays.office_today())
        session.add(item)
        session.flush()
        if item.reporter_email:
            complaints.queue_acknowledgement(
                session, item, complaints.complaint_days(session, item.office_id)[1])


class FilterComplaintOverdue(BaseFilter):
    """Open complaints past their answer date."""

    name = _l("Overdue")

    def apply(self, query, value):
        return query.filter(Complaint.due_date < workdays.office_today(),
                            Complaint.state.in_(sorted(complaints.OPEN)))


class OverdueComplaintView(ComplaintView):
    class_permission_name = "ComplaintView"
    list_title = _l("Overdue complaints")
    base_order = ("due_date", "asc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fab.base_filters(self).add_filter("due_date", FilterComplaintOverdue, None)


class RatingView(OfficeScopedView):
    datamodel = RekomInterface(Rating)
    base_permissions = READ_ONLY
    list_title = _l("Ratings")
    show_title = _l("Rating")
    add_title = _l("Add rating")
    edit_title = _l("Edit rating")
    list_columns = ["request", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9", "created_at"]
    show_columns = list_columns[:-1] + ["comment", "created_at"]
    label_columns = labels.RATING


