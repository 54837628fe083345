"""Where Rekomstat leans on Flask-AppBuilder past its documented API, named once (FAB 5.3.0).

FAB's documented API is what its docs tell a project to set or call (``list_columns``,
``base_filters``, ``pre_add``, ``add_role``…). Some of our screens need more: its private
attributes and methods, the query-string names its lists read, the keys its views hand their
widgets, the loggers and messages it writes, the flags it leaves on ``g``. Those are named here,
each with the FAB source it mirrors, and our modules reach them through these names;
tests/test_fab_internals.py pins every one against the installed FAB, so an upgrade that moves
one fails there first, naming the module of ours that depends on it.

A method we override by its (private) name stays in our class: ``OVERRIDES`` names it with the
parameters FAB calls it with, ``CALLS`` the ones we call. A private attribute that reads plainly
where it is used stays there too, named in ``ATTRIBUTES``. This module imports nothing of ours.
"""
from __future__ import annotations

from flask_appbuilder import AppBuilder, urltools
from flask_appbuilder.api import ModelRestApi, rison
from flask_appbuilder.baseviews import BaseCRUDView, BaseModelView, BaseView
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.registerviews import RegisterUserDBView
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.views import ModelView, MultipleView
from flask_appbuilder.widgets import SearchWidget
from marshmallow import Schema

# --- the list's query string (urltools.py) ----------------------------------------------------

PAGE_ARG = "page_"  # urltools.get_page_args: page_<view>=<page>
PAGE_SIZE_ARG = "psize_"  # urltools.get_page_size_args: psize_<view>=<rows>
ORDER_ARG = "_oc_"  # urltools.get_order_args: _oc_<view>=<column>
ORDER_DIRECTION_ARG = "_od_"  # urltools.get_order_args: _od_<view>=asc|desc
ORDER_DIRECTIONS = ("asc", "desc")  # urltools.get_order_args: an order in any other is ignored
FILTER_ARG = r"_flt_(\d)_(.*)"  # urltools.get_filter_args: _flt_<index>_<column>=<value>

# urltools' readers of these arguments, as BaseCRUDView._add/_edit call them.
get_filter_args = urltools.get_filter_args  # (filters, disallow_if_not_in_search): sets filters
get_order_args = urltools.get_order_args  # () -> {view: (column, direction)}
get_page_args = urltools.get_page_args  # () -> {view: page}
get_page_size_args = urltools.get_page_size_args  # () -> {view: rows}


def arg_view_name(view) -> str:
    """The ``<view>`` of a list's arguments (baseviews.BaseCRUDView._list: the class's name)."""
    return type(view).__name__


# --- the page history (baseviews.BaseView.update_redirect, get_redirect) ---------------------

PAGE_HISTORY_KEY = "page_history"  # the session's key for the pages update_redirect recorded


def last_page(session) -> str | None:
    """The page update_redirect recorded last (a urltools.Stack in the session under
    ``PAGE_HISTORY_KEY``), the history left as it is; None when there is none."""
    return urltools.Stack(list(session.get(PAGE_HISTORY_KEY, []))).pop()  # a copy: pop() mutates


# --- the REST API's ``q`` (api/__init__.py) ---------------------------------------------------

RISON_ARG = "q"  # const.API_URI_RIS_KEY: the argument api.rison parses
JSON_QS_SETTING = "FAB_API_ALLOW_JSON_QS"  # api.rison: JSON when rison fails, unless False
# api.ModelRestApi.post_headless/put_headless: the 422's message on a database error.
DB_ERROR_MESSAGE = "Database exception occurred"

# api.rison: the wrapper it puts around a method (each use is a closure of this one code).
_RISON_CODE = rison()(lambda self: None).__code__


def is_rison_wrapper(func) -> bool:
    """``func`` is the wrapper FAB's ``@rison`` made (api.rison's inner ``wraps``)."""
    return getattr(func, "__code__", None) is _RISON_CODE


# --- model views (baseviews.py, views.py, models/filters.py, validators.py) ------------------


def search_filters(view) -> Filters:
    """The filters a list's query string sets (BaseModelView._init_properties: ``_filters``)."""
    return view._filters


def base_filters(view) -> Filters:
    """The view's ``base_filters``, built (BaseModelView._init_properties: ``_base_filters``;
    ModelRestApi._init_properties the same for an API)."""
    return view._base_filters


