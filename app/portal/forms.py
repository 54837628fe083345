"""WTForms for the applicants' pages, built from the form definition in requests/form.py.

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
from wtforms.fields.choices import SelectChoice
from wtforms.utils import unset_value
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import ActivityRequest

# One set of limits and messages with the domain's checks (request_commands), which have the
# last word: these fields turn the browser's input into values and catch the obvious early.
from app.requests.commands import (
    COUNT_MAX,
    DATE_PAIRS,
    END_BEFORE_START,
    NOT_A_CHOICE,
    NOT_A_DATE,
    NOT_A_DECIMAL,
    NOT_A_NUMBER,
    NOT_AN_EMAIL,
    OUT_OF_RANGE,
    PERCENT_STEP,
    ROW_TABLES,
    TEXT_LIMIT,
    TOO_LONG,
)
from app.requests.form import FIELDS, OTHER_FIELDS, YES_NO, text_limit


class _OptionalChoice:
    """A choice field that is Optional (every one here is): with nothing chosen, WTForms would
    still walk every option and translate its "not a choice" message, for Optional to clear the
    error straight after (a measurable part of a submission, most choice fields being empty).
    The same test as Optional's decides that nothing was chosen."""

    def pre_validate(self, form):
        raw = self.raw_data
        if not raw or (isinstance(raw[0], str) and not raw[0].strip()):
            return
        super().pre_validate(form)


class OptionalSelectField(_OptionalChoice, SelectField):
    pass


class OptionalRadioField(_OptionalChoice, RadioField):
    pass


