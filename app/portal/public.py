"""Public pages that need no account: the service page, letter verification, the health check.

The applicant portal (portal/pages.py) grows beside this in the portal issue.
"""
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text
from werkzeug.exceptions import HTTPException

from app.letters import document as letter_document
from app.letters import verification
from app.models import LETTER_RESULTS, Letter
from app.offices.directory import default_office
from app.portal import service_standard
from app.reports import skm_report
from app.web import formats

bp = Blueprint("public", __name__)


@bp.record_once
def _template_filters(state) -> None:
    """Every template (ours, e-mails, FAB overrides) writes dates and numbers through these:
    ``{{ d|date_text }}``, ``{{ t|datetime_text }}``, ``{{ n|number_text }}``."""
    state.app.jinja_env.filters.update(
        date_text=formats.date_text, datetime_text=formats.datetime_text,
        number_text=formats.number_text)


@bp.get("/")
def home():
    session = current_app.appbuilder.session
    office = default_office(session)
    # The office's latest satisfaction index, when its setting publishes it (issue 24).
    ikm = skm_report.latest_published(session, office.id) if office else None
    return render_template("public/home.html", office=office, std=service_standard,
                           view_functions=current_app.view_functions, ikm=ikm)


@bp.route("/verify/<code>", methods=["GET", "POST"])
def verify(code: str):
    """Is this letter genuine? The QR code on every issued letter points here. A POST of a PDF
    file also says whether that file is the letter issued and whether its signature holds."""
    session = current_app.appbuilder.session
    letter = None
    if len(code) <= 64:
        letter = session.scalars(
            select(Letter).where(Letter.verification_code == code, Letter.issued_at.is_not(None))
        ).first()
    if letter is None:
        return render_template("public/verify.html", letter=None), 404
    verdict = problem = None
    status = 200
    if request.method == "POST":
        upload = request.files.get("pdf")
        data = verification.read_limited(upload.stream) if upload else b""
        if not upload or not upload.filename or data == b"":
            problem, status = _("Choose the PDF file of the letter to check."), 400
        elif data is None:
            problem, status = _("This file is far larger than any letter: it is not the "
                                "letter issued."), 400
        else:
            verdict = verification.check_upload(letter, data)
    return render_template(
        "public/verify.html", letter=letter, req=letter.request, office=letter.office,
        letter_date=formats.date_text(letter.letter_date), verdict=verdict, problem=problem,
        results=LETTER_RESULTS, form_name=letter_document.attachment_name(letter.request.kind),
    ), status


@bp.get("/health")
def health():
    """200 when the database answers, 503 otherwise (for load balancers and monitors)."""
    session = current_app.appbuilder.session
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not healthy", never a 500
        session.rollback()
        current_app.logger.warning("health check failed: %s", exc)
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


# Werkzeug's pages for these are English; ours speak the user's language.
_HTTP_ERRORS = {
    403: (_l("Access is Denied"), _l("You may not open this page.")),
    404: (_l("Page not found"), _l("The page you asked for does not exist or is not "
                                   "available to you.")),
    405: (_l("Not allowed"), _l("This page cannot be opened this way.")),
    # Flask-Limiter's (a public form, the log-in form, /verify's upload): nothing was done.
    429: (_l("Too many requests"), _l("Too many requests: please wait a minute.")),
}


@bp.app_errorhandler(429)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def http_error(error: HTTPException):
    if error.response is not None:  # a view's own answer, attached to the abort
        return error.response
    title, message = _HTTP_ERRORS[error.code]
    if request.path.startswith("/api/"):  # programs get JSON, as FAB's API answers
        return jsonify(message=str(message)), error.code
    return render_template("errors/http.html", title=title, message=message), error.code
