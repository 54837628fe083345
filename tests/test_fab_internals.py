"""What our code takes from Flask-AppBuilder beyond its documented API, pinned (issue 21).

app/web/fab_internals.py names each private method, attribute, query-string name, widget key,
logger and ``g`` flag we rely on, as FAB 5.3.0 has them; these tests check each against the FAB
installed, so an upgrade that renames or reshapes one fails here first, saying which of our
modules depends on it. The templates we extend, include or shadow are checked the same way.
"""
from __future__ import annotations

import inspect
import logging
import re
from pathlib import Path

import flask
import flask_appbuilder
import flask_babel
import flask_limiter
import flask_login
import jinja2
import pytest
from flask_appbuilder import AppBuilder, ModelView, const, validators
from flask_appbuilder import filters as fab_template_filters
from flask_appbuilder.api import ModelRestApi, rison, safe
from flask_appbuilder.baseviews import AbstractViewApi, BaseCRUDView, BaseModelView
from flask_appbuilder.menu import MenuItem
from flask_appbuilder.models.filters import BaseFilter, Filters
from flask_appbuilder.security import api as fab_security_api
from flask_appbuilder.security import manager as fab_manager
from flask_appbuilder.security.forms import RegisterUserDBForm
from flask_appbuilder.security.registerviews import RegisterUserDBView
from flask_appbuilder.security.sqla import manager as fab_sqla_manager
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.utils import base as fab_utils_base
from flask_appbuilder.widgets import RenderTemplateWidget, SearchWidget
from marshmallow import Schema
from marshmallow import fields as schema_fields

import app as app_package
from app.auth.views import SECURITY_LABELS
from app.requests.views import ActivityRequestView
from app.web import fab_internals as fab
from app.web import list_widgets
from app.web.screens import OfficeScopedView

FAB = f"the installed Flask-AppBuilder ({flask_appbuilder.__version__})"


def _name(owner) -> str:
    return getattr(owner, "__qualname__", None) or owner.__name__


def _source(obj) -> str:
    return inspect.getsource(obj)


# --- methods overridden or called by name -----------------------------------------------------


def _method_ids(entries):
    return [f"{_name(owner)}.{name}" for owner, name, _params, _users in entries]


@pytest.mark.parametrize("owner,name,params,users", fab.OVERRIDES,
                         ids=_method_ids(fab.OVERRIDES))
def test_overridden_methods_are_fabs(owner, name, params, users):
    """A method we override by name: FAB still has it (else ours is never called) and calls it
    with the parameters ours takes."""
    assert hasattr(owner, name), (
        f"{users} overrides {_name(owner)}.{name}, which {FAB} no longer has: the override "
        f"is dead")
    found = tuple(inspect.signature(getattr(owner, name)).parameters)
    assert found == params, (
        f"{users} overrides {_name(owner)}.{name}{params}; {FAB} has {found}")


@pytest.mark.parametrize("owner,name,params,users", fab.CALLS, ids=_method_ids(fab.CALLS))
def test_called_methods_are_fabs(owner, name, params, users):
    assert hasattr(owner, name), f"{users} calls {_name(owner)}.{name}, gone from {FAB}"
    found = tuple(inspect.signature(getattr(owner, name)).parameters)
    assert found == params, f"{users} calls {_name(owner)}.{name}{params}; {FAB} has {found}"


def test_the_routes_we_re_expose_are_fabs():
    """OfficeScopedView's show and action replace FAB's at FAB's own routes (else both answer,
    FAB's unscoped); its show renders as FAB's does."""
    for name in ("show", "action"):
        ours, fabs = getattr(OfficeScopedView, name)._urls, getattr(ModelView, name)._urls
        assert ours == fabs, \
            f"app.web.screens re-exposes ModelView.{name} at {ours}; {FAB} has it at {fabs}"
    assert "related_views=self._related_views" in _source(ModelView.show), \
        f"app.web.screens (show): {FAB}'s show no longer hands its template _related_views"
    assert "self.datamodel.get(pk, self._base_filters)" in _source(BaseCRUDView._show), (
        "app.web.screens (fab_internals.show_page_widgets): "
        f"{FAB}'s _show no longer loads the row within the view's base filters")


def _live(app, owner):
    """What an attribute is read on: the app's AppBuilder, a view of the owner's, a class."""
    if owner is AppBuilder:
        return app.appbuilder
    if issubclass(owner, AbstractViewApi):
        return next(v for v in app.appbuilder.baseviews if isinstance(v, owner))
    return owner


