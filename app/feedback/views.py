"""Complaint handling on the officers' screen: take, answer (asks for the text), close.

Every button ends in ``complaints.handle``; refusals become flash messages, one per complaint.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.feedback import complaints
from app import notify
from app.offices import workdays
from app.auth.access import view_permission

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
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if request.method == "POST":
            text = (request.form.get("answer") or "").strip()
            if text:
                return self.run_handling("answer", [pk], text=text)
            flash(_("Please write the answer."), "danger")
        return self.render_template("rekomstat/complaint_answer.html", title=_("Answer the complaint"),
                                    complaint=item, answer=request.form.get("answer", ""))
