"""The officers' and admins' FAB screens: ModelViews and menus.

Row scoping: every office-bound view filters with ``FilterOffice`` (admins see all offices).
Which role sees which view is the matrix in security.py; ``base_permissions`` here only names
what each view offers at all.
"""
from __future__ import annotations

import io

from dataclasses import replace

from flask import abort, current_app, flash, g, redirect, send_file, url_for
from flask_appbuilder import IndexView, ModelView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.widgets import ShowWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_locale
from markupsafe import escape
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.auth import accounts
from app.core import codes, public_urls
from app.feedback import complaints
from app.reports import home
from app.web import labels
from app.letters import document as letters
from app import notify
from app.offices import directory as offices, workdays
from app.requests import pdf_cache, commands as request_commands, form as request_form, workflow
from app.portal import forms as portal_forms
from app.web.screen_writes import SafeWritesMixin
from app.feedback.views import DEADLINE_LABELS, ComplaintActionsMixin, deadline_cell
from app.web.formats import is_number, number_text, value_text
from app.web.list_widgets import (
    LeanListWidget,
    LeanSearchWidget,
    RekomInterface,
    lean_gettext,
    navbar_entries,
)
from app.models import (
    ACTIVITY_KINDS,
    ATTACHMENT_KINDS,
    CHANNELS,
    CHECKLIST_SCOPES,
    COMPLAINT_CHANNELS,
    COMPLAINT_STATES,
    DAY_KINDS,
    EMAIL_STATES,
    ID_DOC_TYPES,
    LETTER_RESULTS,
    QUEUE_STATES,
    REQUEST_STATES,
    REVIEW_OUTCOMES,
    ActivityRequest,
    Attachment,
    AuditEvent,
    ChecklistItem,
    Complaint,
    GuestBookEntry,
    Letter,
    LetterCounter,
    NonWorkingDay,
    Office,
    OfficeSetting,
    OutboundEmail,
    QueueTicket,
    Rating,
    RekomUser,
    RequestVariable,
    Review,
)
from app.core.nip import digits_of, format_nip
from app.requests.views import WorkflowActionsMixin
from app.auth.roles import ADMIN, APPLICANT, HEAD, OFFICER, ROLE_LABELS, is_admin, user_role_names
from app.auth.security import FilterOffice
from app.offices.sla import sla_cell, sla_label

READ_ONLY = ["can_list", "can_show"]
CRUD = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]


def choice(label, mapping, required=True):
    """A select for an enumerated string column, labels translated at render time."""
    return SelectField(
        label,
        choices=[SelectChoice(k, v) for k, v in mapping.items()],
        validators=[DataRequired()] if required else [],
    )


class labelled:
    """Formats an enumerated value with its label.

    The labels are translated once per locale, not once per cell (two columns of every row of
    the requests list); they depend on the locale only.
    """

    def __init__(self, mapping):
        self.mapping = mapping
        self._by_locale: dict = {}

    def __call__(self, value):
        if value is None:
            return ""
        labels = self._labels()
        return self.mapping.get(value, value) if labels is None else labels.get(value, value)

    def _labels(self):
        locale = get_locale()
        if locale is None:  # outside a request: the lazy labels
            return None
        labels = self._by_locale.get(locale)
        if labels is None:
            labels = self._by_locale[locale] = {k: str(v) for k, v in self.mapping.items()}
        return labels

    def for_page(self):
        """This formatter for one page (list_widgets.LeanListWidget): the locale looked up once."""
        labels = self._labels()
        if labels is None:
            return self
        return lambda value: "" if value is None else labels.get(value, value)


def display(value):
    """How a bare value reads in lists and show pages: no "None", yes/no in words, dates and
    date-times as the user's language writes them (formats.py)."""
    if value is None:
        return ""
    if value is True:
        return _l("Yes")
    if value is False:
        return _l("No")
    return value_text(value)


def grouped(value):
    """A count or size with the locale's thousands separator (12.345 in Indonesian)."""
    return number_text(value) if is_number(value) else display(value)


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


