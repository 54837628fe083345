"""The REST API (FAB ModelRestApi, JWT from ``POST /api/v1/security/login``).

``/api/v1/requests/``: applicants create and read only their own requests, staff their office's;
``/api/v1/reviews/`` and ``/api/v1/letters/`` read-only in the same scope (applicants see only
issued letters); every workflow action is ``POST /api/v1/requests/<id>/<action>`` and goes
through ``workflow.apply``, exactly like the officers' buttons: 200 with the new state, 403 for
a role that may not take it, 409 with the reason when the state or a guard refuses.
"""
from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import false, select

from app import notify
from app.auth.access import visible_offices
from app.auth.roles import (
    ADMIN,
    APPLICANT,
    OFFICE_STAFF,
    current_user_obj,
    holders_of,
    user_role_names,
)
from app.letters import document as letters
from app.models import LETTER_RESULTS, ActivityRequest, Letter, Office, RekomUser, Review
from app.requests import commands as request_commands
from app.requests import workflow
from app.requests.commands import COUNT_MAX, TEXT_LIMIT
from app.requests.design_checks import run as run_design_checks
from app.requests.form import FIELDS, FORM_COLUMNS, INDICATOR_FIELDS, VARIABLE_FIELDS
from app.web import fab_internals as fab
from app.web import labels
from app.web.api_base import CheckedApi, optional_text_body
from app.web.input_guard import MAX_DB_INT

REQUEST_FORM_COLUMNS = FORM_COLUMNS  # the form definition's columns, in its order
PROGRESS_COLUMNS = [
    "id", "tracking_code", "office.id", "applicant.id", "officer.id", "channel", "state",
    "recommendation_code", "created_at", "submitted_at", "complete_at", "due_date",
    "clock_paused_at", "sent_at", "closed_at",
]
FORM_NAMES = frozenset(REQUEST_FORM_COLUMNS)


# --- input checks ------------------------------------------------------------------------------
# FAB's schemas check types and VARCHAR lengths; what the database's CHECK constraints and
# ranges would refuse (choices, years, counts, date order) is checked here, so that bad input
# is a 422 naming the field instead of a 500 from the database (FAB's add() re-raises it).


def _choice(choices):
    def check(value):
        if value is not None and value not in choices:
            raise ValidationError(_("Choose one of: %(choices)s.", choices=", ".join(choices)))
    return check


def _codes(choices):
    """A multi-choice answer: comma-separated codes, each one offered."""
    def check(value):
        if value and any(code not in choices for code in value.split(",")):
            raise ValidationError(_("Choose codes from: %(choices)s (separated by commas).",
                                    choices=", ".join(choices)))
    return check


def _between(low, high):
    def check(value):
        if value is not None and not low <= value <= high:
            raise ValidationError(_("Enter a number from %(min)s to %(max)s.", min=low, max=high))
    return check


def _at_most(limit: int):
    def check(value):
        if value is not None and len(value) > limit:
            raise ValidationError(_("At most %(max)d characters, please.", max=limit))
    return check


def _letter_lines(max_lines: int, suggestions: bool):
    def check(value):
        problem = letters.text_problem(value, max_lines, suggestions=suggestions)
        if problem:
            raise ValidationError(problem)
    return check


def _request_validators() -> dict:
    checks = {}
    for name, f in FIELDS.items():
        if f.kind == "select":
            checks[name] = _choice(f.choices)
        elif f.kind == "multi":
            checks[name] = _codes(f.choices)
        elif f.kind == "textarea":
            checks[name] = _at_most(TEXT_LIMIT)
        elif f.kind == "decimal":
            checks[name] = _between(0, 100)
        elif f.kind == "int":
            low = {"year": 1945, "sample_size": 1}.get(name, 0)
            checks[name] = _between(low, 2200 if name == "year" else COUNT_MAX)
    return checks