def filters_by_column(filters: Filters) -> dict:
    """Column -> the filters ``_flt_<index>_<column>`` picks by index
    (models/filters.Filters._all_filters)."""
    return filters._all_filters


def pk_from_url(view, pk):
    """A row key as the URL carries it (BaseCRUDView._deserialize_pk_if_composite)."""
    return view._deserialize_pk_if_composite(pk)


def list_page_widgets(view) -> dict:
    """BaseCRUDView._list: the list page's widgets (list and search), from the query string."""
    return view._list()


def show_page_widgets(view, pk) -> dict:
    """BaseCRUDView._show: the show page's widgets (show and related lists); 404 for a row
    outside the view's base filters."""
    return view._show(pk)


def rebuild_forms(view) -> None:
    """Build a view's search, add and edit forms again (after its labels changed): FAB builds
    each only where none is set (BaseCRUDView._init_forms), so ours are dropped first."""
    for form in ("search_form", "add_form", "edit_form"):
        view.__dict__.pop(form, None)
    view._init_forms()


def fill_excluded_columns(view, exclude_cols, form) -> None:
    """BaseCRUDView._fill_form_exclude_cols: the columns a related list's filter fixes."""
    view._fill_form_exclude_cols(exclude_cols, form)


def add_widget(view, **kwargs) -> dict:
    """BaseCRUDView._get_add_widget (form, exclude_cols, widgets)."""
    return view._get_add_widget(**kwargs)


def edit_widget(view, **kwargs) -> dict:
    """BaseCRUDView._get_edit_widget (form, exclude_cols, widgets)."""
    return view._get_edit_widget(**kwargs)


def related_views_widgets(view, item, **kwargs) -> dict:
    """BaseCRUDView._get_related_views_widgets (orders, pages, page_sizes, widgets, filters)."""
    return view._get_related_views_widgets(item, **kwargs)


def skip_unique_check_of(form, pk) -> None:
    """validators.Unique passes the row ``form._id`` names (BaseCRUDView._edit's "trick")."""
    form._id = pk


def pretty_column(view, name: str):
    """FAB's label made from a column's name (BaseView._prettify_column)."""
    return view._prettify_column(name)


# The keys BaseCRUDView._get_list_widget hands list_widget (LeanListWidget reads these).
LIST_WIDGET_ARGS = ("label_columns", "include_columns", "value_columns", "formatters_columns",
                    "pks")
# The keys BaseModelView._get_search_widget hands search_widget (LeanSearchWidget reads these).
SEARCH_WIDGET_ARGS = ("route_base", "form", "include_cols", "filters")
# What widgets.SearchWidget.__call__ computes, which LeanSearchWidget computes instead.
SEARCH_WIDGET_OUTPUT = ("label_columns", "form_fields", "search_filters", "active_filters")


# --- self-registration (security/forms.py, security/registerviews.py) ------------------------

# RegisterUserDBForm's fields that app.auth.registration's form redefines or validates.
REGISTER_FORM_FIELDS = ("username", "first_name", "last_name", "email", "password",
                        "conf_password")
# BaseRegisterUser's flash messages, which RekomRegisterView.form_post shows as FAB does.
REGISTER_MESSAGES = ("message", "error_message")


# --- lazy labels (flask_babel.speaklater, the type of FAB's labels) --------------------------


def lazy_parts(label) -> tuple:
    """(function, args, kwargs) a lazy string calls (speaklater.LazyString._func/_args/_kwargs)."""
    return label._func, label._args, label._kwargs


# --- the REST API's log-in (security/api.py, security/schemas.py) ----------------------------

# The schema SecurityApi.login loads its body with; it then reads body["provider"] unchecked
# (a KeyError, so a 500, without one): app.views makes that field required.
API_LOGIN_SCHEMA = login_post


# --- the security manager (security/manager.py, security/sqla/manager.py) --------------------

MENU_ACCESS = "menu_access"  # filters.TemplateFilters.is_menu_visible: a menu entry's permission
API_LOGIN_ENDPOINT = "SecurityApi.login"  # security/api.py: SecurityApi.login, the API's log-in
API_KEY_USER = "_api_key_user"  # security/sqla/manager.py: g._api_key_user, an API key's request
# flask_login.utils._get_user (FAB's log-in): g._login_user, the request's user once loaded.
LOGIN_USER = "_login_user"


