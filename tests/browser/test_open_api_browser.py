"""The Swagger UI, opened without logging in, in a real browser: FAB's bundled Swagger UI loads
the open OpenAPI document under the Content-Security-Policy, and a visitor can run the open
catalogue search from it."""
from __future__ import annotations


def test_swagger_ui_works_for_a_visitor(live_server, page):
    page.goto(f"{live_server}/swagger/v1")
    # The operations of the document are listed, grouped by their tags.
    page.wait_for_selector("#operations-tag-Catalogue")
    assert page.locator("#operations-tag-Complaints").count() == 1
    search = page.locator("#operations-Catalogue-get_api_v1_catalogue_search")
    search.wait_for()
    search.locator(".opblock-summary").click()
    page.locator("button.try-out__btn").first.click()
    page.locator("input[placeholder='q']").fill("survei")
    with page.expect_response(lambda r: "/api/v1/catalogue/search" in r.url) as answer:
        page.locator("button.execute").first.click()
    assert answer.value.status == 200  # no login, no token: the catalogue is open
    assert "count" in answer.value.json()
