"""A logged-in officer's "Try it out" in the Swagger UI: the write travels on the login cookie,
so the page must send its CSRF token (app/web/api_csrf.py refuses the cookie without it)."""
from __future__ import annotations

import sqlalchemy as sa

from app import models as m

from conftest import PASSWORD, seed


def test_an_officer_takes_a_workflow_action_from_the_swagger_ui(app, world, wf, live_server,
                                                                page):
    with app.app_context():
        pk = seed(app.appbuilder.session, world, wf, "submitted")
        app.appbuilder.session.remove()
    page.goto(f"{live_server}/login/")
    page.get_by_label("Nama Pengguna").fill("officer_x")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_label("Kata sandi").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/swagger/v1")
    action = page.locator("#operations-Requests-post_api_v1_requests__pk___action_name_")
    action.wait_for()
    action.locator(".opblock-summary").click()
    action.locator("button.try-out__btn").click()
    action.locator("input[placeholder='pk']").fill(str(pk))
    action.locator("select").first.select_option("start_review")
    with page.expect_response(lambda r: f"/api/v1/requests/{pk}/" in r.url) as answer:
        action.locator("button.execute").click()
    assert answer.value.status == 200, answer.value.text()
    assert answer.value.json()["state"] == "in_review"
    with app.app_context():
        state = app.appbuilder.session.execute(
            sa.select(m.ActivityRequest.state).where(m.ActivityRequest.id == pk)).scalar_one()
        app.appbuilder.session.remove()
    assert state == "in_review"