@pytest.mark.parametrize("owner,name,users", fab.ATTRIBUTES,
                         ids=[f"{_name(owner)}.{name}" for owner, name, _users in fab.ATTRIBUTES])
def test_attributes_are_fabs(app, owner, name, users):
    assert hasattr(_live(app, owner), name), \
        f"{users} reads {_name(owner)}.{name}, gone from {FAB}"


def test_the_attributes_read_as_we_read_them(app):
    assert all(isinstance(view, AbstractViewApi) for view in app.appbuilder.baseviews), \
        f"app.auth.views, app.reports.views: {FAB}'s appbuilder.baseviews are not its views"
    probe = type("Probe", (Schema,), {"b": schema_fields.String(), "a": schema_fields.String()})
    assert list(probe._declared_fields) == ["b", "a"], (
        "app.feedback.api (ComplaintApi.add_columns): marshmallow's Schema no longer keeps its "
        "fields in _declared_fields, in order")


# --- the list's query string ------------------------------------------------------------------


class _RecordingFilters:
    """Stands for FAB's Filters where urltools.get_filter_args sets them."""

    def __init__(self):
        self.added = []

    def clear_filters(self):
        self.added.clear()

    def get_search_filters(self):
        return {"name": []}

    def add_filter_index(self, column, index, values):
        self.added.append((column, index, values))


def test_list_arguments_are_the_ones_fab_reads():
    users = "app.web.list_args (and app.web.screen_writes)"
    query = (f"{fab.PAGE_ARG}V=3&{fab.PAGE_SIZE_ARG}V=50"
             f"&{fab.ORDER_ARG}V=name&{fab.ORDER_DIRECTION_ARG}V={fab.ORDER_DIRECTIONS[0]}"
             f"&{fab.ORDER_ARG}W=title&{fab.ORDER_DIRECTION_ARG}W={fab.ORDER_DIRECTIONS[1]}"
             f"&{fab.ORDER_ARG}X=year&{fab.ORDER_DIRECTION_ARG}X=sideways&_flt_2_name=abc")
    with flask.Flask(__name__).test_request_context("/?" + query):
        assert fab.get_page_args() == {"V": 3}, \
            f"{users}: {FAB} no longer reads the page from {fab.PAGE_ARG}<view>"
        assert fab.get_page_size_args() == {"V": 50}, \
            f"{users}: {FAB} no longer reads the page size from {fab.PAGE_SIZE_ARG}<view>"
        assert fab.get_order_args() == {"V": ("name", "asc"), "W": ("title", "desc")}, (
            f"{users}: {FAB} no longer orders by {fab.ORDER_ARG}<view> in "
            f"{fab.ORDER_DIRECTION_ARG}<view> = one of {fab.ORDER_DIRECTIONS}")
        filters = _RecordingFilters()
        fab.get_filter_args(filters, disallow_if_not_in_search=False)
        assert filters.added == [("name", 2, ["abc"])], \
            f"{users}: {FAB} no longer reads filters as {fab.FILTER_ARG}"
        assert re.fullmatch(fab.FILTER_ARG, "_flt_2_name").groups() == ("2", "name")


def test_list_arguments_are_named_by_the_views_class():
    listing = _source(BaseCRUDView._list)
    for reader in ("get_order_args", "get_page_args", "get_page_size_args"):
        assert f"{reader}().get(self.__class__.__name__)" in listing, (
            f"app.web.list_args (fab_internals.arg_view_name): {FAB}'s list no longer keys "
            f"{reader} by the view's class name")
    assert fab.arg_view_name(BaseCRUDView.__new__(BaseCRUDView)) == "BaseCRUDView"


def test_rison_argument():
    users = "app.web.list_args"
    assert fab.RISON_ARG == const.API_URI_RIS_KEY, f"{users}: {FAB} reads rison from another arg"
    assert "API_URI_RIS_KEY" in _source(rison), f"{users}: {FAB}'s @rison reads another arg"
    assert f'"{fab.JSON_QS_SETTING}"' in _source(rison), \
        f"{users}: {FAB}'s @rison no longer falls back to JSON by {fab.JSON_QS_SETTING}"

    def method(self, **kwargs):
        return kwargs

    assert fab.is_rison_wrapper(rison()(method)), \
        f"{users} (_reads_rison): {FAB}'s @rison wrapper is not one closure any more"
    assert fab.is_rison_wrapper(rison({"type": "object"})(method)), \
        f"{users} (_reads_rison): {FAB}'s @rison(schema) wrapper is not the same closure"
    assert not fab.is_rison_wrapper(method)
    assert not fab.is_rison_wrapper(safe(method))


