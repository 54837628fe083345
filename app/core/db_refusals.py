"""A database refusal (a CHECK, UNIQUE, NOT NULL or foreign key constraint, a value too long or out
of range) as a message on the field it concerns, in the user's language.

The domain's own checks come first and should leave the database nothing to refuse; this is the
last line, so that a rule the checks missed still reaches the user as a sentence about a field,
never as the driver's text (which names tables and repeats every value typed).
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

NOT_ACCEPTED = _l("This value is not accepted.")
TAKEN = _l("This value is already in use.")
MISSING = _l("This field is required.")
INVALID = _l("The data could not be saved: please check the values entered.")
IN_USE = _l("Not deleted: other records still refer to this one (requests, letters and the "
            "like). Delete those first, or keep this one.")
NOT_DELETED = _l("Not deleted: the database did not accept it. Nothing was changed.")

# Constraint names whose column is not simply the name's tail.
_COLUMNS = {
    "ck_setting_sla_positive": "sla_working_days",
    "ck_setting_ack_positive": "complaint_ack_days",
    "ck_setting_answer_positive": "complaint_answer_days",
    "ck_setting_pattern_has_seq": "number_pattern",
    "ck_setting_revision_reminders": "revision_reminder_again_days",
    "ck_office_code_nonempty": "code",
    "ck_request_staff_count": "field_staff_count",
    "ck_checklist_scope": "applies_to",
}
_DATES = re.compile(r"ck_request_(\w+)_dates")
_NAMED = re.compile(r"(?:constraint(?: failed)?:?\s*\"?|\")((?:ck|uq|fk|ix)_\w+)")
# A key over several columns names its scope first (the request, the office) and the column a
# person typed last: the refusal goes on that one (a row's "No." within its request).
_UNIQUE_SQLITE = re.compile(r"UNIQUE constraint failed: ([\w., ]+)")
_KEY_PG = re.compile(r'Key \(([\w", ]+)\)=.*already exists')
_NOT_NULL = re.compile(r"NOT NULL constraint failed: \w+\.(\w+)|null value in column \"(\w+)\"")


# A delete refused because other rows still need the row: the database's foreign key
# (PostgreSQL, and SQLite since it enforces them: web/sqlite_setup.py), or the NOT NULL of the
# child's key when the ORM detaches a child of a relationship before the delete. Either text
# also answers an insert or an update: ask in_use of a delete only.
_IN_USE_TEXTS = ("FOREIGN KEY constraint failed", "violates foreign key constraint",
                 "NOT NULL constraint failed", "violates not-null constraint")


def in_use(err) -> bool:
    """A delete's refusal (an exception, or FAB's text of one): other rows still use the row."""
    if isinstance(err, IntegrityError):
        return True  # a delete breaks no rule of its own row: only its children's
    return any(found in str(err) for found in _IN_USE_TEXTS)


def _constraint(err) -> str | None:
    diag = getattr(getattr(err, "orig", None), "diag", None)
    name = getattr(diag, "constraint_name", None)  # psycopg
    if name:
        return name
    found = _NAMED.search(str(getattr(err, "orig", err)))
    return found.group(1) if found else None


def column_of(constraint: str | None) -> str | None:
    if not constraint:
        return None
    if constraint in _COLUMNS:
        return _COLUMNS[constraint]
    dates = _DATES.fullmatch(constraint)
    if dates:
        return f"{dates.group(1)}_end"
    parts = constraint.split("_", 2)  # ck_<table>_<column>
    return parts[2] if len(parts) == 3 else None


def errors(err) -> dict:
    """{field: [message]} for the refusal ("" when no field can be named)."""
    text = str(getattr(err, "orig", err))
    missing = _NOT_NULL.search(text)
    if missing:
        return {missing.group(1) or missing.group(2): [str(MISSING)]}
    unique = _UNIQUE_SQLITE.search(text)
    if unique:
        return {unique.group(1).split(",")[-1].strip().split(".")[-1]: [str(TAKEN)]}
    key = _KEY_PG.search(text)
    if key:
        return {key.group(1).split(",")[-1].strip().strip('"'): [str(TAKEN)]}
    name = _constraint(err)
    column = column_of(name)
    if column:
        message = TAKEN if name.startswith(("uq_", "ix_")) or "unique" in text.lower() else (
            NOT_ACCEPTED)
        return {column: [str(message)]}
    return {"": [str(INVALID)]}
