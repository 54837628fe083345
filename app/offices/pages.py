"""An office's public pages (blueprint ``office``): its logo, for the portal's header.

``GET /office/<office_id>/logo``: the logo as uploaded (offices/look.py), with its SHA-256 as
the ETag: a browser asks again with If-None-Match and gets 304. The pages link it with the
hash in the query (``?v=``), so a new logo is a new address and the old one may be kept a day.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, request

from app.offices import look

bp = Blueprint("office", __name__, url_prefix="/office")

MAX_AGE_S = 24 * 3600


@bp.get("/<int:office_id>/logo")
def logo(office_id: int):
    found = look.logo(current_app.appbuilder.session, office_id)
    if found is None:
        abort(404)
    media_type, digest, data = found
    response = make_response(data)
    response.content_type = media_type
    response.set_etag(digest)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
    return response.make_conditional(request)
