"""Satu Data metadata over the REST API (FAB BaseApi; JWT from ``POST /api/v1/security/login``,
or the staff screens' session): the files of the staff screen (metadata/views.py).

- ``GET /api/v1/metadata/requests/<id>/indah``: the request's INDAH workbook (.xlsx);
- ``GET /api/v1/metadata/requests/<id>/ddi``: its DDI Codebook 2.5 document (.xml);
- ``GET /api/v1/metadata/indah?from=YYYY-MM-DD&to=YYYY-MM-DD``: the workbook of every request
  submitted in the period (the office's days, both included);
- ``GET /api/v1/metadata/ddi?from=…&to=…``: their codebooks in a .zip.

Scoping as the screens: officers and heads their office's requests, an admin every office's;
a draft or another office's request is not found (404). A period that is not two valid dates,
ends before it starts, spans more than three years or holds more requests than one file takes
is a 400 saying so. Permission ``can_get`` on ``MetadataApi`` (app/auth/roles.py's matrix).
"""
from __future__ import annotations

import io

from flask import g, request, send_file
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from app.auth.roles import is_admin
from app.metadata import ddi, indah
from app.models import Office
from app.offices import workdays


def _send(data: bytes, mimetype: str, name: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=name, max_age=0)


class MetadataApi(BaseApi):
    resource_name = "metadata"
    allow_browser_login = True
    base_permissions = ["can_get"]
    openapi_spec_tag = "Metadata"

    def response_404(self):
        return self.response(404, message=_("No request with this id can be exported here."))

    def _office_id(self):
        """(office id or None for every office, None) or (None, the 403 to answer)."""
        user = g.user
        if is_admin(user):
            return None, None
        if user.office_id is None:
            return None, self.response_403()
        return user.office_id, None

    def _one(self, req_id: int, options: tuple):
        office_id, refused = self._office_id()
        if refused is not None:
            return None, refused
        req = indah.one(self.appbuilder.session, req_id, office_id, options)
        return (req, None) if req is not None else (None, self.response_404())

    def _period(self, options: tuple):
        """((office id, start, end, requests), None), or (None, the 400/403 to answer)."""
        office_id, refused = self._office_id()
        if refused is not None:
            return None, refused
        try:
            start, end = indah.period(request.args.get("from"), request.args.get("to"))
            reqs = indah.in_period(self.appbuilder.session, office_id, start, end,
                                   workdays.office_timezone(), options)
        except indah.PeriodError as exc:
            return None, self.response_400(message=str(exc))
        return (office_id, start, end, reqs), None

    def _scope_code(self, office_id) -> str:
        office = self.appbuilder.session.get(Office, office_id) if office_id else None
        return office.code if office is not None else "semua"

    @expose("/requests/<int:req_id>/indah", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def request_indah(self, req_id):
        """A request's metadata as INDAH's workbook.
        ---
        get:
          summary: The MS-Keg, MS-Var and MS-Ind of a request as an Excel workbook
          description: >-
            Sheets MS-Keg (the request), MS-Var (its variables) and MS-Ind (its indicators)
            in the layout of the BPS forms: coded answers as the BPS number and its label,
            yes/no as 1/2, dates as Excel dates. Requests that reached "submitted" only.
          parameters:
          - {in: path, name: req_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The workbook
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        req, refused = self._one(req_id, indah.eager_options())
        if refused is not None:
            return refused
        return _send(indah.workbook([req], tz=workdays.office_timezone()),
                     indah.XLSX_MIMETYPE, indah.file_name(req))

    @expose("/requests/<int:req_id>/ddi", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def request_ddi(self, req_id):
        """A request's metadata as DDI Codebook 2.5.
        ---
        get:
          summary: The metadata of a request as a DDI Codebook 2.5 XML document
          parameters:
          - {in: path, name: req_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The codebook
              content:
                application/xml: {}
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        req, refused = self._one(req_id, ddi.eager_options())
        if refused is not None:
            return refused
        return _send(ddi.codebook(req), ddi.XML_MIMETYPE, ddi.file_name(req))

    @expose("/indah", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def period_indah(self):
        """The INDAH workbook of a period.
        ---
        get:
          summary: The MS-Keg, MS-Var and MS-Ind of the requests submitted in a period
          description: >-
            Every request of the office of the caller (an admin: every office) submitted from
            `from` to `to`, both included, in one workbook.
          parameters:
          - {in: query, name: from, required: true, schema: {type: string, format: date}}
          - {in: query, name: to, required: true, schema: {type: string, format: date}}
          responses:
            200:
              description: The workbook
              content:
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        found, refused = self._period(indah.eager_options())
        if refused is not None:
            return refused
        office_id, start, end, reqs = found
        name = indah.period_file_name("indah", self._scope_code(office_id), start, end, "xlsx")
        return _send(indah.workbook(reqs, tz=workdays.office_timezone()), indah.XLSX_MIMETYPE,
                     name)

    @expose("/ddi", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def period_ddi(self):
        """The DDI codebooks of a period.
        ---
        get:
          summary: The DDI Codebook 2.5 documents of the requests submitted in a period
          description: >-
            One XML document per request of the office of the caller (an admin: every office)
            submitted from `from` to `to`, both included, in a zip file.
          parameters:
          - {in: query, name: from, required: true, schema: {type: string, format: date}}
          - {in: query, name: to, required: true, schema: {type: string, format: date}}
          responses:
            200:
              description: The zip file
              content:
                application/zip: {}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        found, refused = self._period(ddi.eager_options())
        if refused is not None:
            return refused
        office_id, start, end, reqs = found
        name = indah.period_file_name("ddi", self._scope_code(office_id), start, end, "zip")
        return _send(ddi.codebooks_zip(reqs), ddi.ZIP_MIMETYPE, name)
