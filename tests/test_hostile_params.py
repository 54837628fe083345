"""Hostile paging, order, filter, row-key, action and rison arguments (issue 20, items 8 and 9).

Every list screen (FAB's model views, ours and FAB's security ones, from ``appbuilder.baseviews``)
and every GET route of the REST API (from ``app.url_map``) is called with the arguments FAB
parses by hand — ``page_<view>``, ``psize_<view>``, ``_oc_<view>``, ``_flt_<n>_<column>``, the
row key in ``/show/<pk>`` and its siblings, ``/action/<name>/<pk>``, ``action_post``, the API's
``q`` — shaped as an attacker or a clumsy hand would: never a 5xx, anonymous or logged in.
An admin (who may see every list) gets the 400 page of refused input in Indonesian, or a 404
for a row key that cannot be one; the API its JSON ``message``. A view or API added later is
walked the same way. Ordinary arguments (FAB's own page sizes, a column the list offers,
any text in a text filter or in a request's or an account's, which is typed) still answer
the list, and a page size past 100 is read as 100.
"""
from __future__ import annotations

import re
import urllib.parse

import prison
import pytest
from flask import url_for
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.baseviews import BaseModelView
from flask_appbuilder.models.filters import FilterRelation
from flask_appbuilder.urltools import get_page_size_args

from app.web import list_args
from app.web.lookups import LookupEqual, LookupNotEqual

HUGE = "99999999999999999999"  # past 64 bits
TYPED = (LookupEqual, LookupNotEqual)  # relations named by a typed code (web/lookups.py)
USERS = (None, "officer_x", "admin")


class _Crash:
    """An exception the app let through (TESTING propagates it): the visitor's 500."""

    status_code = 500

    def __init__(self, exc):
        self.exc, self.headers = exc, {}

    def get_data(self, as_text=False):
        return f"{type(self.exc).__name__}: {self.exc}"

    def get_json(self, silent=False):
        return None


def _open(client, url, method="GET", **kwargs):
    try:
        return client.open(url, method=method, buffered=True, **kwargs)
    except Exception as exc:  # noqa: BLE001 - whatever escapes is what the test looks for
        return _Crash(exc)


def _name(view) -> str:
    return type(view).__name__


def _list_views(app) -> list:
    return [v for v in app.appbuilder.baseviews
            if isinstance(v, BaseModelView) and f"{_name(v)}.list" in app.view_functions]