def builtin_role_grants(sm, role, permission_name: str, view_name: str) -> bool:
    """A FAB_ROLES role grants this (SecurityManager._has_access_builtin_roles)."""
    return sm._has_access_builtin_roles(role, permission_name, view_name)


def rate_limits(sm):
    """The limits backend (test, hit, clear, storage) behind FAB's limiter
    (security/manager.py create_limiter: ``sm.limiter``, flask-limiter's ``Limiter.limiter``)."""
    return sm.limiter.limiter


def limits_enabled(sm) -> bool:
    """FAB's limiter is on (flask-limiter's ``Limiter.enabled``; RATELIMIT_ENABLED)."""
    return getattr(sm.limiter, "enabled", False)


# --- FAB's loggers (api/__init__.py, utils/base.py) ------------------------------------------

LOGGER = "flask_appbuilder"  # every FAB module logs under this name
API_LOGGER = "flask_appbuilder.api"  # api.safe: log.exception(e) before an API view's 500
REDIRECT_LOGGER = "flask_appbuilder.utils.base"  # utils/base.get_safe_redirect's logger
INVALID_REDIRECT = "Invalid redirect detected"  # utils/base.get_safe_redirect's warning


# --- templates (flask_appbuilder/templates) --------------------------------------------------

# Ours under FAB's names: Flask finds the app's folder first, so FAB renders (or includes)
# ours wherever it names these (appbuilder/navbar.html: in every staff page).
SHADOWED_TEMPLATES = (
    "appbuilder/navbar.html",
    # Issue 26 (accessibility): <html lang>, static/a11y.css, no role="header", a named
    # language menu; each a copy of FAB 5.3's with that change only.
    "appbuilder/init.html",
    "appbuilder/baselayout.html",
    "appbuilder/navbar_right.html",
    "appbuilder/general/alert.html",
    "appbuilder/general/confirm.html",
    "appbuilder/general/security/activation.html",
    "appbuilder/swagger/swagger.html",
)


# --- methods: (FAB owner, name, the parameters FAB has, our modules that rely on it) ----------

# Overridden by name in our subclasses: FAB calls them, so a rename leaves ours dead.
OVERRIDES = (
    (BaseCRUDView, "_add", ("self",), "app.web.screen_writes"),
    (BaseCRUDView, "_edit", ("self", "pk"), "app.web.screen_writes"),
    (BaseCRUDView, "_delete", ("self", "pk"), "app.web.screen_writes"),
    (BaseCRUDView, "_init_forms", ("self",), "app.web.screen_writes"),
    (ModelView, "action_post", ("self",), "app.web.screen_writes"),
    # Re-exposed at FAB's routes (tests/test_fab_internals.py checks they are FAB's).
    (ModelView, "show", ("self", "pk"), "app.web.screens"),
    (ModelView, "action", ("self", "name", "pk"), "app.web.screens"),
    (BaseCRUDView, "_get_list_widget", ("self", "filters", "actions", "order_column",
                                        "order_direction", "page", "page_size", "widgets",
                                        "kwargs"), "app.web.screens"),
    (BaseModelView, "_get_search_widget", ("self", "form", "exclude_cols", "widgets"),
     "app.requests.views"),
    (UserDBModelView, "_init_forms", ("self",), "app.auth.security"),
    (SecurityManager, "get_user_by_id", ("self", "pk"), "app.auth.security"),
    (SecurityManager, "has_access", ("self", "permission_name", "view_name"),
     "app.auth.security"),
    (SecurityManager, "_has_view_access", ("self", "user", "permission_name", "view_name"),
     "app.auth.security"),
    (SecurityManager, "is_item_public", ("self", "permission_name", "view_name"),
     "app.auth.security"),
    (SecurityManager, "auth_user_db", ("self", "username", "password"), "app.auth.security"),
    (SecurityManager, "create_login_manager", ("self", "app"), "app.auth.security"),
    (SecurityManager, "on_user_logout", ("self", "user"), "app.auth.security"),
    (SecurityManager, "reset_password", ("self", "userid", "password"), "app.auth.security"),
    (SecurityManager, "register_views", ("self",), "app.auth.security"),
    (RegisterUserDBView, "this_form_post", ("self",), "app.auth.registration"),
    (RegisterUserDBView, "add_form_unique_validations", ("self", "form"),
     "app.auth.registration"),
    (RegisterUserDBView, "form_post", ("self", "form"), "app.auth.registration"),
    (RegisterUserDBView, "activation", ("self", "activation_hash"), "app.auth.registration"),
    (ModelRestApi, "_gen_labels_columns", ("self", "list_columns"), "app.web.api_base"),
    (ModelRestApi, "_init_model_schemas", ("self",), "app.web.api_base, app.requests.api"),
    (ModelRestApi, "response_400", ("self", "message"), "app.web.api_base"),
    (ModelRestApi, "response_422", ("self", "message"), "app.web.api_base"),
    (SearchWidget, "__call__", ("self", "kwargs"), "app.web.list_widgets"),
    (SQLAFilterConverter, "convert", ("self", "col_name"), "app.web.list_widgets"),
    (SQLAInterface, "get_search_columns_list", ("self",), "app.web.list_widgets"),
)