class FilterRequestScope(BaseFilter):
    """Admins: every row. Staff: their office's. Applicants: their own. Anyone else: none.

    ``column_name``: "id" on requests, "request_id" on rows that hang off a request.
    """

    name = _l("Scope")

    def apply(self, query, value):
        user = current_user_obj()
        roles = user_role_names(user) if user is not None else set()
        if ADMIN in roles:
            return query
        requests = select(ActivityRequest.id)
        if roles & OFFICE_STAFF and user.office_id is not None:
            offices = visible_offices(query.session, user.office_id)
            if offices == ():
                return query  # the headquarters reading every office
            requests = requests.where(
                ActivityRequest.office_id == user.office_id if offices is None
                else ActivityRequest.office_id.in_(offices))
        elif APPLICANT in roles:
            requests = requests.where(ActivityRequest.applicant_id == user.id)
        else:
            return query.filter(false())
        query = query.filter(getattr(self.model, self.column_name).in_(requests))
        if self.model is Letter and not roles & OFFICE_STAFF:
            query = query.filter(Letter.issued_at.is_not(None))  # applicants: issued letters only
        return query


class FilterApplicantChoice(BaseFilter):
    """Applicant accounts (staff record walk-in requests for them)."""

    name = _l("Applicant")

    def apply(self, query, value):
        return query.filter(RekomUser.id.in_(holders_of((APPLICANT,))))


class FilterOfficeChoice(BaseFilter):
    """Offices a request may be made in: staff their own, applicants any active office."""

    name = _l("Office")

    def apply(self, query, value):
        user = current_user_obj()
        roles = user_role_names(user) if user is not None else set()
        if ADMIN not in roles and roles & OFFICE_STAFF:
            return query.filter(Office.id == user.office_id)
        return query.filter(Office.active.is_(True))


def _is_staff(roles) -> bool:
    return bool(roles & (OFFICE_STAFF | {ADMIN}))


