"""The workflow on the officers' request screen: FAB actions, the note form, the checklist.

Every button ends in ``workflow.apply`` (or ``workflow.record_review``); this module only turns
clicks into calls and refusals into flash messages. An action on several selected requests
goes through for those that may move and says, for each of the others, why not.
"""
from __future__ import annotations

import io


from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.web import labels
from app import notify
from app.requests import pdf_cache, workflow
from app.catalogue import search
from app.auth.access import view_permission
from app.models import ATTACHMENT_KINDS, REQUEST_STATES, AuditEvent
from app.offices.sla import request_sla, sla_label

# FAB action name -> icon. Labels and who may take them come from workflow.TRANSITIONS.
ACTION_ICONS = {
    "submit": "fa-paper-plane",
    "start_review": "fa-play",
    "request_revision": "fa-reply",
    "resubmit": "fa-repeat",
    "verify": "fa-check",
    "draft_letter": "fa-file-text-o",
    "issue": "fa-pencil-square-o",
    "return_draft": "fa-undo",
    "send": "fa-envelope",
    "close": "fa-archive",
}
# Actions whose note the user must write first: they open the note form instead.
NOTE_ACTIONS = {a for a, t in workflow.TRANSITIONS.items() if t.needs_note}


def _ids(items) -> list[int]:
    items = items if isinstance(items, list) else [items]
    return [item.id for item in items if item is not None]


