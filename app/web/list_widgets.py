"""The officers' request list, made cheap: what FAB redoes per row or per request, done once.

FAB's list page spent most of its time rendering (bench/README.md, "list"). Here, with FAB's
own templates and macros (same markup, same permission checks):

* ``LeanListWidget`` (template rekomstat/list_widget.html) renders the show/edit/delete
  buttons once per page for a placeholder key and copies them per row, and formats and
  escapes the cells in Python, one pass per row;
* ``lean_gettext`` stands for Jinja's ``_`` on the page: FAB's templates pass it labels that are
  lazy translations already (menu, actions, columns), which it then translated three or four
  times each; here a label or literal is translated once per locale;
* ``navbar_entries`` walks the menu in Python (rekomstat/navbar.html), not with a filter, a
  macro call and a translation per entry;
* ``LeanSearchWidget`` keeps the search form's labels, filter names and plain text inputs
  per view and locale;
* ``RekomInterface`` converts each column to its search filters once: FAB converted all the
  model's columns (88 for a request) for each ``Filters`` it made, five per page; a request or
  an account is filtered by its typed code (web/lookups.py).

What is kept between requests depends on the locale and the view only, never on the user:
which entries, buttons and actions a user gets is decided in each request by FAB's checks.
"""
from __future__ import annotations

import threading

import flask_babel
from flask import current_app
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.base import is_column_dotted
from flask_appbuilder.widgets import ListWidget, SearchWidget
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import MANYTOMANY, MANYTOONE, Load
from sqlalchemy.orm.attributes import set_committed_value

from app.web import fab_internals as fab
from app.web.formats import number_text
from app.web.lookups import LookupEqual, LookupNotEqual, lookup_of, related_row

# Stands for the row's primary key in the buttons rendered once per page; replaced per row.
PK_PLACEHOLDER = "__rekom_pk__"


# (locale, msgid) -> translation of a lazy label; translations depend on the locale only.
_TRANSLATED: dict = {}


def translated(label):
    """A lazy label's text in this request's locale, looked up once per locale (a lazy
    string translates itself again each time it is rendered); anything else as it is."""
    if not isinstance(label, LazyString):
        return label
    func, args, kwargs = fab.lazy_parts(label)
    if func is not flask_babel.gettext or kwargs or len(args) != 1:
        return str(label)  # with variables, or another domain function: not memoised
    locale = get_locale()
    if locale is None:
        return str(label)
    key = (locale, args[0])
    text = _TRANSLATED.get(key)
    if text is None:
        text = str(label)
        if len(_TRANSLATED) > _MEMO_LIMIT:
            _TRANSLATED.clear()
        _TRANSLATED[key] = text
    return text


# (locale, message, autoescape) -> what Jinja's gettext returned for a literal without variables.
_LITERALS: dict = {}
_MEMO_LIMIT = 5000


@pass_context
def lean_gettext(context, string, **variables):
    """Jinja's ``_``, answered from memory: a lazy label is its translation (rendered once per
    locale and marked safe, as ``_`` marks what it returns); a literal without variables is
    what Jinja's gettext returned for it before in this locale. Anything else: Jinja's gettext.
    """
    if isinstance(string, LazyString):
        text = Markup(translated(string))
        return text % variables if variables else text
    locale = None if variables or not isinstance(string, str) else get_locale()
    if locale is None:
        return context.call(context.resolve("gettext"), string, **variables)
    key = (locale, string, context.eval_ctx.autoescape)
    text = _LITERALS.get(key)
    if text is None:
        text = context.call(context.resolve("gettext"), string)
        if len(_LITERALS) > _MEMO_LIMIT:  # templates' literals are few; a variable is not
            _LITERALS.clear()
        _LITERALS[key] = text
    return text