def test_database_error_message_of_the_rest_api():
    assert f'f"{fab.DB_ERROR_MESSAGE}: ' in _source(ModelRestApi), (
        f"app.web.api_base (response_422): {FAB}'s post/put no longer answer "
        f"'{fab.DB_ERROR_MESSAGE}: …' on a database error")


# --- model views: their private attributes ----------------------------------------------------


def _model_view(app):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == "RekomUserDBModelView")


def test_a_model_views_private_attributes(app):
    users = ("app.web.list_args, app.web.screen_writes, app.web.screens, app.requests.views, "
             "app.feedback.views, app.letters.views")
    view = _model_view(app)
    assert isinstance(fab.search_filters(view), Filters), \
        f"{users}: {FAB}'s model view has no _filters (its search filters)"
    assert isinstance(fab.base_filters(view), Filters), \
        f"{users}: {FAB}'s model view has no _base_filters (its base_filters, built)"
    by_column = fab.filters_by_column(fab.search_filters(view))
    assert isinstance(by_column, dict) and by_column, \
        f"app.web.list_args: {FAB}'s Filters has no _all_filters (column -> filters)"
    assert all(isinstance(flt, BaseFilter) for flts in by_column.values() for flt in flts)
    assert "self._all_filters[column_name][filter_instance_index]" in _source(Filters), \
        f"app.web.list_args: {FAB}'s Filters no longer picks _flt_<index> in _all_filters"
    assert isinstance(fab.search_filters(view).filters, list), \
        f"app.requests.views (_get_search_widget): {FAB}'s Filters has no filters (the active)"


def test_a_rest_apis_base_filters(app):
    api = next(v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi))
    assert isinstance(fab.base_filters(api), Filters), \
        f"app.requests.api, app.feedback.api: {FAB}'s REST API has no _base_filters"


def test_rebuilding_a_views_forms(app):
    users = "app.auth.views (fab_internals.rebuild_forms)"
    # One of the views app.auth.views rebuilds at start-up: again here, to the same forms.
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ in SECURITY_LABELS)
    before = (view.search_form, view.add_form, view.edit_form)
    fab.rebuild_forms(view)
    after = (view.search_form, view.add_form, view.edit_form)
    assert all(after) and not any(new is old for new, old in zip(after, before)), \
        f"{users}: {FAB} no longer builds a view's forms again once they are dropped"


def test_the_page_history(app):
    users = "app.frontoffice.views (fab_internals.last_page)"
    view = _model_view(app)
    with app.test_request_context("/users/list/?page_RekomUserDBModelView=1"):
        assert fab.last_page(flask.session) is None
        view.update_redirect()
        url = flask.request.url
        assert flask.session.get(fab.PAGE_HISTORY_KEY) == [url], \
            f"{users}: {FAB} no longer records the pages in session[{fab.PAGE_HISTORY_KEY!r}]"
        assert fab.last_page(flask.session) == url
        assert flask.session[fab.PAGE_HISTORY_KEY] == [url], "last_page changed the history"


def test_the_unique_check_skips_the_edited_row():
    assert "form._id" in _source(validators.Unique), (
        "app.web.screen_writes (fab_internals.skip_unique_check_of): "
        f"{FAB}'s Unique no longer skips the row form._id names")
    assert "form._id = pk" in _source(BaseCRUDView._edit)


def test_actions_as_action_post_reads_them():
    params = inspect.signature(flask_appbuilder.actions.ActionItem).parameters
    assert {"multiple", "func"} <= set(params), \
        f"app.web.screen_writes (action_post): {FAB}'s ActionItem has no multiple/func"


# --- widgets ---------------------------------------------------------------------------------


def _keywords(source: str) -> set[str]:
    return set(re.findall(r"\b(\w+)=", source))


def test_list_widget_arguments():
    handed = _keywords(_source(BaseCRUDView._get_list_widget))
    missing = set(fab.LIST_WIDGET_ARGS) - handed
    assert not missing, f"app.web.list_widgets: {FAB}'s list no longer hands its widget {missing}"
    assert "self.template_args = kwargs" in _source(RenderTemplateWidget.__init__), \
        f"app.web.list_widgets: {FAB}'s widgets no longer keep their arguments in template_args"