# Called by us (through the functions above, or on a FAB object we hold).
CALLS = (
    (urltools, "get_filter_args", ("filters", "disallow_if_not_in_search"),
     "app.web.screen_writes"),
    (urltools, "get_order_args", (), "app.web.screen_writes"),
    (urltools, "get_page_args", (), "app.web.screen_writes"),
    (urltools, "get_page_size_args", (), "app.web.screen_writes"),
    (BaseCRUDView, "_deserialize_pk_if_composite", ("self", "pk"),
     "app.web.list_args, app.web.screen_writes, app.web.screens"),
    (BaseCRUDView, "_list", ("self", "kwargs"), "app.frontoffice.views"),
    (BaseCRUDView, "_show", ("self", "pk"), "app.web.screens"),
    (BaseCRUDView, "_init_forms", ("self",), "app.auth.views"),
    (BaseCRUDView, "_fill_form_exclude_cols", ("self", "exclude_cols", "form"),
     "app.web.screen_writes"),
    (BaseCRUDView, "_get_add_widget", ("self", "form", "exclude_cols", "widgets"),
     "app.web.screen_writes"),
    (BaseCRUDView, "_get_edit_widget", ("self", "form", "exclude_cols", "widgets"),
     "app.web.screen_writes"),
    (BaseCRUDView, "_get_related_views_widgets",
     ("self", "item", "orders", "pages", "page_sizes", "widgets", "args"),
     "app.web.screen_writes"),
    (BaseCRUDView, "get_init_inner_views", ("self",), "app.web.list_args"),
    (MultipleView, "get_init_inner_views", ("self",), "app.web.list_args"),
    (ModelView, "get_action_permission_name", ("self", "name"),
     "app.web.list_args, app.web.screen_writes"),
    (BaseView, "_prettify_column", ("self", "name"), "app.web.api_base"),
    (Filters, "get_relation_cols", ("self",), "app.web.screen_writes"),
    (Filters, "add_filter", ("self", "column_name", "filter_class", "value"),
     "app.requests.views, app.feedback.views"),
    (Filters, "get_search_filters", ("self",), "app.web.list_widgets"),
    (Filters, "get_filters_values_tojson", ("self",), "app.web.list_widgets"),
    (SecurityManager, "_has_access_builtin_roles",
     ("self", "role", "permission_name", "view_name"), "app.auth.security"),
    (SecurityManager, "get_user_roles", ("self", "user"), "app.auth.security"),
    (SecurityManager, "load_user", ("self", "pk"), "app.auth.security"),
)

# --- attributes: (owner, name, our modules that read it where it is used) ---------------------

# Checked on a live object: the app's AppBuilder, a view of the owner's class, else the class.
ATTRIBUTES = (
    (AppBuilder, "baseviews", "app.auth.views, app.reports.views"),
    (BaseCRUDView, "_related_views", "app.web.screens"),
    (Schema, "_declared_fields", "app.feedback.api"),  # marshmallow: the fields, in order
)


# --- Flask-WTF 1.3.0, beside FAB's forms ------------------------------------------------------

def wtforms_messages_from_babel() -> None:
    """WTForms' own messages ("Field cannot be longer than %(max)d characters.") in the user's
    language on FAB's forms too. flask_wtf/i18n.py's private ``_get_translations`` loads
    WTForms' catalogue, which has no Indonesian; Flask-Babel's merges ours
    (app/translations_wtforms) with the app's. Pinned in tests/test_fab_internals.py."""
    import flask_wtf.i18n
    from flask import has_request_context
    from flask_babel import get_translations

    flask_wtf.i18n._get_translations = (
        lambda: get_translations() if has_request_context() else None)
