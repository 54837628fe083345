"""A request's form parts on screens of their own: its variables and indicators (MS-Var,
MS-Ind rows, their columns and choices from the one form definition, requests/form.py) and its
documents' records. They change only while the request's form may change
(request_commands.check_part_change, the portal's and the API's rule too).
"""
from __future__ import annotations

from flask import g
from flask_appbuilder.models.sqla.filters import FilterRelationOneToManyEqual
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from app.auth.security import FilterOffice
from app.core import codes
from app.models import ATTACHMENT_KINDS, Attachment
from app.portal import forms as portal_forms
from app.requests import commands as request_commands
from app.requests import form as request_form
from app.web.interface import RekomInterface
from app.web.screens import OfficeScopedView, choice, grouped, labelled


class RequestChildView(OfficeScopedView):
    """Rows that belong to a request: scoped through the request's office."""

    office_column = "request"

    def related_choices(self) -> dict:
        return {"request": [["office_id", FilterOffice, None]]}



class _FormPartView(RequestChildView):
    """A part of a request's form on a screen of its own: changed, added or removed only while
    the request's form may change (request_commands.check_part_change, the rule of the portal
    and the API too): never after its letter is issued."""

    row_table: request_commands.RowTable = None

    def is_form_part(self, item) -> bool:
        return True

    def _check(self, item, *, adding=False, before=None):
        if self.is_form_part(item):
            request_commands.check_part_change(
                self.datamodel.session, g.user, [before, _request_id(item)], self.row_table,
                adding=adding)

    def write_edit(self, form, item) -> None:
        # Both requests when a row is moved to another: the one it leaves must be open too.
        g.form_part_before = (item.request_id, self.is_form_part(item))
        super().write_edit(form, item)

    def pre_add(self, item):
        super().pre_add(item)
        self._check(item, adding=True)

    def pre_update(self, item):
        super().pre_update(item)
        before, was_part = g.pop("form_part_before", (None, False))
        if was_part and not self.is_form_part(item):
            request_commands.check_part_change(self.datamodel.session, g.user, [before])
        self._check(item, before=before if was_part else None)

    def pre_delete(self, item):
        super().pre_delete(item)
        self._check(item)

    def _get_list_widget(self, filters, **kwargs):
        """Rows of a request whose form is closed keep only their show button; the "+" of a
        closed request's tab is not offered (both would be refused)."""
        widgets = super()._get_list_widget(filters, **kwargs)
        listed = widgets["list"]
        args = listed.template_args
        # The page's rows carry their request (a list column, loaded for the page at once);
        # FAB hands the values as a generator: kept as a list for the widget too.
        args["value_columns"] = rows = list(args.get("value_columns") or ())
        shown = {pk: values.get("request") for pk, values in zip(args.get("pks") or (), rows)
                 if values.get("kind") != "results"}  # not part of the form (is_form_part)
        closed = {pk for pk, req in shown.items()
                  if req is not None and not request_commands.can_edit(req, g.user)}
        if closed:
            listed.read_only_pks = {*listed.read_only_pks, *closed}
        owner = _filtered_request(filters)
        if owner is not None:
            mine = [req for req in shown.values() if req is not None and req.id == owner]
            listed.add_closed = (
                not request_commands.can_edit(mine[0], g.user) if mine else
                owner in request_commands.closed_to(self.datamodel.session, g.user, [owner]))
        return widgets


def _request_id(item):
    return item.request.id if item.request is not None else item.request_id


def _filtered_request(filters):
    """The request a list is narrowed to by its key (a request's tab), else None."""
    for flt, value in zip(filters.filters, filters.values):
        if (flt.column_name == "request" and isinstance(flt, FilterRelationOneToManyEqual)
                and str(value).isdigit()):
            return int(value)
    return None