class RekomIndexView(IndexView):
    """Staff home at /admin/ ("Tugas saya": what waits on the user, home.py); `/` is the
    public service page. Applicants go to their portal."""

    route_base = "/admin"
    index_template = "rekomstat/index.html"

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        # Every staff page's navbar (rekomstat/navbar.html, FAB's appbuilder/navbar.html
        # included) walks the menu once and shows the user's count of tasks.
        blueprint.add_app_template_global(navbar_entries, "navbar_entries")
        blueprint.add_app_template_global(self.task_count, "navbar_task_count")
        return blueprint

    @staticmethod
    def task_count():
        """The menu's "Tugas saya" badge: what waits on the logged-in staff user (one
        statement, once a page); None for anyone else."""
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if "_rekom_task_count" not in g:
            g._rekom_task_count = home.task_count(current_app.appbuilder.session, user.id,
                                                  user.office_id, user_role_names(user))
        return g._rekom_task_count

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return super().index()
        roles = user_role_names(user)
        if roles == {APPLICANT}:
            return redirect(url_for("portal.home"))
        self.update_redirect()
        session, office_id = self.appbuilder.session, user.office_id
        today, tz = workdays.office_today(), workdays.office_timezone()
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, sla_label=sla_label,
            request_states=REQUEST_STATES, complaint_states=COMPLAINT_STATES,
            deadline_labels=DEADLINE_LABELS, office_columns=home.OFFICE_COLUMNS,
            officer=home.officer_home(session, user.id, office_id, today, tz)
            if OFFICER in roles and office_id else None,
            head=home.head_home(session, office_id, today, tz)
            if HEAD in roles and office_id else None,
            admin=home.admin_home(session, today) if ADMIN in roles else None,
        )


class OfficeScopedView(SafeWritesMixin, ModelView):
    """Rows of the user's office; new rows land in the user's office unless an admin picks."""

    office_column = "office_id"
    office_filter_value = None
    base_permissions = CRUD

    def __init__(self, *args, **kwargs):
        # Set before ModelView.__init__: FAB builds its forms from these there.
        self.base_filters = [[self.office_column, FilterOffice, self.office_filter_value]]
        rel = self.related_choices()
        self.add_form_query_rel_fields = dict(rel)
        self.edit_form_query_rel_fields = dict(rel)
        # The search form's selects too: they would list every office's rows otherwise.
        self.search_form_query_rel_fields = {
            "office": [["id", FilterOffice, None]],
            "parent": [["id", FilterOffice, None]],
            "request": [["office_id", FilterOffice, None]],
            **dict(rel),
        }
        self.formatters_columns = {
            **{column: display for column in self.datamodel.get_columns_list()},
            **(self.formatters_columns or {}),
        }
        super().__init__(*args, **kwargs)

    def related_choices(self) -> dict:
        """Select fields offer only rows of the user's office."""
        return {"office": [["id", FilterOffice, None]]}

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        """FAB's show page, plus whatever ``show_context`` adds for the view's template."""
        pk = self._deserialize_pk_if_composite(pk)
        widgets = self._show(pk)  # 404 outside the user's office
        extra = {}
        if type(self).show_context is not OfficeScopedView.show_context:
            extra = self.show_context(self.datamodel.get(pk, self._base_filters), widgets)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets,
            related_views=self._related_views, **extra,
        )

    def show_context(self, item, widgets) -> dict:
        """Extra values for a view's own show template (none by default)."""
        return {}

    # FAB loads the rows of an action by primary key alone: load them within the user's
    # office instead, so another office's row is simply not there (and never named).
    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters) is None:
            abort(404)
        return super().action(name, pk)

    def action_items(self, pks) -> list:
        # FAB loads an action's rows by primary key alone: within the user's office here.
        items = [self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
                 for pk in pks]
        return [item for item in items if item is not None]

    def _pin_office(self, item):
        user = g.user
        if not is_admin(user) and hasattr(item, "office_id"):
            item.office_id = user.office_id

    def pre_add(self, item):
        self._pin_office(item)

    def pre_update(self, item):
        self._pin_office(item)


class RequestChildView(OfficeScopedView):
    """Rows that belong to a request: scoped through the request's office."""

    office_column = "request"

    def related_choices(self) -> dict:
        return {"request": [["office_id", FilterOffice, None]]}


# --- Layanan ---------------------------------------------------------------------------------


