"""Access helpers for our own (non-FAB) pages, and the offices a member of staff reads."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, has_request_context, redirect, request

from app.offices.directory import office_scope


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


# The endpoints (a view's method names) that only read: there, staff read the rows of their
# office and of every office under it (issue 27: a province its regencies and cities, the
# headquarters all). Everywhere else (edit, delete, actions, a form's choices) only their own
# office's: a wider scope is opt-in per endpoint, never by default. "pdf" and "form_pdf": a
# letter's PDF and the request's form as PDF, read beside the request's page.
READING_ENDPOINTS = frozenset({"list", "show", "get", "get_list", "pdf", "form_pdf"})


def reading() -> bool:
    """Is this request one of the pages that only read?"""
    if not has_request_context() or request.endpoint is None:
        return False
    return (request.method in ("GET", "HEAD")
            and request.endpoint.rsplit(".", 1)[-1] in READING_ENDPOINTS)


def visible_offices(session, office_id: int):
    """The offices whose rows a member of staff of ``office_id`` sees on this request: None
    for their office alone, a sorted list for their office and those under it, () for every
    office (the headquarters reading)."""
    if not reading():
        return None
    scope = office_scope(session, office_id)
    if scope.everything:
        return ()
    return sorted(scope.offices) if len(scope.offices) > 1 else None
