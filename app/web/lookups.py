"""Relations to tables that grow without bound, typed instead of picked (issue 27).

FAB offers a relation as a ``<select>`` of every row the form may pick, and its search form
the same select for every relation it filters on. On a national installation (100 000 demo
requests) the officer of the largest regency received 10 717 requests in the select of each of
the variables', indicators', attachments', complaints' and guest book's forms, and in the search
forms of seven lists; every account of the nation in the ratings', reviews' and audit log's:
1.2–2.3 MB and 2–4.5 s a page, ten times that at a million. A request is named by its tracking
code and an account by its user name or e-mail address — what the person has at hand — in a
text box; the row is found among those the form may pick (the view's own scope), and a text
that names none of them is refused in words. Keys (whole numbers) are still read as FAB reads
them: the "+" of a request's own variables links to the form with ``_flt_0_request=<id>``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_appbuilder.models.sqla.filters import (
    FilterRelationOneToManyEqual,
    FilterRelationOneToManyNotEqual,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, false, func, or_
from sqlalchemy import inspect as sa_inspect
from wtforms import Field, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from app.models import ActivityRequest, RekomUser

# Longer than any tracking code, user name or e-mail address: not looked up.
LONGEST = 320


def _largest(key) -> int:
    """The largest key ``key``'s column holds (integers of 32 or 64 bits)."""
    return 2**63 - 1 if isinstance(key.type, BigInteger) else 2**31 - 1


@dataclass(frozen=True)
class Lookup:
    matches: Callable  # typed text -> a condition on the model
    shown: Callable  # row -> the text its field shows
    hint: object  # the field's description
    not_found: object  # the refusal when the text names no row the form may pick


REQUEST = Lookup(
    matches=lambda text: ActivityRequest.tracking_code == text.upper(),
    shown=lambda row: row.tracking_code,
    hint=_l("The request's tracking code, e.g. RKS-7K2M9QXA."),
    not_found=_l("No request with this tracking code can be chosen here."),
)
ACCOUNT = Lookup(
    matches=lambda text: or_(func.lower(RekomUser.username) == text.lower(),
                             func.lower(RekomUser.email) == text.lower()),
    shown=lambda row: row.email or row.username,
    hint=_l("The account's e-mail address or user name."),
    not_found=_l("No account with this e-mail address or user name can be chosen here."),
)
LOOKUPS = {ActivityRequest: REQUEST, RekomUser: ACCOUNT}


def lookup_of(datamodel, column: str) -> Lookup | None:
    """The lookup of a many-to-one relation ``column`` of the view's model, None if its rows
    are few enough to pick from (offices, queue tickets, roles)."""
    if not datamodel.is_relation_many_to_one(column):
        return None
    return LOOKUPS.get(datamodel.get_related_model(column))


def _text(value) -> str:
    if isinstance(value, (list, tuple)):  # FAB hands a filter's URL values over as a list
        value = value[0] if value else ""
    return str(value).strip()


def related_row(rel_interface, lookup: Lookup, value, query=None):
    """The row ``value`` names: a key as FAB reads it (a whole number), else the lookup's
    text; None when nothing (or more than one row) answers."""
    text = _text(value)
    if not text or len(text) > LONGEST:
        return None
    query = query if query is not None else rel_interface.session.query(rel_interface.obj)
    if text.isdigit():
        key = sa_inspect(rel_interface.obj).primary_key[0]
        if int(text) > _largest(key):
            return None  # no row has it, and PostgreSQL refuses to compare it with the key
        query = query.filter(key == int(text))
    else:
        query = query.filter(lookup.matches(text))
    found = query.limit(2).all()
    return found[0] if len(found) == 1 else None


class LookupEqual(FilterRelationOneToManyEqual):
    """FAB's relation filter (first, as FAB's: the related views' links name it by index 0),
    reading a typed code as well as a key; a text that names no row finds no row (FAB would
    compare with NULL and list the rows without one)."""

    name = _l("Equal to")

    def apply(self, query, value):
        if not _text(value):
            return query  # a filter row left empty filters nothing
        row = self.datamodel.get_related_obj(self.column_name, value)
        if row is None:
            return query.filter(false())
        return query.filter(getattr(self.model, self.column_name) == row)


class LookupNotEqual(FilterRelationOneToManyNotEqual):
    name = _l("Not Equal to")

    def apply(self, query, value):
        row = self.datamodel.get_related_obj(self.column_name, value)
        column = getattr(self.model, self.column_name)
        if row is None:  # nothing named (or nothing typed): nothing left out
            return query
        return query.filter(or_(column != row, column == None))  # noqa: E711 (IS NULL)


class CodeInput(TextInput):
    """FAB's text box (BS3TextFieldWidget), with what to type as its placeholder (FAB's shows
    the label, which the search form already shows beside it)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("class", "form-control")
        kwargs.setdefault("placeholder", str(field.description))
        return super().__call__(field, **kwargs)


class LookupField(Field):
    """A relation typed as its code: ``data`` is the row the text names among those
    ``find(text)`` may return, or None. A text that names none is refused with the lookup's
    message and comes back as typed."""

    widget = CodeInput()

    def __init__(self, label=None, validators=None, *, lookup: Lookup, find: Callable,
                 **kwargs):
        kwargs.setdefault("description", lookup.hint)
        super().__init__(label, validators, **kwargs)
        self.lookup, self.find, self.raw = lookup, find, None

    def process_formdata(self, valuelist):
        if valuelist:
            self.raw = valuelist[0]
            self.data = self.find(self.raw) if self.raw.strip() else None

    def _value(self):
        if self.raw is not None:
            return self.raw
        return self.lookup.shown(self.data) if self.data is not None else ""

    def pre_validate(self, form):
        if self.raw is not None and self.raw.strip() and self.data is None:
            raise StopValidation(str(self.lookup.not_found))


def search_field(label, lookup: Lookup):
    """The search form's text box for a lookup relation (FAB's: a select of every row)."""
    return StringField(label, widget=CodeInput(), description=lookup.hint)
