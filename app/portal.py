"""The applicants' pages: their requests, the request form, documents, letters.

Applicants never see FAB's staff screens; this is their whole world. Every page checks that the
request is the logged-in applicant's own (or, for documents, that the user is staff of its
office); anything else is a 404, so ids reveal nothing.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

bp = Blueprint("portal", __name__, url_prefix="/portal")


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(url_for(current_app.appbuilder.sm.auth_view.endpoint + ".login",
                                    next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


@bp.get("/")
@login_required
def home():
    return render_template("portal/home.html", appbuilder=current_app.appbuilder, requests=[])