class MultiCheckboxField(_OptionalChoice, SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        # WTForms' own message quotes the posted value back, in English (a forged option).
        kwargs.setdefault("invalid_choice_message", NOT_A_CHOICE)
        super().__init__(*args, **kwargs)


def _choices(mapping) -> list:
    # SelectChoice, not (value, label) tuples: WTForms 3.3 warns on every field built with
    # tuples, and 3.4 drops them.
    return [SelectChoice(k, v) for k, v in mapping.items()]


def _length(f, table=ActivityRequest.__table__) -> list:
    # The front door's rule (request_commands.clean_value): the definition's cap, else the
    # column's own length (PostgreSQL refuses longer text; SQLite would keep it).
    return [Length(max=text_limit(f.name, table) or TEXT_LIMIT, message=TOO_LONG)]


def _year_range(form, field):
    if field.data is not None and not 1945 <= field.data <= 2200:
        raise ValidationError(_l("Enter a year between 1945 and 2200."))


def _percentage(form, field):
    """0–100, a finite number (Decimal("NaN") cannot even be compared), kept to the three
    decimals the column holds (an exponent like 1e-400000 would overflow PostgreSQL's NUMERIC)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValidationError(OUT_OF_RANGE % {"min": 0, "max": 100})
    field.data = value.quantize(PERCENT_STEP)


# Lower bounds as the database's CHECK constraints have them (a sample of 0 is refused there).
_COUNT_MIN = {"sample_size": 1, "field_staff_count": 0}
_CHOICE_MESSAGES = {"invalid_choice_message": NOT_A_CHOICE, "invalid_value_message": NOT_A_CHOICE}


def make_field(f, table=ActivityRequest.__table__):
    """One WTForms field for one form field; every one optional while drafting."""
    label, desc = f.label, f.help if f.help is not None else ""
    if f.kind == "textarea":
        return TextAreaField(label, [Optional(), *_length(f, table)], description=desc)
    if f.kind == "email":
        # The domain's rule (request_commands.clean_value): syntax only, "test" domains pass.
        return StringField(label, [Optional(), Email(message=NOT_AN_EMAIL, test_environment=True),
                                   *_length(f, table)], description=desc)
    if f.kind == "date":
        return DateField(label, [Optional()], description=desc, invalid_value_message=NOT_A_DATE)
    if f.kind == "int":
        low = _COUNT_MIN.get(f.name, 0)
        checks = [_year_range] if f.name == "year" else [
            NumberRange(min=low, max=COUNT_MAX, message=OUT_OF_RANGE)]
        return IntegerField(label, [Optional(), *checks], description=desc,
                            invalid_value_message=NOT_A_NUMBER)
    if f.kind == "decimal":
        return DecimalField(label, [Optional(), _percentage], places=3, description=desc,
                            invalid_value_message=NOT_A_DECIMAL)
    if f.kind == "bool":
        return OptionalRadioField(label, [Optional()], choices=_choices(YES_NO),
                                  description=desc, **_CHOICE_MESSAGES)
    if f.kind == "select":
        return OptionalSelectField(label, [Optional()],
                                   choices=[SelectChoice("", "—")] + _choices(f.choices),
                                   description=desc, **_CHOICE_MESSAGES)
    if f.kind == "multi":
        return MultiCheckboxField(label, [Optional()], choices=_choices(f.choices),
                                  description=desc, **_CHOICE_MESSAGES)
    return StringField(label, [Optional(), *_length(f, table)], description=desc)


def make_other_field():
    """The "other, namely …" text beside a multi-choice."""
    return StringField(_l("Other, namely"), [Optional(), Length(max=200, message=TOO_LONG)])


def _row_form_class(table):
    """One row of a table (no CSRF of its own: it lives inside the request form), its fields
    with the lengths of the table's own columns (a variable name is shorter than a Text)."""
    attrs = {f.name: make_field(f, table.model.__table__) for f in table.fields}
    return type(f"{table.model.__name__}Form", (Form,), attrs)


ROW_FORMS = {key: _row_form_class(table) for key, table in ROW_TABLES.items()}
VariableForm, IndicatorForm = ROW_FORMS["variables"], ROW_FORMS["indicators"]

# Rows of each table read from one POST: twice its limit, so that a table a little over it
# comes back whole with the message (WTForms would drop the rows past ``max_entries`` without a
# word, and the draft would be saved short), while a forged POST of a million rows still builds
# no more than this many row forms.
READ_ROWS = {key: 2 * table.limit for key, table in ROW_TABLES.items()}

# Each table's name and the name of one of its rows, as the form and its messages say them.
TABLE_LABELS = {"variables": _l("Variables"), "indicators": _l("Indicators")}
ROW_LABELS = {"variables": _l("Variable"), "indicators": _l("Indicator")}


class TableRows(FieldList):
    """A table of rows. ``posted_rows``: how many rows the POST named (read or not)."""

    posted_rows = 0

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.posted_rows = (len(set(self._extract_indices(self.name, formdata)))
                            if formdata else len(self.entries))

    @property
    def overflow(self) -> bool:
        """More rows posted than were read: the table cannot be shown whole again."""
        return self.posted_rows > self.max_entries


def _request_form_class():
    attrs = {f.name: make_field(f) for f in FIELDS.values()}
    for name in OTHER_FIELDS:
        attrs[name] = make_other_field()
    for key in ROW_TABLES:
        # A label of its own: without one WTForms translates a made-up one on every form built.
        attrs[key] = TableRows(FormField(ROW_FORMS[key]), TABLE_LABELS[key], min_entries=0,
                               max_entries=READ_ROWS[key])
    attrs["validate"] = _validate_with_dates
    return type("RequestForm", (FlaskForm,), attrs)


def _validate_with_dates(form, extra_validators=None) -> bool:
    """Every field's own checks, then: no stage ends before it starts (the database would
    refuse the row; the applicant should hear which dates are the problem)."""
    ok = FlaskForm.validate(form, extra_validators)
    for start, end in DATE_PAIRS:
        if form[start].data and form[end].data and form[end].data < form[start].data:
            form[end].errors.append(END_BEFORE_START)
            ok = False
    return ok


RequestForm = _request_form_class()


def _widget_value(f, value):
    """A stored value as the field's widget wants it (codes, "1"/"0", lists of codes)."""
    if f.kind == "multi":
        return [c for c in (value or "").split(",") if c]
    if f.kind == "bool":
        return None if value is None else ("1" if value else "0")
    if f.kind == "select":
        return value or ""
    return value


def load(form, req) -> None:
    """Fill the form from a stored request (codes and booleans as the widgets want them), its
    tables too when the form has them (the staff screens' form has none)."""
    for name, f in FIELDS.items():
        form[name].data = _widget_value(f, getattr(req, name))
    for name in OTHER_FIELDS:
        form[name].data = getattr(req, name)
    for key, table in ROW_TABLES.items():
        if key not in form:
            continue
        while form[key].entries:
            form[key].pop_entry()
        for row in getattr(req, key):
            form[key].append_entry({f.name: _widget_value(f, getattr(row, f.name))
                                    for f in table.fields})


def _answer(f, data):
    """A widget's data as request_commands takes it (codes, booleans, stripped text)."""
    if f.kind == "multi":
        return ",".join(data or []) or None
    if f.kind == "bool":
        return None if data in (None, "", "None") else data == "1"
    if isinstance(data, str):
        return data.strip() or None
    return data


def values(form) -> dict:
    """The form's answers as request_commands takes them (codes, booleans, dates, numbers)."""
    result = {}
    for name, f in FIELDS.items():
        data = form[name].data
        if f.kind == "multi":
            data = ",".join(data or [])
        elif f.kind == "bool":
            data = None if data in (None, "", "None") else data == "1"
        result[name] = data.strip() if isinstance(data, str) else data
    for name in OTHER_FIELDS:
        result[name] = (form[name].data or "").strip()
    return result


def _blank(value) -> bool:
    # request_commands.clean_rows' rule: a "no" answer alone does not make a row.
    return value is None or value is False or value == ""


def table_rows(form, key: str) -> list[dict]:
    """The filled rows of a table ("variables", "indicators"), in order, as request_commands
    takes them (blank rows dropped)."""
    fields = ROW_TABLES[key].fields
    rows = []
    for entry in form[key].entries:
        row = {f.name: _answer(f, entry.form[f.name].data) for f in fields}
        if not all(_blank(v) for v in row.values()):
            rows.append(row)
    return rows


def variable_rows(form) -> list[dict]:
    return table_rows(form, "variables")


def indicator_rows(form) -> list[dict]:
    return table_rows(form, "indicators")


def missing_names(form) -> list[str]:
    """A filled row without its name, said on its name field and numbered as the page numbers
    the rows (the front door, which says it too, counts the filled rows only)."""
    messages = []
    for key, table in ROW_TABLES.items():
        for index, entry in enumerate(form[key].entries, start=1):
            name = entry.form["name"]
            row = {f.name: _answer(f, entry.form[f.name].data) for f in table.fields}
            if name.errors or row["name"] or all(_blank(v) for v in row.values()):
                continue
            message = str(table.name_missing % {"num": index})
            name.errors = [*name.errors, message]
            messages.append(message)
    return messages


def field_errors(form) -> list[str]:
    """Every error on the form as "label: message" (a row's: "Variable 3, Data type: …"), for
    one list at the top of the page."""
    messages = []
    for name, errors in form.errors.items():
        if name in ROW_TABLES:
            labels = {f.name: str(f.label) for f in ROW_TABLES[name].fields}
            for index, row_errors in enumerate(errors, start=1):
                if not isinstance(row_errors, dict):  # the table's own (none so far)
                    messages.append(f"{TABLE_LABELS[name]}: {row_errors}")
                    continue
                for sub, errs in row_errors.items():
                    messages += [f"{ROW_LABELS[name]} {index}, {labels.get(sub, sub)}: {e}"
                                 for e in errs]
            continue
        label = form[name].label.text if name in form else name
        messages += [f"{label}: {error}" for error in errors]
    return messages
