"""Bulk entry pages: the blank template to download, and a filled one imported into a request.

The import replaces the request's variables and indicators through the front door
(``request_commands.update``: the same rules, one transaction) or changes nothing: a refused
file comes back as a page listing every problem by sheet, row and column (a flash would not
hold a few hundred of them in the session cookie).
"""
from __future__ import annotations

import io
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template_string,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth.access import login_required
from app.auth.roles import ADMIN, OFFICE_STAFF, user_role_names
from app.core.transactions import app_session as _session
from app.models import ActivityRequest
from app.requests import commands as request_commands
from app.requests import workflow

bp = Blueprint("metadata", __name__, url_prefix="/metadata")

STAFF_PAGE = "ActivityRequestView.show"
NO_FILE = _l("Choose the filled template (.xlsx) to upload.")
REFUSED_TITLE = _l("The spreadsheet was not imported")
REFUSED_INTRO = _l("Nothing was changed. Please correct the following in the spreadsheet and "
                   "upload it again:")
BACK = _l("Back to the request")
TEMPLATE_LINK = _l("Template for variables and indicators (Excel)")

# Every text comes translated from here: a string template's own _() would escape extraction.
_REFUSED_PAGE = """{% extends "portal/base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<h1>{{ title }}</h1>
<div class="alert alert-danger" id="import-errors" role="alert">
  <p><strong>{{ intro }}</strong></p>
  <ul>{% for m in messages %}<li>{{ m }}</li>{% endfor %}</ul>
</div>
<p><a class="btn btn-default" href="{{ back }}" id="import-back">{{ back_label }}</a>
   <a class="btn btn-link" href="{{ template_url }}">{{ template_label }}</a></p>
{% endblock %}"""


def _staff_of(user, office_id) -> bool:
    roles = user_role_names(user)
    return ADMIN in roles or (bool(roles & OFFICE_STAFF) and user.office_id == office_id)


def _local_path(value) -> str | None:
    """``value`` when it is a path on this site ("/…"), else None: never another host."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else None


def _back(req: ActivityRequest) -> str:
    """Where the person came from: the ``next`` path given, else the applicant's form or the
    staff's page of the request."""
    chosen = _local_path(request.form.get("next") or request.args.get("next"))
    if chosen:
        return chosen
    if req.applicant_id == g.user.id:
        return url_for("portal.edit_request", req_id=req.id, _anchor="variables")
    if STAFF_PAGE in current_app.view_functions:
        return url_for(STAFF_PAGE, pk=req.id)
    return "/"


def _refused(back: str, messages, status: int):
    return render_template_string(
        _REFUSED_PAGE, title=str(REFUSED_TITLE), intro=str(REFUSED_INTRO),
        messages=[str(m) for m in messages], back=back, back_label=str(BACK),
        template_url=url_for(".template"), template_label=str(TEMPLATE_LINK),
    ), status


@bp.get("/template.xlsx")
@login_required
def template():
    from app.metadata import sheets  # openpyxl: not at start-up (tests/test_startup.py)

    response = send_file(io.BytesIO(sheets.template()), mimetype=sheets.XLSX_MIMETYPE,
                         as_attachment=True, download_name=sheets.FILENAME)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/requests/<int:req_id>/import")
@login_required
def import_rows(req_id):
    """Replace the request's variables and indicators with a filled template's: for whoever
    may edit it now (its applicant while it is theirs to change, staff of its office)."""
    from app.metadata import sheets  # openpyxl: not at start-up (tests/test_startup.py)

    req = _session().get(ActivityRequest, req_id)
    if req is None or not (req.applicant_id == g.user.id or _staff_of(g.user, req.office_id)):
        abort(404)  # ids reveal nothing
    back = _back(req)
    if not request_commands.can_edit(req, g.user):
        return _refused(back, [request_commands.NOT_CHANGEABLE], 409)
    storage = request.files.get("sheet")
    if storage is None or not storage.filename:
        return _refused(back, [NO_FILE], 400)
    try:
        variables, indicators = sheets.read(storage)
        # A sheet left empty keeps that table of the form: whoever lists only the variables
        # expects the indicators typed on the form to stay (sheets.read refuses a file with
        # neither).
        request_commands.update(_session(), g.user, req.id, {},
                                variables=variables or None, indicators=indicators or None)
    except sheets.SheetError as err:
        return _refused(back, err.messages, err.status)
    except request_commands.RequestInputError as err:
        return _refused(back, err.lines(), err.status)
    except workflow.WorkflowError as err:  # changed meanwhile (rolled back, nothing stored)
        return _refused(back, [err.message], 409)
    if variables and indicators:
        flash(_("%(variables)d variables and %(indicators)d indicators imported.",
                variables=len(variables), indicators=len(indicators)), "success")
    elif variables:
        flash(_("%(variables)d variables imported; the indicators on the form are kept.",
                variables=len(variables)), "success")
    else:
        flash(_("%(indicators)d indicators imported; the variables on the form are kept.",
                indicators=len(indicators)), "success")
    return redirect(back)
