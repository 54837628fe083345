"""The APIs speak the user's language too: every column label and title of every one of our
APIs is the screens' own (web/labels.py), never FAB's English made from the column name; and an
integration can read a review round's checklist items (ids, labels) before recording them."""
from __future__ import annotations

import pytest

from app import models as m

from conftest import seed

OURS = ["requests", "reviews", "letters", "complaints", "ratings", "catalogue"]


def _prettified(column: str) -> str:
    # FAB's _prettify_column: what a label reads when nobody gave one.
    return column.replace("_", " ").replace(".", " ").title()


@pytest.mark.parametrize("resource", OURS)
def test_labels_and_titles_are_indonesian(api, resource):
    r = api("GET", "admin", f"/api/v1/{resource}/?q=(page_size:1)",
            headers={"Accept-Language": "id"})
    assert r.status_code == 200, r.json
    labels = r.json["label_columns"]
    assert labels
    english = {col: label for col, label in labels.items()
               if label in (_prettified(col), _prettified(col.split(".")[0]))
               and col != "id"}
    assert english == {}, english
    assert not r.json["list_title"].startswith("List ")
    info = api("GET", "admin", f"/api/v1/{resource}/_info", headers={"Accept-Language": "id"})
    if info.status_code == 200:
        for key in ("add_title", "edit_title"):
            title = info.json.get(key, "")
            assert not title.startswith(("Add ", "Edit ")), (key, title)


def test_the_reviews_labels_read_as_on_the_screen(api):
    labels = api("GET", "admin", "/api/v1/reviews/?q=(page_size:1)").json["label_columns"]
    assert labels["finished_at"] == "Selesai" and labels["officer.id"] == "Petugas"


def test_an_integration_reads_the_open_rounds_checklist(app, world, wf, api):
    with app.app_context():
        session = app.appbuilder.session
        req_id = seed(session, world, wf, "in_review")
        review_id = session.get(m.ActivityRequest, req_id).reviews[-1].id
    r = api("GET", "officer_x", f"/api/v1/reviews/{review_id}/checklist")
    assert r.status_code == 200, r.json
    assert r.json["open"] is True and r.json["items"]
    item = r.json["items"][0]
    assert isinstance(item["id"], int) and item["label"] and item["ok"] is True
    # What it read is what it can record.
    body = {"checklist": {str(i["id"]): {"ok": False, "note": "Lengkapi"} for i in
                          r.json["items"][:1]}}
    assert api("PUT", "officer_x", f"/api/v1/reviews/{review_id}/checklist",
               json=body).status_code == 200
    again = api("GET", "officer_x", f"/api/v1/reviews/{review_id}/checklist").json
    assert again["items"][0] == {**item, "ok": False, "note": "Lengkapi"}
    # Another office's review is not there.
    assert api("GET", "officer_y", f"/api/v1/reviews/{review_id}/checklist").status_code == 404