def _url(app, endpoint, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _refused_page(response) -> bool:
    body = response.get_data(as_text=True)
    return response.status_code == 400 and 'id="bad-input"' in body and "Isian ditolak" in body


def _denied(user, response) -> bool:
    """Not the list and not a crash: refused (400), or the access check's answer."""
    return response.status_code in (400, 401, 403, 404) or (
        300 <= response.status_code < 400 and user != "admin")


def _hostile_list_args(view) -> list[str]:
    n = _name(view)
    shapes = [
        f"_oc_{n}=no_such_column&_od_{n}=asc",
        f"psize_{n}=abc", f"psize_{n}=0", f"psize_{n}=-1", f"psize_{n}=1.5",
        f"page_{n}=abc", f"page_{n}=-1", f"page_{n}={HUGE}", f"page_{n}=1.5",
        "page_NoSuchView=abc",  # FAB reads every page_* argument, whichever view it names
    ]
    # A column of the model the list does not offer to sort by (users: the password hash).
    hidden = [c for c in view.datamodel.get_columns_list()
              if c not in (view.order_columns or ())]
    if hidden:
        shapes.append(f"_oc_{n}={hidden[0]}&_od_{n}=desc")
    every = view._filters._all_filters
    for column in view._filters.get_search_filters():
        if column not in every:
            continue
        if len(every[column]) < 10:
            shapes.append(f"_flt_9_{column}=1")
        for index, flt in enumerate(every[column]):
            if isinstance(flt, TYPED):
                continue  # any text is a code to look up (_ordinary_filters)
            if isinstance(flt, FilterRelation):
                shapes += [f"_flt_{index}_{column}=abc", f"_flt_{index}_{column}={HUGE}"]
            elif view.datamodel.is_boolean(column):  # FAB's checkbox sends "y"
                shapes += [f"_flt_{index}_{column}=abc", f"_flt_{index}_{column}="]
            elif view.datamodel.is_integer(column):
                top = list_args._int_bounds(view.datamodel.list_columns[column])[1]
                shapes += [f"_flt_{index}_{column}={HUGE}", f"_flt_{index}_{column}={top + 1}"]
    return shapes


def _users_for(app, view) -> tuple:
    """Who calls ``view``: the admin (who may see every list) always; anonymous and an officer
    on one list of ours and FAB's users' list (the check runs before FAB's access check and
    does not read the user, so more views would walk the same code again)."""
    sampled = {"ActivityRequestView", _name(app.appbuilder.sm.user_view)}
    return USERS if _name(view) in sampled else ("admin",)


def test_hostile_list_arguments_are_refused_on_every_list(app, world, clients):
    failures, walked = [], 0
    for view in _list_views(app):
        url = _url(app, f"{_name(view)}.list")
        for query in _hostile_list_args(view):
            for user in _users_for(app, view):
                walked += 1
                r = _open(clients[user], f"{url}?{query}")
                if user == "admin" and not _refused_page(r):
                    failures.append(f"{user} {url}?{query}: {r.status_code} "
                                    f"{r.get_data(as_text=True)[:120]}")
                elif r.status_code >= 500 or not _denied(user, r):
                    failures.append(f"{user} {url}?{query}: {r.status_code}")
    assert walked > 300
    assert not failures, "\n".join(failures[:40])


def test_a_larger_page_size_is_read_as_the_largest(app, world, clients):
    """A bookmark asking for 500 rows (or 100000) still opens the list, 100 rows a page."""
    for size in ("101", "500", "100000", HUGE):
        url = f"/activityrequestview/list/?psize_ActivityRequestView={size}"
        assert clients["officer_x"].get(url).status_code == 200, size
        with app.test_request_context(f"{url}&psize_X=7"):
            assert list_args.check_request() is None
            assert get_page_size_args() == {"ActivityRequestView": 100, "X": 7}


def test_a_page_size_that_is_no_number_is_refused_in_indonesian(app, world, clients):
    r = clients["officer_x"].get("/activityrequestview/list/?psize_ActivityRequestView=abc")
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Baris per halaman: bilangan bulat dari 1 sampai 100." in body
    assert "psize_ActivityRequestView" in body


def _ordinary_filters(view) -> list[dict[str, str]]:
    """Filter arguments a list must answer, as rounds: each round sets every filter of the view
    once (FAB applies them together, in one query), each filter's values spread over rounds."""
    rounds: list[dict[str, str]] = []
    every = view._filters._all_filters
    for column in view._filters.get_search_filters():
        for index, flt in enumerate(every.get(column, ())):
            if isinstance(flt, TYPED):  # a request's code, an account's name, or a key
                values = ["abc", HUGE, str(2**31), "1", ""]  # past 32 bits: PostgreSQL's int
            elif isinstance(flt, FilterRelation):
                values = ["1"]
            elif view.datamodel.is_boolean(column):
                values = ["y"]
            elif view.datamodel.is_integer(column):
                top = list_args._int_bounds(view.datamodel.list_columns[column])[1]
                values = ["abc", str(top), str(-top - 1)]
            else:  # text, dates, numbers, choices: FAB makes what it can of any text
                values = ["abc", "1e999", ""]
            for number, value in enumerate(values):
                if number == len(rounds):
                    rounds.append({})
                rounds[number][f"_flt_{index}_{column}"] = value
    return rounds


def test_ordinary_list_arguments_still_answer_the_list(app, world, clients):
    failures, filters = [], 0
    for view in _list_views(app):
        n, url = _name(view), _url(app, f"{_name(view)}.list")
        queries = [f"psize_{n}=25&page_{n}=7", f"psize_{n}=100&page_{n}=0"]
        if view.order_columns:
            queries[1] += f"&_oc_{n}={view.order_columns[0]}&_od_{n}=desc"
        for args in _ordinary_filters(view):
            filters += len(args)
            # One row a page: the filters' query is the same, the page quicker to draw.
            queries.append(urllib.parse.urlencode({**args, f"psize_{n}": 1}))
        for query in queries:
            r = _open(clients["admin"], f"{url}?{query}")
            if r.status_code != 200:
                # Which of the round's filters it was (only when one failed).
                for name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
                    one = _open(clients["admin"], f"{url}?{urllib.parse.urlencode({name: value})}")
                    if one.status_code != 200:
                        failures.append(f"{url}?{name}={value}: {one.status_code} "
                                        f"{one.get_data(as_text=True)[:120]}")
                failures.append(f"{url}?{query[:200]}: {r.status_code}")
    assert filters > 1000  # every filter of every list with each of its values
    assert not failures, "\n".join(failures[:40])


def _pk_rules(app, view) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith(f"{_name(view)}.") and "pk" in rule.arguments
            and "GET" in rule.methods and not rule.rule.startswith("/api/")]


