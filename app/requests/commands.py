"""Creating and editing a request: the one front door of the portal, the staff screens and the API.

Each caller turns its own input (a WTForms form, a JSON body) into plain values keyed by the
form definition's names (``request_form.FIELDS``: codes for choices, comma-joined codes for
multi-choices, booleans, dates, numbers). This module checks those values against that one
definition, decides who may edit in which state, writes the row, its variables and documents,
the "create" event and the walk-in applicant's invitation, and hands a submission to
``workflow.apply``. A refusal, the database's included, is a ``RequestInputError`` naming the
field, and nothing is written.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Optional

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import load_only

from app.auth import accounts, form_tokens
from app.auth.roles import ADMIN, APPLICANT, OFFICE_STAFF, user_role_names
from app.core import audit, codes, db_refusals
from app.core.errors import DomainError
from app.models import (
    CHANNELS,
    ActivityRequest,
    AuditEvent,
    RekomUser,
    RequestIndicator,
    RequestVariable,
)
from app.offices import workdays
from app.offices.directory import office_info
from app.requests import uploads, workflow
from app.requests.form import (
    FIELDS,
    INDICATOR_FIELDS,
    INDICATORS,
    OTHER_FIELDS,
    VARIABLE_FIELDS,
    VARIABLES,
    text_limit,
)

# Applicants change their request while it is theirs to change; staff until the letter is issued.
APPLICANT_EDITABLE = frozenset({"draft", "revision_requested"})
STAFF_EDITABLE = workflow.PRE_ISSUE

TEXT_LIMIT = 5000  # long answers (Text columns): generous, but bounded
COUNT_MAX = 10**9  # counts (sample size, field staff): far below the column's integer range
MAX_VARIABLES = 200
MAX_INDICATORS = 100
PERCENT_STEP = Decimal("0.001")  # sampling_error is NUMERIC(6, 3)
# Lower bounds as the database's CHECK constraints have them (a sample of 0 is refused there).
_INT_RANGES = {"year": (1945, 2200), "sample_size": (1, COUNT_MAX)}

TOO_LONG = _l("At most %(max)d characters, please.")
NOT_A_CHOICE = _l("Choose one of the options offered.")
NOT_AN_EMAIL = _l("Please enter a valid e-mail address.")
OUT_OF_RANGE = _l("Enter a number from %(min)s to %(max)s.")
NOT_A_NUMBER = _l("Enter a whole number.")
NOT_A_DECIMAL = _l("Enter a number, e.g. 2.5.")
NOT_A_DATE = _l("Enter a valid date (YYYY-MM-DD).")
END_BEFORE_START = _l("The end date must not be before the start date.")
NOT_CHANGEABLE = _l("A request in this state can no longer be changed.")

# Each schedule stage's (start, end), as the CHECK constraints of activity_request pair them.
DATE_PAIRS = [(name, name[: -len("_start")] + "_end") for name, f in FIELDS.items()
              if f.kind == "date" and name.endswith("_start")
              and name[: -len("_start")] + "_end" in FIELDS]


@dataclass(frozen=True)
class RowTable:
    """One of the form's tables of rows (MS-Var's variables, MS-Ind's indicators): the
    collection on the request, its row model and fields, the most rows one request holds."""

    key: str  # the request's collection, and the prefix of its errors: variables-3-name
    model: type
    fields: tuple
    limit: int
    too_many: object
    name_missing: object


VARIABLE_ROWS = RowTable(
    "variables", RequestVariable, VARIABLE_FIELDS, MAX_VARIABLES,
    _l("At most %(max)d variables, please."),
    _l("Variable %(num)d: the variable name is missing."))
INDICATOR_ROWS = RowTable(
    "indicators", RequestIndicator, INDICATOR_FIELDS, MAX_INDICATORS,
    _l("At most %(max)d indicators, please."),
    _l("Indicator %(num)d: the indicator name is missing."))
ROW_TABLES = {t.key: t for t in (VARIABLE_ROWS, INDICATOR_ROWS)}
# Each table's fields, for clean_value.
_TABLE_FIELDS = {ActivityRequest.__table__: FIELDS, RequestVariable.__table__: VARIABLES,
                 RequestIndicator.__table__: INDICATORS}


class RequestInputError(DomainError):
    """Refused input: ``errors`` maps a field name ("" for the form as a whole) to messages."""

    def __init__(self, errors: dict, status: int = 422):
        self.errors = {name: [str(m) for m in messages] for name, messages in errors.items()}
        first = next(iter(self.errors.values()))[0]
        super().__init__(first, status=status)

    def lines(self, label_of=None) -> list[str]:
        """Every message as "label: message" (the form's own label when the caller has one)."""
        out = []
        for name, messages in self.errors.items():
            label = label_of(name) if label_of else None
            label = label or field_label(name)
            out += [f"{label}: {m}" if label else m for m in messages]
        return out


def field_label(name: str) -> str:
    if name in FIELDS:
        return str(FIELDS[name].label)
    if name in OTHER_FIELDS:
        return str(_l("Other, namely"))
    return {"office": str(_l("Office")), "applicant": str(_l("Applicant")),
            "applicant_email": str(_l("Applicant's e-mail"))}.get(name, "")


@dataclass
class Saved:
    request_id: int
    outcome: Optional[workflow.Outcome] = None  # the submission, when one was asked and taken
    email_ids: list = field(default_factory=list)  # to try to send now, after the commit
    stored: list = field(default_factory=list)  # documents written
    invited: Optional[str] = None  # the e-mail of a walk-in applicant's new account, invited


# --- the one set of rules ----------------------------------------------------------------------


def _column_limit(name: str, table=ActivityRequest.__table__) -> int:
    # The form definition's cap (a variable's concept), else the column's length.
    return text_limit(name, table) or TEXT_LIMIT


def clean_value(name: str, value, table=ActivityRequest.__table__):
    """``value`` as the column stores it, or raise ValueError with the message for the user.

    A blank answer is None (other text is kept as given: the forms strip what people type, an
    API client's text is stored verbatim); a choice must be one offered; numbers and dates must
    be in the ranges the table's constraints hold.
    """
    f = _TABLE_FIELDS.get(table, {}).get(name)
    kind = f.kind if f is not None else "text"
    if isinstance(value, str):
        if not value.strip():
            return None
        if kind in ("select", "multi", "bool"):
            value = value.strip()
    if value is None:
        return None
    if kind == "select":
        if value not in f.choices:
            raise ValueError(str(NOT_A_CHOICE))
        return value
    if kind == "multi":
        chosen = value.split(",") if isinstance(value, str) else list(value)
        chosen = [str(code).strip() for code in chosen if str(code).strip()]
        if any(code not in f.choices for code in chosen):
            raise ValueError(str(NOT_A_CHOICE))
        return ",".join(code for code in f.choices if code in chosen) or None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("1", "0"):
            return value == "1"
        raise ValueError(str(NOT_A_CHOICE))
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(str(NOT_A_NUMBER))
        low, high = _INT_RANGES.get(name, (0, COUNT_MAX))
        if not low <= value <= high:
            raise ValueError(str(OUT_OF_RANGE % {"min": low, "max": high}))
        return value
    if kind == "decimal":
        try:
            value = Decimal(str(value)) if not isinstance(value, Decimal) else value
        except InvalidOperation:
            raise ValueError(str(NOT_A_DECIMAL)) from None
        if not value.is_finite() or not 0 <= value <= 100:
            raise ValueError(str(OUT_OF_RANGE % {"min": 0, "max": 100}))
        return value.quantize(PERCENT_STEP)
    if kind == "date":
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValueError(str(NOT_A_DATE))
        return value
    if not isinstance(value, str):
        raise ValueError(str(_l("Not a valid string.")))
    limit = _column_limit(name, table)
    if len(value) > limit:
        raise ValueError(str(TOO_LONG % {"max": limit}))
    if kind == "email":
        try:
            # Syntax only; "test" domains pass (fixtures and demos use them, nobody is mailed).
            validate_email(value, check_deliverability=False, test_environment=True)
        except EmailNotValidError:
            raise ValueError(str(NOT_AN_EMAIL)) from None
    return value


def clean(values: dict) -> tuple[dict, dict]:
    """(the values as stored, errors by field) for the request's own fields."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        if name not in FIELDS and name not in OTHER_FIELDS:
            errors.setdefault(name, []).append(str(_l("Unknown field.")))
            continue
        try:
            cleaned[name] = clean_value(name, value)
        except ValueError as err:
            errors.setdefault(name, []).append(str(err))
    return cleaned, errors


def _filled(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value != [] and value is not False


def clean_rows(rows, table: RowTable = None) -> tuple[list[dict], dict]:
    """A table's filled rows, in order (blank rows dropped), and their errors keyed
    ``<table>-<n>-<field>`` (n from 1, as the applicant counts them). A row is blank when
    none of its fields holds anything (a "no" answer alone does not make a row)."""
    table = table or VARIABLE_ROWS
    columns = table.model.__table__
    kept, errors = [], {}
    filled = [row for row in rows
              if isinstance(row, dict) and any(_filled(row.get(f.name)) for f in table.fields)]
    if len(filled) > table.limit:
        errors[table.key] = [str(table.too_many % {"max": table.limit})]
        return [], errors
    known = {f.name for f in table.fields}
    for number, row in enumerate(filled, start=1):
        values = {}
        for name in row.keys() - known:  # an API client's typo must not vanish unnoticed
            errors.setdefault(f"{table.key}-{number}-{name}", []).append(
                str(_l("Unknown field.")))
        for f in table.fields:
            try:
                values[f.name] = clean_value(f.name, row.get(f.name), columns)
            except ValueError as err:
                errors.setdefault(f"{table.key}-{number}-{f.name}", []).append(str(err))
        if not values.get("name") and f"{table.key}-{number}-name" not in errors:
            errors[f"{table.key}-{number}-name"] = [str(table.name_missing % {"num": number})]
        kept.append(values)
    return kept, errors


def clean_variables(rows) -> tuple[list[dict], dict]:
    return clean_rows(rows, VARIABLE_ROWS)


def _date_errors(read) -> dict:
    """No stage ends before it starts (``read(name)``: the value the row will hold)."""
    errors = {}
    for start, end in DATE_PAIRS:
        first, last = read(start), read(end)
        if first and last and last < first:
            errors[end] = [str(END_BEFORE_START)]
    return errors


def editable_states(actor) -> frozenset:
    roles = user_role_names(actor)
    return STAFF_EDITABLE if roles & (OFFICE_STAFF | {ADMIN}) else APPLICANT_EDITABLE


def can_edit(req: ActivityRequest, actor) -> bool:
    """May this user change this request's form now (scope and state)?"""
    roles = user_role_names(actor)
    if ADMIN in roles:
        mine = True
    elif roles & OFFICE_STAFF:
        mine = actor.office_id == req.office_id
    else:
        mine = req.applicant_id == actor.id
    return mine and req.state in editable_states(actor)


def closed_to(session, actor, request_ids) -> set:
    """The requests among ``request_ids`` whose form ``actor`` may not change now (can_edit):
    for a page to leave out the buttons that would be refused."""
    ids = {rid for rid in request_ids if isinstance(rid, int)}
    if not ids:
        return set()
    rows = session.scalars(select(ActivityRequest).where(ActivityRequest.id.in_(ids)).options(
        load_only(ActivityRequest.state, ActivityRequest.office_id,
                  ActivityRequest.applicant_id)))
    return {req.id for req in rows if not can_edit(req, actor)}


def check_part_change(session, actor, request_ids, table: Optional[RowTable] = None, *,
                      adding: bool = False) -> None:
    """The staff screens' door for one part of a request's form changed on its own (a
    variable, an indicator, a document's record): allowed while ``can_edit`` holds for every
    request the part belongs to, before and after the change, and a new row only within its
    table's limit. The portal and the API change the same parts through ``update``, under the
    same rule. Raises WorkflowError (409), or RequestInputError for the limit; writes nothing.

    The requests are read locked and afresh, so a letter issued meanwhile is seen."""
    ids = sorted({rid for rid in request_ids if isinstance(rid, int)})
    for rid in ids:
        req = session.get(ActivityRequest, rid, with_for_update=True, populate_existing=True)
        if req is not None and not can_edit(req, actor):
            raise workflow.WorkflowError(str(NOT_CHANGEABLE), status=409)
    if adding and table is not None and ids:
        count = session.scalar(select(func.count(table.model.id))
                               .where(table.model.request_id == ids[-1]))
        if count >= table.limit:
            raise RequestInputError({table.key: [str(table.too_many % {"max": table.limit})]})


# --- writes ------------------------------------------------------------------------------------


def create(session, actor, *, office_id, values: dict, variables=None, indicators=None,
           applicant_email=None, applicant_name=None, applicant_id=None, files=(),
           action: Optional[str] = None, note: Optional[str] = None,
           form_token: Optional[str] = None) -> Saved:
    """A new request: the applicant's own (online) or, for staff, a walk-in one recorded for an
    applicant account: ``applicant_id``'s, or the one with ``applicant_email`` (made and
    invited when there is none).

    ``action`` "submit" submits it at once when it is complete; an incomplete one is kept as a
    draft and the caller asks the workflow why (``Saved.outcome`` is then None).

    ``form_token``: the one-time token of the form that sent it (form_tokens), committed with
    the request; when another POST of the same token committed first, nothing is written and
    ``form_tokens.AlreadyUsed`` is raised.
    """
    roles = user_role_names(actor)
    staff = bool(roles & (OFFICE_STAFF | {ADMIN}))
    cleaned, errors = clean(values)
    rows, row_errors = clean_rows(variables or [], VARIABLE_ROWS)
    errors.update(row_errors)
    indicator_rows, row_errors = clean_rows(indicators or [], INDICATOR_ROWS)
    errors.update(row_errors)
    errors.update(_date_errors(cleaned.get))
    # The process's copy of the office (offices.office_info): no read per submission.
    info = office_info(session, office_id) if isinstance(office_id, int) else None
    office = info.office if info is not None else None
    if staff and ADMIN not in roles and office is not None and office.id != actor.office_id:
        office = None  # staff record requests in their own office only
    if office is None or not office.active:
        errors["office"] = [_("Choose the BPS office you are asking.")]
    applicant = None
    if staff and applicant_id is not None:
        applicant = session.get(RekomUser, applicant_id) if isinstance(applicant_id, int) else None
        if applicant is None or APPLICANT not in user_role_names(applicant):
            errors["applicant"] = [_("Choose the applicant's account.")]
    elif staff and not (applicant_email or "").strip():
        errors["applicant_email"] = [_("Enter the applicant's e-mail address.")]
    if errors:
        raise RequestInputError(errors)

    email_ids, stored, invited = [], [], None
    with _all_or_nothing(session, stored, form_token), form_tokens.recording(
            session, form_token, "request", actor.id, ActivityRequest):
        if applicant is not None:
            applicant_id, channel = applicant.id, "walk_in"
        elif staff:
            # A walk-in request belongs to an applicant account, found or made by e-mail.
            try:
                applicant, made = accounts.walk_in_applicant(
                    session, applicant_email, applicant_name)
            except accounts.WalkInError as err:
                raise RequestInputError({"applicant_email": [str(err)]}) from None
            if made:
                session.flush()  # the account's id, for the invitation link
                invitation = accounts.invite(session, applicant)
                session.flush()
                email_ids += [m.id for m in invitation]
                invited = applicant.email
            applicant_id, channel = applicant.id, "walk_in"
        else:
            applicant_id, channel = actor.id, "online"
        req = ActivityRequest(tracking_code=codes.tracking_code("RKS"), office_id=office.id,
                              applicant_id=applicant_id, channel=channel, state="draft")
        for name, value in cleaned.items():
            setattr(req, name, value)
        # A draft may be saved with nothing filled: the columns that cannot be empty get the
        # form's own defaults (the completeness check at submission asks for the rest).
        req.title = req.title or ""
        req.year = req.year or workdays.office_today().year
        req.kind = req.kind or "survey"
        session.add(req)
        for position, row in enumerate(rows, start=1):
            session.add(RequestVariable(request=req, position=position, **row))
        for position, row in enumerate(indicator_rows, start=1):
            session.add(RequestIndicator(request=req, position=position, **row))
        complete = action is not None and not workflow.missing_for_submit(req)
        if complete and not files:
            # Created and submitted at once: the workflow writes the row once, in its final
            # state, with both of its events.
            outcome = workflow.apply(session, req, action, actor, note=note)
            return Saved(outcome.request_id, outcome, email_ids + outcome.email_ids,
                         invited=invited)
        session.flush()
        req_id = req.id
        for kind, checked in files:
            stored.append(uploads.store(session, req_id, kind, checked, actor.id))
        _event(session, actor, req, "create")
        saved = _finish(session, req_id, actor, action if complete else None, note, email_ids,
                        stored)
        saved.invited = invited
        return saved


def update(session, actor, request_id: int, values: dict, *, variables=None, indicators=None,
           files=(), action: Optional[str] = None, note: Optional[str] = None,
           applicant_id=None, channel: Optional[str] = None) -> Saved:
    """Change a stored request's form (only the fields given; ``variables`` or ``indicators``
    None keeps that table as it is) and, with ``action``, submit or resubmit it when it is
    complete. Staff may also correct whose request it is (``applicant_id``) and how it came in."""
    cleaned, errors = clean(values)
    staff = bool(user_role_names(actor) & (OFFICE_STAFF | {ADMIN}))
    if applicant_id is not None:
        applicant = session.get(RekomUser, applicant_id) if isinstance(applicant_id, int) else None
        if not staff or applicant is None or APPLICANT not in user_role_names(applicant):
            errors["applicant"] = [_("Choose the applicant's account.")]
    if channel is not None and (not staff or channel not in CHANNELS):
        errors["channel"] = [str(NOT_A_CHOICE)]
    rows, row_errors = clean_rows(variables or [], VARIABLE_ROWS)
    errors.update(row_errors)
    indicator_rows, row_errors = clean_rows(indicators or [], INDICATOR_ROWS)
    errors.update(row_errors)
    req = session.get(ActivityRequest, request_id, with_for_update=True, populate_existing=True)
    if req is None:
        raise workflow.WorkflowError(_("Request not found."), status=404)
    if not can_edit(req, actor):
        session.rollback()
        raise workflow.WorkflowError(str(NOT_CHANGEABLE), status=409)
    errors.update(_date_errors(lambda name: cleaned[name] if name in cleaned
                               else getattr(req, name)))
    if errors:
        session.rollback()
        raise RequestInputError(errors)
    stored = []
    with _all_or_nothing(session, stored):
        for name, value in cleaned.items():
            setattr(req, name, value)
        req.title = req.title or ""
        req.kind = req.kind or "survey"
        if applicant_id is not None:
            req.applicant_id = applicant_id
        if channel is not None:
            req.channel = channel
        if variables is not None:
            _replace_rows(session, req, VARIABLE_ROWS, rows)
        if indicators is not None:
            _replace_rows(session, req, INDICATOR_ROWS, indicator_rows)
        session.flush()
        for kind, checked in files:
            stored.append(uploads.store(session, req.id, kind, checked, actor.id))
        if not session.scalar(select(AuditEvent.id).where(
                AuditEvent.object_type == "activity_request", AuditEvent.object_id == req.id)):
            _event(session, actor, req, "create")  # requests made before every door wrote it
        complete = action is not None and not workflow.missing_for_submit(req)
        return _finish(session, req.id, actor, action if complete else None, note, [], stored)


@contextmanager
def _all_or_nothing(session, stored: list, form_token: Optional[str] = None):
    """Everything the block writes, or nothing: on any error the transaction is rolled back and
    the documents already stored are removed; a database refusal becomes a RequestInputError
    naming its field (db_refusals), the form token's own (a race lost) AlreadyUsed.

    Not ``transactions.unit_of_work``: the commit is inside the block (``_finish``, or
    ``workflow.apply``'s own), within the form token's ``recording``, and a refusal at that
    commit is translated here."""
    try:
        yield
    except (IntegrityError, DataError) as err:
        session.rollback()
        uploads.discard(stored)
        if form_token and form_tokens.find(session, form_token) is not None:
            raise form_tokens.AlreadyUsed(form_token) from None
        raise RequestInputError(db_refusals.errors(err)) from None
    except Exception:
        session.rollback()
        uploads.discard(stored)
        raise


def _finish(session, req_id, actor, action, note, email_ids, stored) -> Saved:
    if action is None:
        session.commit()
        return Saved(req_id, None, email_ids, stored)
    # One transaction for the changes and the submission: the workflow commits both.
    outcome = workflow.apply(session, req_id, action, actor, note=note)
    return Saved(req_id, outcome, email_ids + outcome.email_ids, stored)


def _event(session, actor, req, action: str) -> None:
    audit.record(session, actor, req, action, to_state=req.state, at=workdays.utcnow())


def _replace_rows(session, req, table: RowTable, rows) -> None:
    old_rows = list(getattr(req, table.key))
    for old in old_rows:
        session.delete(old)
    if old_rows:
        session.flush()  # positions are unique per request: clear before writing them again
    for position, row in enumerate(rows, start=1):
        session.add(table.model(request=req, position=position, **row))

