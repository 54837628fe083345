"""The officers' and admins' FAB screens: ModelViews and menus.

Row scoping: every office-bound view filters with ``FilterOffice`` (admins see all offices).
Which role sees which view is the matrix in security.py; ``base_permissions`` here only names
what each view offers at all.
"""
from __future__ import annotations

import io

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import IndexView, ModelView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.const import FLAMSG_ERR_SEC_ACCESS_DENIED
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from . import codes, complaints, letters, notify, registration, request_form, workflow
from .complaint_actions import ComplaintActionsMixin, deadline_cell
from .formats import is_number, number_text, value_text
from .list_widgets import (
    LeanListWidget,
    LeanSearchWidget,
    RekomInterface,
    lean_gettext,
    navbar_entries,
)
from .models import (
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
from .nip import digits_of, format_nip
from .request_actions import WorkflowActionsMixin, sla_cell
from .security import (
    ADMIN,
    APPLICANT,
    HEAD,
    OFFICER,
    ROLE_LABELS,
    FilterOffice,
    is_admin,
    user_role_names,
)

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
    """Staff home at /admin/; `/` is the public service page. Applicants go to their portal."""

    route_base = "/admin"
    index_template = "rekomstat/index.html"

    @expose("/")
    def index(self):
        user = getattr(g, "user", None)
        if user is not None and user.is_authenticated and user_role_names(user) == {APPLICANT}:
            return redirect(url_for("portal.home"))
        return super().index()


class OfficeScopedView(ModelView):
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

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action")
        if name not in self.actions:
            abort(400)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name),
                                             self.class_permission_name):
            flash(str(FLAMSG_ERR_SEC_ACCESS_DENIED), "danger")
            return redirect(url_for(".list"))
        pks = request.form.getlist("rowid")
        items = [self.datamodel.get(self._deserialize_pk_if_composite(pk), self._base_filters)
                 for pk in pks]
        items = [item for item in items if item is not None]
        if pks and not items:
            abort(404)  # only rows of another office were sent
        return self.actions[name].func(items)

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
    label_columns = {
        "request": _l("Request"),
        "round": _l("Round"),
        "officer": _l("Officer"),
        "outcome": _l("Outcome"),
        "checklist": _l("Checklist"),
        "notes": _l("Notes"),
        "started_at": _l("Started"),
        "finished_at": _l("Finished"),
    }
    formatters_columns = {"outcome": labelled(REVIEW_OUTCOMES), "checklist": checklist_text}


REQUEST_FIELDSETS = [
    (_l("Activity"), {"fields": ["office", "applicant", "channel", "title", "year", "kind", "sector"]}),
    (
        _l("Block I: Organiser"),
        {
            "fields": [
                "agency_name", "agency_unit", "agency_head_title", "agency_address",
                "agency_phone", "agency_fax", "agency_email",
            ]
        },
    ),
    (
        _l("Block II: People in charge"),
        {
            "fields": [
                "resp_name", "resp_position", "resp_address", "resp_phone", "resp_email",
                "tech_name", "tech_position", "tech_address", "tech_phone", "tech_email",
            ]
        },
    ),
    (
        _l("Block III: Planning"),
        {
            "fields": [
                "background", "objectives", "benefits", "funding_source",
                "planning_start", "planning_end", "design_start", "design_end",
                "collection_start", "collection_end", "processing_start", "processing_end",
                "analysis_start", "analysis_end", "dissemination_start", "dissemination_end",
                "evaluation_start", "evaluation_end",
            ]
        },
    ),
    (
        _l("Block IV: Activity design"),
        {
            "fields": [
                "repetition", "frequency", "collection_type", "coverage_area",
                "coverage_level", "presentation_level", "collection_methods",
                "collection_media", "collection_units",
            ]
        },
    ),
    (
        _l("Block V: Sample design"),
        {
            "fields": [
                "is_census", "sample_stages", "selection_method", "selection_method_name",
                "sampling_frame", "sample_size", "sampling_error", "sample_unit",
                "observation_unit",
            ]
        },
    ),
    (
        _l("Block VI: Data collection"),
        {
            "fields": [
                "pilot_test", "quality_control", "nonresponse_adjustment",
                "field_staff_count", "field_staff_education", "field_staff_training",
            ]
        },
    ),
    (
        _l("Block VII: Processing and analysis"),
        {"fields": ["processing_stages", "analysis_method", "analysis_unit", "result_level"]},
    ),
    (_l("Block VIII: Dissemination"), {"fields": ["dissemination_products", "release_date"]}),
]

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
        registration.check_walk_in_email(current_app.appbuilder.session, field.data)
    except registration.WalkInError as err:
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
        (_l("Activity"), {"fields": ["office", "applicant_email", "applicant_name", "title",
                                     "year", "kind", "sector"]}),
        *REQUEST_FIELDSETS[1:],
    ]
    edit_fieldsets = REQUEST_FIELDSETS
    show_fieldsets = [REQUEST_PROGRESS, *REQUEST_FIELDSETS]
    formatters_columns = {
        "state": labelled(REQUEST_STATES),
        "channel": labelled(CHANNELS),
        "kind": labelled(ACTIVITY_KINDS),
        "sla": sla_cell,
        "sample_size": grouped,
        "sampling_error": grouped,
        "field_staff_count": grouped,
    }
    edit_form_extra_fields = {
        "channel": choice(_l("Channel"), CHANNELS),
        "kind": choice(_l("Kind of activity"), ACTIVITY_KINDS),
    }
    add_form_extra_fields = {
        "kind": choice(_l("Kind of activity"), ACTIVITY_KINDS),
        "applicant_email": StringField(
            _l("Applicant's e-mail"),
            validators=[DataRequired(), Email(), Length(max=320), _applicant_email],
            description=_l("An existing applicant account is linked; otherwise one is made and "
                           "the applicant receives a link to choose a password.")),
        "applicant_name": StringField(_l("Applicant's name"), validators=[Length(max=128)]),
    }
    label_columns = {
        **request_form.labels(),  # the form's own labels: one definition for every screen
        "tracking_code": _l("Tracking code"),
        "office": _l("Office"),
        "applicant": _l("Applicant"),
        "officer": _l("Officer"),
        "channel": _l("Channel"),
        "state": _l("State"),
        "recommendation_code": _l("Recommendation identity"),
        "created_at": _l("Created"),
        "submitted_at": _l("Submitted"),
        "complete_at": _l("Recorded complete"),
        "due_date": _l("Due date"),
        "sent_at": _l("Letter sent"),
        "closed_at": _l("Closed"),
        "sla": _l("30-day promise"),
    }

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

    def pre_add(self, item):
        super().pre_add(item)
        item.tracking_code = codes.tracking_code("RKS")
        item.state = "draft"
        item.channel = "walk_in"
        session = self.datamodel.session
        applicant, created = registration.walk_in_applicant(
            session, item.applicant_email, item.applicant_name)
        item.applicant = applicant
        if created:
            session.flush()  # the account's id, for the invitation link
            registration.invite(session, applicant)

    def pre_update(self, item):
        # Once the letter is issued the request it describes is a record, not a form.
        if item.state not in workflow.PRE_ISSUE:
            raise ValueError(_("A request in this state can no longer be changed."))
        super().pre_update(item)


