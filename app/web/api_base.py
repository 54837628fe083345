"""The REST APIs' common base: strict integers, refusals in the user's language, JSON bodies.

Shared by the request API (requests/api.py) and the feedback API (feedback/api.py), so neither
imports the other.
"""
from __future__ import annotations

import re

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import fields

from app.core import db_refusals
from app.requests.commands import TEXT_LIMIT
from app.web import fab_internals as fab
from app.web import labels

# marshmallow's own messages are fixed English: shown in the user's language instead.
MARSHMALLOW_MESSAGES = {
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid number.": _l("Not a valid number."),
    "Number too large.": _l("Number too large."),
    "Special numeric values (nan or infinity) are not permitted.":
        _l("Special numeric values (nan or infinity) are not permitted."),
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid value.": _l("Invalid value."),
}
LONGER_THAN = re.compile(r"Longer than maximum length (\d+)\.")
RELATED = re.compile(r"Could not deserialize related value .*", re.DOTALL)


def _localised(message):
    """A marshmallow error structure with its known English messages translated."""
    if isinstance(message, dict):
        return {key: _localised(value) for key, value in message.items()}
    if isinstance(message, list):
        return [_localised(item) for item in message]
    if not isinstance(message, str):
        return message
    if message in MARSHMALLOW_MESSAGES:
        return str(MARSHMALLOW_MESSAGES[message])
    longer = LONGER_THAN.fullmatch(message)
    if longer:
        return _("At most %(max)d characters, please.", max=int(longer.group(1)))
    if RELATED.fullmatch(message):
        return _("Give the id of an existing row, e.g. 1.")
    return message


class CheckedApi(ModelRestApi):
    """Strict integers (FAB's schemas would take 2.7 as 2), translated refusals, and a body
    that must be a JSON object (FAB's PUT fails on a list with a 500)."""

    # The screens' labels (web/labels.py) for the columns, and titles of our own: FAB would make
    # English ones from the names ("Finished At", "Officer Id", "List Review").
    label_table: dict = {}

    # FAB's _gen_labels_columns and _init_model_schemas, overridden by name (fab_internals).
    def _gen_labels_columns(self, list_columns) -> None:
        for col in list_columns:
            if not self.label_columns.get(col):
                label = labels.for_column(self.label_table, col)
                self.label_columns[col] = label if label is not None else (
                    fab.pretty_column(self, col))

    def _init_model_schemas(self):
        super()._init_model_schemas()
        for schema in (self.add_model_schema, self.edit_model_schema):
            for field in schema.fields.values():
                if isinstance(field, fields.Integer):
                    field.strict = True

    def response_400(self, message=None):
        return super().response_400(message=_localised(message))

    def response_422(self, message=None):
        if isinstance(message, str) and message.startswith(fab.DB_ERROR_MESSAGE):
            # FAB's post/put answer the driver's text (tables, every value sent): the field
            # and a sentence instead, like the screens (db_refusals).
            self.datamodel.session.rollback()
            # FAB's delete answers the same way: a row still in use gets the screens' sentence.
            message = (str(db_refusals.IN_USE)
                       if request.method == "DELETE" and db_refusals.in_use(message)
                       else db_refusals.errors(Exception(message)))
        return super().response_422(message=_localised(message))

    def not_a_json_object(self):
        """None when the body is a JSON object, else the 400 to answer."""
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return self.response_400(message=_("The body must be a JSON object."))
        return None


def optional_text_body(field: str) -> tuple[str | None, str | None]:
    """(the text, None) of a body ``{field: "…"}``, or (None, why it is refused).

    No body at all is no text. Anything else but a JSON object with text of at most
    TEXT_LIMIT there is refused rather than read as "no text": a form post or a JSON list must
    not take an action.
    """
    body = request.get_json(silent=True) if request.is_json else None
    if not _has_body():
        body = {}
    if not isinstance(body, dict) or not isinstance(body.get(field, ""), (str, type(None))):
        return None, _("The body must be JSON: {\"%(field)s\": \"…\"}.", field=field)
    text = body.get(field)
    if len(text or "") > TEXT_LIMIT:
        return None, _("At most %(max)d characters, please.", max=TEXT_LIMIT)
    return text, None


def _has_body() -> bool:
    # A form body is parsed (and its stream consumed) as soon as anyone reads request.form,
    # after which get_data() is empty: ask the length first.
    return bool(request.content_length or request.form or request.files or request.get_data())
