"""Officers' integrations for complaints and ratings (FAB ModelRestApi, as app/requests/api.py).

Same permissions and office scoping as the screens (auth/security.py's matrix; FilterOffice): staff
read their office's complaints and ratings, admins every office's, applicants none (theirs are
in the portal). Officers record a complaint that came in another way (``POST``) and handle it
with ``POST /api/v1/complaints/<id>/<take|answer|close>``, through feedback/complaints.py exactly
like the screen's actions; the head reads. ``GET /api/v1/ratings/ikm`` is the satisfaction index of
a period, as the dashboard computes it.
"""
from __future__ import annotations

import datetime as dt

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from app import notify
from app.auth import access_log
from app.auth.roles import ADMIN, user_role_names
from app.auth.security import FilterOffice
from app.feedback import complaints
from app.models import COMPLAINT_CHANNELS, ActivityRequest, Complaint, Office, Rating
from app.offices import workdays
from app.reports import figures as reports
from app.requests.commands import TEXT_LIMIT
from app.web import fab_internals as fab
from app.web import labels
from app.web.api_base import CheckedApi, optional_text_body
from app.web.input_guard import MAX_DB_INT

COMPLAINT_LIST = [
    "id", "tracking_code", "office.id", "channel", "state", "subject", "assignee.id",
    "created_at", "ack_due_date", "due_date", "answered_at", "closed_at",
]
COMPLAINT_SHOW = COMPLAINT_LIST + [
    "reporter_name", "reporter_email", "reporter_phone", "request.id", "text", "answer",
    "acknowledged_at",
]
RATING_COLUMNS = [
    "id", "request.id", "office.id", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8", "e9",
    "comment", "created_at",
]
IKM_MAX_DAYS = 3 * 366  # a period of at most three years: one query over its ratings
IKM_FIRST, IKM_LAST = dt.date(1945, 1, 1), dt.date(2200, 12, 31)  # as a request's year


def _db_id(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_DB_INT), **kwargs)


class ComplaintIn(Schema):
    """A complaint received by phone, letter, box…: what the screen's add form asks."""

    office = _db_id(load_default=None)
    channel = fields.String(load_default="web", validate=validate.OneOf(list(COMPLAINT_CHANNELS)))
    subject = fields.String(required=True, validate=validate.Length(1, 300))
    text = fields.String(required=True, validate=validate.Length(1, TEXT_LIMIT))
    reporter_name = fields.String(load_default=None, validate=validate.Length(max=200))
    reporter_email = fields.Email(load_default=None, validate=validate.Length(max=200))
    reporter_phone = fields.String(load_default=None, validate=validate.Length(max=50))
    request = _db_id(load_default=None)


class ComplaintApi(CheckedApi):
    resource_name = "complaints"
    label_table = labels.COMPLAINT
    list_title, show_title = _l("Complaints"), _l("Complaint details")
    add_title, edit_title = _l("Record a complaint"), _l("Edit complaint")
    datamodel = SQLAInterface(Complaint)
    allow_browser_login = True
    # FAB's put and delete are not offered: state and answer move through the steps only.
    include_route_methods = {"get", "get_list", "info", "post", "handle"}
    base_permissions = ["can_get", "can_info", "can_post"]
    base_filters = [["office_id", FilterOffice, None]]
    base_order = ("created_at", "desc")
    list_columns = COMPLAINT_LIST
    show_columns = COMPLAINT_SHOW

    def pre_get(self, data) -> None:
        """One complaint read whole (its reporter's name and contacts): an access to personal
        data, as its detail page is (issue 25, auth/access_log)."""
        item = self.datamodel.session.get(Complaint, data.get("id"))
        if item is not None and item.reporter_id != getattr(g.user, "id", None):
            access_log.record_view(self.datamodel.session, g.user, item, note="API")
    add_columns = list(ComplaintIn._declared_fields)  # marshmallow's (fab_internals.ATTRIBUTES)
    # _info offers relation choices: only the user's office and its requests.
    add_query_rel_fields = {"office": [["id", FilterOffice, None]],
                            "request": [["office_id", FilterOffice, None]]}
    edit_columns = ["subject"]  # no PUT; FAB's default would offer every relation in _info
    search_columns = ["tracking_code", "subject", "channel", "state", "created_at"]
    openapi_spec_tag = "Complaints"

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        """Record a complaint that came in by phone, letter, box or e-mail.
        ---
        post:
          summary: Record a complaint
          description: >-
            Staff record it in their own office (an admin names the office). The reporter
            gets the acknowledgement by e-mail when an address is given.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [subject, text]
                  properties:
                    office: {type: integer}
                    channel: {type: string, enum: [box, web, email, lapor, pengaduan_bps]}
                    subject: {type: string, maxLength: 300}
                    text: {type: string}
                    reporter_name: {type: string}
                    reporter_email: {type: string, format: email}
                    reporter_phone: {type: string}
                    request: {type: integer}
          responses:
            201:
              description: Recorded
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      tracking_code: {type: string}
                      state: {type: string}
            400:
              $ref: '#/components/responses/400'
            422:
              $ref: '#/components/responses/422'
        """
        refused = self.not_a_json_object()
        if refused is not None:
            return refused
        try:
            data = ComplaintIn().load(request.get_json())
        except ValidationError as err:
            return self.response_422(message=err.messages)
        session, user = self.datamodel.session, g.user
        office_id = data["office"] if ADMIN in user_role_names(user) else user.office_id
        office = session.get(Office, office_id) if office_id else None
        if office is None or not office.active:
            return self.response_422(message={"office": [_("Choose an active office.")]})
        if data["request"] is not None:
            req = session.get(ActivityRequest, data["request"])
            if req is None or req.office_id != office.id:
                return self.response_422(
                    message={"request": [_("Choose a request of this office.")]})
        complaint, mail_ids = complaints.file_complaint(
            session, office_id=office.id, subject=data["subject"].strip(),
            text=data["text"].strip(), name=data["reporter_name"], email=data["reporter_email"],
            phone=data["reporter_phone"], request_id=data["request"], channel=data["channel"])
        notify.try_send_now(mail_ids)
        return self.response(201, id=complaint.id, tracking_code=complaint.tracking_code,
                             state=complaint.state)

    @expose("/<int:pk>/<step>", methods=["POST"])
    @protect()
    @safe
    @permission_name("get")
    def handle(self, pk, step):
        """Take up, answer or close a complaint.
        ---
        post:
          summary: Take a handling step on a complaint
          description: >-
            take (received → in progress), answer (with the text, e-mailed to the reporter),
            close (answered → closed). Officers of the complaint's office and admins.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: step, required: true,
             schema: {type: string, enum: [take, answer, close]}}
          requestBody:
            required: false
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    text: {type: string}
          responses:
            200:
              description: Done
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      state: {type: string}
                      from_state: {type: string}
            400:
              $ref: '#/components/responses/400'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: The complaint's state does not allow this step
        """
        if step not in complaints.HANDLING:
            return self.response_404()
        complaint = self.datamodel.get(pk, fab.base_filters(self))
        if complaint is None:  # another office's complaint reads as not found
            return self.response_404()
        text, refused = optional_text_body("text")
        if refused:
            return self.response_400(message=refused)
        from_state = complaint.state
        try:
            complaint, mail_ids = complaints.handle(self.datamodel.session, pk, step, g.user,
                                                    text=text)
        except complaints.ComplaintError as err:
            return self.response(err.status, message=err.message)
        notify.try_send_now(mail_ids)
        return self.response(200, id=pk, state=complaint.state, from_state=from_state)


