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

from app.models import ActivityRequest, RequestVariable

# One set of limits and messages with the domain's checks (request_commands), which have the
# last word: these fields turn the browser's input into values and catch the obvious early.
from app.requests.commands import (
    COUNT_MAX,
    DATE_PAIRS,
    END_BEFORE_START,
    MAX_VARIABLES,
    NOT_A_CHOICE,
    NOT_A_DATE,
    NOT_A_DECIMAL,
    NOT_A_NUMBER,
    NOT_AN_EMAIL,
    OUT_OF_RANGE,
    PERCENT_STEP,
    TEXT_LIMIT,
    TOO_LONG,
)
from app.requests.form import FIELDS, OTHER_FIELDS, VARIABLE_FIELDS, YES_NO, text_limit


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


class VariableForm(Form):
    """One row of the variables table (no CSRF of its own: it lives inside the request form)."""


for _f in VARIABLE_FIELDS:
    # Lengths of the variable table's columns (a variable name is shorter than a Text column).
    setattr(VariableForm, _f.name, make_field(_f, RequestVariable.__table__))


# Rows of the variables table read from one POST: twice the limit, so that a table a little
# over it comes back whole with the message (WTForms would drop the rows past ``max_entries``
# without a word, and the draft would be saved short), while a forged POST of a million rows
# still builds no more than this many row forms.
READ_ROWS = 2 * MAX_VARIABLES


class VariableRows(FieldList):
    """The variables table. ``posted_rows``: how many rows the POST named (read or not)."""

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
    # A label of its own: without one WTForms translates a made-up one on every form built.
    attrs["variables"] = VariableRows(FormField(VariableForm), _l("Variables"), min_entries=0,
                                      max_entries=READ_ROWS)
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

