"""The applicant hands in the results of a recommended activity (requests/results.py).

A form on the request's own page (``#results``): a link, or the publication's file. Refused,
the page comes back with the reasons on the fields and what was typed (422); nothing stored.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app import notify
from app.auth.access import login_required
from app.core.transactions import app_session as _session
from app.portal.pages import _own_request, _request_page
from app.requests import results, uploads

bp = Blueprint("portal_results", __name__, url_prefix="/portal")

FIELDS = ("product", "title", "link")


@bp.post("/requests/<int:req_id>/results")
@login_required
def hand_in(req_id):
    req = _own_request(req_id)
    typed = {name: request.form.get(name, "") for name in FIELDS}
    storage = request.files.get("file")
    errors, checked = {}, None
    if storage is not None and storage.filename:
        try:
            checked = uploads.check(storage)
        except uploads.UploadError as err:
            errors["file"] = str(err)
    try:
        if errors:
            raise results.ResultsError(errors)
        outcome = results.submit(_session(), req.id, g.user, typed["product"],
                                 link=typed["link"], title=typed["title"], upload=checked)
    except results.ResultsError as err:
        if err.status == 404:
            raise
        # A refusal of the whole hand-in (no letter sent yet) may have no form to show it on.
        flash(err.errors.get("") or _("The results were not handed in: please see the form."),
              "danger")
        return _request_page(req, results_form=typed, results_errors=err.errors), 422
    notify.try_send_now(outcome.email_ids)
    flash(_("Thank you: the results were handed in. An officer will check them."), "success")
    return redirect(url_for("portal.show_request", req_id=req_id, _anchor="results"))