class RequestVariableView(RequestChildView):
    datamodel = RekomInterface(RequestVariable)
    list_title = _l("Variables")
    show_title = _l("Variable")
    add_title = _l("Add variable")
    edit_title = _l("Edit variable")
    list_columns = ["request", "position", "name", "reference_period", "questionnaire_item"]
    add_columns = edit_columns = [
        "request", "position", "name", "concept", "definition", "reference_period",
        "questionnaire_item",
    ]
    show_columns = add_columns
    label_columns = {
        "request": _l("Request"),
        "position": _l("No."),
        "name": _l("Variable name"),
        "concept": _l("Concept"),
        "definition": _l("Definition"),
        "reference_period": _l("Reference period"),
        "questionnaire_item": _l("Questionnaire item"),
    }
    order_columns = ["position", "name"]
    base_order = ("position", "asc")
    # The portal's caps (request_form): past them a row would cost the form's PDF its 5 s.
    validators_columns = {
        name: [Length(max=request_form.text_limit(name, RequestVariable.__table__),
                      message=request_commands.TOO_LONG)]
        for name in ("concept", "definition")
    }

    def pre_add(self, item):
        owner = item.request.id if item.request is not None else item.request_id
        count = self.datamodel.session.scalar(
            select(func.count(RequestVariable.id)).where(RequestVariable.request_id == owner))
        if owner is not None and count >= request_commands.MAX_VARIABLES:
            raise ValueError(_("At most %(max)d variables, please.",
                               max=request_commands.MAX_VARIABLES))


class AttachmentView(RequestChildView):
    datamodel = RekomInterface(Attachment)
    list_title = _l("Attachments")
    show_title = _l("Attachment")
    add_title = _l("Add attachment")
    edit_title = _l("Edit attachment")
    list_columns = ["request", "kind", "original_name", "size", "uploaded_at"]
    show_columns = [
        "request", "kind", "original_name", "content_type", "size", "sha256", "uploaded_by",
        "uploaded_at",
    ]
    # Files arrive through the upload path (portal issue); here only the record's kind changes.
    add_columns = ["request", "kind", "original_name"]
    edit_columns = ["kind"]
    label_columns = {
        "request": _l("Request"),
        "kind": _l("Kind"),
        "original_name": _l("File name"),
        "content_type": _l("Content type"),
        "size": _l("Size (bytes)"),
        "sha256": _l("SHA-256"),
        "uploaded_by": _l("Uploaded by"),
        "uploaded_at": _l("Uploaded at"),
        "stored_name": _l("Stored file name"),
    }
    formatters_columns = {"kind": labelled(ATTACHMENT_KINDS), "size": grouped}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": choice(_l("Kind"), ATTACHMENT_KINDS)
    }

    def pre_add(self, item):
        super().pre_add(item)
        # A record without a file yet: an officer notes a paper document handed in at the desk.
        item.stored_name = codes.random_token(32)
        item.size = 0
        item.content_type = "application/octet-stream"
        item.sha256 = ""
        item.uploaded_by_id = g.user.id


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


def _choice_formatter(f):
    return lambda value: request_form.choice_label(f, value)


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
    datamodel = RekomInterface(ActivityRequest)
    list_title = _l("Requests")
    show_title = _l("Request")
    add_title = _l("Record a request")
    edit_title = _l("Edit request")
    related_views = [RequestVariableView, AttachmentView, ReviewView]
    list_columns = [
        "tracking_code", "title", "agency_name", "year", "channel", "state", "due_date", "sla",
    ]
    search_columns = [
        "tracking_code", "title", "agency_name", "year", "state", "channel", "kind", "office",
    ]
    order_columns = ["tracking_code", "title", "agency_name", "year", "state", "due_date"]
    base_order = ("created_at", "desc")
    # The screen officers live on: FAB's widgets with their per-row/per-request work done once
    # (list_widgets.py).
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
        **{name: _choice_formatter(f) for name, f in request_form.FIELDS.items()
           if f.kind in ("select", "multi", "bool")},
        "state": labelled(REQUEST_STATES),
        "channel": labelled(CHANNELS),
        "kind": labelled(ACTIVITY_KINDS),
        "sla": sla_cell,
        "sample_size": grouped,
        "sampling_error": grouped,
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
        return {**super().related_choices(), "applicant": [["roles", _RoleFilter, APPLICANT]]}

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        """FAB's search widget, without the office select for users bound to one office: it
        would offer their own office only (and cost a query on every page). Kept when an office
        filter arrives in the URL, so the form can show it."""
        cols = self.search_columns
        user = g.user
        if (not is_admin(user) and "office" in cols
                and not any(flt.column_name == "office" for flt in self._filters.filters)):
            cols = [col for col in cols if col != "office"]
        widgets = widgets or {}
        widgets["search"] = self.search_widget(
            route_base=self.route_base, form=form, include_cols=cols,
            exclude_cols=exclude_cols or [], filters=self._filters,
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
        portal_forms.load(form, self.datamodel.get(pk, self._base_filters))

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
            ActivityRequest.state.in_(sorted(workflow.OPEN_STATES)),
        )


