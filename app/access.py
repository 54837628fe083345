"""Access helpers for our own (non-FAB) pages."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, redirect, request


def login_required(view):
    """Anonymous visitors go to the login page and come back here afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(current_app.appbuilder.get_url_for_login_with(request.full_path))
        return view(*args, **kwargs)

    return wrapper