def navbar_entries(menu) -> list:
    """FAB's navbar_menu.html walk, done in Python for one page: the entries the user may see
    (FAB's ``is_menu_visible``: ``menu_access`` on the entry), with their URLs.

    ``[(item, url, None)]`` for a link, ``[(category, None, [(item, url) | (None, None)])]``
    for a dropdown (``(None, None)``: a divider). Labels are left to the template's ``_``.
    """
    sm = current_app.appbuilder.sm
    entries = []
    for item1 in menu.get_list():
        if not sm.has_access(fab.MENU_ACCESS, item1.name):
            continue
        if not item1.childs:
            entries.append((item1, item1.get_url(), None))
            continue
        childs, last = [], len(item1.childs) - 1
        for i, item2 in enumerate(item1.childs):
            if not item2:
                continue
            if item2.name == "-":
                if i != last:
                    childs.append((None, None))
            elif sm.has_access(fab.MENU_ACCESS, item2.name):
                childs.append((item2, item2.get_url()))
        entries.append((item1, None, childs))
    return entries


class LeanListWidget(ListWidget):
    """FAB's ListWidget; the rows come formatted from here, the buttons once per page (from the
    arguments FAB's list hands its widget: fab_internals.LIST_WIDGET_ARGS)."""

    template = "rekomstat/list_widget.html"
    # Set by screens.OfficeScopedView on a page that reads offices beyond the user's own:
    # each row's office ({pk: "code name"}, shown as a column) and the rows the user may not
    # change (shown without edit, delete and the action checkbox).
    row_offices: dict | None = None
    read_only_pks: frozenset | set = frozenset()
    # Set by a view whose rows may not be added now (a request's tab once its form is closed).
    add_closed = False

    def __call__(self, **kwargs):
        kwargs.setdefault("pk_placeholder", PK_PLACEHOLDER)
        kwargs.setdefault("add_closed", self.add_closed)
        kwargs.setdefault("row_offices", self.row_offices)
        kwargs.setdefault("read_only_pks", self.read_only_pks)
        kwargs.setdefault("lean_gettext", lean_gettext)
        # The cells of each row, formatted and escaped here in one pass: the template loops
        # over rows only (a formatter call, a test and an escape per cell cost more in Jinja).
        # A formatter with ``for_page`` (views.labelled) gives its version for this page.
        formatters = self.template_args.get("formatters_columns") or {}
        columns = []
        for col in self.template_args.get("include_columns", ()):
            formatter = formatters.get(col)
            columns.append(
                (col, formatter.for_page() if hasattr(formatter, "for_page") else formatter))
        kwargs.setdefault("rows", [
            (pk, Markup("".join([
                "<td>%s</td>" % escape(formatter(values[col]) if formatter else values[col])
                for col, formatter in columns
            ])))
            for pk, values in zip(self.template_args.get("pks", ()),
                                  self.template_args.get("value_columns", ()))
        ])
        # The column headers, translated once per locale; a lazy label renders unescaped (it
        # has __html__), so does its Markup.
        labels = self.template_args.get("label_columns") or {}
        kwargs.setdefault("label_columns", {
            col: Markup(translated(labels[col])) if isinstance(labels.get(col), LazyString)
            else labels.get(col)
            for col in self.template_args.get("include_columns", ())
        })
        return super().__call__(**kwargs)


class LeanSearchWidget(SearchWidget):
    """FAB's SearchWidget with what does not change between requests looked up once: the
    labels and filter names (per view and locale) and the HTML of plain text inputs (per view,
    locale and value: the list's search form is never bound to the request, so the value is
    the column's default). Selects are rendered per request: their options depend on the user.
    It reads what FAB's view hands it (fab_internals.SEARCH_WIDGET_ARGS) and computes what
    ``SearchWidget.__call__`` would (SEARCH_WIDGET_OUTPUT), which it skips.
    """

    _static: dict = {}
    _inputs: dict = {}
    _lock = threading.Lock()

    def __call__(self, **kwargs):
        form = self.template_args["form"]
        cols = tuple(self.template_args["include_cols"])
        route, locale = self.template_args.get("route_base"), str(get_locale())
        static = self._static.get((route, locale, cols))
        if static is None:
            dict_filters = self.filters.get_search_filters()
            static = (
                {col: str(form[col].label.text) for col in cols},
                {col: [str(flt.name) for flt in dict_filters[col]] for col in cols},
            )
            with self._lock:
                self._static[(route, locale, cols)] = static
        labels, search_filters = static
        kwargs["label_columns"] = dict(labels)
        kwargs["form_fields"] = {col: self._field_html(form[col], route, locale) for col in cols}
        kwargs["search_filters"] = {col: list(names) for col, names in search_filters.items()}
        kwargs["active_filters"] = self.filters.get_filters_values_tojson()
        # SearchWidget.__call__ would compute all of the above again: on to the rendering.
        return super(SearchWidget, self).__call__(**kwargs)

    def _field_html(self, field, route, locale):
        if type(field.widget) not in _PLAIN_INPUTS or not isinstance(field.data, _PLAIN_VALUES):
            return field()
        key = (route, locale, field.name, type(field.data), field.data)
        html = self._inputs.get(key)
        if html is None:
            html = field()
            with self._lock:
                if len(self._inputs) > 10_000:  # values are defaults: never more than a few
                    self._inputs.clear()
                self._inputs[key] = html
        return html


