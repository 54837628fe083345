"""The open catalogue API: recommended activities, read-only, for anyone, rate-limited.

``/api/v1/catalogue/`` is FAB's ModelRestApi (list, show, rison filters, paging) over the requests
that are in the catalogue (app/catalogue/search.py's definition: letter issued), showing the public
fields only — never tracking codes, people, e-mail addresses or addresses.
``/api/v1/catalogue/<id>`` is one activity's public metadata (app/catalogue/activity.py's record,
what its /catalogue/<id> page shows) and ``/api/v1/catalogue/<id>/ddi`` the same as a DDI
Codebook 2.5 document; ``/api/v1/catalogue/search`` is the full-text search of the /catalogue/
page, and ``/api/v1/catalogue/download.csv`` / ``download.json`` the whole catalogue as open data.
A sector is a code of models.SECTORS, given with its label (``sector_label``).

Anonymous reading is FAB's own mechanism: the Public role (AUTH_ROLE_PUBLIC) holds ``can_get``
on this API (auth/security.py's matrix). Each endpoint answers an address at most
CATALOGUE_API_RATE_LIMIT times (FAB's ``limits``, counted per endpoint); a download counts as
DOWNLOAD_COST requests.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import sqlalchemy as sa
from flask import Response, current_app, request, stream_with_context
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.utils.limit import Limit
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from app.catalogue import activity, search
from app.metadata import ddi
from app.models import ACTIVITY_KINDS, SECTORS, ActivityRequest
from app.offices import workdays
from app.reports import sheet_cells
from app.web.input_guard import clean

# The public fields, as FAB names them (dotted: the letter and office of the request).
PUBLIC_COLUMNS = [
    "id", "recommendation_code", "title", "year", "kind", "sector", "agency_name",
    "office.name", "letter.number", "letter.letter_date",
]
# The download's columns, in order (CSV header and JSON keys).
DOWNLOAD_FIELDS = (
    "id", "recommendation_code", "title", "year", "kind", "kind_label", "sector", "sector_label",
    "agency_name", "office_name", "letter_number", "letter_date",
)
SECTOR_CODES = ", ".join(SECTORS)


def _rate_limit() -> str:
    return current_app.config.get("CATALOGUE_API_RATE_LIMIT", "60 per minute")


DOWNLOAD_COST = 20  # a whole-catalogue file costs the server what 20 pages of it do


def _cost() -> int:
    """What a request counts against the limit: a download (the whole catalogue, megabytes
    at 100 000 activities) counts as DOWNLOAD_COST requests, so at the default limit an
    address gets three files a minute but sixty pages."""
    return DOWNLOAD_COST if request.endpoint and request.endpoint.endswith(
        ("download_csv", "download_json")) else 1


class FilterInCatalogue(BaseFilter):
    """Requests with an issued letter, in a recommended state (search.RECOMMENDED_STATES)."""

    name = _l("In the catalogue")

    def apply(self, query, value):
        return query.filter(search.in_catalogue())


def _csv_cell(value) -> str:
    # A spreadsheet runs a cell that starts like a formula: applicants wrote these texts, so
    # the CSV quotes such a cell as text (sheet_cells, shared by every export). The JSON keeps
    # the raw text.
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sheet_cells.safe_text(text)


def _record(hit: search.Hit) -> dict:
    return {
        "id": hit.request_id,
        "recommendation_code": hit.recommendation_code,
        "title": hit.title,
        "year": hit.year,
        "kind": hit.kind,
        "kind_label": str(ACTIVITY_KINDS.get(hit.kind, hit.kind)),
        "sector": hit.sector,
        "sector_label": hit.sector_label,
        "agency_name": hit.agency_name,
        "office_name": hit.office_name,
        "letter_number": hit.letter_number,
        "letter_date": hit.letter_date.isoformat() if hit.letter_date else None,
    }


def _year_arg():
    """``?year=`` as a whole number, None when absent; a ValueError when it is not one."""
    raw = request.args.get("year")
    if raw in (None, ""):
        return None
    year = int(raw)
    if not 1 <= year <= 9999:
        raise ValueError(raw)
    return year


def _csv_chunks(hits):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DOWNLOAD_FIELDS)
    for count, hit in enumerate(hits, 1):
        record = _record(hit)
        writer.writerow([_csv_cell(record[name]) for name in DOWNLOAD_FIELDS])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_chunks(hits):
    yield "["
    for count, hit in enumerate(hits):
        yield ("," if count else "") + "\n" + json.dumps(_record(hit), ensure_ascii=False)
    yield "\n]\n"


def _download_name(extension: str) -> str:
    return f"katalog-rekomendasi-{workdays.office_today():%Y%m%d}.{extension}"


class CatalogueApi(ModelRestApi):
    resource_name = "catalogue"
    datamodel = SQLAInterface(ActivityRequest)
    allow_browser_login = True
    # Read-only: FAB's list (get_list), one activity's record and codebook (ours: FAB's get
    # would give the list's columns only), the search and the downloads.
    include_route_methods = {"get_list", "show", "ddi", "search", "download_csv",
                             "download_json"}
    base_permissions = ["can_get"]
    base_filters = [["id", FilterInCatalogue, None]]
    base_order = ("id", "desc")
    list_columns = show_columns = PUBLIC_COLUMNS
    label_columns = {
        "id": _l("Id"),
        "recommendation_code": _l("Recommendation code"),
        "title": _l("Activity"),
        "year": _l("Year"),
        "kind": _l("Kind"),
        "sector": _l("Sector"),
        "agency_name": _l("Agency"),
        "office.name": _l("Office"),
        "letter.number": _l("Letter number"),
        "letter.letter_date": _l("Letter date"),
    }
    search_columns = ["title", "year", "kind", "sector", "agency_name", "recommendation_code"]
    order_columns = ["id", "year", "title", "agency_name", "recommendation_code"]
    openapi_spec_tag = "Catalogue"
    list_title = show_title = _l("Recommended activities")
    limits = [Limit(limit_value=_rate_limit, key_func=get_remote_address, cost=_cost,
                    error_message=_l("Too many requests: please wait a minute."))]

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        """FAB's OpenAPI operations, marked as needing no login (``security: []``)."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func,
                                 **kwargs)
        for operation in (operations or {}).values():
            operation["security"] = []

    def pre_get_list(self, data: dict) -> None:
        """FAB's list: each row's sector with its label, as the search gives it."""
        pairs = list(zip(data.get("ids", []), data.get("result", [])))
        others = [pk for pk, row in pairs if row.get("sector") == "other"]
        texts = dict(self.datamodel.session.execute(
            sa.select(ActivityRequest.id, ActivityRequest.sector_other)
            .where(ActivityRequest.id.in_(others))).all()) if others else {}
        for pk, row in pairs:
            if "sector" in row:  # unless the caller chose other columns
                row["sector_label"] = search.sector_label(row["sector"], texts.get(pk))

    def _not_found(self):
        return self.response(404, message=str(activity.NOT_FOUND))

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def show(self, pk: int):
        """One recommended activity's public metadata.
        ---
        get:
          summary: One recommended activity
          description: >-
            Its identity, objectives, coverage, frequency, collection methods, planned
            releases, the results BPS received, and the variables and indicators that are
            public: what its catalogue page shows. Codes come with their labels. Never people
            or contact data.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The activity
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      result:
                        type: object
                        properties:
                          id: {type: integer}
                          recommendation_code: {type: string, nullable: true}
                          title: {type: string}
                          year: {type: integer}
                          kind: {type: string}
                          kind_label: {type: string, nullable: true}
                          sector: {type: string, nullable: true}
                          sector_label: {type: string, nullable: true}
                          agency_name: {type: string, nullable: true}
                          objectives: {type: string, nullable: true}
                          coverage: {type: string, nullable: true}
                          coverage_label: {type: string, nullable: true}
                          coverage_area: {type: string, nullable: true}
                          frequency: {type: string, nullable: true}
                          frequency_label: {type: string, nullable: true}
                          collection_methods: {type: array, items: {type: string}}
                          collection_methods_labels: {type: array, items: {type: string}}
                          release_dates:
                            type: object
                            properties:
                              printed: {type: string, format: date, nullable: true}
                              digital: {type: string, format: date, nullable: true}
                              microdata: {type: string, format: date, nullable: true}
                          results:
                            type: array
                            description: The results BPS received (PP 51/1999)
                            items:
                              type: object
                              properties:
                                product: {type: string}
                                product_label: {type: string}
                                title: {type: string, nullable: true}
                                link: {type: string, nullable: true}
                                file_url: {type: string, nullable: true}
                                file_name: {type: string, nullable: true}
                                received_on: {type: string, format: date, nullable: true}
                          office:
                            type: object
                            properties:
                              name: {type: string}
                          letter:
                            type: object
                            properties:
                              number: {type: string}
                              letter_date: {type: string, format: date, nullable: true}
                          variables:
                            type: array
                            items:
                              type: object
                              properties:
                                name: {type: string}
                                alias: {type: string, nullable: true}
                                concept: {type: string, nullable: true}
                                definition: {type: string, nullable: true}
                                unit: {type: string, nullable: true}
                                data_type: {type: string, nullable: true}
                                data_type_label: {type: string, nullable: true}
                          indicators:
                            type: array
                            items:
                              type: object
                              properties:
                                name: {type: string}
                                concept: {type: string, nullable: true}
                                definition: {type: string, nullable: true}
                                unit: {type: string, nullable: true}
            404:
              description: No recommended activity has this id
            429:
              description: Too many requests from this address
        """
        req = activity.recommended(self.datamodel.session, pk)
        if req is None:
            return self._not_found()
        return self.response(200, id=req.id, result=activity.record(req))

    @expose("/<int:pk>/ddi", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def ddi(self, pk: int):
        """One recommended activity's metadata as DDI Codebook 2.5 XML.
        ---
        get:
          summary: One recommended activity as DDI Codebook 2.5
          description: >-
            The study description (MS-Keg) and its public variables (MS-Var; public indicators
            as notes), in the DDI Codebook 2.5 schema that survey catalogues such as NADA read.
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The codebook
              content:
                application/xml: {}
            404:
              description: No recommended activity has this id
            429:
              description: Too many requests from this address
        """
        req = activity.recommended(self.datamodel.session, pk)
        if req is None:
            return self._not_found()
        source = activity.PublicCodebookSource(req)
        response = Response(ddi.codebook(source), mimetype=ddi.XML_MIMETYPE)
        response.headers["Content-Disposition"] = (
            f'inline; filename="{ddi.file_name(source)}"')
        return response

    @expose("/search", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def search(self):
        """Full-text search of the catalogue, best match first.
        ---
        get:
          summary: Search recommended activities
          description: >-
            Every word of q must match (title, objectives, agency, sector, variables); the
            last word also as a prefix. Without q, the newest letters first. At most 1000
            matches are counted and ranked; "more" says when there are more.
          parameters:
          - {in: query, name: q, schema: {type: string}}
          - {in: query, name: year, schema: {type: integer}}
          - {in: query, name: agency, schema: {type: string}}
          - in: query
            name: sector
            description: A code of the sector list, as in the sector field of the results.
            schema: {type: string, enum: [%(sectors)s]}
          - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100,
             default: 20}}
          responses:
            200:
              description: One page of matches
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      more: {type: boolean}
                      page: {type: integer}
                      page_size: {type: integer}
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            request_id: {type: integer}
                            recommendation_code: {type: string}
                            title: {type: string}
                            year: {type: integer}
                            agency_name: {type: string}
                            sector: {type: string}
                            sector_label: {type: string}
                            kind: {type: string}
                            letter_number: {type: string}
                            letter_date: {type: string, format: date}
                            office_name: {type: string}
                            score: {type: number}
            400:
              $ref: '#/components/responses/400'
            429:
              description: Too many requests from this address
        """
        try:
            year = _year_arg()
            page = int(request.args.get("page") or 1)
            page_size = int(request.args.get("page_size") or 20)
        except ValueError:
            return self.response_400(message=_("year, page and page_size are whole numbers."))
        if not 1 <= page <= search.MAX_PAGE or not 1 <= page_size <= search.MAX_PER_PAGE:
            return self.response_400(message=_(
                "page is at least 1 and page_size from 1 to %(max)d.", max=search.MAX_PER_PAGE))

        def text(name, limit):
            return clean(request.args.get(name) or "")[:limit].strip() or None

        sector = text("sector", search.MAX_FILTER_CHARS)
        if sector is not None and not search.is_sector(sector):
            return self.response_400(message=_(
                "Unknown sector: give one of the sector codes listed in the API document "
                "(/api/v1/_openapi), e.g. health."))
        found = search.search(
            self.datamodel.session, q=text("q", search.MAX_QUERY_CHARS) or "", year=year,
            agency=text("agency", search.MAX_FILTER_CHARS), sector=sector, page=page,
            per_page=page_size)
        return self.response(200, count=found.total, more=found.more, page=found.page,
                             page_size=found.per_page,
                             result=[hit.as_dict() for hit in found.items])

    def _download(self, extension: str) -> Response:
        """The catalogue (``?year=`` optional) as a file, streamed: bounded memory at any size."""
        try:
            year = _year_arg()
        except ValueError:
            return self.response_400(message=_("year is a whole number."))
        hits = search.every_activity(self.datamodel.session, year=year)
        chunks, mimetype = ((_csv_chunks(hits), "text/csv") if extension == "csv"
                            else (_json_chunks(hits), "application/json"))
        response = Response(stream_with_context(chunks), mimetype=mimetype)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_download_name(extension)}"')
        return response

    @expose("/download.csv", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def download_csv(self):
        """The whole catalogue as CSV (open data).
        ---
        get:
          summary: Download the catalogue as CSV
          description: >-
            UTF-8, comma-separated, a header row, one row per recommended activity, the newest
            letter first. A text that starts with =, +, - or @ is prefixed with ' so that
            spreadsheets do not run it as a formula.
          parameters:
          - {in: query, name: year, schema: {type: integer}}
          responses:
            200:
              description: The CSV file
              content:
                text/csv: {}
            400:
              $ref: '#/components/responses/400'
        """
        return self._download("csv")

    @expose("/download.json", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def download_json(self):
        """The whole catalogue as JSON (open data).
        ---
        get:
          summary: Download the catalogue as JSON
          description: A JSON array of objects, one per recommended activity, newest first.
          parameters:
          - {in: query, name: year, schema: {type: integer}}
          responses:
            200:
              description: The JSON file
              content:
                application/json: {}
            400:
              $ref: '#/components/responses/400'
        """
        return self._download("json")


# The sector codes the search takes, listed in its OpenAPI document.
CatalogueApi.search.__doc__ = CatalogueApi.search.__doc__.replace("%(sectors)s", SECTOR_CODES)
