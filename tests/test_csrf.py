"""With CSRF on (as in production), every state-changing form of ours refuses a POST without
its token and changes nothing; with the token it goes through."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app import models as m

from conftest import PASSWORD, app_config, seed


@pytest.fixture(scope="module")
def guarded(app):
    from app import create_app

    return create_app({**app_config(), "WTF_CSRF_ENABLED": True})


def _token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _logged_in(guarded, username):
    client = guarded.test_client()
    token = _token(client, "/login/")
    r = client.post("/login/", data={"username": username, "password": PASSWORD,
                                     "csrf_token": token})
    assert r.status_code == 302
    return client


@pytest.mark.parametrize("path", ["/portal/password/forgot", "/complaints/new", "/register/form"])
def test_public_forms_refuse_a_post_without_token(guarded, path):
    assert guarded.test_client().post(path, data={"email": "a@b.go.id"}).status_code == 400


def test_the_api_needs_no_token_it_uses_jwt(guarded, world):
    r = guarded.test_client().post("/api/v1/security/login", json={
        "username": "officer_x", "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200 and r.json["access_token"]


def test_portal_and_staff_posts_need_the_token(app, guarded, world, wf):
    with app.app_context():
        draft = seed(app.appbuilder.session, world, wf, "draft")
        review = seed(app.appbuilder.session, world, wf, "in_review")
    applicant = _logged_in(guarded, "applicant_a")
    for path in (f"/portal/requests/{draft}/submit", f"/portal/requests/{draft}/withdraw",
                 "/portal/requests/new"):
        assert applicant.post(path, data={"title": "x"}).status_code == 400, path
    officer = _logged_in(guarded, "officer_x")
    assert officer.post(f"/activityrequestview/checklist/{review}", data={}).status_code == 400
    assert officer.post("/activityrequestview/action_post",
                        data={"action": "verify", "rowid": [review]}).status_code == 400
    with app.app_context():
        session = app.appbuilder.session
        states = dict(session.execute(sa.select(m.ActivityRequest.id, m.ActivityRequest.state)
                                      .where(m.ActivityRequest.id.in_([draft, review]))).all())
        assert states == {draft: "draft", review: "in_review"}
    # With the token from the page, the same withdrawal goes through.
    token = _token(applicant, f"/portal/requests/{draft}")
    r = applicant.post(f"/portal/requests/{draft}/withdraw", data={"csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        assert app.appbuilder.session.get(m.ActivityRequest, draft).state == "withdrawn"