def test_search_widget_arguments_and_what_it_computes():
    handed = _keywords(_source(BaseModelView._get_search_widget))
    missing = set(fab.SEARCH_WIDGET_ARGS) - handed
    assert not missing, f"app.web.list_widgets: {FAB}'s search widget is not handed {missing}"
    computed = set(re.findall(r'kwargs\["(\w+)"\] =', _source(SearchWidget.__call__)))
    assert computed == set(fab.SEARCH_WIDGET_OUTPUT), (
        f"app.web.list_widgets (LeanSearchWidget skips SearchWidget.__call__): {FAB}'s "
        f"computes {sorted(computed)}, ours {sorted(fab.SEARCH_WIDGET_OUTPUT)}")


def test_our_search_widget_is_handed_what_fabs_is():
    fabs = _keywords(_source(BaseModelView._get_search_widget))
    ours = _keywords(_source(ActivityRequestView._get_search_widget))
    assert fabs <= ours, (f"app.requests.views (_get_search_widget) hands the search widget "
                          f"{sorted(ours)}; {FAB}'s {sorted(fabs)}")


def test_our_widgets_read_only_the_pinned_arguments():
    read = set(re.findall(r'template_args(?:\.get\(|\[)"(\w+)"', _source(list_widgets)))
    unpinned = read - set(fab.LIST_WIDGET_ARGS) - set(fab.SEARCH_WIDGET_ARGS)
    assert read and not unpinned, (f"app.web.list_widgets reads {unpinned} of FAB's widget "
                                   "arguments: pin them in fab_internals")


def test_lazy_labels():
    label = flask_babel.lazy_gettext("Office")
    assert fab.lazy_parts(label) == (flask_babel.gettext, ("Office",), {}), (
        "app.web.list_widgets (translated): flask-babel's LazyString no longer keeps "
        "_func, _args and _kwargs")


def test_the_filter_converter_is_the_interfaces_to_choose():
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    assert hasattr(SQLAInterface, "filter_converter_class"), (
        f"app.web.interface (RekomInterface): {FAB}'s SQLAInterface has no "
        "filter_converter_class")


# --- menus and the security manager -----------------------------------------------------------


def test_menu_access_and_menu_items():
    assert f'has_access("{fab.MENU_ACCESS}", item.name)' in _source(fab_template_filters), (
        f"app.web.list_widgets (navbar_entries), app.auth.security (sync_roles): {FAB} no "
        f"longer shows a menu entry by {fab.MENU_ACCESS}")
    params = inspect.signature(MenuItem).parameters
    assert {"name", "childs", "baseview"} <= set(params) and hasattr(MenuItem, "get_url"), \
        f"app.web.list_widgets, app.auth.security: {FAB}'s MenuItem changed"


def test_the_flags_fab_and_flask_login_leave_on_g():
    assert f"g.{fab.API_KEY_USER} = True" in _source(fab_sqla_manager), (
        f"app.auth.security (has_access's fast path): {FAB} no longer marks an API key's "
        f"request with g.{fab.API_KEY_USER}")
    assert f'getattr(g, "{fab.API_KEY_USER}", False)' in _source(fab_manager.BaseSecurityManager
                                                                 .has_access)
    assert f"g.{fab.LOGIN_USER}" in _source(flask_login.utils._get_user), (
        "app.auth.security, app.web.logs: flask-login no longer keeps the request's user in "
        f"g.{fab.LOGIN_USER}")