# Inputs whose HTML is a function of the field's definition, label and value alone.
_PLAIN_INPUTS = (BS3TextFieldWidget, BS3TextAreaFieldWidget)
_PLAIN_VALUES = (str, int, float, type(None))


class MemoFilterConverter(SQLAFilterConverter):
    """A column's search filters depend only on its type: converted once per column.

    Callers get a new list each time (FAB's ``Filters`` extends these lists in place); the
    filter objects in it hold no request state (column, model) and FAB shares them between
    requests already (``ModelView._filters``).
    """

    def convert(self, col_name):
        cache = self.datamodel._filter_conversions
        if col_name not in cache:
            # A request or an account is typed, not picked (web/lookups.py).
            cache[col_name] = ([flt(col_name, self.datamodel)
                                for flt in (LookupEqual, LookupNotEqual)]
                               if lookup_of(self.datamodel, col_name) is not None
                               else super().convert(col_name))
        converted = cache[col_name]
        return None if converted is None else list(converted)


class CountPast(int):
    """A list's record count past the view's cap: FAB's pages are counted from it as a number
    (the cap), the page reads "more than <cap>"."""

    def __html__(self) -> str:
        return str(escape(flask_babel.gettext("more than %(count)s",
                                              count=number_text(int(self)))))


# A long list's count stops here (RekomInterface.count_cap): "more than 10.000".
COUNT_CAP = 10_000


