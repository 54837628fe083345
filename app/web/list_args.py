"""The arguments FAB's screens and REST lists read by hand, checked before any view reads them.

FAB takes a list's paging, order and filters from the query string itself (urltools.py:
``page_<view>``, ``psize_<view>``, ``_oc_<view>``/``_od_<view>``, ``_flt_<n>_<column>``) with a
bare ``int()``, no bounds, any attribute of the model as the order, the filter by index; its
screens take a row's key as text (``/show/<pk>``); its REST API reads ``q`` with prison, which
raises ValueError (not its ParserException) on ``1e+5``. Each of these ended in a 500 (issue
20), and ``_oc_`` sorted a staff list by any column, shown or not (a user's password hash).
One ``before_request`` answers them instead, for FAB's views and ours alike:

- screens (FAB's model views): a page that is not a whole number from 0, a page size that is
  not a whole number from 1 (a larger one than ``MAX_PAGE_SIZE`` is read as ``MAX_PAGE_SIZE``),
  an order by a column the list does not offer, a filter the column does not have, a filter
  value beyond the column's integers, a relation filter that names no possible row or a boolean
  one that is not FAB's "y": 400 with the page of refused input (app/web/input_guard.py's); a row
  key that is not one (composite keys: a JSON list of their parts), an action the view does not
  have or a row it does not find (``/action/<name>/<pk>``): 404; an unknown action posted to
  ``action_post``: 400;
- the REST API's rison argument ``q`` (on the methods FAB's ``@rison`` reads it for; the
  catalogue's own ``/search`` reads ``q`` as text): what prison cannot parse, a ``page`` that is
  not a whole number from 0, a ``page_size`` not a whole number, a number beyond 64 bits, a
  filter value beyond its column: 400 with the API's ``{"message": …}``.

Arguments naming a view that this request does not render are left alone, as FAB ignores them.
"""
from __future__ import annotations

import json
import re
import urllib.parse

import prison
import sqlalchemy as sa
from flask import Flask, abort, current_app, jsonify, render_template, request
from flask_appbuilder.api import BaseApi
from flask_appbuilder.baseviews import BaseModelView
from flask_appbuilder.views import MultipleView
from flask_babel import gettext as _

from app.core.errors import DomainError
from app.web import fab_internals as fab
from app.web.input_guard import FIELD_SHOWN
from app.web.lookups import LookupEqual, LookupNotEqual

MAX_PAGE_SIZE = 100  # FAB's list offers 25, 50, 75 and 100 rows a page
MAX_PAGE = 2**31 - 1  # times MAX_PAGE_SIZE still fits any database's OFFSET
MAX_64 = 2**63 - 1  # SQLite's integers; nothing in a query needs more

# urltools.py's patterns, searched as FAB searches them (anywhere in the argument's name).
PAGE, PSIZE, ORDER = (re.compile(prefix + "(.*)")
                      for prefix in (fab.PAGE_ARG, fab.PAGE_SIZE_ARG, fab.ORDER_ARG))
FILTER = re.compile(fab.FILTER_ARG)
WHOLE = re.compile(r"[+-]?[0-9]{1,20}")