class RatingApi(CheckedApi):
    resource_name = "ratings"
    label_table = labels.RATING
    list_title, show_title = _l("Ratings"), _l("Rating")
    add_title, edit_title = _l("Add rating"), _l("Edit rating")
    datamodel = SQLAInterface(Rating)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info", "ikm"}
    base_permissions = ["can_get", "can_info"]
    base_filters = [["office_id", FilterOffice, None]]
    base_order = ("created_at", "desc")
    list_columns = show_columns = RATING_COLUMNS
    # Read-only: no relation choices for _info to offer (FAB's default: every column).
    add_columns = edit_columns = ["comment"]
    search_columns = ["created_at", "request"]
    openapi_spec_tag = "Ratings"
    @expose("/ikm", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def ikm(self):
        """The satisfaction index (IKM) of a period.
        ---
        get:
          summary: The satisfaction index of a period
          description: >-
            PermenPANRB 14/2017: the nine elements' average (NRR), the index (1–4), the
            converted value (25–100) and its grade, over the ratings given from start to end
            (the office's days, both included). Staff get their office; an admin may name
            one with office, or none for all offices.
          parameters:
          - {in: query, name: start, required: true, schema: {type: string, format: date}}
          - {in: query, name: end, required: true, schema: {type: string, format: date}}
          - {in: query, name: office, schema: {type: integer}}
          responses:
            200:
              description: The index
            400:
              $ref: '#/components/responses/400'
        """
        try:
            start = dt.date.fromisoformat(request.args.get("start", ""))
            end = dt.date.fromisoformat(request.args.get("end", ""))
            office = request.args.get("office", type=int)
        except ValueError:
            return self.response_400(message=_("Give start and end as dates, e.g. 2026-01-31."))
        if not (IKM_FIRST <= start and end <= IKM_LAST):
            # Far dates overflow when the office's days are turned into UTC bounds (a 500).
            return self.response_400(message=_(
                "Give dates from the year %(first)d to %(last)d.",
                first=IKM_FIRST.year, last=IKM_LAST.year))
        if end < start or (end - start).days > IKM_MAX_DAYS:
            return self.response_400(message=_(
                "The period ends on or after its start and spans at most three years."))
        admin = ADMIN in user_role_names(g.user)
        office_id = office if admin else g.user.office_id
        if office_id is None and not admin:
            return self.response_403()
        index = reports.period_ikm(self.datamodel.session, office_id, start, end,
                                   workdays.office_timezone())
        return self.response(
            200, office=office_id, start=start.isoformat(), end=end.isoformat(),
            respondents=index.respondents, elements=list(index.elements), index=index.index,
            converted=index.converted, grade=index.grade,
            grade_label=None if index.grade_label is None else str(index.grade_label))