def test_row_keys_that_cannot_be_are_not_found(app, world, clients):
    failures, walked = [], 0
    for view in _list_views(app):
        composite = view.datamodel.is_pk_composite()
        keys = ([HUGE, f"-{HUGE}", "abc", "1.5"] if not composite else
                ["1", "abc", "[1]", "[1,2,3]", '["a","b"]', f"[{HUGE},1]", "[1,true]"])
        for rule in _pk_rules(app, view):
            action = next(iter(view.actions or {}), "x")
            for key in keys:
                values = {"pk": urllib.parse.quote(key, safe=""), "name": action}
                url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: v[m.group(1)], rule.rule)
                for user in _users_for(app, view):
                    walked += 1
                    r = _open(clients[user], url)
                    if r.status_code >= 500 or (user == "admin" and r.status_code != 404) \
                            or not _denied(user, r):
                        failures.append(f"{user} {url}: {r.status_code}")
    assert walked > 100
    assert not failures, "\n".join(failures[:40])


def test_unknown_actions_are_refused_on_every_view(app, world, clients):
    failures = []
    for view in _list_views(app):
        n = _name(view)
        key = "[1,2026]" if view.datamodel.is_pk_composite() else "1"
        calls = []
        if f"{n}.action_post" in app.view_functions:
            calls.append(("POST", _url(app, f"{n}.action_post"), 400,
                          {"data": {"action": "no_such_action", "rowid": "1"}}))
        if f"{n}.action" in app.view_functions:
            url = _url(app, f"{n}.action", name="no_such_action", pk=key)
            calls += [("GET", url, 404, {}), ("POST", url, 404, {"data": {}})]
        for method, url, expected, kwargs in calls:
            for user in USERS:
                r = _open(clients[user], url, method, **kwargs)
                if r.status_code != expected:
                    failures.append(f"{user} {method} {url}: {r.status_code}")
    # The issue's own cases: a composite key's view, and FAB's security screens.
    assert _open(clients[None], "/lettercounterview/action/x/1").status_code == 404
    for base in ("users", "roles", "groups", "permissions", "viewmenus", "permissionviews",
                 "registeruser"):
        r = _open(clients["admin"], f"/{base}/action_post", "POST", data={"action": "nope"})
        if not _refused_page(r):
            failures.append(f"admin POST /{base}/action_post: {r.status_code}")
    assert not failures, "\n".join(failures[:40])


def test_actions_on_rows_that_do_not_exist_are_not_found(app, world, clients):
    failures = []
    for view in _list_views(app):
        if f"{_name(view)}.action" not in app.view_functions:
            continue
        key = "[999999,2026]" if view.datamodel.is_pk_composite() else "999999"
        for action in view.actions or {}:
            url = _url(app, f"{_name(view)}.action", name=action, pk=key)
            for method in ("GET", "POST"):
                r = _open(clients["admin"], url, method, data={})
                # 404; or FAB's own answer to an action the admin may not run (a redirect).
                if r.status_code != 404 and not 300 <= r.status_code < 400:
                    failures.append(f"admin {method} {url}: {r.status_code} "
                                    f"{r.get_data(as_text=True)[:100]}")
    assert not failures, "\n".join(failures)
    assert _open(clients["admin"], "/roles/action/copyrole/999999", "POST").status_code == 404


# --- the REST API -------------------------------------------------------------------------------

