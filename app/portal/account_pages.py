"""The applicant's own data (UU 27/2022, issue 25): see and correct the profile, download
everything held about them (JSON and a readable PDF), and ask for the account to be erased.

What is held is auth/personal_data.holdings (the erasure erases the same list); the profile is
corrected through auth/accounts.update_profile and the erasure asked through auth/erasure.ask,
the same front doors a staff screen would use. A download is written to the audit trail
("download_own_data"): the breach-readiness screen lists it with the staff's exports.
"""
from __future__ import annotations

import datetime as dt
import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from app.auth import accounts, erasure, personal_data, processing
from app.auth.access import login_required
from app.core import audit, identity
from app.core.transactions import app_session as _session
from app.core.transactions import unit_of_work
from app.letters import document as letters
from app.models import (
    ATTACHMENT_KINDS,
    COMPLAINT_STATES,
    EMAIL_STATES,
    ERASURE_STATES,
    ID_DOC_TYPES,
    LETTER_RESULTS,
    REQUEST_STATES,
    RESULT_STATES,
)
from app.offices.workdays import utcnow
from app.requests.form import FIELDS as REQUEST_FIELDS
from app.requests.form import choice_label
from app.web import formats, labels

bp = Blueprint("portal_account", __name__, url_prefix="/portal")

# The download's sections as the PDF titles them (the JSON keeps the keys).
SECTIONS = {
    "account": _l("Your account"),
    "registrations": _l("Registrations"),
    "requests": _l("Requests"),
    "documents": _l("Documents"),
    "reviews": _l("Reviews of your requests"),
    "letters": _l("Recommendation letters"),
    "results": _l("Results of activities"),
    "ratings": _l("Ratings"),
    "complaints": _l("Complaints"),
    "guest_book": _l("Guest book visits"),
    "emails": _l("E-mails sent to you"),
    "events": _l("Audit trail"),
    "erasure_requests": _l("Requests for erasure"),
}
PDF_VALUE_MAX = 2000  # characters of one value in the PDF (the JSON holds it whole)
# Stored codes as people read them, in the PDF (the JSON keeps the codes).
CODES = {
    ("activity_request", "state"): REQUEST_STATES,
    ("complaint", "state"): COMPLAINT_STATES,
    ("outbound_email", "state"): EMAIL_STATES,
    ("erasure_request", "state"): ERASURE_STATES,
    ("activity_result", "state"): RESULT_STATES,
    ("letter", "result"): LETTER_RESULTS,
    ("attachment", "kind"): ATTACHMENT_KINDS,
    ("audit_event", "action"): labels.AUDIT_ACTIONS,
    ("ab_user", "id_doc_type"): ID_DOC_TYPES,
    ("ab_register_user", "id_doc_type"): ID_DOC_TYPES,
    ("guest_book_entry", "id_doc_type"): ID_DOC_TYPES,
}
DOWNLOAD = "download_own_data"


def _profile_values(user) -> dict:
    return {name: getattr(user, name) or "" for name in accounts.PROFILE_FIELDS
            if name != "id_doc_number"}


def _page(template: str, status: int = 200, **context):
    user = g.user
    session = _session()
    context.setdefault("values", _profile_values(user))
    return render_template(
        template, user=user, doc_types=ID_DOC_TYPES, masked=identity.mask(user.id_doc_number),
        erasure_states=ERASURE_STATES, last_erasure=erasure.latest(session, user),
        **context), status


@bp.get("/account")
@login_required
def account():
    return _page("portal/account.html")


@bp.route("/account/edit", methods=["GET", "POST"])
@login_required
def edit_profile():
    if request.method == "GET":
        return _page("portal/account_edit.html", errors={})
    values = {name: request.form.get(name, "") for name in accounts.PROFILE_FIELDS}
    try:
        changed = accounts.update_profile(_session(), g.user, values)
    except accounts.ProfileError as err:
        flash(err.message, "danger")
        shown = {k: v for k, v in values.items() if k != "id_doc_number"}
        return _page("portal/account_edit.html", 422, errors=err.errors, values=shown)
    flash(_("Your profile is saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for(".account"))


def _record_download(session, user, kind: str) -> None:
    with unit_of_work(session):
        audit.record(session, user, user, DOWNLOAD, note=kind)


def _attachment(user, ext: str) -> dict:
    name = f"data-pribadi-rekomstat-{user.id}-{utcnow():%Y%m%d}.{ext}"
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


@bp.get("/account/data.json")
@login_required
def data_json():
    session = _session()
    body = personal_data.as_dict(session, g.user, utcnow())
    _record_download(session, g.user, "json")
    return Response(json.dumps(body, ensure_ascii=False, indent=1, default=str),
                    mimetype="application/json", headers=_attachment(g.user, "json"))


def _readable(table: str, column: str, value) -> str:
    """One stored value as the PDF prints it: dates in words, codes by their labels."""
    if value is None or value == "":
        return ""
    if table == "activity_request" and column in REQUEST_FIELDS:
        return choice_label(REQUEST_FIELDS[column], value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return formats.datetime_text(value)
    if isinstance(value, dt.date):
        return formats.date_text(value)
    codes = CODES.get((table, column))
    return str(codes.get(value, value)) if codes else str(value)


def _pdf_sections(session, user) -> list:
    sections = []
    for holding in personal_data.holdings(session, user):
        labels = processing.column_labels(current_app.appbuilder, holding.model.__table__)
        rows = []
        for obj in holding.rows:
            fields = []
            for column, attr in personal_data.columns(holding.model):
                if column.name in personal_data.PDF_SKIPPED:
                    continue
                text = _readable(holding.model.__tablename__, column.name, getattr(obj, attr))
                if not text:
                    continue
                if len(text) > PDF_VALUE_MAX:
                    text = text[:PDF_VALUE_MAX] + " …"
                label = labels.get(column.name) or column.name.replace("_", " ").capitalize()
                fields.append((label, text))
            rows.append(fields)
        sections.append({"title": SECTIONS[holding.key], "rows": rows})
    return sections


@bp.get("/account/data.pdf")
@login_required
def data_pdf():
    session = _session()
    html = render_template("portal/my_data_pdf.html", user=g.user, now=utcnow(),
                           sections=_pdf_sections(session, g.user))
    data = letters.render_pdf(html)
    _record_download(session, g.user, "pdf")
    return Response(data, mimetype="application/pdf", headers=_attachment(g.user, "pdf"))


@bp.route("/account/erase", methods=["GET", "POST"])
@login_required
def erase():
    session = _session()
    user = g.user
    context = dict(kept=erasure.kept(session, user), problem=erasure.problem(session, user))
    if request.method == "GET":
        return _page("portal/account_erase.html", errors={}, reason="", **context)
    reason = request.form.get("reason", "")
    errors = {}
    typed = request.form.get("password", "")
    if not typed:
        errors["password"] = _("This field is required.")
    elif not (user.password and check_password_hash(user.password, typed)):
        errors["password"] = _("The password is not right.")
    if not errors:
        try:
            erasure.ask(session, user, reason)
        except erasure.ErasureError as err:
            errors["reason" if err.status == 422 else ""] = err.message
    if errors:
        flash(errors.get("") or _("The request was not sent: please see the form."), "danger")
        return _page("portal/account_erase.html", 422, errors=errors, reason=reason, **context)
    flash(_("Your request for erasure is with the office. You will receive an e-mail once it "
            "is decided."), "success")
    return redirect(url_for(".account"))
