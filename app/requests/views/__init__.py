"""The workflow on the officers' request screen: FAB actions, the note form, the checklist.

Every button ends in ``workflow.apply`` (or ``workflow.record_review``); this module only turns
clicks into calls and refusals into flash messages. An action on several selected requests
goes through for those that may move and says, for each of the others, why not.
"""
from __future__ import annotations

import io
from dataclasses import replace

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.widgets import ShowWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import escape
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app import notify
from app.auth import accounts
from app.auth.access import view_permission
from app.auth.roles import APPLICANT, is_admin
from app.models import (
    ACTIVITY_KINDS,
    ATTACHMENT_KINDS,
    CHANNELS,
    REQUEST_STATES,
    RESULT_PRODUCTS,
    RESULT_STATES,
    REVIEW_OUTCOMES,
    ActivityRequest,
    ActivityResult,
    AuditEvent,
    ChecklistItem,
    Review,
)
from app.offices import workdays
from app.offices.sla import request_sla, sla_cell, sla_label
from app.portal import forms as portal_forms
from app.requests import commands as request_commands
from app.requests import design_checks, pdf_cache, results, workflow
from app.requests import form as request_form
from app.requests.views.form_parts import (  # noqa: F401 (the registry imports them from here)
    AttachmentView,
    RequestChildView,
    RequestIndicatorView,
    RequestVariableView,
    choice_formatter,
)
from app.web import fab_internals as fab
from app.web import labels
from app.web.interface import RekomInterface
from app.web.list_widgets import (
    LeanListWidget,
    LeanSearchWidget,
    lean_gettext,
    navbar_entries,
)
from app.web.screens import READ_ONLY, OfficeScopedView, RoleFilter, choice, grouped, labelled