class RekomInterface(SQLAInterface):
    """FAB's interface; ``list_load`` names the columns a list page loads (FAB's query loads
    them alone: ``load_only``). For a wide table: a page of requests selected all ~100 columns,
    and PostgreSQL sorted those ~6 kB rows for a deep page's OFFSET (bench/README.md, "Peer
    baseline"). A column the page reads and the list omits would load row by row: the list's
    tests count the statements of a page."""

    filter_converter_class = MemoFilterConverter

    def __init__(self, *args, list_load=None, **kwargs):
        self._filter_conversions: dict = {}
        self._plain: dict = {}
        self.list_load = list(list_load) if list_load else None
        # Many-to-one relations a list page shows (its views add theirs: screens.py): read for
        # the page's rows in one statement each. FAB's list loads them lazily, one statement a
        # row (a variables' list: 25 requests of ~100 columns, 30 statements a page).
        self.list_relations: tuple = ()
        # Set by a view over a history that only grows (variables, reviews, the audit log...):
        # its list counts at most this many rows, then says "more than" (CountPast). An exact
        # count read every matching row on every page: at 100 000 requests the nation's audit
        # log counted 810 000 rows (72 ms a page), ten times that at a million.
        self.count_cap: int | None = None
        super().__init__(*args, **kwargs)

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        if select_columns is None and self.list_load:
            select_columns = self.list_load
        count, rows = super().query(filters, order_column, order_direction, page, page_size,
                                    select_columns, outer_default_load)
        for name in self.list_relations:
            self._load_related(rows, name)
        return count, rows

    def _load_related(self, rows, name: str) -> None:
        prop = self.obj.__mapper__.relationships[name]
        if prop.direction is MANYTOMANY:
            self._load_collection(rows, name, prop)
            return
        [(local, remote)] = prop.local_remote_pairs  # a plain foreign key (checked by the view)
        key = self.obj.__mapper__.get_property_by_column(local).key
        wanted = {getattr(row, key) for row in rows} - {None}
        found = {}
        if wanted:
            target = prop.mapper.class_
            found = {getattr(obj, remote.key): obj for obj in self.session.scalars(
                select(target).where(remote.in_(wanted)))}
        for row in rows:
            set_committed_value(row, name, found.get(getattr(row, key)))

    def _load_collection(self, rows, name: str, prop) -> None:
        """A many-to-many (an account's roles): the page's links with their rows, one
        statement."""
        [(parent_col, link_parent)] = prop.synchronize_pairs
        [(target_col, link_target)] = prop.secondary_synchronize_pairs
        key = self.obj.__mapper__.get_property_by_column(parent_col).key
        wanted = {getattr(row, key) for row in rows} - {None}
        found: dict = {}
        if wanted:
            target = prop.mapper.class_
            for owner, obj in self.session.execute(
                    select(link_parent, target).select_from(prop.secondary)
                    .join(target, target_col == link_target)
                    .where(link_parent.in_(wanted)).order_by(link_parent, target_col)):
                found.setdefault(owner, []).append(obj)
        for row in rows:
            set_committed_value(row, name, found.get(getattr(row, key), []))

    def add_list_relations(self, columns) -> None:
        """Load these of a list's columns for the whole page at once: the many-to-one
        relations over one foreign key column, and the many-to-many over a link table of two
        (an account's roles)."""
        rels = self.obj.__mapper__.relationships

        def by_page(rel) -> bool:
            if rel.direction is MANYTOONE:
                return len(rel.local_remote_pairs) == 1
            return (rel.direction is MANYTOMANY and len(rel.synchronize_pairs) == 1
                    and len(rel.secondary_synchronize_pairs) == 1)

        self.list_relations = tuple(sorted({*self.list_relations, *(
            col for col in columns if col in rels and by_page(rels[col]))}))

    def _plain_columns(self, select_columns) -> bool:
        if not select_columns:
            return False
        key = tuple(select_columns)
        plain = self._plain.get(key)
        if plain is None:  # FAB's checks walk the model's attributes: once per column list
            plain = self._plain[key] = all(
                not is_column_dotted(col) and not self.is_relation(col)
                and not self.is_property_or_function(col) for col in select_columns)
        return plain

    def query_count(self, query, filters=None, select_columns=None) -> int:
        if self.count_cap is not None:
            # Keys of the filtered rows, at most one past the cap: the count stops there.
            keys = self.apply_filters(
                self.session.query(*self.obj.__mapper__.primary_key),
                self.get_inner_filters(filters)).limit(self.count_cap + 1).subquery()
            found = self.session.query(func.count()).select_from(keys).scalar()
            return CountPast(found - 1) if found > self.count_cap else found
        # count(*) of the filtered table. FAB counts over a sub-select of the page's columns,
        # each with its load_only option: the same plan, but ~1 ms of Python a page to build.
        if not self._plain_columns(select_columns):
            return super().query_count(query, filters, select_columns)
        counted = self.session.query(func.count()).select_from(self.obj)
        return self.apply_filters(counted, self.get_inner_filters(filters)).scalar()

    def apply_inner_select_joins(self, query, select_columns=None, aliases_mapping=None):
        # One load_only for the page's columns where FAB chains one per column.
        if not self._plain_columns(select_columns):
            return super().apply_inner_select_joins(query, select_columns, aliases_mapping)
        return query.options(
            Load(self.obj).load_only(*(getattr(self.obj, col) for col in select_columns)))

    def get_related_obj(self, col_name, value):
        # FAB loads by key; a lookup relation also by its code (web/lookups.py).
        lookup = lookup_of(self, col_name)
        if lookup is None:
            return super().get_related_obj(col_name, value)
        return related_row(self.get_related_interface(col_name), lookup, value)

    def get_search_columns_list(self) -> list[str]:
        # FAB filters a JSON column as text; PostgreSQL has no text operators on json, so every
        # such filter failed there: not offered (a view may still name one).
        return [col for col in super().get_search_columns_list() if not self.is_json(col)]