def test_the_managers_attributes(app):
    users = "app.auth.security"
    assert isinstance(SecurityManager.__dict__.get("builtin_roles")
                      or fab_manager.BaseSecurityManager.__dict__.get("builtin_roles"),
                      property), f"{users}: {FAB}'s manager has no builtin_roles"
    for name in ("user_model", "registeruser_model", "authdbview", "rolemodelview",
                 "groupmodelview", "userstatschartview", "userdbmodelview", "registeruserdbview",
                 "group_model", "role_model", "permissionview_model", "permission_model",
                 "viewmenu_model"):
        assert hasattr(SecurityManager, name), f"{users}: {FAB}'s manager has no {name}"
    sm = app.appbuilder.sm
    assert isinstance(sm.limiter, flask_limiter.Limiter), f"{users}: {FAB}'s sm.limiter changed"
    assert hasattr(sm.limiter, "enabled"), \
        f"{users} (fab_internals.limits_enabled): flask-limiter's Limiter has no enabled"
    # The tests' app runs without limits (no backend): FAB's limiter on one that has them.
    probe = flask.Flask(__name__)
    probe.config["RATELIMIT_STORAGE_URI"] = "memory://"
    stand_in = type("Manager", (), {"limiter": sm.create_limiter(probe)})()
    assert fab.limits_enabled(stand_in) is True
    backend = fab.rate_limits(stand_in)
    for name in ("test", "hit", "clear"):
        assert "identifiers" in inspect.signature(getattr(backend, name)).parameters, \
            f"{users} (auth_user_db): the limiter's backend has no {name}(item, *identifiers)"
    assert {"key", "expiry", "amount"} <= set(inspect.signature(backend.storage.incr).parameters)
    assert hasattr(backend.storage, "get") and hasattr(backend.storage, "clear"), \
        f"{users} (unlock_account): the limiter's storage changed"
    assert sm.auth_view.blueprint.name in app.blueprints, \
        f"{users} (apply_rate_limits): {FAB}'s manager keeps no auth_view"
    assert "self.registeruser_view = self.registeruserdbview()" in _source(
        fab_manager.BaseSecurityManager.register_views), \
        f"{users} (register_views, apply_rate_limits): {FAB} no longer builds registeruser_view"
    assert fab.API_LOGIN_ENDPOINT in app.view_functions, \
        f"{users} (_limit_both_login_doors): {FAB}'s API log-in is not {fab.API_LOGIN_ENDPOINT}"


def test_the_api_login_schema():
    users = "app.views (register_apis)"
    login = _source(fab_security_api.SecurityApi.login)
    assert fab.API_LOGIN_SCHEMA is fab_security_api.login_post and "login_post.load(" in login, \
        f"{users}: {FAB}'s API log-in no longer loads its body with security/schemas.login_post"
    assert "provider" in fab.API_LOGIN_SCHEMA.fields and 'login_payload["provider"]' in login, \
        f"{users}: {FAB}'s API log-in no longer reads the provider field"


def test_self_registration():
    for name in fab.REGISTER_FORM_FIELDS:
        assert hasattr(RegisterUserDBForm, name), \
            f"app.auth.registration: {FAB}'s RegisterUserDBForm has no {name}"
    for name in fab.REGISTER_MESSAGES:
        assert hasattr(RegisterUserDBView, name), \
            f"app.auth.registration: {FAB}'s RegisterUserDBView has no {name}"


# --- loggers ----------------------------------------------------------------------------------


def test_fabs_loggers_and_messages():
    users = "app.web.logs"
    assert flask_appbuilder.__name__ == fab.LOGGER
    assert logging.getLogger(safe.__module__) is logging.getLogger(fab.API_LOGGER) \
        and "log.exception(e)" in _source(safe), \
        f"{users}: {FAB}'s @safe no longer logs an API view's exception on {fab.API_LOGGER}"
    assert fab_utils_base.log.name == fab.REDIRECT_LOGGER, \
        f"{users}: {FAB}'s redirect check no longer logs on {fab.REDIRECT_LOGGER}"
    assert f'"{fab.INVALID_REDIRECT}' in _source(fab_utils_base.get_safe_redirect), \
        f"{users}: {FAB}'s redirect check no longer warns '{fab.INVALID_REDIRECT}…'"


# --- templates --------------------------------------------------------------------------------

OURS = Path(app_package.__file__).parent / "templates"
FABS = Path(flask_appbuilder.__file__).parent / "templates"
_ENV = jinja2.Environment()


def _resolve(name: str) -> Path | None:
    """A template as Flask finds it: the app's folder first, then FAB's blueprint."""
    for root in (OURS, FABS):
        if (root / name).is_file():
            return root / name
    return None


def _parse(path: Path):
    return _ENV.parse(path.read_text(encoding="utf-8"))


def _top_blocks(node) -> set[str]:
    """The blocks a child template fills: those not inside another block."""
    names = set()
    for child in node.iter_child_nodes():
        if isinstance(child, jinja2.nodes.Block):
            names.add(child.name)
        else:
            names |= _top_blocks(child)
    return names