class OverdueRequestView(ActivityRequestView):
    """The same screen, only the requests past their 30-working-day promise."""

    # Same permissions as the requests screen: an officer who sees one sees the other.
    class_permission_name = "ActivityRequestView"
    list_title = _l("Overdue requests")
    base_order = ("due_date", "asc")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._base_filters.add_filter("due_date", FilterOverdue, None)


class _RoleFilter(BaseFilter):
    """Users holding the named role (for the applicant select)."""

    name = _l("Role")

    def apply(self, query, value):
        return query.filter(RekomUser.roles.any(name=value))


# --- Surat -----------------------------------------------------------------------------------


def _letter_text(max_lines: int, suggestions: bool):
    """The edit form's check of a draft's suggestions or body (letters.text_problem)."""
    def check(form, field):
        problem = letters.text_problem(field.data, max_lines, suggestions=suggestions)
        if problem:
            raise ValidationError(problem)
    return check


class LetterView(OfficeScopedView):
    datamodel = RekomInterface(Letter)
    list_title = _l("Recommendation letters")
    show_title = _l("Recommendation letter")
    add_title = _l("Add letter")
    edit_title = _l("Edit letter")
    list_columns = ["number", "request", "result", "letter_date", "issued_at", "sent_at"]
    show_columns = [
        "number", "request", "office", "result", "suggestions", "body", "letter_date",
        "drafted_by", "drafted_at", "issued_by", "issued_at", "sent_at", "sha256",
        "verification_code",
    ]
    edit_columns = ["result", "suggestions", "body"]
    add_columns = ["request", "result", "suggestions", "body"]
    search_columns = ["number", "request", "result", "letter_date"]
    label_columns = labels.LETTER
    formatters_columns = {"result": labelled(LETTER_RESULTS)}
    edit_form_extra_fields = {"result": choice(_l("Result"), LETTER_RESULTS)}
    # What a draft may hold (letters.text_problem): each line is an item xhtml2pdf pays for.
    validators_columns = {"suggestions": [_letter_text(letters.SUGGESTION_MAX_LINES, True)],
                          "body": [_letter_text(letters.BODY_MAX_PARAGRAPHS, False)]}
    # Letters are made by the "draft letter" action and numbered by "issue", never added here.
    base_permissions = ["can_list", "can_show", "can_edit", "can_pdf"]
    show_template = "rekomstat/letter_show.html"

    def show_context(self, item, widgets) -> dict:
        return {"letter_pdf_url": url_for(".pdf", pk=item.id)}

    def pre_update(self, item):
        # The model refuses too (letters.py); this gives the officer the plain reason first.
        if item.is_issued:
            raise ValueError(_("An issued letter cannot be changed."))
        item.drafted_by_id = g.user.id

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk):
        """The issued letter's PDF, for staff of its office."""
        letter = self.datamodel.get(pk, self._base_filters)
        if letter is None:
            abort(404)
        if letter.is_issued:
            data = letter.pdf
        else:
            # A draft: marked as a draft, never stored with the letter — what the head reads
            # before signing; rendered once per change of what it shows (pdf_cache, issue 20).
            data = pdf_cache.draft_letter(letter, public_urls.verify_url(letter.verification_code))
        return send_file(io.BytesIO(data), mimetype="application/pdf",
                         download_name=letters.pdf_filename(letter), as_attachment=False)


class LetterCounterView(OfficeScopedView):
    datamodel = RekomInterface(LetterCounter)
    base_permissions = READ_ONLY
    list_title = _l("Letter counters")
    show_title = _l("Letter counter")
    add_title = _l("Add letter counter")
    edit_title = _l("Edit letter counter")
    list_columns = show_columns = ["office", "year", "last_sequence"]
    label_columns = {"office": _l("Office"), "year": _l("Year"), "last_sequence": _l("Last number")}


# --- Pengaduan & Penilaian ------------------------------------------------------------------


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
    # State and answer move only through the actions (take, answer, close): see complaints.py.
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
                "assignee": [*scoped, ["roles", _RoleFilter, OFFICER]]}

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
        self._base_filters.add_filter("due_date", FilterComplaintOverdue, None)


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


# --- Front Office ---------------------------------------------------------------------------


from app.frontoffice.views import (  # noqa: E402
    GuestBookExportMixin,
    QueueActionsMixin,
    ticket_text,
)


