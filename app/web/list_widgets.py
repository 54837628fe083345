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
* the data a page shows is read by ``RekomInterface`` (web/interface.py).

What is kept between requests depends on the locale and the view only, never on the user:
which entries, buttons and actions a user gets is decided in each request by FAB's checks.
"""
from __future__ import annotations

import threading

import flask_babel
from flask import current_app
from flask_appbuilder.fieldwidgets import BS3TextAreaFieldWidget, BS3TextFieldWidget
from flask_appbuilder.widgets import ListWidget, SearchWidget
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from markupsafe import Markup, escape

from app.web import fab_internals as fab

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