class FilterOverdue(BaseFilter):
    """Requests past their due date whose letter has not been sent and whose clock runs."""

    name = _l("Overdue")

    def apply(self, query, value):
        return query.filter(
            ActivityRequest.due_date < workflow.office_today(),
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
    label_columns = {
        "number": _l("Letter number"),
        "request": _l("Request"),
        "office": _l("Office"),
        "result": _l("Result"),
        "suggestions": _l("Suggestions"),
        "body": _l("Letter text"),
        "letter_date": _l("Letter date"),
        "drafted_by": _l("Drafted by"),
        "drafted_at": _l("Drafted"),
        "issued_by": _l("Issued by"),
        "issued_at": _l("Issued"),
        "sent_at": _l("Sent"),
        "sha256": _l("PDF SHA-256"),
        "verification_code": _l("Verification code"),
    }
    formatters_columns = {"result": labelled(LETTER_RESULTS)}
    edit_form_extra_fields = {"result": choice(_l("Result"), LETTER_RESULTS)}
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
            # A draft: rendered on the fly, marked as a draft, never stored — what the head reads
            # before signing.
            data = letters.render_pdf(letters.render_html(
                letter, verify_url=workflow.verify_url(letter.verification_code)))
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
    label_columns = {
        "tracking_code": _l("Tracking code"),
        "office": _l("Office"),
        "channel": _l("Channel"),
        "reporter_name": _l("Reporter name"),
        "reporter_email": _l("Reporter e-mail"),
        "reporter_phone": _l("Reporter phone"),
        "request": _l("Request"),
        "subject": _l("Subject"),
        "text": _l("Complaint"),
        "state": _l("State"),
        "assignee": _l("Officer"),
        "answer": _l("Answer"),
        "created_at": _l("Received"),
        "ack_due_date": _l("Acknowledge by"),
        "due_date": _l("Answer by"),
        "answered_at": _l("Answered"),
        "closed_at": _l("Closed"),
        "deadline": _l("Deadline"),
    }
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
            session, item.office_id, workflow.office_today())
        session.add(item)
        session.flush()
        if item.reporter_email:
            complaints.queue_acknowledgement(
                session, item, complaints.complaint_days(session, item.office_id)[1])


class FilterComplaintOverdue(BaseFilter):
    """Open complaints past their answer date."""

    name = _l("Overdue")

    def apply(self, query, value):
        return query.filter(Complaint.due_date < workflow.office_today(),
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
    label_columns = {
        "request": _l("Request"),
        "e1": _l("Requirements"),
        "e2": _l("Procedure"),
        "e3": _l("Completion time"),
        "e4": _l("Cost"),
        "e5": _l("Product"),
        "e6": _l("Staff competence"),
        "e7": _l("Staff behaviour"),
        "e8": _l("Complaint handling"),
        "e9": _l("Facilities"),
        "comment": _l("Comment"),
        "created_at": _l("Rated"),
        "office": _l("Office"),
        "rater": _l("Rated by"),
    }


# --- Front Office ---------------------------------------------------------------------------


from .frontoffice_views import (  # noqa: E402
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

    def related_choices(self) -> dict:
        scoped = [["office_id", FilterOffice, None]]
        return {**super().related_choices(), "ticket": scoped, "request": scoped}


# --- Pengaturan -----------------------------------------------------------------------------


def nip_field(form, field):
    """A NIP as typed (spaces, dots, "NIP.") is stored as its 18 digits; else the reason."""
    try:
        field.data = digits_of(field.data)
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
        pass

    def pre_update(self, item):
        pass


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
AUDIT_ACTIONS = {
    **{name: t.label for name, t in workflow.TRANSITIONS.items()},
    "create": _l("Created"),
    "review": _l("Review checklist"),
    "take": _l("Take up"),
    "answer": _l("Answer"),
}
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
        "action": labelled(AUDIT_ACTIONS),
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
    formatters_columns = {"state": labelled(EMAIL_STATES)}
    search_columns = ["recipient", "subject", "state", "created_at"]

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
    from .dashboard import register as register_dashboard

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