class Refusal(DomainError):
    """A list or API argument refused (400); ``field`` names it as the page shows it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, status=400)
        self.message, self.field = message, field


# --- numbers and keys -------------------------------------------------------------------------


def _int_bounds(column) -> tuple[int, int] | None:
    """The integers a column can hold (by its declared type), None if it is not an integer."""
    kind = getattr(column, "type", None)
    if isinstance(kind, sa.SmallInteger):
        top = 2**15 - 1
    elif isinstance(kind, sa.BigInteger):
        top = MAX_64
    elif isinstance(kind, sa.Integer):
        top = 2**31 - 1
    else:
        return None
    return -top - 1, top


def _whole(value, low: int, high: int) -> bool:
    """``value`` (a number or its text, as FAB's ``int()`` reads it) is an integer in range."""
    if isinstance(value, bool) or isinstance(value, float) and not value.is_integer():
        return False
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return low <= number <= high


def _key_fits(model, value) -> bool:
    """``value`` could be the primary key of a row of ``model`` (False: it cannot be, and the
    database would refuse to compare it). Keys that are not one integer are not judged."""
    keys = sa.inspect(model).primary_key
    bounds = _int_bounds(keys[0]) if len(keys) == 1 else None
    return bounds is None or _whole(value, *bounds)


def _value_fits(datamodel, column: str, value) -> bool:
    """One filter value FAB may hand the database for ``column``: an integer column takes a
    number it can hold (FAB compares text that is not a number with NULL), a relation the key
    of a row it could name, a boolean FAB's "y" (FAB compares anything else as text, which
    PostgreSQL refuses for a boolean), a number column a number or text; any other column
    text (FAB adds "%" to it, or compares it as text)."""
    if isinstance(value, (dict, list)):
        return False
    try:
        if datamodel.is_relation(column):
            return _key_fits(datamodel.get_related_model(column), value)
        if datamodel.is_boolean(column):
            return isinstance(value, bool) or value == "y"
        if datamodel.is_integer(column):
            if isinstance(value, bool):
                return False
            try:
                number = int(value)
            except (TypeError, ValueError, OverflowError):
                return isinstance(value, str)
            low, high = _int_bounds(datamodel.list_columns[column])
            return low <= number <= high
        if datamodel.is_float(column) or datamodel.is_numeric(column):
            return isinstance(value, (int, float, str)) and not isinstance(value, bool)
        if datamodel.is_date(column) or datamodel.is_datetime(column):
            return True  # FAB parses what it can and compares NULL otherwise
    except (KeyError, AttributeError, sa.exc.NoInspectionAvailable):
        return True  # not a column FAB filters as such
    return isinstance(value, str)


def _values_fit(datamodel, column: str, values: list) -> bool:
    return all(_value_fits(datamodel, column, v) for v in values)


def _rest_filter_fits(datamodel, column: str, opr, value) -> bool:
    """A rison filter's value: a list for FAB's "in" and "not_in" (and a relation's
    "rel_m_m", which takes either), one value otherwise."""
    if isinstance(value, list) and (opr in ("in", "not_in", "rel_m_m")):
        return _values_fit(datamodel, column, value)
    if opr in ("in", "not_in"):
        return False
    return _value_fits(datamodel, column, value)


def _pk_fits(view, pk: str) -> bool:
    """``pk`` from a screen's URL names a possible row: an integer key within its column, a
    composite one as FAB writes it (a JSON list of its parts)."""
    keys = view.datamodel.obj.__mapper__.primary_key
    if len(keys) == 1:
        bounds = _int_bounds(keys[0])
        return bounds is None or bool(WHOLE.fullmatch(pk)) and _whole(pk, *bounds)
    try:
        parts = json.loads(pk)
    except ValueError:
        return False
    if not isinstance(parts, list) or len(parts) != len(keys):
        return False
    for column, part in zip(keys, parts):
        bounds = _int_bounds(column)
        if bounds is not None and not (isinstance(part, int) and _whole(part, *bounds)):
            return False
    return True


# --- screens ----------------------------------------------------------------------------------


def _shown(name: str) -> str:
    return name[:FIELD_SHOWN]


def _rendered_views(view) -> dict:
    """The views this request may render a list of, by the name their arguments carry."""
    inner = view.get_init_inner_views() or []
    return {fab.arg_view_name(v): v for v in (view, *inner)}


def _clamp_page_sizes() -> None:
    """A page size past ``MAX_PAGE_SIZE`` becomes ``MAX_PAGE_SIZE``: a bookmark (or a link)
    asking for 500 rows still opens the list, 100 rows a page. FAB reads ``request.args`` (and
    writes its paging links from it), so the request's arguments are the ones replaced."""
    args = request.args.copy()
    changed = False
    for name in list(args):
        if PSIZE.findall(name):
            values = args.getlist(name)
            capped = [v if int(v) <= MAX_PAGE_SIZE else str(MAX_PAGE_SIZE) for v in values]
            if capped != values:
                args.setlist(name, capped)
                changed = True
    if changed:
        request.args = request.parameter_storage_class(args.items(multi=True))
        request.__dict__.pop("values", None)  # werkzeug's cached args + form, if read already


def _check_screen_args(view) -> None:
    views = _rendered_views(view)
    args = request.args
    for name in args:
        values = args.getlist(name)
        if PAGE.findall(name) and not all(_whole(v, 0, MAX_PAGE) for v in values):
            raise Refusal(_("This page of the list does not exist."), _shown(name))
        # Any whole number from 1: one past MAX_PAGE_SIZE is read as it (_clamp_page_sizes).
        if PSIZE.findall(name) and not all(_whole(v, 1, float("inf")) for v in values):
            raise Refusal(_("Rows per page: a whole number from 1 to %(max)d.",
                            max=MAX_PAGE_SIZE), _shown(name))
        order = ORDER.findall(name)
        if order and args.get(fab.ORDER_DIRECTION_ARG + order[0]) in fab.ORDER_DIRECTIONS \
                and order[0] in views \
                and args.get(name) not in (getattr(views[order[0]], "order_columns", None) or ()):
            raise Refusal(_("This list cannot be sorted by that column."), _shown(name))
    _clamp_page_sizes()
    if not isinstance(view, BaseModelView):
        return
    # Filters apply to the request's own view only (urltools.get_filter_args on its _filters).
    filters = fab.filters_by_column(fab.search_filters(view))
    for name in args:
        found = FILTER.findall(name)
        if not found or found[0][1] not in filters:
            continue  # FAB ignores a column it has no filters for
        index, column = int(found[0][0]), found[0][1]
        if index >= len(filters[column]):
            raise Refusal(_("This list has no such filter."), _shown(name))
        if isinstance(filters[column][index], (LookupEqual, LookupNotEqual)):
            continue  # a typed code: one that names no row finds no row (web/lookups.py)
        if not _values_fit(view.datamodel, column, args.getlist(name)):
            if not view.datamodel.is_integer(column):  # a relation or a boolean
                raise Refusal(_("Choose a value for each filter, or remove the filter."),
                              _shown(name))
            low, high = _int_bounds(view.datamodel.list_columns[column])
            raise Refusal(_("Filter value: a whole number from %(min)d to %(max)d.",
                            min=low, max=high), _shown(name))


def _check_screen(view, method: str) -> None:
    pk = (request.view_args or {}).get("pk")
    if isinstance(view, BaseModelView) and isinstance(pk, str) and not _pk_fits(view, pk):
        abort(404)
    actions = getattr(view, "actions", None) or {}
    if method == "action":
        name = (request.view_args or {}).get("name")
        if name not in actions:
            abort(404)
        # FAB runs the action on whatever the key loads, None included (a 500 in FAB's own
        # users' and roles' actions). Looked up only for who may run it: anyone else gets
        # FAB's refusal, and learns nothing about which rows exist.
        if view.appbuilder.sm.has_access(view.get_action_permission_name(name),
                                         view.class_permission_name) and view.datamodel.get(
                fab.pk_from_url(view, pk), fab.base_filters(view)) is None:
            abort(404)
    if method == "action_post" and request.method == "POST" \
            and request.form.get("action") not in actions:
        raise Refusal(_("This action does not exist."))
    _check_screen_args(view)


# --- the REST API's rison ---------------------------------------------------------------------


def _reads_rison(func) -> bool:
    func = getattr(func, "__func__", func)
    while func is not None:
        if fab.is_rison_wrapper(func):
            return True
        func = getattr(func, "__wrapped__", None)
    return False


def _parse_q(value: str):
    """``q`` as FAB's @rison reads it (rison, else JSON when allowed); NotImplemented when FAB
    refuses it itself (its 400); raises Refusal where FAB's parser would fail with a 500."""
    try:
        return prison.loads(value)
    except prison.decoder.ParserException:
        if not current_app.config.get(fab.JSON_QS_SETTING, True):
            return NotImplemented
        try:
            return json.loads(urllib.parse.parse_qs(f"{fab.RISON_ARG}={value}")
                              .get(fab.RISON_ARG)[0])
        except Exception:  # noqa: BLE001 - FAB answers its own 400 for whatever fails here
            return NotImplemented
    except Exception:  # noqa: BLE001 - prison's own errors: ValueError on "1e+5", and others
        raise Refusal(_("Not a valid rison/json argument")) from None


def _check_numbers(data) -> None:
    """Pages from 0, whole page sizes, and no number past 64 bits, anywhere in ``q`` (the
    columns of ``_info`` take pages of their own)."""
    stack = [(None, data)]
    while stack:
        key, value = stack.pop()
        if key == "page" and not _whole(value, 0, MAX_PAGE):
            raise Refusal(_("page in q: a whole number from 0 to %(max)d.", max=MAX_PAGE))
        if key == "page_size" and not _whole(value, -MAX_PAGE, MAX_PAGE):
            raise Refusal(_("page_size in q: a whole number."))
        if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and not -MAX_64 - 1 <= value <= MAX_64:
            raise Refusal(_("A number in q is too large."))
        if isinstance(value, dict):
            stack.extend(value.items())
        elif isinstance(value, list):
            stack.extend((None, item) for item in value)


def _check_rison(view) -> None:
    value = request.args.get(fab.RISON_ARG)
    if not value:
        return
    data = _parse_q(value)
    if data is NotImplemented:
        return
    _check_numbers(data)
    datamodel = getattr(view, "datamodel", None)
    filters = data.get("filters") if isinstance(data, dict) else None
    if datamodel is None or not isinstance(filters, list):
        return
    for item in filters:
        if isinstance(item, dict) and isinstance(item.get("col"), str) and not \
                _rest_filter_fits(datamodel, item["col"], item.get("opr"), item.get("value")):
            raise Refusal(_("A filter value in q is not one its column can hold."))


# --- the hook ---------------------------------------------------------------------------------


def check_request():
    """``before_request``: None to go on, or the 400 (a 404 is raised)."""
    func = current_app.view_functions.get(request.endpoint)
    view = getattr(func, "__self__", None)
    try:
        if isinstance(view, BaseApi):
            if _reads_rison(func):
                _check_rison(view)
        elif isinstance(view, (BaseModelView, MultipleView)):
            _check_screen(view, request.endpoint.rsplit(".", 1)[-1])
    except Refusal as refusal:
        if isinstance(view, BaseApi):
            return jsonify(message=refusal.message), 400
        return render_template("public/bad_input.html", message=refusal.message,
                               field=refusal.field), 400
    return None


def init_app(app: Flask) -> None:
    app.before_request(check_request)