# FAB action name -> icon. Labels and who may take them come from workflow.TRANSITIONS.
ACTION_ICONS = {
    "submit": "fa-paper-plane",
    "start_review": "fa-play",
    "request_revision": "fa-reply",
    "resubmit": "fa-repeat",
    "verify": "fa-check",
    "draft_letter": "fa-file-text-o",
    "initial": "fa-check-square-o",
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

    @action("initial", _l("Initial letter"), icon=ACTION_ICONS["initial"])
    def act_initial(self, items):
        return self.run_workflow("initial", _ids(items))

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
        if any(self.datamodel.get(i, fab.base_filters(self)) is None for i in ids):
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
        item = self.datamodel.get(pk, fab.base_filters(self))
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
        item = self.datamodel.get(pk, fab.base_filters(self))
        if item is None:
            abort(404)
        # Rendered once per change of what it shows (pdf_cache).
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
        similar = design_checks.similar_activities(session, item, limit=5)
        checks = design_checks.run(session, item, similar=similar)
        return {
            "similar": similar,
            "design_checks": checks,
            "suggested": self._suggested(checklist, review, checks) if can_check else {},
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
            "follow": results.status(item, workdays.office_today()),
            "result_products": RESULT_PRODUCTS,
            "result_states": RESULT_STATES,
            "may_check_results": self.appbuilder.sm.has_access("receive", "ActivityResultView"),
        }

    @staticmethod
    def _suggested(checklist, review, checks) -> dict:
        """Checklist item id -> its design check, for the items the open review has no result
        for yet: the form pre-ticks those that pass and marks those flagged (the officer's
        recorded choice always wins; nothing is stored until the checklist is saved)."""
        recorded = review.checklist or {}
        found = design_checks.by_key(checks)
        return {item.id: found[item.design_check] for item in checklist
                if item.design_check in found
                and str(item.id) not in recorded}








def checklist_text(results) -> str:
    """A review's checklist as lines "✔ item — note" / "✘ item — note"."""
    if not results:
        return ""
    ids = [int(k) for k in results]
    texts = dict(current_app.appbuilder.session.execute(
        select(ChecklistItem.id, ChecklistItem.text).where(ChecklistItem.id.in_(ids))).all())
    lines = []
    for key, value in results.items():
        mark = "✔" if value.get("ok") else "✘"
        note = f" — {value['note']}" if value.get("note") else ""
        lines.append(f"{mark} {texts.get(int(key), key)}{note}")
    return "\n".join(lines)


class ReviewView(RequestChildView):
    """Review rounds: opened by "start review", closed by "request revision" or "verify"."""

    datamodel = RekomInterface(Review)
    base_permissions = READ_ONLY
    list_title = _l("Reviews")
    show_title = _l("Review")
    add_title = _l("Add review")
    edit_title = _l("Edit review")
    list_columns = ["request", "round", "officer", "outcome", "started_at", "finished_at"]
    show_columns = [
        "request", "round", "officer", "outcome", "checklist", "notes", "started_at",
        "finished_at",
    ]
    label_columns = labels.REVIEW
    formatters_columns = {"outcome": labelled(REVIEW_OUTCOMES), "checklist": checklist_text}


class NeededMark:
    """A label with the form's * for a field needed before the request can be submitted (** for
    one of a group, as the portal marks them). Not WTForms' "required" flag: that would make
    the browser refuse to save an unfinished draft."""

    def __init__(self, label, mark="*"):
        self.label, self.mark = label, mark

    def __str__(self):
        return f"{self.label} {self.mark}"

    def __html__(self):
        return str(escape(str(self)))


# The form's own blocks, fields and order (request_form.SECTIONS): one definition for the
# portal, these screens and the PDF.
REQUEST_FIELDSETS = [(s.title, {"fields": request_form.section_columns(s)})
                     for s in request_form.SECTIONS]


def _request_form_fields() -> dict:
    """The portal's fields (selects and checkbox groups with their labels, the same limits)."""
    def marked(f):
        if f.required:
            return replace(f, label=NeededMark(f.label))
        if f.one_of is not None:
            return replace(f, label=NeededMark(f.label, "**"), help=f.one_of.hint)
        return f

    fields = {name: portal_forms.make_field(marked(f)) for name, f in request_form.FIELDS.items()}
    fields.update({name: portal_forms.make_other_field() for name in request_form.OTHER_FIELDS})
    return fields


class RequestShowWidget(ShowWidget):
    template = "rekomstat/request_show_widget.html"


REQUEST_PROGRESS = (
    _l("Progress"),
    {
        "fields": [
            "tracking_code", "state", "officer", "recommendation_code", "created_at",
            "submitted_at", "complete_at", "due_date", "sent_at", "closed_at",
        ]
    },
)


def _applicant_email(form, field):
    """A walk-in request belongs to an applicant: refuse a staff account's address at once,
    so the form comes back with everything the officer typed."""
    try:
        accounts.check_walk_in_email(current_app.appbuilder.session, field.data)
    except accounts.WalkInError as err:
        raise ValidationError(str(err)) from err


class ActivityRequestView(WorkflowActionsMixin, OfficeScopedView):
    # The list loads what its cells read: list_columns, the SLA cell's clock (office, sent,
    # paused, due date) and the order (created_at).
    datamodel = RekomInterface(ActivityRequest, list_load=[
        "id", "office_id", "tracking_code", "title", "agency_name", "year", "channel", "state",
        "due_date", "sent_at", "clock_paused_at", "created_at", "results_due_date",
    ])
    list_title = _l("Requests")
    show_title = _l("Request")
    add_template = "rekomstat/privacy_add.html"  # a walk-in's data: the privacy notice first
    add_title = _l("Record a request")
    edit_title = _l("Edit request")
    related_views = [RequestVariableView, RequestIndicatorView, AttachmentView, ReviewView]
    list_columns = [
        "tracking_code", "title", "agency_name", "year", "channel", "state", "due_date", "sla",
    ]
    search_columns = [
        "tracking_code", "title", "agency_name", "year", "state", "channel", "kind", "office",
    ]
    order_columns = ["tracking_code", "title", "agency_name", "year", "state", "due_date"]
    base_order = ("created_at", "desc")
    # Counted exactly: the officers' work list, its count read from an index (bench_peer).
    count_cap = None
    # The screen officers live on: FAB's widgets with their per-row/per-request work done once
    # (web/list_widgets.py).
    list_template = "rekomstat/request_list.html"
    list_widget = LeanListWidget
    search_widget = LeanSearchWidget
    extra_args = {"lean_gettext": lean_gettext, "navbar_entries": navbar_entries}
    # Recording a paper form (seed step 8): the applicant is named by e-mail; a new one gets an
    # account and a link to choose a password. The channel is walk-in.
    add_fieldsets = [
        (REQUEST_FIELDSETS[0][0], {"fields": ["office", "applicant_email", "applicant_name",
                                              *REQUEST_FIELDSETS[0][1]["fields"]]}),
        *REQUEST_FIELDSETS[1:],
    ]
    edit_fieldsets = [
        (REQUEST_FIELDSETS[0][0], {"fields": ["applicant", "channel",
                                              *REQUEST_FIELDSETS[0][1]["fields"]]}),
        *REQUEST_FIELDSETS[1:],
    ]
    # The page a reviewer works on: actions first (show_widget), the form's blocks folded.
    show_widget = RequestShowWidget
    show_fieldsets = [
        REQUEST_PROGRESS,
        (REQUEST_FIELDSETS[0][0], {"fields": ["office", "applicant", "channel",
                                              *REQUEST_FIELDSETS[0][1]["fields"]]}),
        *[(title, {**spec, "expanded": False}) for title, spec in REQUEST_FIELDSETS[1:]],
    ]
    formatters_columns = {
        # Stored codes read as the form's labels (Berulang, Wawancara, Kertas…).
        **{name: choice_formatter(f) for name, f in request_form.FIELDS.items()
           if f.kind in ("select", "multi", "bool")},
        "state": labelled(REQUEST_STATES),
        "channel": labelled(CHANNELS),
        "kind": labelled(ACTIVITY_KINDS),
        "sla": sla_cell,
        "sample_size": grouped,
        "sampling_error": grouped,
        "sampling_fraction": grouped,
        "field_staff_count": grouped,
    }
    edit_form_extra_fields = {**_request_form_fields(),
                              "channel": choice(_l("Channel"), CHANNELS)}
    add_form_extra_fields = {
        **_request_form_fields(),
        "applicant_email": StringField(
            _l("Applicant's e-mail"),
            validators=[DataRequired(), Email(), Length(max=320), _applicant_email],
            description=_l("An existing applicant account is linked; otherwise one is made and "
                           "the applicant receives a link to choose a password.")),
        "applicant_name": StringField(_l("Applicant's name"), validators=[Length(max=128)]),
    }
    label_columns = labels.REQUEST

    def related_choices(self) -> dict:
        # Walk-in requests are recorded for an applicant account, never for staff.
        return {**super().related_choices(), "applicant": [["roles", RoleFilter, APPLICANT]]}

    # FAB's, overridden by name (fab_internals.OVERRIDES).
    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        """FAB's search widget, without the office select for users bound to one office: it
        would offer their own office only (and cost a query on every page). Kept when an office
        filter arrives in the URL, so the form can show it."""
        cols = self.search_columns
        user = g.user
        filters = fab.search_filters(self)
        if (not is_admin(user) and "office" in cols
                and not any(flt.column_name == "office" for flt in filters.filters)):
            cols = [col for col in cols if col != "office"]
        widgets = widgets or {}
        widgets["search"] = self.search_widget(
            route_base=self.route_base, form=form, include_cols=cols,
            exclude_cols=exclude_cols or [], filters=filters,
        )
        return widgets

    # Every write goes through request_commands, the door of the portal and the API too.
    def write_add(self, form) -> None:
        office = form.office.data
        saved = request_commands.create(
            self.datamodel.session, g.user, office_id=office.id if office else None,
            values=portal_forms.values(form), applicant_email=form.applicant_email.data,
            applicant_name=form.applicant_name.data)
        g.created_request_id = saved.request_id
        notify.try_send_now(saved.email_ids)  # the walk-in's invitation leaves at once
        if saved.invited and notify.mail_configured():
            flash(_("%(email)s received an e-mail to choose a password and follow the request "
                    "online.", email=saved.invited), "info")
        elif saved.invited:
            flash(_("This server sends no e-mail: the invitation for %(email)s waits in the "
                    "Outbox; ask the administrator to pass its link on.",
                    email=saved.invited), "info")  # recorded all the same: not a refusal

    def write_edit(self, form, item) -> None:
        applicant = form.applicant.data
        saved = request_commands.update(
            self.datamodel.session, g.user, item.id, portal_forms.values(form),
            applicant_id=applicant.id if applicant is not None else None,
            channel=form.channel.data)
        notify.try_send_now(saved.email_ids)

    def prefill_form(self, form, pk):
        # Codes and booleans as the selects, radios and checkboxes want them.
        portal_forms.load(form, self.datamodel.get(pk, fab.base_filters(self)))

    def post_add_redirect(self):
        """To the new request's page: its next steps are there (on the requests screen: a new
        request is not overdue, so the overdue screen would not show it)."""
        created = getattr(g, "created_request_id", None)
        if created is not None:
            return redirect(url_for("ActivityRequestView.show", pk=created))
        return super().post_add_redirect()


class FilterOverdue(BaseFilter):
    """Requests past their due date whose letter has not been sent and whose clock runs."""

    name = _l("Overdue")

    def apply(self, query, value):
        return query.filter(
            ActivityRequest.due_date < workdays.office_today(),
            ActivityRequest.sent_at.is_(None),
            ActivityRequest.clock_paused_at.is_(None),
            workflow.in_open_states(ActivityRequest.state),  # the index ix_request_overdue
        )


class OverdueRequestView(ActivityRequestView):
    """The same screen, only the requests past their 30-working-day promise."""

    # Same permissions as the requests screen: an officer who sees one sees the other.
    class_permission_name = "ActivityRequestView"
    list_title = _l("Overdue requests")
    base_order = ("due_date", "asc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fab.base_filters(self).add_filter("due_date", FilterOverdue, None)




# --- The follow-up after the letter (requests/results.py) --------------------------------------


class ActivityResultView(RequestChildView):
    """The results agencies handed in after their letters; officers mark them received or
    return them with a note (the same function as on the request's page)."""

    datamodel = RekomInterface(ActivityResult)
    base_permissions = READ_ONLY
    list_title = _l("Results of activities")
    show_title = _l("Result of an activity")
    list_columns = ["request", "product", "title", "link", "state", "submitted_at"]
    show_columns = ["request", "product", "title", "link", "attachment", "state", "submitted_by",
                    "submitted_at", "checked_by", "checked_at", "check_note"]
    search_columns = ["request", "product", "state", "submitted_at"]
    base_order = ("submitted_at", "desc")
    label_columns = {
        "request": _l("Request"),
        "product": _l("What"),
        "title": _l("Title of the publication"),
        "link": _l("Link"),
        "attachment": _l("File"),
        "state": _l("State"),
        "submitted_by": _l("Handed in by"),
        "submitted_at": _l("Handed in"),
        "checked_by": _l("Checked by"),
        "checked_at": _l("Checked"),
        "check_note": _l("Note to the applicant"),
    }
    formatters_columns = {"product": labelled(RESULT_PRODUCTS),
                          "state": labelled(RESULT_STATES)}

    @action("receive", _l("Mark received"), icon="fa-check", multiple=True)
    def act_receive(self, items):
        items = items if isinstance(items, list) else [items]
        done, mails = 0, []
        for item in items:
            try:
                outcome = results.check(self.datamodel.session, item.id, g.user, received=True)
            except results.ResultsError as err:
                flash(err.message, "danger")
                continue
            done += 1
            mails += outcome.email_ids
        notify.try_send_now(mails)
        if done:
            flash(ngettext("%(num)d result marked received.", "%(num)d results marked received.",
                           done), "success")
        return redirect(request.referrer or url_for(".list"))

    @action("return_results", _l("Return to the applicant"), icon="fa-undo", multiple=False)
    def act_return_results(self, item):
        item = item[0] if isinstance(item, list) else item
        return redirect(url_for(".return_form", pk=item.id))

    @expose("/return/<int:pk>", methods=["GET", "POST"])
    @view_permission("return_results")
    def return_form(self, pk):
        """Return a result to the applicant: the note says why (required)."""
        item = self.datamodel.get(pk, fab.base_filters(self))
        if item is None:
            abort(404)
        note = request.form.get("note", "")
        if request.method == "POST":
            try:
                outcome = results.check(self.datamodel.session, pk, g.user, received=False,
                                        note=note)
            except results.ResultsError as err:
                flash(err.message, "danger")
            else:
                notify.try_send_now(outcome.email_ids)
                flash(_("The results were returned to the applicant."), "success")
                return redirect(url_for("ActivityRequestView.show", pk=item.request_id,
                                        _anchor="results-panel"))
        return self.render_template(
            "rekomstat/result_return.html", title=_("Return to the applicant"), item=item,
            products=RESULT_PRODUCTS, note=note)


class FilterResultsOverdue(BaseFilter):
    """Requests whose results are past their due date, none received."""

    name = _l("Results overdue")

    def apply(self, query, value):
        return query.filter(results.overdue_clause(workdays.office_today()))


class ResultsOverdueView(ActivityRequestView):
    """The activities whose results are overdue (PP 51/1999), the longest late first."""

    class_permission_name = "ActivityRequestView"  # who reads the requests reads these
    list_title = _l("Results overdue")
    list_columns = ["tracking_code", "title", "agency_name", "year", "state", "results_due_date"]
    order_columns = ["tracking_code", "title", "agency_name", "year", "results_due_date"]
    base_order = ("results_due_date", "asc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fab.base_filters(self).add_filter("results_due_date", FilterResultsOverdue, None)