class QueueTicketView(QueueActionsMixin, OfficeScopedView):
    """Call next, serve, done, no-show: FAB actions of frontoffice_views.QueueActionsMixin."""

    datamodel = RekomInterface(QueueTicket)
    list_title = _l("Queue")
    show_title = _l("Queue ticket")
    add_title = _l("Take a queue ticket")
    edit_title = _l("Edit queue ticket")
    list_columns = ["service_date", "number", "state", "served_by", "called_at", "finished_at"]
    # Date and number come from the numbering (today's next number of the office).
    add_columns = ["office"]
    edit_columns = ["state"]
    show_columns = [
        "office", "service_date", "number", "state", "created_at", "called_at",
        "finished_at", "served_by",
    ]
    search_columns = ["service_date", "number", "state"]
    order_columns = ["service_date", "number", "state", "called_at", "finished_at"]
    base_order = ("id", "desc")
    label_columns = {
        "office": _l("Office"),
        "service_date": _l("Date"),
        "number": _l("Number"),
        "state": _l("State"),
        "served_by": _l("Served by"),
        "created_at": _l("Taken"),
        "called_at": _l("Called"),
        "finished_at": _l("Finished"),
    }
    formatters_columns = {"state": labelled(QUEUE_STATES)}
    edit_form_extra_fields = {"state": choice(_l("State"), QUEUE_STATES)}