class WorkflowActionsMixin:
    """Mixed into the requests ModelView: one FAB action per staff transition."""

    show_template = "rekomstat/request_show.html"

    def run_workflow(self, action_name: str, ids: list[int], note: str | None = None):
        session = self.datamodel.session
        done, email_ids = 0, []
        for req_id in ids:
            try:
                outcome = workflow.apply(session, req_id, action_name, g.user, note=note)
            except workflow.WorkflowError as err:
                code = self._code(req_id)
                flash(_("%(code)s: %(reason)s", code=code, reason=err.message), "danger")
                continue
            done += 1
            email_ids += outcome.email_ids
        if done:
            flash(ngettext("%(num)d request: %(action)s done.",
                           "%(num)d requests: %(action)s done.", done,
                           action=workflow.TRANSITIONS[action_name].label), "success")
        notify.try_send_now(email_ids)
        if len(ids) == 1:
            return redirect(url_for(".show", pk=ids[0]))
        return redirect(self.get_redirect())

    def _code(self, req_id: int) -> str:
        from app.models import ActivityRequest

        return self.datamodel.session.scalar(
            select(ActivityRequest.tracking_code).where(ActivityRequest.id == req_id)
        ) or f"#{req_id}"

    def _note_first(self, action_name: str, items):
        ids = _ids(items)
        return redirect(url_for(".note_form", action_name=action_name,
                                ids=",".join(map(str, ids))))

    # One FAB action per transition, so each is a permission of its own ("verify", "issue", …).
    @action("submit", _l("Submit"), icon=ACTION_ICONS["submit"])
    def act_submit(self, items):
        return self.run_workflow("submit", _ids(items))

    @action("start_review", _l("Start review"), icon=ACTION_ICONS["start_review"])
    def act_start_review(self, items):
        return self.run_workflow("start_review", _ids(items))

    @action("request_revision", _l("Request revision"), icon=ACTION_ICONS["request_revision"])
    def act_request_revision(self, items):
        return self._note_first("request_revision", items)

    @action("resubmit", _l("Resubmit"), icon=ACTION_ICONS["resubmit"])
    def act_resubmit(self, items):
        return self.run_workflow("resubmit", _ids(items))

    @action("verify", _l("Verify"), icon=ACTION_ICONS["verify"])
    def act_verify(self, items):
        return self.run_workflow("verify", _ids(items))

    @action("draft_letter", _l("Draft letter"), icon=ACTION_ICONS["draft_letter"])
    def act_draft_letter(self, items):
        return self.run_workflow("draft_letter", _ids(items))

    @action("issue", _l("Issue letter"), _l("Sign and issue the letter? It cannot be changed "
                                             "afterwards."), icon=ACTION_ICONS["issue"])
    def act_issue(self, items):
        return self.run_workflow("issue", _ids(items))

    @action("return_draft", _l("Return draft"), icon=ACTION_ICONS["return_draft"])
    def act_return_draft(self, items):
        return self._note_first("return_draft", items)

    @action("send", _l("Send letter"), icon=ACTION_ICONS["send"])
    def act_send(self, items):
        return self.run_workflow("send", _ids(items))

    @action("close", _l("Close"), icon=ACTION_ICONS["close"], multiple=True)
    def act_close(self, items):
        return self.run_workflow("close", _ids(items))

    def _may(self, permission: str) -> bool:
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    @expose("/note/<action_name>", methods=["GET", "POST"])
    @view_permission(lambda action_name: action_name if action_name in NOTE_ACTIONS else None)
    def note_form(self, action_name):
        """The note a revision request or a returned draft needs, then the action itself."""
        try:
            ids = [int(x) for x in (request.values.get("ids") or "").split(",") if x]
        except ValueError:
            abort(400)
        if not ids:
            abort(400)
        # Only requests of the user's own office: another office's id is not found.
        if any(self.datamodel.get(i, self._base_filters) is None for i in ids):
            abort(404)
        if request.method == "POST":
            note = (request.form.get("note") or "").strip()
            if note:
                return self.run_workflow(action_name, ids, note=note)
            flash(_("Please write a note for \"%(action)s\".",
                    action=workflow.TRANSITIONS[action_name].label), "danger")
        return self.render_template(
            "rekomstat/action_note.html", title=workflow.TRANSITIONS[action_name].label,
            action_name=action_name, ids=",".join(map(str, ids)),
            codes=[self._code(i) for i in ids], note=request.form.get("note", ""),
        )

    @expose("/checklist/<int:pk>", methods=["POST"])
    @view_permission("verify")
    def checklist(self, pk):
        """Record the open review's checklist (the officer handling the request)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        results = {
            item_id: {"ok": request.form.get(f"ok_{item_id}") == "y",
                      "note": request.form.get(f"note_{item_id}", "")}
            for item_id in request.form.getlist("item")
        }
        try:
            workflow.record_review(self.datamodel.session, pk, g.user, results,
                                   notes=request.form.get("notes"))
        except workflow.WorkflowError as err:
            flash(err.message, "danger")
        else:
            flash(_("Checklist saved."), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/form/<int:pk>")
    @view_permission("can_show")
    def form_pdf(self, pk):
        """The filled form as PDF, for the office's archive (whoever may read the request)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        # Rendered once per change of what it shows (issue 20).
        return send_file(io.BytesIO(pdf_cache.request_form(item)), mimetype="application/pdf",
                         download_name=f"formulir-{item.tracking_code}.pdf")

    def show_context(self, item, widgets) -> dict:
        # Offer only the buttons this user can take on this request in its state.
        allowed = {t.action for t in workflow.allowed_actions(item, g.user)}
        show = widgets["show"]
        show.template_args["actions"] = {
            name: act for name, act in show.template_args.get("actions", {}).items()
            if name in allowed
        }
        return self._request_panel(item)

    def _request_panel(self, item) -> dict:
        session = self.datamodel.session
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "activity_request", AuditEvent.object_id == item.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        ).all()
        review = workflow.latest_review(item)
        checklist = workflow.applicable_checklist(session, item)
        can_check = (
            item.state == "in_review" and review is not None and review.finished_at is None
            and self._may("verify") and item.officer_id in (None, g.user.id)
        )
        sla = request_sla(item)
        # The reason the service exists: is this activity already recommended elsewhere?
        similar = search.similar(session, " ".join(filter(None, [item.title, item.objectives])),
                                 limit=5, exclude_request_id=item.id)
        return {
            "similar": similar,
            "req": item,
            "events": events,
            "review": review,
            "checklist": checklist,
            "can_check": can_check,
            "sla": sla,
            "sla_text": sla_label(sla),
            "action_labels": labels.AUDIT_ACTIONS,
            "state_labels": REQUEST_STATES,
            "attachment_kinds": ATTACHMENT_KINDS,
        }