class _RowTableView(_FormPartView):
    """A table of rows of the form (MS-Var's variables, MS-Ind's indicators), its columns,
    labels, choices and caps from the one form definition (requests/form.py)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        table = cls.row_table
        if table is None:
            return
        fields = table.fields
        columns = [f.name for f in fields]
        cls.datamodel = RekomInterface(table.model)
        cls.add_columns = cls.edit_columns = cls.show_columns = ["request", "position", *columns]
        cls.label_columns = {"request": _l("Request"), "position": _l("No."),
                             **{f.name: f.label for f in fields}}
        cls.description_columns = {f.name: f.help for f in fields if f.help is not None}
        cls.formatters_columns = {f.name: choice_formatter(f) for f in fields
                                  if f.kind in ("select", "multi", "bool")}
        cls.add_form_extra_fields = cls.edit_form_extra_fields = {
            f.name: _choice_field(f) for f in fields if f.kind in ("select", "multi", "bool")}
        # The portal's caps: past them a row would make the form's PDF too costly.
        cls.validators_columns = {
            f.name: [Length(max=request_form.text_limit(f.name, table.model.__table__),
                            message=request_commands.TOO_LONG)]
            for f in fields if f.kind == "textarea"}
        cls.order_columns = ["position", "name"]
        cls.base_order = ("position", "asc")

    def pre_add(self, item):
        super().pre_add(item)
        self._codes(item)

    def pre_update(self, item):
        super().pre_update(item)
        self._codes(item)

    def _get_list_widget(self, filters, **kwargs):
        # A request's own rows in the form's order; a list over many requests newest first:
        # by position it sorted every row of the office's history for a page (a province at
        # 100 000 requests: 46 000 variables, 111 ms; by key the scan stops at the page).
        if not kwargs.get("order_column") and _filtered_request(filters) is None:
            kwargs.update(order_column="id", order_direction="desc")
        return super()._get_list_widget(filters, **kwargs)

    def _codes(self, item):
        # The portal's widgets give "1"/"0" and lists; the columns hold booleans and codes.
        for f in self.row_table.fields:
            value = getattr(item, f.name)
            if f.kind == "bool" and isinstance(value, str):
                setattr(item, f.name, None if value == "" else value == "1")
            elif f.kind == "multi" and isinstance(value, (list, tuple)):
                setattr(item, f.name, ",".join(c for c in f.choices if c in value) or None)
            elif f.kind == "select" and value == "":
                setattr(item, f.name, None)


def _bool_code(value):
    """A yes/no column as the select's option: True -> "1", False -> "0", None -> ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


class _CodesField(portal_forms.MultiCheckboxField):
    """Checkboxes over a column of comma-joined codes (the stored string, split to load)."""

    def process_data(self, value):
        if isinstance(value, str):
            value = [code for code in value.split(",") if code]
        super().process_data(value)


def _choice_field(f):
    if f.kind == "bool":
        return SelectField(f.label, choices=[SelectChoice("", "—"),
                                             *(SelectChoice(k, v)
                                               for k, v in request_form.YES_NO.items())],
                           coerce=_bool_code, validators=[Optional()])
    if f.kind == "multi":
        return _CodesField(f.label, [Optional()],
                           choices=[SelectChoice(k, v) for k, v in f.choices.items()])
    return choice(f.label, f.choices, required=False)


def choice_formatter(f):
    def formatter(value):
        return request_form.choice_label(f, value)
    return formatter


class RequestVariableView(_RowTableView):
    row_table = request_commands.VARIABLE_ROWS
    list_title = _l("Variables")
    show_title = _l("Variable")
    add_title = _l("Add variable")
    edit_title = _l("Edit variable")
    list_columns = ["request", "position", "name", "alias", "data_type", "unit",
                    "questionnaire_item"]


class RequestIndicatorView(_RowTableView):
    row_table = request_commands.INDICATOR_ROWS
    list_title = _l("Indicators")
    show_title = _l("Indicator")
    add_title = _l("Add indicator")
    edit_title = _l("Edit indicator")
    list_columns = ["request", "position", "name", "unit", "periodicity", "composite"]


class AttachmentView(_FormPartView):
    datamodel = RekomInterface(Attachment)
    list_title = _l("Attachments")
    show_title = _l("Attachment")
    add_title = _l("Add attachment")
    edit_title = _l("Edit attachment")
    list_columns = ["request", "kind", "original_name", "size", "uploaded_at"]
    show_columns = [
        "request", "kind", "original_name", "content_type", "size", "sha256", "uploaded_by",
        "uploaded_at",
    ]
    # Files arrive through the upload path (portal issue); here only the record's kind changes.
    add_columns = ["request", "kind", "original_name"]
    edit_columns = ["kind"]
    label_columns = {
        "request": _l("Request"),
        "kind": _l("Kind"),
        "original_name": _l("File name"),
        "content_type": _l("Content type"),
        "size": _l("Size (bytes)"),
        "sha256": _l("SHA-256"),
        "uploaded_by": _l("Uploaded by"),
        "uploaded_at": _l("Uploaded at"),
        "stored_name": _l("Stored file name"),
    }
    formatters_columns = {"kind": labelled(ATTACHMENT_KINDS), "size": grouped}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": choice(_l("Kind"), ATTACHMENT_KINDS)
    }

    def is_form_part(self, item) -> bool:
        return item.kind != "results"  # handed in after the letter (requests/results.py)

    def pre_add(self, item):
        super().pre_add(item)
        # A record without a file yet: an officer notes a paper document handed in at the desk.
        item.stored_name = codes.random_token(32)
        item.size = 0
        item.content_type = "application/octet-stream"
        item.sha256 = ""
        item.uploaded_by_id = g.user.id