class GuestBookEntryView(GuestBookExportMixin, OfficeScopedView):
    """Export by date: /guestbookentryview/export (frontoffice_views.GuestBookExportMixin)."""

    datamodel = RekomInterface(GuestBookEntry)
    list_title = _l("Guest book")
    show_title = _l("Guest book entry")
    add_title = _l("Add guest book entry")
    edit_title = _l("Edit guest book entry")
    list_columns = ["visited_at", "ticket", "name", "agency", "phone", "purpose"]
    add_columns = edit_columns = [
        "office", "ticket", "name", "id_doc_type", "id_doc_number", "agency", "phone", "email",
        "purpose", "request",
    ]
    show_columns = ["visited_at", *add_columns]
    search_columns = [
        "visited_at", "name", "id_doc_number", "agency", "phone", "email", "purpose",
    ]
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
    formatters_columns = {"id_doc_type": labelled(ID_DOC_TYPES), "ticket": ticket_text}
    add_form_extra_fields = edit_form_extra_fields = {
        "id_doc_type": choice(_l("Identity document"), ID_DOC_TYPES)
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The ticket select: a ticket's own str() writes its date in ISO form.
        for form in (self.add_form, self.edit_form):
            form.ticket.kwargs["get_label"] = ticket_text
            # FAB's blank option has no label, and WTForms then shows its value, "__None".
            form.ticket.kwargs["blank_text"] = _l("— no queue ticket —")
            form.request.kwargs["blank_text"] = _l("— no request —")

    def related_choices(self) -> dict:
        scoped = [["office_id", FilterOffice, None]]
        return {**super().related_choices(), "ticket": scoped, "request": scoped}


# --- Pengaturan -----------------------------------------------------------------------------


def nip_field(form, field):
    """A NIP as typed (spaces, dots, "NIP.") is one of 18 digits; else the reason. The form
    keeps it as typed (a refusal of another field must not rewrite it): the row stores the
    digits (OfficeView.pre_add/pre_update)."""
    try:
        digits_of(field.data)
    except ValueError as err:
        raise ValidationError(str(err)) from None


class OfficeView(OfficeScopedView):
    datamodel = RekomInterface(Office)
    office_column = "id"
    list_title = _l("Offices")
    show_title = _l("Office")
    add_title = _l("Add office")
    edit_title = _l("Edit office")
    list_columns = ["code", "name", "city", "parent", "active"]
    add_columns = edit_columns = show_columns = [
        "code", "name", "address", "city", "phone", "email", "website", "head_name",
        "head_nip", "parent", "active",
    ]
    label_columns = {
        "code": _l("BPS code"),
        "name": _l("Name"),
        "address": _l("Address"),
        "city": _l("City"),
        "phone": _l("Phone"),
        "email": _l("E-mail"),
        "website": _l("Website"),
        "head_name": _l("Head of office"),
        "head_nip": _l("Head's NIP"),
        "parent": _l("Parent office"),
        "active": _l("Active"),
    }
    description_columns = {"head_nip": _l("18 digits, e.g. 19700101 199001 1 001")}
    validators_columns = {"head_nip": [nip_field]}
    formatters_columns = {"head_nip": format_nip}

    def related_choices(self) -> dict:
        return {}  # the parent office may be any office (a province above a regency)

    def pre_add(self, item):
        item.head_nip = digits_of(item.head_nip)  # checked by nip_field: its 18 digits
        # Its settings and checklist are committed with the office row (FAB's add commits).
        offices.set_up_office(self.datamodel.session, item)

    def pre_delete(self, item):
        # The rows the schema deletes with the office (ON DELETE CASCADE), deleted here too:
        # SQLite does not enforce foreign keys, and an orphaned settings row would be taken for
        # the next office that gets the same id.
        session = self.datamodel.session
        for model in (OfficeSetting, ChecklistItem, LetterCounter, QueueTicket, GuestBookEntry,
                      NonWorkingDay):
            session.execute(sa_delete(model).where(model.office_id == item.id))

    def pre_update(self, item):
        item.head_nip = digits_of(item.head_nip)


# Who may sign (issue) the office's letters: workflow._guard_signer checks this role.
SIGNER_ROLES = {role: ROLE_LABELS[role] for role in (HEAD, ADMIN, OFFICER)}


class OfficeSettingView(OfficeScopedView):
    datamodel = RekomInterface(OfficeSetting)
    list_title = _l("Office settings")
    show_title = _l("Office settings")
    add_title = _l("Add office settings")
    edit_title = _l("Edit office settings")
    list_columns = ["office", "classification_code", "number_pattern", "sla_working_days"]
    add_columns = edit_columns = show_columns = [
        "office", "classification_code", "number_pattern", "signer_title", "signer_role",
        "sla_working_days", "complaint_ack_days", "complaint_answer_days", "letter_template",
    ]
    label_columns = {
        "office": _l("Office"),
        "classification_code": _l("Classification code"),
        "number_pattern": _l("Letter number pattern"),
        "signer_title": _l("Signer's title"),
        "signer_role": _l("Signer's role"),
        "sla_working_days": _l("Completion time (working days)"),
        "complaint_ack_days": _l("Complaint acknowledgement (working days)"),
        "complaint_answer_days": _l("Complaint answer (working days)"),
        "letter_template": _l("Letter template"),
    }
    description_columns = {
        "number_pattern": _l("Placeholders: {seq} {office_code} {classification} {year}"),
    }
    formatters_columns = {"signer_role": labelled(SIGNER_ROLES)}
    add_form_extra_fields = edit_form_extra_fields = {
        "signer_role": choice(_l("Signer's role"), SIGNER_ROLES),
    }


class ChecklistItemView(OfficeScopedView):
    datamodel = RekomInterface(ChecklistItem)
    list_title = _l("Review checklist")
    show_title = _l("Checklist item")
    add_title = _l("Add checklist item")
    edit_title = _l("Edit checklist item")
    list_columns = ["office", "position", "text", "applies_to", "active"]
    add_columns = edit_columns = show_columns = ["office", "position", "text", "applies_to", "active"]
    base_order = ("position", "asc")
    label_columns = {
        "office": _l("Office"),
        "position": _l("No."),
        "text": _l("Checklist item"),
        "applies_to": _l("Applies to"),
        "active": _l("Active"),
    }
    formatters_columns = {"applies_to": labelled(CHECKLIST_SCOPES)}
    add_form_extra_fields = edit_form_extra_fields = {
        "applies_to": choice(_l("Applies to"), CHECKLIST_SCOPES)
    }


class NonWorkingDayView(OfficeScopedView):
    datamodel = RekomInterface(NonWorkingDay)
    list_title = _l("Days off")
    show_title = _l("Day off")
    add_title = _l("Add day off")
    edit_title = _l("Edit day off")
    list_columns = ["day", "name", "kind", "is_working_day", "office"]
    add_columns = edit_columns = show_columns = ["office", "day", "name", "kind", "is_working_day"]
    base_order = ("day", "desc")
    label_columns = {
        "office": _l("Office (empty: all offices)"),
        "day": _l("Date"),
        "name": _l("Name"),
        "kind": _l("Kind"),
        "is_working_day": _l("Worked after all"),
    }
    formatters_columns = {"kind": labelled(DAY_KINDS)}
    add_form_extra_fields = edit_form_extra_fields = {"kind": choice(_l("Kind"), DAY_KINDS)}

    # Days for every office (office empty) are part of each office's calendar.
    office_filter_value = "or_null"


AUDIT_OBJECTS = {"activity_request": _l("Request"), "complaint": _l("Complaints")}
AUDIT_STATES = {**COMPLAINT_STATES, **REQUEST_STATES}


class AuditEventView(OfficeScopedView):
    datamodel = RekomInterface(AuditEvent)
    base_permissions = READ_ONLY
    list_title = _l("Audit trail")
    show_title = _l("Audit event")
    add_title = _l("Add audit event")
    edit_title = _l("Edit audit event")
    list_columns = ["at", "actor", "object_type", "object_id", "action", "from_state", "to_state"]
    show_columns = list_columns + ["note", "office"]
    base_order = ("at", "desc")
    label_columns = {
        "at": _l("When"),
        "actor": _l("Who"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "action": _l("Action"),
        "from_state": _l("From"),
        "to_state": _l("To"),
        "note": _l("Note"),
        "office": _l("Office"),
    }
    # The trail stores codes (activity_request, submit, draft): shown with their labels.
    formatters_columns = {
        "object_type": labelled(AUDIT_OBJECTS),
        "action": labelled(labels.AUDIT_ACTIONS),  # the timelines' table
        "from_state": labelled(AUDIT_STATES),
        "to_state": labelled(AUDIT_STATES),
    }


class OutboundEmailView(OfficeScopedView):
    datamodel = RekomInterface(OutboundEmail)
    base_permissions = READ_ONLY
    list_title = _l("Outbox")
    show_title = _l("Outgoing e-mail")
    add_title = _l("Add e-mail")
    edit_title = _l("Edit e-mail")
    list_columns = ["created_at", "recipient", "subject", "state", "attempts", "next_attempt_at"]
    show_columns = list_columns + ["sent_at", "last_error", "body_text"]
    base_order = ("created_at", "desc")
    label_columns = {
        "created_at": _l("Created"),
        "recipient": _l("Recipient"),
        "subject": _l("Subject"),
        "state": _l("State"),
        "attempts": _l("Attempts"),
        "next_attempt_at": _l("Next attempt"),
        "sent_at": _l("Sent"),
        "last_error": _l("Last error"),
        "body_text": _l("Message"),
        "body_html": _l("Message (HTML)"),
        "letter": _l("Letter"),
        "office": _l("Office"),
    }
    # Without a mail server the admin hands a message on (notify.mail_configured): the page
    # shows it with its links clickable and, when held, says so.
    show_template = "rekomstat/outbox_show.html"
    search_columns = ["recipient", "subject", "state", "created_at"]

    @staticmethod
    def links(text: str | None) -> list[str]:
        """The addresses in a message (activation, invitation, request pages …)."""
        import re

        return [url.rstrip(".,;:!?)") for url in re.findall(r"https?://[^\s<>\"']+",
                                                               text or "")]

    @staticmethod
    def text_with_links(text: str | None):
        """The message as text (escaped), each address a link that opens in a new tab."""
        from markupsafe import Markup

        text, parts, rest = text or "", [], 0
        for url in OutboundEmailView.links(text):
            start = text.index(url, rest)
            parts += [escape(text[rest:start]), Markup(
                '<a href="{0}" target="_blank" rel="noopener noreferrer">{0}</a>').format(url)]
            rest = start + len(url)
        return Markup("").join([*parts, escape(text[rest:])])

    formatters_columns = {"state": labelled(EMAIL_STATES), "body_text": text_with_links}

    def show_context(self, item, widgets) -> dict:
        if item is None:
            return {}
        return {"email_held": item.state == notify.HELD, "email_recipient": item.recipient,
                "email_links": self.links(item.body_text)}

    @action("retry", _l("Send again now"), icon="fa-repeat")
    def retry(self, items):
        """Put failed (or waiting) messages back in the queue and try them at once."""
        ids = [item.id for item in (items if isinstance(items, list) else [items]) if item]
        session = self.datamodel.session
        count = notify.retry(session, ids)
        session.commit()
        result = notify.try_send_now(ids)
        flash(_("%(count)d message(s) queued again; %(sent)d sent now.", count=count,
                sent=result.get("sent", 0)), "info")
        return redirect(self.get_redirect())


MENUS = (
    # (view, name, label, icon, category, category label, category icon)
    (ActivityRequestView, "Requests", _l("Requests"), "fa-file-text-o", "Layanan", _l("Services"), "fa-briefcase"),
    (OverdueRequestView, "OverdueRequests", _l("Overdue requests"), "fa-exclamation-triangle", "Layanan", _l("Services"), "fa-briefcase"),
    (ReviewView, "Reviews", _l("Reviews"), "fa-check-square-o", "Layanan", _l("Services"), "fa-briefcase"),
    (RequestVariableView, "Variables", _l("Variables"), "fa-list", "Layanan", _l("Services"), "fa-briefcase"),
    (AttachmentView, "Attachments", _l("Attachments"), "fa-paperclip", "Layanan", _l("Services"), "fa-briefcase"),
    (LetterView, "Letters", _l("Recommendation letters"), "fa-envelope-o", "Surat", _l("Letters"), "fa-envelope"),
    (ComplaintView, "Complaints", _l("Complaints"), "fa-bullhorn", "Pengaduan", _l("Complaints & ratings"), "fa-comments"),
    (OverdueComplaintView, "OverdueComplaints", _l("Overdue complaints"), "fa-exclamation-triangle", "Pengaduan", _l("Complaints & ratings"), "fa-comments"),
    (RatingView, "Ratings", _l("Ratings"), "fa-star", "Pengaduan", _l("Complaints & ratings"), "fa-comments"),
    (QueueTicketView, "Queue", _l("Queue"), "fa-ticket", "FrontOffice", _l("Front office"), "fa-users"),
    (GuestBookEntryView, "GuestBook", _l("Guest book"), "fa-book", "FrontOffice", _l("Front office"), "fa-users"),
    (OfficeView, "Offices", _l("Offices"), "fa-building", "Pengaturan", _l("Settings"), "fa-cog"),
    (OfficeSettingView, "OfficeSettings", _l("Office settings"), "fa-sliders", "Pengaturan", _l("Settings"), "fa-cog"),
    (ChecklistItemView, "Checklist", _l("Review checklist"), "fa-check", "Pengaturan", _l("Settings"), "fa-cog"),
    (NonWorkingDayView, "DaysOff", _l("Days off"), "fa-calendar", "Pengaturan", _l("Settings"), "fa-cog"),
    (LetterCounterView, "LetterCounters", _l("Letter counters"), "fa-sort-numeric-asc", "Pengaturan", _l("Settings"), "fa-cog"),
    (AuditEventView, "Audit", _l("Audit trail"), "fa-history", "Pengaturan", _l("Settings"), "fa-cog"),
    (OutboundEmailView, "Outbox", _l("Outbox"), "fa-paper-plane", "Pengaturan", _l("Settings"), "fa-cog"),
)


# FAB's security screens leave these columns to labels made from the column names, in
# English (our profile columns on the registration, the group screen, a role's users).
SECURITY_LABELS = {
    "RegisterUserModelView": {
        "first_name": _l("First Name"), "last_name": _l("Last Name"),
        "username": _l("User Name"), "email": _l("Email"), "password": _l("Password"),
        "registration_date": _l("Registration date"),
        "registration_hash": _l("Registration code"), "agency": _l("Agency"),
        "position": _l("Position"), "phone": _l("Phone"),
        "id_doc_type": _l("Identity document"), "id_doc_number": _l("Identity document number"),
    },
    "RekomGroupModelView": {
        "name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
        "roles": _l("Roles"), "users": _l("Users"),
    },
    "RekomRoleModelView": {"groups": _l("Groups"), "user": _l("Users")},
    "PermissionViewModelView": {"role": _l("Role")},
}
SECURITY_TITLES = {
    "RegisterUserModelView": {"add_title": _l("Add registration"),
                              "edit_title": _l("Edit registration")},
}


def _fab_views_in_the_users_language(appbuilder) -> None:
    """FAB's own model views (users, roles, groups, registrations…): labels and titles that FAB
    leaves in English, and dates, yes/no and empty values shown as ours are (``display``)."""
    for view in appbuilder.baseviews:
        if not isinstance(view, ModelView) or isinstance(view, OfficeScopedView):
            continue
        name = type(view).__name__
        labels = SECURITY_LABELS.get(name)
        if labels:
            view.label_columns.update(labels)
            # The forms were built with the old labels: build them again (FAB builds a form
            # only where none is set).
            for form in ("search_form", "add_form", "edit_form"):
                view.__dict__.pop(form, None)
            view._init_forms()
        for attr, title in SECURITY_TITLES.get(name, {}).items():
            setattr(view, attr, title)
        view.formatters_columns = {
            **{column: display for column in view.datamodel.get_columns_list()},
            **(view.formatters_columns or {}),
        }


def register_views(appbuilder) -> None:
    from app.reports.views import register as register_dashboard

    register_dashboard(appbuilder)
    _fab_views_in_the_users_language(appbuilder)
    for view, name, label, icon, category, category_label, category_icon in MENUS:
        appbuilder.add_view(
            view,
            name,
            label=label,
            icon=icon,
            category=category,
            category_label=category_label,
            category_icon=category_icon,
        )
