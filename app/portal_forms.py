"""WTForms for the applicants' pages, built from the form definition in request_form.py.

A draft may be saved with anything still empty; what each field refuses is only what can never
be right (a date that is not a date, text too long for its column, a choice not offered).
Whether the request is complete is the workflow's question, asked at submission.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .request_form import FIELDS, OTHER_FIELDS, VARIABLE_FIELDS, YES_NO

TEXT_LIMIT = 5000  # long answers (Text columns): generous, but bounded


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _length(f) -> list:
    return [Length(max=f.max_length or TEXT_LIMIT)]


def _year_range(form, field):
    if field.data is not None and not 1945 <= field.data <= 2200:
        raise ValidationError(_l("Enter a year between 1945 and 2200."))


def make_field(f):
    """One WTForms field for one form field; every one optional while drafting."""
    label, desc = f.label, f.help or ""
    if f.kind == "textarea":
        return TextAreaField(label, [Optional(), *_length(f)], description=desc)
    if f.kind == "email":
        return StringField(label, [Optional(), Email(), *_length(f)], description=desc)
    if f.kind == "date":
        return DateField(label, [Optional()], description=desc)
    if f.kind == "int":
        checks = [_year_range] if f.name == "year" else [NumberRange(min=0, max=10**9)]
        return IntegerField(label, [Optional(), *checks], description=desc)
    if f.kind == "decimal":
        return DecimalField(label, [Optional(), NumberRange(min=0, max=100)], places=3,
                            description=desc)
    if f.kind == "bool":
        return RadioField(label, [Optional()], choices=[(k, v) for k, v in YES_NO.items()],
                          description=desc)
    if f.kind == "select":
        return SelectField(label, [Optional()], choices=[("", "—")] + list(f.choices.items()),
                           description=desc)
    if f.kind == "multi":
        return MultiCheckboxField(label, [Optional()], choices=list(f.choices.items()),
                                  description=desc)
    return StringField(label, [Optional(), *_length(f)], description=desc)


class VariableForm(Form):
    """One row of the variables table (no CSRF of its own: it lives inside the request form)."""


for _f in VARIABLE_FIELDS:
    setattr(VariableForm, _f.name, make_field(_f))


def _request_form_class():
    attrs = {f.name: make_field(f) for f in FIELDS.values()}
    for name, f in OTHER_FIELDS.items():
        attrs[name] = StringField(_l("Other, namely"), [Optional(), Length(max=200)])
    attrs["variables"] = FieldList(FormField(VariableForm), min_entries=0, max_entries=200)
    return type("RequestForm", (FlaskForm,), attrs)


RequestForm = _request_form_class()


def load(form, req) -> None:
    """Fill the form from a stored request (codes and booleans as the widgets want them)."""
    for name, f in FIELDS.items():
        value = getattr(req, name)
        field = form[name]
        if f.kind == "multi":
            field.data = [c for c in (value or "").split(",") if c]
        elif f.kind == "bool":
            field.data = None if value is None else ("1" if value else "0")
        elif f.kind == "select":
            field.data = value or ""
        else:
            field.data = value
    for name in OTHER_FIELDS:
        form[name].data = getattr(req, name)


def save(form, req) -> None:
    """Write the form's values onto the request (empty answers stored as NULL)."""
    for name, f in FIELDS.items():
        data = form[name].data
        if f.kind == "multi":
            allowed = [code for code in f.choices if code in (data or [])]
            value = ",".join(allowed) or None
        elif f.kind == "bool":
            value = None if data in (None, "", "None") else data == "1"
        elif isinstance(data, str):
            value = data.strip() or None
        else:
            value = data
        setattr(req, name, value)
    for name in OTHER_FIELDS:
        setattr(req, name, (form[name].data or "").strip() or None)


def variable_rows(form) -> list[dict]:
    """The filled rows of the variables table, in order (blank rows dropped)."""
    rows = []
    for entry in form.variables.entries:
        values = {f.name: (entry.form[f.name].data or "").strip() or None for f in VARIABLE_FIELDS}
        if any(values.values()):
            rows.append(values)
    return rows


def field_errors(form) -> list[str]:
    """Every error on the form as "label: message", for one list at the top of the page."""
    messages = []
    for name, errors in form.errors.items():
        if name == "variables":
            for index, row_errors in enumerate(errors, start=1):
                for sub, errs in (row_errors or {}).items():
                    label = next(str(f.label) for f in VARIABLE_FIELDS if f.name == sub)
                    messages += [f"{_l('Variable')} {index}, {label}: {e}" for e in errs]
            continue
        label = form[name].label.text if name in form else name
        messages += [f"{label}: {error}" for error in errors]
    return messages

