"""Input no field may hold is refused at the door, before any view or query sees it.

- C0 control characters other than tab, line feed and carriage return, and lone UTF-16
  surrogates (JSON can spell them: ``"\\ud800"``), in the URL path, query arguments, form
  fields (names and values) and JSON bodies (keys and values): 400 with a message naming the
  field. PostgreSQL refuses NUL in text and psycopg cannot encode a lone surrogate, so these
  would otherwise end as a 500 deep inside a commit (SQLite would store them silently); nobody
  types them on purpose. Tab and newlines are ordinary text in a textarea.
- A JSON body nested so deeply that the parser gives up (RecursionError, not the ValueError
  Flask handles): 400.
- An id in the URL beyond PostgreSQL's ``integer`` (``/portal/requests/99999999999999999999``):
  404, as any id that does not exist — instead of an overflow in the driver.

One check here covers our forms, the API and FAB's own screens alike. Uploaded file names are
not checked: they never reach the filesystem and are cleaned for display (requests/uploads.py). A
view that cleans its own query arguments says so with ``@cleans_its_own_args`` (the catalogue
search: text pasted into a search box may carry stray control characters, and a search is
read-only, so they are dropped rather than refused).
"""
from __future__ import annotations

import re

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _

# C0 controls except \t \n \r, and the surrogate block (only lone ones can occur in a str).
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
MAX_DB_INT = 2**31 - 1  # PostgreSQL integer, the type of every id
FIELD_SHOWN = 60  # characters of a (hostile) field name echoed in the message


def cleans_its_own_args(view):
    """Mark a view whose query arguments the guard leaves alone (the view cleans them)."""
    view.cleans_its_own_args = True
    return view


def clean(text: str) -> str:
    """``text`` without the characters the guard refuses."""
    return FORBIDDEN.sub("", text)


def _bad_field(pairs) -> str | None:
    """The first name whose name or value holds a forbidden character."""
    for name, value in pairs:
        if FORBIDDEN.search(name) or (isinstance(value, str) and FORBIDDEN.search(value)):
            return name
    return None


def _bad_json(data) -> str | None:
    """The path (``a.b.0``) of the first forbidden key or string in a JSON value; iterative,
    so a deeply nested body cannot exhaust the stack here."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if FORBIDDEN.search(value):
                return path or "(body)"
        elif isinstance(value, dict):
            for key, item in value.items():
                sub = f"{path}.{key}" if path else str(key)
                if FORBIDDEN.search(str(key)):
                    return sub
                stack.append((sub, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), item) for i, item in enumerate(value))
    return None


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def _refuse(message: str, field: str | None = None):
    shown = None
    if field is not None:
        # Shown back to the user: cut, and without the characters that caused the refusal.
        shown = FORBIDDEN.sub("\N{REPLACEMENT CHARACTER}", field)[:FIELD_SHOWN]
    if _wants_json():
        body = {"message": message}
        if shown is not None:
            body["field"] = shown
        return jsonify(body), 400
    return render_template("public/bad_input.html", message=message, field=shown), 400


def _not_allowed_message() -> str:
    return _("The input contains characters that are not allowed (invisible control "
             "characters or broken Unicode). Please remove them and try again.")


def check_request():
    """``before_request``: None to go on, or the 400/404 response."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not -MAX_DB_INT <= value <= MAX_DB_INT:
            abort(404)
    if FORBIDDEN.search(request.path):
        return _refuse(_not_allowed_message(), _("web address"))
    view = current_app.view_functions.get(request.endpoint)
    field = None
    if not getattr(view, "cleans_its_own_args", False):
        field = _bad_field(request.args.items(multi=True))
    if field is None and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        field = _bad_field(request.form.items(multi=True))
        if field is None and request.is_json:
            try:
                data = request.get_json(silent=True)
            except RecursionError:
                return _refuse(_("The JSON body is nested too deeply."))
            field = _bad_json(data)
    if field is not None:
        return _refuse(_not_allowed_message(), field)
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_request)
