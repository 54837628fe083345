"""With CSRF on (as in production), a REST API write authenticated by the web login cookie needs
the page's CSRF token in a header and our own origin: a page on another site cannot make a
logged-in officer's browser take a workflow action. JWT clients need neither."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import models as m

from conftest import PASSWORD, app_config, seed

EVIL = "http://evil.example"
OURS = "http://localhost"  # the test client's host
REFUSED = "Permintaan ini ditolak: permintaan tidak berasal dari halaman aplikasi ini."
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def guarded(app):
    from app import create_app

    return create_app({**app_config(), "WTF_CSRF_ENABLED": True})


def _logged_in(guarded, username):
    client = guarded.test_client()
    html = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    r = client.post("/login/", data={"username": username, "password": PASSWORD,
                                     "csrf_token": token})
    assert r.status_code == 302
    return client


def _api_token(client):
    """The token the Swagger UI page hands its "Try it out" calls."""
    html = client.get("/swagger/v1").get_data(as_text=True)
    return re.search(r'const csrfToken = "([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def officer(guarded, world):
    return _logged_in(guarded, "officer_x")


def _state(app, pk):
    with app.app_context():
        session = app.appbuilder.session
        state = session.execute(sa.select(m.ActivityRequest.state)
                                .where(m.ActivityRequest.id == pk)).scalar_one()
        session.remove()
        return state


def _submitted(app, world, wf):
    with app.app_context():
        pk = seed(app.appbuilder.session, world, wf, "submitted")
        app.appbuilder.session.remove()
    return pk


def _refused(r):
    return r.status_code == 403 and r.json["message"].startswith(REFUSED)


def test_a_cross_site_post_on_the_login_cookie_changes_nothing(app, officer, world, wf):
    pk = _submitted(app, world, wf)
    path = f"/api/v1/requests/{pk}/start_review"
    # What a form on another site makes the browser send: the cookie, no token.
    assert _refused(officer.post(path, headers={"Origin": EVIL}))
    assert _refused(officer.post(path, data={"note": "x"}, headers={"Origin": EVIL}))
    assert _refused(officer.post(path, json={}))  # no token, no origin told
    assert _refused(officer.post(path, json={}, headers={"Origin": OURS}))
    assert _refused(officer.post(path, json={}, headers={"X-CSRFToken": "forged"}))
    # Even the right token does not help a page of another origin.
    token = _api_token(officer)
    for headers in ({"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/page"},
                    {"Origin": "http://localhost.evil.example"}, {"Origin": "https://localhost"}):
        assert _refused(officer.post(path, json={}, headers={**headers, "X-CSRFToken": token}))
    assert _state(app, pk) == "submitted"


@pytest.mark.parametrize("headers", [
    {"Origin": OURS}, {"Referer": f"{OURS}/swagger/v1"}, {},
])
def test_our_pages_write_with_the_token(app, officer, world, wf, headers):
    pk = _submitted(app, world, wf)
    token = _api_token(officer)
    r = officer.post(f"/api/v1/requests/{pk}/start_review", json={},
                     headers={**headers, "X-CSRF-Token": token})
    assert r.status_code == 200, r.json
    assert r.json["state"] == "in_review" == _state(app, pk)


def test_jwt_clients_need_no_token(app, guarded, world, wf):
    pk = _submitted(app, world, wf)
    client = guarded.test_client()
    r = client.post("/api/v1/security/login", json={
        "username": "officer_x", "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200
    bearer = {"Authorization": f"Bearer {r.json['access_token']}"}
    r = client.post(f"/api/v1/requests/{pk}/start_review", json={}, headers=bearer)
    assert r.status_code == 200, r.json
    assert _state(app, pk) == "in_review"


def test_anonymous_writes_are_fabs_to_refuse(guarded, world):
    r = guarded.test_client().post("/api/v1/requests/1/submit", json={},
                                   headers={"Origin": EVIL})
    assert r.status_code == 401


def test_the_json_login_with_a_cookie_needs_our_origin_only(officer):
    body = {"username": "officer_x", "password": PASSWORD, "provider": "db"}
    r = officer.post("/api/v1/security/login", json=body)
    assert r.status_code == 200 and r.json["access_token"]
    assert _refused(officer.post("/api/v1/security/login", json=body, headers={"Origin": EVIL}))


def _write_routes(application):
    return sorted((rule.rule, method) for rule in application.url_map.iter_rules()
                  if rule.rule.startswith("/api/") for method in rule.methods & WRITES)


def test_every_api_write_route_refuses_the_cookie_without_token(app, guarded, world, wf):
    routes = _write_routes(guarded)
    # Ours, the feedback API's and FAB's own security API are all among them.
    paths = {path for path, _ in routes}
    assert {"/api/v1/requests/<int:pk>/<action_name>", "/api/v1/complaints/<int:pk>/<step>",
            "/api/v1/security/refresh", "/api/v1/reviews/<int:pk>/checklist"} <= paths
    pk = _submitted(app, world, wf)
    admin = _logged_in(guarded, "admin")
    failed = []
    for path, method in routes + [("/api/v1/catalogue/", "POST")]:  # the catalogue: read only
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda hit: {"pk": str(pk), "action_name": "withdraw",
                                                         "step": "take"}[hit.group(1)], path)
        if url == "/api/v1/security/login":
            r = admin.open(url, method=method, json={}, headers={"Origin": EVIL})
        else:
            r = admin.open(url, method=method, json={"title": "x"})
        if not _refused(r):
            failed.append((method, url, r.status_code))
    assert not failed
    assert _state(app, pk) == "submitted"
