"""The public catalogue of recommended activities and the similar-activity hint.

No login: all show public fields only (app/catalogue/search.py's Hit, app/catalogue/activity.py's
record). ``/catalogue/`` is the page applicants search before they plan a survey;
``/catalogue/<id>`` one recommended activity's public metadata; ``/catalogue/similar`` answers
the request form's "already recommended" hint (app/static/similar.js) with JSON.
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from flask_babel import gettext as _

from app.catalogue import activity, search
from app.models import ACTIVITY_KINDS, SECTORS
from app.requests import uploads
from app.web.formats import date_text
from app.web.input_guard import clean, cleans_its_own_args

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")

PER_PAGE = 20
SIMILAR_LIMIT, SIMILAR_MAX_LIMIT = 5, 10


def _text_arg(name: str, limit: int) -> str:
    # Without control characters: the search ignores them and the page shows the text back.
    return clean(request.args.get(name) or "")[:limit]


@bp.get("/")
@cleans_its_own_args
def index():
    session = current_app.appbuilder.session
    q = _text_arg("q", search.MAX_QUERY_CHARS)
    agency = _text_arg("agency", search.MAX_FILTER_CHARS).strip()
    sector = _text_arg("sector", search.MAX_FILTER_CHARS).strip()
    if not search.is_sector(sector):
        sector = ""  # a choice the select does not offer (an old link's text): all sectors
    year = request.args.get("year", type=int)
    page_no = request.args.get("page", default=1, type=int)
    result = search.search(session, q=q, year=year, agency=agency or None,
                           sector=sector or None, page=page_no, per_page=PER_PAGE)
    if not result.items and result.page > result.pages:  # past the end: show the last page
        result = search.search(session, q=q, year=year, agency=agency or None,
                               sector=sector or None, page=result.pages, per_page=PER_PAGE)
    args = {"q": q.strip() or None, "year": year, "agency": agency or None,
            "sector": sector or None}
    return render_template(
        "catalogue/search.html", page=result, q=q, year=year, agency=agency, sector=sector,
        args=args, facets=search.facets(session), kinds=ACTIVITY_KINDS, sectors=SECTORS,
        format_date=date_text, appbuilder=current_app.appbuilder,
        filtered=bool(q.strip() or year is not None or agency or sector),
    )


def _iso_date_text(iso) -> str:
    # The record holds its dates as ISO text (it is the API's JSON too).
    return date_text(dt.date.fromisoformat(iso)) if iso else ""


@bp.get("/<int:pk>")
def show(pk: int):
    """One recommended activity's public metadata; 404 for any other id."""
    req = activity.recommended(current_app.appbuilder.session, pk)
    if req is None:
        return render_template("errors/http.html", title=_("Activity not found"),
                               message=activity.NOT_FOUND), 404
    return render_template(
        "catalogue/activity.html", item=activity.record(req),
        releases=activity.release_labels(), format_date=_iso_date_text,
        appbuilder=current_app.appbuilder)


@bp.get("/<int:pk>/results/<int:result_id>")
def result_file(pk: int, result_id: int):
    """The file of a result BPS received: public, as the activity's catalogue page is (not
    microdata: activity.received_result)."""
    row = activity.received_result(current_app.appbuilder.session, pk, result_id)
    if row is None or row.attachment is None:
        abort(404)
    path = uploads.path_of(row.attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=row.attachment.content_type, as_attachment=True,
                         download_name=row.attachment.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/similar")
@cleans_its_own_args
def similar():
    """``?text=…&exclude=<request id>&limit=5``: a JSON list of the closest recommended
    activities, best first, each with its score."""
    session = current_app.appbuilder.session
    text = _text_arg("text", search.MAX_TEXT_CHARS)
    limit = min(max(request.args.get("limit", default=SIMILAR_LIMIT, type=int), 1),
                SIMILAR_MAX_LIMIT)
    exclude = request.args.get("exclude", type=int)
    hits = search.similar(session, text, limit=limit, exclude_request_id=exclude)
    return jsonify([hit.as_dict() for hit in hits])