# appbuilder/base.html extends {{ base_template }}: AppBuilder's, by default (we set none).
BASE_TEMPLATE = inspect.signature(flask_appbuilder.AppBuilder).parameters["base_template"].default


def _chain_blocks(name: str) -> set[str]:
    names, seen = set(), set()
    while name and name not in seen:
        seen.add(name)
        path = _resolve(name)
        if path is None:
            break
        tree = _parse(path)
        names |= {block.name for block in tree.find_all(jinja2.nodes.Block)}
        parent = next(tree.find_all(jinja2.nodes.Extends), None)
        if parent is None:
            break
        if isinstance(parent.template, jinja2.nodes.Const):
            name = parent.template.value
        else:
            assert isinstance(parent.template, jinja2.nodes.Name) \
                and parent.template.name == "base_template", f"{path} extends an unknown name"
            name = BASE_TEMPLATE
    return names


def _our_templates() -> list[Path]:
    return sorted(OURS.rglob("*.html"))


def _fab_names(tree, kind):
    return [n for n in tree.find_all(kind)
            if isinstance(n.template, jinja2.nodes.Const)
            and n.template.value.startswith("appbuilder/")]


@pytest.mark.parametrize("path", _our_templates(), ids=lambda p: str(p.relative_to(OURS)))
def test_templates_on_fabs(path):
    """What a template of ours takes from FAB's: the template it extends, includes or imports
    exists; the blocks it fills exist in what it extends; the macros it calls exist."""
    ours = f"app/templates/{path.relative_to(OURS)}"
    tree = _parse(path)
    source = path.read_text(encoding="utf-8")
    for kind in (jinja2.nodes.Extends, jinja2.nodes.Include, jinja2.nodes.Import,
                 jinja2.nodes.FromImport):
        for node in _fab_names(tree, kind):
            assert _resolve(node.template.value), \
                f"{ours} uses {node.template.value}, which {FAB} no longer has"
    for node in _fab_names(tree, jinja2.nodes.Extends):
        missing = _top_blocks(tree) - _chain_blocks(node.template.value)
        assert not missing, (f"{ours} fills blocks {sorted(missing)} that "
                             f"{node.template.value} of {FAB} no longer has")
    for node in _fab_names(tree, jinja2.nodes.Import) + _fab_names(tree, jinja2.nodes.FromImport):
        macros = {m.name for m in _parse(_resolve(node.template.value)).find_all(
            jinja2.nodes.Macro)}
        if isinstance(node, jinja2.nodes.Import):
            called = set(re.findall(rf"(?<![/\w]){re.escape(node.target)}\.(\w+) *\(", source))
        else:
            called = {name if isinstance(name, str) else name[0] for name in node.names}
        assert called <= macros, (f"{ours} calls {sorted(called - macros)} of "
                                  f"{node.template.value}, which {FAB} no longer defines")


def test_the_templates_we_shadow_are_fabs():
    """A template of ours under appbuilder/ with FAB's path replaces FAB's everywhere FAB
    renders or includes it: listed in fab_internals.SHADOWED_TEMPLATES, and still FAB's."""
    for name in fab.SHADOWED_TEMPLATES:
        assert (OURS / name).is_file(), f"app/templates/{name} is gone: unlist it"
        assert (FABS / name).is_file(), \
            f"app/templates/{name} replaces FAB's {name}, which {FAB} no longer has"
    shadowing = sorted(str(p.relative_to(OURS)) for p in (OURS / "appbuilder").rglob("*.html")
                       if (FABS / p.relative_to(OURS)).is_file())
    assert shadowing == sorted(fab.SHADOWED_TEMPLATES), \
        "fab_internals.SHADOWED_TEMPLATES must list app/templates' replacements of FAB's"


def test_wtforms_messages_follow_the_users_language(app, world):
    """flask_wtf.i18n._get_translations is Flask-Babel's (fab_internals): a length refusal of a
    FAB form reads in Indonesian, with its number."""
    import inspect

    import flask_wtf.i18n
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import Length

    assert "_get_translations" in inspect.getsource(flask_wtf.i18n.Translations)

    class Short(FlaskForm):
        name = StringField("Nama", validators=[Length(max=3)])

    with app.test_request_context("/", method="POST", data={"name": "panjang"}):
        form = Short(meta={"csrf": False})
        assert not form.validate()
        message = form.name.errors[0]
    assert "3" in message and "cannot" not in message, message
