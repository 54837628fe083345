"""Public pages that need no account: the service page, letter verification, the health check.

The applicant portal (portal.py) grows beside this in the portal issue.
"""
from flask import Blueprint, current_app, render_template
from sqlalchemy import select, text

from . import service_standard
from .letters import format_date_id
from .models import Letter
from .offices import default_office

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    office = default_office(current_app.appbuilder.session)
    return render_template("public/home.html", office=office, std=service_standard,
                           view_functions=current_app.view_functions)


@bp.get("/verify/<code>")
def verify(code: str):
    """Is this letter genuine? The QR code on every issued letter points here."""
    session = current_app.appbuilder.session
    letter = None
    if len(code) <= 64:
        letter = session.scalars(
            select(Letter).where(Letter.verification_code == code, Letter.issued_at.is_not(None))
        ).first()
    if letter is None:
        return render_template("public/verify.html", letter=None), 404
    return render_template(
        "public/verify.html", letter=letter, req=letter.request, office=letter.office,
        letter_date=format_date_id(letter.letter_date),
    )


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