HOSTILE_Q = ["1e%2B5", "1e+5", "(page:99999999999999999999)", "(page:-1)", "(page:1e300)",
             "(page:!t)", "(page_size:1e300)", "(keys:!(99999999999999999999))",
             "!(99999999999999999999)", "(filters:!((col:id,opr:eq,value:99999999999999999999)))"]


def _api_get_rules(app) -> list:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and "GET" in rule.methods \
                and set(rule.arguments) <= {"pk"}:
            found.append(rule)
    return sorted(found, key=lambda r: r.rule)


def test_every_rest_list_and_info_reads_its_q_through_the_check(app):
    reads = {r.endpoint for r in _api_get_rules(app)
             if list_args._reads_rison(app.view_functions[r.endpoint])}
    apis = [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]
    assert apis
    for api in apis:
        routes = {f"{_name(api)}.{m}" for m in ("get_list", "info", "get")}
        routes &= set(app.view_functions)
        assert f"{_name(api)}.get_list" in routes
        assert routes <= reads, routes - reads
    # The catalogue's full-text search reads q as words, not rison.
    assert "CatalogueApi.search" not in reads


def test_hostile_rison_never_ends_in_a_server_error(app, world, tokens):
    failures, walked = [], 0
    client = app.test_client()
    for rule in _api_get_rules(app):
        url = rule.rule.replace("<int:pk>", "1").replace("<pk>", "1")
        reads = list_args._reads_rison(app.view_functions[rule.endpoint])
        for q in HOSTILE_Q:
            for user in (None, "officer_x"):
                walked += 1
                r = _open(client, f"{url}?q={q}", headers=tokens[user] if user else {})
                body = r.get_json(silent=True)
                if r.status_code >= 500:
                    failures.append(f"{user} {url}?q={q}: {r.status_code} {r.get_data()[:120]}")
                elif reads and (r.status_code != 400 or not isinstance(body, dict)
                                or not body.get("message")):
                    failures.append(f"{user} {url}?q={q}: {r.status_code} {body}")
    assert walked > 100
    assert not failures, "\n".join(failures[:40])


def test_every_rest_filter_takes_hostile_values_without_a_server_error(app, world, tokens):
    """Every filter of every API with each value: those the check lets through together, in
    one query per column and value (FAB applies them all), the others one by one."""
    failures, walked = [], 0
    client = app.test_client()
    for api in [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]:
        url = _url(app, f"{_name(api)}.get_list")
        for column, flts in api._filters.get_search_filters().items():
            numeric = api.datamodel.is_integer(column) or api.datamodel.is_relation(column)
            for value in ("abc", "''", HUGE, "-1", "!t", "!(abc,1)"):
                oprs = [flt.arg_name for flt in flts]
                passed = [o for o in oprs if list_args._rest_filter_fits(
                    api.datamodel, column, o, prison.loads(value))]
                for group in [passed] * bool(passed) + [[o] for o in oprs if o not in passed]:
                    walked += len(group)
                    q = "(filters:!({}))".format(",".join(
                        f"(col:{column},opr:{o},value:{value})" for o in group))
                    r = _open(client, f"{url}?q={urllib.parse.quote(q)}",
                              headers=tokens["officer_x"])
                    if r.status_code >= 500 or value == HUGE and numeric and r.status_code != 400:
                        failures.append(f"{url}?q={q}: {r.status_code} {r.get_data()[:120]}")
    assert walked > 500
    assert not failures, "\n".join(failures[:40])


def test_the_rison_refusal_is_the_apis_usual_json_message(app, world):
    r = app.test_client().get("/api/v1/catalogue/?q=1e+5")
    assert r.status_code == 400
    assert r.get_json() == {"message": "Argumen rison/json tidak valid"}


@pytest.mark.parametrize("path", [
    "/api/v1/requests/?q=(page:0,page_size:100)",
    "/api/v1/requests/?q=(page:2,page_size:-1)",  # FAB's own "as many as allowed"
    "/api/v1/requests/_info?q=(keys:!(permissions))",
    "/api/v1/catalogue/search?q=1e%2B5",  # words to look for, not rison
    "/api/v1/catalogue/search?q=(page:99999999999999999999)",
])
def test_ordinary_q_still_answers(app, world, tokens, path):
    r = app.test_client().get(path, headers=tokens["officer_x"])
    assert r.status_code == 200, r.get_json()
