"""Access helpers for our own (non-FAB) pages."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, redirect, request


def login_required(view):
    """Anonymous visitors go to the login page and come back here afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = getattr(g, "user", None)
        if user is None or not user.is_authenticated:
            return redirect(current_app.appbuilder.get_url_for_login_with(request.full_path))
        return view(*args, **kwargs)

    return wrapper


def view_permission(permission=None):
    """For extra pages of a FAB view that check an existing permission of that view (an
    action's, or ``can_show``) instead of a permission of their own. ``permission`` may be a
    function of the view's keyword arguments; anonymous visitors go to the login page."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if not g.user.is_authenticated:
                return redirect(self.appbuilder.get_url_for_login)
            name = permission(**kwargs) if callable(permission) else permission
            if not name or not self.appbuilder.sm.has_access(name, self.class_permission_name):
                abort(403)
            return method(self, *args, **kwargs)

        return wrapper

    return decorate