class RequestApi(CheckedApi):
    resource_name = "requests"
    label_table = labels.REQUEST
    list_title, show_title = _l("Requests"), _l("Request")
    add_title, edit_title = _l("Record a request"), _l("Edit request")
    datamodel = SQLAInterface(ActivityRequest)
    allow_browser_login = True
    base_permissions = ["can_get", "can_post", "can_put", "can_info", "can_delete"]
    base_filters = [["id", FilterRequestScope, None]]
    base_order = ("id", "desc")
    list_columns = [
        "id", "tracking_code", "title", "year", "kind", "agency_name", "state", "office.id",
        "due_date", "submitted_at", "sent_at",
    ]
    # The tables of rows as nested lists, each row with the form definition's fields.
    show_columns = (PROGRESS_COLUMNS + REQUEST_FORM_COLUMNS
                    + [f"variables.{f.name}" for f in VARIABLE_FIELDS]
                    + [f"indicators.{f.name}" for f in INDICATOR_FIELDS])
    add_columns = ["office", "applicant", *REQUEST_FORM_COLUMNS]
    # The choices _info offers: no other office for staff, applicant accounts only.
    add_query_rel_fields = {
        "office": [["id", FilterOfficeChoice, None]],
        "applicant": [["id", FilterApplicantChoice, None]],
    }
    edit_columns = REQUEST_FORM_COLUMNS
    search_columns = ["tracking_code", "title", "agency_name", "year", "state", "office"]
    openapi_spec_tag = "Requests"
    validators_columns = _request_validators()

    # FAB's, overridden by name (fab_internals.OVERRIDES).
    def _init_model_schemas(self):
        super()._init_model_schemas()
        # Applicants never name the applicant (it is who they are); staff must (the domain checks).
        self.add_model_schema.fields["applicant"].required = False

    def _form_values(self, schema, body, partial=False):
        """The body parsed by FAB's schema (types, lengths, choices), as the plain values the
        domain takes: only the form's fields the body names."""
        item = schema.load(body, partial=partial)
        if item in self.datamodel.session:
            self.datamodel.session.expunge(item)  # parsed only: the domain writes the row
        return {name: getattr(item, name) for name in body if name in FORM_NAMES}

    @staticmethod
    def _row_tables(body: dict) -> tuple[dict, dict]:
        """The body's tables of rows ("variables", "indicators": lists of objects keyed by the
        form definition's names), taken out of the body for the front door, and the errors of
        one that is not such a list. A table the body does not name is left as it is."""
        tables, errors = {}, {}
        for key in request_commands.ROW_TABLES:
            if key not in body:
                continue
            rows = body.pop(key)
            if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
                errors[key] = [_("A list of objects, one for each row, please.")]
                continue
            tables[key] = rows
        return tables, errors

    def _refused(self, err):
        if isinstance(err, request_commands.RequestInputError):
            return self.response_422(message=err.errors)
        return self.response(err.status, message=err.message)

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        refused = self.not_a_json_object()
        if refused is not None:
            return refused
        body = dict(request.get_json())
        tables, errors = self._row_tables(body)
        if errors:
            return self.response_422(message=errors)
        ids = {}
        for name in ("office", "applicant"):
            # FAB would look the row up with whatever it is given: an id beyond the column's
            # range overflows in the driver, and PostgreSQL refuses "abc" as an integer (500s).
            # An id is a whole number, given as 5 or as {"id": 5}.
            value = body.get(name)
            if value is None:
                continue  # absent or null: the schema's own "required" check answers
            value = value.get("id") if isinstance(value, dict) else value
            if (isinstance(value, bool) or not isinstance(value, int)
                    or not 0 < value <= MAX_DB_INT):
                return self.response_422(
                    message={name: [_("Give the id of an existing row, e.g. 1.")]})
            ids[name] = value
        try:
            values = self._form_values(self.add_model_schema, body)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        user = g.user
        staff = _is_staff(user_role_names(user))
        if staff and "applicant" not in ids:
            return self.response_422(message={"applicant": [_("Choose the applicant's account.")]})
        office_id = ids.get("office")
        if staff and ADMIN not in user_role_names(user):
            office_id = user.office_id  # staff record requests in their own office
        try:
            saved = request_commands.create(
                self.datamodel.session, user, office_id=office_id, values=values,
                applicant_id=ids.get("applicant") if staff else None,
                variables=tables.get("variables"), indicators=tables.get("indicators"))
        except workflow.WorkflowError as err:
            return self._refused(err)
        except request_commands.RequestInputError as err:
            return self._refused(err)
        notify.try_send_now(saved.email_ids)
        item = self.datamodel.session.get(ActivityRequest, saved.request_id)
        return self.response(201, result=self.add_model_schema.dump(item, many=False),
                             id=saved.request_id)

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        item = self.datamodel.get(pk, fab.base_filters(self))
        if item is None:
            return self.response_404()
        if not request_commands.can_edit(item, g.user):
            return self.response(409, message=_("A request in this state can no longer be "
                                                "changed."))
        refused = self.not_a_json_object()
        if refused is not None:
            return refused
        body = dict(request.get_json())
        tables, errors = self._row_tables(body)
        if errors:
            return self.response_422(message=errors)
        try:
            values = self._form_values(self.edit_model_schema, body, partial=True)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        try:
            saved = request_commands.update(
                self.datamodel.session, g.user, pk, values, variables=tables.get("variables"),
                indicators=tables.get("indicators"))
        except (workflow.WorkflowError, request_commands.RequestInputError) as err:
            return self._refused(err)
        notify.try_send_now(saved.email_ids)
        item = self.datamodel.session.get(ActivityRequest, pk)
        return self.response(200, result=self.edit_model_schema.dump(item, many=False))

    # Keep FAB's OpenAPI text for the overridden endpoints.
    post.__doc__ = ModelRestApi.post.__doc__
    put.__doc__ = ModelRestApi.put.__doc__

    @expose("/<int:pk>/<action_name>", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def workflow_action(self, pk, action_name):
        """Take a workflow action on a request.
        ---
        post:
          summary: Take a workflow action on a request
          description: >-
            One of submit, start_review, request_revision, resubmit, verify, draft_letter,
            initial, issue, return_draft, send, close, withdraw. Who may take which, from which
            state, is the state machine of design.md (initial: the sign-off chain of an office
            that asks for a section head's initials).
          parameters:
          - in: path
            name: pk
            required: true
            schema:
              type: integer
          - in: path
            name: action_name
            required: true
            schema:
              type: string
              enum: [submit, start_review, request_revision, resubmit, verify, draft_letter,
                     initial, issue, return_draft, send, close, withdraw]
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    note:
                      type: string
          responses:
            200:
              description: The action was taken
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      state:
                        type: string
                      from_state:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The request's state or a guard refuses the action
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
        """
        if action_name not in workflow.TRANSITIONS:
            return self.response_404()
        # Out of the user's scope reads as not found: ids of others' requests reveal nothing.
        if self.datamodel.get(pk, fab.base_filters(self)) is None:
            return self.response_404()
        note, refused = optional_text_body("note")
        if refused:
            return self.response_400(message=refused)
        try:
            outcome = workflow.apply(self.datamodel.session, pk, action_name, g.user, note=note)
        except workflow.WorkflowError as err:
            return self.response(err.status, message=err.message)
        notify.try_send_now(outcome.email_ids)
        return self.response(200, id=pk, state=outcome.to_state, from_state=outcome.from_state)

    @expose("/<int:pk>/design-checks", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def design_checks(self, pk):
        """The design checks of a request, computed from its form.
        ---
        get:
          summary: The design checks of a request, each with its reason
          description: >-
            variables_defined, schedule_in_order, questionnaire, sample_size and
            similar_reason, computed from the request as it is now: pass, flag (to be checked
            by the officer) or n/a (does not apply to this kind of activity). They suggest;
            the officer records the review's checklist.
          parameters:
          - in: path
            name: pk
            required: true
            schema:
              type: integer
          responses:
            200:
              description: The checks, in the review checklist's order
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      checks:
                        type: array
                        items:
                          type: object
                          properties:
                            key:
                              type: string
                            label:
                              type: string
                            status:
                              type: string
                              enum: [pass, flag, n/a]
                            reason:
                              type: string
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        # The request's own scope: another office's (or applicant's) request is not found.
        item = self.datamodel.get(pk, fab.base_filters(self))
        if item is None:
            return self.response_404()
        checks = run_design_checks(self.datamodel.session, item)
        return self.response(200, checks=[check.as_dict() for check in checks])


def _checklist_problem(body) -> str | None:
    """Why a checklist body cannot be recorded, or None: ``{"checklist": {item id: {"ok":
    bool, "note": text}}, "notes": text}`` (workflow.record_review would take ``"ok": "false"``
    as true and fail on a note that is not text)."""
    if not isinstance(body, dict) or not isinstance(body.get("checklist", {}), dict):
        return _("The body must be JSON with a checklist object.")
    notes = body.get("notes")
    if notes is not None and not isinstance(notes, str):
        return _("The notes must be text.")
    if len(notes or "") > TEXT_LIMIT:
        return _("The notes: at most %(max)d characters, please.", max=TEXT_LIMIT)
    for key, entry in (body.get("checklist") or {}).items():
        if (not isinstance(entry, dict) or not isinstance(entry.get("ok", False), bool)
                or not isinstance(entry.get("note", ""), (str, type(None)))):
            return _("Checklist item %(item)s: give {\"ok\": true or false, \"note\": \"…\"}.",
                     item=key)
        if len(entry.get("note") or "") > TEXT_LIMIT:
            return _("Checklist item %(item)s: the note has at most %(max)d characters.",
                     item=key, max=TEXT_LIMIT)
    return None


class ReviewApi(CheckedApi):
    resource_name = "reviews"
    label_table = labels.REVIEW
    list_title, show_title = _l("Reviews"), _l("Review")
    add_title, edit_title = _l("Add review"), _l("Edit review")
    datamodel = SQLAInterface(Review)
    allow_browser_login = True
    base_permissions = ["can_get", "can_info"]
    base_filters = [["request_id", FilterRequestScope, None]]
    base_order = ("id", "desc")
    # Read-only here (the checklist has its own endpoint): no relation choices to offer.
    add_columns = edit_columns = ["notes"]
    list_columns = show_columns = [
        "id", "request.id", "round", "officer.id", "outcome", "checklist", "notes",
        "started_at", "finished_at",
    ]
    search_columns = ["request", "round", "outcome"]
    openapi_spec_tag = "Reviews"

    @expose("/<int:pk>/checklist", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def checklist_items(self, pk):
        """The checklist of a review round: what an integration needs to record it.
        ---
        get:
          summary: The checklist items of a review round, with what was recorded
          parameters:
          - in: path
            name: pk
            required: true
            schema:
              type: integer
          responses:
            200:
              description: The round's items (id, label, ok, note), its notes, and whether it
                is the open round
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: integer
                      round:
                        type: integer
                      open:
                        type: boolean
                      notes:
                        type: string
                      items:
                        type: array
                        items:
                          type: object
                          properties:
                            id:
                              type: integer
                            label:
                              type: string
                            ok:
                              type: boolean
                            note:
                              type: string
            404:
              $ref: '#/components/responses/404'
        """
        review = self.datamodel.get(pk, fab.base_filters(self))
        if review is None:
            return self.response_404()
        req = review.request
        recorded = review.checklist or {}
        items = [{"id": item.id, "label": item.text,
                  "ok": bool((recorded.get(str(item.id)) or {}).get("ok")),
                  "note": (recorded.get(str(item.id)) or {}).get("note") or ""}
                 for item in workflow.applicable_checklist(self.datamodel.session, req)]
        latest = workflow.latest_review(req)
        is_open = (req.state == "in_review" and latest is not None and latest.id == review.id
                   and review.finished_at is None)
        return self.response(200, id=review.id, round=review.round, open=is_open,
                             notes=review.notes or "", items=items)

    @expose("/<int:pk>/checklist", methods=["PUT"])
    @protect()
    @safe
    @permission_name("get")
    def checklist(self, pk):
        """Record the checklist of an open review round.
        ---
        put:
          summary: Record the checklist of the open review round
          parameters:
          - in: path
            name: pk
            required: true
            schema:
              type: integer
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    checklist:
                      type: object
                      additionalProperties:
                        type: object
                        properties:
                          ok:
                            type: boolean
                          note:
                            type: string
                    notes:
                      type: string
          responses:
            200:
              description: Recorded
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The review is closed or another officer handles the request
        """
        review = self.datamodel.get(pk, fab.base_filters(self))
        if review is None:
            return self.response_404()
        body = request.get_json(silent=True)
        problem = _checklist_problem(body)
        if problem is not None:
            return self.response_400(message=problem)
        latest = workflow.latest_review(review.request)
        if latest is None or latest.id != review.id:
            return self.response(409, message=_("There is no open review of this request."))
        try:
            review = workflow.record_review(self.datamodel.session, review.request_id, g.user,
                                            body.get("checklist") or {}, notes=body.get("notes"))
        except workflow.WorkflowError as err:
            return self.response(err.status, message=err.message)
        return self.response(200, id=review.id, checklist=review.checklist)


class LetterApi(CheckedApi):
    resource_name = "letters"
    label_table = labels.LETTER
    list_title, show_title = _l("Recommendation letters"), _l("Recommendation letter")
    add_title, edit_title = _l("Add letter"), _l("Edit letter")
    datamodel = SQLAInterface(Letter)
    allow_browser_login = True
    base_permissions = ["can_get", "can_info", "can_put"]
    add_columns = edit_columns = ["result", "suggestions", "body"]
    base_filters = [["request_id", FilterRequestScope, None]]
    base_order = ("id", "desc")
    list_columns = show_columns = [
        "id", "request.id", "office.id", "number", "letter_date", "result", "suggestions",
        "body", "issued_at", "sent_at", "signer_name", "sha256", "verification_code",
    ]
    search_columns = ["request", "number"]
    openapi_spec_tag = "Letters"
    # The letter screen's bounds (letters.text_problem): each line costs the preview's render.
    validators_columns = {"result": _choice(LETTER_RESULTS),
                          "suggestions": _letter_lines(letters.SUGGESTION_MAX_LINES, True),
                          "body": _letter_lines(letters.BODY_MAX_PARAGRAPHS, False)}

    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        letter = self.datamodel.get(pk, fab.base_filters(self))
        if letter is None:
            return self.response_404()
        try:
            letters.begin_edit(letter, g.user)
        except letters.DraftLockedError as err:
            return self.response(err.status, message=err.message)
        refused = self.not_a_json_object()
        if refused is not None:
            return refused
        return self.put_headless(pk)

    put.__doc__ = ModelRestApi.put.__doc__

    @expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def pdf(self, pk):
        """The issued letter as PDF.
        ---
        get:
          summary: Download the issued letter (PDF)
          parameters:
          - in: path
            name: pk
            required: true
            schema:
              type: integer
          responses:
            200:
              description: The PDF
              content:
                application/pdf: {}
            404:
              $ref: '#/components/responses/404'
        """
        letter = self.datamodel.get(pk, fab.base_filters(self))
        if letter is None or not letter.is_issued:
            return self.response_404()
        return send_file(io.BytesIO(letter.pdf), mimetype="application/pdf",
                         download_name=letters.pdf_filename(letter))


APIS = (RequestApi, ReviewApi, LetterApi)

